/* stats.c: the summary of a capture's events; see stats.h. */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "report/stats.h"
#include "report/stats_impl.h"
#include "base/utf8.h"
#include "base/tidmap.h"
#include "base/util.h"

struct fr_stats *fr_stats_new(void)
{
	struct fr_stats *s = calloc(1, sizeof(*s));

	if (s && !(s->sys = calloc(MAX_SYSCALLS + 1, sizeof(*s->sys)))) {
		free(s);
		return NULL;
	}
	return s;
}

void fr_stats_free(struct fr_stats *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nprocs; i++)
		free(s->procs[i].rq);
	free(s->procs);
	free(s->tasks);
	free(s->sys);
	cJSON_Delete(s->marks);
	cJSON_Delete(s->fatal);
	fr_tidmap_free(&s->tidx);
	fr_tidmap_free(&s->pidx);
	fr_runq_free(&s->runq);
	free(s);
}

static struct task *task(struct fr_stats *s, uint32_t tid, uint32_t tgid)
{
	uint32_t i;
	struct task *t;

	if (!tid)
		return NULL;
	if (fr_tidmap_get(&s->tidx, tid, &i)) {
		t = &s->tasks[i];
		if (!t->tgid && tgid)
			t->tgid = tgid;
		return t;
	}
	if (s->ntasks == s->capt) {
		uint32_t cap = s->capt ? s->capt * 2 : 1024;
		void *v = realloc(s->tasks, cap * sizeof(*s->tasks));

		if (!v)
			return NULL;
		s->tasks = v;
		s->capt = cap;
	}
	if (fr_tidmap_set(&s->tidx, tid, s->ntasks))
		return NULL;
	t = &s->tasks[s->ntasks++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->tgid = tgid;
	return t;
}

/* The process of a task; tasks whose tgid is not known yet count under
 * their tid until the end, when the process table is consulted. */
static struct proc *proc(struct fr_stats *s, const struct task *t)
{
	uint32_t key = t->tgid ? t->tgid : t->tid, i;
	struct proc *p;

	if (fr_tidmap_get(&s->pidx, key, &i))
		return &s->procs[i];
	if (s->nprocs == s->capp) {
		uint32_t cap = s->capp ? s->capp * 2 : 256;
		void *v = realloc(s->procs, cap * sizeof(*s->procs));

		if (!v)
			return NULL;
		s->procs = v;
		s->capp = cap;
	}
	if (fr_tidmap_set(&s->pidx, key, s->nprocs))
		return NULL;
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof(*p));
	p->tgid = key;
	return p;
}

static void set_comm(char *dst, const char *src)
{
	memcpy(dst, src, 15);
	dst[15] = 0;
}

/* The CPU time t had up to a record of it at ts on CPU c that carries the
 * scheduler's count (runtime, 0 when it does not): the growth of that count
 * since an earlier record said it, exact even when a switch in between was
 * never traced (some kernels trace no switch of some tasks); else its time
 * on c since it was seen switched in there. */
static uint64_t cpu_time(struct fr_stats *s, struct task *t, uint16_t c, uint64_t ts,
			 uint64_t runtime)
{
	uint64_t d = 0;

	if (runtime)
		s->runtime_seen = true;
	if (runtime && t->runtime_known && runtime >= t->runtime)
		d = runtime - t->runtime;
	else if (c < MAX_CPUS && s->cpu[c].tid == t->tid && s->cpu[c].since && ts >= s->cpu[c].since)
		d = ts - s->cpu[c].since;
	if (runtime) {
		t->runtime = runtime;
		t->runtime_known = true;
	}
	return d;
}

/* A record is about t: the recording asked for it. */
static void recorded(struct task *t)
{
	if (t)
		t->recorded = true;
}

/* Which sides of a switch the recording asked for; all before ABI 2. */
static unsigned switch_wanted(const struct fr_sched_switch *e)
{
	return e->h.size >= sizeof(*e) ? e->wanted : FR_SW_PREV | FR_SW_NEXT;
}

