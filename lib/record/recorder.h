/* recorder.h: the live side of record: load the BPF object with the probes
 * asked for, each attached with the best method the kernel offers, and move
 * events from the BPF ring buffer into the bounded in-memory ring. */
#ifndef FR_RECORDER_H
#define FR_RECORDER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include <linux/types.h>

#include "flightrec.h"
#include "record/features.h"
#include "capture/proctab.h"
#include "record/bpfring.h"
#include "record/counters.h"
#include "record/ring.h"

enum fr_attach {
	FR_ATTACH_TP_BTF = 0,
	FR_ATTACH_RAW_TP = 1,
	FR_ATTACH_TRACEPOINT = 2,
	FR_ATTACH_NONE = 3,
};
const char *fr_attach_name(enum fr_attach a);
/* "auto" maps to tp_btf, the best; -1 when unknown. */
int fr_attach_parse(const char *s);

/* The probes, one program each (in three attach forms, bpf/). */
enum fr_probe {
	FR_PROBE_SCHED_SWITCH,
	FR_PROBE_SCHED_WAKEUP,
	FR_PROBE_SCHED_WAKEUP_NEW,
	FR_PROBE_PROCESS_FORK,
	FR_PROBE_PROCESS_EXEC,
	FR_PROBE_PROCESS_EXIT,
	FR_PROBE_SYS_ENTER,
	FR_PROBE_SYS_EXIT,
	FR_PROBE_BLOCK_ISSUE,
	FR_PROBE_BLOCK_COMPLETE,
	FR_PROBE_OOM_VICTIM,
	FR_PROBE_COUNT,
};

struct fr_probe_def {
	const char *name;	/* tracepoint name, and program name prefix */
	const char *category;	/* tracefs category */
	unsigned group;
	/* arguments (the context pointer included) the BTF and raw forms
	 * read: a kernel whose prototype differs gets the classic form */
	int nargs_min, nargs_max;
	bool always;		/* attached whatever the groups asked for */
};
extern const struct fr_probe_def fr_probe_defs[FR_PROBE_COUNT];
extern const unsigned fr_nprobes;

struct fr_record_cfg {
	unsigned groups;
	enum fr_attach prefer;	/* best method to try first */
	uint32_t filter_tgid;
	bool follow;		/* only tids in the follow map */
	char comm[16];		/* "" for none */
	uint64_t cgroup_id;
	int cgroup_level;	/* -1 for none */
	uint64_t ring_size;
	uint32_t bpf_buffer;	/* BPF ring buffer bytes, power of two */
};

struct bpf_link;

struct fr_probe_state {
	const struct fr_probe_def *def;
	enum fr_attach method;
	bool attached;
	bool wanted;		/* its group is on, or it is always attached */
	const char *why;	/* why skipped */
	struct bpf_link *link;
};

struct flightrec_bpf;
struct ring_buffer;
struct bpf_link;
struct fr_cap_writer;
struct fr_snap_ctx;
struct fr_snapshot_info;
struct fr_snapshot_result;
struct fr_stream_src;
struct fr_window;

