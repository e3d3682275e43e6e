/* ring.c: a bounded, overwrite-oldest ring of variable-size records. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "record/ring.h"

/* The prefix of the gap left at the end of the buffer when a record did
 * not fit there: the next record is at offset 0. */
#define GAP UINT32_MAX

int fr_ring_init(struct fr_ring *r, uint64_t cap)
{
	memset(r, 0, sizeof(*r));
	cap &= ~7ULL;	/* records are 8-byte aligned */
	if (cap < FR_RING_MIN || cap > (4ULL << 30))
		return -EINVAL;
	/* mmap: pages are only committed as the ring fills, and a large ring
	 * does not fragment the heap */
	r->buf = mmap(NULL, cap, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->buf == MAP_FAILED) {
		r->buf = NULL;
		return -ENOMEM;
	}
	/* huge pages where the system allows them: a 64M ring faults in 32
	 * times instead of 16384 */
	madvise(r->buf, cap, MADV_HUGEPAGE);
	r->cap = cap;
	return 0;
}

int fr_ring_grow(struct fr_ring *r, uint64_t cap, uint64_t *pos)
{
	struct fr_ring_reader rd = { .pos = pos };
	struct fr_ring_reader *const one[1] = { &rd };

	if ((cap & ~7ULL) <= r->cap)
		return 0;
	return fr_ring_rebuild(r, cap, NULL, NULL, one, pos ? 1 : 0);
}

/* The index a reader's record gets when the ring comes to hold records
 * with kept_before of them before it, counted as fr_ring_reader says: a
 * reader behind the oldest keeps its lag. */
static uint64_t reader_rec(const struct fr_ring *r, uint64_t old_oldest, uint64_t rec,
			   bool behind, uint64_t kept_before)
{
	uint64_t oldest = r->written - r->records;

	if (behind)
		return oldest - (old_oldest > rec ? old_oldest - rec : 0);
	return oldest + kept_before;
}

uint64_t fr_ring_clear_counted(struct fr_ring *r, struct fr_ring_reader *const *rd, unsigned n)
{
	uint64_t old_oldest = r->written - r->records, cleared = r->records;

	for (unsigned i = 0; i < n; i++) {
		uint64_t p = *rd[i]->pos > r->tail ? *rd[i]->pos : r->tail;
		bool behind = *rd[i]->pos < r->tail;

		while (p < r->head) {
			uint32_t len;

			fr_ring_at(r, &p, &len);
			rd[i]->cleared++;
		}
		rd[i]->clears++;
		*rd[i]->pos = r->head;
		if (rd[i]->rec) {
			uint64_t rec = *rd[i]->rec;

			/* computed as if already empty */
			r->records -= cleared;
			*rd[i]->rec = reader_rec(r, old_oldest, rec, behind, 0);
			r->records += cleared;
		}
	}
	r->cleared += cleared;
	r->records = 0;
	r->tail = r->head;
	r->tail_off = r->head_off;
	return cleared;
}

struct rebuilt_reader {
	bool mapped, behind;
	uint64_t pos, kept_before;
};

int fr_ring_rebuild(struct fr_ring *r, uint64_t cap,
		    bool (*keep)(const void *rec, uint32_t len, void *ctx), void *ctx,
		    struct fr_ring_reader *const *rd, unsigned n)
{
	struct rebuilt_reader st[n ? n : 1];
	uint64_t p, kept_bytes = 0, kept = 0, old_oldest = r->written - r->records;
	struct fr_ring nr;
	int err;

