/* stream.h: record --max-size: a thread that moves what the recorder
 * gathers into a ring file, so the file is never more than about a second
 * behind, and compression never holds up the reading of events.
 *
 * The recorder's in-memory ring stays the buffer between the two: the
 * thread takes records from it (under the recorder's lock), sorts each
 * batch by time, holding back the last few milliseconds so that a later
 * batch cannot hold an earlier event, and writes EVENTS segments, the new
 * tasks (PROCS), and once a second the counters (STATUS). When a write
 * fails (a full disk), it keeps what it holds, retries every second, and
 * the in-memory ring goes on recording meanwhile. */
#ifndef FR_STREAM_H
#define FR_STREAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/proctab.h"
#include "record/recorder.h"
#include "capture/ringfile.h"
#include "record/snapshot.h"

struct fr_stream {
	struct fr_ringfile rf;
	struct fr_recorder *r;
	struct fr_proctab *pt;
	const char *path;
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	/* the next record to take from the recorder's ring */
	uint64_t cur_pos, cur_rec;
	/* records taken and not yet written (sorted ones held back first) */
	uint8_t *batch, *spare, *stage;
	size_t batch_len, batch_cap, stage_cap;
	uint32_t batch_n;
	uint32_t *order;
	size_t order_cap;
	uint64_t last_flush_ns, last_status_ns;
	uint64_t full_at;	/* rf.written_bytes when the whole process table went out */
	bool full_procs_due;
	uint64_t max_ts_written, late;
	uint64_t unwritten;	/* left the memory ring before being written */
	int err;		/* the write error the file is stalled on */
	uint64_t retry_ns;
	int first_err;		/* the first write error of the recording */
	uint64_t pub_file_bytes, pub_stored;	/* for the status line */
	uint64_t pub_tasks, pub_tasks_evicted;	/* its process table, for live stats */
	uint64_t pruned_oldest;	/* the file's oldest event when the table was last pruned */
	uint64_t *slot_ts;	/* by trace slot: the newest record taken that carries it */
};

/* Create the ring file on fd (taken over): header and META. */
int fr_stream_open(struct fr_stream *s, int fd, const char *path, uint64_t max_size,
		   const cJSON *meta, struct fr_recorder *r, struct fr_proctab *pt);
int fr_stream_start(struct fr_stream *s);
/* Stop the thread (nothing more is written until fr_stream_finish). */
void fr_stream_pause(struct fr_stream *s);
/* After the recorder stopped: write everything left, the process table
 * and END, and close. 0, or the write error. */
int fr_stream_finish(struct fr_stream *s, const struct fr_snapshot_info *info);
/* Close without finishing (an error before recording started). */
void fr_stream_abort(struct fr_stream *s);

#endif
