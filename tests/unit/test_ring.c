/* test_ring.c: the bounded ring: wrap-around, overwrite accounting,
 * variable-size records, records larger than the ring, records never
 * split at the end of the buffer, readers following the writer, a ring
 * grown under a reader, cleared, shrunk and filtered under readers with
 * exact accounting. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record/ring.h"
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

static const struct fr_ring *walked;

static int collect_cb(const void *rec, uint32_t len, void *ctx)
{
	struct collect *c = ctx;
	uint32_t id = 0;

	/* in place, whole, inside the buffer */
	if ((const uint8_t *)rec < walked->buf ||
	    (const uint8_t *)rec + len > walked->buf + walked->cap)
		c->bad++;

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
	memset(c, 0, sizeof(*c));
	walked = r;
	fr_ring_foreach(r, collect_cb, c);
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
	ok(!c.bad, "records read back in place, intact and aligned, after wrapping");
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
	ok(held_bytes <= fr_ring_used(&r) && fr_ring_used(&r) - held_bytes < 8 + 568,
	   "used bytes are the records held and at most one end gap (%llu of %llu)",
	   (unsigned long long)held_bytes, (unsigned long long)fr_ring_used(&r));
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

/* Rings of several sizes pushed round to every kind of end gap: records
 * are never split, the newest are kept, and no more than a record's worth
 * is lost to the gap. */
static void test_end_gaps(void)
{
	const uint64_t caps[] = { 64, 1000, 4096, 40000, 100008 };
	unsigned bad = 0, tried = 0;

	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		for (uint32_t seed = 1; seed <= 40; seed++) {
			struct fr_ring r;
			struct collect c;
			uint8_t buf[64];
			uint64_t held = 0;
			uint32_t i, n = 1 + seed * caps[k] / 50;

			fr_ring_init(&r, caps[k]);
			srand(seed);
			for (i = 0; i < n; i++) {
				uint32_t len = 8 + rand() % 49;

				make(buf, i, len);
				fr_ring_put(&r, buf, len);
				bad += fr_ring_used(&r) > r.cap;
			}
			walk(&r, &c);
			for (uint32_t j = 0; j < c.n; j++) {
				held += FR_RING_REC_OVERHEAD + fr_ring_pad(c.lens[j]);
				bad += j && c.ids[j] != c.ids[j - 1] + 1;
			}
			bad += c.bad || c.n != r.records || !c.n || c.ids[c.n - 1] != n - 1;
			bad += r.overwritten + r.records != n;
			/* what is not held is at most the end gap and room for
			 * the next record: under two of the largest records */
			bad += r.overwritten && r.cap - held >= 2 * (8 + 56);
			tried++;
			fr_ring_free(&r);
		}
	}
	ok(!bad, "records never split, newest kept, little lost to end gaps (%u rings, %u bad)",
	   tried, bad);
}

/* A reader following the writer with logical positions, as the ring file
 * writer and the trigger do: across end gaps it sees every record once,
 * in order; when lapped it starts again at the oldest. */
static void test_follower(void)
{
	struct fr_ring r;
	uint8_t buf[64], out[64];
	uint64_t cursor = 0, base = 0;
	uint32_t next = 0, bad = 0, seen = 0, lapped = 0;

	fr_ring_init(&r, 1000);
	srand(7);
	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t len = 8 + rand() % 49, got, id;

		make(buf, i, len);
		fr_ring_put(&r, buf, len);
		if (rand() % 3)
			continue;
		if (cursor < r.tail) {
			cursor = r.tail;
			next = (uint32_t)(r.written - r.records);
			lapped++;
		}
		while (cursor < r.head) {
			cursor = fr_ring_get(&r, cursor, out, sizeof(out), &got);
			memcpy(&id, out, 4);
			bad += id != next++;
			seen++;
		}
	}
	ok(!bad && seen > 10000, "a follower sees records once and in order across gaps (%u seen)",
	   seen);
	ok(lapped == 0, "a follower reading every third put is never lapped");
	/* one reading rarely is lapped, and starts again at the oldest held */
	fr_ring_clear(&r);
	base = r.written;	/* clear keeps the lifetime counts */
	cursor = 0;
	next = 0;
	bad = seen = lapped = 0;
	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t len = 8 + rand() % 49, got, id;

		make(buf, i, len);
		fr_ring_put(&r, buf, len);
		if (i % 97)
			continue;
		if (cursor < r.tail) {
			cursor = r.tail;
			next = (uint32_t)(r.written - base - r.records);
			lapped++;
		}
		while (cursor < r.head) {
			cursor = fr_ring_get(&r, cursor, out, sizeof(out), &got);
			memcpy(&id, out, 4);
			bad += id != next++;
			seen++;
		}
	}
	ok(lapped > 10 && !bad, "a follower lapped %u times restarts at the oldest record, in order",
	   lapped);
	fr_ring_clear(&r);
	make(buf, 5, 16);
	fr_ring_put(&r, buf, 16);
	ok(r.records == 1 && r.head_off == 24 && r.tail_off == 0, "clear starts again at 0");
	fr_ring_free(&r);
}

