/* recorder.c: load, attach, consume. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/event.h"
#include "base/log.h"
#include "record/recorder.h"
#include "record/recorder_impl.h"
#include "record/snapshot.h"
#include "record/stream.h"
#include "base/util.h"

#ifndef FR_VERSION
#define FR_VERSION "0.0.0"
#endif
#include "flightrec.skel.h"

const struct fr_probe_def fr_probe_defs[] = {
	[FR_PROBE_SCHED_SWITCH] = { "sched_switch", "sched", FR_GROUP_SCHED, 4, 8, false },
	[FR_PROBE_SCHED_WAKEUP] = { "sched_wakeup", "sched", FR_GROUP_SCHED, 2, 8, false },
	[FR_PROBE_SCHED_WAKEUP_NEW] = { "sched_wakeup_new", "sched", FR_GROUP_SCHED, 2, 8, false },
	/* fork and exit follow a command's tree (record -- COMMAND) and pass
	 * trace labels on, which may come at any time */
	[FR_PROBE_PROCESS_FORK] = { "sched_process_fork", "sched", FR_GROUP_PROCESS, 3, 8, true },
	[FR_PROBE_PROCESS_EXEC] = { "sched_process_exec", "sched", FR_GROUP_PROCESS, 4, 8, false },
	[FR_PROBE_PROCESS_EXIT] = { "sched_process_exit", "sched", FR_GROUP_PROCESS, 2, 8, true },
	[FR_PROBE_SYS_ENTER] = { "sys_enter", "raw_syscalls", FR_GROUP_SYSCALLS, 3, 3, false },
	[FR_PROBE_SYS_EXIT] = { "sys_exit", "raw_syscalls", FR_GROUP_SYSCALLS, 3, 3, false },
	/* before Linux 5.11 issue also passed the request queue first */
	[FR_PROBE_BLOCK_ISSUE] = { "block_rq_issue", "block", FR_GROUP_BLOCK, 2, 2, false },
	[FR_PROBE_BLOCK_COMPLETE] = { "block_rq_complete", "block", FR_GROUP_BLOCK, 4, 4, false },
	/* classic form only: its fields are stable across kernel versions */
	[FR_PROBE_OOM_VICTIM] = { "mark_victim", "oom", FR_GROUP_PROCESS, 0, 99, false },
};
const unsigned fr_nprobes = FR_PROBE_COUNT;
_Static_assert(sizeof(fr_probe_defs) / sizeof(fr_probe_defs[0]) == FR_PROBE_COUNT, "a row per probe");


static const char *const attach_names[] = { "tp_btf", "raw_tp", "tracepoint", "none" };
static const char *const prog_suffix[] = { "_btf", "_raw", "_tp" };

const char *fr_attach_name(enum fr_attach a)
{
	return a <= FR_ATTACH_NONE ? attach_names[a] : "?";
}

int fr_attach_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return FR_ATTACH_TP_BTF;
	for (int i = 0; i < FR_ATTACH_NONE; i++)
		if (!strcmp(s, attach_names[i]))
			return i;
	return -1;
}

static void detach_all(struct fr_recorder *r);
static void on_record(void *ctx, const void *data, uint32_t len);
static int drain(struct fr_recorder *r);

/* The timer that sends each CPU's batch of syscall records when nothing
 * else has (it fills, grows 10 ms old when a record joins it, or the CPU
 * goes idle): the most the last records of a task that then runs on
 * without a syscall or a switch wait. It wakes idle CPUs too, so it is
 * kept slow. */
#define FLUSH_PERIOD_NS 100000000ULL

void fr_recorder_stop_batching(struct fr_recorder *r)
{
	bpf_link__destroy(r->flush_idle_link);
	r->flush_idle_link = NULL;
	for (unsigned i = 0; i < r->nflush; i++)
		bpf_link__destroy(r->flush_links[i]);
	free(r->flush_links);
	r->flush_links = NULL;
	r->nflush = 0;
}

/* Batch syscall records when a flush can run on every CPU; otherwise each
 * record goes to the ring buffer on its own, as the other probes' do. */
