/* test_snapshot.c: the snapshot writer without a recorder: a ring filled
 * with synthetic records, written as a capture (the whole ring, or a time
 * window of it) and read back: the events in time order and exactly those
 * held, the counters given in END, the trace labels, and a table of the
 * tasks the events name and no other. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "base/log.h"
#include "record/snapshot.h"
#include "synth.h"
#include "tap.h"

static char dir[] = "/tmp/frtest-snap-XXXXXX";

static char *path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/* What a walk of records finds: how many, in time order or not, and the
 * tasks they name. */
struct seen {
	uint64_t n, labelled, unordered, last_ts;
	uint64_t from, to;
	uint8_t named[4096];	/* by tid - SYNTH_RING_PARENT */
	unsigned ntasks;
};

static int see(const void *rec, uint32_t len, void *arg)
{
	const struct fr_hdr *h = rec;
	struct seen *s = arg;
	uint32_t tids[4];
	unsigned n;

	(void)len;
	if (h->ts < s->from || h->ts > s->to)
		return 0;
	s->n++;
	s->labelled += h->flags != 0;
	s->unordered += h->ts < s->last_ts;
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

/* The counters a recorder would give for ring, with a few of its own. */
static void counters_of(const struct fr_ring *ring, struct fr_counters *k)
{
	memset(k, 0, sizeof(*k));
	k->received = ring->written;
	k->dropped = 7;
	k->follow_map_full = 3;
	k->overwritten = ring->overwritten;
	k->overwritten_bytes = ring->overwritten_bytes;
	k->ring_used_bytes = fr_ring_used(ring);
	k->tasks_held = 11;
	k->traces_recycled = 2;
	/* a writer's own figures, which the snapshot sets itself */
	k->stored = 999999;
	k->ring_file = true;
}

static double num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);

	return cJSON_IsNumber(x) ? x->valuedouble : 1e15;	/* absent: no count is that */
}

/* Every task of the capture's table is one the events name, and every
 * task they name is there. */
static void check_procs(const struct fr_capture *cap, const struct seen *s, const char *what)
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
	is_u(n, s->ntasks, "%s: the table holds as many tasks as the events name", what);
	is_u(unnamed, 0, "%s: and none that they do not name", what);
}

static struct fr_capture *open_cap(const char *p)
{
	struct fr_capture *cap = NULL;
	char err[512];

	if (fr_capture_open(p, &cap, err, sizeof(err))) {
		printf("# %s\n", err);
		return NULL;
	}
	return cap;
}

static const uint8_t trace_ids[2][16] = {
	{ 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 },
	{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 },
};

/* The whole of a ring that wrapped: what it holds, sorted. */
static void test_whole_ring(void)
{
	enum { GROUPS = 3000 };
	struct fr_ring ring;
	struct fr_proctab known = { 0 };
	struct fr_counters k;
	struct fr_snapshot_info info = { .exit_status = 5 };
	struct fr_map_fill maps[FR_NMAPS] = { { "follow", 1, 65536, 0 }, { "traces", 2, 4096, 1 },
					      { "inflight", 0, 8192, 0 } };
	struct fr_snap_ctx c = { .tasks = &known, .trace_ids = trace_ids, .ntraces = 2,
				 .maps = maps, .stop_ns = SYNTH_T0 + 99 };
	struct fr_snapshot_result res = { 0 };
	struct fr_cap_writer w = { .fd = -1 };
	struct seen in_ring = { .to = UINT64_MAX }, in_cap = { .to = UINT64_MAX };
	struct fr_capture *cap;
	cJSON *meta = synth_meta();
	int fd, err;

	fr_ring_init(&ring, 64u << 10);
	synth_ring_parent(&known);
	/* a task the recorder knows that no record names */
	fr_proctab_get(&known, SYNTH_RING_PARENT + 4000, true);
	synth_ring_fill(&ring, 0, GROUPS, 1, &known);
	ok(ring.overwritten > 0, "the ring wrapped: %llu records overwritten",
	   (unsigned long long)ring.overwritten);
	fr_ring_foreach(&ring, see, &in_ring);
	ok(in_ring.unordered > 0, "the ring holds records out of time order");
	counters_of(&ring, &k);
	c.meta = meta;

	fd = open(path("whole.frec"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	err = fd < 0 ? -1 : fr_capw_open(&w, fd);
	if (!err)
		err = fr_snapshot_write(&ring, &k, &c, &info, &w, &res);
	is_u(err, 0, "the whole ring written");
	is_u(res.events, ring.records, "every record the ring holds went out (%llu)",
	     (unsigned long long)res.events);

	cap = open_cap(path("whole.frec"));
	ok(cap != NULL, "and the capture reads back");
	if (!cap)
		goto out;
	is_u(cap->problems, 0, "without a problem");
	fr_capture_foreach(cap, see, &in_cap);
	is_u(in_cap.n, ring.records, "the capture holds exactly the ring's records");
	is_u(in_cap.unordered, 0, "in time order");
	is_u(in_cap.labelled, in_ring.labelled, "the trace labels kept (%llu records)",
	     (unsigned long long)in_cap.labelled);
	is_u(num(cap->end, "counters", "received"), ring.written, "END: received as given");
	is_u(num(cap->end, "counters", "dropped"), 7, "END: dropped as given");
	is_u(num(cap->end, "counters", "follow_map_full"), 3, "END: follow_map_full as given");
	is_u(num(cap->end, "counters", "overwritten"), ring.overwritten, "END: the ring's overwritten");
	is_u(num(cap->end, "counters", "ring_used_bytes"), fr_ring_used(&ring), "END: the ring's fill");
	is_u(num(cap->end, "counters", "stored"), ring.records, "END: stored is what the capture took");
	ok(!cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cap->end, "counters"),
					     "unwritten"), "END: no ring-file counters in a snapshot");
	is_u(num(cJSON_GetObjectItemCaseSensitive(cap->end, "maps"), "traces", "misses"), 1,
	     "END: the maps' fill");
	{
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(cap->end, "exit_status");
		const cJSON *t = fr_capture_traces(cap);
		const cJSON *t1 = cJSON_GetObjectItemCaseSensitive(t, "1");

		ok(cJSON_IsNumber(st) && st->valuedouble == 5, "END: the exit status");
		ok(cJSON_GetArraySize(t) == 2 && cJSON_IsString(t1) &&
		   !strcmp(t1->valuestring, "4bf92f3577b34da6a3ce929d0e0e4736"), "END: the trace labels");
		is_u(fr_capture_trace_slot(cap, trace_ids[1]), 2, "the second trace id is slot 2");
	}
	check_procs(cap, &in_cap, "whole ring");
	ok(in_cap.named[0], "the parent, known from the recorder's table, is there");
	fr_capture_close(cap);
out:
	cJSON_Delete(meta);
	fr_proctab_free(&known);
	fr_ring_free(&ring);
}