static void on_switch(struct fr_stats *s, const struct fr_sched_switch *e)
{
	uint64_t ts = e->h.ts;
	uint16_t c = e->h.cpu;
	unsigned wanted = switch_wanted(e);
	struct task *prev = task(s, e->h.tid, e->h.tgid), *next;
	struct proc *p;
	struct fr_runq_end end;
	bool ended = fr_runq_event(&s->runq, e, e->h.size, &end);

	if (prev) {
		uint64_t ran = cpu_time(s, prev, c, ts, fr_event_runtime(&e->h));

		set_comm(prev->comm, e->prev_comm);
		if (wanted & FR_SW_PREV)
			recorded(prev);
		p = proc(s, prev);
		if (p) {
			p->switches++;
			if (fr_switched_out_runnable(e->prev_state))
				p->preempted++;
			p->oncpu += ran;
		}
		/* a task that exited is gone, not off the CPU; its tid may
		 * be used again, by a task with counts of its own */
		if (prev->exited || (e->prev_state & FR_TASK_GONE)) {
			prev->off_since = 0;
			prev->runtime_known = false;
		} else {
			prev->off_since = ts;
		}
		prev->off_state = fr_off_state(e->prev_state);
	}
	if (c < MAX_CPUS) {
		s->cpu[c].tid = e->next_tid;
		s->cpu[c].since = ts;
	}
	next = task(s, e->next_tid, e->next_tgid);
	if (!next)
		return;
	set_comm(next->comm, e->next_comm);
	/* the waits and times off CPU of a task only beside the recorded
	 * ones would be partial: left out. The classic tracepoint cannot
	 * tell for the task switched in (no tgid, no task): a task recorded
	 * already is taken as asked for. */
	if (!(wanted & FR_SW_NEXT) && !(!e->next_tgid && next->recorded)) {
		next->off_since = 0;
		return;
	}
	if (next->exited) {	/* a tid used again */
		next->exited = false;
		next->runtime_known = false;
	}
	recorded(next);
	p = proc(s, next);
	if (next->off_since && ts >= next->off_since) {
		uint64_t d = ts - next->off_since;

		s->off[next->off_state] += d;
		if (p)
			p->off[next->off_state] += d;
	}
	next->off_since = 0;
	if (ended) {
		fr_hist_add(&s->rq, end.wait_ns);
		if (p && (p->rq || (p->rq = calloc(1, sizeof(*p->rq)))))
			fr_hist_add(p->rq, end.wait_ns);
	}
}

static struct dev *dev(struct fr_stats *s, uint32_t d)
{
	for (unsigned i = 0; i < s->ndevs; i++)
		if (s->devs[i].dev == d)
			return &s->devs[i];
	if (s->ndevs == MAX_DEVS)
		return NULL;
	memset(&s->devs[s->ndevs], 0, sizeof(s->devs[0]));
	s->devs[s->ndevs].dev = d;
	return &s->devs[s->ndevs++];
}

#define MAX_MARKS 1000

static void add_mark(struct fr_stats *s, const struct fr_mark *m)
{
	cJSON *o, *meta;
	const char *p;
	char hex[33];

	if (s->nmarks++ >= MAX_MARKS)
		return;
	if (!s->marks && !(s->marks = cJSON_CreateArray()))
		return;
	o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddNumberToObject(o, "ts_ns", (double)m->h.ts);
	cJSON_AddStringToObject(o, "name", m->data);
	cJSON_AddNumberToObject(o, "pid", m->h.tgid);
	if (m->mflags & FR_MARK_TRACE) {
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", m->trace_id[i]);
		cJSON_AddStringToObject(o, "trace", hex);
	}
	if ((m->mflags & FR_MARK_TRACE) && (m->mflags & (FR_MARK_BEGIN | FR_MARK_END)))
		cJSON_AddStringToObject(o, "span", m->mflags & FR_MARK_END ? "end" : "begin");
	meta = cJSON_AddObjectToObject(o, "meta");
	p = m->data + m->name_len;
	for (unsigned i = 0; i < m->nmeta; i++) {
		size_t k = strlen(p);

		cJSON_AddStringToObject(meta, p, p + k + 1);
		p += k + 1 + strlen(p + k + 1) + 1;
	}
	/* names and values are any bytes: valid UTF-8 out, like dump's */
	fr_json_sanitize(o);
	cJSON_AddItemToArray(s->marks, o);
}

#define MAX_FATAL 10

