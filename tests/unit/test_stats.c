/* test_stats.c: the stats model on scripted records: CPU time from the
 * scheduler's own count when the records carry it (exact across a switch
 * that was never traced, from a fork, up to an exit), from the time between
 * switches when they do not (records of ABI 1); the tasks only beside the
 * recorded ones left out; times off CPU still open at the end counted. */
#include <stdlib.h>
#include <string.h>

#include "schedev.h"
#include "tap.h"
#include "capture/event.h"
#include "capture/proctab.h"
#include "report/stats.h"

#define MS 1000000ULL

static uint8_t buf[16 * 1024] __attribute__((aligned(8)));
static size_t used;

static void add(struct fr_stats *st, const void *rec, uint16_t size)
{
	uint8_t *p = buf + used;

	memcpy(p, rec, size);
	((struct fr_hdr *)p)->size = size;
	used += size;
	fr_stats_add(st, p, size);
}

/* a switch out of prev with its runtime (ms), as ABI 2 or ABI 1 writes it,
 * of which the recording asked for the sides in wanted */
static void xw(struct fr_stats *st, bool v1, uint64_t ts, uint16_t cpu, uint32_t prev,
	       uint32_t state, uint32_t next, uint64_t runtime_ms, unsigned wanted)
{
	struct fr_sched_switch e = sw(ts, cpu, prev, state, next);

	e.prev_runtime = runtime_ms * MS;
	e.wanted = wanted;
	add(st, &e, v1 ? FR_SCHED_SWITCH_V1_SIZE : sizeof(e));
}

static void x(struct fr_stats *st, bool v1, uint64_t ts, uint16_t cpu, uint32_t prev,
	      uint32_t state, uint32_t next, uint64_t runtime_ms)
{
	xw(st, v1, ts, cpu, prev, state, next, runtime_ms, FR_SW_PREV | FR_SW_NEXT);
}

static void fork_of(struct fr_stats *st, uint64_t ts, uint32_t parent, uint32_t child)
{
	struct fr_proc_fork e = { 0 };

	e.h = (struct fr_hdr){ .ts = ts, .tgid = parent, .tid = parent, .type = FR_EV_PROC_FORK,
			       .size = sizeof(e) };
	e.child_tgid = e.child_tid = child;
	snprintf(e.child_comm, sizeof(e.child_comm), "t%u", child);
	add(st, &e, sizeof(e));
}

static void exit_of(struct fr_stats *st, bool v1, uint64_t ts, uint16_t cpu, uint32_t tid,
		    uint64_t runtime_ms)
{
	struct fr_proc_exit e = { 0 };

	e.h = (struct fr_hdr){ .ts = ts, .tgid = tid, .tid = tid, .type = FR_EV_PROC_EXIT,
			       .size = sizeof(e), .cpu = cpu };
	e.group_dead = 1;
	e.runtime = runtime_ms * MS;
	add(st, &e, v1 ? FR_PROC_EXIT_V1_SIZE : sizeof(e));
}

static const cJSON *proc_of(const cJSON *model, int pid)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(cJSON_GetObjectItem(model, "cpu"), "processes"))
		if (cJSON_GetObjectItem(p, "pid")->valueint == pid)
			return p;
	return NULL;
}

static double oncpu_ms(const cJSON *model, int pid)
{
	const cJSON *p = proc_of(model, pid);

	return p ? cJSON_GetObjectItem(p, "oncpu_ns")->valuedouble / MS : -1;
}

static double get(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItem(cJSON_GetObjectItem(o, a), b);

	return x ? x->valuedouble : -1;
}

/* Task 7 runs 1-5 ms on CPU 0 (100 ms of CPU before), is preempted by 8,
 * comes back at 6 ms by a switch the kernel never traced, runs to 10 ms. It
 * forks 9 at 2 ms; 9 runs on CPU 1 (switch in untraced) for 3 ms, then
 * again from 20 ms until it exits at 22 ms. */
