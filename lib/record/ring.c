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
	struct fr_ring n;
	uint64_t p = r->tail, moved = 0;
	bool mapped = false;
	int err;

	if ((cap & ~7ULL) <= r->cap)
		return 0;
	err = fr_ring_init(&n, cap);
	if (err)
		return err;
	/* oldest first: the new ring holds them all, from position 0 */
	while (p < r->head) {
		uint32_t len;
		const void *rec;

		if (pos && !mapped && p >= *pos) {
			moved = n.head;
			mapped = true;
		}
		rec = fr_ring_at(r, &p, &len);
		fr_ring_put(&n, rec, len);
	}
	if (pos)
		*pos = mapped ? moved : n.head;
	n.written = r->written;
	n.overwritten = r->overwritten;
	n.overwritten_bytes = r->overwritten_bytes;
	n.too_big = r->too_big;
	fr_ring_free(r);
	*r = n;
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
