/* profile.c: the on-demand stack profiler: load bpf/profile.bpf.c, attach it
 * to a software perf event on every online CPU, and on finish turn its
 * counts into JSON by function (profile_agg.c), named while the sampled
 * processes are still likely to exist. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "record/profile.h"
#include "record/profile_agg.h"
#include "record/symbols.h"
#include "base/utf8.h"
#include "base/util.h"
#include "profile.skel.h"

/* These follow bpf/profile.bpf.c. */
#define PROF_DEPTH 127		/* PERF_MAX_STACK_DEPTH */
#define PROF_COMM 16
#define LOST_FULL 0
#define LOST_NOSTACK 1
#define STACK_DROPPED 2
#define LOST_MAX 3

struct prof_key {
	uint32_t tgid;
	int32_t kstack;		/* stack id, or -errno */
	int32_t ustack;
	char comm[PROF_COMM];
};

struct prof_entry {
	struct prof_key key;
	uint64_t count;
};

struct fr_profile {
	struct profile_bpf *skel;
	enum fr_profile_kind kind;
	unsigned rate;
	unsigned depth;		/* frames a stack holds */
	struct bpf_link **links;
	unsigned nlinks;
	uint64_t start_ns;	/* CLOCK_BOOTTIME, when sampling began */
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && fr_verbosity < FR_DEBUG)
		return 0;
	if (fr_verbosity < FR_VERBOSE)
		return 0;
	/* libbpf's messages name it already */
	return vfprintf(stderr, fmt, ap);
}

static const char *event_name(enum fr_profile_kind kind)
{
	return kind == FR_PROFILE_CPU ? "cpu-clock" : "page-faults";
}

/* A sysctl under /proc/sys/kernel as text, "?" when unreadable. */
static const char *sysctl(const char *name, char *buf, size_t len)
{
	char path[128];
	long n;

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
	n = fr_read_small(path, buf, len);
	if (n <= 0)
		return strcpy(buf, "?");
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* The online CPUs ("0-3,8,10-11") into online[0..ncpu); their number, or
 * -1 when the list cannot be read or makes no sense. */
static int online_cpus(bool *online, int ncpu)
{
	char buf[4096], *p = buf;
	int n = 0;

	if (fr_read_small("/sys/devices/system/cpu/online", buf, sizeof(buf)) <= 0)
		return -1;
	while (*p && *p != '\n') {
		char *end;
		long a, b;

		a = strtol(p, &end, 10);
		if (end == p || a < 0)
			return -1;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a)
				return -1;
			p = end;
		}
		for (long c = a; c <= b && c < ncpu; c++) {
			n += !online[c];
			online[c] = true;
		}
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -1;
	}
	return n;
}

static int perf_open(enum fr_profile_kind kind, unsigned rate, int cpu)
{
	return kind == FR_PROFILE_CPU ? fr_perf_sw_open(PERF_COUNT_SW_CPU_CLOCK, rate, true, cpu)
				      : fr_perf_sw_open(PERF_COUNT_SW_PAGE_FAULTS, rate, false, cpu);
}

/* Say why a perf event could not be opened, and what would help. */
static void perf_open_error(enum fr_profile_kind kind, unsigned rate, int cpu, int err)
{
	char v[64];

	switch (err) {
	case EACCES:
	case EPERM:
		fr_err("cannot open a %s perf event on CPU %d: %s; profiling every process needs "
		       "root or CAP_PERFMON (kernel.perf_event_paranoid is %s)",
		       event_name(kind), cpu, strerror(err), sysctl("perf_event_paranoid", v,
								    sizeof(v)));
		break;
	case ENOENT:
	case EOPNOTSUPP:
		fr_err("cannot open a %s perf event on CPU %d: %s; this kernel has no such "
		       "software event", event_name(kind), cpu, strerror(err));
		break;
	case EMFILE:
	case ENFILE:
		fr_err("cannot open a %s perf event on CPU %d: %s; one is needed per CPU: "
		       "raise the limit (ulimit -n)", event_name(kind), cpu, strerror(err));
		break;
	case EINVAL:
		if (kind == FR_PROFILE_CPU) {
			fr_err("cannot open a cpu-clock perf event at %u Hz: %s; the rate must not "
			       "exceed kernel.perf_event_max_sample_rate (%s)", rate,
			       strerror(err), sysctl("perf_event_max_sample_rate", v, sizeof(v)));
			break;
		}
		__attribute__((fallthrough));
	default:
		fr_err("cannot open a %s perf event on CPU %d: %s", event_name(kind), cpu,
		       strerror(err));
	}
}

static void detach(struct fr_profile *p)
{
	for (unsigned i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);	/* closes the perf event too */
	free(p->links);
	p->links = NULL;
	p->nlinks = 0;
}

