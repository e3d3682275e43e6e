/* test_stream.c: the ring-file writer without a recorder: an in-memory
 * ring filled with synthetic records, moved into a ring file, read back:
 * every event once and in time order, the counters of END (what left the
 * memory ring before it was written, what the file's wrap overwrote), the
 * tasks the file's events name, the trace labels, and the writer's thread
 * taking records under the ring's lock while more come. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "base/log.h"
#include "record/stream.h"
#include "synth.h"
#include "tap.h"

static char dir[] = "/tmp/frtest-stream-XXXXXX";

static char *path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/* What the recorder would be: a ring, its lock, its trace table. */
struct rec {
	struct fr_ring ring;
	pthread_mutex_t lock;
	uint64_t drained_ns;
	uint8_t (*trace_ids)[16];
	unsigned ntraces;
	uint64_t *file_slot_ts, file_oldest_ts;
	struct fr_map_fill maps[FR_NMAPS];
	uint64_t stop_ns;
	unsigned counted;	/* calls of the counters */
};

static void rec_counters(void *ctx, struct fr_counters *k)
{
	struct rec *r = ctx;

	memset(k, 0, sizeof(*k));
	pthread_mutex_lock(&r->lock);
	k->received = r->ring.written;
	k->overwritten = r->ring.overwritten;	/* the writer says otherwise */
	k->ring_used_bytes = fr_ring_used(&r->ring);
	r->counted++;
	pthread_mutex_unlock(&r->lock);
	k->dropped = 7;
	k->inflight_unmatched = 4;
}

static void rec_init(struct rec *r, uint64_t ring_size)
{
	static uint8_t ids[FR_MAX_TRACES][16] = { { 0xab, 0xcd } };

	memset(r, 0, sizeof(*r));
	fr_ring_init(&r->ring, ring_size);
	pthread_mutex_init(&r->lock, NULL);
	r->drained_ns = UINT64_MAX;
	r->trace_ids = ids;
	r->ntraces = 1;
	r->maps[0] = (struct fr_map_fill){ "follow", 5, 65536, 0 };
	r->maps[1] = (struct fr_map_fill){ "traces", 0, 4096, 0 };
	r->maps[2] = (struct fr_map_fill){ "inflight", 0, 8192, 2 };
	r->stop_ns = SYNTH_T0 + 12345;
}

static void rec_free(struct rec *r)
{
	fr_ring_free(&r->ring);
	pthread_mutex_destroy(&r->lock);
}

static struct fr_stream_src rec_src(struct rec *r)
{
	return (struct fr_stream_src){
		.ring = &r->ring, .lock = &r->lock, .drained_ns = &r->drained_ns,
		.trace_ids = &r->trace_ids, .ntraces = &r->ntraces,
		.file_slot_ts = &r->file_slot_ts, .file_oldest_ts = &r->file_oldest_ts,
		.counters = rec_counters, .ctx = r, .maps = r->maps, .stop_ns = &r->stop_ns,
	};
}

static int open_stream(struct fr_stream *s, struct rec *r, const char *name, uint64_t max_size,
		       struct fr_proctab *pt)
{
	struct fr_stream_src src = rec_src(r);
	cJSON *meta = synth_meta();
	int fd = open(path(name), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err;

	err = fd < 0 ? -1 : fr_stream_open(s, fd, path(name), max_size, meta, &src, pt);
	cJSON_Delete(meta);
	return err;
}

struct seen {
	uint64_t n, unordered, labelled, last_ts, first_ts;
	uint8_t named[1 << 16];	/* by tid - SYNTH_RING_PARENT */
	unsigned ntasks;
};

static int see(const void *rec, uint32_t len, void *arg)
{
	const struct fr_hdr *h = rec;
	struct seen *s = arg;
	uint32_t tids[4];
	unsigned n;

	(void)len;
	if (!s->n)
		s->first_ts = h->ts;
	s->n++;
	s->unordered += h->ts < s->last_ts;
	s->labelled += h->flags != 0;
	s->last_ts = h->ts;
	n = fr_rec_tids(rec, tids);
	for (unsigned i = 0; i < n; i++) {
		uint32_t k = tids[i] - SYNTH_RING_PARENT;

		if (tids[i] >= SYNTH_RING_PARENT && k < sizeof(s->named) && !s->named[k]) {
			s->named[k] = 1;
			s->ntasks++;
		}
	}
	return 0;
}

static double num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);

	return cJSON_IsNumber(x) ? x->valuedouble : 1e15;	/* absent: no count is that */
}

