/* events.c: the events detector: processes killed by the OOM killer or by
 * a signal that means a crash, learnt from the exits and OOM kills
 * recorded, evaluated at once rather than at the next second. A firing is
 * placed at the time of the first one, and the capture names it. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "analysis/sched.h"
#include "capture/event.h"
#include "detect/engine.h"

struct events {
	unsigned ooms, crashes;
	/* the first of each since the counts were taken */
	struct fr_fatal first_crash, first_oom;
};

static void event(struct fr_sampler *s, void *st, const void *rec, uint32_t len)
{
	struct events *v = st;
	const struct fr_hdr *h = rec;

	if (h->type == FR_EV_PROC_EXIT) {
		const struct fr_proc_exit *e = rec;
		int sig;

		if (len < FR_PROC_EXIT_V1_SIZE)
			return;
		sig = e->exit_code & 0x7f;
		if (!e->group_dead || !fr_signal_is_fatal(sig))
			return;
		if (s->cgroup && !fr_sampler_in_cgroup(s, h->tid))
			return;
		/* the first one is the news: a wrapper (timeout, a shell)
		 * may die of the same signal right after */
		if (!v->crashes)
			v->first_crash = (struct fr_fatal){ .ts = h->ts, .pid = h->tgid, .tid = h->tid,
							    .sig = sig };
		v->crashes++;
		s->fatal_pending = true;
	} else if (h->type == FR_EV_OOM_KILL) {
		const struct fr_oom_kill *e = rec;

		if (len < sizeof(*e))
			return;
		if (s->cgroup && !fr_sampler_in_cgroup(s, h->tid))
			return;
		if (!v->ooms) {
			v->first_oom = (struct fr_fatal){ .ts = h->ts, .pid = h->tgid ? h->tgid : h->tid,
							  .tid = h->tid };
			memcpy(v->first_oom.comm, e->comm, sizeof(e->comm));
			v->first_oom.comm[15] = 0;
		}
		v->ooms++;
		s->fatal_pending = true;
	}
}

static void sample_events(struct fr_sampler *s, void *st)
{
	struct events *v = st;
	char oom[48], crash[48];

	snprintf(oom, sizeof(oom), "pid %u%s%.16s", v->first_oom.pid,
		 v->first_oom.comm[0] ? " " : "", v->first_oom.comm);
	snprintf(crash, sizeof(crash), "pid %u", v->first_crash.pid);
	fr_sampler_set(s, FR_M_EVENTS_OOM, v->ooms, v->ooms ? oom : NULL);
	fr_sampler_set(s, FR_M_EVENTS_CRASH, v->crashes, v->crashes ? crash : NULL);
	v->ooms = v->crashes = 0;
}

static void fired(const struct fr_sampler *s, const void *st, struct fr_firing *f)
{
	const struct events *v = st;

	(void)s;
	f->is_fatal = true;
	f->fatal = fr_cond_metric(&f->a->e->conds[0]) == FR_M_EVENTS_OOM ? v->first_oom
									      : v->first_crash;
	if (f->fatal.ts && f->fatal.ts < f->at)
		f->at = f->fatal.ts;
	/* the firing line names the process, not only its pid */
	if (!f->fatal.comm[0] && f->env && f->env->tasks) {
		struct fr_proc *p = fr_proctab_get(f->env->tasks, f->fatal.tid, false);

		if (p)
			snprintf(f->fatal.comm, sizeof(f->fatal.comm), "%s", fr_proc_comm_at(p, f->fatal.ts));
	}
	if (f->fatal.comm[0])
		snprintf(f->detail, sizeof(f->detail), "pid %u %.16s", f->fatal.pid, f->fatal.comm);
}

#define LAST_SYSCALLS 8

/* The process's last system calls before its end, oldest first, and how
 * many of its calls in the window failed. */
