/* snapshot.h: write what a ring holds, or a time window of it, as a
 * capture file, with the counters and tables of the recording; the
 * recorder itself is not needed (record/recorder.h has the wrappers). */
#ifndef FR_SNAPSHOT_H
#define FR_SNAPSHOT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "capture/proctab.h"
#include "record/counters.h"
#include "record/ring.h"

struct fr_snapshot_info {
	const char *command;	/* the flightrec command line that recorded */
	cJSON *filters;		/* copied; may be NULL */
	unsigned groups;
	uint32_t bpf_buffer;
	int exit_status;	/* of record -- COMMAND; -1 when none */
	uint64_t max_size;	/* a ring file's bound; 0 for none */
};

/* What a capture says besides its events and counters, as of the moment
 * they were taken: the recorder fills one (fr_recorder_snap_ctx), a test
 * its own. */
struct fr_snap_ctx {
	const cJSON *meta;		/* META (fr_meta_json); NULL: out of memory */
	const struct fr_proctab *tasks;	/* what the recorder knows of the tasks */
	const uint8_t (*trace_ids)[16];	/* the trace labels: slot s is trace_ids[s - 1] */
	unsigned ntraces;
	const struct fr_map_fill *maps;	/* FR_NMAPS, as last read; NULL for none */
	uint64_t stop_ns;		/* 0 while the recording runs */
};

struct fr_snapshot_result {
	uint64_t events;
	uint64_t raw_bytes;
	uint64_t file_bytes;
};

/* Sort the ring by time and write it, with c's metadata, the process
 * table (the tasks the events name, as c->tasks and /proc know them) and
 * the counters k (stored, stored_bytes and the file's are the writer's),
 * through w (opened, so the file header is already there), then close w.
 * Nothing may write to the ring meanwhile. */
int fr_snapshot_write(const struct fr_ring *ring, const struct fr_counters *k,
		      const struct fr_snap_ctx *c, const struct fr_snapshot_info *info,
		      struct fr_cap_writer *w, struct fr_snapshot_result *res);

/* The events of a ring with from <= ts <= to, copied out and sorted by
 * time; nothing may write to the ring meanwhile (the recorder's lock).
 * recs[i] points at each record in buf. */
struct fr_window {
	uint8_t *buf;
	size_t len, buf_cap;
	uint32_t *idx;
	const uint8_t **recs;
	size_t n;
};
int fr_window_collect(const struct fr_ring *ring, uint64_t from, uint64_t to, struct fr_window *win);
/* The same, of the records keep (NULL: all) selects. */
int fr_window_collect_if(const struct fr_ring *ring, uint64_t from, uint64_t to,
			 bool (*keep)(const void *rec, uint32_t len, void *ctx), void *ctx,
			 struct fr_window *win);
void fr_window_free(struct fr_window *win);
/* Write a window as a capture: META, TRIGGER (when not NULL), the events,
 * the process table (the tasks the events name, as c->tasks and /proc
 * know them) and END with the counters k, through w (opened), then close
 * w. The recording may go on meanwhile: nothing here reads its ring. */
int fr_snapshot_write_window(const struct fr_window *win, const struct fr_counters *k,
			     const struct fr_snap_ctx *c, const struct fr_snapshot_info *info,
			     const cJSON *trigger, struct fr_cap_writer *w,
			     struct fr_snapshot_result *res);

/* The block devices of this machine as {"major:minor": "name"}. */
cJSON *fr_devices_json(void);

#endif