void fr_recorder_start_batching(struct fr_recorder *r)
{
	struct bpf_program *prog = r->skel->progs.flush_batch;
	int ncpu = libbpf_num_possible_cpus();
	const char *why = NULL;

	if (r->batching || bpf_program__fd(prog) < 0 || ncpu <= 0)
		return;
	{
		const char *env = getenv("FLIGHTREC_SYSCALL_BATCH");

		if (env && !strcmp(env, "0")) {
			fr_vlog("syscall records go to the ring buffer one by one: "
				"FLIGHTREC_SYSCALL_BATCH=0");
			return;
		}
	}
	/* and as a CPU goes idle */
	{
		struct bpf_program *idle = bpf_program__fd(r->skel->progs.flush_idle_btf) >= 0
						   ? r->skel->progs.flush_idle_btf
						   : r->skel->progs.flush_idle_raw;

		r->flush_idle_link = bpf_program__attach(idle);
		if (!r->flush_idle_link) {
			fr_vlog("syscall records go to the ring buffer one by one: cannot "
				"attach to sched_switch (%s)", strerror(errno));
			return;
		}
	}
	r->flush_links = calloc(ncpu, sizeof(*r->flush_links));
	if (!r->flush_links)
		return;
	for (int c = 0; c < ncpu && !why; c++) {
		struct bpf_link *link;
		int fd = fr_perf_sw_open(PERF_COUNT_SW_CPU_CLOCK, FLUSH_PERIOD_NS, false, c);

		if (fd < 0) {
			if (errno == ENODEV)
				continue;	/* offline */
			why = strerror(errno);
			break;
		}
		link = bpf_program__attach_perf_event(prog, fd);
		if (!link) {
			why = strerror(errno);
			close(fd);
			break;
		}
		r->flush_links[r->nflush++] = link;
	}
	if (why || !r->nflush) {
		fr_vlog("syscall records go to the ring buffer one by one: cannot flush batches on "
			"every CPU (%s)", why ? why : "no CPU online");
		fr_recorder_stop_batching(r);
		return;
	}
	r->skel->bss->use_batches = true;
	r->batching = true;
	fr_vlog("syscall records batched per CPU: sent when full, 10 ms old, or the CPU "
		"idle, and every %llu ms", FLUSH_PERIOD_NS / 1000000);
}

/* After the probes are detached: what the batches still hold. A program
 * that started before the detach may still be finishing a record, or a
 * flush sending one to the ring buffer: wait for them, drain what the
 * flushes sent, then take the rest. */
void fr_recorder_collect_batches(struct fr_recorder *r)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t stride = (sizeof(struct fr_batch) + 7) & ~(size_t)7;
	uint8_t *vals;
	uint32_t zero = 0;
	bool busy = true;

	if (!r->batching)
		return;
	r->skel->bss->use_batches = false;
	if (ncpu <= 0 || !(vals = malloc(stride * ncpu))) {
		r->batching = false;
		return;
	}
	/* a detach does not wait for programs already running */
	usleep(5000);
	for (int tries = 0; busy && tries < 100; tries++) {
		busy = false;
		if (bpf_map__lookup_elem(r->skel->maps.batches, &zero, sizeof(zero), vals,
					 stride * ncpu, 0))
			goto out;
		for (int c = 0; c < ncpu; c++)
			busy |= ((struct fr_batch *)(vals + c * stride))->busy != 0;
		if (busy)
			usleep(1000);
	}
	drain(r);
	if (!bpf_map__lookup_elem(r->skel->maps.batches, &zero, sizeof(zero), vals,
				  stride * ncpu, 0)) {
		pthread_mutex_lock(&r->lock);
		for (int c = 0; c < ncpu; c++) {
			const struct fr_batch *b = (const void *)(vals + c * stride);

			if (b->len && b->len <= FR_BATCH_BYTES)
				on_record(r, b->data, b->len);
		}
		pthread_mutex_unlock(&r->lock);
		/* taken: a batching started again begins empty */
		memset(vals, 0, stride * ncpu);
		bpf_map__update_elem(r->skel->maps.batches, &zero, sizeof(zero), vals,
				     stride * ncpu, 0);
	}
