/* bpfring.h: a reader of a BPF ring buffer map (BPF_MAP_TYPE_RINGBUF) that
 * hands each record to a callback inlined into the loop, and tells the
 * kernel how far it has read once per batch rather than once per record:
 * the position shares a cache line that the producing CPUs read on every
 * reservation, so each store to it costs them a cache miss.
 *
 * Layout (the kernel's, as libbpf maps it): one read-write page holding the
 * consumer position, then one read-only page holding the producer position,
 * then the data, mapped twice in a row so that a record crossing the end is
 * contiguous. Each record has an 8-byte header: a 32-bit length whose top
 * two bits say busy (not yet committed) and discarded, then 4 bytes the
 * kernel uses; records are 8-byte aligned. */
#ifndef FR_BPFRING_H
#define FR_BPFRING_H

#include <stddef.h>
#include <stdint.h>

#define FR_BPFRING_BUSY (1u << 31)
#define FR_BPFRING_DISCARD (1u << 30)
#define FR_BPFRING_HDR 8u
/* publish the read position at least this often while draining (a
 * quarter of a smaller ring) */
#define FR_BPFRING_PUBLISH (64u << 10)

struct fr_bpfring {
	uint64_t *consumer;	/* shared with the kernel */
	const uint64_t *producer;
	const uint8_t *data;	/* mapped twice in a row */
	uint64_t mask;		/* data size - 1 (a power of two) */
	uint64_t pos;		/* what this reader has read */
	uint64_t bad;		/* headers that made no sense */
	uint64_t publish;	/* bytes read between publications */
	/* the mappings, to undo them */
	void *cons_map, *prod_map;
	size_t cons_len, prod_len;
	int epfd;
};

/* Map the ring buffer of map_fd (whose size is data_size, a power of two)
 * and make an epoll descriptor (epfd) that wakes when a producer wakes the
 * reader, not merely when data is waiting: wait on it with a timeout and
 * drain every time. 0 or -errno. */
int fr_bpfring_open(struct fr_bpfring *b, int map_fd, uint64_t data_size);
void fr_bpfring_close(struct fr_bpfring *b);

/* Drain what the producers have committed: cb(ctx, data, len) for every
 * record not discarded, oldest first, stopping at the first one still being
 * written. Returns the records handed over. */
static inline __attribute__((always_inline)) uint64_t
fr_bpfring_consume(struct fr_bpfring *b, void (*cb)(void *ctx, const void *data, uint32_t len),
		   void *ctx)
{
	uint64_t n = 0, pos = b->pos, published = pos;

	for (;;) {
		uint64_t prod = __atomic_load_n(b->producer, __ATOMIC_ACQUIRE);

		if (pos >= prod)
			break;
		while (pos < prod) {
			const uint8_t *h = b->data + (pos & b->mask);
			uint32_t len = __atomic_load_n((const uint32_t *)h, __ATOMIC_ACQUIRE);
			uint64_t adv;

			if (len & FR_BPFRING_BUSY)
				goto out;
			adv = ((uint64_t)(len & ~FR_BPFRING_DISCARD) + FR_BPFRING_HDR + 7) & ~7ULL;
			if (adv > b->mask + 1 || adv > prod - pos) {
				/* cannot happen with a sane kernel: stop reading
				 * rather than walk off into garbage */
				b->bad++;
				goto out;
			}
			if (!(len & FR_BPFRING_DISCARD)) {
				cb(ctx, h + FR_BPFRING_HDR, len);
				n++;
			}
			pos += adv;
			if (pos - published >= b->publish) {
				__atomic_store_n(b->consumer, pos, __ATOMIC_RELEASE);
				published = pos;
			}
		}
	}
out:
	if (pos != published)
		__atomic_store_n(b->consumer, pos, __ATOMIC_RELEASE);
	b->pos = pos;
	return n;
}

#endif
