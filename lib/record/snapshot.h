/* snapshot.h: write what a recorder holds as a capture file. */
#ifndef FR_SNAPSHOT_H
#define FR_SNAPSHOT_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "capture/capture.h"
#include "capture/proctab.h"
#include "record/recorder.h"

struct fr_snapshot_info {
	const char *command;	/* the flightrec command line that recorded */
	cJSON *filters;		/* copied; may be NULL */
	unsigned groups;
	uint32_t bpf_buffer;
	int exit_status;	/* of record -- COMMAND; -1 when none */
	uint64_t max_size;	/* a ring file's bound; 0 for none */
};

/* The counters an END (or STATUS) segment carries. */
struct fr_counters {
	uint64_t received, dropped, overwritten, overwritten_bytes, malformed;
	uint64_t follow_map_full, inflight_map_full, inflight_unmatched, traces_map_full;
	uint64_t tasks_evicted;	/* process table entries forgotten while recording */
	uint64_t tasks_held;	/* ... and held at the end */
	uint64_t traces_recycled, traces_refused;	/* trace slots reused; new traces refused */
	uint64_t stored, stored_bytes, ring_used_bytes;
	bool ring_file;		/* the four below are written */
	uint64_t file_overwritten, file_overwritten_bytes, unwritten, late;
};

cJSON *fr_counters_json(const struct fr_counters *k);
/* o.traces: the recorder's trace table, when it has one (END, STATUS). */
void fr_add_traces(cJSON *o, const struct fr_recorder *r);
/* META: what is recorded, where and how; stop_ns only once stopped. */
cJSON *fr_meta_json(const struct fr_recorder *r, const struct fr_snapshot_info *info);

struct fr_snapshot_result {
	uint64_t events;
	uint64_t raw_bytes;
	uint64_t file_bytes;
};

/* Sort the recorder's ring by time and write it, with the metadata, the
 * process table (the tasks the events name, as pt and /proc know them)
 * and the counters,
 * through w (opened, so the file header is already there), then close w.
 * The recorder must be stopped. */
int fr_snapshot_write(struct fr_recorder *r, const struct fr_proctab *pt,
		      const struct fr_snapshot_info *info, struct fr_cap_writer *w,
		      struct fr_snapshot_result *res);

/* The events of a running recorder's ring with from <= ts <= to, copied
 * out and sorted by time; the caller must be the only thread using the
 * ring. recs[i] points at each record in buf. */
struct fr_window {
	uint8_t *buf;
	size_t len, buf_cap;
	uint32_t *idx;
	const uint8_t **recs;
	size_t n;
};
int fr_window_collect(struct fr_recorder *r, uint64_t from, uint64_t to, struct fr_window *win);
void fr_window_free(struct fr_window *win);
/* Write a window as a capture: META, TRIGGER (when not NULL), the events,
 * the process table (the tasks the events name, as pt and /proc know
 * them) and END,
 * through w (opened), then close w. The recorder keeps running. */
int fr_snapshot_write_window(struct fr_recorder *r, const struct fr_proctab *pt,
			     const struct fr_snapshot_info *info, const cJSON *trigger,
			     const struct fr_window *win, struct fr_cap_writer *w,
			     struct fr_snapshot_result *res);

/* The block devices of this machine as {"major:minor": "name"}. */
cJSON *fr_devices_json(void);

#endif