/* Grown after it wrapped: the same records in the same order, the
 * counters kept, a reader's position moved onto the same next record. */
static void test_grow(void)
{
	struct fr_ring r;
	struct collect before, after;
	uint8_t buf[64], out[64];
	uint64_t cursor, written, over;
	uint32_t want, got, id, n = 0;

	fr_ring_init(&r, 1000);
	for (uint32_t i = 0; i < 300; i++) {
		make(buf, i, 8 + i % 40);
		fr_ring_put(&r, buf, 8 + i % 40);
	}
	walk(&r, &before);
	/* a reader with 5 records still to read */
	cursor = r.tail;
	for (uint32_t i = 0; i + 5 < r.records; i++)
		cursor = fr_ring_get(&r, cursor, out, sizeof(out), &got);
	memcpy(&want, r.buf + cursor % r.cap + FR_RING_REC_OVERHEAD, 4);
	written = r.written;
	over = r.overwritten;
	ok(fr_ring_grow(&r, 600, &cursor) == 0 && r.cap == 1000, "a smaller size leaves it as it is");
	ok(fr_ring_grow(&r, 5000, &cursor) == 0 && r.cap == 5000, "grown to 5000");
	walk(&r, &after);
	ok(after.n == before.n && !memcmp(after.ids, before.ids, before.n * sizeof(before.ids[0])) &&
	   !after.bad, "the same %u records, in order, intact", after.n);
	ok(r.written == written && r.overwritten == over, "the counters kept");
	while (cursor < r.head) {
		cursor = fr_ring_get(&r, cursor, out, sizeof(out), &got);
		memcpy(&id, out, 4);
		if (!n++)
			ok(id == want, "the reader goes on at its next record (%u, want %u)", id, want);
	}
	is_u(n, 5, "and reads the 5 it had not read");
	for (uint32_t i = 300; i < 400; i++) {
		make(buf, i, 24);
		fr_ring_put(&r, buf, 24);
	}
	ok(r.overwritten == over && r.records == after.n + 100, "the room is new: nothing aged out");
	cursor = r.head;
	fr_ring_grow(&r, 8000, &cursor);
	ok(cursor == r.head, "a reader at the head stays at the head");
	fr_ring_free(&r);
}

/* Every record put is held, overwritten, cleared, discarded by a shrink
 * or taken by a filter; a reader's gone counts those it had not reached. */
static bool even(const void *rec, uint32_t len, void *ctx)
{
	uint32_t id;

	(void)ctx;
	memcpy(&id, rec, 4);
	return len >= 4 && !(id & 1);
}

static uint64_t accounted(const struct fr_ring *r)
{
	return r->records + r->overwritten + r->cleared + r->resized + r->taken;
}

