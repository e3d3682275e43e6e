/* test_ring.c: the bounded ring: wrap-around, overwrite accounting,
 * variable-size records, records larger than the ring, linearize. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/ring.h"
#include "tap.h"

struct collect {
	uint32_t n;
	uint32_t ids[4096];
	uint32_t lens[4096];
	int bad;
};

/* record i is i's low byte repeated, prefixed by i itself */
static void make(uint8_t *buf, uint32_t id, uint32_t len)
{
	memset(buf, (uint8_t)id, len);
	if (len >= 4)
		memcpy(buf, &id, 4);
}

static int collect_cb(const void *rec, uint32_t len, void *ctx)
{
	struct collect *c = ctx;
	uint32_t id = 0;

	if (len >= 4)
		memcpy(&id, rec, 4);
	for (uint32_t i = 4; i < len; i++)
		if (((const uint8_t *)rec)[i] != (uint8_t)id)
			c->bad++;
	if (((uintptr_t)rec & 7) != 0)
		c->bad++;	/* records must be 8-byte aligned */
	c->ids[c->n] = id;
	c->lens[c->n++] = len;
	return 0;
}

static void walk(struct fr_ring *r, struct collect *c)
{
	static uint64_t scratch[1024];

	memset(c, 0, sizeof(*c));
	fr_ring_foreach(r, scratch, sizeof(scratch), collect_cb, c);
}

static void test_basic(void)
{
	struct fr_ring r;
	struct collect c;
	uint8_t buf[64];

	ok(fr_ring_init(&r, 16) < 0, "a ring below the minimum size is refused");
	ok(fr_ring_init(&r, 1024) == 0, "init 1024");
	for (uint32_t i = 0; i < 10; i++) {
		make(buf, i, 24);
		fr_ring_put(&r, buf, 24);
	}
	is_u(r.records, 10, "10 records held");
	is_u(fr_ring_used(&r), 10 * (24 + FR_RING_REC_OVERHEAD), "used bytes = records + prefixes");
	is_u(r.overwritten, 0, "nothing overwritten yet");
	walk(&r, &c);
	is_u(c.n, 10, "walk sees 10");
	ok(c.ids[0] == 0 && c.ids[9] == 9 && !c.bad, "in order, intact");
	fr_ring_free(&r);
}

static void test_wrap_and_overwrite(void)
{
	struct fr_ring r;
	struct collect c;
	uint8_t buf[64];
	const uint32_t len = 40, per = 40 + FR_RING_REC_OVERHEAD;	/* 48 */
	uint32_t cap = 1000, failed = 0, over = 0;

	fr_ring_init(&r, cap);
	for (uint32_t i = 0; i < 100; i++) {
		make(buf, i, len);
		failed += fr_ring_put(&r, buf, len) != 0;
		over += fr_ring_used(&r) > r.cap;
	}
	is_u(failed, 0, "every put succeeds, evicting as needed");
	is_u(over, 0, "never past capacity after any put");
	is_u(r.records, cap / per, "holds floor(cap / record) records");
	is_u(r.written, 100, "100 written");
	is_u(r.overwritten + r.records, 100, "overwritten + held = written");
	is_u(r.overwritten_bytes, r.overwritten * len, "overwritten bytes counted");
	walk(&r, &c);
	is_u(c.n, r.records, "walk sees every held record");
	is_u(c.ids[c.n - 1], 99, "the newest record is present");
	is_u(c.ids[0], 100 - r.records, "the oldest held is the right one");
	ok(!c.bad, "records that wrapped around the end read back intact and aligned");
	fr_ring_free(&r);
}

static void test_variable_sizes(void)
{
	struct fr_ring r;
	struct collect c;
	static uint8_t buf[600];
	uint64_t held_bytes = 0;

	fr_ring_init(&r, 4096);
	srand(42);
	for (uint32_t i = 0; i < 2000; i++) {
		uint32_t len = 8 + (rand() % 560);

		make(buf, i, len);
		fr_ring_put(&r, buf, len);
		if (fr_ring_used(&r) > r.cap)
			break;
	}
	ok(fr_ring_used(&r) <= r.cap, "bounded with mixed sizes");
	is_u(r.overwritten + r.records, 2000, "accounting holds with mixed sizes");
	walk(&r, &c);
	is_u(c.n, r.records, "all held records walkable");
	for (uint32_t i = 0; i < c.n; i++) {
		held_bytes += FR_RING_REC_OVERHEAD + fr_ring_pad(c.lens[i]);
		if (i && c.ids[i] != c.ids[i - 1] + 1)
			c.bad++;
	}
	ok(!c.bad, "consecutive ids, intact payloads");
	is_u(held_bytes, fr_ring_used(&r), "used bytes match the records held");
	is_u(c.ids[c.n - 1], 1999, "newest present");
	fr_ring_free(&r);
}

