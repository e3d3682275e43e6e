/* counters.h: what a recording counts, read in one go (fr_recorder_counters)
 * and written into a capture's END and STATUS segments; the fill of the BPF
 * maps that can fill; the trace-label table as JSON. No BPF here: the
 * capture writers and their tests use it without a recorder. */
#ifndef FR_COUNTERS_H
#define FR_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "capture/event.h"

/* What the recording's controls did (flightrec ctl): when it was paused,
 * which probe groups were on when. The newest FR_TL_MAX of each are kept,
 * the older ones counted. */
#define FR_TL_MAX 64
struct fr_timeline {
	uint64_t paused_since;	/* CLOCK_BOOTTIME; 0 while recording */
	uint32_t npauses;	/* ended pauses kept, oldest first */
	uint64_t pauses[FR_TL_MAX][2];
	uint64_t pauses_total;	/* ended pauses, all of them */
	uint64_t paused_ns;	/* their time */
	uint32_t nchanges;	/* the groups on from changes[i].ts, oldest first */
	struct {
		uint64_t ts;
		uint32_t groups;
	} changes[FR_TL_MAX];
	uint64_t changes_total;	/* all of them, the start's included */
	uint64_t clears, resizes;	/* requests served */
};

/* Note the groups on from ts (the start's too). */
void fr_timeline_groups(struct fr_timeline *t, uint64_t ts, unsigned groups);
/* A pause from from to to (ended). */
void fr_timeline_pause(struct fr_timeline *t, uint64_t from, uint64_t to);
/* e.control: the timeline as JSON (nothing for a recording that was never
 * controlled: one set of groups, no pause, no clear, no resize). */
void fr_timeline_add_json(cJSON *e, const struct fr_timeline *t);

struct fr_counters {
	/* ---- what the recorder counts ---- */
	uint64_t received;	/* records moved into the ring, marks excluded */
	uint64_t marks;		/* marks put in the ring */
	uint64_t by_type[FR_EV_TYPE_MAX];	/* records by type (0: unknown), marks included */
	uint64_t dropped;	/* lost in transit: the BPF ring buffer was full */
	uint64_t malformed;	/* refused as malformed, or too large for the ring */
	uint64_t overwritten, overwritten_bytes;	/* aged out of the ring (a writer may say otherwise) */
	uint64_t ring_used_bytes, ring_records, ring_size;
	uint64_t follow_map_full, inflight_map_full, inflight_unmatched, traces_map_full;
	uint64_t tasks_evicted;	/* process table entries forgotten while recording */
	uint64_t tasks_held;	/* ... and held now */
	uint64_t traces;	/* trace slots given */
	uint64_t traces_recycled, traces_refused;	/* trace slots reused; new traces refused */
	/* taken out of the ring on request, apart from overwritten: cleared
	 * (ctl clear), discarded by a shrink (ctl resize), taken with a
	 * trace (dump --live --trace-id --clear) */
	uint64_t cleared, resized, taken;
	struct fr_timeline tl;
	/* ---- what a capture's writer adds ---- */
	uint64_t stored, stored_bytes;	/* events (and their bytes) the capture took */
	bool ring_file;		/* the four below are written */
	uint64_t file_overwritten, file_overwritten_bytes, unwritten, late;
	uint64_t file_cleared;	/* written to the file, then dropped by a clear */
};

/* The "counters" object of END and STATUS. */
cJSON *fr_counters_json(const struct fr_counters *k);

/* A BPF map that can fill: its entries now, its size, and the updates it
 * refused (or, for an LRU map, the requests it could not match). */
struct fr_map_fill {
	const char *name;
	uint64_t entries, max, misses;
};
#define FR_NMAPS 3

cJSON *fr_maps_json(const struct fr_map_fill m[FR_NMAPS]);

/* Trace slots a recorder gives (a record's h.flags is its slot, 1 up). */
#define FR_MAX_TRACES 4096

/* {"slot": "trace id", ...} of the n first labels, slot s being
 * ids[s - 1]; NULL when n is 0. */
cJSON *fr_traces_json(const uint8_t (*ids)[16], unsigned n);

#endif
