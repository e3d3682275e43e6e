/* test_ringfile.c: ring files: the size bound, wrap-around with what is
 * overwritten counted, sequence order, the reader's tolerance of the gaps a
 * ring file always has, and its reports of real damage. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "base/log.h"
#include "base/util.h"
#include "synth.h"
#include "tap.h"

static char dir[] = "/tmp/frtest-ring-XXXXXX";

static char *path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

struct walk {
	uint64_t n, first, last, steps_off;
	uint64_t since, until, outside;
};

static int walk_cb(const void *rec, uint32_t len, void *ctx)
{
	const struct fr_hdr *h = rec;
	struct walk *w = ctx;

	(void)len;
	if (h->ts < w->since || h->ts >= w->until) {
		w->outside++;
		return 0;
	}
	if (w->n && h->ts != w->last + 1000)
		w->steps_off++;	/* events are 1 us apart: any other step is a hole */
	if (!w->n)
		w->first = h->ts;
	w->last = h->ts;
	w->n++;
	return 0;
}

static struct walk read_ring(const char *p, unsigned *problems, bool *ring, struct fr_capture **keep)
{
	struct walk w = { .until = UINT64_MAX };
	struct fr_capture *cap;
	char err[512];

	*problems = ~0u;
	if (fr_capture_open(p, &cap, err, sizeof(err))) {
		printf("# %s\n", err);
		return w;
	}
	fr_capture_foreach(cap, walk_cb, &w);
	*problems = cap->problems;
	*ring = cap->ring;
	if (keep)
		*keep = cap;
	else
		fr_capture_close(cap);
	return w;
}

static off_t size_of(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : st.st_size;
}

/* names in the test directory */
static void copy(const char *from, const char *to)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cp '%s/%s' '%s/%s'", dir, from, dir, to);
	if (system(cmd))
		perror("cp");
}

static void poke(const char *p, off_t off, const void *bytes, size_t n)
{
	int fd = open(p, O_RDWR);

	if (pwrite(fd, bytes, n, off) != (ssize_t)n)
		perror("pwrite");
	close(fd);
}

/* n EVENTS segments of 100 syscall entries 1 us apart from t */
static void write_segs(struct fr_ringfile *rf, uint64_t t, unsigned n)
{
	struct fr_sys_enter en[100];

	for (unsigned k = 0; k < n; k++) {
		uint64_t t0 = t;

		for (unsigned i = 0; i < 100; i++, t += 1000)
			en[i] = (struct fr_sys_enter){ .h = { t, SYNTH_PID, SYNTH_PID, FR_EV_SYS_ENTER,
							      sizeof(en[0]), 0, 0 }, .id = 110 };
		fr_rf_write(rf, FR_SEG_EVENTS, en, sizeof(en), 100, t0, t - 1000);
	}
}

