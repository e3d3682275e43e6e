/* test_runq.c: the run-queue tracker on known sequences of wakeups and
 * switches, the way the kernel's own accounting counts them, and the
 * figures the trigger context and stats draw from it agreeing on the same
 * records. */
#include <stdlib.h>
#include <string.h>

#include "schedev.h"
#include "tap.h"
#include "analysis/runq.h"
#include "capture/event.h"
#include "capture/proctab.h"
#include "detect/context.h"
#include "report/stats.h"

#define MS 1000000ULL

/* Feed one record; the wait it ended, or -1. */
static int64_t feed(struct fr_runq *q, const void *rec)
{
	struct fr_runq_end end;
	const struct fr_hdr *h = rec;

	return fr_runq_event(q, rec, h->size, &end) ? (int64_t)end.wait_ns : -1;
}

static unsigned changes[4];

static void before(void *arg, unsigned cpu, uint64_t ts)
{
	(void)arg;
	(void)ts;
	if (cpu < 4)
		changes[cpu]++;
}

static void test_tracker(void)
{
	struct fr_runq q;
	struct fr_sched_wakeup w;
	struct fr_sched_switch x;
	struct fr_proc_exit e = { 0 };

	fr_runq_init(&q, 0);
	q.before = before;
	/* a second wakeup before the task runs does not restart its wait */
	w = wk(1 * MS, 10, 0);
	ok(feed(&q, &w) < 0, "a wakeup ends no wait");
	is_u(fr_runq_waiting(&q, 0), 1, "task 10 waits for CPU 0");
	w = wk(3 * MS, 10, 0);
	feed(&q, &w);
	is_u(fr_runq_waiting(&q, 0), 1, "woken twice, it waits once");
	x = sw(7 * MS, 0, 1, 1, 10);
	is_u(feed(&q, &x), 6 * MS, "its wait is from the first wakeup: 6 ms");
	is_u(fr_runq_waiting(&q, 0), 0, "and no one waits any more");
	ok(changes[0] == 2, "the count of waiters changed twice (%u)", changes[0]);

	/* preempted: it waits from its switch out */
	x = sw(10 * MS, 0, 10, 0, 11);
	feed(&q, &x);
	x = sw(14 * MS, 0, 11, 1, 10);
	is_u(feed(&q, &x), 4 * MS, "preempted at 10 ms, back at 14 ms: 4 ms");

	/* woken while it still ran, then asleep: no wait */
	w = wk(15 * MS, 10, 0);
	feed(&q, &w);
	x = sw(16 * MS, 0, 10, 1, 11);
	feed(&q, &x);
	is_u(q.n, 0, "a task switched out asleep waits for nothing");
	x = sw(30 * MS, 0, 11, 1, 10);
	ok(feed(&q, &x) < 0, "so its next switch in ends no wait");

	/* an exiting task waits for nothing */
	w = wk(31 * MS, 12, 1);
	feed(&q, &w);
	e.h = (struct fr_hdr){ .ts = 32 * MS, .tgid = 12, .tid = 12, .type = FR_EV_PROC_EXIT,
			       .size = sizeof(e) };
	feed(&q, &e);
	is_u(q.n, 0, "an exit ends the wait");
	is_u(fr_runq_waiting(&q, 1), 0, "and the CPU's count");

	/* a switch in a little before its wakeup (records out of order) */
	w = wk(40 * MS, 13, 1);
	feed(&q, &w);
	x = sw(39 * MS, 1, 0, 1, 13);
	ok(feed(&q, &x) < 0, "records out of order give no figure");
	is_u(q.n, 0, "but end the wait");
	fr_runq_free(&q);

	/* the bound: the oldest waits go first */
	fr_runq_init(&q, 8);
	for (uint32_t t = 1; t <= 9; t++) {
		w = wk(t * MS, 100 + t, 0);
		feed(&q, &w);
	}
	ok(q.n <= 8 && q.forgotten >= 1, "at most 8 waits held, %llu forgotten",
	   (unsigned long long)q.forgotten);
	x = sw(20 * MS, 0, 0, 1, 101);
	ok(feed(&q, &x) < 0, "the oldest (task 101) was forgotten");
	x = sw(21 * MS, 0, 0, 1, 109);
	is_u(feed(&q, &x), 12 * MS, "the newest is still timed");
	fr_runq_free(&q);
}

/* One switch or wakeup of a scripted run on two CPUs: tasks 1-4 wake,
 * wake again, get preempted, sleep with a wakeup racing them. */
