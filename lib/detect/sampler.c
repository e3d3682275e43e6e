/* detect.c: the signals trigger's detectors watch; see detect.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/sampler.h"
#include "capture/event.h"
#include "base/log.h"
#include "base/util.h"

/* ---- histograms ---- */

static unsigned bucket_of(uint64_t v)
{
	unsigned lg, sub;

	if (v < 4)
		return (unsigned)v;
	lg = 63 - __builtin_clzll(v);
	sub = (v >> (lg - 2)) & 3;
	return lg * 4 + sub - 4;	/* lg >= 2: 4..251 */
}

static uint64_t bucket_top(unsigned b)
{
	unsigned lg, sub;

	if (b < 4)
		return b;
	lg = (b + 4) / 4;
	sub = (b + 4) % 4;
	if (lg >= 63)
		return UINT64_MAX;
	return ((4ULL + sub + 1) << (lg - 2)) - 1;
}

void fr_hist_add(struct fr_hist *h, uint64_t v)
{
	unsigned b = bucket_of(v);

	if (b >= FR_HIST_BUCKETS)
		b = FR_HIST_BUCKETS - 1;
	h->b[b]++;
	h->n++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

uint64_t fr_hist_quantile(const struct fr_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->n)
		return 0;
	rank = (uint64_t)ceil(q * h->n);
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < FR_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen >= rank) {
			uint64_t top = bucket_top(b);

			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

/* ---- helpers ---- */

static unsigned idx(const char *name)
{
	const struct fr_metric_def *m = fr_metric_find(name, strlen(name));

	return m ? fr_metric_index(m) : 63;
}

static bool wants(const struct fr_sampler *s, const char *name)
{
	return s->want[idx(name)];
}

static void set(struct fr_sampler *s, const char *name, double v, const char *detail)
{
	unsigned i = idx(name);

	if (!s->want[i])
		return;
	s->value[i] = v;
	s->valid[i] = true;
	snprintf(s->detail[i], sizeof(s->detail[i]), "%s", detail ? detail : "");
}

static void unset(struct fr_sampler *s, const char *name)
{
	s->valid[idx(name)] = false;
}

bool fr_signal_is_fatal(int sig)
{
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGABRT: case SIGFPE:
	case SIGILL: case SIGSYS: case SIGTRAP:
		return true;
	default:
		return false;
	}
}

/* ---- cgroups ---- */

struct mounts {
	char v2[256], cpuacct[256], memory[256];
};

static void find_mounts(struct mounts *m)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[2048];

	memset(m, 0, sizeof(*m));
	while (f && fgets(line, sizeof(line), f)) {
		char mp[256], fstype[64], opts[512] = "";
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mp) != 1 ||
		    sscanf(dash + 3, "%63s %*s %511s", fstype, opts) < 1)
			continue;
		if (!strcmp(fstype, "cgroup2") && !m->v2[0]) {
			snprintf(m->v2, sizeof(m->v2), "%s", mp);
		} else if (!strcmp(fstype, "cgroup")) {
			/* the controllers are among the super options */
			char *save, *o;

			for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
				if (!strcmp(o, "cpuacct") && !m->cpuacct[0])
					snprintf(m->cpuacct, sizeof(m->cpuacct), "%s", mp);
				if (!strcmp(o, "memory") && !m->memory[0])
					snprintf(m->memory, sizeof(m->memory), "%s", mp);
			}
		}
	}
	if (f)
		fclose(f);
}

