/* context.c: what trigger adds to a capture to explain a firing; see
 * context.h. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/hist.h"
#include "analysis/runq.h"
#include "analysis/sched.h"
#include "detect/context.h"
#include "capture/event.h"
#include "base/tidmap.h"
#include "base/util.h"

/* ---- per-task tallies, keyed by tid ---- */

struct tally {
	uint32_t tid, tgid;
	char comm[16];
	uint64_t waits, wait_ns, max_wait_ns;
	uint64_t oncpu_ns, interfere_ns;
};

struct tallies {
	struct fr_tidmap idx;
	struct tally *v;
	size_t n, cap;
};

static struct tally *tally(struct tallies *t, uint32_t tid)
{
	uint32_t i;

	if (fr_tidmap_get(&t->idx, tid, &i))
		return &t->v[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct tally *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	if (fr_tidmap_set(&t->idx, tid, (uint32_t)t->n))
		return NULL;
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	t->v[t->n].tid = tid;
	return &t->v[t->n++];
}

static void tallies_free(struct tallies *t)
{
	fr_tidmap_free(&t->idx);
	free(t->v);
}

static void name_task(struct tally *x, struct fr_proctab *pt, uint64_t ts)
{
	struct fr_proc *p = fr_proctab_get(pt, x->tid, false);

	if (p) {
		if (!x->tgid)
			x->tgid = p->tgid;
		if (!x->comm[0])
			snprintf(x->comm, sizeof(x->comm), "%s", fr_proc_comm_at(p, ts));
	}
}

static void set_comm(struct tally *x, const char *c)
{
	if (!x->comm[0]) {
		memcpy(x->comm, c, 15);
		x->comm[15] = 0;
	}
}

static cJSON *task_json(const struct tally *x)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "pid", x->tgid);
	cJSON_AddNumberToObject(o, "tid", x->tid);
	cJSON_AddStringToObject(o, "comm", x->comm[0] ? x->comm : "?");
	return o;
}

static int by_wait(const void *a, const void *b)
{
	const struct tally *x = *(struct tally *const *)a, *y = *(struct tally *const *)b;

	return x->wait_ns < y->wait_ns ? 1 : x->wait_ns > y->wait_ns ? -1 : 0;
}

static int by_interfere(const void *a, const void *b)
{
	const struct tally *x = *(struct tally *const *)a, *y = *(struct tally *const *)b;

	return x->interfere_ns < y->interfere_ns ? 1 : x->interfere_ns > y->interfere_ns ? -1 : 0;
}

#define MAX_CPUS FR_RUNQ_CPUS

/* Per CPU: who runs since when. The time a task runs while others wait
 * for the same CPU (the tracker counts them) is what it cost them. */
struct cpu_state {
	uint32_t running;
	uint64_t since;		/* last change of running or of the waiting */
};

struct rq_walk {
	struct tallies t;
	struct cpu_state *cpus;
	struct fr_runq q;
};

static void cpu_advance(struct rq_walk *w, unsigned cpu, uint64_t ts)
{
	struct cpu_state *c = &w->cpus[cpu];

	if (c->since && ts > c->since && c->running) {
		struct tally *x = tally(&w->t, c->running);

		if (x) {
			x->oncpu_ns += ts - c->since;
			if (fr_runq_waiting(&w->q, cpu))
				x->interfere_ns += ts - c->since;
		}
	}
	c->since = ts;
}

static void before_wait_change(void *arg, unsigned cpu, uint64_t ts)
{
	cpu_advance(arg, cpu, ts);
}

static void name_from(struct tally *x, uint32_t tgid, const char *comm)
{
	if (!x)
		return;
	if (!x->tgid)
		x->tgid = tgid;
	set_comm(x, comm);
}

/* One sched event: the tracker times the waits, the CPUs who ran. */
static void rq_step(struct rq_walk *w, const struct fr_hdr *h)
{
	struct fr_runq_end end;
	struct tally *x;

	if (h->type == FR_EV_SCHED_WAKEUP || h->type == FR_EV_SCHED_WAKEUP_NEW) {
		const struct fr_sched_wakeup *e = (const void *)h;

		if (h->tid)
			name_from(tally(&w->t, h->tid), h->tgid, e->comm);
		fr_runq_event(&w->q, h, h->size, NULL);
	} else if (h->type == FR_EV_SCHED_SWITCH && h->cpu < MAX_CPUS) {
		const struct fr_sched_switch *e = (const void *)h;

		cpu_advance(w, h->cpu, h->ts);
		if (h->tid)
			name_from(tally(&w->t, h->tid), h->tgid, e->prev_comm);
		if (e->next_tid)
			name_from(tally(&w->t, e->next_tid), e->next_tgid, e->next_comm);
		if (fr_runq_event(&w->q, h, h->size, &end) && (x = tally(&w->t, end.tid))) {
			x->waits++;
			x->wait_ns += end.wait_ns;
			if (end.wait_ns > x->max_wait_ns)
				x->max_wait_ns = end.wait_ns;
		}
		w->cpus[h->cpu].running = e->next_tid;
	} else if (h->type == FR_EV_PROC_EXIT) {
		fr_runq_event(&w->q, h, h->size, NULL);
	}
}