static size_t script(uint8_t *buf, const uint8_t **recs)
{
	struct fr_sched_wakeup w[8];
	struct fr_sched_switch x[12];
	size_t n = 0, off = 0;
	unsigned iw = 0, ix = 0;

#define W(ts, tid, cpu) (w[iw] = wk(ts, tid, cpu), memcpy(buf + off, &w[iw], sizeof(w[0])), \
			 recs[n++] = buf + off, off += sizeof(w[0]), iw++)
#define X(ts, cpu, prev, st, next) (x[ix] = sw(ts, cpu, prev, st, next), \
				    memcpy(buf + off, &x[ix], sizeof(x[0])), recs[n++] = buf + off, \
				    off += sizeof(x[0]), ix++)
	X(1 * MS, 0, 0, 0, 1);
	X(1 * MS, 1, 0, 0, 3);
	W(2 * MS, 2, 0);
	W(3 * MS, 2, 0);	/* again: still from 2 ms */
	W(4 * MS, 4, 1);
	X(9 * MS, 0, 1, 0, 2);	/* 1 preempted; 2 waited 7 ms */
	X(12 * MS, 1, 3, 1, 4);	/* 3 sleeps; 4 waited 8 ms */
	W(13 * MS, 4, 1);	/* 4 woken while it runs */
	X(15 * MS, 1, 4, 1, 0);	/* then asleep: no wait */
	X(20 * MS, 0, 2, 1, 1);	/* 1 waited 11 ms */
	X(25 * MS, 0, 1, 1, 0);
	W(26 * MS, 4, 1);
	X(30 * MS, 1, 0, 0, 4);	/* 4 waited 4 ms */
	X(31 * MS, 1, 4, 1, 0);
#undef W
#undef X
	return n;
}

static const cJSON *find_pid(const cJSON *a, int pid)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, a)
		if (cJSON_GetObjectItem(x, "pid")->valueint == pid)
			return x;
	return NULL;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = o ? cJSON_GetObjectItem(o, k) : NULL;

	return v ? v->valuedouble : -1;
}

static void test_context_and_stats_agree(void)
{
	static uint8_t buf[32 * 1024];
	const uint8_t *recs[64];
	size_t n = script(buf, recs);
	struct fr_proctab pt = { 0 };
	struct fr_stats *st = fr_stats_new();
	cJSON *ctx, *model;
	const cJSON *waiters, *procs;
	const double want[5][3] = { { 0 }, { 1, 11, 11 }, { 1, 7, 7 }, { 0 }, { 2, 12, 8 } };
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		fr_stats_add(st, recs[i], ((const struct fr_hdr *)recs[i])->size);
	model = fr_stats_model(st, NULL, &pt, 100);
	ctx = fr_ctx_runqueue(recs, n, &pt, 100);
	waiters = cJSON_GetObjectItem(ctx, "waiters");
	procs = cJSON_GetObjectItem(cJSON_GetObjectItem(model, "cpu"), "processes");
	ok(waiters && procs, "the context and the stats model");
	for (int pid = 1; pid <= 4; pid++) {
		const cJSON *w = find_pid(waiters, pid);
		const cJSON *rq = cJSON_GetObjectItem(find_pid(procs, pid), "runqueue");

		if (!want[pid][0]) {
			ok(!w && (!rq || num(rq, "count") == 0), "task %d never waited, for both", pid);
			continue;
		}
		ok(num(w, "waits") == want[pid][0] && num(rq, "count") == want[pid][0],
		   "task %d: %g waits (context %g, stats %g)", pid, want[pid][0], num(w, "waits"),
		   num(rq, "count"));
		ok(num(w, "wait_ns") == want[pid][1] * MS && num(rq, "total_ns") == want[pid][1] * MS,
		   "task %d: %g ms waited (context %g, stats %g)", pid, want[pid][1],
		   num(w, "wait_ns") / MS, num(rq, "total_ns") / MS);
		ok(num(w, "max_wait_ns") == want[pid][2] * MS && num(rq, "max_ns") == want[pid][2] * MS,
		   "task %d: longest %g ms (context %g, stats %g)", pid, want[pid][2],
		   num(w, "max_wait_ns") / MS, num(rq, "max_ns") / MS);
		sum += num(w, "wait_ns");
	}
	ok(num(cJSON_GetObjectItem(model, "runqueue"), "total_ns") == sum,
	   "the machine's run-queue total is the tasks' sum");
	cJSON_Delete(ctx);
	cJSON_Delete(model);
	fr_stats_free(st);
	fr_proctab_free(&pt);
}

int main(void)
{
	test_tracker();
	test_context_and_stats_agree();
	return tap_done();
}
