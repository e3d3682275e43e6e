/* snapshot.c: write what a ring holds, or a window of it, as a capture file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/event.h"
#include "record/snapshot.h"
#include "base/util.h"

cJSON *fr_devices_json(void)
{
	cJSON *o = cJSON_CreateObject();
	FILE *f = fopen("/proc/partitions", "re");
	char line[256];

	if (!f)
		return o;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		unsigned long long blocks;
		char name[64], key[32];

		if (sscanf(line, " %u %u %llu %63s", &maj, &min, &blocks, name) != 4)
			continue;
		snprintf(key, sizeof(key), "%u:%u", maj, min);
		cJSON_AddStringToObject(o, key, name);
	}
	fclose(f);
	return o;
}

/* END: the counters k with what this capture took, the maps, the traces. */
static cJSON *end_json(const struct fr_counters *k, const struct fr_snap_ctx *c,
		       const struct fr_snapshot_info *info, const struct fr_cap_writer *w)
{
	struct fr_counters kw = *k;
	cJSON *e = cJSON_CreateObject(), *t;

	if (!e)
		return NULL;
	kw.stored = w->events;
	kw.stored_bytes = w->raw_bytes;
	kw.ring_file = false;
	cJSON_AddItemToObject(e, "counters", fr_counters_json(&kw));
	fr_timeline_add_json(e, &k->tl);
	if (c->maps)
		cJSON_AddItemToObject(e, "maps", fr_maps_json(c->maps));
	t = fr_traces_json(c->trace_ids, c->ntraces);
	if (t)
		cJSON_AddItemToObject(e, "traces", t);
	cJSON_AddNumberToObject(e, "stop_ns", (double)c->stop_ns);
	if (info->exit_status >= 0)
		cJSON_AddNumberToObject(e, "exit_status", info->exit_status);
	return e;
}

/* The tasks named in the capture's records, from the recorder's table
 * (known) or /proc: the entries missing from cap, before it notes rec. */
static void complete_from(struct fr_proctab *cap, const struct fr_proctab *known, const void *rec)
{
	uint32_t tids[4];
	unsigned n = fr_rec_tids(rec, tids);

	for (unsigned i = 0; i < n; i++) {
		const struct fr_proc *p;

		if (!tids[i] || (cap->hot && cap->hot_tid == tids[i]) || tids[i] == cap->miss_tid)
			continue;
		if (fr_proctab_find(cap, tids[i]))
			continue;
		p = fr_proctab_find(known, tids[i]);
		if (p)
			fr_proctab_copy_in(cap, p);
	}
}

/* The records base + idx[i], in that (time) order, as a capture: META,
 * TRIGGER when given, EVENTS, the process table and END. The table holds
 * the tasks the records name and no other: what the records say of them
 * (forks, execs), what the recorder knew (known), what /proc says. */
static int write_records(const struct fr_counters *k, const struct fr_snap_ctx *c,
			 const struct fr_snapshot_info *info, const cJSON *trigger,
			 const uint8_t *base, const uint32_t *idx, size_t n, struct fr_cap_writer *w)
{
	static const struct fr_proctab none;
	const struct fr_proctab *known = c->tasks ? c->tasks : &none;
	struct fr_proctab cap = { 0 };
	cJSON *j;
	int ret;

	cap.missing = calloc(FR_PROCTAB_MISSING, sizeof(*cap.missing));
	if (!cap.missing)
		return -ENOMEM;
	ret = c->meta ? fr_capw_json(w, FR_SEG_META, c->meta) : -ENOMEM;
	if (!ret && trigger)
		ret = fr_capw_json(w, FR_SEG_TRIGGER, trigger);
	/* the table learns from the records as they go out: one pass over
	 * them, the table being written after them */
	for (size_t i = 0; !ret && i < n; i++) {
		const struct fr_hdr *h = (const void *)(base + idx[i]);

		complete_from(&cap, known, h);
		fr_proctab_note(&cap, h);
		if (cap.nmissing == FR_PROCTAB_MISSING)
			fr_proctab_scan_missing(&cap, h->ts);
		ret = fr_capw_event(w, h, h->size);
	}
	if (!ret)
		fr_proctab_scan_missing(&cap, n ? ((const struct fr_hdr *)(base + idx[n - 1]))->ts : 0);
	if (!ret)
		ret = fr_capw_flush(w);
	if (!ret) {
		j = fr_proctab_to_json(&cap, true);
		ret = j ? fr_capw_json(w, FR_SEG_PROCS, j) : -ENOMEM;
		cJSON_Delete(j);
	}
	if (!ret) {
		j = end_json(k, c, info, w);
		ret = j ? fr_capw_json(w, FR_SEG_END, j) : -ENOMEM;
		cJSON_Delete(j);
	}
	fr_proctab_free(&cap);
	return ret;
}

/* Report what went out and close w; the first error wins. */
static int finish(struct fr_cap_writer *w, struct fr_snapshot_result *res, int ret)
{
	int ret2;

	if (res) {
		res->events = w->events;
		res->raw_bytes = w->raw_bytes;
		res->file_bytes = w->file_bytes;
	}
	ret2 = fr_capw_close(w);
	return ret ? ret : ret2;
}

