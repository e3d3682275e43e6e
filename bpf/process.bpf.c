/* process.bpf.c: the process group (fork, exec with filename and arguments,
 * exit with its status), and the follow map that record -- COMMAND uses to
 * keep a command's whole process tree and nothing else. */

/* A child of a followed task is followed too. Runs whether or not the
 * process group was asked for: fork tracking is what filter_follow needs. */
static __always_inline void follow_child(__u32 parent_tid, __u32 child_tid)
{
	__u32 *flags;

	if (!filter_follow)
		return;
	flags = bpf_map_lookup_elem(&track, &parent_tid);
	if (!flags)
		return;
	if (bpf_map_update_elem(&track, &child_tid, flags, BPF_ANY))
		count(FR_CNT_TRACK_FULL);
}

/* A child takes its parent's trace label. Runs whatever was asked for. */
static __always_inline void trace_child(__u32 parent_tid, __u32 child_tid)
{
	__u32 *slot;

	if (!traces_on)
		return;
	slot = bpf_map_lookup_elem(&traces, &parent_tid);
	if (slot) {
		__u32 s = *slot;

		if (bpf_map_update_elem(&traces, &child_tid, &s, BPF_ANY))
			count(FR_CNT_TRACE_FULL);
	} else {
		/* a label left on this tid by a task that exited unseen (a
		 * zombie labelled) is not the new task's */
		bpf_map_delete_elem(&traces, &child_tid);
	}
}

/* the process group on and the recorder not paused: record forks and
 * exits (the programs run regardless, to follow a command's tree and pass
 * trace labels on); set at run time */
volatile bool emit_fork = false;
volatile bool emit_exit = false;

static __always_inline int on_fork(__u32 ptgid, __u32 ptid, __u32 ctgid,
				   __u32 ctid, struct task_struct *parent,
				   struct task_struct *child)
{
	struct fr_proc_fork *e;

	follow_child(ptid, ctid);
	trace_child(ptid, ctid);
	if (!emit_fork || !want(ptgid, ptid, NULL, parent, true))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, FR_EV_PROC_FORK, sizeof(*e), ptgid, ptid);
	e->child_tgid = ctgid;
	e->child_tid = ctid;
	if (child)
		bpf_core_read(e->child_comm, sizeof(e->child_comm), &child->comm);
	else
		bpf_get_current_comm(e->child_comm, sizeof(e->child_comm));
	submit(e);
	return 0;
}

FR_TWIN(sched_process_fork, on_fork(BPF_CORE_READ(parent, tgid), BPF_CORE_READ(parent, pid),
			   BPF_CORE_READ(child, tgid), BPF_CORE_READ(child, pid), parent, child),
	struct task_struct *parent, struct task_struct *child)

/* The child's tgid is not in the classic tracepoint: read it from the task
 * it names only when the kernel lets us; otherwise record 0. */
SEC("tracepoint/sched/sched_process_fork")
int sched_process_fork_tp(struct trace_event_raw_sched_process_fork *ctx)
{
	__u64 pt = bpf_get_current_pid_tgid();

	return on_fork(pt >> 32, (__u32)pt, 0, ctx->child_pid, NULL, NULL);
}

