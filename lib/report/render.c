/* render.c: decode event records and render them as text or JSON. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "capture/event.h"
#include "report/render.h"
#include "base/utf8.h"
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

void fr_decode(struct fr_decoder *d, const void *rec, struct fr_view *v)
{
	const struct fr_hdr *h = rec;

	v->h = h;
	v->n = 0;
	v->used = 0;
	v->type = fr_type_info(h->type)->name;
	v->tgid = h->tgid;
	v->tid = h->tid;
	v->mark = NULL;

	switch (h->type) {
	case FR_EV_MARK: {
		const struct fr_mark *m = rec;

		add_str(v, "name", m->data, m->name_len);
		if (m->mflags & FR_MARK_TRACE) {
			char hex[33];

			for (int i = 0; i < 16; i++)
				snprintf(hex + 2 * i, 3, "%02x", m->trace_id[i]);
			add_str(v, "trace", keep(v, hex), 32);
		}
		if (m->mflags & (FR_MARK_BEGIN | FR_MARK_END))
			add_str(v, "span", m->mflags & FR_MARK_END ? "end" : "begin", 5);
		if (m->sender_pid != h->tgid)
			add_u(v, "sender_pid", m->sender_pid);
		v->mark = m;
		break;
	}
	case FR_EV_SCHED_SWITCH: {
		const struct fr_sched_switch *e = rec;
		uint32_t ntgid = e->next_tgid;

		if (!ntgid)
			comm_of(d, e->next_tid, h->ts, &ntgid);
		add_str(v, "prev_state", state_str(e->prev_state), 2);
		add_i(v, "prev_prio", e->prev_prio);
		add_str(v, "next_comm", e->next_comm, FR_COMM_LEN);
		add_u(v, "next_pid", ntgid);
		add_u(v, "next_tid", e->next_tid);
		add_i(v, "next_prio", e->next_prio);
		{
			char c[FR_COMM_LEN + 1];

			memcpy(c, e->prev_comm, FR_COMM_LEN);
			c[FR_COMM_LEN] = 0;
			v->comm = keep(v, c);
		}
		if (!v->tgid)
			comm_of(d, v->tid, h->ts, &v->tgid);
		goto named;	/* the record names its task */
	}
	case FR_EV_SCHED_WAKEUP:
	case FR_EV_SCHED_WAKEUP_NEW: {
		const struct fr_sched_wakeup *e = rec;
		char c[FR_COMM_LEN + 1];

		add_i(v, "prio", e->prio);
		add_i(v, "target_cpu", e->target_cpu);
		add_u(v, "waker_pid", e->waker_tgid);
		add_u(v, "waker_tid", e->waker_tid);
		memcpy(c, e->comm, FR_COMM_LEN);
		c[FR_COMM_LEN] = 0;
		v->comm = keep(v, c);
		if (!v->tgid)
			comm_of(d, v->tid, h->ts, &v->tgid);
		goto named;	/* the record names its task */
	}
	case FR_EV_PROC_FORK: {
		const struct fr_proc_fork *e = rec;
		uint32_t ctgid = e->child_tgid;
		struct fr_proc *p;

		if (!ctgid)
			comm_of(d, e->child_tid, h->ts, &ctgid);
		add_str(v, "child_comm", e->child_comm, FR_COMM_LEN);
		add_u(v, "child_pid", ctgid);
		add_u(v, "child_tid", e->child_tid);
		add_bool(v, "thread", ctgid && ctgid == h->tgid);
		/* the child exists from now on, with its parent's name */
		p = fr_proctab_get(&d->pt, e->child_tid, true);
		if (p) {
			if (!p->tgid)
				p->tgid = ctgid ? ctgid : e->child_tid;
			memcpy(p->comm, e->child_comm, FR_COMM_LEN);
			p->comm[15] = 0;
		}
		break;
	}
	case FR_EV_PROC_EXEC: {
		const struct fr_proc_exec *e = rec;
		char *line = fr_args_to_line(e->data + e->filename_len, e->args_len);
		struct fr_proc *p;

		add_str(v, "filename", e->data, e->filename_len);
		add_str(v, "args", keep(v, line ? line : ""), sizeof(v->scratch));
		free(line);
		if (e->old_tid && e->old_tid != h->tid)
			add_u(v, "old_tid", e->old_tid);
		/* from here on the task has its new name */
		p = fr_proctab_get(&d->pt, h->tid, true);
		if (p) {
			if (!p->tgid)
				p->tgid = h->tgid;
			memcpy(p->comm, e->comm, FR_COMM_LEN);
			p->comm[15] = 0;
		}
		break;
	}
	case FR_EV_PROC_EXIT: {
		const struct fr_proc_exit *e = rec;
		int sig = e->exit_code & 0x7f;

		add_i(v, "exit_code", e->exit_code);
		if (sig) {
			const char *n = fr_signal_name(sig);

			add_str(v, "signal", n ? keep(v, n) : "?", 16);
			add_bool(v, "core_dumped", e->exit_code & 0x80);
		} else {
			add_i(v, "status", (e->exit_code >> 8) & 0xff);
		}
		add_bool(v, "group_dead", e->group_dead);
		break;
	}
	case FR_EV_OOM_KILL: {
		const struct fr_oom_kill *e = rec;
		char c[FR_COMM_LEN + 1];

		add_u(v, "anon_rss_kb", e->anon_rss_kb);
		add_u(v, "file_rss_kb", e->file_rss_kb);
		add_u(v, "shmem_rss_kb", e->shmem_rss_kb);
		add_u(v, "total_vm_kb", e->total_vm_kb);
		add_u(v, "uid", e->uid);
		add_i(v, "oom_score_adj", e->oom_score_adj);
		memcpy(c, e->comm, FR_COMM_LEN);
		c[FR_COMM_LEN] = 0;
		if (!c[0])
			break;	/* older kernels: the name from the process table */
		v->comm = keep(v, c);
		if (!v->tgid)
			comm_of(d, v->tid, h->ts, &v->tgid);
		goto named;	/* the record names its task */
	}
	case FR_EV_SYS_ENTER: {
		const struct fr_sys_enter *e = rec;

		syscall_fields(d, v, e->id);
		note_enter(d, h->tid, h->ts, e->id);
		break;
	}
	case FR_EV_SYS_EXIT: {
		const struct fr_sys_exit *e = rec;
		uint64_t dur = take_enter(d, h->tid, h->ts, e->id);

		syscall_fields(d, v, e->id);
		add_i(v, "ret", e->ret);
		if (e->ret < 0 && e->ret >= -4095) {
			const char *n = fr_errno_name(-e->ret);

			if (n)
				add_str(v, "error", n, 32);
		}
		if (dur)
			add_ns(v, "duration", dur);
		break;
	}
	case FR_EV_BLOCK_ISSUE:
	case FR_EV_BLOCK_COMPLETE: {
		const struct fr_block_rq *e = rec;

		add_str(v, "dev", dev_name(d, v, e->dev), 64);
		add_str(v, "op", op_str(e->op), 2);
		add_u(v, "sector", e->sector);
		add_u(v, "bytes", e->bytes);
		if (h->type == FR_EV_BLOCK_COMPLETE) {
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
		break;
	}
	}
	/* a completion whose issue was not seen has no known task */
	if (!v->tid && (h->type == FR_EV_BLOCK_COMPLETE || h->type == FR_EV_BLOCK_ISSUE))
		v->comm = "?";
	else if (v->mark && v->mark->comm[0]) {
		/* its sender is often gone by now */
		char c[FR_COMM_LEN + 1];

		memcpy(c, v->mark->comm, FR_COMM_LEN);
		c[FR_COMM_LEN] = 0;
		v->comm = keep(v, c);
	} else {
		v->comm = comm_of(d, v->tid, h->ts, &v->tgid);
	}
