/* export.c: Chrome trace events; see export.h (collapsed stacks: folded.c). */
#include <stdlib.h>
#include <string.h>

#include "analysis/sched.h"
#include "capture/event.h"
#include "report/export.h"

/* pseudo-processes above any real pid (PID_MAX_LIMIT is 4194304) */
#define CPU_PID 4194305
#define BLOCK_PID 4194306
#define EVENTS_PID 4194307
#define MAX_CPUS 1024

/* NUL-terminated strings: names built here, or checked by the decoder */
static void str(FILE *out, const char *s)
{
	s = s ? s : "";
	fr_json_str(out, s, strlen(s));
}

static void sep(struct fr_chrome *c)
{
	fputs(c->any ? ",\n" : "\n", c->out);
	c->any = true;
}

/* A time in microseconds with ns precision, as the format wants */
static void usecs(FILE *out, uint64_t d)
{
	fprintf(out, "%llu.%03llu", (unsigned long long)(d / 1000), (unsigned long long)(d % 1000));
}

static void ts(struct fr_chrome *c, uint64_t ns)
{
	usecs(c->out, ns > c->base ? ns - c->base : 0);
}

/* An instant event, left open after its time for the caller to close
 * (or to add args to). scope: t (thread), g (global). */
static void instant(struct fr_chrome *c, const char *scope, const char *cat, const char *name,
		    uint32_t pid, uint32_t tid, uint64_t t)
{
	sep(c);
	fprintf(c->out, "{\"ph\":\"i\",\"s\":\"%s\",\"cat\":\"%s\",\"name\":", scope, cat);
	str(c->out, name);
	fprintf(c->out, ",\"pid\":%u,\"tid\":%u,\"ts\":", pid, tid);
	ts(c, t);
}

static void meta_name(struct fr_chrome *c, const char *what, uint32_t pid, uint32_t tid,
		      const char *name)
{
	sep(c);
	fprintf(c->out, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":", what,
		pid, tid);
	str(c->out, name);
	fputs("}}", c->out);
}

/* A name's fingerprint, kept per track to tell when it changes. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The track's name (what = "thread_name" or "process_name") is name from
 * now on: a metadata event when it changes. Viewers keep the last. */
static void track_name(struct fr_chrome *c, struct fr_tidmap *m, const char *what, uint32_t pid,
		       uint32_t tid, const char *name)
{
	uint32_t h = name_hash(name), v;

	if (fr_tidmap_get(m, what[0] == 't' ? tid : pid, &v) && v == h)
		return;
	fr_tidmap_set(m, what[0] == 't' ? tid : pid, h);
	meta_name(c, what, pid, tid, name);
}

/* The last name the capture's process table knows for tid: the name a
 * task has after its last exec, for a track named before that exec. */
static const char *last_name(struct fr_decoder *d, uint32_t tid, const char *comm)
{
	const struct fr_proc *p = d && tid ? fr_proctab_get(&d->pt, tid, false) : NULL;
	const char *n = p ? fr_proc_comm_at(p, UINT64_MAX) : NULL;

	return n && n[0] ? n : comm;
}

/* The tracks of a task seen for the first time: named after the task's
 * (and its process leader's) last name. */
static void name_thread(struct fr_chrome *c, struct fr_decoder *d, uint32_t pid, uint32_t tid,
			const char *comm)
{
	uint32_t v;

	if (!fr_tidmap_get(&c->procs, pid, &v))
		track_name(c, &c->procs, "process_name", pid, pid, last_name(d, pid, comm));
	if (!fr_tidmap_get(&c->named, tid, &v))
		track_name(c, &c->named, "thread_name", pid, tid, last_name(d, tid, comm));
}

/* An exec: the task, and its process, are named after its last name. A
 * capture's table that knows every rename named them so already; one that
 * does not knows the exec's name by now (the decoder learnt it), and the
 * track named before takes that one. */
static void rename_tracks(struct fr_chrome *c, struct fr_decoder *d, uint32_t pid, uint32_t tid,
			  const char *comm)
{
	const char *name = last_name(d, tid, comm);

	track_name(c, &c->named, "thread_name", pid, tid, name);
	if (pid == tid)
		track_name(c, &c->procs, "process_name", pid, pid, name);
}

