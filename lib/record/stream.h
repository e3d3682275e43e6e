/* stream.h: record --max-size: a thread that moves what the recorder
 * gathers into a ring file, so the file is never more than about a second
 * behind, and compression never holds up the reading of events.
 *
 * The recorder's in-memory ring stays the buffer between the two: the
 * thread takes records from it (under the lock that guards it), sorts each
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
#include "capture/ringfile.h"
#include "record/counters.h"
#include "record/ring.h"
#include "record/snapshot.h"

/* What the writer reads of the recording while it runs, and the little it
 * tells it back: the recorder fills one (fr_recorder_stream_src), a test
 * its own. Everything here may change under the writer, hence pointers. */
struct fr_stream_src {
	struct fr_ring *ring;		/* read under lock, as are the three below */
	pthread_mutex_t *lock;
	const uint64_t *drained_ns;	/* every event older than this is in the ring */
	/* the trace labels: slot s is (*trace_ids)[s - 1], for s <= *ntraces */
	uint8_t (*const *trace_ids)[16];
	const unsigned *ntraces;
	/* set to the writer's table, by trace slot, of the newest record it
	 * took, and to the file's oldest record: the recorder reuses no slot
	 * that the file may still hold */
	uint64_t **file_slot_ts;
	uint64_t *file_oldest_ts;
	/* the counters now, from the writer's thread (fr_recorder_counters) */
	void (*counters)(void *ctx, struct fr_counters *k);
	void *ctx;
	/* read by fr_stream_finish, once the recording stopped, for END */
	const struct fr_map_fill *maps;	/* FR_NMAPS; NULL for none */
	const uint64_t *stop_ns;
};

struct fr_stream {
	struct fr_ringfile rf;
	struct fr_stream_src src;
	struct fr_proctab *pt;
	const char *path;
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	/* the next record to take from the ring; rd (register it with the
	 * recorder: fr_recorder_add_reader) moves them when the ring is
	 * cleared, resized or a trace taken out, under the ring's lock */
	uint64_t cur_pos, cur_rec;
	struct fr_ring_reader rd;
	uint64_t clears_seen;	/* rd.clears when the batch was last dropped */
	bool file_clear_due;	/* the file's segments go before the next write */
	uint64_t cleared;	/* records taken before a clear, dropped unwritten */
	uint64_t rd_cleared, rd_resized, rd_taken;	/* rd's, as of the last take */
	/* records taken and not yet written (sorted ones held back first) */
	uint8_t *batch, *spare, *stage;
	size_t batch_len, batch_cap, stage_cap;
	uint32_t batch_n;
	uint32_t *order;
	size_t order_cap;
	uint64_t last_flush_ns, last_status_ns;
	bool status_written;
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

/* Create the ring file on fd (taken over): header and META. The records
 * src's ring holds already go into the file too; pt is the file's own
 * process table, the writer's alone until fr_stream_finish. */
int fr_stream_open(struct fr_stream *s, int fd, const char *path, uint64_t max_size,
		   const cJSON *meta, const struct fr_stream_src *src, struct fr_proctab *pt);
int fr_stream_start(struct fr_stream *s);
/* Stop the thread (nothing more is written until fr_stream_finish). */
void fr_stream_pause(struct fr_stream *s);
/* After the recording stopped: write everything left, the process table
 * and END, and close. 0, or the write error. */
int fr_stream_finish(struct fr_stream *s, const struct fr_snapshot_info *info);
/* Close without finishing (an error before recording started). */
void fr_stream_abort(struct fr_stream *s);

#endif