static struct fr_capture *read_back(const char *name, struct seen *s)
{
	struct fr_capture *cap = NULL;
	char err[512];

	memset(s, 0, sizeof(*s));
	if (fr_capture_open(path(name), &cap, err, sizeof(err))) {
		printf("# %s\n", err);
		return NULL;
	}
	fr_capture_foreach(cap, see, s);
	return cap;
}

/* Every task the file's events name is in its table and, when exact,
 * no other (a file that wrapped keeps older tables too). */
static void check_procs(const struct fr_capture *cap, const struct seen *s, bool exact,
			const char *what)
{
	unsigned n = 0, unnamed = 0;
	const cJSON *e;

	cJSON_ArrayForEach(e, cap->procs) {
		const cJSON *tid = cJSON_GetObjectItemCaseSensitive(e, "tid");
		uint32_t k = cJSON_IsNumber(tid) ? (uint32_t)tid->valuedouble - SYNTH_RING_PARENT : ~0u;

		n++;
		if (k >= sizeof(s->named) || !s->named[k])
			unnamed++;
	}
	is_u(n - unnamed, s->ntasks, "%s: the table holds every task the events name", what);
	if (exact)
		is_u(unnamed, 0, "%s: and none that they do not name", what);
}

/* Records from before the file and after: all of them, once, in order. */
static void test_all_written(void)
{
	static struct seen s;
	struct rec r;
	struct fr_stream st;
	struct fr_proctab pt = { 0 };
	struct fr_snapshot_info info = { .exit_status = 3 };
	struct fr_capture *cap;
	int err;

	rec_init(&r, 4u << 20);
	synth_ring_parent(&pt);
	fr_proctab_get(&pt, SYNTH_RING_PARENT + 60000, true);	/* named by no event */
	synth_ring_fill(&r.ring, 0, 100, 1, NULL);	/* before the file existed */
	err = open_stream(&st, &r, "all.frec", 16u << 20, &pt);
	is_u(err, 0, "all: the ring file opened");
	ok(r.file_slot_ts && r.file_slot_ts == st.slot_ts, "all: the recorder knows the file's trace slots");
	synth_ring_fill(&r.ring, 100, 900, 1, NULL);
	err = fr_stream_finish(&st, &info);
	is_u(err, 0, "all: finished");
	ok(!r.file_slot_ts, "all: and the recorder no longer looks at them");
	ok(r.file_oldest_ts == SYNTH_T0, "all: the file's oldest record is the first");
	ok(r.counted >= 1, "all: the counters were read through the source");

	cap = read_back("all.frec", &s);
	ok(cap != NULL, "all: the ring file reads back");
	if (!cap)
		goto out;
	is_u(cap->problems, 0, "all: without a problem");
	is_u(s.n, 1000 * SYNTH_RING_PER, "all: every record, those from before the file included");
	is_u(s.unordered, 0, "all: in time order");
	is_u(s.labelled, 500 * 2, "all: the trace labels kept");
	is_u(num(cap->end, "counters", "received"), 1000 * SYNTH_RING_PER, "all: END: received as given");
	is_u(num(cap->end, "counters", "dropped"), 7, "all: END: dropped as given");
	is_u(num(cap->end, "counters", "inflight_unmatched"), 4, "all: END: inflight_unmatched as given");
	is_u(num(cap->end, "counters", "stored"), 1000 * SYNTH_RING_PER, "all: END: stored");
	is_u(num(cap->end, "counters", "unwritten"), 0, "all: END: nothing unwritten");
	is_u(num(cap->end, "counters", "file_overwritten"), 0, "all: END: nothing overwritten in the file");
	is_u(num(cap->end, "counters", "overwritten"), 0, "all: END: overwritten is the file's");
	is_u(num(cap->end, "counters", "tasks_held"), 1001, "all: END: the file's tasks held");
	is_u(num(cJSON_GetObjectItemCaseSensitive(cap->end, "maps"), "inflight", "misses"), 2,
	     "all: END: the maps' fill");
	{
		const cJSON *stop = cJSON_GetObjectItemCaseSensitive(cap->end, "stop_ns");
		const cJSON *ex = cJSON_GetObjectItemCaseSensitive(cap->end, "exit_status");
		const cJSON *t1 = cJSON_GetObjectItemCaseSensitive(fr_capture_traces(cap), "1");

		ok(cJSON_IsNumber(stop) && stop->valuedouble == (double)(SYNTH_T0 + 12345),
		   "all: END: the stop time");
		ok(cJSON_IsNumber(ex) && ex->valuedouble == 3, "all: END: the exit status");
		ok(cJSON_IsString(t1) && !strncmp(t1->valuestring, "abcd0000", 8), "all: END: the trace labels");
	}
	check_procs(cap, &s, true, "all");
	fr_capture_close(cap);
out:
	fr_proctab_free(&pt);
	rec_free(&r);
}