static void last_syscalls(const struct fr_ctx_env *env, const struct fr_fatal *fa, cJSON *x)
{
	const struct fr_sys_exit *last[LAST_SYSCALLS];
	unsigned n = 0, errors = 0;
	struct utsname u;
	cJSON *a;

	if (uname(&u))
		u.machine[0] = 0;
	for (size_t i = env->n; i-- > 0;) {
		const struct fr_sys_exit *e = (const void *)env->recs[i];

		if (e->h.type != FR_EV_SYS_EXIT || e->h.size < sizeof(*e) || e->h.ts > fa->ts ||
		    (fa->pid ? e->h.tgid != fa->pid : e->h.tid != fa->tid))
			continue;
		errors += e->ret < 0 && e->ret >= -4095;
		if (n < LAST_SYSCALLS)
			last[n++] = e;
	}
	cJSON_AddNumberToObject(x, "syscall_errors", errors);
	a = cJSON_AddArrayToObject(x, "last_syscalls");
	while (n-- > 0) {
		const struct fr_sys_exit *e = last[n];
		const char *name = fr_syscall_name(u.machine, e->id);
		const char *err = e->ret < 0 && e->ret >= -4095 ? fr_errno_name(-e->ret) : NULL;
		cJSON *c = cJSON_CreateObject();
		char buf[32];

		if (!name) {
			snprintf(buf, sizeof(buf), "syscall_%d", e->id);
			name = buf;
		}
		cJSON_AddStringToObject(c, "syscall", name);
		cJSON_AddNumberToObject(c, "ret", (double)e->ret);
		if (err)
			cJSON_AddStringToObject(c, "error", err);
		cJSON_AddNumberToObject(c, "time_ns", (double)e->h.ts);
		cJSON_AddItemToArray(a, c);
	}
}

/* What the OOM killer said of its victim. */
static void oom_details(const struct fr_ctx_env *env, const struct fr_fatal *fa, cJSON *x)
{
	for (size_t i = env->n; i-- > 0;) {
		const struct fr_oom_kill *e = (const void *)env->recs[i];

		if (e->h.type != FR_EV_OOM_KILL || e->h.size < sizeof(*e) ||
		    (e->h.tgid ? e->h.tgid : e->h.tid) != fa->pid)
			continue;
		cJSON_AddNumberToObject(x, "anon_rss_kb", (double)e->anon_rss_kb);
		cJSON_AddNumberToObject(x, "file_rss_kb", (double)e->file_rss_kb);
		cJSON_AddNumberToObject(x, "shmem_rss_kb", (double)e->shmem_rss_kb);
		cJSON_AddNumberToObject(x, "total_vm_kb", (double)e->total_vm_kb);
		cJSON_AddNumberToObject(x, "oom_score_adj", e->oom_score_adj);
		return;
	}
}

static void ctx_finish(struct fr_firing *f, void *st, cJSON *ctx)
{
	cJSON *x = cJSON_AddObjectToObject(ctx, "fatal");
	struct fr_proc *p = fr_proctab_get(f->env->tasks, f->fatal.tid, false);
	const char *sig = f->fatal.sig ? fr_signal_name(f->fatal.sig) : NULL;

	(void)st;
	cJSON_AddStringToObject(x, "what", f->fatal.sig ? "signal" : "oom_kill");
	cJSON_AddNumberToObject(x, "pid", f->fatal.pid ? f->fatal.pid : (p ? p->tgid : 0));
	cJSON_AddNumberToObject(x, "tid", f->fatal.tid);
	cJSON_AddStringToObject(x, "comm", f->fatal.comm[0] ? f->fatal.comm :
				p ? fr_proc_comm_at(p, f->fatal.ts) : "?");
	if (f->fatal.sig)
		cJSON_AddStringToObject(x, "signal", sig ? sig : "?");
	cJSON_AddNumberToObject(x, "time_ns", (double)f->fatal.ts);
	if (!f->fatal.sig)
		oom_details(f->env, &f->fatal, x);
	last_syscalls(f->env, &f->fatal, x);
}

const struct fr_detector fr_det_events = {
	.name = "events",
	.metrics = (const enum fr_metric[]){ FR_M_EVENTS_OOM, FR_M_EVENTS_CRASH, FR_M_NONE },
	.groups = FR_GROUP_PROCESS,
	.context_help = "the crashed or OOM-killed process, and the ring around it",
	.state_size = sizeof(struct events),
	.sample_events = sample_events,
	.event = event,
	.fired = fired,
	.ctx_finish = ctx_finish,
};