static cJSON *rq_json(struct tally **order, size_t n, unsigned top)
{
	cJSON *o = cJSON_CreateObject(), *waiters, *inter;

	if (!o)
		return NULL;
	waiters = cJSON_AddArrayToObject(o, "waiters");
	qsort(order, n, sizeof(*order), by_wait);
	for (size_t i = 0; i < n && i < top && order[i]->wait_ns; i++) {
		cJSON *w = task_json(order[i]);

		cJSON_AddNumberToObject(w, "waits", (double)order[i]->waits);
		cJSON_AddNumberToObject(w, "wait_ns", (double)order[i]->wait_ns);
		cJSON_AddNumberToObject(w, "max_wait_ns", (double)order[i]->max_wait_ns);
		cJSON_AddItemToArray(waiters, w);
	}
	inter = cJSON_AddArrayToObject(o, "interferers");
	qsort(order, n, sizeof(*order), by_interfere);
	for (size_t i = 0; i < n && i < top && order[i]->interfere_ns; i++) {
		cJSON *w = task_json(order[i]);

		cJSON_AddNumberToObject(w, "oncpu_ns", (double)order[i]->oncpu_ns);
		cJSON_AddNumberToObject(w, "while_others_waited_ns", (double)order[i]->interfere_ns);
		cJSON_AddItemToArray(inter, w);
	}
	return o;
}

cJSON *fr_ctx_runqueue(const uint8_t *const *recs, size_t n, struct fr_proctab *pt, unsigned top)
{
	struct rq_walk w = { .cpus = calloc(MAX_CPUS, sizeof(struct cpu_state)) };
	struct tally **order = NULL;
	cJSON *o = NULL;
	uint64_t last = 0;

	if (!w.cpus)
		return NULL;
	fr_runq_init(&w.q, 0);
	w.q.before = before_wait_change;
	w.q.arg = &w;
	for (size_t i = 0; i < n; i++) {
		const struct fr_hdr *h = (const void *)recs[i];

		last = h->ts;
		rq_step(&w, h);
	}
	/* time up to the end of the window counts too */
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (w.cpus[c].since)
			cpu_advance(&w, c, last);
	order = malloc((w.t.n ? w.t.n : 1) * sizeof(*order));
	if (order) {
		for (size_t i = 0; i < w.t.n; i++) {
			order[i] = &w.t.v[i];
			name_task(order[i], pt, last);
		}
		o = rq_json(order, w.t.n, top);
	}
	free(order);
	free(w.cpus);
	fr_runq_free(&w.q);
	tallies_free(&w.t);
	return o;
}

/* ---- I/O by process and device ---- */

struct io_row {
	uint32_t pid, dev;
	char comm[16];
	uint64_t requests, bytes, total_ns, max_ns;
	struct fr_hist h;
};

static int by_total(const void *a, const void *b)
{
	const struct io_row *x = a, *y = b;

	return x->total_ns < y->total_ns ? 1 : x->total_ns > y->total_ns ? -1 : 0;
}

static int by_pid_dev(const void *a, const void *b)
{
	const struct fr_block_rq *x = *(const struct fr_block_rq *const *)a;
	const struct fr_block_rq *y = *(const struct fr_block_rq *const *)b;

	if (x->h.tgid != y->h.tgid)
		return x->h.tgid < y->h.tgid ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->h.ts < y->h.ts ? -1 : x->h.ts > y->h.ts;
}