static const char *strip_mount(const char *path, const char *mnt)
{
	size_t n = strlen(mnt);

	if (!n || strncmp(path, mnt, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path + n;
}

static bool exists(const char *dir, const char *rel, const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s/%s/%s", dir, rel, file);
	return access(out, R_OK) == 0;
}

static int cgroup_init(struct fr_sampler *s, const char *cg)
{
	struct mounts m;
	const char *rel = cg;
	char path[512];
	bool v1;

	find_mounts(&m);
	v1 = cg[0] == '/' && !strip_mount(cg, m.v2);
	if (cg[0] == '/') {
		const char *mnts[] = { m.v2, m.cpuacct, m.memory };

		rel = NULL;
		for (unsigned i = 0; i < 3 && !rel; i++)
			rel = strip_mount(cg, mnts[i]);
		if (!rel) {
			fr_err("--cgroup %s: not under a cgroup mount (%s%s%s); give a directory "
			       "under one, or a path relative to them", cg,
			       m.v2[0] ? m.v2 : "no cgroup2", m.cpuacct[0] ? ", " : "", m.cpuacct);
			return -EINVAL;
		}
	}
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	/* a path names its hierarchy; a bare name prefers cgroup2 */
	if (m.v2[0] && (!v1 || strip_mount(cg, m.v2)) &&
	    exists(m.v2, rel, "cpu.stat", path, sizeof(path))) {
		snprintf(s->cg_cpu, sizeof(s->cg_cpu), "%s", path);
		s->cg_cpu_v2 = true;
	} else if (m.cpuacct[0] && exists(m.cpuacct, rel, "cpuacct.stat", path, sizeof(path))) {
		snprintf(s->cg_cpu, sizeof(s->cg_cpu), "%s/%s", m.cpuacct, rel);
	}
	if (m.v2[0] && exists(m.v2, rel, "memory.stat", path, sizeof(path))) {
		snprintf(s->cg_mem, sizeof(s->cg_mem), "%s", path);
		s->cg_mem_v2 = true;
	} else if (m.memory[0] && exists(m.memory, rel, "memory.stat", path, sizeof(path))) {
		snprintf(s->cg_mem, sizeof(s->cg_mem), "%s", path);
	}
	if (!(m.v2[0] && exists(m.v2, rel, "cgroup.threads", s->cg_tasks, sizeof(s->cg_tasks))) &&
	    !(m.cpuacct[0] && exists(m.cpuacct, rel, "tasks", s->cg_tasks, sizeof(s->cg_tasks))) &&
	    !(m.memory[0] && exists(m.memory, rel, "tasks", s->cg_tasks, sizeof(s->cg_tasks)))) {
		fr_err("--cgroup %s: no such cgroup (looked under %s%s%s%s%s)", cg,
		       m.v2[0] ? m.v2 : "", m.cpuacct[0] ? ", " : "", m.cpuacct,
		       m.memory[0] ? ", " : "", m.memory);
		return -ENOENT;
	}
	if ((wants(s, "cpu.usage") || wants(s, "cpu.user") || wants(s, "cpu.sys")) && !s->cg_cpu[0]) {
		fr_err("--cgroup %s: no CPU accounting for it (neither cgroup2 cpu.stat nor "
		       "cgroup v1 cpuacct)", cg);
		return -ENOENT;
	}
	if ((wants(s, "memburst.anon") || wants(s, "memburst.rate")) && !s->cg_mem[0]) {
		fr_err("--cgroup %s: no memory accounting for it (neither cgroup2 nor v1 memory.stat)",
		       cg);
		return -ENOENT;
	}
	if (wants(s, "cpu.iowait")) {
		fr_err("--cgroup: cpu.iowait is a host-wide figure; watch it without --cgroup");
		return -EINVAL;
	}
	return 0;
}

/* The cgroup's tasks, read at most once a second. */
static void cgroup_members(struct fr_sampler *s, uint64_t now)
{
	FILE *f;
	char line[32];

	if (s->cg_tids_ok && now - s->cg_members_at < 1000000000ULL)
		return;
	fr_tidmap_free(&s->cg_members);
	s->cg_members_at = now;
	f = fopen(s->cg_tasks, "re");
	s->cg_tids_ok = f != NULL;
	while (f && fgets(line, sizeof(line), f))
		fr_tidmap_set(&s->cg_members, (uint32_t)strtoul(line, NULL, 10), 1);
	if (f)
		fclose(f);
}

static bool in_cgroup(const struct fr_sampler *s, uint32_t tid)
{
	uint32_t v;

	return !s->cgroup || (s->cg_tids_ok && fr_tidmap_get(&s->cg_members, tid, &v));
}

/* "key value" lines: the value of key, or -1. */
static long long keyed(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

/* ---- samples ---- */

static void sample_cpu(struct fr_sampler *s, uint64_t now)
{
	char buf[4096];
	uint64_t v[8] = { 0 }, d[8], total = 0;

	if (s->cgroup) {
		uint64_t usage, user, sys;

		if (s->cg_cpu_v2) {
			if (fr_read_small(s->cg_cpu, buf, sizeof(buf)) < 0)
				goto gone;
			usage = keyed(buf, "usage_usec") * 1000ULL;
			user = keyed(buf, "user_usec") * 1000ULL;
			sys = keyed(buf, "system_usec") * 1000ULL;
		} else {
			char p[600];
			long hz = sysconf(_SC_CLK_TCK);

			snprintf(p, sizeof(p), "%s/cpuacct.usage", s->cg_cpu);
			if (fr_read_small(p, buf, sizeof(buf)) < 0)
				goto gone;
			usage = strtoull(buf, NULL, 10);
			snprintf(p, sizeof(p), "%s/cpuacct.stat", s->cg_cpu);
			if (fr_read_small(p, buf, sizeof(buf)) < 0)
				goto gone;
			user = keyed(buf, "user") * (1000000000ULL / (hz > 0 ? hz : 100));
			sys = keyed(buf, "system") * (1000000000ULL / (hz > 0 ? hz : 100));
		}
		/* a counter that went back: the cgroup was made anew */
		if (s->cg_prev_ok && (usage < s->cg_usage_prev || user < s->cg_user_prev ||
				      sys < s->cg_sys_prev)) {
			s->cg_prev_ok = false;
			unset(s, "cpu.usage");
			unset(s, "cpu.user");
			unset(s, "cpu.sys");
		}
		if (s->cg_prev_ok && now > s->cg_prev_ns) {
			double cap = (double)(now - s->cg_prev_ns) * sysconf(_SC_NPROCESSORS_ONLN) / 100.0;

			set(s, "cpu.usage", (usage - s->cg_usage_prev) / cap, s->cgroup);
			set(s, "cpu.user", (user - s->cg_user_prev) / cap, s->cgroup);
			set(s, "cpu.sys", (sys - s->cg_sys_prev) / cap, s->cgroup);
		}
		s->cg_usage_prev = usage;
		s->cg_user_prev = user;
		s->cg_sys_prev = sys;
		s->cg_prev_ns = now;
		s->cg_prev_ok = true;
		return;
gone:
		unset(s, "cpu.usage");
		unset(s, "cpu.user");
		unset(s, "cpu.sys");
		s->cg_prev_ok = false;
		return;
	}
	if (fr_read_small("/proc/stat", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "cpu %lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) < 4)
		return;
	for (int i = 0; i < 8; i++) {
		d[i] = v[i] >= s->cpu_prev[i] ? v[i] - s->cpu_prev[i] : 0;
		total += d[i];
	}
	if (s->cpu_prev_ok && total) {
		double t = total / 100.0;

		set(s, "cpu.usage", (total - d[3] - d[4]) / t, NULL);
		set(s, "cpu.user", (d[0] + d[1]) / t, NULL);
		set(s, "cpu.sys", (d[2] + d[5] + d[6]) / t, NULL);
		set(s, "cpu.iowait", d[4] / t, NULL);
	}
	memcpy(s->cpu_prev, v, sizeof(v));
	s->cpu_prev_ok = true;
}

int fr_dstate_walk(int (*cb)(uint32_t pid, uint32_t tid, const char *comm, void *arg), void *arg)
{
	DIR *pd = opendir("/proc");
	struct dirent *p;
	int ret = 0;

	if (!pd)
		return -errno;
	while (!ret && (p = readdir(pd))) {
		char path[600];
		DIR *td;
		struct dirent *t;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		td = opendir(path);
		while (!ret && td && (t = readdir(td))) {
			char st[512], comm[16], *lp, *rp;
			size_t n;

			if (t->d_name[0] < '1' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stat", p->d_name, t->d_name);
			if (fr_read_small(path, st, sizeof(st)) <= 0)
				continue;
			/* "tid (comm) D ...": the name may hold spaces and parentheses */
			rp = strrchr(st, ')');
			lp = strchr(st, '(');
			if (!rp || !lp || rp < lp || rp[1] != ' ' || rp[2] != 'D')
				continue;
			n = (size_t)(rp - lp - 1) < 15 ? (size_t)(rp - lp - 1) : 15;
			memcpy(comm, lp + 1, n);
			comm[n] = 0;
			ret = cb((uint32_t)atoi(p->d_name), (uint32_t)atoi(t->d_name), comm, arg);
		}
		if (td)
			closedir(td);
	}
	closedir(pd);
	return ret;
}

struct dcount {
	struct fr_sampler *s;
	unsigned n;
	char first[48];
};

static int count_dstate(uint32_t pid, uint32_t tid, const char *comm, void *arg)
{
	struct dcount *c = arg;

	(void)pid;
	if (c->s->cgroup && !in_cgroup(c->s, tid))
		return 0;
	if (!c->n++)
		snprintf(c->first, sizeof(c->first), "tid %u %s", tid, comm);
	return 0;
}

/* Tasks in D state, and their damped average. */
static void sample_dstate(struct fr_sampler *s)
{
	struct dcount c = { .s = s };
	unsigned n;

	fr_dstate_walk(count_dstate, &c);
	n = c.n;
	set(s, "dstate.tasks", n, n ? c.first : NULL);
	/* an exponentially damped one-minute average, like the load average,
	 * sampled once a second */
	if (!s->dload_ok) {
		s->dload = n;
		s->dload_ok = true;
	} else {
		double e = exp(-1.0 / 60.0);

		s->dload = s->dload * e + n * (1 - e);
	}
	set(s, "dstate.load", s->dload, NULL);
}

/* Wait share: /proc/schedstat (host) or each task's schedstat (cgroup). */
/* One task's schedstat since the last look: its run and wait deltas; 0, 0
 * the first time it is seen (a task that joins the cgroup brings no past). */
static void task_sched_delta(struct fr_sampler *s, uint32_t tid, uint64_t r, uint64_t w,
			     uint64_t *dr, uint64_t *dw)
{
	uint32_t i;

	*dr = *dw = 0;
	if (fr_tidmap_get(&s->cg_sched_idx, tid, &i)) {
		if (r >= s->cg_sched[i][0] && w >= s->cg_sched[i][1]) {
			*dr = r - s->cg_sched[i][0];
			*dw = w - s->cg_sched[i][1];
		}
	} else {
		if (s->cg_sched_n == s->cg_sched_cap) {
			uint32_t cap = s->cg_sched_cap ? s->cg_sched_cap * 2 : 256;
			void *v = realloc(s->cg_sched, cap * sizeof(*s->cg_sched));

			if (!v)
				return;
			s->cg_sched = v;
			s->cg_sched_cap = cap;
		}
		i = s->cg_sched_n;
		if (fr_tidmap_set(&s->cg_sched_idx, tid, i))
			return;
		s->cg_sched_n++;
	}
	s->cg_sched[i][0] = r;
	s->cg_sched[i][1] = w;
	s->cg_sched[i][2] = s->epoch;
	s->cg_sched[i][3] = tid;
}

/* The tasks not in the cgroup's list this time (gone, or moved out) are
 * forgotten: the table holds the cgroup's tasks and no more. */
static void forget_left_tasks(struct fr_sampler *s)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->cg_sched_n; i++)
		if (s->cg_sched[i][2] == s->epoch)
			n++;
	if (n == s->cg_sched_n)
		return;
	fr_tidmap_free(&s->cg_sched_idx);
	n = 0;
	for (uint32_t i = 0; i < s->cg_sched_n; i++) {
		if (s->cg_sched[i][2] != s->epoch)
			continue;
		memcpy(s->cg_sched[n], s->cg_sched[i], sizeof(s->cg_sched[0]));
		if (fr_tidmap_set(&s->cg_sched_idx, (uint32_t)s->cg_sched[n][3], n)) {
			/* out of memory: start over, every task new again */
			fr_tidmap_free(&s->cg_sched_idx);
			n = 0;
			break;
		}
		n++;
	}
	s->cg_sched_forgotten += s->cg_sched_n - n;
	s->cg_sched_n = n;
	if (s->cg_sched_cap > 256 && n * 4 < s->cg_sched_cap) {
		void *v = realloc(s->cg_sched, (s->cg_sched_cap / 2) * sizeof(*s->cg_sched));

		if (v) {
			s->cg_sched = v;
			s->cg_sched_cap /= 2;
		}
	}
}

/* Wait share: /proc/schedstat (host) or each task's schedstat (cgroup). */
static void sample_wait(struct fr_sampler *s)
{
	uint64_t run = 0, wait = 0;

	if (s->cgroup) {
		FILE *f = fopen(s->cg_tasks, "re");
		char line[32], path[64], buf[128];
		uint64_t dr_sum = 0, dw_sum = 0;

		s->epoch++;
		while (f && fgets(line, sizeof(line), f)) {
			unsigned long long r, w;
			unsigned long tid = strtoul(line, NULL, 10);
			uint64_t dr, dw;

			snprintf(path, sizeof(path), "/proc/%lu/schedstat", tid);
			if (fr_read_small(path, buf, sizeof(buf)) > 0 &&
			    sscanf(buf, "%llu %llu", &r, &w) == 2) {
				task_sched_delta(s, (uint32_t)tid, r, w, &dr, &dw);
				dr_sum += dr;
				dw_sum += dw;
			}
		}
		if (f)
			fclose(f);
		forget_left_tasks(s);
		if (!f) {
			unset(s, "runqueue.wait");
		} else if (s->sched_prev_ok) {
			set(s, "runqueue.wait", dr_sum + dw_sum ? 100.0 * dw_sum / (dr_sum + dw_sum) : 0,
			    s->cgroup);
		}
		s->sched_prev_ok = true;
		return;
	} else {
		/* a line per CPU and per scheduling domain: room for big hosts */
		static char buf[4 << 20];
		char *line, *save;

		if (fr_read_small("/proc/schedstat", buf, sizeof(buf)) < 0)
			return;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long f[9];

			/* cpuN yld_count 0 sched_count sched_goidle ttwu_count
			 * ttwu_local run_time wait_time timeslices */
			if (strncmp(line, "cpu", 3) ||
			    sscanf(line, "%*s %llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1],
				   &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8]) != 9)
				continue;
			run += f[6];
			wait += f[7];
		}
	}
	if (s->sched_prev_ok && run >= s->sched_run_prev && wait >= s->sched_wait_prev) {
		uint64_t dr = run - s->sched_run_prev, dw = wait - s->sched_wait_prev;

		set(s, "runqueue.wait", dr + dw ? 100.0 * dw / (dr + dw) : 0, NULL);
	} else {
		unset(s, "runqueue.wait");
	}
	s->sched_run_prev = run;
	s->sched_wait_prev = wait;
	s->sched_prev_ok = true;
}

static void sample_anon(struct fr_sampler *s, uint64_t now)
{
	static char buf[16384];
	double anon;

	if (s->cgroup) {
		long long a;

		if (fr_read_small(s->cg_mem, buf, sizeof(buf)) < 0)
			return;
		a = keyed(buf, s->cg_mem_v2 ? "anon" : "total_rss");
		if (a < 0)
			a = keyed(buf, "rss");
		if (a < 0)
			return;
		anon = (double)a;
	} else {
		long long kb;

		if (fr_read_small("/proc/meminfo", buf, sizeof(buf)) < 0)
			return;
		{
			char *p = strstr(buf, "\nAnonPages:");

			if (!p)
				return;
			kb = strtoll(p + 11, NULL, 10);
		}
		anon = kb * 1024.0;
	}
	set(s, "memburst.anon", anon, s->cgroup);
	if (s->anon_prev_ok && now > s->anon_prev_ns)
		set(s, "memburst.rate", (anon - s->anon_prev) * 1e9 / (now - s->anon_prev_ns), s->cgroup);
	s->anon_prev = anon;
	s->anon_prev_ns = now;
	s->anon_prev_ok = true;
}

static void sample_disks(struct fr_sampler *s, uint64_t now)
{
	static char buf[65536];
	char *line, *save;
	double best_util = -1, best_await = -1;
	char util_dev[32] = "", await_dev[32] = "";
	uint64_t dt = now - s->disk_prev_ns;
	bool have_prev = s->disk_prev_ns != 0;

	if (fr_read_small("/proc/diskstats", buf, sizeof(buf)) < 0)
		return;
	for (unsigned i = 0; i < FR_ARRAY_SIZE(s->disks); i++)
		s->disks[i].seen = false;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long f[11];
		char name[32];
		struct fr_disk_prev *d = NULL, *free_slot = NULL;
		uint64_t ios, ticks;

		/* major minor name reads rmerged rsect rticks writes wmerged
		 * wsect wticks inflight io_ticks weighted */
		if (sscanf(line, " %*u %*u %31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   name, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
			   &f[10]) != 12)
			continue;
		/* whole disks only (partitions are in /sys/block/DISK/PART);
		 * no loop or ram disks */
		if (!strncmp(name, "loop", 4) || !strncmp(name, "ram", 3))
			continue;
		{
			char sys[96];

			snprintf(sys, sizeof(sys), "/sys/block/%s", name);
			for (char *c = sys + 11; *c; c++)
				if (*c == '/')
					*c = '!';
			if (access(sys, F_OK))
				continue;
		}
		ios = f[0] + f[4];
		ticks = f[3] + f[7];
		for (unsigned i = 0; i < FR_ARRAY_SIZE(s->disks); i++) {
			if (s->disks[i].name[0] && !strcmp(s->disks[i].name, name))
				d = &s->disks[i];
			else if (!s->disks[i].name[0] && !free_slot)
				free_slot = &s->disks[i];
		}
		if (!d) {
			if (!free_slot)
				continue;
			d = free_slot;
			snprintf(d->name, sizeof(d->name), "%s", name);
		} else if (f[9] < d->io_ticks || ios < d->ios || ticks < d->ticks) {
			/* counters went back: a new device under the old name */
		} else if (have_prev && dt) {
			double util = (f[9] - d->io_ticks) * 1e6 * 100.0 / dt;
			uint64_t dios = ios - d->ios;
			double await = dios ? (ticks - d->ticks) * 1e6 / dios : 0;

			if (util > 100)
				util = 100;
			if (util > best_util) {
				best_util = util;
				snprintf(util_dev, sizeof(util_dev), "%s", name);
			}
			if (await > best_await) {
				best_await = await;
				snprintf(await_dev, sizeof(await_dev), "%s", name);
			}
		}
		d->ios = ios;
		d->ticks = ticks;
		d->io_ticks = f[9];
		d->seen = true;
	}
	for (unsigned i = 0; i < FR_ARRAY_SIZE(s->disks); i++)
		if (!s->disks[i].seen)
			s->disks[i].name[0] = 0;
	if (best_util >= 0)
		set(s, "io.util", best_util, util_dev);
	if (best_await >= 0)
		set(s, "io.await", best_await, await_dev);
	s->disk_prev_ns = now;
}

static void sample_psi(struct fr_sampler *s)
{
	static const char *const res[] = { "cpu", "memory", "io" };

	for (unsigned r = 0; r < 3; r++) {
		char path[64], buf[512], name[32];
		double some = -1, full = -1;

		snprintf(path, sizeof(path), "/proc/pressure/%s", res[r]);
		if (fr_read_small(path, buf, sizeof(buf)) < 0)
			continue;
		for (char *l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
			double v;

			if (sscanf(l, "some avg10=%lf", &v) == 1)
				some = v;
			else if (sscanf(l, "full avg10=%lf", &v) == 1)
				full = v;
		}
		snprintf(name, sizeof(name), "psi.%s.some", res[r]);
		if (some >= 0)
			set(s, name, some, NULL);
		snprintf(name, sizeof(name), "psi.%s.full", res[r]);
		if (full >= 0 && fr_metric_find(name, strlen(name)))
			set(s, name, full, NULL);
	}
}

int fr_sampler_init(struct fr_sampler *s, const bool *want, const char *cgroup)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->want, want, sizeof(s->want));
	s->cgroup = cgroup;
	if (cgroup) {
		int err = cgroup_init(s, cgroup);

		if (err)
			return err;
	}
	if (wants(s, "runqueue.wait") && !s->cgroup && access("/proc/schedstat", R_OK)) {
		fr_err("runqueue.wait needs /proc/schedstat (CONFIG_SCHEDSTATS): %s", strerror(errno));
		return -ENOENT;
	}
	for (unsigned i = 0; i < fr_nmetrics; i++)
		if (s->want[i] && !strncmp(fr_metric_defs[i].name, "psi.", 4) &&
		    access("/proc/pressure/cpu", R_OK)) {
			fr_err("the psi detector needs /proc/pressure (CONFIG_PSI, and psi=1 on the "
			       "kernel command line when it is off by default): %s", strerror(errno));
			return -ENOENT;
		}
	return 0;
}