static void add_fatal(struct fr_stats *s, uint32_t pid, const char *comm, const char *sig)
{
	cJSON *o;

	if (!s->fatal && !(s->fatal = cJSON_CreateArray()))
		return;
	if (cJSON_GetArraySize(s->fatal) >= MAX_FATAL || !(o = cJSON_CreateObject()))
		return;
	cJSON_AddNumberToObject(o, "pid", pid);
	cJSON_AddStringToObject(o, "comm", comm);
	if (sig)
		cJSON_AddStringToObject(o, "signal", sig);
	fr_json_sanitize(o);
	cJSON_AddItemToArray(s->fatal, o);
}

static void on_task_exit(struct fr_stats *s, const struct fr_proc_exit *e, uint32_t len)
{
	const struct fr_hdr *h = &e->h;
	uint16_t c = h->cpu;
	struct task *t = task(s, h->tid, h->tgid);

	fr_runq_event(&s->runq, e, len, NULL);
	if (e->group_dead && fr_signal_is_fatal(e->exit_code & 0x7f)) {
		const char *sig = fr_signal_name(e->exit_code & 0x7f);

		add_fatal(s, h->tgid ? h->tgid : h->tid, t ? t->comm : "?", sig ? sig : "?");
		s->crashes++;
	}
	/* the exiting task runs until here; its last switch out may not be
	 * recorded (record -- COMMAND stops following it now) */
	if (t) {
		bool here = c < MAX_CPUS && s->cpu[c].tid == h->tid && s->cpu[c].since &&
			    h->ts >= s->cpu[c].since;
		uint64_t slice = here ? h->ts - s->cpu[c].since : 0;
		uint64_t ran = cpu_time(s, t, c, h->ts, fr_event_runtime(h));
		struct proc *p = proc(s, t);

		/* the count at exit may lag by up to a tick: never less than
		 * the slice seen, the excess taken off its last switch out */
		if (slice > ran) {
			if (t->runtime_known)
				t->runtime += slice - ran;
			ran = slice;
		}
		if (p)
			p->oncpu += ran;
		if (here)
			s->cpu[c].since = h->ts;
		t->exited = true;
		t->off_since = 0;
		recorded(t);
	}
}

void fr_stats_add(struct fr_stats *s, const void *rec, uint32_t len)
{
	const struct fr_hdr *h = rec;
	struct task *t;

	if (len < sizeof(*h))	/* the reader hands over valid records only */
		return;
	if (!s->events++)
		s->first_ts = h->ts;
	if (h->ts > s->last_ts)
		s->last_ts = h->ts;
	s->by_type[h->type < FR_EV_TYPE_MAX ? h->type : FR_EV_TYPE_MAX]++;
	switch (h->type) {
	case FR_EV_MARK:
		add_mark(s, rec);
		break;
	case FR_EV_SCHED_SWITCH:
		on_switch(s, rec);
		break;
	case FR_EV_PROC_FORK: {
		const struct fr_proc_fork *e = rec;

		recorded(task(s, h->tid, h->tgid));
		/* a new task has had no CPU time */
		if ((t = task(s, e->child_tid, e->child_tgid))) {
			t->runtime = 0;
			t->runtime_known = true;
			t->exited = false;
			t->off_since = 0;
		}
		break;
	}
	case FR_EV_SCHED_WAKEUP:
	case FR_EV_SCHED_WAKEUP_NEW: {
		const struct fr_sched_wakeup *e = rec;

		if ((t = task(s, h->tid, h->tgid))) {
			set_comm(t->comm, e->comm);
			recorded(t);
		}
		fr_runq_event(&s->runq, rec, len, NULL);
		break;
	}
	case FR_EV_SYS_ENTER: {
		const struct fr_sys_enter *e = rec;

		if ((t = task(s, h->tid, h->tgid))) {
			t->enter_ts = h->ts;
			t->enter_id = e->id;
			recorded(t);
		}
		break;
	}
	case FR_EV_SYS_EXIT: {
		const struct fr_sys_exit *e = rec;
		struct sysc *c = &s->sys[e->id >= 0 && e->id < MAX_SYSCALLS ? e->id : MAX_SYSCALLS];
		bool err = e->ret < 0 && e->ret >= -4095;
		struct proc *p;

		c->count++;
		c->errors += err;
		t = task(s, h->tid, h->tgid);
		recorded(t);
		if (t && (p = proc(s, t))) {
			p->syscalls++;
			p->errors += err;
		}
		if (t && t->enter_ts && t->enter_id == e->id && t->enter_ts <= h->ts) {
			c->total += h->ts - t->enter_ts;
			fr_hist_add(&c->h, h->ts - t->enter_ts);
		} else {
			s->sys_unpaired++;	/* its entry is before the capture */
		}
		if (t)
			t->enter_ts = 0;
		break;
	}
	case FR_EV_BLOCK_COMPLETE: {
		const struct fr_block_rq *e = rec;
		struct dev *d = dev(s, e->dev);

		if (!d)
			break;
		d->requests++;
		d->bytes += e->bytes;
		if (e->op == FR_BLK_READ)
			d->rbytes += e->bytes;
		else if (e->op == FR_BLK_WRITE)
			d->wbytes += e->bytes;
		d->errors += e->error != 0;
		if (e->latency_ns)
			fr_hist_add(&d->h, e->latency_ns);
		break;
	}
	case FR_EV_PROC_EXIT:
		on_task_exit(s, rec, len);
		break;
	case FR_EV_PROC_EXEC:
		recorded(task(s, h->tid, h->tgid));
		break;
	case FR_EV_OOM_KILL: {
		const struct fr_oom_kill *e = rec;
		char comm[16];

		set_comm(comm, e->comm);
		add_fatal(s, h->tgid ? h->tgid : h->tid, comm, NULL);
		s->oom_kills++;
		break;
	}
	}
}

