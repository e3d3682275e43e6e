/* engine.c: arming, evaluating and firing; see engine.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "detect/engine.h"

/* ---- history, for 'rises' ---- */

static void hist_push(struct fr_history *h, uint64_t ts, double v, bool ok)
{
	if (!h->cap)
		return;
	h->ts[h->head] = ts;
	h->v[h->head] = v;
	h->ok[h->head] = ok;
	h->head = (h->head + 1) % h->cap;
	if (h->n < h->cap)
		h->n++;
}

/* The newest sample taken at or before t (within half a second of it).
 * Armed less than the window ago, the oldest one: a rise in less time than
 * the window is a rise within it, and a burst in the first seconds counts. */
static bool hist_at(const struct fr_history *h, uint64_t t, double *v)
{
	for (unsigned k = 0; k < h->n; k++) {
		unsigned i = (h->head + h->cap - 1 - k) % h->cap;

		if (h->ts[i] <= t + 500000000ULL) {
			/* none near t (sampling was held up): no comparison */
			if (h->ts[i] + 500000000ULL < t)
				return false;
			*v = h->v[i];
			return h->ok[i];
		}
	}
	/* every sample is newer than t: the oldest valid one, if any is
	 * older than the newest */
	for (unsigned k = h->n; h->n < h->cap && k-- > 1;) {
		unsigned i = (h->head + h->cap - 1 - k) % h->cap;

		if (h->ok[i]) {
			*v = h->v[i];
			return true;
		}
	}
	return false;
}

static void hist_free(struct fr_history *h)
{
	free(h->ts);
	free(h->v);
	free(h->ok);
	memset(h, 0, sizeof(*h));
}

/* Room for a rise over window: samples are a second apart. */
static int hist_reserve(struct fr_history *h, uint64_t window_ns)
{
	unsigned cap = (unsigned)(window_ns / 1000000000ULL) + 3;

	if (cap <= h->cap)
		return 0;
	hist_free(h);
	h->cap = cap;
	h->ts = calloc(cap, sizeof(*h->ts));
	h->v = calloc(cap, sizeof(*h->v));
	h->ok = calloc(cap, sizeof(*h->ok));
	return h->ts && h->v && h->ok ? 0 : -ENOMEM;
}

/* ---- arming ---- */

int fr_engine_init(struct fr_engine *e, const struct fr_expr *exprs, const char *const *src,
		   unsigned n, const char *cgroup, bool post)
{
	bool want[FR_M_COUNT] = { false };
	int err;

	memset(e, 0, sizeof(*e));
	e->post = post;
	for (unsigned i = 0; i < n && i < FR_ENGINE_MAX_EXPRS; i++) {
		struct fr_armed *a = &e->armed[e->narmed++];

		a->e = &exprs[i];
		a->det = fr_metric_detector(fr_cond_metric(&a->e->conds[0]));
		for (unsigned j = 0; j < a->e->n; j++) {
			const struct fr_cond *c = &a->e->conds[j];
			enum fr_metric m = fr_cond_metric(c);

			/* a metric in no detector's row (tests/unit/test_detect.c
			 * checks there is none) */
			if (fr_metric_detector(m) >= FR_DET_COUNT) {
				fr_err("--when '%s': %s belongs to no detector", src[i], c->name);
				return -ENOENT;
			}
			want[m] = true;
			if (!c->rise)
				continue;
			if (c->window_ns > 3600ULL * 1000000000ULL || c->window_ns < 1000000000ULL) {
				fr_err("--when '%s': a rise is measured over 1s to 1h", src[i]);
				return -EINVAL;
			}
			if (hist_reserve(&e->hist[m], c->window_ns)) {
				fr_err("out of memory");
				return -ENOMEM;
			}
		}
	}
	err = fr_sampler_init(&e->s, want, cgroup);
	if (err)
		return err == -EINVAL ? -ENOENT : err;
	/* the detectors see every condition they own or give the context of */
	for (unsigned i = 0; i < e->narmed; i++)
		for (unsigned j = 0; j < e->armed[i].e->n; j++) {
			const struct fr_cond *c = &e->armed[i].e->conds[j];
			enum fr_metric m = fr_cond_metric(c);
			enum fr_det own = fr_metric_detector(m), ctx = fr_metric_context(m);

			if (fr_detectors[own]->arm)
				fr_detectors[own]->arm(e->s.state[own], c);
			if (ctx != own && fr_detectors[ctx]->arm)
				fr_detectors[ctx]->arm(e->s.state[ctx], c);
		}
	return 0;
}