struct index {
	const uint8_t *base;
	uint32_t *idx;
	size_t n, cap;
};

/* Records are read in place: their offsets in the ring's buffer, which is
 * at most 4 GiB, fit 32 bits. */
static int index_one(const void *rec, uint32_t len, void *arg)
{
	struct index *ix = arg;

	(void)len;
	if (ix->n == ix->cap)
		return 1;
	ix->idx[ix->n++] = (uint32_t)((const uint8_t *)rec - ix->base);
	return 0;
}

int fr_snapshot_write(const struct fr_ring *ring, const struct fr_counters *k,
		      const struct fr_snap_ctx *c, const struct fr_snapshot_info *info,
		      struct fr_cap_writer *w, struct fr_snapshot_result *res)
{
	uint32_t *idx = NULL;
	size_t n = 0;
	int ret;

	if (ring->records) {
		idx = malloc(ring->records * sizeof(*idx));
		if (!idx) {
			fr_capw_close(w);
			return -ENOMEM;
		}
	}
	{
		struct index ix = { .base = ring->buf, .idx = idx, .cap = ring->records };

		fr_ring_foreach(ring, index_one, &ix);
		n = ix.n;
	}
	fr_sort_by_ts(idx, n, ring->buf);

	ret = write_records(k, c, info, NULL, ring->buf, idx, n, w);
	free(idx);
	return finish(w, res, ret);
}

/* ---- a time window of a running recorder's ring ---- */

struct collect {
	struct fr_window *win;
	uint64_t from, to;
	bool (*keep)(const void *rec, uint32_t len, void *ctx);
	void *ctx;
	size_t cap;
	int err;
};

static int collect_one(const void *rec, uint32_t len, void *arg)
{
	struct collect *c = arg;
	const struct fr_hdr *h = rec;
	uint64_t pad = fr_ring_pad(len);

	if (len < sizeof(*h) || h->ts < c->from || h->ts > c->to || (c->keep && !c->keep(rec, len, c->ctx)))
		return 0;
	if (c->win->len + pad > c->cap)
		return c->err = -E2BIG;	/* cannot happen: sized from the ring */
	memcpy(c->win->buf + c->win->len, rec, len);
	memset(c->win->buf + c->win->len + len, 0, pad - len);
	c->win->idx[c->win->n++] = (uint32_t)c->win->len;
	c->win->len += pad;
	return 0;
}

int fr_window_collect(const struct fr_ring *ring, uint64_t from, uint64_t to, struct fr_window *win)
{
	return fr_window_collect_if(ring, from, to, NULL, NULL, win);
}

int fr_window_collect_if(const struct fr_ring *ring, uint64_t from, uint64_t to,
			 bool (*keep)(const void *rec, uint32_t len, void *ctx), void *ctx,
			 struct fr_window *win)
{
	struct collect c = { .win = win, .from = from, .to = to, .keep = keep, .ctx = ctx };
	int ret;

	memset(win, 0, sizeof(*win));
	c.cap = fr_ring_used(ring);
	/* as large as the ring: mapped, so that its pages go back to the
	 * system when the capture is written, not to the heap, where a
	 * recorder left running would keep them */
	win->buf_cap = c.cap ? c.cap : 8;
	win->buf = mmap(NULL, win->buf_cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (win->buf == MAP_FAILED)
		win->buf = NULL;
	win->idx = malloc((ring->records ? ring->records : 1) * sizeof(*win->idx));
	if (!win->buf || !win->idx) {
		fr_window_free(win);
		return -ENOMEM;
	}
	ret = fr_ring_foreach(ring, collect_one, &c);
	if (ret < 0 && ret != -E2BIG) {
		fr_window_free(win);
		return ret;
	}
	fr_sort_by_ts(win->idx, win->n, win->buf);
	win->recs = malloc((win->n ? win->n : 1) * sizeof(*win->recs));
	if (!win->recs) {
		fr_window_free(win);
		return -ENOMEM;
	}
	for (size_t i = 0; i < win->n; i++)
		win->recs[i] = win->buf + win->idx[i];
	return 0;
}

void fr_window_free(struct fr_window *win)
{
	if (win->buf)
		munmap(win->buf, win->buf_cap);
	free(win->idx);
	free(win->recs);
	memset(win, 0, sizeof(*win));
	/* and what writing it took from the heap (indexes, JSON, the
	 * process table's copy): a firing leaves no lasting peak */
	malloc_trim(0);
}

int fr_snapshot_write_window(const struct fr_window *win, const struct fr_counters *k,
			     const struct fr_snap_ctx *c, const struct fr_snapshot_info *info,
			     const cJSON *trigger, struct fr_cap_writer *w,
			     struct fr_snapshot_result *res)
{
	return finish(w, res, write_records(k, c, info, trigger, win->buf, win->idx, win->n, w));
}
