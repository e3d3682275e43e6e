/* profile.bpf.c: the on-demand stack profiler that trigger attaches when a
 * detector fires. One perf_event program, attached to a software event on
 * every CPU (cpu-clock or page-faults), counts samples per (process, kernel
 * stack, user stack, comm). It is an object of its own, not part of the
 * recorder's, so that a recording never pays for its maps. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define FR_PROF_DEPTH 127	/* PERF_MAX_STACK_DEPTH, the helpers' limit */
#define FR_PROF_STACKS 16384
#define FR_PROF_COMM 16

/* Indexes of the lost array: why a sample was not counted... */
#define FR_PROF_LOST_FULL 0	/* the counts map is full */
#define FR_PROF_LOST_NOSTACK 1	/* neither stack could be read */
/* ... or counted without one of its stacks: the stack map was full, or the
 * slot its hash picks held another stack (never replaced: the keys counted
 * so far point at it) */
#define FR_PROF_STACK_DROPPED 2
#define FR_PROF_LOST_MAX 3

#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif

/* Must match struct prof_key in lib/record/profile.c (its size is checked there). */
struct fr_prof_key {
	__u32 tgid;
	__s32 kstack;	/* stack id, or -errno */
	__s32 ustack;
	char comm[FR_PROF_COMM];
};

const volatile __u32 self_tgid = 0;	/* never sample ourselves */

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, FR_PROF_STACKS);
	__type(key, __u32);
	/* lowered by user space when kernel.perf_event_max_stack is */
	__uint(value_size, FR_PROF_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FR_PROF_STACKS);
	__type(key, struct fr_prof_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FR_PROF_LOST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 why)
{
	__u64 *v = bpf_map_lookup_elem(&lost, &why);

	if (v)
		*v += 1;
}

SEC("perf_event")
int fr_profile(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct fr_prof_key key = {};
	__u64 one = 1, *v;

	/* pid 0 is the idle task of each CPU: samples of nothing */
	if ((__u32)id == 0 || (id >> 32) == self_tgid)
		return 0;
	key.tgid = id >> 32;
	/* a user-mode sample has no kernel stack and a kernel thread no user
	 * stack: one failing is normal, keep the sample with the other */
	key.kstack = bpf_get_stackid(ctx, &stacks, 0);
	key.ustack = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	if (key.kstack < 0 && key.ustack < 0) {
		count_lost(FR_PROF_LOST_NOSTACK);
		return 0;
	}
	if (key.kstack == -EEXIST || key.kstack == -ENOMEM || key.ustack == -EEXIST ||
	    key.ustack == -ENOMEM)
		count_lost(FR_PROF_STACK_DROPPED);
	bpf_get_current_comm(key.comm, sizeof(key.comm));

	v = bpf_map_lookup_elem(&counts, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return 0;
	}
	if (!bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST))
		return 0;
	/* another CPU may have added the same key in between */
	v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		count_lost(FR_PROF_LOST_FULL);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