void fr_chrome_begin(struct fr_chrome *c, FILE *out, uint64_t base, const struct fr_decoder *d,
		     const cJSON *trigger)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->base = base;
	c->cpu = calloc(MAX_CPUS, sizeof(*c->cpu));
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
	meta_name(c, "process_name", CPU_PID, 0, "CPUs");
	meta_name(c, "process_name", BLOCK_PID, 0, "Block I/O");
	meta_name(c, "process_name", EVENTS_PID, 0, "flightrec");
	if (cJSON_IsObject(trigger)) {
		const cJSON *at = cJSON_GetObjectItemCaseSensitive(trigger, "time_ns");
		const cJSON *det = cJSON_GetObjectItemCaseSensitive(trigger, "detector");
		const cJSON *cond = cJSON_GetObjectItemCaseSensitive(trigger, "condition");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(trigger, "value_text");
		char name[160];

		if (cJSON_IsNumber(at) && at->valuedouble > 0 && at->valuedouble < 1.8e19) {
			snprintf(name, sizeof(name), "%s fired",
				 cJSON_IsString(det) ? det->valuestring : "trigger");
			meta_name(c, "thread_name", EVENTS_PID, 1, "trigger");
			instant(c, "g", "trigger", name, EVENTS_PID, 1, (uint64_t)at->valuedouble);
			fputs(",\"args\":{\"condition\":", out);
			str(out, cJSON_IsString(cond) ? cond->valuestring : "");
			fputs(",\"value\":", out);
			str(out, cJSON_IsString(val) ? val->valuestring : "");
			fputs("}}", out);
		}
	}
	(void)d;
}

static const struct fr_field *field(const struct fr_view *v, const char *key)
{
	for (unsigned i = 0; i < v->n; i++)
		if (!strcmp(v->f[i].key, key))
			return &v->f[i];
	return NULL;
}

/* The end of the slice open on a thread's track, left open for args */
static void end_at(struct fr_chrome *c, uint32_t pid, uint32_t tid, uint64_t at)
{
	sep(c);
	fprintf(c->out, "{\"ph\":\"E\",\"pid\":%u,\"tid\":%u,\"ts\":", pid, tid);
	ts(c, at);
}

static void slice_end(struct fr_chrome *c, uint32_t pid, uint32_t tid, uint64_t at)
{
	end_at(c, pid, tid, at);
	fputc('}', c->out);
}

/* A complete slice, left open after its duration for args */
static void complete(struct fr_chrome *c, const char *cat, const char *name, uint32_t pid,
		     uint32_t tid, uint64_t from, uint64_t dur)
{
	sep(c);
	fprintf(c->out, "{\"ph\":\"X\",\"cat\":\"%s\",\"name\":", cat);
	str(c->out, name);
	fprintf(c->out, ",\"pid\":%u,\"tid\":%u,\"ts\":", pid, tid);
	ts(c, from);
	fputs(",\"dur\":", c->out);
	usecs(c->out, dur);
}

/* One end of a block request's async slice (ph b or e), left open */
static void async(struct fr_chrome *c, const char *ph, const char *name, const char *id, uint64_t at)
{
	sep(c);
	fprintf(c->out, "{\"ph\":\"%s\",\"cat\":\"block\",\"name\":", ph);
	str(c->out, name);
	fprintf(c->out, ",\"id\":\"%s\",\"pid\":%u,\"tid\":0,\"ts\":", id, BLOCK_PID);
	ts(c, at);
}

static void note_wait(struct fr_chrome *c, uint32_t tid, uint64_t at)
{
	uint32_t i;

	if (!tid)
		return;
	if (fr_tidmap_get(&c->waiting, tid, &i)) {
		if (!c->waits[i])
			c->waits[i] = at;
		return;
	}
	if (c->nwaits == c->capwaits) {
		uint32_t cap = c->capwaits ? c->capwaits * 2 : 1024;
		uint64_t *w = realloc(c->waits, cap * sizeof(*w));

		if (!w)
			return;
		c->waits = w;
		c->capwaits = cap;
	}
	if (fr_tidmap_set(&c->waiting, tid, c->nwaits))
		return;
	c->waits[c->nwaits++] = at;
}