static cJSON *script(bool v1, struct fr_proctab *pt)
{
	struct fr_stats *st = fr_stats_new();
	cJSON *m;

	used = 0;
	x(st, v1, 1 * MS, 0, 0, 0, 7, 0);
	fork_of(st, 2 * MS, 7, 9);
	x(st, v1, 5 * MS, 0, 7, 0, 8, 104);	/* first switch out: 4 ms seen */
	/* 8 -> 7 at 6 ms: never traced */
	x(st, v1, 7 * MS, 1, 9, 1, 0, 3);	/* 9's switch in untraced */
	x(st, v1, 10 * MS, 0, 7, 1, 0, 108);	/* 4 ms more */
	x(st, v1, 20 * MS, 1, 0, 0, 9, 0);
	exit_of(st, v1, 22 * MS, 1, 9, 5);
	m = fr_stats_model(st, NULL, pt, 100);
	fr_stats_free(st);
	return m;
}

static void test_oncpu(void)
{
	struct fr_proctab pt = { 0 };
	cJSON *m = script(false, &pt);

	ok(m != NULL, "a model of records that carry the runtime");
	is_u(oncpu_ms(m, 7) * MS, 8 * MS, "a switch in never traced loses nothing: 4 + 4 ms");
	is_u(oncpu_ms(m, 9) * MS, 5 * MS, "a forked task from 0: 3 ms untraced, then 2 ms to its exit");
	cJSON_Delete(m);
	fr_proctab_free(&pt);

	memset(&pt, 0, sizeof(pt));
	m = script(true, &pt);
	ok(m != NULL, "a model of ABI 1 records (no runtime)");
	is_u(oncpu_ms(m, 7) * MS, 4 * MS, "timestamps only: the slice after the missing switch in is lost");
	is_u(oncpu_ms(m, 9) * MS, 2 * MS, "timestamps only: 9's time from its traced switch in to its exit");
	cJSON_Delete(m);
	fr_proctab_free(&pt);
}

/* A recording of task 7 only (-p, COMMAND...): 8 and 9 share its CPU. 7
 * runs 1-10 ms, is preempted by 8, gets the CPU back at 14 ms, sleeps in
 * D state from 20 ms and runs again at 50 ms. */
static void test_recorded(void)
{
	struct fr_proctab pt = { 0 };
	struct fr_stats *st = fr_stats_new();
	cJSON *m;

	used = 0;
	xw(st, false, 1 * MS, 0, 8, 0, 7, 1, FR_SW_NEXT);	/* 8 preempted */
	xw(st, false, 10 * MS, 0, 7, 0, 8, 10, FR_SW_PREV);
	xw(st, false, 14 * MS, 0, 8, 1, 7, 5, FR_SW_NEXT);	/* 7 waited 4 ms */
	xw(st, false, 20 * MS, 0, 7, 2, 9, 16, FR_SW_PREV);	/* to D state */
	xw(st, false, 50 * MS, 0, 9, 0, 7, 40, FR_SW_NEXT);	/* ... 30 ms */
	m = fr_stats_model(st, NULL, &pt, 100);
	ok(proc_of(m, 7) && !proc_of(m, 8) && !proc_of(m, 9),
	   "only the recorded task is in the CPU table");
	is_u(get(m, "cpu", "processes_left_out"), 2, "the two beside it are counted as left out");
	is_u(get(m, "cpu", "total_ns"), 15 * MS, "the CPU total is the recorded task's 9 + 6 ms");
	is_u(get(m, "runqueue", "count"), 1, "its one wait only (not 8's, preempted at 1 ms)");
	is_u(get(m, "runqueue", "total_ns"), 4 * MS, "7's wait (preempted at 10, back at 14)");
	is_u(get(m, "offcpu", "dstate"), 30 * MS, "its 30 ms in D state");
	is_u(get(m, "offcpu", "runnable"), 4 * MS, "runnable: 7's 4 ms, nobody else's");
	cJSON_Delete(m);
	fr_stats_free(st);
	fr_proctab_free(&pt);

	/* stuck in D at the end: counted to the end, clipped */
	memset(&pt, 0, sizeof(pt));
	st = fr_stats_new();
	used = 0;
	x(st, false, 1 * MS, 0, 0, 0, 7, 0);
	x(st, false, 5 * MS, 0, 7, 2, 0, 5);		/* 7 into D state for good */
	x(st, false, 5 * MS, 1, 0, 0, 6, 0);
	x(st, false, 25 * MS, 1, 6, 0x80, 0, 20);	/* 6 dead: gone, not off CPU */
	x(st, false, 45 * MS, 1, 0, 0, 3, 0);
	m = fr_stats_model(st, NULL, &pt, 100);
	is_u(get(m, "offcpu", "dstate"), 40 * MS, "a task still in D at the end: its 40 ms up to it");
	is_u(get(m, "offcpu", "other"), 0, "a task that exited is not off the CPU");
	is_u(get(m, "offcpu", "open_at_end"), 1, "one open time counted at the end (7's)");
	cJSON_Delete(m);
	fr_stats_free(st);
	fr_proctab_free(&pt);
}

