/* test_detect.c: the detectors' arithmetic on known inputs: histogram
 * percentiles, run-queue latency and crashes learnt from synthetic events,
 * and the run-queue context (who waited, who ran instead). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "schedev.h"
#include "tap.h"
#include "analysis/hist.h"
#include "detect/context.h"
#include "detect/engine.h"
#include "detect/sampler.h"
#include "capture/event.h"

static void test_hist(void)
{
	struct fr_hist h = { 0 };
	uint64_t p50, p99;

	ok(fr_hist_quantile(&h, 0.99) == 0, "an empty histogram has no percentile");
	for (uint64_t v = 1; v <= 1000; v++)
		fr_hist_add(&h, v * 1000);	/* 1 us .. 1 ms */
	p50 = fr_hist_quantile(&h, 0.5);
	p99 = fr_hist_quantile(&h, 0.99);
	ok(p50 >= 500000 && p50 <= 500000 * 1.19 + 1, "p50 of 1us..1ms is 500us within a bucket (%llu)",
	   (unsigned long long)p50);
	ok(p99 >= 990000 && p99 <= 1000000, "p99 is 990us within a bucket, never above max (%llu)",
	   (unsigned long long)p99);
	is_u(h.max, 1000000, "max is exact");
	is_u(h.n, 1000, "count");
	memset(&h, 0, sizeof(h));
	fr_hist_add(&h, 0);
	fr_hist_add(&h, UINT64_MAX);
	ok(fr_hist_quantile(&h, 1.0) == UINT64_MAX, "the largest value lands in the last bucket");
}

static void test_runqueue_metric(void)
{
	bool want[FR_M_COUNT] = { false };
	struct fr_sampler s;
	const enum fr_metric p99 = FR_M_RUNQUEUE_P99, mx = FR_M_RUNQUEUE_MAX;
	struct fr_sched_wakeup w;
	struct fr_sched_switch x;

	want[p99] = want[mx] = true;
	ok(fr_sampler_init(&s, want, NULL) == 0, "sampler for the run-queue metrics");
	/* task 10 woken at 1 ms, runs at 4 ms: 3 ms; task 11 preempted at
	 * 5 ms, runs again at 25 ms: 20 ms */
	w = wk(1000000, 10, 0);
	fr_sampler_event(&s, &w, sizeof(w));
	x = sw(4000000, 0, 0, 0, 10);
	fr_sampler_event(&s, &x, sizeof(x));
	x = sw(5000000, 1, 11, 0, 12);
	fr_sampler_event(&s, &x, sizeof(x));
	x = sw(25000000, 1, 12, 1, 11);
	fr_sampler_event(&s, &x, sizeof(x));
	fr_sampler_sample(&s, 1000000000);
	ok(s.valid[mx], "runqueue.max has a value");
	ok(s.value[mx] >= 19990000 && s.value[mx] <= 20002000,
	   "runqueue.max is the 20 ms wait (%.0f)", s.value[mx]);
	ok(s.value[p99] >= 19990000, "p99 of two waits is the larger");
	fr_sampler_sample(&s, 2000000000);
	ok(s.value[mx] == 0, "the next second starts empty");
	/* the classic tracepoint reports a preemption as TASK_REPORT_MAX */
	x = sw(2100000000, 1, 11, 0x100, 12);
	fr_sampler_event(&s, &x, sizeof(x));
	x = sw(2107000000, 1, 12, 1, 11);
	fr_sampler_event(&s, &x, sizeof(x));
	fr_sampler_sample(&s, 3000000000);
	ok(s.value[mx] >= 6990000 && s.value[mx] <= 7002000,
	   "a preemption reported the classic way waits too (%.0f)", s.value[mx]);
	fr_sampler_free(&s);
}

/* The detectors' table: every metric has a row, one owner, and the
 * owner's name before its dot; every detector says what a firing adds. */