static void sys_enter(struct fr_chrome *c, const struct fr_view *v, uint32_t pid)
{
	const struct fr_field *f = field(v, "syscall");
	uint32_t x;

	/* an entry with no exit before it (the exit was lost) */
	if (fr_tidmap_get(&c->insys, v->tid, &x) && x)
		slice_end(c, x, v->tid, v->h->ts);
	sep(c);
	fputs("{\"ph\":\"B\",\"cat\":\"syscall\",\"name\":", c->out);
	fr_json_str(c->out, f ? f->s : "?", f ? strnlen(f->s, f->slen) : 1);
	fprintf(c->out, ",\"pid\":%u,\"tid\":%u,\"ts\":", pid, v->tid);
	ts(c, v->h->ts);
	fputc('}', c->out);
	fr_tidmap_set(&c->insys, v->tid, pid);
}

static void sys_exit(struct fr_chrome *c, const struct fr_view *v)
{
	const struct fr_field *r = field(v, "ret");
	uint32_t x;

	/* a call entered before the capture began has no slice */
	if (!fr_tidmap_get(&c->insys, v->tid, &x) || !x)
		return;
	end_at(c, x, v->tid, v->h->ts);
	fprintf(c->out, ",\"args\":{\"ret\":%lld}}", r ? (long long)r->i : 0LL);
	fr_tidmap_set(&c->insys, v->tid, 0);
}

static void sched_switch(struct fr_chrome *c, struct fr_decoder *d, const struct fr_view *v)
{
	const struct fr_sched_switch *e = (const void *)v->h;
	const struct fr_field *np = field(v, "next_pid");
	uint32_t x, ntgid = np ? (uint32_t)np->u : e->next_tgid;
	uint64_t now = v->h->ts;
	unsigned cpu = v->h->cpu;

	if (cpu >= MAX_CPUS || !c->cpu)
		return;
	/* who ran on this CPU until now */
	if (c->cpu[cpu].tid && c->cpu[cpu].since && c->cpu[cpu].tid == v->tid) {
		if (!fr_tidmap_get(&c->named, 0x80000000u | cpu, &x)) {
			char n[32];

			fr_tidmap_set(&c->named, 0x80000000u | cpu, 1);
			snprintf(n, sizeof(n), "CPU %u", cpu);
			meta_name(c, "thread_name", CPU_PID, cpu, n);
		}
		complete(c, "oncpu", c->cpu[cpu].comm, CPU_PID, cpu, c->cpu[cpu].since,
			 now - c->cpu[cpu].since);
		fprintf(c->out, ",\"args\":{\"pid\":%u,\"tid\":%u}}", c->cpu[cpu].tgid, c->cpu[cpu].tid);
	}
	if (fr_switched_out_runnable(e->prev_state))
		note_wait(c, v->tid, now);
	c->cpu[cpu].tid = e->next_tid;
	c->cpu[cpu].tgid = ntgid;
	c->cpu[cpu].since = e->next_tid ? now : 0;
	memcpy(c->cpu[cpu].comm, e->next_comm, 15);
	c->cpu[cpu].comm[15] = 0;
	/* the task switched in waited on the run queue until now */
	if (e->next_tid && fr_tidmap_get(&c->waiting, e->next_tid, &x) && c->waits[x]) {
		uint64_t from = c->waits[x];
		uint32_t npid = ntgid ? ntgid : e->next_tid;

		name_thread(c, d, npid, e->next_tid, c->cpu[cpu].comm);
		complete(c, "runqueue", "runnable (waiting for a CPU)", npid, e->next_tid, from,
			 now >= from ? now - from : 0);
		fputc('}', c->out);
		c->waits[x] = 0;
	}
}

static void block_complete(struct fr_chrome *c, const struct fr_view *v)
{
	const struct fr_block_rq *e = (const void *)v->h;
	const struct fr_field *dev = field(v, "dev");
	uint64_t now = v->h->ts;
	char id[64], name[96];

	/* issue and completion both from the completion, which carries the
	 * latency: every slice is whole */
	if (!e->latency_ns || e->latency_ns > now)
		return;
	snprintf(id, sizeof(id), "%u-%llu-%llu", e->dev, (unsigned long long)e->sector,
		 (unsigned long long)now);
	snprintf(name, sizeof(name), "%s %s %u bytes", dev ? dev->s : "?",
		 e->op == FR_BLK_READ ? "read" : e->op == FR_BLK_WRITE ? "write" : "other", e->bytes);
	async(c, "b", name, id, now - e->latency_ns);
	fprintf(c->out, ",\"args\":{\"pid\":%u,\"comm\":", v->tgid);
	str(c->out, v->comm);
	fputs("}}", c->out);
	async(c, "e", name, id, now);
	fputc('}', c->out);
}