/* An exit with no switch out after it (record -- COMMAND stops following
 * the task there) charges nothing past the exit; its count at exit lags by
 * up to a tick, so the slice seen is its floor. Two threads of one process
 * counted under their tids (no tgid in the records) end in one row. */
static void test_exit_and_threads(void)
{
	struct fr_proctab pt = { 0 };
	struct fr_stats *st = fr_stats_new();
	struct fr_proc_fork f = { 0 };
	struct fr_sched_switch e;
	const cJSON *rows;
	cJSON *m;
	int n100 = 0;

	used = 0;
	x(st, false, 1 * MS, 0, 0, 0, 7, 0);
	exit_of(st, false, 3 * MS, 0, 7, 1);	/* count lags: 1 ms, slice 2 ms */
	x(st, false, 100 * MS, 1, 0, 0, 3, 0);	/* the capture goes on to 100 ms */
	/* threads 101 and 102 of process 100, seen without their tgid */
	for (uint32_t tid = 101; tid <= 102; tid++) {
		f.h = (struct fr_hdr){ .ts = 1, .tgid = 100, .tid = 100, .type = FR_EV_PROC_FORK,
				       .size = sizeof(f) };
		f.child_tgid = 100;
		f.child_tid = tid;
		fr_proctab_note(&pt, &f);
		e = sw(10 * MS, 1, 0, 0, tid);
		e.next_tgid = 0;
		add(st, &e, sizeof(e));
		e = sw((10 + tid - 100) * MS, 1, tid, 1, 0);
		e.h.tgid = 0;
		e.prev_runtime = (tid - 100) * MS;
		add(st, &e, sizeof(e));
	}
	m = fr_stats_model(st, NULL, &pt, 100);
	is_u(oncpu_ms(m, 7) * MS, 2 * MS, "an exit: its slice (2 ms), not its lagging count, nothing after");
	rows = cJSON_GetObjectItem(cJSON_GetObjectItem(m, "cpu"), "processes");
	for (const cJSON *r = rows ? rows->child : NULL; r; r = r->next)
		n100 += cJSON_GetObjectItem(r, "pid")->valueint == 100;
	ok(n100 == 1, "two threads counted by tid: one row for their process (%d)", n100);
	is_u(oncpu_ms(m, 100) * MS, 3 * MS, "with both threads' time, 1 + 2 ms");
	cJSON_Delete(m);
	fr_stats_free(st);
	fr_proctab_free(&pt);
}

int main(void)
{
	test_oncpu();
	test_recorded();
	test_exit_and_threads();
	return tap_done();
}