cJSON *fr_ctx_io(const uint8_t *const *recs, size_t n, struct fr_proctab *pt,
		 const cJSON *devices, unsigned top)
{
	const struct fr_block_rq **c = NULL;
	struct io_row *rows = NULL;
	size_t nc = 0, nrows = 0;
	cJSON *a = cJSON_CreateArray();

	if (!a)
		return NULL;
	/* the completions sorted by process and device: one row per run */
	for (size_t i = 0; i < n; i++)
		if (((const struct fr_hdr *)recs[i])->type == FR_EV_BLOCK_COMPLETE)
			nc++;
	c = malloc((nc ? nc : 1) * sizeof(*c));
	if (!c)
		goto out;
	nc = 0;
	for (size_t i = 0; i < n; i++)
		if (((const struct fr_hdr *)recs[i])->type == FR_EV_BLOCK_COMPLETE)
			c[nc++] = (const void *)recs[i];
	qsort(c, nc, sizeof(*c), by_pid_dev);
	for (size_t i = 0; i < nc; i++)
		if (!i || c[i]->h.tgid != c[i - 1]->h.tgid || c[i]->dev != c[i - 1]->dev)
			nrows++;
	rows = calloc(nrows ? nrows : 1, sizeof(*rows));
	if (!rows)
		goto out;
	nrows = 0;
	for (size_t i = 0; i < nc; i++) {
		const struct fr_block_rq *e = c[i];
		struct io_row *r = nrows ? &rows[nrows - 1] : NULL;

		if (!r || r->pid != e->h.tgid || r->dev != e->dev) {
			r = &rows[nrows++];
			r->pid = e->h.tgid;
			r->dev = e->dev;
		}
		if (e->h.tid) {
			/* the newest name: a shell's child that became dd is dd */
			struct fr_proc *p = fr_proctab_get(pt, e->h.tid, false);

			if (p)
				snprintf(r->comm, sizeof(r->comm), "%s", fr_proc_comm_at(p, e->h.ts));
		}
		r->requests++;
		r->bytes += e->bytes;
		r->total_ns += e->latency_ns;
		if (e->latency_ns > r->max_ns)
			r->max_ns = e->latency_ns;
		fr_hist_add(&r->h, e->latency_ns);
	}
	qsort(rows, nrows, sizeof(*rows), by_total);
	for (size_t j = 0; j < nrows && j < top; j++) {
		cJSON *o = cJSON_CreateObject();
		char key[32];
		const cJSON *name;

		snprintf(key, sizeof(key), "%u:%u", rows[j].dev >> 20, rows[j].dev & 0xfffff);
		name = cJSON_GetObjectItemCaseSensitive(devices, key);
		cJSON_AddNumberToObject(o, "pid", rows[j].pid);
		cJSON_AddStringToObject(o, "comm", rows[j].pid ? (rows[j].comm[0] ? rows[j].comm : "?")
							       : "(not seen at issue)");
		cJSON_AddStringToObject(o, "dev", cJSON_IsString(name) ? name->valuestring : key);
		cJSON_AddNumberToObject(o, "requests", (double)rows[j].requests);
		cJSON_AddNumberToObject(o, "bytes", (double)rows[j].bytes);
		cJSON_AddNumberToObject(o, "total_ns", (double)rows[j].total_ns);
		cJSON_AddNumberToObject(o, "max_ns", (double)rows[j].max_ns);
		cJSON_AddNumberToObject(o, "p99_ns", (double)fr_hist_quantile(&rows[j].h, 0.99));
		cJSON_AddItemToArray(a, o);
	}
out:
	free(c);
	free(rows);
	return a;
}

/* ---- D-state tasks ---- */

static void read_comm(const char *stat, char *comm)
{
	const char *l = strchr(stat, '('), *r = strrchr(stat, ')');
	size_t n = l && r && r > l ? (size_t)(r - l - 1) : 0;

	if (n > 15)
		n = 15;
	memcpy(comm, l ? l + 1 : "", n);
	comm[n] = 0;
}

struct dstack {
	cJSON *a;
	unsigned n, max;
};

static int add_dstate(uint32_t pid, uint32_t tid, const char *comm, void *arg)
{
	struct dstack *d = arg;
	char path[96], buf[8192];
	cJSON *o = cJSON_CreateObject(), *stack;

	cJSON_AddNumberToObject(o, "pid", pid);
	cJSON_AddNumberToObject(o, "tid", tid);
	cJSON_AddStringToObject(o, "comm", comm);
	snprintf(path, sizeof(path), "/proc/%u/task/%u/wchan", pid, tid);
	if (fr_read_small(path, buf, 256) > 0 && strcmp(buf, "0"))
		cJSON_AddStringToObject(o, "wchan", buf);
	stack = cJSON_AddArrayToObject(o, "stack");
	snprintf(path, sizeof(path), "/proc/%u/task/%u/stack", pid, tid);
	if (fr_read_small(path, buf, sizeof(buf)) > 0) {
		char *save, *line;

		/* "[<0>] func+0x1/0x2": the address is hidden anyway */
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *f = strstr(line, "] ");

			cJSON_AddItemToArray(stack, cJSON_CreateString(f ? f + 2 : line));
		}
	}
	cJSON_AddItemToArray(d->a, o);
	return ++d->n >= d->max;
}

cJSON *fr_ctx_dstate(unsigned max)
{
	struct dstack d = { .a = cJSON_CreateArray(), .max = max };

	if (d.a && max)
		fr_dstate_walk(add_dstate, &d);
	return d.a;
}