/* a global instant, named after the mark, its metadata as args */
static void mark(struct fr_chrome *c, const struct fr_view *v, uint32_t pid)
{
	const struct fr_mark *m = (const void *)v->h;
	const char *p = m->data + m->name_len;

	instant(c, "g", "mark", m->data, pid, v->tid, v->h->ts);
	fputs(",\"args\":{", c->out);
	for (unsigned i = 0; i < m->nmeta; i++) {
		size_t k = strlen(p);

		if (i)
			fputc(',', c->out);
		str(c->out, p);
		fputc(':', c->out);
		str(c->out, p + k + 1);
		p += k + 1 + strlen(p + k + 1) + 1;
	}
	fputs("}}", c->out);
}

void fr_chrome_event(struct fr_chrome *c, struct fr_decoder *d, const struct fr_view *v)
{
	const struct fr_hdr *h = v->h;
	uint32_t x, pid = v->tgid ? v->tgid : v->tid;

	if (h->ts > c->last)
		c->last = h->ts;
	if (v->tid && h->type != FR_EV_BLOCK_COMPLETE && h->type != FR_EV_BLOCK_ISSUE)
		name_thread(c, d, pid, v->tid, v->comm);
	if (h->type == FR_EV_PROC_EXEC && v->tid)
		rename_tracks(c, d, pid, v->tid, v->comm);
	/* a task doing something runs: a wakeup seen meanwhile (of a task
	 * already running) started no wait */
	if ((h->type == FR_EV_SYS_ENTER || h->type == FR_EV_SYS_EXIT || h->type == FR_EV_PROC_EXEC ||
	     h->type == FR_EV_PROC_FORK || h->type == FR_EV_PROC_EXIT || h->type == FR_EV_SCHED_SWITCH) &&
	    fr_tidmap_get(&c->waiting, v->tid, &x))
		c->waits[x] = 0;
	switch (h->type) {
	case FR_EV_SYS_ENTER:
		sys_enter(c, v, pid);
		break;
	case FR_EV_SYS_EXIT:
		sys_exit(c, v);
		break;
	case FR_EV_SCHED_WAKEUP:
	case FR_EV_SCHED_WAKEUP_NEW:
		note_wait(c, v->tid, h->ts);
		break;
	case FR_EV_SCHED_SWITCH:
		sched_switch(c, d, v);
		break;
	case FR_EV_BLOCK_COMPLETE:
		block_complete(c, v);
		break;
	case FR_EV_PROC_FORK:
	case FR_EV_PROC_EXEC:
	case FR_EV_PROC_EXIT:
	case FR_EV_OOM_KILL:
		instant(c, "t", "process", v->type, pid, v->tid, h->ts);
		fputc('}', c->out);
		break;
	case FR_EV_MARK:
		mark(c, v, pid);
		break;
	}
}

void fr_chrome_end(struct fr_chrome *c)
{
	/* syscalls still open: closed at the last event */
	for (size_t i = 0; c->insys.slots && i < c->insys.cap; i++) {
		uint64_t s = c->insys.slots[i];
		uint32_t tid = (uint32_t)((s >> 32) - 1), pid = (uint32_t)s;

		if (s && pid)
			slice_end(c, pid, tid, c->last);
	}
	for (unsigned cpu = 0; c->cpu && cpu < MAX_CPUS; cpu++)
		if (c->cpu[cpu].tid && c->cpu[cpu].since && c->last > c->cpu[cpu].since) {
			complete(c, "oncpu", c->cpu[cpu].comm, CPU_PID, cpu, c->cpu[cpu].since,
				 c->last - c->cpu[cpu].since);
			fputc('}', c->out);
		}
	fputs("\n]}\n", c->out);
	fr_tidmap_free(&c->named);
	fr_tidmap_free(&c->procs);
	fr_tidmap_free(&c->insys);
	fr_tidmap_free(&c->waiting);
	free(c->waits);
	free(c->cpu);
}
