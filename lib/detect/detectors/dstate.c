/* dstate.c: the dstate detector: tasks in uninterruptible sleep now, and
 * their damped one-minute average. On firing: the kernel stack and wait
 * channel of every D-state task. */
#include <math.h>
#include <stdio.h>

#include "analysis/sched.h"
#include "detect/engine.h"

struct dstate {
	double load;
	bool load_ok;
};

struct dcount {
	struct fr_sampler *s;
	unsigned n;
	char first[48];
};

static int count(uint32_t pid, uint32_t tid, const char *comm, void *arg)
{
	struct dcount *c = arg;

	(void)pid;
	if (c->s->cgroup && !fr_sampler_in_cgroup(c->s, tid))
		return 0;
	if (!c->n++)
		snprintf(c->first, sizeof(c->first), "tid %u %s", tid, comm);
	return 0;
}

static void sample(struct fr_sampler *s, void *st, uint64_t now)
{
	struct dstate *d = st;
	struct dcount c = { .s = s };

	(void)now;
	fr_dstate_walk(count, &c);
	fr_sampler_set(s, FR_M_DSTATE_TASKS, c.n, c.n ? c.first : NULL);
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

/* at the firing: the tasks stuck now, not after the post-window */
static void ctx_start(struct fr_firing *f, void *st)
{
	(void)st;
	f->dstate = fr_ctx_dstate(256);
}

static void ctx_finish(struct fr_firing *f, void *st, cJSON *ctx)
{
	(void)st;
	cJSON_AddItemToObject(ctx, "dstate", f->dstate ? f->dstate : cJSON_CreateArray());
	f->dstate = NULL;
}

const struct fr_detector fr_det_dstate = {
	.name = "dstate",
	.metrics = (const enum fr_metric[]){ FR_M_DSTATE_TASKS, FR_M_DSTATE_LOAD, FR_M_NONE },
	.context_help = "kernel stack and wait channel of every D-state task",
	.state_size = sizeof(struct dstate),
	.sample = sample,
	.ctx_start = ctx_start,
	.ctx_finish = ctx_finish,
};
