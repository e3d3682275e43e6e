/* syscalls.bpf.c: the syscalls group, raw_syscalls sys_enter and sys_exit.
 * One record per side; the reader pairs them per thread for durations. This
 * is the hottest path of the recorder: no map, no helper beyond the four a
 * record needs unless a filter is on. */

static __always_inline long regs_syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ((struct user_pt_regs *)regs, regs[8]);
#else
#error "syscall number: unsupported architecture"
#endif
}

static __always_inline int on_sys_enter(long id)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32, tid = (__u32)pt;
	struct fr_sys_enter *e;
	struct fr_batch *b = NULL;
	__u64 ts;

	if (!want_current(tgid, tid))
		return 0;
	ts = bpf_ktime_get_boot_ns();
	e = batched_slot(&b, sizeof(*e), ts);
	if (!e)
		return 0;
	fill_hdr_ts(&e->h, ts, FR_EV_SYS_ENTER, sizeof(*e), tgid, tid);
	e->id = id;
	e->_pad = 0;
	batched_done(b, e, sizeof(*e));
	return 0;
}

static __always_inline int on_sys_exit(long id, long ret)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32, tid = (__u32)pt;
	struct fr_sys_exit *e;
	struct fr_batch *b = NULL;
	__u64 ts;

	if (!want_current(tgid, tid))
		return 0;
	ts = bpf_ktime_get_boot_ns();
	e = batched_slot(&b, sizeof(*e), ts);
	if (!e)
		return 0;
	fill_hdr_ts(&e->h, ts, FR_EV_SYS_EXIT, sizeof(*e), tgid, tid);
	e->id = id;
	e->_pad = 0;
	e->ret = ret;
	batched_done(b, e, sizeof(*e));
	return 0;
}

static __always_inline void flush_now(void)
{
	__u32 zero = 0;
	struct fr_batch *b = bpf_map_lookup_elem(&batches, &zero);

	if (!b || !b->len)
		return;
	if (b->busy) {
		b->pending = 1;	/* interrupted its writer, which sends it */
		return;
	}
	b->busy = 1;	/* for user space collecting at the end */
	barrier();
	batch_flush(b);
	barrier();
	b->busy = 0;
}

/* Sends the CPU's batch of syscall records, unless a syscall program it
 * interrupted is writing to it (which then sends it): a timer on every CPU,
 * for a task that made its last syscalls and then runs on without one... */
SEC("perf_event")
int flush_batch(void *ctx)
{
	flush_now();
	return 0;
}

/* ... and as a CPU goes idle. The scheduler runs with interrupts off and
 * never inside a syscall program. */
static __always_inline int flush_if_idle(struct task_struct *next)
{
	if (BPF_CORE_READ(next, pid) == 0)
		flush_now();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(flush_idle_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return flush_if_idle(next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(flush_idle_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return flush_if_idle(next);
}

FR_TWIN(sys_enter, on_sys_enter(id),
	struct pt_regs *regs, long id)

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter_tp(struct trace_event_raw_sys_enter *ctx)
{
	return on_sys_enter(ctx->id);
}

/* The BTF form can read the registers directly; the raw form goes through
 * a probe read. */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
#if defined(__TARGET_ARCH_x86)
	return on_sys_exit(regs->orig_ax, ret);
#elif defined(__TARGET_ARCH_arm64)
	return on_sys_exit(regs->syscallno, ret);
#endif
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs_syscall_nr(regs), ret);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sys_exit_tp(struct trace_event_raw_sys_exit *ctx)
{
	return on_sys_exit(ctx->id, ctx->ret);
}
