/* ringfile.h: a capture written round and round inside a size bound.
 *
 * The file header and a META segment come first; after them, from
 * ring_start up to ring_end (the bound), segments are written one after
 * the other and, when the next one does not fit, again from ring_start,
 * over the oldest. Each segment's payload is written before its header, so
 * a writer killed in the middle leaves no valid header over a partial
 * payload. The writer keeps an index of the segments in the file so it can
 * count what it overwrites, and invalidates the headers left in the slack
 * at the end of the area when it wraps, so a reader never mistakes them
 * for current ones. docs/format.md describes the layout. */
#ifndef FR_RINGFILE_H
#define FR_RINGFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"

#define FR_RINGFILE_MIN (1u << 20)	/* smallest --max-size */

struct fr_rf_seg {
	uint64_t off, len;	/* header included */
	uint64_t ts_first;
	uint32_t nevents, raw_len;
	uint16_t type;
};

struct fr_ringfile {
	int fd;
	uint64_t ring_start, ring_end, pos;
	uint64_t file_size;	/* bytes the file holds: its high-water mark */
	uint32_t seq;
	uint32_t seg_target;	/* raw bytes per EVENTS or PROCS segment */
	struct fr_seg_enc enc;
	struct fr_rf_seg *idx;	/* segments in the ring area, oldest first */
	size_t idx_first, idx_len, idx_cap;
	uint64_t wraps;
	/* events and raw bytes written; of those, overwritten since */
	uint64_t stored, stored_bytes;
	uint64_t overwritten, overwritten_bytes;
	/* written, then dropped by fr_rf_clear (apart from overwritten) */
	uint64_t cleared, cleared_bytes, clears;
	uint64_t segments, written_bytes;	/* written, headers included */
};

/* Takes over fd (a new, empty file): writes the file header and the META
 * segment; the ring area starts after them and ends at max_size. */
int fr_rf_open(struct fr_ringfile *rf, int fd, uint64_t max_size, const cJSON *meta);
/* Write one segment (EVENTS payloads are changed in place by the
 * encoding). -E2BIG when it can never fit; on a write error (-ENOSPC...)
 * the position is unchanged, and what the failed write overlapped is
 * counted as overwritten. */
int fr_rf_write(struct fr_ringfile *rf, uint16_t type, void *raw, size_t raw_len,
		uint32_t nevents, uint64_t t0, uint64_t t1);
int fr_rf_write_json(struct fr_ringfile *rf, uint16_t type, const cJSON *json);
/* The same for a JSON segment that holds the counters: build is called
 * again until they include what this very segment overwrites. */
int fr_rf_write_counted(struct fr_ringfile *rf, uint16_t type,
			cJSON *(*build)(void *ctx), void *ctx);
/* Drop every segment of the area, oldest first (each header spoiled), and
 * go on from ring_start: readers see a file that begins there. The events
 * dropped are counted in cleared. 0 or the write error (what was spoiled
 * so far is dropped). */
int fr_rf_clear(struct fr_ringfile *rf);
/* ts of the oldest event still in the file; UINT64_MAX when none. */
uint64_t fr_rf_oldest_ts(const struct fr_ringfile *rf);
/* fsync and close; the first error. */
int fr_rf_close(struct fr_ringfile *rf);

#endif