/* ---- per-process CPU and memory ---- */

int fr_pstats_read(struct fr_pstats *ps)
{
	DIR *pd = opendir("/proc");
	struct dirent *p;
	size_t cap = 0;
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);

	memset(ps, 0, sizeof(*ps));
	if (!pd)
		return -errno;
	ps->at_ns = fr_boot_ns();
	while ((p = readdir(pd))) {
		char path[300], st[1024], *rp;
		unsigned long ut, stt, size, res, shared;
		struct fr_pstat *x;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", p->d_name);
		if (fr_read_small(path, st, sizeof(st)) <= 0 || !(rp = strrchr(st, ')')))
			continue;
		/* after "(comm)": state ppid pgrp session tty tpgid flags minflt
		 * cminflt majflt cmajflt utime stime */
		if (sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) != 2)
			continue;
		if (ps->n == cap) {
			size_t c = cap ? cap * 2 : 512;
			struct fr_pstat *v = realloc(ps->v, c * sizeof(*v));

			if (!v)
				break;
			ps->v = v;
			cap = c;
		}
		x = &ps->v[ps->n++];
		memset(x, 0, sizeof(*x));
		x->pid = (uint32_t)atoi(p->d_name);
		read_comm(st, x->comm);
		x->cpu_ns = (uint64_t)(ut + stt) * (1000000000ULL / (hz > 0 ? hz : 100));
		snprintf(path, sizeof(path), "/proc/%s/statm", p->d_name);
		if (fr_read_small(path, st, sizeof(st)) > 0 &&
		    sscanf(st, "%lu %lu %lu", &size, &res, &shared) == 3 && res >= shared)
			x->rss_bytes = (uint64_t)(res - shared) * page;
	}
	closedir(pd);
	return 0;
}

void fr_pstats_free(struct fr_pstats *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

static const struct fr_pstat *find_pid(const struct fr_pstats *ps, uint32_t pid)
{
	/* /proc lists pids in ascending order */
	size_t lo = 0, hi = ps->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ps->v[mid].pid == pid)
			return &ps->v[mid];
		if (ps->v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < ps->n; i++)	/* not sorted after all */
		if (ps->v[i].pid == pid)
			return &ps->v[i];
	return NULL;
}

struct delta {
	const struct fr_pstat *p;
	int64_t d;
};

static int by_delta(const void *a, const void *b)
{
	const struct delta *x = a, *y = b;

	return x->d < y->d ? 1 : x->d > y->d ? -1 : 0;
}

static cJSON *top_by(const struct fr_pstats *a, const struct fr_pstats *b, unsigned top, bool cpu)
{
	struct delta *d = malloc((b->n ? b->n : 1) * sizeof(*d));
	cJSON *arr = cJSON_CreateArray();
	size_t n = 0;
	double secs = b->at_ns > a->at_ns ? (b->at_ns - a->at_ns) / 1e9 : 0;

	if (!d || !arr) {
		free(d);
		cJSON_Delete(arr);
		return NULL;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct fr_pstat *o = find_pid(a, b->v[i].pid);

		if (b->v[i].pid == (uint32_t)getpid())
			continue;	/* the recorder itself explains nothing */
		{
		/* a process born since a: all of it is new */
		int64_t before = o && !strcmp(o->comm, b->v[i].comm) ? (int64_t)(cpu ? o->cpu_ns : o->rss_bytes) : 0;
		int64_t now = (int64_t)(cpu ? b->v[i].cpu_ns : b->v[i].rss_bytes);

		if (now - before > 0)
			d[n++] = (struct delta){ &b->v[i], now - before };
		}
	}
	qsort(d, n, sizeof(*d), by_delta);
	for (size_t i = 0; i < n && i < top; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "pid", d[i].p->pid);
		cJSON_AddStringToObject(o, "comm", d[i].p->comm);
		if (cpu) {
			cJSON_AddNumberToObject(o, "cpu_ns", (double)d[i].d);
			if (secs > 0)
				cJSON_AddNumberToObject(o, "cpu_percent",
							round(d[i].d / 1e9 / secs * 1000) / 10);
		} else {
			cJSON_AddNumberToObject(o, "rss_bytes", (double)d[i].p->rss_bytes);
			cJSON_AddNumberToObject(o, "growth_bytes", (double)d[i].d);
		}
		cJSON_AddItemToArray(arr, o);
	}
	free(d);
	return arr;
}

cJSON *fr_ctx_top_cpu(const struct fr_pstats *a, const struct fr_pstats *b, unsigned top)
{
	return top_by(a, b, top, true);
}

cJSON *fr_ctx_top_growers(const struct fr_pstats *a, const struct fr_pstats *b, unsigned top)
{
	return top_by(a, b, top, false);
}