static void test_clear_shrink_take(void)
{
	struct fr_ring r;
	struct collect c;
	uint8_t buf[64], out[64];
	uint64_t pos, rec, head;
	uint32_t got, id;
	struct fr_ring_reader rd = { .pos = &pos, .rec = &rec };
	struct fr_ring_reader *const one[1] = { &rd };

	fr_ring_init(&r, 4000);
	for (uint32_t i = 0; i < 300; i++) {
		make(buf, i, 8 + i % 40);
		fr_ring_put(&r, buf, 8 + i % 40);
	}
	/* a reader 7 records behind the head */
	pos = r.tail;
	rec = r.written - r.records;
	while (rec < r.written - 7) {
		pos = fr_ring_get(&r, pos, out, sizeof(out), &got);
		rec++;
	}
	head = r.head;
	ok(accounted(&r) == r.written, "before: every record accounted for");
	is_u(fr_ring_clear_counted(&r, one, 1), r.cleared, "clear: the records cleared");
	ok(r.records == 0 && r.tail == r.head && r.head == head && fr_ring_used(&r) == 0,
	   "the ring is empty, its positions go on");
	is_u(rd.cleared, 7, "the reader lost the 7 it had not read");
	ok(pos == r.head && rec == r.written, "and stands at the head");
	ok(accounted(&r) == r.written, "after the clear: every record accounted for");

	for (uint32_t i = 300; i < 500; i++) {
		make(buf, i, 24);
		fr_ring_put(&r, buf, 24);
	}
	/* a reader 10 records behind; shrink to 20 records of 32 bytes */
	pos = r.tail;
	rec = r.written - r.records;
	rd.cleared = rd.resized = rd.taken = 0;
	while (rec < r.written - 10) {
		pos = fr_ring_get(&r, pos, out, sizeof(out), &got);
		rec++;
	}
	ok(fr_ring_rebuild(&r, 20 * 32, NULL, NULL, one, 1) == 0 && r.cap == 640, "shrunk to 640");
	walk(&r, &c);
	ok(c.n == 20 && c.ids[0] == 480 && c.ids[19] == 499 && !c.bad, "the newest 20 kept, in order");
	ok(accounted(&r) == r.written && r.resized > 0 && r.resizes == 1,
	   "discarded by the shrink: %llu, every record accounted for", (unsigned long long)r.resized);
	ok(fr_ring_reader_gone(&rd) == 0 && rec == r.written - 10, "the reader's 10 were all kept");
	pos = fr_ring_get(&r, pos, out, sizeof(out), &got);
	memcpy(&id, out, 4);
	is_u(id, 490, "and it goes on at its next record");

	/* a reader behind what the shrink keeps */
	pos = r.tail;
	rec = r.written - r.records;
	rd.cleared = rd.resized = rd.taken = 0;
	ok(fr_ring_rebuild(&r, 5 * 32, NULL, NULL, one, 1) == 0, "shrunk to 5 records");
	is_u(rd.resized, 15, "the reader lost the 15 discarded");
	ok(pos == r.tail && rec == r.written - r.records, "and goes on at the oldest");

	/* grown back, then a filter takes the odd ones (keeps the even) */
	ok(fr_ring_rebuild(&r, 4000, NULL, NULL, NULL, 0) == 0 && r.records == 5, "grown, all kept");
	for (uint32_t i = 500; i < 520; i++) {
		make(buf, i, 24);
		fr_ring_put(&r, buf, 24);
	}
	pos = r.head;
	rec = r.written;
	rd.cleared = rd.resized = rd.taken = 0;
	ok(fr_ring_rebuild(&r, r.cap, even, NULL, one, 1) == 0, "filtered");
	walk(&r, &c);
	ok(c.n == 12 && c.ids[0] == 496 && c.ids[11] == 518 && !c.bad, "the even ones stay (%u)", c.n);
	ok(accounted(&r) == r.written && r.taken == 13, "13 taken, every record accounted for");
	ok(fr_ring_reader_gone(&rd) == 0 && rd.clears == 1 && pos == r.head && rec == r.written, "a reader at the head stays there");
	ok(fr_ring_rebuild(&r, 8, NULL, NULL, NULL, 0) == -EINVAL && r.records == 12,
	   "below the minimum: refused, the ring unchanged");
	fr_ring_free(&r);
}

int main(void)
{
	test_basic();
	test_wrap_and_overwrite();
	test_variable_sizes();
	test_too_big();
	test_end_gaps();
	test_follower();
	test_grow();
	test_clear_shrink_take();
	return tap_done();
}
