/* test_closest.c: the evaluation on known samples: a rise in the first
 * seconds armed, a 'for' counted in samples, the peaks kept for the report;
 * how close a condition is, the report's lines, the status line's order
 * and width; the default set; the ring a window needs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "detect/closest.h"
#include "detect/defaults.h"
#include "detect/engine.h"
#include "detect/window.h"

#define S 1000000000ULL

static struct fr_expr parse(const char *src)
{
	struct fr_expr e;
	struct fr_expr_error err;

	if (fr_expr_parse(src, &e, &err))
		fprintf(stderr, "# %s: %s\n", src, err.msg);
	return e;
}

/* A sample of metric m at t, as fr_engine_sample keeps it. */
static void sample(struct fr_engine *e, enum fr_metric m, uint64_t t, double v)
{
	struct fr_history *h = &e->hist[m];

	e->s.value[m] = v;
	e->s.valid[m] = true;
	if (!h->cap)
		return;
	h->ts[h->head] = t;
	h->v[h->head] = v;
	h->ok[h->head] = true;
	h->head = (h->head + 1) % h->cap;
	if (h->n < h->cap)
		h->n++;
}

static void test_rise_and_for(void)
{
	struct fr_expr x[2] = { parse("memburst.anon rises 1GB in 10s"), parse("cpu.usage > 50% for 3s") };
	const char *src[2] = { "rise", "for" };
	static struct fr_engine e;
	struct fr_firing f;
	const enum fr_metric anon = FR_M_MEMBURST_ANON, cpu = FR_M_CPU_USAGE;

	ok(fr_engine_init(&e, x, src, 2, NULL, false) == 0, "an engine with a rise and a 'for'");
	sample(&e, anon, 1 * S, 1e9);
	ok(!fr_engine_evaluate(&e, 1 * S, false, &f), "one sample: no rise to measure");
	ok(!e.armed[0].st[0].valid, "and no value for it");
	sample(&e, anon, 2 * S, 1.6e9);
	ok(!fr_engine_evaluate(&e, 2 * S, false, &f), "600MB in the first second: not 1GB");
	sample(&e, anon, 3 * S, 2.2e9);
	ok(fr_engine_evaluate(&e, 3 * S, false, &f) && f.a == &e.armed[0],
	   "armed 2s, a rise of 1.2GB fires: a window not yet full counts from the first sample");
	ok(e.armed[0].st[0].peak == 1.2e9, "its peak is the rise (%.0f)", e.armed[0].st[0].peak);
	fr_firing_drop(&f);
	fr_engine_rearm(&e, &f, 0);
	e.s.valid[anon] = false;

	/* 'for 3s' holds at the samples of 10, 11.1, 12.05 and 12.9s: the
	 * fourth is three samples on, a little early by the clock */
	sample(&e, cpu, 10 * S, 80);
	ok(!fr_engine_evaluate(&e, 10 * S, false, &f), "'for 3s': not at its first sample");
	sample(&e, cpu, 11100000000ULL, 90);
	ok(!fr_engine_evaluate(&e, 11100000000ULL, false, &f), "nor its second");
	sample(&e, cpu, 12050000000ULL, 70);
	ok(!fr_engine_evaluate(&e, 12050000000ULL, false, &f), "nor its third");
	ok(fabs(fr_cond_closeness(&e.armed[1].e->conds[0], true, 70, 2050000000ULL) - (1 + 2.05 / 3)) < 1e-9,
	   "held 2.05s of 3s: closeness 1.68");
	sample(&e, cpu, 12900000000ULL, 60);
	ok(fr_engine_evaluate(&e, 12900000000ULL, false, &f) && f.a == &e.armed[1],
	   "but at its fourth, 2.9s on");
	ok(e.armed[1].st[0].peak == 90 && e.armed[1].st[0].held_max == 2900000000ULL,
	   "its peak and its longest hold kept (%.0f, %llu)", e.armed[1].st[0].peak,
	   (unsigned long long)e.armed[1].st[0].held_max);
	fr_firing_drop(&f);
	fr_engine_free(&e);
}

static void test_closeness(void)
{
	struct fr_expr gt = parse("cpu.sys > 50%"), lt = parse("cpu.usage < 10%"), c = parse("events.crash");

	ok(fr_cond_closeness(&gt.conds[0], true, 25, 0) == 0.5, "25%% of > 50%%: half way");
	ok(fr_cond_closeness(&gt.conds[0], true, 60, 0) == 2, "holding without 'for': 2");
	ok(fr_cond_closeness(&gt.conds[0], true, 50, 0) < 1, "at the threshold of > : short of it");
	ok(fr_cond_closeness(&lt.conds[0], true, 20, 0) == 0.5, "20%% against < 10%%: half way");
	ok(fr_cond_closeness(&gt.conds[0], false, 0, 0) == -1, "no value: -1");
	ok(fr_cond_closeness(&c.conds[0], true, 0, 0) == 0, "no crash: 0");
}

