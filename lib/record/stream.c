/* stream.c: record --max-size: move events into a ring file as they come. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/event.h"
#include "base/log.h"
#include "record/stream.h"
#include "base/util.h"

#define FLUSH_NS 1000000000ULL	/* data reaches the file at least this often */
#define TICK_MS 100
#define STATUS_NS 1000000000ULL
/* how far behind the last drain a batch is cut: events are in the ring
 * microseconds after their timestamp, syscall records batched per CPU at
 * most about 10 ms after (lib/record/recorder.c), so this is ample */
#define HOLD_NS 25000000ULL
#define TAKE_MAX (2u << 20)	/* bytes taken from the ring per step */
#define CARRY_MAX (2u << 20)	/* bytes held back at most */
#define BATCH_CAP (TAKE_MAX + CARRY_MAX + (64u << 10))

static uint64_t ts_of(const struct fr_stream *s, uint32_t off)
{
	return ((const struct fr_hdr *)(s->batch + off))->ts;
}

int fr_stream_open(struct fr_stream *s, int fd, const char *path, uint64_t max_size,
		   const cJSON *meta, const struct fr_stream_src *src, struct fr_proctab *pt)
{
	pthread_condattr_t ca;
	int ret;

	memset(s, 0, sizeof(*s));
	s->src = *src;
	s->pt = pt;
	s->path = path;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	ret = fr_rf_open(&s->rf, fd, max_size, meta);
	if (ret)
		return ret;
	s->batch_cap = BATCH_CAP;
	s->batch = malloc(s->batch_cap);
	s->spare = malloc(s->batch_cap);
	s->stage_cap = s->rf.seg_target + (64u << 10);
	s->stage = malloc(s->stage_cap);
	if (!pt->missing)
		pt->missing = calloc(FR_PROCTAB_MISSING, sizeof(*pt->missing));
	s->slot_ts = calloc(FR_MAX_TRACES + 1, sizeof(*s->slot_ts));
	if (!s->batch || !s->spare || !s->stage || !pt->missing || !s->slot_ts)
		return -ENOMEM;
	/* the recorder reuses no trace slot that this file may still hold */
	if (src->file_slot_ts)
		*src->file_slot_ts = s->slot_ts;
	/* records the ring holds from before the file existed are not lost */
	pthread_mutex_lock(src->lock);
	s->cur_pos = src->ring->tail;
	s->cur_rec = src->ring->written - src->ring->records;
	s->rd.pos = &s->cur_pos;
	s->rd.rec = &s->cur_rec;
	pthread_mutex_unlock(src->lock);
	s->last_flush_ns = s->last_status_ns = fr_boot_ns();
	return 0;
}

/* Move records from the ring into the batch. True when more are left
 * there. */
static bool take(struct fr_stream *s, uint64_t *drained)
{
	struct fr_ring *ring = s->src.ring;
	size_t taken = 0;
	bool more = false;

	pthread_mutex_lock(s->src.lock);
	if (s->rd.clears != s->clears_seen) {
		/* the ring was cleared: what was taken before goes too, and
		 * the file's segments before the next write */
		s->clears_seen = s->rd.clears;
		s->cleared += s->batch_n;
		s->batch_len = 0;
		s->batch_n = 0;
		s->file_clear_due = true;
	}
	s->rd_cleared = s->rd.cleared;
	s->rd_resized = s->rd.resized;
	s->rd_taken = s->rd.taken;
	{
		uint64_t oldest = ring->written - ring->records;

		if (s->cur_rec < oldest) {
			/* aged out of memory before the file got them */
			s->unwritten += oldest - s->cur_rec;
			s->cur_rec = oldest;
			s->cur_pos = ring->tail;
		}
	}
	while (s->cur_pos < ring->head) {
		uint32_t len;

		if (s->batch_len + (64u << 10) > s->batch_cap || taken >= TAKE_MAX) {
			more = true;
			break;
		}
		s->cur_pos = fr_ring_get(ring, s->cur_pos, s->batch + s->batch_len,
					 s->batch_cap - s->batch_len, &len);
		{
			const struct fr_hdr *h = (const void *)(s->batch + s->batch_len);

			if (h->flags && h->flags <= FR_MAX_TRACES && h->ts > s->slot_ts[h->flags])
				__atomic_store_n(&s->slot_ts[h->flags], h->ts, __ATOMIC_RELAXED);
		}
		s->cur_rec++;
		s->batch_len += len;
		s->batch_n++;
		taken += len;
	}
	*drained = *s->src.drained_ns;
	pthread_mutex_unlock(s->src.lock);
	return more;
}

