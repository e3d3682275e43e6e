/* sweep.c: the recorder's task table kept to what the ring still names:
 * a sweep marks every tid a record names and forgets the tasks unmarked
 * and gone; see recorder.h. */
#include <string.h>

#include "base/util.h"
#include "capture/event.h"
#include "record/recorder.h"

/* At most this often; and only once the ring let records go since the last
 * one, with a thousand new tasks or ten seconds since then. A sweep walks
 * the whole ring: about 10 ns a record. */
#define SWEEP_MIN_NS 1000000000ULL
#define SWEEP_MAX_NS 10000000000ULL
#define SWEEP_GROWTH 1024

struct sweep {
	struct fr_proctab *pt;
	uint32_t gen;
	uint32_t last_tid;
};

static int mark_one(const void *rec, uint32_t len, void *arg)
{
	struct sweep *w = arg;
	uint32_t tids[4];
	unsigned n;

	if (len < sizeof(struct fr_hdr))
		return 0;
	n = fr_rec_tids(rec, tids);
	for (unsigned i = 0; i < n; i++) {
		uint32_t idx;

		/* events come in runs of one task */
		if (!tids[i] || tids[i] == w->last_tid)
			continue;
		w->last_tid = tids[i];
		if (fr_tidmap_get(&w->pt->idx, tids[i], &idx))
			w->pt->v[idx].mark = w->gen;
	}
	return 0;
}

void fr_recorder_tend(struct fr_recorder *r)
{
	uint64_t now = fr_boot_ns();

	if (now - r->swept_ns < SWEEP_MIN_NS || r->ring.overwritten == r->swept_overwritten)
		return;
	if (r->tasks.len < r->swept_len + SWEEP_GROWTH && now - r->swept_ns < SWEEP_MAX_NS)
		return;
	fr_recorder_sweep(r);
}

void fr_recorder_sweep(struct fr_recorder *r)
{
	uint64_t now, t0 = fr_boot_ns();
	struct sweep w = { .pt = &r->tasks };

	w.gen = ++r->tasks_gen;
	/* the ring's only writer is this thread: no lock to read it */
	fr_ring_foreach(&r->ring, mark_one, &w);
	fr_proctab_evict_unmarked(&r->tasks, w.gen);
	now = fr_boot_ns();
	r->swept_ns = now;
	r->swept_overwritten = r->ring.overwritten;
	r->swept_head = r->ring.head;
	r->swept_len = r->tasks.len;
	r->sweeps++;
	r->sweep_ns = now - t0;
}