void fr_sampler_free(struct fr_sampler *s)
{
	fr_tidmap_free(&s->waking);
	fr_tidmap_free(&s->cg_members);
	fr_tidmap_free(&s->cg_sched_idx);
	free(s->cg_sched);
}

unsigned fr_sampler_groups(const struct fr_sampler *s)
{
	unsigned g = 0;

	for (unsigned i = 0; i < fr_nmetrics; i++) {
		const char *n = fr_metric_defs[i].name;

		if (!s->want[i])
			continue;
		if (!strcmp(n, "runqueue.p50") || !strcmp(n, "runqueue.p99") ||
		    !strcmp(n, "runqueue.max"))
			g |= FR_GROUP_SCHED;
		else if (!strcmp(n, "io.p99"))
			g |= FR_GROUP_BLOCK;
		else if (!strncmp(n, "events.", 7))
			g |= FR_GROUP_PROCESS;
	}
	return g;
}

void fr_sampler_sample_events(struct fr_sampler *s)
{
	char oom[48], crash[48];

	snprintf(oom, sizeof(oom), "pid %u%s%.16s", s->first_oom.pid,
		 s->first_oom.comm[0] ? " " : "", s->first_oom.comm);
	snprintf(crash, sizeof(crash), "pid %u", s->first_crash.pid);
	set(s, "events.oom", s->ooms, s->ooms ? oom : NULL);
	set(s, "events.crash", s->crashes, s->crashes ? crash : NULL);
	s->ooms = s->crashes = 0;
	s->fatal_pending = false;
}