static void test_tables(void)
{
	unsigned owned[FR_M_COUNT] = { 0 }, bad = 0;

	for (unsigned d = 0; d < FR_DET_COUNT; d++) {
		const struct fr_detector *x = fr_detectors[d];

		ok(x && x->name && x->context_help && x->metrics, "detector %u has a row", d);
		for (const enum fr_metric *m = x->metrics; *m != FR_M_NONE; m++) {
			const char *n = fr_metric_defs[*m].name;
			size_t l = strlen(x->name);

			owned[*m]++;
			if (!n || strncmp(n, x->name, l) || n[l] != '.')
				bad++;
		}
	}
	is_u(bad, 0, "every metric is named after its detector");
	for (unsigned m = 0; m < FR_M_COUNT; m++)
		if (owned[m] != 1 || !fr_metric_defs[m].name || !fr_metric_defs[m].help ||
		    fr_metric_find(fr_metric_defs[m].name, strlen(fr_metric_defs[m].name)) !=
			    &fr_metric_defs[m])
			bad++;
	is_u(bad, 0, "every metric has a row, a help line and exactly one detector");
	ok(fr_metric_context(FR_M_PSI_MEMORY_FULL) == FR_DET_MEMBURST &&
	   fr_metric_context(FR_M_PSI_CPU_SOME) == FR_DET_CPU &&
	   fr_metric_context(FR_M_PSI_IO_SOME) == FR_DET_IO &&
	   fr_metric_context(FR_M_RUNQUEUE_P99) == FR_DET_RUNQUEUE,
	   "a pressure firing gets the context of the resource under pressure");
	ok(fr_metric_find("cpu.sy", 6) == NULL, "a misspelt name is no metric");
}

/* A second wakeup before the task runs does not restart its wait, as in
 * the kernel's schedstat accounting. */
static void test_second_wakeup(void)
{
	bool want[FR_M_COUNT] = { false };
	struct fr_sampler s;
	struct fr_sched_wakeup w;
	struct fr_sched_switch x;

	want[FR_M_RUNQUEUE_MAX] = true;
	fr_sampler_init(&s, want, NULL);
	w = wk(1000000, 10, 0);
	fr_sampler_event(&s, &w, sizeof(w));
	w = wk(2000000, 10, 0);
	fr_sampler_event(&s, &w, sizeof(w));
	x = sw(4000000, 0, 0, 0, 10);
	fr_sampler_event(&s, &x, sizeof(x));
	fr_sampler_sample(&s, 1000000000);
	ok(s.value[FR_M_RUNQUEUE_MAX] == 3000000, "woken at 1 and 2 ms, run at 4 ms: 3 ms (%.0f)",
	   s.value[FR_M_RUNQUEUE_MAX]);
	fr_sampler_free(&s);
}

static void test_crash(void)
{
	bool want[FR_M_COUNT] = { false };
	struct fr_sampler s;
	unsigned c = FR_M_EVENTS_CRASH;
	struct fr_proc_exit e = { 0 };
	struct fr_expr x;
	struct fr_expr_error xe;
	struct fr_armed a = { .e = &x, .det = FR_DET_EVENTS };
	struct fr_firing f = { .a = &a, .at = 1000 };

	want[c] = true;
	fr_sampler_init(&s, want, NULL);
	e.h = (struct fr_hdr){ .ts = 5, .tgid = 42, .tid = 42, .type = FR_EV_PROC_EXIT, .size = sizeof(e) };
	e.exit_code = 3 << 8;	/* exit(3): not a crash */
	e.group_dead = 1;
	fr_sampler_event(&s, &e, sizeof(e));
	ok(!s.fatal_pending, "a plain exit is not a crash");
	e.exit_code = SIGSEGV;
	e.group_dead = 0;
	fr_sampler_event(&s, &e, sizeof(e));
	ok(!s.fatal_pending, "a thread dying of SIGSEGV before its process is gone is not counted");
	e.group_dead = 1;
	fr_sampler_event(&s, &e, sizeof(e));
	e.h.tgid = e.h.tid = 43;
	e.exit_code = SIGABRT;
	fr_sampler_event(&s, &e, sizeof(e));
	ok(s.fatal_pending, "a process killed by SIGSEGV is");
	fr_sampler_sample_events(&s);
	is_u(s.value[c], 2, "two crashes counted");
	fr_expr_parse("events.crash", &x, &xe);
	fr_detectors[FR_DET_EVENTS]->fired(&s, s.state[FR_DET_EVENTS], &f);
	is_u(f.fatal.pid, 42, "the first one is reported");
	ok(f.fatal.sig == SIGSEGV, "with its signal");
	ok(f.is_fatal && f.at == 5, "and the firing is placed at its time");
	fr_sampler_sample_events(&s);
	is_u(s.value[c], 0, "counts restart after each look");
	fr_sampler_free(&s);
}

