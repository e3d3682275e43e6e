/* dstate.c: the dstate detector: tasks in uninterruptible sleep now, their
 * damped one-minute average, and the longest time any one of them has been
 * stuck there. On firing: the kernel stack and wait channel of every
 * D-state task, with how long each has been in D state. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sched.h"
#include "base/log.h"
#include "base/tidmap.h"
#include "base/util.h"
#include "detect/engine.h"

/* D-state tasks whose time there is kept, at most: more are counted, not
 * timed */
#define TRACKED_MAX 4096

/* One task seen in D state: since when, and with how many context
 * switches. As the kernel's hung-task detector does, a task whose switch
 * count has not moved has not run since: the same wait goes on. */
struct dtask {
	uint32_t pid, tid;
	uint64_t switches;
	uint64_t since;		/* the first sample that saw this wait */
	bool frozen;		/* held by the freezer, not stuck: not counted */
	bool checked;		/* frozen was looked up */
	char comm[16];
};

struct dstate {
	double load;
	bool load_ok;
	/* the D-state tasks of the last sample, and of this one */
	struct dtask *t, *next;
	uint32_t n, nnext;
	struct fr_tidmap idx;	/* tid -> index in t */
	uint64_t untracked;	/* D-state tasks beyond TRACKED_MAX, ever */
};

struct dcount {
	struct fr_sampler *s;
	struct dstate *d;
	uint64_t now;
	bool timed;		/* dstate.longest is wanted */
	unsigned n;
	char first[48];
};

/* voluntary + involuntary context switches of a task, or 0 */
#define SWITCHES_UNKNOWN UINT64_MAX

/* The task's context switches so far, SWITCHES_UNKNOWN when its status
 * cannot be read or lacks them (two unknowns must not look like a task
 * that has not run). */
static uint64_t switches(uint32_t pid, uint32_t tid)
{
	/* the counts are near the end, after lines (Groups) that can be long */
	char path[96], buf[16384];
	const char *v, *nv;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/status", pid, tid);
	if (fr_read_small(path, buf, sizeof(buf)) <= 0)
		return SWITCHES_UNKNOWN;
	/* "voluntary_ctxt_switches:\t12" */
	v = strstr(buf, "\nvoluntary_ctxt_switches:");
	nv = strstr(buf, "\nnonvoluntary_ctxt_switches:");
	if (!v || !nv)
		return SWITCHES_UNKNOWN;
	return strtoull(v + 25, NULL, 10) + strtoull(nv + 28, NULL, 10);
}

/* The kernel shows a frozen task (cgroup v1 freezer, suspend) as D; it is
 * held on purpose, and the hung-task detector leaves it out too. */
static bool is_frozen(uint32_t pid, uint32_t tid)
{
	char path[96], buf[128];

	snprintf(path, sizeof(path), "/proc/%u/task/%u/wchan", pid, tid);
	return fr_read_small(path, buf, sizeof(buf)) > 0 && strstr(buf, "refrigerator");
}

/* A task in D state now: carry over its wait when it has not run since
 * the last sample. */
static void track(struct dcount *c, uint32_t pid, uint32_t tid, const char *comm)
{
	struct dstate *d = c->d;
	struct dtask *x;
	uint32_t i;

	if (d->nnext == TRACKED_MAX) {
		d->untracked++;
		return;
	}
	x = &d->next[d->nnext++];
	*x = (struct dtask){ .pid = pid, .tid = tid, .switches = switches(pid, tid), .since = c->now };
	snprintf(x->comm, sizeof(x->comm), "%s", comm);
	if (x->switches != SWITCHES_UNKNOWN && fr_tidmap_get(&d->idx, tid, &i) && d->t[i].pid == pid &&
	    d->t[i].switches == x->switches) {
		x->since = d->t[i].since;
		x->frozen = d->t[i].frozen;
		x->checked = d->t[i].checked;
		/* seen twice in the same wait: worth one look at why */
		if (!x->checked) {
			x->frozen = is_frozen(pid, tid);
			x->checked = true;
		}
	}
}

static int count(uint32_t pid, uint32_t tid, const char *comm, void *arg)
{
	struct dcount *c = arg;

	if (c->s->cgroup && !fr_sampler_in_cgroup(c->s, tid))
		return 0;
	if (!c->n++)
		snprintf(c->first, sizeof(c->first), "tid %u %s", tid, comm);
	if (c->timed)
		track(c, pid, tid, comm);
	return 0;
}