struct oldest {
	uint32_t newest, cut;
};

static bool older_than_cut(uint32_t tid, uint32_t v, void *arg)
{
	const struct oldest *o = arg;

	(void)tid;
	/* in wrapping 1.024 us units: how long before the newest */
	return (uint32_t)(o->newest - v) >= o->cut;
}

static bool find_newest(uint32_t tid, uint32_t v, void *arg)
{
	struct oldest *o = arg;

	(void)tid;
	if ((int32_t)(v - o->newest) > 0)
		o->newest = v;
	return false;
}

/* Forget the oldest waits until a quarter of the room is free. */
static void forget_oldest_waits(struct fr_sampler *s)
{
	struct oldest o = { 0 };
	size_t before = s->waking.len;

	if (!before)
		return;
	o.newest = 0;
	{
		/* any entry as a start, then the newest of all */
		for (size_t i = 0; i < s->waking.cap; i++)
			if (s->waking.slots[i]) {
				o.newest = (uint32_t)s->waking.slots[i];
				break;
			}
	}
	fr_tidmap_remove_if(&s->waking, find_newest, &o);
	/* halve the age kept until enough went: at most 32 walks */
	for (o.cut = 1u << 31; s->waking.len > FR_WAKING_MAX * 3 / 4 && o.cut; o.cut >>= 1)
		fr_tidmap_remove_if(&s->waking, older_than_cut, &o);
	s->waits_forgotten += before - s->waking.len;
}

