/* flightrec.h: the event ABI shared by the BPF programs and user space.
 *
 * Every record starts with struct fr_hdr; hdr.size is the length of the whole
 * record, so readers can skip types they do not know. All fields are
 * fixed-size and explicitly padded: this header is an on-disk format too. */
#ifndef FLIGHTREC_ABI_H
#define FLIGHTREC_ABI_H

/* 2: sched_switch and process_exit carry the scheduler's CPU time of the
 * task (readers accept the shorter records of 1) */
#define FR_ABI_VERSION 2

#define FR_COMM_LEN 16
#define FR_PATH_LEN 256
#define FR_ARGS_LEN 256

enum fr_type {
	FR_EV_SCHED_SWITCH = 1,
	FR_EV_SCHED_WAKEUP = 2,
	FR_EV_SCHED_WAKEUP_NEW = 3,
	FR_EV_PROC_FORK = 4,
	FR_EV_PROC_EXEC = 5,
	FR_EV_PROC_EXIT = 6,
	FR_EV_SYS_ENTER = 7,
	FR_EV_SYS_EXIT = 8,
	FR_EV_BLOCK_ISSUE = 9,
	FR_EV_BLOCK_COMPLETE = 10,
	FR_EV_OOM_KILL = 11,
	FR_EV_MARK = 12,
	FR_EV_TYPE_MAX,
};

/* The task an event is about: the task switched out, the task woken, the
 * forking parent, the task that issued a block request; otherwise current.
 * flags holds the trace label of that task when the event was taken: 0 for
 * none, else a slot in the recorder's trace table (written with the
 * capture's counters) that gives the trace id. */
struct fr_hdr {
	__u64 ts;	/* CLOCK_BOOTTIME, ns */
	__u32 tgid;
	__u32 tid;
	__u16 type;	/* enum fr_type */
	__u16 size;	/* whole record, header included */
	__u16 cpu;
	__u16 flags;
};

struct fr_sched_switch {
	struct fr_hdr h;
	__u32 next_tgid;	/* 0 when the attach method cannot see it */
	__u32 next_tid;
	__s32 prev_prio;
	__s32 next_prio;
	__u32 prev_state;	/* TASK_* bits of the task switched out */
	__u32 wanted;		/* ABI 2: FR_SW_* (0 in ABI 1) */
	char prev_comm[FR_COMM_LEN];
	char next_comm[FR_COMM_LEN];
	/* ABI 2: the CPU time the task switched out has had in its life, as
	 * the scheduler counts it (se.sum_exec_runtime), ns; 0 when unknown.
	 * Its growth between two records is exact even when a switch in
	 * between was never traced. */
	__u64 prev_runtime;
};

#define FR_SCHED_SWITCH_V1_SIZE 80	/* without prev_runtime */

/* Which side of a switch the recording asked for (its -p, --comm, --cgroup
 * or COMMAND, never the recorder itself): the other side is only there for
 * its company, and its figures from these records would be partial. */
#define FR_SW_PREV 0x1
#define FR_SW_NEXT 0x2

/* sched_wakeup and sched_wakeup_new: h.tgid/h.tid is the task woken. */
struct fr_sched_wakeup {
	struct fr_hdr h;
	__u32 waker_tgid;
	__u32 waker_tid;
	__s32 prio;
	__s32 target_cpu;
	char comm[FR_COMM_LEN];
};

struct fr_proc_fork {
	struct fr_hdr h;	/* the parent */
	__u32 child_tgid;	/* 0 when the attach method cannot see it */
	__u32 child_tid;
	char child_comm[FR_COMM_LEN];
};

/* Variable length: data holds filename_len bytes of filename (NUL included)
 * then args_len bytes of NUL-separated arguments; h.size is that rounded up
 * to a multiple of 8, like every record size. */
struct fr_proc_exec {
	struct fr_hdr h;
	__u32 old_tid;
	__u16 filename_len;
	__u16 args_len;
	char comm[FR_COMM_LEN];
	char data[FR_PATH_LEN + FR_ARGS_LEN];
};
#define FR_EXEC_FIXED_SIZE 48	/* offsetof(struct fr_proc_exec, data) */