/* This sample's tasks become the table; the longest wait among them. */
static void swap_tables(struct fr_sampler *s, struct dstate *d, uint64_t now)
{
	struct dtask *tmp = d->t, *longest = NULL;
	char detail[48];

	d->t = d->next;
	d->next = tmp;
	d->n = d->nnext;
	fr_tidmap_free(&d->idx);
	for (uint32_t i = 0; i < d->n; i++) {
		struct dtask *x = &d->t[i];

		/* out of memory: the waits start again at the next sample */
		if (fr_tidmap_set(&d->idx, x->tid, i)) {
			d->n = i;
			break;
		}
		if (!x->frozen && (!longest || x->since < longest->since))
			longest = x;
	}
	if (!longest) {
		fr_sampler_set(s, FR_M_DSTATE_LONGEST, 0, NULL);
		return;
	}
	snprintf(detail, sizeof(detail), "tid %u %s", longest->tid, longest->comm);
	fr_sampler_set(s, FR_M_DSTATE_LONGEST, (double)(now - longest->since), detail);
}

static int init(struct fr_sampler *s, void *st)
{
	struct dstate *d = st;

	if (!fr_sampler_wants(s, FR_M_DSTATE_LONGEST))
		return 0;
	d->t = calloc(TRACKED_MAX, sizeof(*d->t));
	d->next = calloc(TRACKED_MAX, sizeof(*d->next));
	if (!d->t || !d->next) {
		fr_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void free_state(void *st)
{
	struct dstate *d = st;

	free(d->t);
	free(d->next);
	fr_tidmap_free(&d->idx);
}

static void sample(struct fr_sampler *s, void *st, uint64_t now)
{
	struct dstate *d = st;
	struct dcount c = { .s = s, .d = d, .now = now, .timed = d->t != NULL };

	d->nnext = 0;
	fr_dstate_walk(count, &c);
	fr_sampler_set(s, FR_M_DSTATE_TASKS, c.n, c.n ? c.first : NULL);
	if (c.timed)
		swap_tables(s, d, now);
	/* an exponentially damped one-minute average, like the load average,
	 * sampled once a second */
	if (!d->load_ok) {
		d->load = c.n;
		d->load_ok = true;
	} else {
		double e = exp(-1.0 / 60.0);

		d->load = d->load * e + c.n * (1 - e);
	}
	fr_sampler_set(s, FR_M_DSTATE_LOAD, d->load, NULL);
}

static void stats(const struct fr_sampler *s, const void *st, cJSON *o)
{
	const struct dstate *d = st;
	cJSON *x = cJSON_AddObjectToObject(o, "dstate_tasks");

	(void)s;
	cJSON_AddNumberToObject(x, "entries", d->n);
	cJSON_AddNumberToObject(x, "max", TRACKED_MAX);
	cJSON_AddNumberToObject(x, "untracked", (double)d->untracked);
}

/* at the firing: the tasks stuck now, not after the post-window, each
 * with how long it has been in D state when that is known */
static void ctx_start(struct fr_firing *f, void *st)
{
	struct dstate *d = st;
	cJSON *task;

	f->dstate = fr_ctx_dstate(256);
	cJSON_ArrayForEach(task, f->dstate) {
		cJSON *tid = cJSON_GetObjectItem(task, "tid");
		uint32_t i;

		if (d->t && cJSON_IsNumber(tid) && fr_tidmap_get(&d->idx, (uint32_t)tid->valuedouble, &i) &&
		    !d->t[i].frozen && f->at >= d->t[i].since)
			cJSON_AddNumberToObject(task, "in_d_ns", (double)(f->at - d->t[i].since));
	}
}

static void ctx_finish(struct fr_firing *f, void *st, cJSON *ctx)
{
	(void)st;
	cJSON_AddItemToObject(ctx, "dstate", f->dstate ? f->dstate : cJSON_CreateArray());
	f->dstate = NULL;
}

const struct fr_detector fr_det_dstate = {
	.name = "dstate",
	.metrics = (const enum fr_metric[]){ FR_M_DSTATE_TASKS, FR_M_DSTATE_LOAD, FR_M_DSTATE_LONGEST,
					      FR_M_NONE },
	.context_help = "kernel stack, wait channel and time in D state of every D-state task",
	.state_size = sizeof(struct dstate),
	.init = init,
	.free = free_state,
	.sample = sample,
	.stats = stats,
	.ctx_start = ctx_start,
	.ctx_finish = ctx_finish,
};