static void test_peak_lines(void)
{
	struct fr_expr x[5] = { parse("cpu.sys > 60% for 10s"), parse("memburst.anon rises 2GB in 10s"),
				parse("events.crash"), parse("io.await > 1s for 5s"),
				parse("dstate.tasks >= 4") };
	struct fr_armed a[5] = { { .e = &x[0] }, { .e = &x[1] }, { .e = &x[2] }, { .e = &x[3] }, { .e = &x[4] } };
	char b[256];

	a[0].st[0] = (struct fr_cond_state){ .peak = 12, .peak_ok = true };
	ok(!strcmp(fr_cond_peak_line(&a[0], 0, b, sizeof(b), 67),
		   "cpu.sys peaked at 12% (threshold 60% for 10s): 20% of it"), "%s", b);
	a[0].st[0] = (struct fr_cond_state){ .peak = 75, .peak_ok = true, .held_max = 4 * S };
	ok(!strcmp(fr_cond_peak_line(&a[0], 0, b, sizeof(b), 67),
		   "cpu.sys peaked at 75% (threshold 60% for 10s): held 4s"), "%s", b);
	ok(!strcmp(fr_cond_peak_line(&a[0], 0, b, sizeof(b), 30), "cpu.sys peaked at 75%: held 4s"),
	   "too long: the threshold goes (%s)", b);
	a[1].st[0] = (struct fr_cond_state){ .peak = 512.0 * (1 << 20), .peak_ok = true };
	ok(!strcmp(fr_cond_peak_line(&a[1], 0, b, sizeof(b), 67),
		   "memburst.anon rose 512MB (threshold 2GB in 10s): 25% of it"), "%s", b);
	a[2].st[0] = (struct fr_cond_state){ .peak = 0, .peak_ok = true };
	ok(!strcmp(fr_cond_peak_line(&a[2], 0, b, sizeof(b), 67), "events.crash: none"), "%s", b);
	ok(!strcmp(fr_cond_peak_line(&a[3], 0, b, sizeof(b), 67), "io.await had no reading (threshold 1s for 5s)"),
	   "%s", b);
	a[4].st[0] = (struct fr_cond_state){ .peak = 1, .peak_ok = true };
	ok(!strcmp(fr_cond_peak_line(&a[4], 0, b, sizeof(b), 67),
		   "dstate.tasks peaked at 1 (threshold >= 4): 25% of it"), "%s", b);
}

static void test_status(void)
{
	struct fr_expr x[4] = { parse("psi.cpu.some > 90%"), parse("cpu.sys > 60% for 10s"),
				parse("runqueue.p99 > 100ms for 5s"), parse("events.crash") };
	static struct fr_engine e;
	char line[512];

	for (unsigned i = 0; i < 4; i++)
		e.armed[i].e = &x[i];
	e.narmed = 4;
	e.armed[0].st[0] = (struct fr_cond_state){ .value = 9, .valid = true };
	e.armed[1].st[0] = (struct fr_cond_state){ .value = 70, .valid = true, .since = 20 * S };
	e.armed[2].st[0] = (struct fr_cond_state){ .value = 50e6, .valid = true };
	e.armed[3].st[0] = (struct fr_cond_state){ .value = 0, .valid = true };
	fr_engine_status(&e, 24 * S, line, sizeof(line), 200);
	ok(!strcmp(line, "armed: cpu.sys 70% [> 60% for 10s, 6s left] | runqueue.p99 50ms [> 100ms for 5s] | "
			 "psi.cpu.some 9% [> 90%] | events.crash 0 [> 0]"),
	   "closest first, with the time its 'for' has left: %s", line);
	fr_engine_status(&e, 24 * S, line, sizeof(line), 80);
	ok(!strcmp(line, "armed: cpu.sys 70% [> 60% for 10s, 6s left] +3"),
	   "in 80 columns, the rest counted: %s", line);
	fr_engine_status(&e, 24 * S, line, sizeof(line), 100);
	ok(!strcmp(line, "armed: cpu.sys 70% [> 60% for 10s, 6s left] | runqueue.p99 50ms [> 100ms for 5s] +2"),
	   "wider, one more: %s", line);
	fr_engine_status(&e, 24 * S, line, sizeof(line), 30);
	ok(strlen(line) <= 29 && strlen(line) > 20 && !strcmp(line + strlen(line) - 3, " +3"),
	   "the closest cut short when even it does not fit, the others still counted: %s", line);
}

static void test_defaults(void)
{
	struct fr_expr x[FR_ENGINE_MAX_EXPRS];
	const char *src[FR_ENGINE_MAX_EXPRS];
	int n = fr_default_exprs(x, src, FR_ENGINE_MAX_EXPRS);
	bool longest = false, usage = false;

	ok(n >= 7, "the default set parses (%d armed here)", n);
	for (int i = 0; i < n; i++) {
		longest |= fr_cond_metric(&x[i].conds[0]) == FR_M_DSTATE_LONGEST;
		usage |= fr_cond_metric(&x[i].conds[0]) == FR_M_CPU_USAGE;
	}
	ok(longest && !usage, "it watches how long a task is stuck in D state, not how busy the CPUs are");
	for (unsigned i = 0; i < fr_default_when_n; i++)
		ok(fr_default_when[i].catches && fr_default_when[i].fires &&
		   strlen(fr_default_when[i].catches) <= 74 && strlen(fr_default_when[i].fires) <= 68,
		   "'%s' says what it catches and how soon, in 80 columns", fr_default_when[i].when);
}

static void test_window(void)
{
	ok(fr_window_need(10 * S, 0) == 4ULL << 20, "10s at the floor (256K/s): 2.5M and 1M more, rounded up: 4M");
	ok(fr_window_need(10 * S, 1 << 20) == 21ULL << 20, "10s at 1M/s: twice that, and 1M more");
}

int main(void)
{
	test_rise_and_for();
	test_closeness();
	test_peak_lines();
	test_status();
	test_defaults();
	test_window();
	return tap_done();
}