void fr_engine_free(struct fr_engine *e)
{
	fr_sampler_free(&e->s);
	for (unsigned m = 0; m < FR_M_COUNT; m++)
		hist_free(&e->hist[m]);
}

void fr_engine_sample(struct fr_engine *e, uint64_t now)
{
	fr_sampler_sample(&e->s, now);
	for (unsigned m = 0; m < FR_M_COUNT; m++)
		hist_push(&e->hist[m], now, e->s.value[m], e->s.valid[m]);
}

void fr_engine_tick(struct fr_engine *e, uint64_t now, bool firing)
{
	for (unsigned d = 0; d < FR_DET_COUNT; d++)
		if (fr_detectors[d]->tick)
			fr_detectors[d]->tick(&e->s, e->s.state[d], now, firing);
}

/* ---- evaluation ---- */

#define FOR_SLACK_NS 250000000ULL

/* What condition c compares now (the value, or the rise): false when
 * there is nothing to compare. */
static bool cond_value(const struct fr_engine *e, const struct fr_cond *c, uint64_t now, double *shown)
{
	enum fr_metric m = fr_cond_metric(c);
	double then;

	if (!e->s.valid[m])
		return false;
	if (!c->rise) {
		*shown = e->s.value[m];
		return true;
	}
	if (!hist_at(&e->hist[m], now > c->window_ns ? now - c->window_ns : 0, &then))
		return false;
	*shown = e->s.value[m] - then;
	return true;
}

static bool cond_holds(const struct fr_cond *c, double v)
{
	return c->rise ? v >= c->threshold : fr_cmp_holds(c->cmp, v, c->threshold);
}

/* Keep the value that came closest to holding, and the longest hold. */
static void keep_peak(const struct fr_cond *c, struct fr_cond_state *st, uint64_t now)
{
	bool low = !c->rise && (c->cmp == FR_CMP_LT || c->cmp == FR_CMP_LE);

	if (!st->peak_ok || (low ? st->value < st->peak : st->value > st->peak))
		st->peak = st->value;
	st->peak_ok = true;
	if (st->since && now - st->since > st->held_max)
		st->held_max = now - st->since;
}

/* Update every condition of a; true when all hold long enough. */
static bool holds(const struct fr_engine *e, struct fr_armed *a, uint64_t now)
{
	bool all = true;

	for (unsigned i = 0; i < a->e->n; i++) {
		const struct fr_cond *c = &a->e->conds[i];
		struct fr_cond_state *st = &a->st[i];
		double v = 0;

		st->valid = cond_value(e, c, now, &v);
		st->value = v;
		if (st->valid && cond_holds(c, v)) {
			if (!st->since)
				st->since = now;
			/* samples are a second apart give or take the loop's
			 * turn: 'for 10s' is the tenth sample after the first */
			if (now - st->since + FOR_SLACK_NS < c->for_ns)
				all = false;
		} else {
			st->since = 0;
			all = false;
		}
		if (st->valid)
			keep_peak(c, st, now);
	}
	return all;
}

static cJSON *values_json(const struct fr_sampler *s)
{
	cJSON *v = cJSON_CreateObject();

	for (unsigned i = 0; i < FR_M_COUNT; i++)
		if (s->want[i] && s->valid[i])
			cJSON_AddNumberToObject(v, fr_metric_defs[i].name, s->value[i]);
	return v;
}

static void fire(struct fr_engine *e, struct fr_armed *a, uint64_t now, struct fr_firing *f)
{
	const struct fr_detector *d = fr_detectors[a->det];
	enum fr_metric m = fr_cond_metric(&a->e->conds[0]);

	memset(f, 0, sizeof(*f));
	f->a = a;
	f->cond = 0;
	f->det = a->det;
	f->ctx = fr_metric_context(m);
	f->at = now;
	f->value = a->st[0].value;
	f->env = &e->env;
	snprintf(f->detail, sizeof(f->detail), "%s", e->s.detail[m]);
	if (d->fired)
		d->fired(&e->s, e->s.state[a->det], f);
	f->values = values_json(&e->s);
	/* no post-window: nothing to profile or compare */
	if (e->post && fr_detectors[f->ctx]->ctx_start)
		fr_detectors[f->ctx]->ctx_start(f, e->s.state[f->ctx]);
}