/* The memory ring wraps before the writer takes anything: what left it
 * unwritten is counted, the rest is in the file. */
static void test_unwritten(void)
{
	static struct seen s;
	struct rec r;
	struct fr_stream st;
	struct fr_proctab pt = { 0 };
	struct fr_snapshot_info info = { .exit_status = -1 };
	struct fr_capture *cap;
	int err;

	rec_init(&r, 64u << 10);
	synth_ring_parent(&pt);
	err = open_stream(&st, &r, "unwritten.frec", 16u << 20, &pt);
	is_u(err, 0, "unwritten: the ring file opened");
	synth_ring_fill(&r.ring, 0, 4000, 0, NULL);
	ok(r.ring.overwritten > 0, "unwritten: the memory ring wrapped (%llu records overwritten)",
	   (unsigned long long)r.ring.overwritten);
	err = fr_stream_finish(&st, &info);
	is_u(err, 0, "unwritten: finished");
	cap = read_back("unwritten.frec", &s);
	ok(cap != NULL, "unwritten: the ring file reads back");
	if (!cap)
		goto out;
	is_u(s.n, r.ring.records, "unwritten: the file holds what the ring still held");
	is_u(s.unordered, 0, "unwritten: in time order");
	is_u(num(cap->end, "counters", "unwritten"), r.ring.overwritten,
	     "unwritten: END: what left the ring before it was written");
	is_u(num(cap->end, "counters", "file_overwritten"), 0, "unwritten: END: the file did not wrap");
	is_u(num(cap->end, "counters", "overwritten"), r.ring.overwritten,
	     "unwritten: END: overwritten is the file's and the unwritten");
	is_u(num(cap->end, "counters", "stored") + num(cap->end, "counters", "unwritten"), r.ring.written,
	     "unwritten: END: stored and unwritten are every record");
	ok(!cJSON_GetObjectItemCaseSensitive(cap->end, "exit_status"), "unwritten: no exit status");
	check_procs(cap, &s, true, "unwritten");
	fr_capture_close(cap);
out:
	fr_proctab_free(&pt);
	rec_free(&r);
}

/* A file smaller than what goes through it: it wraps, counts what it
 * overwrote, and its table holds the tasks its events still name. */
static void test_file_wrap(void)
{
	enum { GROUPS = 30000 };
	static struct seen s;
	struct rec r;
	struct fr_stream st;
	struct fr_proctab pt = { 0 };
	struct fr_snapshot_info info = { .exit_status = -1 };
	struct fr_capture *cap;
	double stored, over;
	int err;

	rec_init(&r, 16u << 20);
	synth_ring_parent(&pt);
	err = open_stream(&st, &r, "wrap.frec", 256u << 10, &pt);
	is_u(err, 0, "wrap: the ring file opened");
	synth_ring_fill(&r.ring, 0, GROUPS, 0, NULL);
	is_u(r.ring.overwritten, 0, "wrap: the memory ring held everything");
	err = fr_stream_finish(&st, &info);
	is_u(err, 0, "wrap: finished");
	ok(st.rf.wraps > 0, "wrap: the file wrapped (%llu times)", (unsigned long long)st.rf.wraps);
	cap = read_back("wrap.frec", &s);
	ok(cap != NULL, "wrap: the ring file reads back");
	if (!cap)
		goto out;
	is_u(cap->problems, 0, "wrap: without a problem");
	stored = num(cap->end, "counters", "stored");
	over = num(cap->end, "counters", "file_overwritten");
	is_u(stored, GROUPS * SYNTH_RING_PER, "wrap: END: every record was stored");
	ok(over > 0, "wrap: END: %.0f overwritten in the file", over);
	is_u(s.n, stored - over, "wrap: the file holds what was stored and not overwritten");
	is_u(s.unordered, 0, "wrap: in time order");
	ok(s.last_ts == SYNTH_T0 + (GROUPS - 1) * SYNTH_RING_STEP + 1100, "wrap: the newest record is there");
	is_u(num(cap->end, "counters", "overwritten"), over, "wrap: END: overwritten is the file's");
	is_u(num(cap->end, "counters", "unwritten"), 0, "wrap: END: nothing unwritten");
	is_u(num(cap->end, "counters", "tasks_held"), s.ntasks, "wrap: END: the tasks held are those named");
	ok(num(cap->end, "counters", "tasks_evicted") > 0, "wrap: END: the tasks of what was overwritten went");
	/* as of the last events written: END may have overwritten more */
	ok(r.file_oldest_ts > SYNTH_T0 && r.file_oldest_ts <= s.first_ts,
	   "wrap: the recorder knows how old the file's oldest record is");
	check_procs(cap, &s, false, "wrap");
	ok(cJSON_GetArraySize(cap->procs) < GROUPS, "wrap: the file's table forgot tasks (%d held)",
	   cJSON_GetArraySize(cap->procs));
	fr_capture_close(cap);
out:
	fr_proctab_free(&pt);
	rec_free(&r);
}