struct fr_recorder {
	struct flightrec_bpf *skel;
	struct fr_bpfring rb;
	bool rb_open;
	struct fr_ring ring;
	struct fr_probe_state probes[FR_PROBE_COUNT];
	unsigned nattached;
	/* syscall records batched per CPU (see bpf/common.bpf.h): the flush
	 * program's perf event links, one per CPU */
	bool batching;
	struct bpf_link **flush_links;
	unsigned nflush;
	struct bpf_link *flush_idle_link;	/* at sched_switch to idle */
	/* the counters: read them with fr_recorder_counters */
	uint64_t received;	/* records moved into the ring */
	uint64_t malformed;	/* records refused as malformed */
	/* the BPF counters, as read at the detach: while the probes are
	 * attached they are read from the kernel */
	uint64_t dropped;	/* BPF ring buffer full */
	uint64_t track_full;
	uint64_t inflight_full;	/* block requests whose latency was not measured */
	uint64_t traces_full;	/* children left unlabelled: the traces map was full */
	uint64_t inflight_miss;	/* completions whose issue was not in the map */
	uint64_t start_ns, stop_ns;	/* CLOCK_BOOTTIME */
	struct fr_features feat;
	/* held while events move into the ring, so another thread can read
	 * it; with drained_ns, when the last drain started: every event older
	 * than that (by more than the few microseconds between an event's
	 * timestamp and its commit) is in the ring */
	pthread_mutex_t lock;
	uint64_t drained_ns;
	/* records moved into the ring by type (0: unknown), marks included */
	uint64_t by_type[FR_EV_TYPE_MAX];
	uint64_t marks;		/* marks put in the ring */
	/* trace labels: slot s (h.flags) is trace_ids[s - 1]. Once all are
	 * taken, a new trace reuses the slot labelled longest ago that no
	 * task carries and no record held (ring, ring file) refers to, so
	 * every label in a capture keeps its meaning. */
	uint8_t (*trace_ids)[16];
	unsigned ntraces;
	uint64_t *trace_used_ns;	/* by slot: when it was last asked for */
	uint64_t traces_recycled, traces_refused;
	/* with a ring file (its writer sets them): by slot, the newest record
	 * taken into it that carries the slot, and the file's oldest record */
	uint64_t *trace_file_ts;
	uint64_t file_oldest_ts;
	/* the tasks the ring's events name: learnt from the fork, exec and
	 * exit records as they come in (the main thread's alone), and swept
	 * now and then of the tasks that are gone and that no record held
	 * names any more (fr_recorder_tend) */
	struct fr_proctab tasks;
	uint32_t tasks_gen;
	uint64_t swept_ns, swept_overwritten, swept_head;
	uint32_t swept_len;
	uint64_t sweeps, sweep_ns;	/* how many, and the time the last one took */
	/* the maps' fill when the counters were last read */
	struct fr_map_fill maps[FR_NMAPS];
	/* live control (recorder_ctl.c): the groups on, paused or not; the
	 * timeline of pauses and group changes; the ring's other readers,
	 * moved when the ring is cleared, resized or a trace taken out */
	unsigned groups;
	bool paused;
	struct fr_timeline tl;
	struct fr_ring_reader *readers[4];
	unsigned nreaders;
	uint64_t rebuilds;	/* ring rebuilt on request: positions started again */
	/* while another thread rebuilds the ring (resize, a trace taken
	 * out), the drain puts records here, to go into the ring after */
	struct {
		bool on;
		uint8_t *buf;
		size_t len, cap;
		uint64_t records;
	} stash;
};

/* Load and attach. On failure returns -errno with a message already printed;
 * -EPERM means not privileged. Nothing stays attached on failure. */
int fr_recorder_start(struct fr_recorder *r, const struct fr_record_cfg *cfg);
/* Follow tid (and what it forks); used for record -- COMMAND. */
int fr_recorder_track(struct fr_recorder *r, uint32_t tid);
/* The slot of a trace id, given a new one when create is set. The slot
 * (1 to FR_MAX_TRACES), -ENOENT, -ENOSPC (table full) or -ENOMEM. */
int fr_recorder_trace_slot(struct fr_recorder *r, const uint8_t id[16], bool create);
/* Give back the slot just created when nothing was labelled with it. */
void fr_recorder_trace_unslot(struct fr_recorder *r, unsigned slot);
/* Label tid's events with slot from now on (its children inherit it). */
int fr_recorder_label_tid(struct fr_recorder *r, uint32_t tid, unsigned slot);
/* Label every thread of process pid. The threads labelled, or -ESRCH. */
int fr_recorder_label_pid(struct fr_recorder *r, uint32_t pid, unsigned slot);
/* Stop labelling with slot: the tasks that carried it. */
int fr_recorder_unlabel(struct fr_recorder *r, unsigned slot);
/* {"slot": "trace id", ...}; NULL when no trace was seen. Any thread. */
cJSON *fr_recorder_traces_json(const struct fr_recorder *r);
/* Put a mark record (valid, h.size bytes) in the ring, under the lock. */
int fr_recorder_put(struct fr_recorder *r, const void *rec);
/* Wait up to timeout_ms for events and move them into the ring. */
int fr_recorder_poll(struct fr_recorder *r, int timeout_ms);
/* Bring into the ring every event that happened before the call, batched
 * ones included (waiting for one flush of the batches when they are on),
 * as a live snapshot needs. */
int fr_recorder_sync(struct fr_recorder *r);
/* Grow the ring to cap bytes, keeping what it holds (fr_ring_grow); pos,
 * a reader's position, moves with the records. Not with a ring file's
 * writer running: it holds positions of its own. 0 or -errno. */
int fr_recorder_grow_ring(struct fr_recorder *r, uint64_t cap, uint64_t *pos);
/* Drain, sleep ms, drain: for a caller busy with something else that must
 * not let the BPF ring buffer fill meanwhile. */
