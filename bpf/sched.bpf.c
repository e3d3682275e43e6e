/* sched.bpf.c: the sched group (switch, wakeup, wakeup_new), each in its
 * tp_btf, raw_tp and tracepoint form; user space loads one per probe. */

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___old *)t, state);
}

/* comm fields are copied whole (the kernel keeps them zero-padded) so no
 * stale ring buffer bytes end up in a capture */
static __always_inline int on_switch(struct task_struct *prev,
				     struct task_struct *next)
{
	__u32 ptgid = BPF_CORE_READ(prev, tgid), ptid = BPF_CORE_READ(prev, pid);
	__u32 ntgid = BPF_CORE_READ(next, tgid), ntid = BPF_CORE_READ(next, pid);
	__u32 wanted = FR_SW_PREV | FR_SW_NEXT;
	struct fr_sched_switch *e;

	if (filtering() || self_tgid == ptgid || self_tgid == ntgid) {
		wanted = (want(ptgid, ptid, NULL, prev, true) ? FR_SW_PREV : 0) |
			 (want(ntgid, ntid, NULL, next, false) ? FR_SW_NEXT : 0);
		if (!wanted)
			return 0;
	}
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, FR_EV_SCHED_SWITCH, sizeof(*e), ptgid, ptid);
	if (!e->h.flags)	/* a labelled task switched in is its event too */
		e->h.flags = trace_of(ntid);
	e->next_tgid = ntgid;
	e->next_tid = ntid;
	e->prev_prio = BPF_CORE_READ(prev, prio);
	e->next_prio = BPF_CORE_READ(next, prio);
	e->prev_state = task_state(prev);
	e->wanted = wanted;
	bpf_core_read(e->prev_comm, sizeof(e->prev_comm), &prev->comm);
	bpf_core_read(e->next_comm, sizeof(e->next_comm), &next->comm);
	e->prev_runtime = BPF_CORE_READ(prev, se.sum_exec_runtime);
	submit(e);
	return 0;
}

FR_TWIN(sched_switch, on_switch(prev, next),
	bool preempt, struct task_struct *prev, struct task_struct *next)

/* The classic tracepoint does not carry tgids: the task switched in is
 * recorded with next_tgid 0 and matched by tid only. */
SEC("tracepoint/sched/sched_switch")
int sched_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 ptgid = pt >> 32, ptid = (__u32)pt, ntid = ctx->next_pid;
	char pcomm[FR_COMM_LEN], ncomm[FR_COMM_LEN];
	__u32 wanted = FR_SW_PREV | FR_SW_NEXT;
	struct fr_sched_switch *e;

	/* the verifier allows no pointer into ctx: copy the names out */
	bpf_probe_read_kernel(pcomm, sizeof(pcomm), ctx->prev_comm);
	bpf_probe_read_kernel(ncomm, sizeof(ncomm), ctx->next_comm);
	if (filtering() || self_tgid == ptgid) {
		wanted = (want(ptgid, ptid, pcomm, NULL, true) ? FR_SW_PREV : 0) |
			 (want(0, ntid, ncomm, NULL, false) ? FR_SW_NEXT : 0);
		if (!wanted)
			return 0;
	}
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, FR_EV_SCHED_SWITCH, sizeof(*e), ptgid, ptid);
	if (!e->h.flags)
		e->h.flags = trace_of(ntid);
	e->next_tgid = 0;
	e->next_tid = ntid;
	e->prev_prio = ctx->prev_prio;
	e->next_prio = ctx->next_prio;
	e->prev_state = ctx->prev_state;
	e->wanted = wanted;
	__builtin_memcpy(e->prev_comm, pcomm, FR_COMM_LEN);
	__builtin_memcpy(e->next_comm, ncomm, FR_COMM_LEN);
	/* the task switched out is still current here */
	e->prev_runtime = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(),
					se.sum_exec_runtime);
	submit(e);
	return 0;
}

static __always_inline int on_wakeup(struct task_struct *p, __u16 type)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), tid = BPF_CORE_READ(p, pid);
	__u64 cur = bpf_get_current_pid_tgid();
	struct fr_sched_wakeup *e;

	if (!want(tgid, tid, NULL, p, false))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, type, sizeof(*e), tgid, tid);
	e->waker_tgid = cur >> 32;
	e->waker_tid = (__u32)cur;
	e->prio = BPF_CORE_READ(p, prio);
	e->target_cpu = BPF_CORE_READ(p, wake_cpu);
	bpf_core_read(e->comm, sizeof(e->comm), &p->comm);
	submit(e);
	return 0;
}

static __always_inline int on_wakeup_tp(struct trace_event_raw_sched_wakeup_template *ctx,
					__u16 type)
{
	__u64 cur = bpf_get_current_pid_tgid();
	__u32 tid = ctx->pid;
	char comm[FR_COMM_LEN];
	struct fr_sched_wakeup *e;

	bpf_probe_read_kernel(comm, sizeof(comm), ctx->comm);
	if (!want(0, tid, comm, NULL, false))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, type, sizeof(*e), 0, tid);
	e->waker_tgid = cur >> 32;
	e->waker_tid = (__u32)cur;
	e->prio = ctx->prio;
	e->target_cpu = ctx->target_cpu;
	__builtin_memcpy(e->comm, comm, FR_COMM_LEN);
	submit(e);
	return 0;
}

FR_TWIN(sched_wakeup, on_wakeup(p, FR_EV_SCHED_WAKEUP),
	struct task_struct *p)

SEC("tracepoint/sched/sched_wakeup")
int sched_wakeup_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return on_wakeup_tp(ctx, FR_EV_SCHED_WAKEUP);
}

FR_TWIN(sched_wakeup_new, on_wakeup(p, FR_EV_SCHED_WAKEUP_NEW),
	struct task_struct *p)

SEC("tracepoint/sched/sched_wakeup_new")
int sched_wakeup_new_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return on_wakeup_tp(ctx, FR_EV_SCHED_WAKEUP_NEW);
}
