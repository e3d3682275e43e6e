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

	if (!want_current(tgid, tid))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, FR_EV_SYS_ENTER, sizeof(*e), tgid, tid);
	e->id = id;
	e->_pad = 0;
	submit(e);
	return 0;
}

static __always_inline int on_sys_exit(long id, long ret)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32, tid = (__u32)pt;
	struct fr_sys_exit *e;

	if (!want_current(tgid, tid))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, FR_EV_SYS_EXIT, sizeof(*e), tgid, tid);
	e->id = id;
	e->_pad = 0;
	e->ret = ret;
	submit(e);
	return 0;
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
