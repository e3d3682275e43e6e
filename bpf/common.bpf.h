/* common.bpf.h: maps, run-time knobs, filters and the emit path shared by
 * every probe group of the recorder's BPF object. */
#ifndef FR_COMMON_BPF_H
#define FR_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "flightrec.h"

#ifndef barrier
#define barrier() asm volatile("" ::: "memory")
#endif

/* Knobs set by user space between open and load. */
const volatile __u32 self_tgid = 0;		/* never record ourselves */
const volatile __u32 filter_tgid = 0;		/* -p: one process, its threads */
const volatile bool filter_follow = false;	/* -- COMMAND: tids in track */
const volatile bool filter_comm_on = false;	/* --comm */
const volatile char filter_comm[FR_COMM_LEN] = {};
const volatile __u64 filter_cgroup_id = 0;	/* --cgroup: cgroup2 id ... */
const volatile __s32 filter_cgroup_level = -1;	/* ... and its depth */
const volatile __u64 wakeup_bytes = 1 << 20;	/* wake the reader past this */
const volatile __u32 wake_shift = 16;		/* then once per 2^wake_shift bytes */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);	/* resized by user space */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FR_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Followed tasks (tid -> FR_TRACK_* flags) for record -- COMMAND. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} track SEC(".maps");

/* Trace labels (tid -> slot in user space's trace table, never 0): every
 * event about a labelled task carries its slot in h.flags, and a task's
 * children inherit it. User space sets traces_on once it labels a task, so
 * the lookup costs nothing until then. */
__u32 traces_on = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} traces SEC(".maps");

static __always_inline __u16 trace_of(__u32 tid)
{
	__u32 *slot;

	if (!traces_on)
		return 0;
	slot = bpf_map_lookup_elem(&traces, &tid);
	return slot ? (__u16)*slot : 0;
}

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);

	if (v)
		*v += 1;
}

static __always_inline void count_n(__u32 which, __u32 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);

	if (v)
		*v += n;
}

static __always_inline void *reserve(__u32 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		count(FR_CNT_DROPPED);
	return e;
}

/* Wake the reader only when the buffer is filling up (it drains on a short
 * timer anyway), and then once per step of new data (64 KiB, less in a
 * small buffer) rather than on every record: each wake-up is an interrupt,
 * which the producing CPU pays for. avail counts what every CPU has
 * reserved, this record included; a record that takes it across a step
 * above the mark wakes the reader, so a step missed by two CPUs racing is
 * made up by the next one. User space keeps the mark at least a step below
 * the buffer's size, which avail never reaches. */
static __always_inline __u64 wake_flag(__u64 avail, __u32 size)
{
	__u64 used = ((__u64)size + 8 + 7) & ~7ULL;	/* with the 8-byte header */

	return avail >= wakeup_bytes && avail >> wake_shift != (avail - used) >> wake_shift
		       ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void submit_sized(void *e, __u32 size)
{
	bpf_ringbuf_submit(e, wake_flag(bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA), size));
}

#define submit(e) submit_sized((e), sizeof(*(e)))

/* Per-CPU batches, for the syscall programs: the hottest events go to the
 * ring buffer a few kilobytes at a time, so the reservation, commit and
 * wake-up decision are paid once per batch instead of once per record, and
 * records are written to memory that stays in the CPU's cache. Only
 * programs that never run inside one another on a CPU may share a batch:
 * sys_enter and sys_exit run in task context with preemption off. A
 * batch is sent when full, by a perf_event program firing a few times a
 * second on every CPU (so a quiet CPU's records are at most that late), and
 * its remains are collected by user space once the probes are detached.
 * User space sets use_batches once that flush runs on every CPU. */
bool use_batches = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fr_batch);
} batches SEC(".maps");

static __always_inline void batch_flush(struct fr_batch *b)
{
	__u32 len = b->len;

	if (len > FR_BATCH_BYTES)
		len = FR_BATCH_BYTES;
	if (len) {
		__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
		__u64 used = ((__u64)len + 8 + 7) & ~7ULL;

		if (bpf_ringbuf_output(&events, b->data, len, wake_flag(avail + used, len)))
			count_n(FR_CNT_DROPPED, b->n);
	}
	b->len = 0;
	b->n = 0;
	b->pending = 0;
}

/* The CPU's batch, marked busy; NULL when there is none or it is already
 * busy (a program running inside another on this CPU, which the kernels
 * known today never do): the caller then sends its record on its own. */
static __always_inline struct fr_batch *batch_open(void)
{
	__u32 zero = 0;
	struct fr_batch *b = bpf_map_lookup_elem(&batches, &zero);

	if (!b || b->busy)
		return NULL;
	b->busy = 1;
	barrier();
	return b;
}

/* A batch is sent before a record joins it once its first record is this
 * old, so a CPU making a few syscalls now and then sends them promptly. */
#define FR_BATCH_AGE_NS 10000000ULL

/* Room for a record of size bytes (at most 64) taken at ts in b, sending b
 * first when it is full or old. */