/* Index the batch and sort it by time; it arrives nearly sorted. */
static int sort_batch(struct fr_stream *s)
{
	uint32_t n = 0;

	if (s->batch_n > s->order_cap) {
		uint32_t *o = realloc(s->order, s->batch_n * sizeof(*o));

		if (!o)
			return -ENOMEM;
		s->order = o;
		s->order_cap = s->batch_n;
	}
	for (size_t off = 0; off < s->batch_len && n < s->batch_n; n++) {
		s->order[n] = off;
		off += ((const struct fr_hdr *)(s->batch + off))->size;
	}
	fr_sort_by_ts(s->order, n, s->batch);
	return 0;
}

static int write_procs(struct fr_stream *s, bool full, uint64_t min_ts)
{
	enum fr_pt_select sel = full ? FR_PT_SEEN : FR_PT_DIRTY;
	uint32_t cursor = 0;
	int ret = 0;

	if (full)
		fr_proctab_prune(s->pt, min_ts);
	__atomic_store_n(&s->pub_tasks, s->pt->len, __ATOMIC_RELAXED);
	__atomic_store_n(&s->pub_tasks_evicted, s->pt->evicted, __ATOMIC_RELAXED);
	while (!ret && cursor < s->pt->len) {
		cJSON *a = fr_proctab_json_chunk(s->pt, sel, &cursor, s->rf.seg_target / 2, true);

		if (!a)
			return -ENOMEM;
		if (cJSON_GetArraySize(a))
			ret = fr_rf_write_json(&s->rf, FR_SEG_PROCS, a);
		cJSON_Delete(a);
	}
	if (ret)
		s->full_procs_due = true;	/* what failed goes out whole */
	else if (full)
		s->full_at = s->rf.written_bytes;
	return ret;
}

/* The whole table at least every quarter of the area, so that one copy
 * always survives the wrap. */
static bool full_due(const struct fr_stream *s)
{
	return s->full_procs_due ||
	       s->rf.written_bytes - s->full_at >= (s->rf.ring_end - s->rf.ring_start) / 4;
}

static int procs_before(struct fr_stream *s, uint64_t first_ts)
{
	uint64_t oldest = fr_rf_oldest_ts(&s->rf);
	bool full = full_due(s);

	s->full_procs_due = false;
	return write_procs(s, full, first_ts < oldest ? first_ts : oldest);
}

/* The task names the records [0, n) of the order need, before them. */
static int note_tasks(struct fr_stream *s, uint32_t n)
{
	struct fr_proctab *pt = s->pt;
	uint64_t last = n ? ts_of(s, s->order[n - 1]) : 0;

	for (uint32_t i = 0; i < n; i++)
		fr_proctab_note(pt, s->batch + s->order[i]);
	fr_proctab_scan_missing(pt, last);
	return procs_before(s, n ? ts_of(s, s->order[0]) : UINT64_MAX);
}

/* The tasks named only by the segments the file's wrap overwrote are
 * forgotten as soon as it happens: the table holds what the file names. */
static void forget_overwritten(struct fr_stream *s)
{
	uint64_t oldest = fr_rf_oldest_ts(&s->rf);

	if (s->src.file_oldest_ts)
		__atomic_store_n(s->src.file_oldest_ts, oldest, __ATOMIC_RELEASE);
	if (oldest == s->pruned_oldest || oldest == UINT64_MAX)
		return;
	s->pruned_oldest = oldest;
	/* a quiet task that still runs is kept: it may be named again by
	 * the records held back, or exit before /proc could be asked */
	fr_proctab_forget(s->pt, oldest);
	__atomic_store_n(&s->pub_tasks, s->pt->len, __ATOMIC_RELAXED);
	__atomic_store_n(&s->pub_tasks_evicted, s->pt->evicted, __ATOMIC_RELAXED);
}

/* Write the records [0, n) of the order as EVENTS segments; *done says
 * how many went out. */
static int write_events(struct fr_stream *s, uint32_t n, uint32_t *done)
{
	uint32_t i = 0;
	int ret;

	*done = 0;
	ret = note_tasks(s, n);
	if (ret)
		return ret;
	while (i < n) {
		uint64_t t0 = UINT64_MAX, t1 = 0;
		uint32_t late = 0;
		size_t len = 0;
		uint32_t k = i;

		/* a large batch in a small file can go round it: the whole
		 * table again whenever a quarter of the area went by */
		if (i && full_due(s)) {
			ret = procs_before(s, ts_of(s, s->order[i]));
			if (ret)
				return ret;
		}
		for (; k < n; k++) {
			const struct fr_hdr *h = (const void *)(s->batch + s->order[k]);

			if (len && len + h->size > s->rf.seg_target)
				break;
			memcpy(s->stage + len, h, h->size);
			len += h->size;
			if (h->ts < t0)
				t0 = h->ts;
			if (h->ts > t1)
				t1 = h->ts;
			if (h->ts < s->max_ts_written)
				late++;
		}
		ret = fr_rf_write(&s->rf, FR_SEG_EVENTS, s->stage, len, k - i, t0, t1);
		if (ret)
			return ret;
		s->late += late;
		if (t1 > s->max_ts_written)
			s->max_ts_written = t1;
		i = k;
		*done = i;
	}
	forget_overwritten(s);
	return 0;
}

