/* ring.h: a bounded, overwrite-oldest ring of variable-size records.
 *
 * Each record is stored as an 8-byte prefix (its length) then its bytes,
 * padded to a multiple of 8 so records stay aligned. A record never wraps
 * around the end of the buffer: when it does not fit before the end, the
 * rest of the buffer is marked as a gap and the record starts again at
 * offset 0, so every record can be read in place. Positions are logical
 * (they only grow, but for fr_ring_grow; the gap counts in them). The ring
 * allocates only when created or grown and never holds more than its
 * capacity. Not thread-safe: one
 * writer at a time, and readers only while the writer is stopped. */
#ifndef FR_RING_H
#define FR_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fr_ring {
	uint8_t *buf;
	uint64_t cap;		/* bytes */
	uint64_t head;		/* logical write position */
	uint64_t tail;		/* logical position of the oldest record */
	uint64_t head_off;	/* head and tail as offsets in buf */
	uint64_t tail_off;
	uint64_t records;	/* records held */
	uint64_t written;	/* records ever put */
	uint64_t overwritten;	/* records aged out to make room */
	uint64_t overwritten_bytes;
	uint64_t too_big;	/* records refused: larger than the ring */
	/* records taken out on request (fr_ring_clear_counted, fr_ring_rebuild),
	 * apart from those overwritten */
	uint64_t cleared;	/* by a clear */
	uint64_t resized, resized_bytes;	/* discarded by a shrink */
	uint64_t taken;		/* by a filter (a trace taken out) */
	uint64_t resizes;	/* times the capacity changed */
};

/* A reader of the ring other than its writer: its position (and, when rec
 * is not NULL, the index of the record there, counted as written is:
 * written - records is the oldest held). The operations that take records
 * out or move them update every reader they are given, and count the
 * records taken out that the reader had not reached yet, by cause; clears
 * counts the clears it went through. */
struct fr_ring_reader {
	uint64_t *pos;
	uint64_t *rec;
	uint64_t cleared, resized, taken;
	uint64_t clears;
};

static inline uint64_t fr_ring_reader_gone(const struct fr_ring_reader *rd)
{
	return rd->cleared + rd->resized + rd->taken;
}

#define FR_RING_REC_OVERHEAD 8u
#define FR_RING_MIN 64u

static inline uint64_t fr_ring_pad(uint32_t len)
{
	return ((uint64_t)len + 7) & ~7ULL;
}

/* Capacity is rounded down to a multiple of 8. 0 or -ENOMEM / -EINVAL (capacity below FR_RING_MIN or above 4 GiB). */
int fr_ring_init(struct fr_ring *r, uint64_t cap);
void fr_ring_free(struct fr_ring *r);
/* Make the ring cap bytes (no smaller than it is): the records move, oldest
 * first, to a new buffer where they start at position 0, and the counters
 * stay. pos (may be NULL), a reader's position, is moved with them. 0, or
 * -ENOMEM / -EINVAL as fr_ring_init (the ring is then unchanged). */
int fr_ring_grow(struct fr_ring *r, uint64_t cap, uint64_t *pos);
void fr_ring_clear(struct fr_ring *r);
/* Empty the ring on request: every record held is counted in cleared,
 * positions go on from where they were, and each reader moves to the head
 * (what it had not read yet counted in its gone). The records cleared. */
uint64_t fr_ring_clear_counted(struct fr_ring *r, struct fr_ring_reader *const *rd, unsigned n);

/* Copy the ring into a new buffer of cap bytes (any size from FR_RING_MIN
 * up): the records for which keep (NULL: all) returns true, as many of the
 * newest of them as fit; the others are counted in taken (refused by keep)
 * or resized (no room). Positions start again at 0; each reader moves with
 * the record it was at. 0, or -ENOMEM / -EINVAL as fr_ring_init (the ring
 * is then unchanged). */
int fr_ring_rebuild(struct fr_ring *r, uint64_t cap,
		    bool (*keep)(const void *rec, uint32_t len, void *ctx), void *ctx,
		    struct fr_ring_reader *const *rd, unsigned n);

/* Append a record, evicting the oldest ones until it fits. 0, or -E2BIG
 * when the record can never fit (counted in too_big, ring unchanged). */
int fr_ring_put(struct fr_ring *r, const void *data, uint32_t len);

/* Bytes held: records, their prefixes and padding, and an end gap. */
static inline uint64_t fr_ring_used(const struct fr_ring *r)
{
	return r->head - r->tail;
}

/* The record at logical position *pos (tail <= *pos < head), in place, with
 * its length in *len; *pos moves on to the next record. */
const void *fr_ring_at(const struct fr_ring *r, uint64_t *pos, uint32_t *len);

/* Copy the record at logical position pos (tail <= pos < head) into dst
 * when it fits (cap bytes); its length in *len. Returns the position of the
 * next record. */
uint64_t fr_ring_get(const struct fr_ring *r, uint64_t pos, void *dst, size_t cap,
		     uint32_t *len);

/* Walk records oldest first, in place. Stops early and returns cb's value
 * when it is non-zero. */
int fr_ring_foreach(const struct fr_ring *r,
		    int (*cb)(const void *rec, uint32_t len, void *ctx), void *ctx);

#endif