void fr_profile_abort(struct fr_profile *p)
{
	if (!p)
		return;
	detach(p);
	profile_bpf__destroy(p->skel);
	free(p);
}

int fr_profile_start(struct fr_profile **out, enum fr_profile_kind kind, unsigned rate,
		     uint32_t self_tgid)
{
	int ncpu = libbpf_num_possible_cpus(), nonline, err;
	struct fr_profile *p;
	bool *online;
	char v[64];
	long depth;

	*out = NULL;
	if (kind != FR_PROFILE_CPU && kind != FR_PROFILE_FAULTS) {
		fr_err("profiler: unknown kind %d", (int)kind);
		return -EINVAL;
	}
	if (!rate) {
		fr_err("profiler: the %s must be at least 1",
		       kind == FR_PROFILE_CPU ? "sampling rate" : "number of faults per sample");
		return -EINVAL;
	}
	if (ncpu <= 0) {
		fr_err("cannot count the CPUs (/sys/devices/system/cpu/possible): %s",
		       strerror(ncpu ? -ncpu : EINVAL));
		return ncpu ? ncpu : -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	online = calloc(ncpu, sizeof(*online));
	if (p)
		p->links = calloc(ncpu, sizeof(*p->links));
	if (!p || !online || !p->links) {
		fr_err("profiler: %s", strerror(ENOMEM));
		err = -ENOMEM;
		goto fail;
	}
	p->kind = kind;
	p->rate = rate;
	nonline = online_cpus(online, ncpu);
	if (nonline <= 0) {
		/* then try them all; the offline ones refuse with ENODEV */
		fr_warn("cannot read /sys/devices/system/cpu/online; trying every possible CPU");
		for (int c = 0; c < ncpu; c++)
			online[c] = true;
	}

	libbpf_set_print(libbpf_log);
	p->skel = profile_bpf__open();
	if (!p->skel) {
		err = -errno;
		fr_err("cannot open the profiler's BPF object: %s", strerror(errno));
		goto fail;
	}
	if (bpf_map__key_size(p->skel->maps.counts) != sizeof(struct prof_key)) {
		fr_err("the profiler's BPF object does not match this program; rebuild flightrec");
		err = -EINVAL;
		goto fail;
	}
	p->skel->rodata->self_tgid = self_tgid;
	/* a stack map deeper than kernel.perf_event_max_stack is refused */
	depth = PROF_DEPTH;
	if (strcmp(sysctl("perf_event_max_stack", v, sizeof(v)), "?")) {
		long m = strtol(v, NULL, 10);

		if (m > 0 && m < depth)
			depth = m;
	}
	p->depth = (unsigned)depth;
	bpf_map__set_value_size(p->skel->maps.stacks, p->depth * sizeof(uint64_t));
	err = profile_bpf__load(p->skel);
	if (err) {
		fr_err("cannot load the profiler's BPF program: %s%s", strerror(-err),
		       err == -EPERM ? "; needs root or CAP_BPF+CAP_PERFMON"
				     : " (run with -vv for the verifier log)");
		goto fail;
	}

	p->start_ns = fr_boot_ns();
	for (int c = 0; c < ncpu; c++) {
		struct bpf_link *link;
		int fd;

		if (!online[c])
			continue;
		fd = perf_open(kind, rate, c);
		if (fd < 0) {
			err = errno;
			/* offline since the list was read, or never online */
			if (err == ENODEV) {
				fr_vlog("profiler: CPU %d is offline; skipped", c);
				continue;
			}
			perf_open_error(kind, rate, c, err);
			err = -err;
			goto fail;
		}
		link = bpf_program__attach_perf_event(p->skel->progs.fr_profile, fd);
		if (!link) {
			err = -errno;
			close(fd);
			fr_err("cannot attach the profiler to the %s event of CPU %d: %s",
			       event_name(kind), c, strerror(-err));
			goto fail;
		}
		p->links[p->nlinks++] = link;
	}
	if (!p->nlinks) {
		fr_err("profiler: no CPU could be sampled");
		err = -ENODEV;
		goto fail;
	}
	fr_vlog("profiler: %s on %u CPUs, %u %s", event_name(kind), p->nlinks, rate,
		kind == FR_PROFILE_CPU ? "Hz" : "faults per sample");
	free(online);
	*out = p;
	return 0;
fail:
	free(online);
	fr_profile_abort(p);
	return err;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct prof_entry *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->key.tgid != y->key.tgid)
		return x->key.tgid < y->key.tgid ? -1 : 1;
	if (x->key.kstack != y->key.kstack)
		return x->key.kstack < y->key.kstack ? -1 : 1;
	return (x->key.ustack > y->key.ustack) - (x->key.ustack < y->key.ustack);
}