/* Keep the records from order position from on, in time order. */
static void keep_from(struct fr_stream *s, uint32_t from)
{
	size_t len = 0;
	uint8_t *t;

	for (uint32_t i = from; i < s->batch_n; i++) {
		const struct fr_hdr *h = (const void *)(s->batch + s->order[i]);

		memcpy(s->spare + len, h, h->size);
		len += h->size;
	}
	t = s->batch;
	s->batch = s->spare;
	s->spare = t;
	s->batch_len = len;
	s->batch_n -= from;
}

static int flush(struct fr_stream *s, bool final)
{
	for (;;) {
		uint64_t drained, wm, held = 0;
		uint32_t cut, done = 0;
		bool more = take(s, &drained);
		int ret;

		if (s->file_clear_due) {
			ret = fr_rf_clear(&s->rf);
			if (ret)
				return ret;
			s->file_clear_due = false;
			/* the file begins again: its tasks, whole, with the next
			 * events */
			s->full_procs_due = true;
			s->max_ts_written = 0;
			forget_overwritten(s);
		}
		if (!s->batch_n)
			return 0;
		ret = sort_batch(s);
		if (ret)
			return ret;
		wm = final ? UINT64_MAX : drained > HOLD_NS ? drained - HOLD_NS : 0;
		cut = s->batch_n;
		while (cut > 0 && ts_of(s, s->order[cut - 1]) >= wm) {
			cut--;
			held += ((const struct fr_hdr *)(s->batch + s->order[cut]))->size;
		}
		if (held > CARRY_MAX)
			cut = s->batch_n;
		ret = cut ? write_events(s, cut, &done) : 0;
		keep_from(s, done);
		if (ret)
			return ret;
		__atomic_store_n(&s->pub_file_bytes, s->rf.file_size, __ATOMIC_RELAXED);
		__atomic_store_n(&s->pub_stored, s->rf.stored, __ATOMIC_RELAXED);
		if (!more)
			return 0;
	}
}

/* The recording's counters, with the file's own: what it holds of the
 * tasks, and what was overwritten is what the file let go. */
static void counters(struct fr_stream *s, struct fr_counters *k)
{
	s->src.counters(s->src.ctx, k);
	k->tasks_evicted = __atomic_load_n(&s->pub_tasks_evicted, __ATOMIC_RELAXED);
	k->tasks_held = __atomic_load_n(&s->pub_tasks, __ATOMIC_RELAXED);
	k->ring_file = true;
	k->stored = s->rf.stored;
	k->stored_bytes = s->rf.stored_bytes;
	k->file_overwritten = s->rf.overwritten;
	k->file_overwritten_bytes = s->rf.overwritten_bytes;
	k->unwritten = s->unwritten;
	k->late = s->late;
	k->overwritten = k->file_overwritten + k->unwritten;
	/* what the file never got; those it had are file_cleared */
	k->cleared = s->rd_cleared + s->cleared;
	k->resized = s->rd_resized;
	k->taken = s->rd_taken;
	k->file_cleared = s->rf.cleared;
	k->overwritten_bytes = k->file_overwritten_bytes;
}

/* o.traces: the trace labels, when there are any. */
static void add_traces(cJSON *o, const struct fr_stream_src *src)
{
	unsigned n = __atomic_load_n(src->ntraces, __ATOMIC_ACQUIRE);
	cJSON *t = fr_traces_json((const uint8_t (*)[16])*src->trace_ids, n);

	if (t)
		cJSON_AddItemToObject(o, "traces", t);
}

static cJSON *status_json(void *ctx)
{
	struct fr_stream *s = ctx;
	struct fr_counters k;
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	counters(s, &k);
	cJSON_AddItemToObject(o, "counters", fr_counters_json(&k));
	fr_timeline_add_json(o, &k.tl);
	/* a trace slot may be given anew meanwhile (under the lock) */
	pthread_mutex_lock(s->src.lock);
	add_traces(o, &s->src);
	pthread_mutex_unlock(s->src.lock);
	cJSON_AddNumberToObject(o, "ts", (double)fr_boot_ns());
	return o;
}

static int write_status(struct fr_stream *s)
{
	return fr_rf_write_counted(&s->rf, FR_SEG_STATUS, status_json, s);
}

