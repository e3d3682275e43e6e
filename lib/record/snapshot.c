/* snapshot.c: write what a recorder holds as a capture file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/event.h"
#include "record/snapshot.h"
#include "base/util.h"

#ifndef FR_VERSION
#define FR_VERSION "0.0.0"
#endif

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

cJSON *fr_meta_json(const struct fr_recorder *r, const struct fr_snapshot_info *info)
{
	cJSON *m = cJSON_CreateObject(), *host, *clock, *probes, *groups, *ring;
	struct utsname u;
	char hn[256] = "";

	cJSON_AddNumberToObject(m, "format", FR_CAP_VERSION);
	cJSON_AddNumberToObject(m, "abi", FR_ABI_VERSION);
	cJSON_AddStringToObject(m, "tool", "flightrec " FR_VERSION);
	host = cJSON_AddObjectToObject(m, "host");
	gethostname(hn, sizeof(hn) - 1);
	cJSON_AddStringToObject(host, "hostname", hn);
	if (!uname(&u)) {
		cJSON_AddStringToObject(host, "kernel", u.release);
		cJSON_AddStringToObject(host, "kernel_version", u.version);
		cJSON_AddStringToObject(host, "arch", u.machine);
	}
	cJSON_AddNumberToObject(host, "cpus", sysconf(_SC_NPROCESSORS_CONF));
	clock = cJSON_AddObjectToObject(m, "clock");
	cJSON_AddStringToObject(clock, "source", "boottime");
	{
		/* JSON numbers are doubles: split so that both parts are exact */
		int64_t off = fr_boot_to_wall_ns();
		int64_t sec = off / 1000000000, nsec = off % 1000000000;

		if (nsec < 0) {
			nsec += 1000000000;
			sec--;
		}
		cJSON_AddNumberToObject(clock, "boot_to_wall_sec", (double)sec);
		cJSON_AddNumberToObject(clock, "boot_to_wall_nsec", (double)nsec);
	}
	cJSON_AddNumberToObject(m, "start_ns", (double)r->start_ns);
	if (r->stop_ns)
		cJSON_AddNumberToObject(m, "stop_ns", (double)r->stop_ns);
	if (info->command)
		cJSON_AddStringToObject(m, "command", info->command);
	groups = cJSON_AddArrayToObject(m, "groups");
	for (size_t i = 0; i < fr_ngroups; i++)
		if (info->groups & fr_groups[i].bit)
			cJSON_AddItemToArray(groups, cJSON_CreateString(fr_groups[i].name));
	if (info->filters)
		cJSON_AddItemToObject(m, "filters", cJSON_Duplicate(info->filters, true));
	probes = cJSON_AddArrayToObject(m, "probes");
	for (unsigned i = 0; i < fr_nprobes; i++) {
		const struct fr_probe_state *ps = &r->probes[i];
		cJSON *p;

		if (!ps->def || (!ps->attached && ps->why && !strcmp(ps->why, "not asked for")))
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", ps->def->name);
		cJSON_AddStringToObject(p, "group", fr_group_name(ps->def->group));
		cJSON_AddStringToObject(p, "method", fr_attach_name(ps->method));
		cJSON_AddBoolToObject(p, "attached", ps->attached);
		if (!ps->attached && ps->why)
			cJSON_AddStringToObject(p, "reason", ps->why);
		cJSON_AddItemToArray(probes, p);
	}
	ring = cJSON_AddObjectToObject(m, "ring");
	cJSON_AddNumberToObject(ring, "size", (double)r->ring.cap);
	cJSON_AddNumberToObject(ring, "bpf_buffer", info->bpf_buffer);
	if (info->max_size)
		cJSON_AddNumberToObject(ring, "file_max", (double)info->max_size);
	cJSON_AddItemToObject(m, "devices", fr_devices_json());
	return m;
}

void fr_add_traces(cJSON *o, const struct fr_recorder *r)
{
	cJSON *t = fr_recorder_traces_json(r);

	if (t)
		cJSON_AddItemToObject(o, "traces", t);
}

cJSON *fr_counters_json(const struct fr_counters *k)
{
	cJSON *c = cJSON_CreateObject();

	if (!c)
		return NULL;
	cJSON_AddNumberToObject(c, "received", (double)k->received);
	cJSON_AddNumberToObject(c, "dropped", (double)k->dropped);
	cJSON_AddNumberToObject(c, "overwritten", (double)k->overwritten);
	cJSON_AddNumberToObject(c, "overwritten_bytes", (double)k->overwritten_bytes);
	cJSON_AddNumberToObject(c, "malformed", (double)k->malformed);
	cJSON_AddNumberToObject(c, "follow_map_full", (double)k->follow_map_full);
	cJSON_AddNumberToObject(c, "inflight_map_full", (double)k->inflight_map_full);
	cJSON_AddNumberToObject(c, "inflight_unmatched", (double)k->inflight_unmatched);
	cJSON_AddNumberToObject(c, "traces_map_full", (double)k->traces_map_full);
	cJSON_AddNumberToObject(c, "tasks_evicted", (double)k->tasks_evicted);
	cJSON_AddNumberToObject(c, "tasks_held", (double)k->tasks_held);
	cJSON_AddNumberToObject(c, "traces_recycled", (double)k->traces_recycled);
	cJSON_AddNumberToObject(c, "traces_refused", (double)k->traces_refused);
	cJSON_AddNumberToObject(c, "stored", (double)k->stored);
	cJSON_AddNumberToObject(c, "stored_bytes", (double)k->stored_bytes);
	cJSON_AddNumberToObject(c, "ring_used_bytes", (double)k->ring_used_bytes);
	if (k->ring_file) {
		cJSON_AddNumberToObject(c, "file_overwritten", (double)k->file_overwritten);
		cJSON_AddNumberToObject(c, "file_overwritten_bytes", (double)k->file_overwritten_bytes);
		cJSON_AddNumberToObject(c, "unwritten", (double)k->unwritten);
		cJSON_AddNumberToObject(c, "late", (double)k->late);
	}
	return c;
}

