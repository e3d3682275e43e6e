/* ring.c: a bounded, overwrite-oldest ring of variable-size records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ring.h"

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
	r->cap = cap;
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
	r->head = r->tail = r->records = 0;
}

static void copy_in(struct fr_ring *r, uint64_t pos, const void *src, uint32_t len)
{
	uint64_t off = pos % r->cap, first = r->cap - off;

	if (first >= len) {
		memcpy(r->buf + off, src, len);
	} else {
		memcpy(r->buf + off, src, first);
		memcpy(r->buf, (const uint8_t *)src + first, len - first);
	}
}

static void copy_out(const struct fr_ring *r, uint64_t pos, void *dst, uint32_t len)
{
	uint64_t off = pos % r->cap, first = r->cap - off;

	if (first >= len) {
		memcpy(dst, r->buf + off, len);
	} else {
		memcpy(dst, r->buf + off, first);
		memcpy((uint8_t *)dst + first, r->buf, len - first);
	}
}

int fr_ring_put(struct fr_ring *r, const void *data, uint32_t len)
{
	uint64_t need = FR_RING_REC_OVERHEAD + fr_ring_pad(len);
	uint32_t prefix[2] = { len, 0 };

	if (need > r->cap) {
		r->too_big++;
		return -E2BIG;
	}
	while (r->cap - fr_ring_used(r) < need) {
		uint32_t old;

		copy_out(r, r->tail, &old, sizeof(old));
		r->tail += FR_RING_REC_OVERHEAD + fr_ring_pad(old);
		r->records--;
		r->overwritten++;
		r->overwritten_bytes += old;
	}
	copy_in(r, r->head, prefix, sizeof(prefix));
	copy_in(r, r->head + FR_RING_REC_OVERHEAD, data, len);
	r->head += need;
	r->records++;
	r->written++;
	return 0;
}

/* Exchange two n-byte ranges that do not overlap, through a small buffer. */
static void swap_ranges(uint8_t *a, uint8_t *b, uint64_t n)
{
	uint8_t tmp[16384];

	while (n) {
		size_t k = n < sizeof(tmp) ? n : sizeof(tmp);

		memcpy(tmp, a, k);
		memcpy(a, b, k);
		memcpy(b, tmp, k);
		a += k;
		b += k;
		n -= k;
	}
}

/* Rotate p[0, n) left by k in place by block swaps (Gries and Mills): each
 * byte moves a few times at memcpy speed, with no second buffer. */
static void rotate_left(uint8_t *p, uint64_t n, uint64_t k)
{
	uint64_t i = k, j = n - k;	/* the left block A = p[k-i, k), B = p[k, k+j) */

	if (!k || k >= n)
		return;
	while (i != j) {
		if (i > j) {
			swap_ranges(p + k - i, p + k, j);
			i -= j;
		} else {
			swap_ranges(p + k - i, p + k + j - i, i);
			j -= i;
		}
	}
	swap_ranges(p + k - i, p + k, i);
}

void fr_ring_linearize(struct fr_ring *r)
{
	uint64_t used = fr_ring_used(r);

	rotate_left(r->buf, r->cap, r->tail % r->cap);
	r->tail = 0;
	r->head = used;
}

uint64_t fr_ring_get(const struct fr_ring *r, uint64_t pos, void *dst, size_t cap,
		     uint32_t *len)
{
	copy_out(r, pos, len, sizeof(*len));
	if (*len <= cap)
		copy_out(r, pos + FR_RING_REC_OVERHEAD, dst, *len);
	return pos + FR_RING_REC_OVERHEAD + fr_ring_pad(*len);
}

int fr_ring_foreach(const struct fr_ring *r, void *scratch, size_t scratch_len,
		    int (*cb)(const void *rec, uint32_t len, void *ctx), void *ctx)
{
	for (uint64_t pos = r->tail; pos < r->head;) {
		uint64_t off;
		uint32_t len;
		int ret;

		copy_out(r, pos, &len, sizeof(len));
		pos += FR_RING_REC_OVERHEAD;
		off = pos % r->cap;
		if (off + len <= r->cap) {
			ret = cb(r->buf + off, len, ctx);
		} else {
			if (len > scratch_len)
				return -E2BIG;
			copy_out(r, pos, scratch, len);
			ret = cb(scratch, len, ctx);
		}
		if (ret)
			return ret;
		pos += fr_ring_pad(len);
	}
	return 0;
}