/* Tasks counted under their tid (the tgid was not in the events) move to
 * their process, now that the process table can say which it is. */
static void merge_threads(struct fr_stats *s, struct fr_proctab *pt)
{
	for (uint32_t i = 0; i < s->nprocs; i++) {
		struct proc *p = &s->procs[i];
		struct fr_proc *fp = fr_proctab_get(pt, p->tgid, false);
		uint32_t j;

		if (!fp || !fp->tgid || fp->tgid == p->tgid)
			continue;
		if (!fr_tidmap_get(&s->pidx, fp->tgid, &j)) {
			/* the only row of its process so far: the others join it */
			p->tgid = fp->tgid;
			fr_tidmap_set(&s->pidx, fp->tgid, i);
			continue;
		}
		{
			struct proc *q = &s->procs[j];

			q->oncpu += p->oncpu;
			q->switches += p->switches;
			q->preempted += p->preempted;
			for (int k = 0; k < OFF_N; k++)
				q->off[k] += p->off[k];
			q->syscalls += p->syscalls;
			q->errors += p->errors;
			q->recorded |= p->recorded;
			if (p->rq) {
				if (!q->rq)
					q->rq = calloc(1, sizeof(*q->rq));
				if (q->rq) {
					for (int b = 0; b < FR_HIST_BUCKETS; b++)
						q->rq->b[b] += p->rq->b[b];
					q->rq->n += p->rq->n;
					q->rq->sum += p->rq->sum;
					if (p->rq->max > q->rq->max)
						q->rq->max = p->rq->max;
				}
			}
			memset(p, 0, offsetof(struct proc, rq));
			free(p->rq);
			p->rq = NULL;
			p->tgid = q->tgid;
		}
	}
}

/* CPU time of the tasks still running at the end */
static void close_cpus(struct fr_stats *s)
{
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		uint32_t i;

		if (s->cpu[c].tid && s->cpu[c].since && s->last_ts >= s->cpu[c].since &&
		    fr_tidmap_get(&s->tidx, s->cpu[c].tid, &i) && !s->tasks[i].exited) {
			struct proc *p = proc(s, &s->tasks[i]);

			if (p)
				p->oncpu += s->last_ts - s->cpu[c].since;
			s->cpu[c].since = 0;
		}
	}
}

/* Tasks still off a CPU at the end: their time to it counts (clipped),
 * so a task stuck in D state is in the D-state total. */
static void close_off(struct fr_stats *s)
{
	for (uint32_t i = 0; i < s->ntasks; i++) {
		struct task *t = &s->tasks[i];
		struct proc *p;

		if (!t->recorded || !t->off_since || s->last_ts < t->off_since)
			continue;
		s->off[t->off_state] += s->last_ts - t->off_since;
		if ((p = proc(s, t)))
			p->off[t->off_state] += s->last_ts - t->off_since;
		t->off_since = 0;
		s->off_open++;
	}
}

