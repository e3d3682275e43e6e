/* decode.c: event records into the model the renderers print (a list of
 * named fields), and what a reader learns on the way (task names, syscall
 * entry times); see decode.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/event.h"
#include "report/decode.h"
#include "base/util.h"

int fr_decoder_init(struct fr_decoder *d, const cJSON *meta, const cJSON *procs)
{
	const cJSON *host, *clock, *v;

	memset(d, 0, sizeof(*d));
	d->arch = "x86_64";
	if (meta) {
		host = cJSON_GetObjectItemCaseSensitive(meta, "host");
		v = cJSON_GetObjectItemCaseSensitive(host, "arch");
		if (cJSON_IsString(v))
			d->arch = v->valuestring;
		clock = cJSON_GetObjectItemCaseSensitive(meta, "clock");
		d->boot_to_wall = fr_clock_offset(clock);
		d->devices = cJSON_GetObjectItemCaseSensitive(meta, "devices");
	}
	if (procs)
		return fr_proctab_from_json(&d->pt, procs);
	return 0;
}

void fr_decoder_free(struct fr_decoder *d)
{
	fr_proctab_free(&d->pt);
	fr_tidmap_free(&d->enter_idx);
	free(d->enters);
	memset(d, 0, sizeof(*d));
}

static struct fr_field *add(struct fr_view *v, const char *key, enum fr_fkind k)
{
	struct fr_field *f = &v->f[v->n < FR_MAX_FIELDS ? v->n++ : FR_MAX_FIELDS - 1];

	f->key = key;
	f->kind = k;
	return f;
}

static void add_u(struct fr_view *v, const char *key, uint64_t x)
{
	add(v, key, FK_U)->u = x;
}

static void add_i(struct fr_view *v, const char *key, int64_t x)
{
	add(v, key, FK_I)->i = x;
}

static void add_ns(struct fr_view *v, const char *key, uint64_t x)
{
	add(v, key, FK_NS)->u = x;
}

static void add_bool(struct fr_view *v, const char *key, bool x)
{
	add(v, key, FK_BOOL)->u = x;
}

static void add_str(struct fr_view *v, const char *key, const char *s, size_t maxlen)
{
	struct fr_field *f = add(v, key, FK_STR);

	f->s = s ? s : "";
	f->slen = s ? strnlen(s, maxlen) : 0;
}

/* A derived string kept in the view's scratch space. */
static const char *keep(struct fr_view *v, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (v->used + n > sizeof(v->scratch))
		return "";
	p = v->scratch + v->used;
	memcpy(p, s, n);
	v->used += n;
	return p;
}

/* The name of tid at ts, and its tgid when *tgid is still unknown. */
static const char *comm_of(struct fr_decoder *d, uint32_t tid, uint64_t ts, uint32_t *tgid)
{
	struct fr_proc *p = tid ? fr_proctab_get(&d->pt, tid, false) : NULL;

	if (!tid)
		return "swapper";
	if (!p)
		return "?";
	if (tgid && !*tgid)
		*tgid = p->tgid;
	return fr_proc_comm_at(p, ts);
}

static const char *state_str(uint32_t s)
{
	if ((s & 0x402) == 0x402)
		return "I";	/* TASK_IDLE: uninterruptible but not counted as load */
	if (s & 0x1) return "S";
	if (s & 0x2) return "D";
	if (s & 0x4) return "T";
	if (s & 0x8) return "t";
	if (s & 0x10) return "X";
	if (s & 0x20) return "Z";
	if (s & 0x40) return "P";
	if (s & 0x80) return "X";
	return "R";
}

static const char *op_str(uint32_t op)
{
	switch (op) {
	case FR_BLK_READ: return "R";
	case FR_BLK_WRITE: return "W";
	case FR_BLK_FLUSH: return "F";
	case FR_BLK_DISCARD: return "D";
	default: return "?";
	}
}

static const char *dev_name(struct fr_decoder *d, struct fr_view *v, uint32_t dev)
{
	char key[32];
	const cJSON *n;

	snprintf(key, sizeof(key), "%u:%u", dev >> 20, dev & 0xfffff);
	n = cJSON_GetObjectItemCaseSensitive(d->devices, key);
	if (cJSON_IsString(n))
		return n->valuestring;
	return keep(v, key);
}

static void note_enter(struct fr_decoder *d, uint32_t tid, uint64_t ts, int32_t id)
{
	uint32_t i;

	if (!fr_tidmap_get(&d->enter_idx, tid, &i)) {
		if (d->nenters == d->capenters) {
			uint32_t ncap = d->capenters ? d->capenters * 2 : 256;
			struct fr_enter *n = realloc(d->enters, ncap * sizeof(*n));

			if (!n)
				return;
			d->enters = n;
			d->capenters = ncap;
		}
		i = d->nenters;
		if (fr_tidmap_set(&d->enter_idx, tid, i))
			return;
		d->nenters++;
	}
	d->enters[i].ts = ts;
	d->enters[i].id = id;
}

