/* test_tables.c: the bounded tables of a long-running recorder: the tid
 * map's removals and shrinking, and the process table's learning from
 * fork/exec/exit records, its copies and its eviction of gone tasks. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "capture/event.h"
#include "capture/proctab.h"
#include "base/tidmap.h"

static bool odd_key(uint32_t key, uint32_t value, void *arg)
{
	(void)value;
	(void)arg;
	return key & 1;
}

static bool value_below(uint32_t key, uint32_t value, void *arg)
{
	(void)key;
	return value < *(uint32_t *)arg;
}

/* Random sets and removals against a plain array as the truth. */
static void test_tidmap(void)
{
	enum { KEYS = 20000 };
	static uint32_t truth[KEYS];	/* 0: absent, else value */
	struct fr_tidmap m = { 0 };
	unsigned bad = 0, present = 0;
	uint32_t v, cut;

	srand(7);
	for (int round = 0; round < 400000; round++) {
		uint32_t k = (uint32_t)rand() % KEYS;

		if (rand() % 3) {
			v = (uint32_t)rand() | 1;
			fr_tidmap_set(&m, k * 2654435761u, v);
			truth[k] = v;
		} else {
			bool was = fr_tidmap_del(&m, k * 2654435761u);

			bad += was != (truth[k] != 0);
			truth[k] = 0;
		}
	}
	for (uint32_t k = 0; k < KEYS; k++) {
		bool got = fr_tidmap_get(&m, k * 2654435761u, &v);

		present += truth[k] != 0;
		bad += got != (truth[k] != 0) || (got && v != truth[k]);
	}
	is_u(bad, 0, "tidmap: 400,000 random sets and removals agree with the truth");
	is_u(m.len, present, "tidmap: its length counts the keys present");

	/* remove_if: every odd key, then values below the median */
	fr_tidmap_free(&m);
	memset(truth, 0, sizeof(truth));
	for (uint32_t k = 0; k < KEYS; k++)
		fr_tidmap_set(&m, k, k + 1);
	is_u(fr_tidmap_remove_if(&m, odd_key, NULL), KEYS / 2, "remove_if removes every odd key");
	bad = 0;
	for (uint32_t k = 0; k < KEYS; k++)
		bad += fr_tidmap_get(&m, k, &v) != !(k & 1);
	is_u(bad, 0, "remove_if keeps every even key and no odd one");
	cut = KEYS / 2;
	fr_tidmap_remove_if(&m, value_below, &cut);
	bad = 0;
	for (uint32_t k = 0; k < KEYS; k += 2)
		bad += fr_tidmap_get(&m, k, &v) != (k + 1 >= cut);
	is_u(bad, 0, "remove_if by value keeps exactly the values at or above the cut");

	/* emptied, it gives its memory back */
	{
		size_t big;

		fr_tidmap_free(&m);
		for (uint32_t k = 0; k < 100000; k++)
			fr_tidmap_set(&m, k, 1);
		big = m.cap;
		for (uint32_t k = 0; k < 100000; k++)
			fr_tidmap_del(&m, k);
		ok(big >= 131072 && m.cap <= 256, "a map of 100,000 keys emptied shrinks from %zu to %zu slots",
		   big, m.cap);
		is_u(m.len, 0, "and holds nothing");
	}
	fr_tidmap_free(&m);
}

static void fork_rec(struct fr_proc_fork *e, uint64_t ts, uint32_t parent, uint32_t child,
		     const char *comm)
{
	memset(e, 0, sizeof(*e));
	e->h = (struct fr_hdr){ ts, parent, parent, FR_EV_PROC_FORK, sizeof(*e), 0, 0 };
	e->child_tgid = e->child_tid = child;
	snprintf(e->child_comm, sizeof(e->child_comm), "%s", comm);
}

static void exit_rec(struct fr_proc_exit *e, uint64_t ts, uint32_t tid)
{
	memset(e, 0, sizeof(*e));
	e->h = (struct fr_hdr){ ts, tid, tid, FR_EV_PROC_EXIT, sizeof(*e), 0, 0 };
	e->group_dead = 1;
}

static void exec_rec(struct fr_proc_exec *e, uint64_t ts, uint32_t tid, const char *comm,
		     const char *arg)
{
	size_t al = strlen(arg) + 1;

	memset(e, 0, sizeof(*e));
	e->h = (struct fr_hdr){ ts, tid, tid, FR_EV_PROC_EXEC, (FR_EXEC_FIXED_SIZE + 2 + al + 7) & ~7, 0, 0 };
	e->filename_len = 2;
	e->args_len = al;
	memcpy(e->data, "x", 2);
	memcpy(e->data + 2, arg, al);
	snprintf(e->comm, sizeof(e->comm), "%s", comm);
}

/* Tids far above any pid_max: /proc has none of them, so they read as gone. */
#define T0 3000000000u

