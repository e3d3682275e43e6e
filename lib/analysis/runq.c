/* runq.c: the run-queue tracker; see runq.h. */
#include <stdlib.h>
#include <string.h>

#include "analysis/runq.h"
#include "analysis/sched.h"
#include "capture/event.h"

void fr_runq_init(struct fr_runq *q, uint32_t max)
{
	memset(q, 0, sizeof(*q));
	q->max = max;
}

void fr_runq_free(struct fr_runq *q)
{
	fr_tidmap_free(&q->idx);
	free(q->w);
	free(q->nwait);
	free(q->scratch);
	q->w = NULL;
	q->nwait = NULL;
	q->scratch = NULL;
	q->n = q->cap = 0;
}

uint32_t fr_runq_waiting(const struct fr_runq *q, unsigned cpu)
{
	return q->nwait && cpu < FR_RUNQ_CPUS ? q->nwait[cpu] : 0;
}

static void count(struct fr_runq *q, int32_t cpu, int d, uint64_t ts)
{
	if (cpu < 0 || cpu >= FR_RUNQ_CPUS)
		return;
	if (!q->nwait && !(q->nwait = calloc(FR_RUNQ_CPUS, sizeof(*q->nwait))))
		return;
	if (d < 0 && !q->nwait[cpu])
		return;
	if (q->before)
		q->before(q->arg, (unsigned)cpu, ts);
	q->nwait[cpu] += d;
}

/* Let wait i go (swap with the last). */
static void drop(struct fr_runq *q, uint32_t i, uint64_t ts)
{
	count(q, q->w[i].cpu, -1, ts);
	fr_tidmap_del(&q->idx, q->w[i].tid);
	if (i != --q->n) {
		q->w[i] = q->w[q->n];
		fr_tidmap_set(&q->idx, q->w[i].tid, i);
	}
	if (q->cap > 256 && q->n * 4 < q->cap) {
		void *v = realloc(q->w, (q->cap / 2) * sizeof(*q->w));

		if (v) {
			q->w = v;
			q->cap /= 2;
		}
	}
}

/* The k-th smallest of v[0..n) (0-based), reordering v: a quickselect
 * with a three-way partition, so that equal values cost nothing. */
static uint64_t kth(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n;	/* the k-th is in [lo, hi) */

	while (hi - lo > 1) {
		uint64_t pivot = v[lo + (hi - lo) / 2], t;
		size_t lt = lo, gt = hi, i = lo;

		/* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */
		while (i < gt) {
			if (v[i] < pivot) {
				t = v[lt], v[lt++] = v[i], v[i++] = t;
			} else if (v[i] > pivot) {
				t = v[--gt], v[gt] = v[i], v[i] = t;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return pivot;
	}
	return v[lo];
}

/* At the bound: forget the oldest quarter (in time linear in the bound,
 * with a scratch array kept for the next time). */
static void forget_oldest(struct fr_runq *q, uint64_t ts)
{
	uint32_t before = q->n;
	uint64_t cut;

	if (!q->scratch && !(q->scratch = malloc(q->max * sizeof(*q->scratch))))
		return;
	for (uint32_t i = 0; i < q->n; i++)
		q->scratch[i] = q->w[i].from;
	cut = kth(q->scratch, q->n, q->n / 4);
	for (uint32_t i = q->n; i-- > 0;)
		if (q->w[i].from <= cut)
			drop(q, i, ts);
	q->forgotten += before - q->n;
}

static void start(struct fr_runq *q, uint32_t tid, int32_t cpu, uint64_t ts)
{
	uint32_t i;

	if (!tid || fr_tidmap_get(&q->idx, tid, &i))
		return;		/* waiting already: from the first */
	if (q->max && q->n >= q->max)
		forget_oldest(q, ts);
	if (q->n == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 256;
		void *v = realloc(q->w, cap * sizeof(*q->w));

		if (!v)
			return;
		q->w = v;
		q->cap = cap;
	}
	if (fr_tidmap_set(&q->idx, tid, q->n))
		return;
	q->w[q->n++] = (struct fr_runq_wait){ .from = ts, .tid = tid, .cpu = cpu };
	count(q, cpu, 1, ts);
}

/* The task's wait ends (it runs, sleeps or exits): its length, or -1 when it
 * was not waiting (or the records are out of order). */
static int64_t stop(struct fr_runq *q, uint32_t tid, uint64_t ts)
{
	uint32_t i;
	uint64_t from;

	if (!tid || !fr_tidmap_get(&q->idx, tid, &i))
		return -1;
	from = q->w[i].from;
	drop(q, i, ts);
	/* records a little out of order across CPUs: no figure from them */
	return ts >= from ? (int64_t)(ts - from) : -1;
}

bool fr_runq_event(struct fr_runq *q, const void *rec, uint32_t len, struct fr_runq_end *end)
{
	const struct fr_hdr *h = rec;

	if (len < sizeof(*h))
		return false;
	switch (h->type) {
	case FR_EV_SCHED_WAKEUP:
	case FR_EV_SCHED_WAKEUP_NEW: {
		const struct fr_sched_wakeup *e = rec;

		if (len >= sizeof(*e))
			start(q, h->tid, e->target_cpu, h->ts);
		return false;
	}
	case FR_EV_SCHED_SWITCH: {
		const struct fr_sched_switch *e = rec;
		int64_t w;

		if (len < FR_SCHED_SWITCH_V1_SIZE)
			return false;
		/* it was running: a wakeup seen meanwhile started no wait */
		stop(q, h->tid, h->ts);
		if (fr_switched_out_runnable(e->prev_state))
			start(q, h->tid, h->cpu, h->ts);	/* preempted */
		w = stop(q, e->next_tid, h->ts);
		if (w < 0)
			return false;
		if (end)
			*end = (struct fr_runq_end){ .tid = e->next_tid, .wait_ns = (uint64_t)w };
		return true;
	}
	case FR_EV_PROC_EXIT:
		stop(q, h->tid, h->ts);
		return false;
	}
	return false;
}