out:
	free(vals);
	r->batching = false;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && fr_verbosity < FR_DEBUG)
		return 0;
	if (fr_verbosity < FR_VERBOSE)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void on_record(void *ctx, const void *data, uint32_t len)
{
	struct fr_recorder *r = ctx;

	for (uint32_t off = 0; off < len;) {
		const struct fr_hdr *h = (const void *)((const uint8_t *)data + off);

		if (len - off < sizeof(*h) || h->size > len - off || h->size < sizeof(*h) || (h->size & 7)) {
			r->malformed++;
			return;
		}
		if (!r->stash.on) {
			fr_ring_put(&r->ring, h, h->size);
		} else if (r->stash.len + h->size <= r->stash.cap) {
			memcpy(r->stash.buf + r->stash.len, h, h->size);
			r->stash.len += h->size;
			r->stash.records++;
		}
		r->received++;
		r->by_type[h->type < FR_EV_TYPE_MAX ? h->type : 0]++;
		if (h->type == FR_EV_PROC_FORK || h->type == FR_EV_PROC_EXEC ||
		    h->type == FR_EV_PROC_EXIT)
			fr_proctab_learn(&r->tasks, h);
		/* only syscall records come in batches; any other record may
		 * have been reserved larger than its size (exec) */
		if (h->type != FR_EV_SYS_ENTER && h->type != FR_EV_SYS_EXIT)
			return;
		off += h->size;
	}
}

static struct bpf_program *prog_for(struct fr_recorder *r, const struct fr_probe_def *d,
				    enum fr_attach m)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%s", d->name, prog_suffix[m]);
	return bpf_object__find_program_by_name(r->skel->obj, name);
}

/* The BTF prototype of tracepoint name: its number of arguments (the
 * context pointer included), and the type name of argument i in *ti when
 * asked. -1 when the kernel's BTF does not describe it. */