static __always_inline void *batch_reserve(struct fr_batch *b, __u32 size, __u64 ts)
{
	__u32 len = b->len;

	if (len > FR_BATCH_BYTES - size || (len && ts - b->first_ts > FR_BATCH_AGE_NS)) {
		batch_flush(b);
		len = 0;
	}
	if (!len)
		b->first_ts = ts;
	b->len = len + size;
	b->n++;
	return b->data + (len & (FR_BATCH_BYTES - 1));
}

/* Done writing; send the batch now if a flush came by meanwhile. */
static __always_inline void batch_close(struct fr_batch *b)
{
	if (b->pending) {
		b->pending = 0;
		batch_flush(b);
	}
	barrier();
	b->busy = 0;
}

/* Room for a record of size bytes taken at ts: in the CPU's batch when
 * batches are on and it is free (*b is then set), else in the ring buffer
 * (NULL when that is full). batched_done() finishes either. */
static __always_inline void *batched_slot(struct fr_batch **b, __u32 size, __u64 ts)
{
	if (use_batches && (*b = batch_open()))
		return batch_reserve(*b, size, ts);
	return reserve(size);
}

static __always_inline void batched_done(struct fr_batch *b, void *e, __u32 size)
{
	if (b)
		batch_close(b);
	else
		submit_sized(e, size);
}

static __always_inline void fill_hdr_ts(struct fr_hdr *h, __u64 ts, __u16 type, __u16 size,
					__u32 tgid, __u32 tid)
{
	h->ts = ts;
	h->tgid = tgid;
	h->tid = tid;
	h->type = type;
	h->size = size;
	h->cpu = bpf_get_smp_processor_id();
	h->flags = trace_of(tid);
}

static __always_inline void fill_hdr(struct fr_hdr *h, __u16 type, __u16 size,
				     __u32 tgid, __u32 tid)
{
	fill_hdr_ts(h, bpf_ktime_get_boot_ns(), type, size, tgid, tid);
}

static __always_inline bool comm_matches(const char *c)
{
#pragma unroll
	for (int i = 0; i < FR_COMM_LEN; i++) {
		if (c[i] != filter_comm[i])
			return false;
		if (!c[i])
			break;
	}
	return true;
}

/* Older kernels kept ancestor ids instead of pointers. */
struct cgroup___old {
	int level;
	__u64 ancestor_ids[];
} __attribute__((preserve_access_index));

static __always_inline bool task_in_cgroup(struct task_struct *t)
{
	struct cgroup *cg = BPF_CORE_READ(t, cgroups, dfl_cgrp);
	int level = filter_cgroup_level;

	if (!cg || BPF_CORE_READ(cg, level) < level)
		return false;
	if (bpf_core_field_exists(cg->ancestors)) {
		struct cgroup *anc;

		if (bpf_probe_read_kernel(&anc, sizeof(anc), &cg->ancestors[level]))
			return false;
		return anc && BPF_CORE_READ(anc, kn, id) == filter_cgroup_id;
	} else {
		struct cgroup___old *o = (void *)cg;
		__u64 id;

		if (bpf_probe_read_kernel(&id, sizeof(id), &o->ancestor_ids[level]))
			return false;
		return id == filter_cgroup_id;
	}
}

static __always_inline bool filtering(void)
{
	return filter_tgid || filter_follow || filter_comm_on ||
	       filter_cgroup_level >= 0;
}

/* Is the task (tgid, tid) one the user asked for?  comm and t may be NULL;
 * cur says whether it is the current task, whose comm and task_struct can
 * always be fetched. A check that cannot be made says no. */
static __always_inline bool want(__u32 tgid, __u32 tid, const char *comm,
				 struct task_struct *t, bool cur)
{
	if (tgid == self_tgid)
		return false;
	if (filter_tgid && tgid != filter_tgid)
		return false;
	if (filter_follow && !bpf_map_lookup_elem(&track, &tid))
		return false;
	if (filter_comm_on) {
		char buf[FR_COMM_LEN];

		if (!comm) {
			if (cur)
				bpf_get_current_comm(buf, sizeof(buf));
			else if (t)
				bpf_core_read_str(buf, sizeof(buf), &t->comm);
			else
				return false;
			comm = buf;
		}
		if (!comm_matches(comm))
			return false;
	}
	if (filter_cgroup_level >= 0) {
		if (!t && cur)
			t = (struct task_struct *)bpf_get_current_task();
		if (!t || !task_in_cgroup(t))
			return false;
	}
	return true;
}

static __always_inline bool want_current(__u32 tgid, __u32 tid)
{
	return want(tgid, tid, NULL, NULL, true);
}

/* One handler as both a BTF tracepoint and a raw tracepoint program, named
 * <tp>_btf and <tp>_raw; user space loads the one the kernel supports. */
#define FR_TWIN(tp, call, ...)							\
	SEC("tp_btf/" #tp) int BPF_PROG(tp##_btf, __VA_ARGS__) { return call; }	\
	SEC("raw_tp/" #tp) int BPF_PROG(tp##_raw, __VA_ARGS__) { return call; }

#endif