/* The duration of the syscall that just exited, 0 when its entry is unknown. */
static uint64_t take_enter(struct fr_decoder *d, uint32_t tid, uint64_t ts, int32_t id)
{
	uint32_t i;
	uint64_t dur = 0;

	if (!fr_tidmap_get(&d->enter_idx, tid, &i))
		return 0;
	if (d->enters[i].id == id && d->enters[i].ts && d->enters[i].ts <= ts)
		dur = ts - d->enters[i].ts;
	d->enters[i].ts = 0;
	return dur;
}

static void syscall_fields(struct fr_decoder *d, struct fr_view *v, int32_t id)
{
	const char *name = fr_syscall_name(d->arch, id);
	char buf[32];

	if (!name) {
		snprintf(buf, sizeof(buf), "syscall_%d", id);
		name = keep(v, buf);
	}
	add_str(v, "syscall", name, 64);
	add_i(v, "id", id);
}

const char *fr_decoder_trace(const struct fr_decoder *d, unsigned slot)
{
	char key[16];
	const cJSON *t;

	snprintf(key, sizeof(key), "%u", slot);
	t = cJSON_GetObjectItemCaseSensitive(d->traces, key);
	return cJSON_IsString(t) ? t->valuestring : NULL;
}

static void trace_field(struct fr_decoder *d, struct fr_view *v, unsigned slot)
{
	const char *id = fr_decoder_trace(d, slot);
	char buf[24];

	if (!id) {
		snprintf(buf, sizeof(buf), "#%u", slot);
		id = keep(v, buf);
	}
	add_str(v, "trace", id, 64);
}


/* A name from a record (not NUL-terminated there), kept in the view. */
static const char *keep_comm(struct fr_view *v, const char *comm)
{
	char c[FR_COMM_LEN + 1];

	memcpy(c, comm, FR_COMM_LEN);
	c[FR_COMM_LEN] = 0;
	return keep(v, c);
}

/* The record names its task: that name, and the tgid from the process
 * table when the record lacks it. */
static void own_comm(struct fr_decoder *d, struct fr_view *v, const char *comm)
{
	v->comm = keep_comm(v, comm);
	if (!v->tgid)
		comm_of(d, v->tid, v->h->ts, &v->tgid);
}

/* From this event on, tid is called comm (a fork, an exec). */
static void rename_task(struct fr_decoder *d, uint32_t tid, uint32_t tgid, const char *comm)
{
	struct fr_proc *p = fr_proctab_get(&d->pt, tid, true);

	if (!p)
		return;
	if (!p->tgid)
		p->tgid = tgid;
	memcpy(p->comm, comm, FR_COMM_LEN);
	p->comm[15] = 0;
}

/* One decoder per event type: each adds the record's fields and returns
 * true when the record names its own task (v->comm is set). */

static bool decode_mark(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_mark *m = rec;

	(void)d;
	add_str(v, "name", m->data, m->name_len);
	if (m->mflags & FR_MARK_TRACE) {
		char hex[33];

		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", m->trace_id[i]);
		add_str(v, "trace", keep(v, hex), 32);
	}
	if (m->mflags & (FR_MARK_BEGIN | FR_MARK_END))
		add_str(v, "span", m->mflags & FR_MARK_END ? "end" : "begin", 5);
	if (m->sender_pid != v->h->tgid)
		add_u(v, "sender_pid", m->sender_pid);
	v->mark = m;
	/* its sender is often gone by now: the name it sent */
	if (!m->comm[0])
		return false;
	v->comm = keep_comm(v, m->comm);
	return true;
}

static bool decode_switch(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_sched_switch *e = rec;
	uint32_t ntgid = e->next_tgid;

	if (!ntgid)
		comm_of(d, e->next_tid, v->h->ts, &ntgid);
	add_str(v, "prev_state", state_str(e->prev_state), 2);
	add_i(v, "prev_prio", e->prev_prio);
	add_str(v, "next_comm", e->next_comm, FR_COMM_LEN);
	add_u(v, "next_pid", ntgid);
	add_u(v, "next_tid", e->next_tid);
	add_i(v, "next_prio", e->next_prio);
	if (fr_event_runtime(&e->h))
		add_ns(v, "prev_runtime", fr_event_runtime(&e->h));
	own_comm(d, v, e->prev_comm);
	return true;
}

static bool decode_wakeup(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_sched_wakeup *e = rec;

	add_i(v, "prio", e->prio);
	add_i(v, "target_cpu", e->target_cpu);
	add_u(v, "waker_pid", e->waker_tgid);
	add_u(v, "waker_tid", e->waker_tid);
	own_comm(d, v, e->comm);
	return true;
}

static bool decode_fork(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_proc_fork *e = rec;
	uint32_t ctgid = e->child_tgid;

	if (!ctgid)
		comm_of(d, e->child_tid, v->h->ts, &ctgid);
	add_str(v, "child_comm", e->child_comm, FR_COMM_LEN);
	add_u(v, "child_pid", ctgid);
	add_u(v, "child_tid", e->child_tid);
	add_bool(v, "thread", ctgid && ctgid == v->h->tgid);
	/* the child exists from now on, with its parent's name */
	rename_task(d, e->child_tid, ctgid ? ctgid : e->child_tid, e->child_comm);
	return false;
}