static int tp_args(const struct btf *btf, const char *name, int i, const char **ti)
{
	const struct btf_type *t;
	const struct btf_param *p;
	char buf[128];
	int id;

	snprintf(buf, sizeof(buf), "btf_trace_%s", name);
	id = btf__find_by_name_kind(btf, buf, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	p = btf_params(t);
	if (ti)
		*ti = i < btf_vlen(t) ? btf__name_by_offset(btf, btf__type_by_id(btf, p[i].type)->name_off)
				      : NULL;
	return btf_vlen(t);
}

/* Can probe d be attached with method m on this kernel? */
static bool method_ok(struct fr_recorder *r, const struct btf *btf, const char *events,
		      const struct fr_probe_def *d, enum fr_attach m)
{
	char path[256];
	bool in_btf = false;

	if (btf) {
		int n = tp_args(btf, d->name, 0, NULL);

		in_btf = n > 0;
		/* arguments not where the program expects them: only the
		 * classic tracepoint, whose fields are named, can be used */
		if (in_btf && (n < d->nargs_min || n > d->nargs_max) && m != FR_ATTACH_TRACEPOINT)
			return false;
	}
	switch (m) {
	case FR_ATTACH_TP_BTF:
		return r->feat.tp_btf == FR_YES && in_btf;
	case FR_ATTACH_RAW_TP:
		if (r->feat.raw_tp != FR_YES)
			return false;
		if (in_btf)
			return true;
		/* without BTF, tracefs tells whether it exists */
		__attribute__((fallthrough));
	case FR_ATTACH_TRACEPOINT:
		if (!events || (m == FR_ATTACH_TRACEPOINT && r->feat.tracepoint != FR_YES))
			return false;
		snprintf(path, sizeof(path), "%s/%s/%s/id", events, d->category, d->name);
		return access(path, F_OK) == 0;
	default:
		return false;
	}
}

static void set_knobs(struct fr_recorder *r, const struct fr_record_cfg *cfg)
{
	struct flightrec_bpf__rodata *ro = r->skel->rodata;

	ro->self_tgid = getpid();
	ro->filter_tgid = cfg->filter_tgid;
	ro->filter_follow = cfg->follow;
	if (cfg->comm[0]) {
		ro->filter_comm_on = true;
		memcpy((char *)ro->filter_comm, cfg->comm, sizeof(ro->filter_comm));
	}
	ro->filter_cgroup_id = cfg->cgroup_id;
	ro->filter_cgroup_level = cfg->cgroup_level;
	/* wake the reader once a quarter full, then once per step of new
	 * data: 64 KiB, or an eighth of a small buffer (the mark must stay a
	 * step below the size, which the data waiting never reaches) */
	ro->wake_shift = 16;
	while (ro->wake_shift > 3 && (1ULL << ro->wake_shift) > cfg->bpf_buffer / 8)
		ro->wake_shift--;
	ro->wakeup_bytes = cfg->bpf_buffer / 4;
}

/* Can this kernel, with these privileges, run the recorder at all? */
static int check_kernel(struct fr_recorder *r)
{
	fr_features_probe(&r->feat);
	if (r->feat.ringbuf == FR_UNKNOWN || r->feat.raw_tp == FR_UNKNOWN) {
		fr_err("cannot use BPF: %s; needs root or CAP_BPF+CAP_PERFMON",
		       strerror(EPERM));
		return -EPERM;
	}
	if (r->feat.ringbuf != FR_YES) {
		fr_err("this kernel has no BPF ring buffer (Linux 5.8 or later is needed)");
		return -EOPNOTSUPP;
	}
	if (r->feat.btf != FR_YES) {
		fr_err("this kernel exposes no BTF (/sys/kernel/btf/vmlinux); flightrec needs CONFIG_DEBUG_INFO_BTF=y");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* For each probe the groups need (or that is always on), the best attach
 * method this kernel has, from cfg->prefer down; its program is loaded. */
static void choose_methods(struct fr_recorder *r, const struct fr_record_cfg *cfg,
			   const struct btf *btf, const char **events)
{
	for (unsigned i = 0; i < FR_PROBE_COUNT; i++) {
		const struct fr_probe_def *d = &fr_probe_defs[i];
		struct fr_probe_state *ps = &r->probes[i];

		ps->def = d;
		ps->method = FR_ATTACH_NONE;
		/* every probe this kernel has is loaded, so that ctl enable can
		 * attach a group later; those asked for are attached */
		ps->wanted = (d->group & cfg->groups) || d->always;
		for (int m = cfg->prefer; m < FR_ATTACH_NONE; m++) {
			/* a probe with only the classic form needs tracefs */
			if (m == FR_ATTACH_TRACEPOINT && !*events && prog_for(r, d, m))
				*events = fr_tracefs_events(true);
			if (method_ok(r, btf, *events, d, m) && prog_for(r, d, m)) {
				ps->method = m;
				break;
			}
		}
		if (ps->method == FR_ATTACH_NONE) {
			ps->why = "the kernel has no such tracepoint (or no way to attach to it)";
			if (ps->wanted)
				fr_warn("probe %s: not available on this kernel; skipped", d->name);
			continue;
		}
		if (!ps->wanted)
			ps->why = "not asked for";
		bpf_program__set_autoload(prog_for(r, d, ps->method), true);
	}
}

/* What the programs must know of the kernel they run on. */
static void kernel_knobs(struct fr_recorder *r, const struct btf *btf)
{
	/* block requests: keyed by address when both sides see it; the
	 * completion's error type changed from errno to blk_status_t */
	const struct fr_probe_state *is = &r->probes[FR_PROBE_BLOCK_ISSUE];
	const struct fr_probe_state *co = &r->probes[FR_PROBE_BLOCK_COMPLETE];
	const char *errtype = NULL;

	r->skel->rodata->block_key_rq =
		(is->method == FR_ATTACH_TP_BTF || is->method == FR_ATTACH_RAW_TP) &&
		(co->method == FR_ATTACH_TP_BTF || co->method == FR_ATTACH_RAW_TP);
	if (btf)
		tp_args(btf, "block_rq_complete", 2, &errtype);
	r->skel->rodata->block_error_is_status = !errtype || !strcmp(errtype, "blk_status_t");
	/* the syscall programs batch their records when a perf event can
	 * flush the batches on every CPU (see start_batching) */
	if ((r->probes[FR_PROBE_SYS_ENTER].method != FR_ATTACH_NONE ||
	     r->probes[FR_PROBE_SYS_EXIT].method != FR_ATTACH_NONE) && r->feat.perf_event == FR_YES &&
	    (r->feat.tp_btf == FR_YES || r->feat.raw_tp == FR_YES)) {
		bpf_program__set_autoload(r->skel->progs.flush_batch, true);
		bpf_program__set_autoload(r->feat.tp_btf == FR_YES ? r->skel->progs.flush_idle_btf
								   : r->skel->progs.flush_idle_raw, true);
	}
}

int fr_recorder_attach_probe(struct fr_recorder *r, unsigned i)
{
	struct fr_probe_state *ps = &r->probes[i];
	struct bpf_link *link;

	if (ps->attached)
		return 0;
	if (ps->method == FR_ATTACH_NONE)
		return -EOPNOTSUPP;
	link = bpf_program__attach(prog_for(r, ps->def, ps->method));
	if (!link) {
		int err = -errno;

		fr_warn("probe %s: cannot attach with %s: %s; skipped", ps->def->name,
			fr_attach_name(ps->method), strerror(errno));
		ps->why = "attach failed";
		return err;
	}
	ps->link = link;
	ps->attached = true;
	ps->why = NULL;
	r->nattached++;
	fr_vlog("probe %-20s attached with %s", ps->def->name, fr_attach_name(ps->method));
	return 0;
}

void fr_recorder_detach_probe(struct fr_recorder *r, unsigned i, const char *why)
{
	struct fr_probe_state *ps = &r->probes[i];

	if (!ps->attached)
		return;
	bpf_link__destroy(ps->link);
	ps->link = NULL;
	ps->attached = false;
	ps->why = why;
	r->nattached--;
}

void fr_recorder_set_emit(struct fr_recorder *r)
{
	bool on = (r->groups & FR_GROUP_PROCESS) && !r->paused;

	r->skel->bss->emit_fork = on;
	r->skel->bss->emit_exit = on;
}

/* Attach every probe asked for; one that fails is skipped with a warning. */
static int attach_all(struct fr_recorder *r)
{
	for (unsigned i = 0; i < FR_PROBE_COUNT; i++) {
		int err;

		if (!r->probes[i].wanted)
			continue;
		err = fr_recorder_attach_probe(r, i);
		if (err && err != -EOPNOTSUPP)
			r->probes[i].method = FR_ATTACH_NONE;
	}
	if (!r->nattached) {
		fr_err("no probe could be attached; nothing to record");
		return -ENOENT;
	}
	return 0;
}

int fr_recorder_start(struct fr_recorder *r, const struct fr_record_cfg *cfg)
{
	const struct btf *btf = NULL;
	const char *events = NULL;
	struct bpf_program *p;
	int err;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	libbpf_set_print(libbpf_log);
	if ((err = check_kernel(r)))
		return err;
	err = fr_ring_init(&r->ring, cfg->ring_size);
	if (err) {
		fr_err("cannot allocate a %llu-byte ring: %s",
		       (unsigned long long)cfg->ring_size, strerror(-err));
		return err;
	}
	/* names of what runs now, before it can exit; what starts later is
	 * learnt from its fork and exec */
	fr_proctab_scan(&r->tasks);
	r->swept_ns = fr_boot_ns();

	r->skel = flightrec_bpf__open();
	if (!r->skel) {
		err = -errno;
		fr_err("cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	set_knobs(r, cfg);
	bpf_map__set_max_entries(r->skel->maps.events, cfg->bpf_buffer);

	btf = fr_vmlinux_btf();
	/* tracefs is only needed for classic tracepoints, or to check a raw
	 * tracepoint exists on a kernel without BTF */
	if (cfg->prefer == FR_ATTACH_TRACEPOINT || r->feat.tp_btf != FR_YES || !btf)
		events = fr_tracefs_events(true);
	bpf_object__for_each_program(p, r->skel->obj)
		bpf_program__set_autoload(p, false);
	choose_methods(r, cfg, btf, &events);
	kernel_knobs(r, btf);
	/* libbpf reads its own copy to load: do not hold two */
	btf = NULL;
	fr_vmlinux_btf_release();

	err = flightrec_bpf__load(r->skel);
	if (err) {
		fr_err("cannot load the BPF programs: %s%s", strerror(-err),
		       err == -EPERM ? "; needs root or CAP_BPF+CAP_PERFMON"
				     : " (run with -vv for the verifier log)");
		goto fail;
	}
	r->groups = cfg->groups;
	fr_recorder_set_emit(r);
	/* events can arrive as soon as the first probe is attached */
	r->start_ns = fr_boot_ns();
	fr_timeline_groups(&r->tl, r->start_ns, r->groups);
	if ((err = attach_all(r)))
		goto fail;
	if (r->groups & FR_GROUP_SYSCALLS)
		fr_recorder_start_batching(r);
	err = fr_bpfring_open(&r->rb, bpf_map__fd(r->skel->maps.events),
			      bpf_map__max_entries(r->skel->maps.events));
	if (err) {
		fr_err("cannot read the BPF ring buffer: %s", strerror(-err));
		goto fail;
	}
	r->rb_open = true;
	return 0;
fail:
	fr_recorder_free(r);
	return err;
}

int fr_recorder_put(struct fr_recorder *r, const void *rec)
{
	const struct fr_hdr *h = rec;
	int err;

	pthread_mutex_lock(&r->lock);
	err = fr_ring_put(&r->ring, rec, h->size);
	if (!err) {
		r->marks++;
		r->by_type[h->type < FR_EV_TYPE_MAX ? h->type : 0]++;
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

int fr_recorder_track(struct fr_recorder *r, uint32_t tid)
{
	uint32_t flags = FR_TRACK_FOLLOW;

	if (bpf_map__update_elem(r->skel->maps.track, &tid, sizeof(tid), &flags,
				 sizeof(flags), BPF_ANY))
		return -errno;
	return 0;
}

static int drain(struct fr_recorder *r)
{
	int n;

	if (r->stash.on) {
		/* the ring is another thread's, under the lock: records go
		 * to the stash, as long as a whole BPF buffer still fits */
		if (r->stash.len + (r->rb.mask + 1) > r->stash.cap)
			return 0;
		r->drained_ns = fr_boot_ns();
		return (int)fr_bpfring_consume(&r->rb, on_record, r);
	}
	pthread_mutex_lock(&r->lock);
	r->drained_ns = fr_boot_ns();
	n = (int)fr_bpfring_consume(&r->rb, on_record, r);
	pthread_mutex_unlock(&r->lock);
	return n;
}

int fr_recorder_poll(struct fr_recorder *r, int timeout_ms)
{
	struct epoll_event ev;

	/* producers submit without waking us until the buffer fills, so this
	 * mostly times out: drain on every tick (no syscall when empty) */
	if (epoll_wait(r->rb.epfd, &ev, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return drain(r);
}

void fr_recorder_idle(struct fr_recorder *r, unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	drain(r);
	nanosleep(&ts, NULL);
	drain(r);
}

int fr_recorder_grow_ring(struct fr_recorder *r, uint64_t cap, uint64_t *pos)
{
	bool swept;
	int err;

	/* marks are put from the control thread: the head moves under the lock */
	pthread_mutex_lock(&r->lock);
	swept = r->swept_head == r->ring.head;
	err = fr_ring_grow(&r->ring, cap, pos);
	/* positions start again at 0: a sweep is due unless one was up to
	 * date */
	r->swept_head = swept ? r->ring.head : UINT64_MAX;
	pthread_mutex_unlock(&r->lock);
	return err;
}

int fr_recorder_sync(struct fr_recorder *r)
{
	if (r->batching) {
		/* every CPU's flush fires within a period: a little over one
		 * and what was batched before now is in the ring buffer;
		 * meanwhile the ring buffer is drained as usual */
		uint64_t until = fr_boot_ns() + FLUSH_PERIOD_NS + 10000000ULL;

		while (fr_boot_ns() < until)
			fr_recorder_idle(r, 5);
	}
	return drain(r);
}

void fr_recorder_stop(struct fr_recorder *r)
{
	if (!r->skel)
		return;
	/* detach first so the drain below is final, then collect what is left */
	detach_all(r);
	if (r->rb_open)
		drain(r);
	fr_recorder_collect_batches(r);
	r->stop_ns = fr_boot_ns();
	fr_recorder_keep_bpf_counters(r);
	fr_recorder_read_maps(r);
	r->malformed += r->rb.bad;
	fr_bpfring_close(&r->rb);
	r->rb_open = false;
	flightrec_bpf__destroy(r->skel);
	r->skel = NULL;
}

static void detach_all(struct fr_recorder *r)
{
	for (unsigned i = 0; i < fr_nprobes; i++) {
		bpf_link__destroy(r->probes[i].link);
		r->probes[i].link = NULL;
	}
	fr_recorder_stop_batching(r);
}

void fr_recorder_free(struct fr_recorder *r)
{
	fr_vmlinux_btf_release();	/* held when starting failed early */
	detach_all(r);
	if (r->rb_open)
		fr_bpfring_close(&r->rb);
	r->rb_open = false;
	if (r->skel)
		flightrec_bpf__destroy(r->skel);
	r->skel = NULL;
	fr_ring_free(&r->ring);
	free(r->trace_ids);
	r->trace_ids = NULL;
	free(r->trace_used_ns);
	r->trace_used_ns = NULL;
	fr_proctab_free(&r->tasks);
}