static void test_proctab(void)
{
	struct fr_proctab pt = { 0 }, copy = { 0 };
	struct fr_proc_fork f;
	struct fr_proc_exit x;
	struct fr_proc_exec ex;
	const struct fr_proc *p;
	uint32_t tids[4];
	long gone;

	/* 1000 children of T0: forked, exec'd as "child", exited */
	for (uint32_t i = 1; i <= 1000; i++) {
		fork_rec(&f, i * 10, T0, T0 + i, "parent");
		fr_proctab_learn(&pt, &f);
		exec_rec(&ex, i * 10 + 1, T0 + i, "child", "child");
		fr_proctab_learn(&pt, &ex);
		if (i <= 900) {
			exit_rec(&x, i * 10 + 2, T0 + i);
			fr_proctab_learn(&pt, &x);
		}
	}
	is_u(pt.len, 1000, "learn: an entry per forked child");
	p = fr_proctab_find(&pt, T0 + 5);
	ok(p && !strcmp(fr_proc_comm_at(p, 50), "parent") && !strcmp(fr_proc_comm_at(p, 51), "child") &&
	   p->cmdline && !strcmp(p->cmdline, "child") && p->exit_ts == 52,
	   "learn: the name before and after exec, the command line, the exit time");
	ok(!p->seen, "learn marks nothing seen");

	/* a copy is deep and unmarked */
	ok(!fr_proctab_dup(&copy, &pt) && copy.len == 1000, "dup copies every entry");
	p = fr_proctab_find(&copy, T0 + 5);
	ok(p && p->cmdline && p->cmdline != fr_proctab_find(&pt, T0 + 5)->cmdline &&
	   p->nrenames == 1 && !strcmp(p->renames[0].comm, "child"), "dup copies names and renames");
	fr_proctab_free(&copy);

	/* the sweep: records still held name children 101..200; the others
	 * are gone (exited, or without an exit record but not in /proc) */
	for (uint32_t i = 101; i <= 200; i++) {
		struct fr_proc *q = fr_proctab_get(&pt, T0 + i, false);

		q->mark = 7;
	}
	gone = fr_proctab_evict_unmarked(&pt, 7);
	is_u(gone, 900, "evict: the 900 gone children no record names are forgotten");
	is_u(pt.evicted, 900, "evict: and counted");
	is_u(pt.len, 100, "evict: the 100 that records name stay");
	ok(fr_proctab_find(&pt, T0 + 150) && !fr_proctab_find(&pt, T0 + 950) && !fr_proctab_find(&pt, T0 + 50),
	   "evict: exactly those");
	ok(pt.cap <= 512, "evict: the table's room shrinks with it (%u entries of room)", pt.cap);

	/* a fork onto the tid of a task that exited is a new task */
	fork_rec(&f, 100000, T0, T0 + 150, "newcomer");
	fr_proctab_learn(&pt, &f);
	p = fr_proctab_find(&pt, T0 + 150);
	ok(p && !strcmp(p->comm, "newcomer") && !p->cmdline && !p->nrenames && !p->exit_ts,
	   "a reused tid starts a new entry");

	/* an entry of a live task (this process) with no record stays */
	fr_proctab_get(&pt, (uint32_t)getpid(), true);
	fr_proctab_evict_unmarked(&pt, 8);
	ok(fr_proctab_find(&pt, (uint32_t)getpid()) != NULL, "a live task with no record is kept");

	/* a thread's exec takes over the leader that exited: alive again */
	fork_rec(&f, 199999, T0, T0 + 180, "leader");
	fr_proctab_learn(&pt, &f);
	exit_rec(&x, 200000, T0 + 180);
	fr_proctab_learn(&pt, &x);
	ok(fr_proctab_find(&pt, T0 + 180)->exit_ts == 200000, "the leader's exit is noted");
	exec_rec(&ex, 200001, T0 + 180, "again", "again");
	fr_proctab_learn(&pt, &ex);
	ok(fr_proctab_find(&pt, T0 + 180)->exit_ts == 0, "an exec onto an exited leader's tid: not exited");

	/* forget (a ring file's writer): named since min_ts, or still running */
	{
		struct fr_proc *q = fr_proctab_get(&pt, T0 + 160, true);
		long n;

		q->seen = true;
		q->last_ts = 500;
		q = fr_proctab_get(&pt, T0 + 170, true);
		q->seen = true;
		q->last_ts = 300;
		q = fr_proctab_get(&pt, (uint32_t)getpid(), false);
		q->seen = false;
		n = fr_proctab_forget(&pt, 400);
		ok(n > 0 && fr_proctab_find(&pt, T0 + 160) && fr_proctab_find(&pt, (uint32_t)getpid()) &&
		   !fr_proctab_find(&pt, T0 + 170),
		   "forget keeps what was named since, and a live task never named; drops the gone");
	}

	/* the tasks a record names */
	{
		struct fr_sched_switch sw = { .h = { 1, 10, 11, FR_EV_SCHED_SWITCH, sizeof(sw), 0, 0 },
					      .next_tid = 12 };

		ok(fr_rec_tids(&sw, tids) == 3 && tids[0] == 12 && tids[1] == 11 && tids[2] == 10,
		   "a switch names the task switched in, and the task switched out with its process");
	}
	fr_proctab_free(&pt);
}

int main(void)
{
	test_tidmap();
	test_proctab();
	return tap_done();
}