void fr_stats_finish(struct fr_stats *s, struct fr_proctab *pt)
{
	close_cpus(s);
	close_off(s);
	for (uint32_t i = 0; i < s->ntasks; i++) {
		struct proc *p;

		if (s->tasks[i].recorded && (p = proc(s, &s->tasks[i])))
			p->recorded = true;
	}
	merge_threads(s, pt);
}

/* ---- lookups for the baseline comparison ---- */

static const cJSON *find_named(const cJSON *arr, const char *key, const char *name, size_t len)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, arr) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(x, key);

		if (cJSON_IsString(n) && strlen(n->valuestring) == len && !memcmp(n->valuestring, name, len))
			return x;
	}
	return NULL;
}

static int num(const cJSON *o, const char *key, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(x))
		return -ENOENT;
	*v = x->valuedouble;
	return 0;
}

/* "p99" -> "p99_ns", "count" -> "count", ... */
static int stat_of(const cJSON *o, const char *field, double *v)
{
	char key[48];

	if (!strcmp(field, "p50") || !strcmp(field, "p90") || !strcmp(field, "p99") ||
	    !strcmp(field, "max") || !strcmp(field, "total")) {
		snprintf(key, sizeof(key), "%s_ns", field);
		return num(o, key, v);
	}
	return num(o, field, v);
}

int fr_stats_lookup(const cJSON *m, const char *path, double *v)
{
	const char *dot = strchr(path, '.'), *last = strrchr(path, '.');
	size_t head = dot ? (size_t)(dot - path) : strlen(path);

	if (!dot)
		return -ENOENT;
	if (head == 8 && !strncmp(path, "runqueue", 8))
		return stat_of(cJSON_GetObjectItemCaseSensitive(m, "runqueue"), dot + 1, v);
	if (head == 6 && !strncmp(path, "offcpu", 6))
		return num(cJSON_GetObjectItemCaseSensitive(m, "offcpu"), dot + 1, v);
	if (head == 6 && !strncmp(path, "events", 6)) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "events");

		if (!num(e, dot + 1, v))
			return 0;
		if (num(cJSON_GetObjectItemCaseSensitive(e, "by_type"), dot + 1, v))
			*v = 0;	/* a type with no event */
		return fr_type_by_name(dot + 1, strlen(dot + 1)) || !strcmp(dot + 1, "total") ? 0 : -ENOENT;
	}
	if (head == 4 && !strncmp(path, "loss", 4))
		return num(cJSON_GetObjectItemCaseSensitive(m, "loss"), dot + 1, v);
	if (head == 3 && !strncmp(path, "cpu", 3) && !strcmp(dot + 1, "total"))
		return num(cJSON_GetObjectItemCaseSensitive(m, "cpu"), "total_ns", v);
	if (head == 8 && !strncmp(path, "syscalls", 8)) {
		const cJSON *sc = cJSON_GetObjectItemCaseSensitive(m, "syscalls"), *x;

		if (last == dot)	/* syscalls.count, syscalls.errors */
			return num(sc, dot + 1, v);
		x = find_named(cJSON_GetObjectItemCaseSensitive(sc, "by_name"), "name", dot + 1,
			       (size_t)(last - dot - 1));
		if (!x) {
			/* a syscall nobody made: 0 calls, no latency */
			*v = 0;
			return !strcmp(last + 1, "count") || !strcmp(last + 1, "calls") ||
			       !strcmp(last + 1, "errors") ? 0 : -ENOENT;
		}
		if (!strcmp(last + 1, "count"))
			return num(x, "calls", v);
		return stat_of(x, last + 1, v);
	}
	if (head == 5 && !strncmp(path, "block", 5) && last != dot) {
		const cJSON *x = find_named(cJSON_GetObjectItemCaseSensitive(
						   cJSON_GetObjectItemCaseSensitive(m, "block"), "devices"),
					   "dev", dot + 1, (size_t)(last - dot - 1));

		return x ? stat_of(x, last + 1, v) : -ENOENT;
	}
	return -ENOENT;
}