static void test_runqueue_context(void)
{
	/* CPU 0: task 1 runs 0-10 ms while task 2 waits (woken at 2 ms);
	 * then 2 runs */
	struct fr_sched_switch a = sw(1000000000, 0, 0, 0, 1), c = sw(1010000000, 0, 1, 0, 2);
	struct fr_sched_wakeup b = wk(1002000000, 2, 0);
	const uint8_t *recs[] = { (void *)&a, (void *)&b, (void *)&c };
	struct fr_proctab pt = { 0 };
	cJSON *j = fr_ctx_runqueue(recs, 3, &pt, 10);
	const cJSON *w = cJSON_GetObjectItem(j, "waiters"), *i = cJSON_GetObjectItem(j, "interferers");
	const cJSON *w0 = cJSON_GetArrayItem(w, 0), *i0 = cJSON_GetArrayItem(i, 0);

	ok(j && w0 && i0, "waiters and interferers");
	ok(cJSON_GetObjectItem(w0, "tid")->valueint == 2, "task 2 waited");
	ok(cJSON_GetObjectItem(w0, "wait_ns")->valuedouble == 8000000, "for 8 ms");
	ok(cJSON_GetObjectItem(i0, "tid")->valueint == 1, "task 1 ran instead");
	ok(cJSON_GetObjectItem(i0, "while_others_waited_ns")->valuedouble == 8000000,
	   "for those 8 ms");
	ok(cJSON_GetObjectItem(i0, "oncpu_ns")->valuedouble == 10000000, "of its 10 ms on the CPU");
	ok(!strcmp(cJSON_GetObjectItem(i0, "comm")->valuestring, "t1"), "named from the events");
	cJSON_Delete(j);
	fr_proctab_free(&pt);
}

static void test_io_context(void)
{
	/* pid 7: three requests on 8:0, one on 8:16; pid 9: one on 8:0 */
	struct fr_block_rq r[5];
	const uint8_t *recs[5];
	uint32_t pid[5] = { 7, 9, 7, 7, 7 }, dev[5] = { 8 << 20, 8 << 20, 8 << 20, 8 << 20 | 16, 8 << 20 };
	uint64_t lat[5] = { 1000, 50000, 3000, 7000, 2000 };
	struct fr_proctab pt = { 0 };
	cJSON *devs = cJSON_CreateObject(), *j, *o;

	cJSON_AddStringToObject(devs, "8:0", "sda");
	for (int i = 0; i < 5; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].h = (struct fr_hdr){ .ts = 100 + i, .tgid = pid[i], .tid = pid[i],
					  .type = FR_EV_BLOCK_COMPLETE, .size = sizeof(r[i]) };
		r[i].dev = dev[i];
		r[i].bytes = 4096;
		r[i].latency_ns = lat[i];
		recs[i] = (const void *)&r[i];
	}
	j = fr_ctx_io(recs, 5, &pt, devs, 10);
	ok(cJSON_GetArraySize(j) == 3, "one row per process and device");
	o = cJSON_GetArrayItem(j, 0);
	ok(cJSON_GetObjectItem(o, "pid")->valueint == 9 && cJSON_GetObjectItem(o, "total_ns")->valuedouble == 50000,
	   "the slowest total first");
	o = cJSON_GetArrayItem(j, 1);
	ok(!strcmp(cJSON_GetObjectItem(o, "dev")->valuestring, "8:16"), "then 7 us on an unnamed device, by number");
	o = cJSON_GetArrayItem(j, 2);
	ok(cJSON_GetObjectItem(o, "pid")->valueint == 7 && cJSON_GetObjectItem(o, "requests")->valueint == 3 &&
	   cJSON_GetObjectItem(o, "bytes")->valueint == 12288 && !strcmp(cJSON_GetObjectItem(o, "dev")->valuestring, "sda"),
	   "pid 7 on sda: 3 requests, 12 KiB, named device");
	cJSON_Delete(j);
	cJSON_Delete(devs);
	fr_proctab_free(&pt);
}

int main(void)
{
	test_io_context();
	test_hist();
	test_runqueue_metric();
	test_crash();
	test_tables();
	test_second_wakeup();
	test_runqueue_context();
	return tap_done();
}