static cJSON *end_json(const struct fr_recorder *r, const struct fr_snapshot_info *info,
		       const struct fr_cap_writer *w)
{
	struct fr_counters k = {
		.received = r->received,
		.dropped = r->dropped,
		.overwritten = r->ring.overwritten,
		.overwritten_bytes = r->ring.overwritten_bytes,
		.malformed = r->malformed + r->ring.too_big,
		.follow_map_full = r->track_full,
		.inflight_map_full = r->inflight_full,
		.inflight_unmatched = r->inflight_miss,
		.traces_map_full = r->traces_full,
		.tasks_evicted = r->tasks.evicted,
		.tasks_held = r->tasks.len,
		.traces_recycled = r->traces_recycled,
		.traces_refused = r->traces_refused,
		.stored = w->events,
		.stored_bytes = w->raw_bytes,
		.ring_used_bytes = fr_ring_used(&r->ring),
	};
	cJSON *e = cJSON_CreateObject();

	cJSON_AddItemToObject(e, "counters", fr_counters_json(&k));
	cJSON_AddItemToObject(e, "maps", fr_maps_json(r->maps));
	fr_add_traces(e, r);
	cJSON_AddNumberToObject(e, "stop_ns", (double)r->stop_ns);
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
static int write_records(struct fr_recorder *r, const struct fr_proctab *known,
			 const struct fr_snapshot_info *info, const cJSON *trigger,
			 const uint8_t *base, const uint32_t *idx, size_t n, struct fr_cap_writer *w)
{
	struct fr_proctab cap = { 0 };
	cJSON *j;
	int ret;

	cap.missing = calloc(FR_PROCTAB_MISSING, sizeof(*cap.missing));
	if (!cap.missing)
		return -ENOMEM;
	j = fr_meta_json(r, info);
	ret = j ? fr_capw_json(w, FR_SEG_META, j) : -ENOMEM;
	cJSON_Delete(j);
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
		j = end_json(r, info, w);
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

int fr_snapshot_write(struct fr_recorder *r, const struct fr_proctab *pt,
		      const struct fr_snapshot_info *info, struct fr_cap_writer *w,
		      struct fr_snapshot_result *res)
{
	uint32_t *idx = NULL;
	size_t n = 0;
	int ret;

	if (r->ring.records) {
		idx = malloc(r->ring.records * sizeof(*idx));
		if (!idx) {
			fr_capw_close(w);
			return -ENOMEM;
		}
	}
	{
		struct index ix = { .base = r->ring.buf, .idx = idx, .cap = r->ring.records };

		fr_ring_foreach(&r->ring, index_one, &ix);
		n = ix.n;
	}
	fr_sort_by_ts(idx, n, r->ring.buf);

	ret = write_records(r, pt, info, NULL, r->ring.buf, idx, n, w);
	free(idx);
	return finish(w, res, ret);
}

/* ---- a time window of a running recorder's ring ---- */

struct collect {
	struct fr_window *win;
	uint64_t from, to;
	size_t cap;
	int err;
};

static int collect_one(const void *rec, uint32_t len, void *arg)
{
	struct collect *c = arg;
	const struct fr_hdr *h = rec;
	uint64_t pad = fr_ring_pad(len);

	if (len < sizeof(*h) || h->ts < c->from || h->ts > c->to)
		return 0;
	if (c->win->len + pad > c->cap)
		return c->err = -E2BIG;	/* cannot happen: sized from the ring */
	memcpy(c->win->buf + c->win->len, rec, len);
	memset(c->win->buf + c->win->len + len, 0, pad - len);
	c->win->idx[c->win->n++] = (uint32_t)c->win->len;
	c->win->len += pad;
	return 0;
}

int fr_window_collect(struct fr_recorder *r, uint64_t from, uint64_t to, struct fr_window *win)
{
	struct collect c = { .win = win, .from = from, .to = to };
	int ret;

	memset(win, 0, sizeof(*win));
	c.cap = fr_ring_used(&r->ring);
	/* as large as the ring: mapped, so that its pages go back to the
	 * system when the capture is written, not to the heap, where a
	 * recorder left running would keep them */
	win->buf_cap = c.cap ? c.cap : 8;
	win->buf = mmap(NULL, win->buf_cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (win->buf == MAP_FAILED)
		win->buf = NULL;
	win->idx = malloc((r->ring.records ? r->ring.records : 1) * sizeof(*win->idx));
	if (!win->buf || !win->idx) {
		fr_window_free(win);
		return -ENOMEM;
	}
	ret = fr_ring_foreach(&r->ring, collect_one, &c);
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

int fr_snapshot_write_window(struct fr_recorder *r, const struct fr_proctab *pt,
			     const struct fr_snapshot_info *info, const cJSON *trigger,
			     const struct fr_window *win, struct fr_cap_writer *w,
			     struct fr_snapshot_result *res)
{
	return finish(w, res, write_records(r, pt, info, trigger, win->buf, win->idx, win->n, w));
}