struct fr_proc_exit {
	struct fr_hdr h;
	__s32 exit_code;	/* wait(2) status: code << 8 | signal */
	__u32 group_dead;	/* 1 when the last thread of the process exits */
	__u64 runtime;		/* ABI 2: the thread's CPU time, as prev_runtime */
};

#define FR_PROC_EXIT_V1_SIZE 32		/* without runtime */

struct fr_sys_enter {
	struct fr_hdr h;
	__s32 id;
	__u32 _pad;
};

struct fr_sys_exit {
	struct fr_hdr h;
	__s32 id;
	__u32 _pad;
	__s64 ret;
};

enum fr_block_op {
	FR_BLK_READ = 0,
	FR_BLK_WRITE = 1,
	FR_BLK_FLUSH = 2,
	FR_BLK_DISCARD = 3,
	FR_BLK_OTHER = 15,
};

struct fr_block_rq {
	struct fr_hdr h;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 bytes;
	__u64 sector;
	__u32 op;		/* enum fr_block_op */
	__s32 error;		/* complete only: 0 or a negative errno */
	__u64 latency_ns;	/* complete only; 0 when the issue was not seen */
};

/* The OOM killer chose a victim: h.tid is the victim (h.tgid 0 when the
 * attach method cannot see it); sizes in KiB, 0 when the kernel does not
 * report them. */
struct fr_oom_kill {
	struct fr_hdr h;
	__u32 uid;
	__s32 oom_score_adj;
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	char comm[FR_COMM_LEN];
};

/* A marker sent to a running recorder (flightrec mark): h.tgid and h.tid
 * name the process it is about (the sender's unless the mark names one),
 * h.cpu is 0, h.flags the trace slot when it carries a trace id. data holds
 * name_len bytes of name (its NUL included), then meta_len bytes of nmeta
 * metadata pairs, each a key, NUL, a value, NUL. Values are any bytes but
 * NUL. h.size is that rounded up to a multiple of 8. */
#define FR_MARK_TRACE 1u	/* trace_id is set */
#define FR_MARK_BEGIN 2u	/* from now on h.tgid's events carry the trace */
#define FR_MARK_END 4u		/* ... and from now on they no longer do */
struct fr_mark {
	struct fr_hdr h;
	__u32 sender_pid;
	__u16 name_len;
	__u16 nmeta;
	__u32 meta_len;
	__u32 mflags;		/* FR_MARK_* */
	__u8 trace_id[16];
	char comm[FR_COMM_LEN];	/* of h.tgid when the mark was taken */
	char data[];
};
#define FR_MARK_FIXED_SIZE 72	/* offsetof(struct fr_mark, data) */
#define FR_MARK_MAX_SIZE 65528	/* the largest multiple of 8 in h.size */

/* Counters kept per CPU by the BPF side. */
enum fr_bpf_counter {
	FR_CNT_DROPPED = 0,	/* BPF ring buffer full: event lost */
	FR_CNT_TRACK_FULL = 1,	/* follow map full: a descendant not followed */
	FR_CNT_INFLIGHT_FULL = 2, /* in-flight map refused a request: a latency not measured */
	FR_CNT_TRACE_FULL = 3,	/* traces map full: a child left unlabelled */
	FR_CNT_INFLIGHT_MISS = 4, /* a completion whose issue was not in the map
				   * (issued before the start, or let go as the
				   * oldest when the map was full) */
	FR_CNT_MAX,
};

/* A CPU's batch of syscall records (BPF side to user space): records
 * back to back in data[0, len), n of them. The programs that fill it set
 * busy while they write, so that the periodic flush, which may interrupt
 * them on the same CPU, leaves it alone (and sets pending instead). */
#define FR_BATCH_BYTES 4096u
struct fr_batch {
	__u32 len;
	__u32 n;
	__u32 busy;
	__u32 pending;	/* a flush found it busy: its writer sends it */
	__u64 first_ts;	/* of its oldest record */
	__u8 data[FR_BATCH_BYTES + 64];	/* slack: a record never ends past it */
};

/* Flags in the follow map (tid -> flags). */
#define FR_TRACK_FOLLOW 1u	/* follow forked children */

#endif