void fr_sampler_sample(struct fr_sampler *s, uint64_t now)
{
	if (s->cgroup)
		cgroup_members(s, now);
	if (wants(s, "cpu.usage") || wants(s, "cpu.user") || wants(s, "cpu.sys") ||
	    wants(s, "cpu.iowait"))
		sample_cpu(s, now);
	if (wants(s, "dstate.tasks") || wants(s, "dstate.load"))
		sample_dstate(s);
	if (wants(s, "runqueue.wait"))
		sample_wait(s);
	if (wants(s, "memburst.anon") || wants(s, "memburst.rate"))
		sample_anon(s, now);
	if (wants(s, "io.util") || wants(s, "io.await"))
		sample_disks(s, now);
	sample_psi(s);
	set(s, "runqueue.p50", (double)fr_hist_quantile(&s->rq, 0.5), NULL);
	set(s, "runqueue.p99", (double)fr_hist_quantile(&s->rq, 0.99), NULL);
	set(s, "runqueue.max", (double)s->rq.max, NULL);
	set(s, "io.p99", (double)fr_hist_quantile(&s->io, 0.99), NULL);
	memset(&s->rq, 0, sizeof(s->rq));
	memset(&s->io, 0, sizeof(s->io));
	/* a wait whose end was not recorded (a switch filtered out, an event
	 * dropped) must not stay for ever: the oldest go first */
	if (s->waking.len > FR_WAKING_MAX)
		forget_oldest_waits(s);
	s->at_ns = now;
}