void fr_recorder_idle(struct fr_recorder *r, unsigned ms);
/* Now and then (at most once a second, when the ring has let records go):
 * forget the tasks that are gone and that no record in the ring names. The
 * main loop calls it on every turn; it costs nothing when there is no work. */
void fr_recorder_tend(struct fr_recorder *r);
/* The same at once (live stats: exact figures). Main thread only. */
void fr_recorder_sweep(struct fr_recorder *r);
/* The fill of the maps that can fill (follow, traces, inflight), read from
 * the kernel: any thread. */
void fr_recorder_maps(const struct fr_recorder *r, struct fr_map_fill out[FR_NMAPS]);
/* Refresh r->maps (a walk of each map: for a capture, not every second). */
void fr_recorder_read_maps(struct fr_recorder *r);
/* Every counter of r as it is now, the BPF ones read from the kernel
 * while the probes are attached (else as they were at the detach). The
 * main thread's: it takes r->lock, so not with it held. */
void fr_recorder_counters(struct fr_recorder *r, struct fr_counters *out);
/* The same from another thread (the ring file's writer), the task table's
 * figures left 0 (the main thread changes the table without the lock);
 * never while fr_recorder_stop runs (the writer is paused before it). */
void fr_recorder_counters_shared(struct fr_recorder *r, struct fr_counters *out);

/* ---- live control (recorder_ctl.c); main thread, between drains ---- */

/* Register a reader of the ring (the ring file's writer, a trigger's
 * detectors) to move with it. At most 4. */
void fr_recorder_add_reader(struct fr_recorder *r, struct fr_ring_reader *rd);
/* Stop taking events and keep the ring: every probe detached but fork and
 * exit, which stop recording and go on following tasks. 0 or -EALREADY. */
int fr_recorder_pause(struct fr_recorder *r);
/* Attach the groups on again. 0, -EALREADY, or -errno when no probe of
 * them could be attached (then still paused; the message in err). */
int fr_recorder_resume(struct fr_recorder *r, char *err, size_t errlen);
/* Switch groups on and off; a paused recorder attaches them at its
 * resume. The groups really changed in *changed. 0, or -EOPNOTSUPP when
 * a group has no probe this kernel can attach, -ENOENT when no probe would
 * be left, with the message in err (nothing changed). */
int fr_recorder_set_groups(struct fr_recorder *r, unsigned on, unsigned off, unsigned *changed,
			   char *err, size_t errlen);
/* Empty the ring (fr_ring_clear_counted). The records cleared. */
uint64_t fr_recorder_clear(struct fr_recorder *r);
/* Make the ring cap bytes at once, keeping the newest records that fit;
 * *discarded says how many did not. 0, -EINVAL, -ENOMEM. */
int fr_recorder_resize(struct fr_recorder *r, uint64_t cap, uint64_t *discarded);
/* Copy out the records keep selects, sorted by time, into win; with take,
 * also take them out of the ring (counted in taken). 0 or -ENOMEM. */
int fr_recorder_select(struct fr_recorder *r, bool (*keep)(const void *rec, uint32_t len, void *ctx),
		       void *ctx, bool take, struct fr_window *win);

/* Drain what is left, read the counters, detach every probe. Idempotent. */
void fr_recorder_stop(struct fr_recorder *r);
void fr_recorder_free(struct fr_recorder *r);

/* ---- what the capture writers read of a recorder ---- */

/* META: what is recorded, where and how; stop_ns only once stopped. */
cJSON *fr_meta_json(const struct fr_recorder *r, const struct fr_snapshot_info *info);
/* What a capture of r's ring is written with, as of now: c->meta is new
 * (cJSON_Delete it; NULL when out of memory), the rest points into r. */
void fr_recorder_snap_ctx(struct fr_recorder *r, const struct fr_snapshot_info *info,
			  struct fr_snap_ctx *c);
/* fr_snapshot_write of r's ring (r stopped), with its counters now. */
int fr_recorder_snapshot(struct fr_recorder *r, const struct fr_snapshot_info *info,
			 struct fr_cap_writer *w, struct fr_snapshot_result *res);
/* fr_snapshot_write_window of a window of r's ring, with its counters
 * now (main thread). */
int fr_recorder_snapshot_window(struct fr_recorder *r, const struct fr_snapshot_info *info,
				const cJSON *trigger, const struct fr_window *win,
				struct fr_cap_writer *w, struct fr_snapshot_result *res);
/* What a ring file's writer reads of r while it records (fr_stream_open). */
void fr_recorder_stream_src(struct fr_recorder *r, struct fr_stream_src *src);

#endif