static bool decode_exec(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_proc_exec *e = rec;
	char *line = fr_args_to_line(e->data + e->filename_len, e->args_len);

	add_str(v, "filename", e->data, e->filename_len);
	add_str(v, "args", keep(v, line ? line : ""), sizeof(v->scratch));
	free(line);
	if (e->old_tid && e->old_tid != v->h->tid)
		add_u(v, "old_tid", e->old_tid);
	/* from here on the task has its new name */
	rename_task(d, v->h->tid, v->h->tgid, e->comm);
	return false;
}

static bool decode_exit(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_proc_exit *e = rec;
	int sig = e->exit_code & 0x7f;

	(void)d;
	add_i(v, "exit_code", e->exit_code);
	if (sig) {
		const char *n = fr_signal_name(sig);

		add_str(v, "signal", n ? keep(v, n) : "?", 16);
		add_bool(v, "core_dumped", e->exit_code & 0x80);
	} else {
		add_i(v, "status", (e->exit_code >> 8) & 0xff);
	}
	add_bool(v, "group_dead", e->group_dead);
	if (fr_event_runtime(&e->h))
		add_ns(v, "runtime", fr_event_runtime(&e->h));
	return false;
}

static bool decode_oom(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_oom_kill *e = rec;

	add_u(v, "anon_rss_kb", e->anon_rss_kb);
	add_u(v, "file_rss_kb", e->file_rss_kb);
	add_u(v, "shmem_rss_kb", e->shmem_rss_kb);
	add_u(v, "total_vm_kb", e->total_vm_kb);
	add_u(v, "uid", e->uid);
	add_i(v, "oom_score_adj", e->oom_score_adj);
	if (!e->comm[0])
		return false;	/* older kernels: the name from the process table */
	own_comm(d, v, e->comm);
	return true;
}

static bool decode_sys_enter(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_sys_enter *e = rec;

	syscall_fields(d, v, e->id);
	note_enter(d, v->h->tid, v->h->ts, e->id);
	return false;
}

static bool decode_sys_exit(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_sys_exit *e = rec;
	uint64_t dur = take_enter(d, v->h->tid, v->h->ts, e->id);

	syscall_fields(d, v, e->id);
	add_i(v, "ret", e->ret);
	if (e->ret < 0 && e->ret >= -4095) {
		const char *n = fr_errno_name(-e->ret);

		if (n)
			add_str(v, "error", n, 32);
	}
	if (dur)
		add_ns(v, "duration", dur);
	return false;
}

static bool decode_block(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_block_rq *e = rec;

	add_str(v, "dev", dev_name(d, v, e->dev), 64);
	add_str(v, "op", op_str(e->op), 2);
	add_u(v, "sector", e->sector);
	add_u(v, "bytes", e->bytes);
	if (v->h->type == FR_EV_BLOCK_COMPLETE) {
		if (e->error) {
			const char *n = fr_errno_name(-(long)e->error);
			char buf[24];

			if (!n) {
				snprintf(buf, sizeof(buf), "errno_%ld", -(long)e->error);
				n = keep(v, buf);
			}
			add_str(v, "error", n, 24);
		}
		if (e->latency_ns)
			add_ns(v, "latency", e->latency_ns);
	}
	/* a completion whose issue was not seen has no known task */
	if (v->tid)
		return false;
	v->comm = "?";
	return true;
}

static bool (*const decoders[FR_EV_TYPE_MAX])(struct fr_decoder *, const void *, struct fr_view *) = {
	[FR_EV_MARK] = decode_mark,
	[FR_EV_SCHED_SWITCH] = decode_switch,
	[FR_EV_SCHED_WAKEUP] = decode_wakeup,
	[FR_EV_SCHED_WAKEUP_NEW] = decode_wakeup,
	[FR_EV_PROC_FORK] = decode_fork,
	[FR_EV_PROC_EXEC] = decode_exec,
	[FR_EV_PROC_EXIT] = decode_exit,
	[FR_EV_OOM_KILL] = decode_oom,
	[FR_EV_SYS_ENTER] = decode_sys_enter,
	[FR_EV_SYS_EXIT] = decode_sys_exit,
	[FR_EV_BLOCK_ISSUE] = decode_block,
	[FR_EV_BLOCK_COMPLETE] = decode_block,
};

void fr_decode(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_hdr *h = rec;
	bool named = false;

	v->h = h;
	v->n = 0;
	v->used = 0;
	v->type = fr_type_info(h->type)->name;
	v->tgid = h->tgid;
	v->tid = h->tid;
	v->mark = NULL;
	if (h->type < FR_EV_TYPE_MAX && decoders[h->type])
		named = decoders[h->type](d, rec, v);
	if (!named)
		v->comm = comm_of(d, v->tid, h->ts, &v->tgid);
	if (h->flags && h->type != FR_EV_MARK)
		trace_field(d, v, h->flags);
}