/* The events in the file once they reach want, or after 3 s. */
static uint64_t wait_stored(const struct fr_stream *st, uint64_t want)
{
	uint64_t n = 0;

	for (int i = 0; i < 300; i++) {
		struct timespec ts = { 0, 10000000 };

		n = __atomic_load_n(&st->pub_stored, __ATOMIC_RELAXED);
		if (n >= want)
			break;
		nanosleep(&ts, NULL);
	}
	return n;
}

/* The writer's thread takes records under the lock while more come,
 * holding back what is newer than the last drain. */
static void test_thread(void)
{
	enum { ROUNDS = 20, PER_ROUND = 200 };
	static struct seen s;
	struct rec r;
	struct fr_stream st;
	struct fr_proctab pt = { 0 };
	struct fr_snapshot_info info = { .exit_status = -1 };
	struct fr_capture *cap;
	uint64_t stored = 0;
	int err;

	rec_init(&r, 8u << 20);
	r.drained_ns = 0;
	synth_ring_parent(&pt);
	err = open_stream(&st, &r, "thread.frec", 16u << 20, &pt);
	is_u(err, 0, "thread: the ring file opened");
	err = fr_stream_start(&st);
	is_u(err, 0, "thread: started");
	for (unsigned k = 0; k < ROUNDS; k++) {
		struct timespec ts = { 0, 20000000 };

		pthread_mutex_lock(&r.lock);
		synth_ring_fill(&r.ring, k * PER_ROUND, PER_ROUND, 0, NULL);
		/* as the recorder does: every event before the drain is in */
		r.drained_ns = SYNTH_T0 + (k + 1) * PER_ROUND * SYNTH_RING_STEP;
		pthread_mutex_unlock(&r.lock);
		nanosleep(&ts, NULL);
	}
	/* a second or so: the file is never more than that behind; the last
	 * 25 ms before the drain are held back, a later batch may hold
	 * earlier events */
	stored = wait_stored(&st, (ROUNDS * PER_ROUND - 2500) * SYNTH_RING_PER);
	is_u(stored, (ROUNDS * PER_ROUND - 2500) * SYNTH_RING_PER,
	     "thread: what is older than the last drain by 25 ms is in the file");
	pthread_mutex_lock(&r.lock);
	r.drained_ns = UINT64_MAX;
	pthread_mutex_unlock(&r.lock);
	stored = wait_stored(&st, ROUNDS * PER_ROUND * SYNTH_RING_PER);
	is_u(stored, ROUNDS * PER_ROUND * SYNTH_RING_PER, "thread: then the rest");
	err = fr_stream_finish(&st, &info);
	is_u(err, 0, "thread: finished");
	cap = read_back("thread.frec", &s);
	ok(cap != NULL, "thread: the ring file reads back");
	if (!cap)
		goto out;
	is_u(s.n, ROUNDS * PER_ROUND * SYNTH_RING_PER, "thread: every record once");
	is_u(s.unordered, 0, "thread: in time order");
	is_u(num(cap->end, "counters", "late"), 0, "thread: none late");
	check_procs(cap, &s, true, "thread");
	fr_capture_close(cap);
out:
	fr_proctab_free(&pt);
	rec_free(&r);
}

int main(void)
{
	fr_verbosity = FR_QUIET;
	if (!mkdtemp(dir))
		return 1;
	test_all_written();
	test_unwritten();
	test_file_wrap();
	test_thread();
	unlink(path("all.frec"));
	unlink(path("unwritten.frec"));
	unlink(path("wrap.frec"));
	unlink(path("thread.frec"));
	rmdir(dir);
	return tap_done();
}