int main(void)
{
	const uint64_t max = 1 << 20;
	struct fr_ringfile rf;
	struct fr_capture *cap = NULL;
	struct walk w;
	unsigned problems;
	bool ring = false;
	uint64_t left, newest;
	int fd;


	fr_verbosity = FR_QUIET;
	if (!mkdtemp(dir))
		return 1;

	/* too small for the metadata and four segments */
	fd = fr_create_private(path("tiny.frec"), false);
	{
		cJSON *meta = synth_meta();

		ok(fr_rf_open(&rf, fd, 16 << 10, meta) == -ENOSPC,
		   "a bound too small for four segments is refused");
		cJSON_Delete(meta);
	}
	fr_rf_close(&rf);

	/* a file written about three times round */
	fd = fr_create_private(path("ring.frec"), false);
	ok(synth_ring_write(fd, max, 700, 500, true, &rf) == 0, "write 700 segments into a 1 MiB ring file");
	left = rf.stored - rf.overwritten;
	newest = SYNTH_T0 + (700ULL * 500 - 1) * 2000 + 1000;
	ok(rf.overwritten > 0 && rf.wraps >= 2, "it wrapped (%llu times) and counted %llu events overwritten",
	   (unsigned long long)rf.wraps, (unsigned long long)rf.overwritten);
	ok(size_of(path("ring.frec")) <= (off_t)max, "the file stays within its bound (%lld <= %llu)",
	   (long long)size_of(path("ring.frec")), (unsigned long long)max);
	w = read_ring(path("ring.frec"), &problems, &ring, &cap);
	ok(ring, "the reader knows it for a ring file");
	is_u(problems, 0, "wrap-around is not damage");
	is_u(w.n, left, "every event the writer did not overwrite is read");
	is_u(w.steps_off, 0, "in time order, with no hole");
	is_u(w.last, newest, "the newest event is the last one written");
	ok(cap && cap->procs && cJSON_GetArraySize(cap->procs) == 1,
	   "the process table survives the wrap and is merged into one");
	ok(cap && cap->end && !cap->status, "END is found");
	{
		/* the segment index: a window in the middle */
		struct walk r = { .since = w.first + 100000000ULL, .until = w.first + 100500000ULL };

		fr_capture_foreach_range(cap, r.since, r.until, walk_cb, &r);
		is_u(r.n, 500, "a 0.5 ms window holds its 500 events");
		ok(r.outside < 2000, "and only the segments at its edges are read (%llu outside)",
		   (unsigned long long)r.outside);
	}
	fr_capture_close(cap);

	/* cleared while recording (ctl clear): every segment of the area is
	 * dropped, the file goes on from its start and reads clean */
	fd = fr_create_private(path("cleared.frec"), false);
	{
		uint64_t before, t = SYNTH_T0;
		cJSON *end = cJSON_CreateObject(), *meta = synth_meta();

		fr_rf_open(&rf, fd, max, meta);
		cJSON_Delete(meta);
		write_segs(&rf, t, 20);
		before = rf.stored - rf.overwritten;
		t = SYNTH_T0 + 3000000000ULL;
		ok(fr_rf_clear(&rf) == 0 && rf.pos == rf.ring_start, "cleared: back at the area's start");
		is_u(rf.cleared, before, "the events the file held are counted as cleared");
		write_segs(&rf, t, 3);
		cJSON_AddObjectToObject(end, "counters");
		fr_rf_write_json(&rf, FR_SEG_END, end);
		cJSON_Delete(end);
		fr_rf_close(&rf);
		w = read_ring(path("cleared.frec"), &problems, &ring, NULL);
		is_u(problems, 0, "a cleared file is not damaged");
		is_u(w.n, 300, "it holds the 300 events written after the clear, none before");
		is_u(w.first, SYNTH_T0 + 3000000000ULL, "from the first one after it");
		is_u(w.steps_off, 0, "in order, with no hole");
	}

	/* a recorder killed: no END, the last STATUS stands in */
	fd = fr_create_private(path("killed.frec"), false);
	synth_ring_write(fd, max, 700, 500, false, &rf);
	w = read_ring(path("killed.frec"), &problems, &ring, &cap);
	is_u(problems, 1, "a ring file without END is incomplete (one problem)");
	ok(cap && !cap->end && cap->status, "its last STATUS is used for the counters");
	fr_capture_close(cap);

	/* killed while writing over the oldest segment: its header spoiled,
	 * the new payload out, the new header not */
	copy("ring.frec", "torn.frec");
	w = read_ring(path("ring.frec"), &problems, &ring, &cap);
	{
		off_t at = -1;
		char junk[3000];

		for (size_t i = 0; i < cap->nsegs && at < 0; i++)
			if (cap->segs[i].h.type == FR_SEG_EVENTS)
				at = cap->segs[i].offset - sizeof(struct fr_seg_header);
		fr_capture_close(cap);
		memset(junk, 0xa5, sizeof(junk));
		poke(path("torn.frec"), at, "\0\0\0\0", 4);
		poke(path("torn.frec"), at + 48, junk, sizeof(junk));
	}
	w = read_ring(path("torn.frec"), &problems, &ring, NULL);
	is_u(problems, 0, "a torn write over the oldest segment is not damage");
	is_u(w.n, left - 1000, "it cost that segment only");
	is_u(w.steps_off, 0, "what is left has no hole");

	/* real damage in the middle is reported */
	w = read_ring(path("ring.frec"), &problems, &ring, &cap);
	{
		const struct fr_cap_seg *mid = NULL;
		unsigned char b = 0;

		for (size_t i = cap->nsegs / 2; i < cap->nsegs && !mid; i++)
			if (cap->segs[i].h.type == FR_SEG_EVENTS)
				mid = &cap->segs[i];
		copy("ring.frec", "flip.frec");
		copy("ring.frec", "hdr.frec");
		if (mid) {
			int f = open(path("flip.frec"), O_RDWR);

			if (pread(f, &b, 1, mid->offset + 10) == 1) {
				b ^= 0x5a;
				if (pwrite(f, &b, 1, mid->offset + 10) != 1)
					perror("pwrite");
			}
			close(f);
			poke(path("hdr.frec"), mid->offset - 40, "\xff\xff", 2);
		}
		fr_capture_close(cap);
		w = read_ring(path("flip.frec"), &problems, &ring, NULL);
		is_u(problems, 1, "a flipped byte in a middle segment is reported");
		is_u(w.n, left - 1000, "and only that segment's 1000 events are lost");
		is_u(w.steps_off, 1, "leaving one hole");
		w = read_ring(path("hdr.frec"), &problems, &ring, NULL);
		is_u(problems, 1, "a damaged header in the middle is reported");
		is_u(w.n, left - 1000, "and the reader resumes at the next segment");
	}
	/* cut short, and the last segment before the slack damaged: both
	 * would otherwise pass for the gaps every ring file has */
	w = read_ring(path("ring.frec"), &problems, &ring, &cap);
	{
		const struct fr_cap_seg *head = &cap->segs[cap->nsegs - 1], *cut = NULL, *last = NULL;
		uint32_t oldest = UINT32_MAX;

		for (size_t i = 0; i < cap->nsegs; i++) {
			const struct fr_cap_seg *g = &cap->segs[i];

			if (g->offset < (off_t)cap->hdr.ring_start)
				continue;
			if (g->h.seq < oldest)
				oldest = g->h.seq;
			if (!cut && g->offset > head->offset && g->h.type == FR_SEG_EVENTS)
				cut = g;
		}
		for (size_t i = 0; i < cap->nsegs; i++) {
			const struct fr_cap_seg *g = &cap->segs[i];

			if (g->offset >= (off_t)cap->hdr.ring_start && g->h.seq != oldest &&
			    (!last || g->offset > last->offset))
				last = g;
		}
		ok(cut && last, "the file has old segments after its newest one");
		copy("ring.frec", "cut.frec");
		copy("ring.frec", "last.frec");
		if (cut && truncate(path("cut.frec"), cut->offset + 100))
			perror("truncate");
		if (last)
			poke(path("last.frec"), last->offset - 40, "\xff\xff", 2);
		fr_capture_close(cap);
		w = read_ring(path("cut.frec"), &problems, &ring, NULL);
		ok(problems >= 1, "a ring file cut short is reported (%u problems)", problems);
		w = read_ring(path("last.frec"), &problems, &ring, NULL);
		is_u(problems, 1, "a damaged last segment before the slack is reported (a hole in seq)");
	}
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			perror("rm");
	}
	return tap_done();
}