/* wake times are kept in 1.024 us units in 32 bits: a wait of over an hour
 * reads short, which no threshold cares about */
static void note_runnable(struct fr_sampler *s, uint32_t tid, uint64_t ts)
{
	uint32_t v = (uint32_t)(ts >> 10);

	if (tid)
		fr_tidmap_set(&s->waking, tid, v ? v : 1);
}

void fr_sampler_event(struct fr_sampler *s, const void *rec, uint32_t len)
{
	const struct fr_hdr *h = rec;

	if (len < sizeof(*h))
		return;
	switch (h->type) {
	case FR_EV_SCHED_WAKEUP:
	case FR_EV_SCHED_WAKEUP_NEW:
		note_runnable(s, h->tid, h->ts);
		break;
	case FR_EV_SCHED_SWITCH: {
		const struct fr_sched_switch *e = rec;
		uint32_t w;

		if (len < sizeof(*e))
			return;
		/* preempted: runnable, waiting from now */
		/* it was running: a wakeup seen meanwhile started no wait */
		if (fr_switched_out_runnable(e->prev_state))
			note_runnable(s, h->tid, h->ts);
		else if (h->tid)
			fr_tidmap_del(&s->waking, h->tid);
		if (e->next_tid && fr_tidmap_get(&s->waking, e->next_tid, &w) && w) {
			uint32_t now = (uint32_t)(h->ts >> 10);

			if (in_cgroup(s, e->next_tid))
				fr_hist_add(&s->rq, (uint64_t)(uint32_t)(now - w) << 10);
			fr_tidmap_del(&s->waking, e->next_tid);
		}
		break;
	}
	case FR_EV_PROC_FORK: {
		const struct fr_proc_fork *e = rec;

		/* born in the cgroup: a member before the next read of its
		 * task list, so a short-lived crash is not missed */
		if (s->cgroup && len >= sizeof(*e) && e->child_tid && in_cgroup(s, h->tid))
			fr_tidmap_set(&s->cg_members, e->child_tid, 1);
		break;
	}
	case FR_EV_BLOCK_COMPLETE: {
		const struct fr_block_rq *e = rec;

		if (len >= sizeof(*e) && e->latency_ns)
			fr_hist_add(&s->io, e->latency_ns);
		break;
	}
	case FR_EV_PROC_EXIT: {
		const struct fr_proc_exit *e = rec;
		int sig;

		if (len < sizeof(*e))
			return;
		fr_tidmap_del(&s->waking, h->tid);
		sig = e->exit_code & 0x7f;
		if (!e->group_dead || !fr_signal_is_fatal(sig))
			break;
		if (s->cgroup && !in_cgroup(s, h->tid))
			break;
		/* the first one is the news: a wrapper (timeout, a shell)
		 * may die of the same signal right after */
		if (!s->crashes)
			s->first_crash = (struct fr_fatal){ .ts = h->ts, .pid = h->tgid, .tid = h->tid,
							    .sig = sig };
		s->crashes++;
		s->fatal_pending = true;
		break;
	}
	case FR_EV_OOM_KILL: {
		const struct fr_oom_kill *e = rec;

		if (len < sizeof(*e))
			return;
		if (s->cgroup && !in_cgroup(s, h->tid))
			break;
		if (!s->ooms) {
			s->first_oom = (struct fr_fatal){ .ts = h->ts, .pid = h->tgid ? h->tgid : h->tid,
							  .tid = h->tid };
			memcpy(s->first_oom.comm, e->comm, sizeof(e->comm));
			s->first_oom.comm[15] = 0;
		}
		s->ooms++;
		s->fatal_pending = true;
		break;
	}
	}
}