named:
	if (h->flags && h->type != FR_EV_MARK)
		trace_field(d, v, h->flags);
}

/* ---- text ---- */

static bool needs_quotes(const char *s, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c >= 0x7f)
			return true;
	}
	return false;
}

static void text_str(FILE *out, const char *s, size_t n)
{
	if (!needs_quotes(s, n)) {
		fwrite(s, 1, n, out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);	/* UTF-8 passes through for the terminal */
	}
	fputc('"', out);
}

enum time_style { TIME_LOCAL, TIME_LOCAL_DATE, TIME_UTC_ISO };

static void wall_time(const struct fr_decoder *d, uint64_t ts, char *buf, size_t len,
		      enum time_style style)
{
	/* wide arithmetic: a crafted capture may hold any timestamp and offset */
	__int128 wall = (__int128)ts + d->boot_to_wall;
	time_t sec = (time_t)(wall / 1000000000);
	long ns = (long)(wall % 1000000000);
	struct tm tm = { 0 };

	if (wall / 1000000000 > INT32_MAX * 100LL || wall / 1000000000 < -(INT32_MAX * 100LL)) {
		snprintf(buf, len, style == TIME_UTC_ISO ? "invalid-time" : "??:??:??.?????????");
		return;
	}
	if (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	if (style == TIME_UTC_ISO) {
		gmtime_r(&sec, &tm);
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
	} else if (style == TIME_LOCAL_DATE) {
		localtime_r(&sec, &tm);
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%09ld", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
	} else {
		localtime_r(&sec, &tm);
		snprintf(buf, len, "%02d:%02d:%02d.%09ld", tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
	}
}

void fr_render_time(const struct fr_decoder *d, uint64_t ts, char *buf, size_t len)
{
	wall_time(d, ts, buf, len, TIME_LOCAL_DATE);
}

void fr_render_text(FILE *out, const struct fr_decoder *d, const struct fr_view *v)
{
	char t[64], dur[32];

	wall_time(d, v->h->ts, t, sizeof(t), TIME_LOCAL);
	fprintf(out, "%s cpu%u ", t, v->h->cpu);
	text_str(out, v->comm, strnlen(v->comm, FR_COMM_LEN));
	fprintf(out, " %u/%u %s", v->tgid, v->tid, v->type);
	for (unsigned i = 0; i < v->n; i++) {
		const struct fr_field *f = &v->f[i];

		fprintf(out, " %s=", f->key);
		switch (f->kind) {
		case FK_U: fprintf(out, "%" PRIu64, f->u); break;
		case FK_I: fprintf(out, "%" PRId64, f->i); break;
		case FK_BOOL: fputs(f->u ? "yes" : "no", out); break;
		case FK_NS: fputs(fr_fmt_duration(f->u, dur, sizeof(dur)), out); break;
		case FK_STR: text_str(out, f->s, f->slen); break;
		}
	}
	if (v->mark) {
		const char *p = v->mark->data + v->mark->name_len;

		for (unsigned i = 0; i < v->mark->nmeta; i++) {
			size_t kl = strlen(p), vl = strlen(p + kl + 1);

			fputs(" meta.", out);
			text_str(out, p, kl);
			fputc('=', out);
			text_str(out, p + kl + 1, vl);
			p += kl + vl + 2;
		}
	}
	fputc('\n', out);
}

/* ---- JSON ---- */

void fr_json_str(FILE *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t l;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c == '\n') {
			fputs("\\n", out);
			i++;
		} else if (c == '\t') {
			fputs("\\t", out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if ((l = fr_utf8_len(s + i, n - i))) {
			fwrite(s + i, 1, l, out);
			i += l;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
	fputc('"', out);
}

/* NDJSON is the bulk output: each object is built in a buffer with
 * hand-made number formatting and goes out in one fwrite. */
struct jbuf {
	FILE *out;
	size_t n;
	char b[8192];
};

static void jb_flush(struct jbuf *j)
{
	fwrite(j->b, 1, j->n, j->out);
	j->n = 0;
}

static void jb_put(struct jbuf *j, const char *s, size_t n)
{
	if (j->n + n > sizeof(j->b)) {
		jb_flush(j);
		if (n > sizeof(j->b)) {
			fwrite(s, 1, n, j->out);
			return;
		}
	}
	memcpy(j->b + j->n, s, n);
	j->n += n;
}

#define JB_LIT(j, s) jb_put(j, s, sizeof(s) - 1)

static void jb_u64(struct jbuf *j, uint64_t v)
{
	char t[24];
	int i = sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jb_put(j, t + i, sizeof(t) - i);
}

static void jb_i64(struct jbuf *j, int64_t v)
{
	if (v < 0) {
		JB_LIT(j, "-");
		jb_u64(j, -(uint64_t)v);
	} else {
		jb_u64(j, (uint64_t)v);
	}
}

/* A JSON string, as fr_json_str writes it. */
static void jb_str(struct jbuf *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char *o;

	if (6 * n + 2 > sizeof(j->b)) {
		jb_flush(j);
		fr_json_str(j->out, str, n);
		return;
	}
	if (j->n + 6 * n + 2 > sizeof(j->b))
		jb_flush(j);
	o = j->b + j->n;
	*o++ = '"';
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t l;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			*o++ = (char)c;
			i++;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
			i++;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
			i++;
		} else if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += sprintf(o, "\\u%04x", c);
			i++;
		} else if ((l = fr_utf8_len(s + i, n - i))) {
			memcpy(o, s + i, l);
			o += l;
			i += l;
		} else {
			memcpy(o, "\\ufffd", 6);
			o += 6;
			i++;
		}
	}
	*o++ = '"';
	j->n = (size_t)(o - j->b);
}

/* "2026-11-23T14:20:01.123456789Z": the part up to the second changes once
 * a second, so it is kept. */
static void jb_time(struct jbuf *j, const struct fr_decoder *d, uint64_t ts)
{
	static __int128 cached_sec = -1;
	static char prefix[64];
	static size_t prefix_len;
	__int128 wall = (__int128)ts + d->boot_to_wall, sec = wall / 1000000000;
	long ns = (long)(wall % 1000000000);
	char t[64];

	if (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	if (sec < 0 || sec > INT32_MAX * 100LL) {
		wall_time(d, ts, t, sizeof(t), TIME_UTC_ISO);
		jb_put(j, t, strlen(t));
		return;
	}
	if (sec != cached_sec) {
		struct tm tm = { 0 };
		time_t tsec = (time_t)sec;

		gmtime_r(&tsec, &tm);
		prefix_len = (size_t)snprintf(prefix, sizeof(prefix), "%04d-%02d-%02dT%02d:%02d:%02d.",
					      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
					      tm.tm_min, tm.tm_sec);
		if (prefix_len >= sizeof(prefix))
			prefix_len = sizeof(prefix) - 1;
		cached_sec = sec;
	}
	jb_put(j, prefix, prefix_len);
	for (int i = 8; i >= 0; i--) {
		t[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	t[9] = 'Z';
	jb_put(j, t, 10);
}

void fr_render_json(FILE *out, const struct fr_decoder *d, const struct fr_view *v)
{
	static struct jbuf j;

	j.out = out;
	j.n = 0;
	JB_LIT(&j, "{\"ts_ns\":");
	jb_u64(&j, v->h->ts);
	JB_LIT(&j, ",\"time\":\"");
	jb_time(&j, d, v->h->ts);
	JB_LIT(&j, "\",\"cpu\":");
	jb_u64(&j, v->h->cpu);
	JB_LIT(&j, ",\"pid\":");
	jb_u64(&j, v->tgid);
	JB_LIT(&j, ",\"tid\":");
	jb_u64(&j, v->tid);
	JB_LIT(&j, ",\"comm\":");
	jb_str(&j, v->comm, strnlen(v->comm, FR_COMM_LEN));
	JB_LIT(&j, ",\"type\":\"");
	jb_put(&j, v->type, strlen(v->type));
	JB_LIT(&j, "\"");
	for (unsigned i = 0; i < v->n; i++) {
		const struct fr_field *f = &v->f[i];

		JB_LIT(&j, ",\"");
		jb_put(&j, f->key, strlen(f->key));
		if (f->kind == FK_NS)
			JB_LIT(&j, "_ns");
		JB_LIT(&j, "\":");
		switch (f->kind) {
		case FK_U: case FK_NS: jb_u64(&j, f->u); break;
		case FK_I: jb_i64(&j, f->i); break;
		case FK_BOOL:
			if (f->u)
				JB_LIT(&j, "true");
			else
				JB_LIT(&j, "false");
			break;
		case FK_STR: jb_str(&j, f->s, f->slen); break;
		}
	}
	if (v->mark) {
		const char *p = v->mark->data + v->mark->name_len;

		JB_LIT(&j, ",\"meta\":{");
		for (unsigned i = 0; i < v->mark->nmeta; i++) {
			size_t kl = strlen(p), vl = strlen(p + kl + 1);

			if (i)
				JB_LIT(&j, ",");
			jb_str(&j, p, kl);
			JB_LIT(&j, ":");
			jb_str(&j, p + kl + 1, vl);
			p += kl + vl + 2;
		}
		JB_LIT(&j, "}");
	}
	JB_LIT(&j, "}");
	jb_flush(&j);
}

/* ---- the trigger record of a capture trigger wrote ---- */

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Free text from a capture, unquoted, control characters escaped. */
void fr_render_plain(FILE *out, const char *s)
{
	size_t n;

	s = s ? s : "?";
	n = strnlen(s, 4096);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

/* A count, a size or a time from a capture: never negative, never past
 * what a uint64_t holds (the conversion would be undefined). */
static uint64_t jns(const cJSON *o, const char *k)
{
	double v = jnum(o, k, 0);

	return v > 0 && v < 1.8e19 ? (uint64_t)v : 0;
}

static void task_line(FILE *out, const cJSON *t)
{
	fprintf(out, "%.0f/%.0f ", jnum(t, "pid", 0), jnum(t, "tid", jnum(t, "pid", 0)));
	fr_render_plain(out, jstr(t, "comm"));
}

/* At most max items of an array, each through fn. */
#define EACH(arr, it, max) \
	for (const cJSON *it = cJSON_IsArray(arr) ? (arr)->child : NULL; it && n_++ < (max); it = it->next)

static void print_stack(FILE *out, const char *indent, const cJSON *frames, unsigned max)
{
	unsigned n_ = 0;

	EACH(frames, f, max) {
		fputs(indent, out);
		fr_render_plain(out, cJSON_IsString(f) ? f->valuestring : "?");
		fputc('\n', out);
	}
}

void fr_render_trigger_text(FILE *out, const struct fr_decoder *d, const cJSON *t)
{
	const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(t, "context");
	const cJSON *x;
	char when[64], b1[32], b2[32];
	unsigned n_;

	if (!cJSON_IsObject(t))
		return;
	wall_time(d, jns(t, "time_ns"), when, sizeof(when), TIME_LOCAL_DATE);
	fputs("# trigger: ", out);
	fr_render_plain(out, jstr(t, "detector"));
	fprintf(out, " fired at %s: ", when);
	fr_render_plain(out, jstr(t, "metric"));
	fputs(" = ", out);
	fr_render_plain(out, jstr(t, "value_text"));
	fputs(" (", out);
	fr_render_plain(out, jstr(t, "condition"));
	fputs(")", out);
	if (jstr(t, "detail")) {
		fputs(" [", out);
		fr_render_plain(out, jstr(t, "detail"));
		fputs("]", out);
	}
	fprintf(out, "\n#   when '");
	fr_render_plain(out, jstr(t, "when"));
	{
		/* the window written, which a stop may have cut short */
		uint64_t at = jns(t, "time_ns"), ws = jns(t, "window_start_ns"), we = jns(t, "window_end_ns");

		if (ws && we && ws <= at && we >= at)
			fprintf(out, "'; window %s before, %s after", fr_fmt_duration(at - ws, b1, sizeof(b1)),
				fr_fmt_duration(we - at, b2, sizeof(b2)));
		else
			fprintf(out, "'; window %s before, %s after", fr_fmt_duration(jns(t, "pre_ns"), b1, sizeof(b1)),
				fr_fmt_duration(jns(t, "post_ns"), b2, sizeof(b2)));
		fputc('\n', out);
	}
	if (!cJSON_IsObject(ctx))
		return;
	if ((x = cJSON_GetObjectItemCaseSensitive(ctx, "fatal"))) {
		fputs("#   fatal: ", out);
		task_line(out, x);
		if (jstr(x, "signal")) {
			fputs(" killed by ", out);
			fr_render_plain(out, jstr(x, "signal"));
		} else {
			fputs(" killed by the OOM killer", out);
		}
		fputc('\n', out);
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(ctx, "top_cpu"))) {
		fputs("#   top CPU users over the post-window:\n", out);
		n_ = 0;
		EACH(x, p, 10) {
			fprintf(out, "#     %5.1f%%  %.0f ", jnum(p, "cpu_percent", 0), jnum(p, "pid", 0));
			fr_render_plain(out, jstr(p, "comm"));
			fputc('\n', out);
		}
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(ctx, "top_growers"))) {
		fputs("#   top growers of resident memory:\n", out);
		n_ = 0;
		EACH(x, p, 10) {
			fprintf(out, "#     +%s (now %s)  %.0f ",
				fr_fmt_bytes(jns(p, "growth_bytes"), b1, sizeof(b1)),
				fr_fmt_bytes(jns(p, "rss_bytes"), b2, sizeof(b2)),
				jnum(p, "pid", 0));
			fr_render_plain(out, jstr(p, "comm"));
			fputc('\n', out);
		}
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(ctx, "dstate"))) {
		fprintf(out, "#   tasks in D state at the firing: %d\n", cJSON_GetArraySize(x));
		n_ = 0;
		EACH(x, p, 32) {
			fputs("#     ", out);
			task_line(out, p);
			if (jstr(p, "wchan")) {
				fputs(" wchan=", out);
				fr_render_plain(out, jstr(p, "wchan"));
			}
			fputc('\n', out);
			print_stack(out, "#         ", cJSON_GetObjectItemCaseSensitive(p, "stack"), 32);
		}
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(ctx, "runqueue"))) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(x, "waiters");
		const cJSON *i = cJSON_GetObjectItemCaseSensitive(x, "interferers");

		fputs("#   waited on the run queue (total, longest, times):\n", out);
		n_ = 0;
		EACH(w, p, 10) {
			fprintf(out, "#     %s %s %.0f  ", fr_fmt_duration(jns(p, "wait_ns"), b1, sizeof(b1)),
				fr_fmt_duration(jns(p, "max_wait_ns"), b2, sizeof(b2)), jnum(p, "waits", 0));
			task_line(out, p);
			fputc('\n', out);
		}
		fputs("#   ran while others waited (time, on-CPU total):\n", out);
		n_ = 0;
		EACH(i, p, 10) {
			fprintf(out, "#     %s %s  ", fr_fmt_duration(jns(p, "while_others_waited_ns"), b1, sizeof(b1)),
				fr_fmt_duration(jns(p, "oncpu_ns"), b2, sizeof(b2)));
			task_line(out, p);
			fputc('\n', out);
		}
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(ctx, "io"))) {
		fputs("#   I/O by process and device (requests, bytes, total, p99, max):\n", out);
		n_ = 0;
		EACH(x, p, 10) {
			char b3[32], b4[32];

			fprintf(out, "#     %.0f ", jnum(p, "pid", 0));
			fr_render_plain(out, jstr(p, "comm"));
			fputc(' ', out);
			fr_render_plain(out, jstr(p, "dev"));
			fprintf(out, "  %.0f %s %s %s %s\n", jnum(p, "requests", 0),
				fr_fmt_bytes(jns(p, "bytes"), b1, sizeof(b1)),
				fr_fmt_duration(jns(p, "total_ns"), b2, sizeof(b2)),
				fr_fmt_duration(jns(p, "p99_ns"), b3, sizeof(b3)),
				fr_fmt_duration(jns(p, "max_ns"), b4, sizeof(b4)));
		}
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(ctx, "profile")) && cJSON_IsObject(x)) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(x, "stacks");

		fputs("#   ", out);
		fr_render_plain(out, jstr(x, "event"));
		fprintf(out, " profile: %.0f samples; hottest stacks (leaf first):\n", jnum(x, "samples", 0));
		n_ = 0;
		EACH(st, s, 5) {
			fprintf(out, "#     %.0f samples  %.0f ", jnum(s, "count", 0), jnum(s, "pid", 0));
			fr_render_plain(out, jstr(s, "comm"));
			fputc('\n', out);
			print_stack(out, "#         ", cJSON_GetObjectItemCaseSensitive(s, "kernel"), 16);
			print_stack(out, "#         ", cJSON_GetObjectItemCaseSensitive(s, "user"), 16);
		}
	}
}