bool fr_engine_evaluate(struct fr_engine *e, uint64_t now, bool busy, struct fr_firing *f)
{
	bool picked = busy;

	if (!e->armed_at)
		e->armed_at = now;
	for (unsigned i = 0; i < e->narmed; i++) {
		struct fr_armed *a = &e->armed[i];

		if (!holds(e, a, now) || now < e->cool_until[a->det] || picked)
			continue;
		picked = true;
		fire(e, a, now, f);
	}
	return picked && !busy;
}

void fr_engine_rearm(struct fr_engine *e, const struct fr_firing *f, uint64_t cooldown_until)
{
	e->cool_until[f->det] = cooldown_until;
	/* a condition must hold anew, from samples after the capture */
	for (unsigned i = 0; i < e->narmed; i++)
		for (unsigned j = 0; j < e->armed[i].e->n; j++)
			e->armed[i].st[j].since = 0;
}

/* ---- the context ---- */

cJSON *fr_engine_context(struct fr_engine *e, struct fr_firing *f, const uint8_t *const *recs,
			 size_t n)
{
	const struct fr_detector *d = fr_detectors[f->ctx];
	cJSON *c = cJSON_CreateObject();

	e->env.recs = recs;
	e->env.n = n;
	cJSON_AddStringToObject(c, "kind", d->name);
	if (f->prof) {
		cJSON *p = f->env->profiler->finish(f->prof, e->env.syms, 200);

		f->prof = NULL;
		if (p)
			cJSON_AddItemToObject(c, "profile", p);
	}
	if (d->ctx_finish)
		d->ctx_finish(f, e->s.state[f->ctx], c);
	e->env.recs = NULL;
	e->env.n = 0;
	return c;
}

void fr_firing_profile(struct fr_firing *f, enum fr_profile_kind kind, unsigned rate, const char *none)
{
	if (!f->env->profiler || f->env->profiler->start(&f->prof, kind, rate, (uint32_t)getpid()))
		fr_warn("the capture will have no %s", none);
}

void fr_firing_drop(struct fr_firing *f)
{
	if (f->prof)
		f->env->profiler->abort(f->prof);
	f->prof = NULL;
	fr_pstats_free(&f->ps_before);
	cJSON_Delete(f->dstate);
	cJSON_Delete(f->values);
	f->dstate = f->values = NULL;
}

cJSON *fr_firing_json(const struct fr_firing *f, uint64_t pre_ns, uint64_t post_ns, unsigned capture,
		      const char *cgroup)
{
	const struct fr_cond *c = &f->a->e->conds[f->cond];
	cJSON *t = cJSON_CreateObject(), *conds;
	char buf[256];

	cJSON_AddStringToObject(t, "detector", fr_firing_detector(f));
	cJSON_AddStringToObject(t, "metric", c->name);
	cJSON_AddNumberToObject(t, "value", f->value);
	cJSON_AddStringToObject(t, "value_text", fr_fmt_value(c->kind, f->value, buf, sizeof(buf)));
	cJSON_AddNumberToObject(t, "threshold", c->threshold);
	cJSON_AddStringToObject(t, "condition", fr_cond_format(c, buf, sizeof(buf)));
	cJSON_AddStringToObject(t, "when", f->a->e->text);
	if (f->detail[0])
		cJSON_AddStringToObject(t, "detail", f->detail);
	cJSON_AddNumberToObject(t, "time_ns", (double)f->at);
	cJSON_AddNumberToObject(t, "pre_ns", (double)pre_ns);
	cJSON_AddNumberToObject(t, "post_ns", (double)post_ns);
	cJSON_AddNumberToObject(t, "capture", capture);
	if (cgroup)
		cJSON_AddStringToObject(t, "cgroup", cgroup);
	conds = cJSON_AddArrayToObject(t, "conditions");
	for (unsigned i = 0; i < f->a->e->n; i++) {
		const struct fr_cond *ci = &f->a->e->conds[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "condition", fr_cond_format(ci, buf, sizeof(buf)));
		cJSON_AddStringToObject(x, "metric", ci->name);
		cJSON_AddNumberToObject(x, "value", f->a->st[i].value);
		cJSON_AddStringToObject(x, "value_text",
					fr_fmt_value(ci->kind, f->a->st[i].value, buf, sizeof(buf)));
		cJSON_AddItemToArray(conds, x);
	}
	if (f->values)
		cJSON_AddItemToObject(t, "values", cJSON_Duplicate(f->values, true));
	return t;
}
