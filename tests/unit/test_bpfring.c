/* test_bpfring.c: the BPF ring buffer reader against a ring laid out as the
 * kernel lays it out (data mapped twice in a row), filled by hand: records
 * handed over in order, discarded ones skipped, a record still being written
 * stops the drain, a record across the end read whole, the read position
 * published, nonsense lengths refused. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "record/bpfring.h"
#include "tap.h"

#define SIZE 4096u	/* one page: the smallest real ring */

struct fake {
	uint64_t consumer, producer;
	uint8_t *data;
	struct fr_bpfring b;
};

static int fake_init(struct fake *f)
{
	int fd = memfd_create("bpfring-test", 0);
	uint8_t *p;

	memset(f, 0, sizeof(*f));
	if (fd < 0 || ftruncate(fd, SIZE) < 0)
		return -1;
	p = mmap(NULL, 2 * SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED ||
	    mmap(p, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    mmap(p + SIZE, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		return -1;
	close(fd);
	f->data = p;
	f->b.consumer = &f->consumer;
	f->b.producer = &f->producer;
	f->b.data = p;
	f->b.mask = SIZE - 1;
	return 0;
}

/* Append a record of len bytes whose first byte is tag, with flags in
 * the length word; returns its header. */
static uint8_t *produce(struct fake *f, uint32_t len, uint8_t tag, uint32_t flags)
{
	uint8_t *h = f->data + (f->producer & (SIZE - 1));
	uint32_t word = len | flags;

	memcpy(h, &word, 4);
	memset(h + 4, 0, 4);
	memset(h + FR_BPFRING_HDR, tag, len);
	f->producer += (len + FR_BPFRING_HDR + 7) & ~7u;
	return h;
}

struct seen {
	struct fake *f;
	uint64_t published;	/* the consumer position seen mid-drain */
	unsigned n;
	uint8_t tags[64];
	uint32_t lens[64];
	int torn;
};

static void cb(void *ctx, const void *data, uint32_t len)
{
	struct seen *s = ctx;
	const uint8_t *d = data;

	for (uint32_t i = 1; i < len; i++)
		if (d[i] != d[0])
			s->torn++;
	if (s->n < 64) {
		s->tags[s->n] = d[0];
		s->lens[s->n] = len;
	}
	s->n++;
	if (s->f && *s->f->b.consumer > s->published)
		s->published = *s->f->b.consumer;
}

int main(void)
{
	struct fake f;
	struct seen s = { 0 };
	uint8_t *busy;
	uint64_t n;

	if (fake_init(&f)) {
		ok(0, "cannot build a mirrored mapping");
		return tap_done();
	}

	produce(&f, 32, 1, 0);
	produce(&f, 13, 2, FR_BPFRING_DISCARD);
	produce(&f, 40, 3, 0);
	n = fr_bpfring_consume(&f.b, cb, &s);
	is_u(n, 2, "two committed records handed over, the discarded one skipped");
	ok(s.n == 2 && s.tags[0] == 1 && s.tags[1] == 3 && s.lens[0] == 32 && s.lens[1] == 40,
	   "in order, with their lengths");
	is_u(f.consumer, f.producer, "the read position is published when drained");

	/* a record still being written holds back those after it */
	memset(&s, 0, sizeof(s));
	{
		uint64_t at = f.producer;

		busy = produce(&f, 24, 4, FR_BPFRING_BUSY);
		produce(&f, 24, 5, 0);
		n = fr_bpfring_consume(&f.b, cb, &s);
		is_u(n, 0, "nothing passes a record still being written");
		ok(f.b.pos == at && f.consumer == at, "position left at the busy record");
	}
	{
		uint32_t word = 24;

		memcpy(busy, &word, 4);	/* committed */
	}
	n = fr_bpfring_consume(&f.b, cb, &s);
	ok(n == 2 && s.tags[0] == 4 && s.tags[1] == 5, "both once it is committed");

	/* fill up to near the end (the ring holding no more than its size):
	 * a record crossing the end reads whole */
	memset(&s, 0, sizeof(s));
	while ((f.producer & (SIZE - 1)) < SIZE - 128)
		produce(&f, 56, 6, 0);
	produce(&f, 200, 7, 0);		/* crosses the end of the data */
	n = fr_bpfring_consume(&f.b, cb, &s);
	ok(n > 1 && s.tags[(n - 1) % 64] == 7 && s.lens[(n - 1) % 64] == 200 && !s.torn,
	   "a record across the end of the data is read whole (%llu records)",
	   (unsigned long long)n);
	is_u(f.consumer, f.producer, "and the position published after the wrap");

	/* larger records */
	memset(&s, 0, sizeof(s));
	for (unsigned k = 0; k < 3; k++)
		produce(&f, 1000, 8, 0);
	n = fr_bpfring_consume(&f.b, cb, &s);
	ok(n == 3 && !s.torn, "records of 1000 bytes read whole");

	/* a long drain tells the kernel how far it got as it goes */
	memset(&s, 0, sizeof(s));
	s.f = &f;
	f.b.publish = 256;
	{
		uint64_t start = f.producer;

		for (unsigned k = 0; k < 40; k++)
			produce(&f, 56, 9, 0);
		n = fr_bpfring_consume(&f.b, cb, &s);
		ok(n == 40 && s.published >= start + 256 && s.published < f.producer,
		   "the position is published during a drain, not only at its end");
		is_u(f.consumer, f.producer, "and at its end");
	}
	f.b.publish = FR_BPFRING_PUBLISH;

	/* a length that cannot be: stop, count it, do not walk on */
	memset(&s, 0, sizeof(s));
	{
		uint8_t *h = f.data + (f.producer & (SIZE - 1));
		uint32_t word = SIZE * 4;

		memcpy(h, &word, 4);
		f.producer += 64;
	}
	n = fr_bpfring_consume(&f.b, cb, &s);
	ok(n == 0 && f.b.bad == 1, "a length larger than the ring is refused and counted");
	n = fr_bpfring_consume(&f.b, cb, &s);
	ok(n == 0 && f.b.bad == 2, "and the reader stays stopped there");
	return tap_done();
}