static __always_inline int on_exec(__u32 old_tid, const char *filename)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32, tid = (__u32)pt;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fr_proc_exec *e;
	unsigned long astart, aend;
	long n, alen;

	/* A thread other than the leader that execs takes the leader's tid,
	 * after the leader's exit removed that tid from the follow map: carry
	 * the thread's own entry over. */
	if (filter_follow && old_tid != tid) {
		__u32 *flags = bpf_map_lookup_elem(&track, &old_tid);

		if (flags) {
			__u32 f = *flags;

			if (bpf_map_update_elem(&track, &tid, &f, BPF_ANY))
				count(FR_CNT_TRACK_FULL);
			bpf_map_delete_elem(&track, &old_tid);
		}
	}
	if (!want_current(tgid, tid))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	/* exec is rare: clear the strings' area so padding holds no stale bytes */
	__builtin_memset(e->data, 0, sizeof(e->data));
	n = bpf_probe_read_kernel_str(e->data, FR_PATH_LEN, filename);
	if (n < 0) {
		e->data[0] = 0;
		n = 1;
	}
	if (n > FR_PATH_LEN)
		n = FR_PATH_LEN;
	astart = BPF_CORE_READ(t, mm, arg_start);
	aend = BPF_CORE_READ(t, mm, arg_end);
	alen = aend > astart ? aend - astart : 0;
	if (alen > FR_ARGS_LEN)
		alen = FR_ARGS_LEN;
	n &= (FR_PATH_LEN * 2 - 1);
	alen &= (FR_ARGS_LEN * 2 - 1);
	if (n > FR_PATH_LEN || alen > FR_ARGS_LEN) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	if (alen && bpf_probe_read_user(e->data + n, alen, (void *)astart))
		alen = 0;
	/* keep records 8-byte multiples so readers can use them in place */
	fill_hdr(&e->h, FR_EV_PROC_EXEC, (FR_EXEC_FIXED_SIZE + n + alen + 7) & ~7, tgid, tid);
	e->old_tid = old_tid;
	e->filename_len = n;
	e->args_len = alen;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	submit(e);
	return 0;
}

FR_TWIN(sched_process_exec, on_exec(old_pid, BPF_CORE_READ(bprm, filename)),
	struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)

SEC("tracepoint/sched/sched_process_exec")
int sched_process_exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	unsigned short off = ctx->__data_loc_filename & 0xffff;

	return on_exec(ctx->old_pid, (const char *)ctx + off);
}

/* Exit runs in the exiting task, so every attach method reads the same
 * task_struct: the status is already in exit_code, and the process is gone
 * when its signal's live count has reached zero. */
static __always_inline int on_exit(void)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32, tid = (__u32)pt;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fr_proc_exit *e;

	if (emit_exit && want_current(tgid, tid) && (e = reserve(sizeof(*e)))) {
		fill_hdr(&e->h, FR_EV_PROC_EXIT, sizeof(*e), tgid, tid);
		e->exit_code = BPF_CORE_READ(t, exit_code);
		e->group_dead = BPF_CORE_READ(t, signal, live.counter) == 0;
		e->runtime = BPF_CORE_READ(t, se.sum_exec_runtime);
		submit(e);
	}
	if (filter_follow)
		bpf_map_delete_elem(&track, &tid);
	if (traces_on)
		bpf_map_delete_elem(&traces, &tid);
	return 0;
}

FR_TWIN(sched_process_exit, on_exit(),
	struct task_struct *p)

SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit_tp(void *ctx)
{
	return on_exit();
}

/* The OOM killer's victim. Only the classic tracepoint: its arguments
 * changed over time (a pid, then a task and a uid) while the fields of the
 * event kept their names; the sizes came with Linux 6.7. */
SEC("tracepoint/oom/mark_victim")
int mark_victim_tp(struct trace_event_raw_mark_victim *ctx)
{
	__u32 tid = ctx->pid;
	struct fr_oom_kill *e;

	if (!want(0, tid, NULL, NULL, false))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, FR_EV_OOM_KILL, sizeof(*e), 0, tid);
	e->uid = 0;
	e->oom_score_adj = 0;
	e->total_vm_kb = e->anon_rss_kb = e->file_rss_kb = e->shmem_rss_kb = 0;
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	if (bpf_core_field_exists(ctx->anon_rss)) {
		unsigned short off = BPF_CORE_READ(ctx, __data_loc_comm) & 0xffff;

		e->uid = BPF_CORE_READ(ctx, uid);
		e->oom_score_adj = BPF_CORE_READ(ctx, oom_score_adj);
		e->total_vm_kb = BPF_CORE_READ(ctx, total_vm);
		e->anon_rss_kb = BPF_CORE_READ(ctx, anon_rss);
		e->file_rss_kb = BPF_CORE_READ(ctx, file_rss);
		e->shmem_rss_kb = BPF_CORE_READ(ctx, shmem_rss);
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), (const char *)ctx + off);
	}
	submit(e);
	return 0;
}