static void test_too_big(void)
{
	struct fr_ring r;
	struct collect c;
	static uint8_t buf[2048];

	fr_ring_init(&r, 256);
	make(buf, 1, 32);
	fr_ring_put(&r, buf, 32);
	make(buf, 2, 1024);
	ok(fr_ring_put(&r, buf, 1024) < 0, "a record larger than the ring is refused");
	is_u(r.too_big, 1, "and counted");
	is_u(r.records, 1, "the ring is unchanged");
	is_u(r.overwritten, 0, "nothing was evicted for it");
	make(buf, 3, 256 - FR_RING_REC_OVERHEAD);
	ok(fr_ring_put(&r, buf, 256 - FR_RING_REC_OVERHEAD) == 0, "a record of exactly the capacity fits");
	walk(&r, &c);
	ok(c.n == 1 && c.ids[0] == 3, "after evicting everything else");
	fr_ring_free(&r);
}

static void test_linearize(void)
{
	struct fr_ring r;
	struct collect before, after;
	uint8_t buf[64];

	fr_ring_init(&r, 1000);
	for (uint32_t i = 0; i < 57; i++) {
		make(buf, i, 16 + (i % 5) * 8);
		fr_ring_put(&r, buf, 16 + (i % 5) * 8);
	}
	ok(r.tail % r.cap != 0, "the oldest record is not at offset 0 before");
	walk(&r, &before);
	fr_ring_linearize(&r);
	is_u(r.tail, 0, "tail at 0 after linearize");
	walk(&r, &after);
	ok(before.n == after.n && !memcmp(before.ids, after.ids, before.n * 4) && !after.bad,
	   "same records in the same order after linearize");
	/* walk the contiguous bytes directly */
	{
		const uint8_t *p = fr_ring_data(&r);
		uint64_t pos = 0;
		uint32_t n = 0, len, id;

		while (pos < fr_ring_used(&r)) {
			memcpy(&len, p + pos, 4);
			memcpy(&id, p + pos + FR_RING_REC_OVERHEAD, 4);
			if (id != before.ids[n])
				break;
			n++;
			pos += FR_RING_REC_OVERHEAD + fr_ring_pad(len);
		}
		is_u(n, before.n, "the linear data holds every record in order");
	}
	make(buf, 1000, 40);
	fr_ring_put(&r, buf, 40);
	walk(&r, &after);
	is_u(after.ids[after.n - 1], 1000, "puts keep working after linearize");
	fr_ring_free(&r);
}

/* Every rotation offset of a ring bigger than the swap buffer: the bytes
 * come out whole and in order. */
static void test_linearize_offsets(void)
{
	const uint64_t caps[] = { 64, 1000, 40000, 100008 };
	unsigned bad = 0, tried = 0;

	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		for (uint64_t start = 0; start < 3 * caps[c]; start += caps[c] / 7 + 1) {
			struct fr_ring r;
			struct collect before, after;
			uint8_t buf[64];

			fr_ring_init(&r, caps[c]);
			/* push the tail round to a different offset each time */
			for (uint32_t i = 0; r.head < start + caps[c]; i++) {
				make(buf, i, 16 + (i % 5) * 8);
				fr_ring_put(&r, buf, 16 + (i % 5) * 8);
			}
			walk(&r, &before);
			fr_ring_linearize(&r);
			walk(&r, &after);
			bad += before.n != after.n || memcmp(before.ids, after.ids, before.n * 4) ||
			       after.bad;
			tried++;
			fr_ring_free(&r);
		}
	}
	ok(!bad, "linearize keeps every record in order at every offset (%u rings, %u bad)",
	   tried, bad);
}

int main(void)
{
	test_basic();
	test_wrap_and_overwrite();
	test_variable_sizes();
	test_too_big();
	test_linearize();
	test_linearize_offsets();
	return tap_done();
}