/* A window of the ring, with a trigger, while the ring goes on: exactly
 * the records of the window. */
static void test_window(void)
{
	enum { GROUPS = 500 };
	uint64_t from = SYNTH_T0 + 100 * SYNTH_RING_STEP + 500, to = SYNTH_T0 + 300 * SYNTH_RING_STEP + 100;
	struct fr_ring ring;
	struct fr_proctab known = { 0 };
	struct fr_counters k;
	struct fr_snapshot_info info = { .exit_status = -1 };
	struct fr_snap_ctx c = { .tasks = &known };
	struct fr_snapshot_result res = { 0 };
	struct fr_cap_writer w = { .fd = -1 };
	struct seen want = { .from = from, .to = to }, in_cap = { .to = UINT64_MAX };
	struct fr_window win;
	struct fr_capture *cap;
	cJSON *meta = synth_meta(), *trig = cJSON_CreateObject();
	int fd, err;

	cJSON_AddStringToObject(trig, "detector", "manual");
	fr_ring_init(&ring, 1u << 20);
	synth_ring_parent(&known);
	synth_ring_fill(&ring, 0, GROUPS, 0, &known);
	is_u(ring.overwritten, 0, "window: nothing overwritten");
	fr_ring_foreach(&ring, see, &want);
	err = fr_window_collect(&ring, from, to, &win);
	is_u(err, 0, "window: collected");
	is_u(win.n, want.n, "window: exactly the %llu records between from and to",
	     (unsigned long long)want.n);
	/* the recorder goes on meanwhile: the window is a copy */
	synth_ring_fill(&ring, GROUPS, 10, 0, &known);
	counters_of(&ring, &k);
	c.meta = meta;

	fd = open(path("window.frec"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	err = fd < 0 ? -1 : fr_capw_open(&w, fd);
	if (!err)
		err = fr_snapshot_write_window(&win, &k, &c, &info, trig, &w, &res);
	is_u(err, 0, "window: written");
	fr_window_free(&win);
	cap = open_cap(path("window.frec"));
	ok(cap != NULL, "window: the capture reads back");
	if (!cap)
		goto out;
	fr_capture_foreach(cap, see, &in_cap);
	is_u(in_cap.n, want.n, "window: the capture holds the window's records");
	is_u(in_cap.unordered, 0, "window: in time order");
	is_u(res.events, want.n, "window: and says so");
	ok(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cap->trigger, "detector")),
	   "window: the trigger is there");
	is_u(num(cap->end, "counters", "received"), ring.written, "window: END's counters as given");
	is_u(num(cap->end, "counters", "stored"), want.n, "window: END: stored is the window's");
	ok(!fr_capture_traces(cap), "window: no trace table when there are no labels");
	ok(!cJSON_GetObjectItemCaseSensitive(cap->end, "exit_status"), "window: no exit status");
	check_procs(cap, &in_cap, "window");
	fr_capture_close(cap);
out:
	cJSON_Delete(trig);
	cJSON_Delete(meta);
	fr_proctab_free(&known);
	fr_ring_free(&ring);
}

/* Without META (out of memory building it) nothing is written. */
static void test_no_meta(void)
{
	struct fr_ring ring;
	struct fr_counters k = { 0 };
	struct fr_snapshot_info info = { .exit_status = -1 };
	struct fr_snap_ctx c = { 0 };
	struct fr_cap_writer w = { .fd = -1 };
	int fd, err;

	fr_ring_init(&ring, 4096);
	synth_ring_fill(&ring, 0, 5, 0, NULL);
	fd = open(path("nometa.frec"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	err = fd < 0 ? -1 : fr_capw_open(&w, fd);
	if (!err)
		err = fr_snapshot_write(&ring, &k, &c, &info, &w, NULL);
	is_u(-err, ENOMEM, "no META: -ENOMEM, and the writer closed");
	fr_ring_free(&ring);
}

int main(void)
{
	fr_verbosity = FR_QUIET;
	if (!mkdtemp(dir))
		return 1;
	test_whole_ring();
	test_window();
	test_no_meta();
	unlink(path("whole.frec"));
	unlink(path("window.frec"));
	unlink(path("nometa.frec"));
	rmdir(dir);
	return tap_done();
}