struct end_ctx {
	struct fr_stream *s;
	const struct fr_snapshot_info *info;
};

static cJSON *end_json(void *ctx)
{
	const struct end_ctx *c = ctx;
	struct fr_counters k;
	cJSON *e = cJSON_CreateObject();

	if (!e)
		return NULL;
	counters(c->s, &k);
	cJSON_AddItemToObject(e, "counters", fr_counters_json(&k));
	fr_timeline_add_json(e, &k.tl);
	if (c->s->src.maps)
		cJSON_AddItemToObject(e, "maps", fr_maps_json(c->s->src.maps));
	add_traces(e, &c->s->src);
	cJSON_AddNumberToObject(e, "stop_ns", c->s->src.stop_ns ? (double)*c->s->src.stop_ns : 0);
	if (c->info->exit_status >= 0)
		cJSON_AddNumberToObject(e, "exit_status", c->info->exit_status);
	return e;
}

static void outcome(struct fr_stream *s, int ret, uint64_t now)
{
	if (ret) {
		if (!s->err)
			fr_warn("cannot write %s: %s; recording goes on in memory, the file keeps "
				"what was written, and writing is retried every second", s->path,
				strerror(-ret));
		s->err = ret;
		if (!s->first_err)
			s->first_err = ret;
		s->retry_ns = now + 1000000000ULL;
	} else if (s->err) {
		fr_warn("%s: writing again", s->path);
		s->err = 0;
	}
}

static void *run(void *arg)
{
	struct fr_stream *s = arg;

	for (;;) {
		struct timespec until;
		uint64_t now, pending;
		bool stop;
		int ret;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&s->mu);
		if (!s->stop)
			pthread_cond_timedwait(&s->cv, &s->mu, &until);
		stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		now = fr_boot_ns();
		if (s->err && now < s->retry_ns)
			continue;
		pthread_mutex_lock(s->src.lock);
		pending = s->src.ring->head -
			  (s->cur_pos > s->src.ring->tail ? s->cur_pos : s->src.ring->tail);
		pthread_mutex_unlock(s->src.lock);
		if (s->err || pending >= s->rf.seg_target ||
		    now - s->last_flush_ns >= FLUSH_NS - TICK_MS * 500000ULL) {
			ret = flush(s, false);
			s->last_flush_ns = now;
			outcome(s, ret, now);
		}
		/* with the first events a status too: a recorder killed
		 * before its first second is then known as killed */
		if (!s->err && (now - s->last_status_ns >= STATUS_NS ||
				(!s->status_written && s->rf.stored))) {
			s->status_written = true;
			outcome(s, write_status(s), now);
			s->last_status_ns = now;
		}
	}
	return NULL;
}

int fr_stream_start(struct fr_stream *s)
{
	sigset_t all, old;
	int ret;

	/* stop signals are for the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(&s->thread, NULL, run, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	s->running = !ret;
	return ret;
}

void fr_stream_pause(struct fr_stream *s)
{
	if (!s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->running = false;
}

static void release(struct fr_stream *s)
{
	free(s->batch);
	free(s->spare);
	free(s->stage);
	free(s->order);
	if (s->src.file_slot_ts && *s->src.file_slot_ts == s->slot_ts)
		*s->src.file_slot_ts = NULL;
	free(s->slot_ts);
	s->batch = s->spare = s->stage = NULL;
	s->order = NULL;
	s->slot_ts = NULL;
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
}

int fr_stream_finish(struct fr_stream *s, const struct fr_snapshot_info *info)
{
	int ret, ret2;

	fr_stream_pause(s);
	ret = flush(s, true);
	if (!ret)
		ret = write_procs(s, true, fr_rf_oldest_ts(&s->rf));
	/* what END counts as held: the tasks the file's events still name */
	if (!ret) {
		fr_proctab_prune(s->pt, fr_rf_oldest_ts(&s->rf));
		__atomic_store_n(&s->pub_tasks, s->pt->len, __ATOMIC_RELAXED);
		__atomic_store_n(&s->pub_tasks_evicted, s->pt->evicted, __ATOMIC_RELAXED);
	}
	if (!ret) {
		struct end_ctx c = { s, info };

		ret = fr_rf_write_counted(&s->rf, FR_SEG_END, end_json, &c);
	}
	__atomic_store_n(&s->pub_file_bytes, s->rf.file_size, __ATOMIC_RELAXED);
	__atomic_store_n(&s->pub_stored, s->rf.stored, __ATOMIC_RELAXED);
	ret2 = fr_rf_close(&s->rf);
	release(s);
	return ret ? ret : ret2;
}

void fr_stream_abort(struct fr_stream *s)
{
	fr_stream_pause(s);
	fr_rf_close(&s->rf);
	release(s);
}