/* The lost counters, summed over the CPUs. */
static void read_lost(struct fr_profile *p, uint64_t out[LOST_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	memset(out, 0, LOST_MAX * sizeof(*out));
	if (ncpu <= 0 || !(vals = calloc(ncpu, sizeof(*vals))))
		return;
	for (uint32_t k = 0; k < LOST_MAX; k++) {
		if (bpf_map__lookup_elem(p->skel->maps.lost, &k, sizeof(k), vals,
					 ncpu * sizeof(*vals), 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
}

/* Every (key, count) of the counts map, unsorted; their number or -errno. */
static long read_counts(struct fr_profile *p, struct prof_entry **out)
{
	int fd = bpf_map__fd(p->skel->maps.counts);
	size_t max = bpf_map__max_entries(p->skel->maps.counts), n = 0;
	struct prof_entry *e = calloc(max ? max : 1, sizeof(*e));
	struct prof_key key, next;
	void *prev = NULL;

	if (!e)
		return -ENOMEM;
	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &e[n].count))
			continue;
		e[n].key = key;
		n++;
	}
	*out = e;
	return (long)n;
}

static enum fr_frame_status resolve(void *ctx, bool kernel, uint32_t pid, uint64_t addr,
				    struct fr_frame *f)
{
	return kernel ? fr_syms_kernel_frame(ctx, addr, f) : fr_syms_user_frame(ctx, pid, addr, f);
}

/* The frames of stack id into ips; their number, 0 when the id is an
 * error (a kernel thread's user stack, say) or no longer in the map. */
static unsigned stack_read(struct fr_profile *p, int32_t id, uint64_t *ips)
{
	if (id < 0 || bpf_map__lookup_elem(p->skel->maps.stacks, &id, sizeof(id), ips,
					   p->depth * sizeof(*ips), 0))
		return 0;
	return p->depth;
}

/* Every counted key into a, by function; 0 or -errno. */
static int aggregate(struct fr_profile *p, struct fr_pagg *a, const struct prof_entry *e, long n)
{
	uint64_t *kips = calloc(p->depth, sizeof(*kips)), *uips = calloc(p->depth, sizeof(*uips));
	int err = kips && uips ? 0 : -ENOMEM;

	for (long i = 0; !err && i < n; i++) {
		const struct prof_key *k = &e[i].key;
		char comm[PROF_COMM + 1];
		unsigned nk = stack_read(p, k->kstack, kips), nu = stack_read(p, k->ustack, uips);

		memcpy(comm, k->comm, PROF_COMM);
		comm[PROF_COMM] = '\0';
		err = fr_pagg_add(a, k->tgid, comm, e[i].count, kips, nk, uips, nu);
	}
	free(kips);
	free(uips);
	return err;
}

cJSON *fr_profile_finish(struct fr_profile *p, struct fr_syms *syms, unsigned max_stacks)
{
	struct prof_entry *e = NULL;
	uint64_t lost[LOST_MAX], end_ns;
	struct fr_pagg *a = NULL;
	cJSON *j = NULL;
	long n;

	if (!p)
		return NULL;
	/* nothing may change the maps while they are read */
	detach(p);
	end_ns = fr_boot_ns();
	read_lost(p, lost);
	n = read_counts(p, &e);
	if (n < 0) {
		fr_err("cannot read the profiler's counts: %s", strerror((int)-n));
		goto out;
	}
	/* the largest first: a process is named after its most sampled thread */
	qsort(e, (size_t)n, sizeof(*e), entry_cmp);

	a = fr_pagg_new(resolve, syms);
	j = cJSON_CreateObject();
	if (!a || !j || aggregate(p, a, e, n))
		goto nomem;
	cJSON_AddStringToObject(j, "kind", p->kind == FR_PROFILE_CPU ? "cpu" : "faults");
	cJSON_AddStringToObject(j, "event", event_name(p->kind));
	cJSON_AddNumberToObject(j, "rate", p->rate);
	cJSON_AddStringToObject(j, "unit", p->kind == FR_PROFILE_CPU ? "Hz" : "faults per sample");
	cJSON_AddNumberToObject(j, "duration_ns", (double)(end_ns - p->start_ns));
	cJSON_AddNumberToObject(j, "lost", (double)(lost[LOST_FULL] + lost[LOST_NOSTACK]));
	cJSON_AddNumberToObject(j, "stacks_dropped", (double)lost[STACK_DROPPED]);
	if (fr_pagg_json(a, lost[LOST_FULL] + lost[LOST_NOSTACK], max_stacks, j))
		goto nomem;
	/* comms and file names are whatever bytes processes chose */
	fr_json_sanitize(j);
	goto out;
nomem:
	fr_err("cannot build the profile: %s", strerror(ENOMEM));
	cJSON_Delete(j);
	j = NULL;
out:
	fr_pagg_free(a);
	free(e);
	fr_profile_abort(p);
	return j;
}
