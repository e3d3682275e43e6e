/* memburst.c: the memburst detector: anonymous memory in use and its
 * growth, host-wide or the cgroup's. It keeps a reading of every process's
 * resident memory every 5 s, so that on firing it can say who grew since
 * before the burst; and it profiles page faults over the post-window. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "detect/engine.h"

#define BASELINES 13		/* a minute of them, one every 5 s */
#define BASELINE_EVERY 5000000000ULL

struct memburst {
	double anon_prev;
	uint64_t anon_prev_ns;
	bool anon_prev_ok;
	/* resident memory every 5 s, for the growth over at least
	 * baseline_age (the longest rise window, 10 s at least) */
	struct fr_pstats baselines[BASELINES];
	unsigned nbaselines;
	uint64_t next_baseline, baseline_age;
	bool want_baseline;
};

static int init(struct fr_sampler *s, void *st)
{
	(void)st;
	if (s->cgroup && !s->cg_mem[0]) {
		fr_err("--cgroup %s: no memory accounting for it (neither cgroup2 nor v1 memory.stat)",
		       s->cgroup);
		return -ENOENT;
	}
	return 0;
}

static void free_state(void *st)
{
	struct memburst *m = st;

	for (unsigned i = 0; i < m->nbaselines; i++)
		fr_pstats_free(&m->baselines[i]);
}

static void sample(struct fr_sampler *s, void *st, uint64_t now)
{
	struct memburst *m = st;
	static char buf[16384];
	double anon;

	if (s->cgroup) {
		long long a;

		if (fr_read_small(s->cg_mem, buf, sizeof(buf)) < 0)
			return;
		a = fr_keyed(buf, s->cg_mem_v2 ? "anon" : "total_rss");
		if (a < 0)
			a = fr_keyed(buf, "rss");
		if (a < 0)
			return;
		anon = (double)a;
	} else {
		char *p;

		if (fr_read_small("/proc/meminfo", buf, sizeof(buf)) < 0 ||
		    !(p = strstr(buf, "\nAnonPages:")))
			return;
		anon = strtoll(p + 11, NULL, 10) * 1024.0;
	}
	fr_sampler_set(s, FR_M_MEMBURST_ANON, anon, s->cgroup);
	if (m->anon_prev_ok && now > m->anon_prev_ns)
		fr_sampler_set(s, FR_M_MEMBURST_RATE, (anon - m->anon_prev) * 1e9 / (now - m->anon_prev_ns),
			       s->cgroup);
	m->anon_prev = anon;
	m->anon_prev_ns = now;
	m->anon_prev_ok = true;
}

/* Its own metrics, and psi.memory's, whose firings get this context. */
static void arm(void *st, const struct fr_cond *c)
{
	struct memburst *m = st;

	m->want_baseline = true;
	if (c->rise && fr_metric_detector(fr_cond_metric(c)) == FR_DET_MEMBURST &&
	    c->window_ns > m->baseline_age)
		m->baseline_age = c->window_ns;
}

static uint64_t baseline_age(const struct memburst *m)
{
	if (m->baseline_age < 10000000000ULL)
		return 10000000000ULL;
	if (m->baseline_age > (BASELINES - 1) * BASELINE_EVERY)
		return (BASELINES - 1) * BASELINE_EVERY;
	return m->baseline_age;
}

static void tick(struct fr_sampler *s, void *st, uint64_t now, bool firing)
{
	struct memburst *m = st;

	(void)s;
	if (!m->want_baseline || now < m->next_baseline || firing)
		return;
	if (m->nbaselines == BASELINES) {
		fr_pstats_free(&m->baselines[0]);
		memmove(m->baselines, m->baselines + 1, (BASELINES - 1) * sizeof(m->baselines[0]));
		m->nbaselines--;
	}
	/* a failed read is tried again at the next turn */
	if (!fr_pstats_read(&m->baselines[m->nbaselines]))
		m->nbaselines++;
	m->next_baseline = now + BASELINE_EVERY;
}

/* The newest baseline at least baseline_age old, else the oldest. */
static const struct fr_pstats *baseline(const struct memburst *m, uint64_t now)
{
	for (unsigned i = m->nbaselines; i-- > 0;)
		if (m->baselines[i].at_ns + baseline_age(m) <= now)
			return &m->baselines[i];
	return m->nbaselines ? &m->baselines[0] : NULL;
}

static void stats(const struct fr_sampler *s, const void *st, cJSON *o)
{
	const struct memburst *m = st;
	cJSON *x = cJSON_AddObjectToObject(o, "memory_baselines");
	size_t procs = 0;

	(void)s;
	for (unsigned i = 0; i < m->nbaselines; i++)
		procs += m->baselines[i].n;
	cJSON_AddNumberToObject(x, "samples", m->nbaselines);
	cJSON_AddNumberToObject(x, "max", BASELINES);
	cJSON_AddNumberToObject(x, "processes", (double)procs);
}

static void ctx_start(struct fr_firing *f, void *st)
{
	(void)st;
	fr_firing_profile(f, FR_PROFILE_FAULTS, 16, "page-fault stacks");
}

static void ctx_finish(struct fr_firing *f, void *st, cJSON *ctx)
{
	const struct fr_pstats *base = baseline(st, f->at);
	struct fr_pstats now;

	if (base && !fr_pstats_read(&now)) {
		cJSON_AddItemToObject(ctx, "top_growers", fr_ctx_top_growers(base, &now, 15));
		cJSON_AddNumberToObject(ctx, "growth_since_ns", (double)(now.at_ns - base->at_ns));
		fr_pstats_free(&now);
	}
}

const struct fr_detector fr_det_memburst = {
	.name = "memburst",
	.metrics = (const enum fr_metric[]){ FR_M_MEMBURST_ANON, FR_M_MEMBURST_RATE, FR_M_NONE },
	.context_help = "top growers of resident memory; page-fault stacks (post-window)",
	.state_size = sizeof(struct memburst),
	.init = init,
	.free = free_state,
	.sample = sample,
	.arm = arm,
	.tick = tick,
	.stats = stats,
	.ctx_start = ctx_start,
	.ctx_finish = ctx_finish,
};