	err = fr_ring_init(&nr, cap);
	if (err)
		return err;
	/* what is kept, in bytes: the oldest of it goes when it does not
	 * fit (laid out from 0, the records leave no gap) */
	for (p = r->tail; p < r->head;) {
		uint32_t len;
		const void *rec = fr_ring_at(r, &p, &len);

		if (!keep || keep(rec, len, ctx))
			kept_bytes += FR_RING_REC_OVERHEAD + fr_ring_pad(len);
	}
	memset(st, 0, sizeof(st));
	for (unsigned i = 0; i < n; i++)
		st[i].behind = *rd[i]->pos < r->tail;
	for (p = r->tail; p < r->head;) {
		uint64_t at = p;
		uint32_t len;
		const void *rec = fr_ring_at(r, &p, &len);
		uint64_t need = FR_RING_REC_OVERHEAD + fr_ring_pad(len);
		bool in = !keep || keep(rec, len, ctx);

		for (unsigned i = 0; i < n; i++) {
			if (!st[i].mapped && at >= *rd[i]->pos) {
				st[i].mapped = true;
				st[i].pos = nr.head;
				st[i].kept_before = kept;
			}
		}
		if (in && kept_bytes <= nr.cap) {
			fr_ring_put(&nr, rec, len);
			kept++;
			continue;
		}
		if (in) {
			kept_bytes -= need;
			r->resized++;
			r->resized_bytes += len;
		} else {
			r->taken++;
		}
		/* a reader that had not come to it yet will not see it */
		for (unsigned i = 0; i < n; i++) {
			if (at < *rd[i]->pos)
				continue;
			if (in)
				rd[i]->resized++;
			else
				rd[i]->taken++;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (!st[i].mapped) {
			st[i].pos = nr.head;
			st[i].kept_before = kept;
		}
	}
	nr.written = r->written;
	nr.overwritten = r->overwritten;
	nr.overwritten_bytes = r->overwritten_bytes;
	nr.too_big = r->too_big;
	nr.cleared = r->cleared;
	nr.resized = r->resized;
	nr.resized_bytes = r->resized_bytes;
	nr.taken = r->taken;
	nr.resizes = r->resizes + (nr.cap != r->cap);
	for (unsigned i = 0; i < n; i++) {
		if (rd[i]->rec)
			*rd[i]->rec = reader_rec(&nr, old_oldest, *rd[i]->rec, st[i].behind,
						 st[i].kept_before);
		*rd[i]->pos = st[i].pos;
	}
	fr_ring_free(r);
	*r = nr;
	return 0;
}

void fr_ring_free(struct fr_ring *r)
{
	if (r->buf)
		munmap(r->buf, r->cap);
	memset(r, 0, sizeof(*r));
}

void fr_ring_clear(struct fr_ring *r)
{
	r->head = r->tail = r->head_off = r->tail_off = r->records = 0;
}

static inline uint32_t prefix_at(const struct fr_ring *r, uint64_t off)
{
	uint32_t len;

	memcpy(&len, r->buf + off, sizeof(len));
	return len;
}

/* Age out the oldest record, or step over the gap at the end. */
static void evict(struct fr_ring *r)
{
	uint32_t len = prefix_at(r, r->tail_off);
	uint64_t adv;

	if (len == GAP) {
		adv = r->cap - r->tail_off;
	} else {
		adv = FR_RING_REC_OVERHEAD + fr_ring_pad(len);
		r->records--;
		r->overwritten++;
		r->overwritten_bytes += len;
	}
	r->tail += adv;
	r->tail_off += adv;
	if (r->tail_off == r->cap)
		r->tail_off = 0;
}

int fr_ring_put(struct fr_ring *r, const void *data, uint32_t len)
{
	uint64_t need = FR_RING_REC_OVERHEAD + fr_ring_pad(len);
	uint8_t *p;

	if (need > r->cap) {
		r->too_big++;
		return -E2BIG;
	}
	if (r->cap - r->head_off < need) {
		/* no room before the end: the rest becomes a gap (at least 8
		 * bytes, both being multiples of 8) and the record goes to 0 */
		uint64_t gap = r->cap - r->head_off;
		uint32_t mark = GAP;

		while (r->cap - fr_ring_used(r) < gap)
			evict(r);
		memcpy(r->buf + r->head_off, &mark, sizeof(mark));
		r->head += gap;
		r->head_off = 0;
	}
	while (r->cap - fr_ring_used(r) < need)
		evict(r);
	p = r->buf + r->head_off;
	memcpy(p, &len, sizeof(len));
	memset(p + 4, 0, 4);
	memcpy(p + FR_RING_REC_OVERHEAD, data, len);
	r->head += need;
	r->head_off += need;
	if (r->head_off == r->cap)
		r->head_off = 0;
	r->records++;
	r->written++;
	return 0;
}

const void *fr_ring_at(const struct fr_ring *r, uint64_t *pos, uint32_t *len)
{
	uint64_t off = *pos % r->cap;

	*len = prefix_at(r, off);
	if (*len == GAP) {
		*pos += r->cap - off;
		off = 0;
		*len = prefix_at(r, 0);
	}
	*pos += FR_RING_REC_OVERHEAD + fr_ring_pad(*len);
	return r->buf + off + FR_RING_REC_OVERHEAD;
}

uint64_t fr_ring_get(const struct fr_ring *r, uint64_t pos, void *dst, size_t cap,
		     uint32_t *len)
{
	const void *rec = fr_ring_at(r, &pos, len);

	if (*len <= cap)
		memcpy(dst, rec, *len);
	return pos;
}

int fr_ring_foreach(const struct fr_ring *r,
		    int (*cb)(const void *rec, uint32_t len, void *ctx), void *ctx)
{
	/* offsets, not positions: no division per record */
	uint64_t off = r->tail_off, left = fr_ring_used(r);

	while (left) {
		uint32_t len = prefix_at(r, off);
		uint64_t adv;
		int ret;

		if (len == GAP) {
			left -= r->cap - off;
			off = 0;
			continue;
		}
		ret = cb(r->buf + off + FR_RING_REC_OVERHEAD, len, ctx);
		if (ret)
			return ret;
		adv = FR_RING_REC_OVERHEAD + fr_ring_pad(len);
		left -= adv;
		off += adv;
		if (off == r->cap)
			off = 0;
	}
	return 0;
}
