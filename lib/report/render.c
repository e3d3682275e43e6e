/* render.c: the decoded model of an event as a text line or a JSON
 * object, and text from a capture printed safely. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "capture/event.h"
#include "report/render.h"
#include "base/utf8.h"
#include "base/util.h"

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

void fr_render_time_iso(const struct fr_decoder *d, uint64_t ts, char *buf, size_t len)
{
	wall_time(d, ts, buf, len, TIME_UTC_ISO);
}

static const struct fr_field *field(const struct fr_view *v, const char *key)
{
	for (unsigned i = 0; i < v->n; i++)
		if (!strcmp(v->f[i].key, key))
			return &v->f[i];
	return NULL;
}

static void put_value(FILE *out, const struct fr_field *f)
{
	char dur[32];

	switch (f->kind) {
	case FK_U: fprintf(out, "%" PRIu64, f->u); break;
	case FK_I: fprintf(out, "%" PRId64, f->i); break;
	case FK_BOOL: fputs(f->u ? "yes" : "no", out); break;
	case FK_NS: fputs(fr_fmt_duration(f->u, dur, sizeof(dur)), out); break;
	case FK_STR: text_str(out, f->s, f->slen); break;
	}
}

/* " VALUE", or " LABEL=VALUE" (label "" for the field's own key), when
 * the field is there */
static void put(FILE *out, const struct fr_view *v, const char *key, const char *label)
{
	const struct fr_field *f = field(v, key);

	if (!f)
		return;
	if (label)
		fprintf(out, " %s=", *label ? label : key);
	else
		fputc(' ', out);
	put_value(out, f);
}

/* " PID", or " PID/TID" when they differ */
static void put_task(FILE *out, const struct fr_view *v, const char *pid, const char *tid)
{
	const struct fr_field *p = field(v, pid), *t = field(v, tid);

	if (p)
		fprintf(out, " %" PRIu64, p->u);
	if (t && (!p || t->u != p->u))
		fprintf(out, "/%" PRIu64, t->u);
}

/* " WORD" when the yes/no field is yes */
static void put_flag(FILE *out, const struct fr_view *v, const char *key, const char *word)
{
	const struct fr_field *f = field(v, key);

	if (f && f->u)
		fprintf(out, " %s", word);
}

/* The 80-column form of each type: what it says first, without its key,
 * then what matters of the rest; priorities, a task's CPU time so far, a
 * syscall's number and the raw exit code are left to --wide (and JSON). */

static void short_switch(FILE *out, const struct fr_view *v)
{
	put(out, v, "prev_state", NULL);
	fputs(" ->", out);
	put(out, v, "next_comm", NULL);
	put_task(out, v, "next_pid", "next_tid");
}

static void short_wakeup(FILE *out, const struct fr_view *v)
{
	put(out, v, "target_cpu", "cpu");
	put(out, v, "waker_pid", "by");
}

/* A process: "child=COMM PID"; a thread: "thread=TID", and its name when
 * it is not its creator's. */
static void short_fork(FILE *out, const struct fr_view *v)
{
	const struct fr_field *thread = field(v, "thread"), *comm = field(v, "child_comm");

	if (!thread || !thread->u) {
		put(out, v, "child_comm", "child");
		put_task(out, v, "child_pid", "child_tid");
		return;
	}
	put(out, v, "child_tid", "thread");
	if (comm && (strlen(v->comm) != comm->slen || memcmp(v->comm, comm->s, comm->slen)))
		put(out, v, "child_comm", "comm");
}

/* The command line, after the file executed unless its first word names
 * that file already ("true ..." for /bin/true). */
static void short_exec(FILE *out, const struct fr_view *v)
{
	const struct fr_field *file = field(v, "filename"), *args = field(v, "args");

	if (file && args) {
		const char *base = memrchr(file->s, '/', file->slen);
		const char *sp = memchr(args->s, ' ', args->slen);
		size_t w = sp ? (size_t)(sp - args->s) : args->slen;

		base = base ? base + 1 : file->s;
		if ((w == file->slen && !memcmp(args->s, file->s, w)) ||
		    (w == (size_t)(file->s + file->slen - base) && !memcmp(args->s, base, w)))
			file = NULL;
	}
	if (file) {
		fputc(' ', out);
		put_value(out, file);
	}
	put(out, v, "args", "");
	put(out, v, "old_tid", "");
}

static void short_exit(FILE *out, const struct fr_view *v)
{
	put(out, v, "status", "");
	put(out, v, "signal", "");
	put_flag(out, v, "core_dumped", "core_dumped");
	if (field(v, "group_dead") && !field(v, "group_dead")->u)
		fputs(" thread", out);
}

static void short_syscall(FILE *out, const struct fr_view *v)
{
	const struct fr_field *name = field(v, "syscall");

	put(out, v, "syscall", NULL);
	if (name && !strncmp(name->s, "syscall_", 8))
		put(out, v, "id", "");
	put(out, v, "ret", "");
	put(out, v, "error", NULL);
	put(out, v, "duration", NULL);
}

static void short_block(FILE *out, const struct fr_view *v)
{
	const struct fr_field *bytes = field(v, "bytes"), *sector = field(v, "sector");

	put(out, v, "dev", NULL);
	put(out, v, "op", NULL);
	if (bytes)
		fprintf(out, " %" PRIu64 "B", bytes->u);
	if (sector)
		fprintf(out, " @%" PRIu64, sector->u);
	put(out, v, "error", NULL);
	put(out, v, "latency", NULL);
}

/* A trace id to its first 8 digits, as a short commit id is: enough to
 * tell the traces of one capture apart (--wide and JSON have it whole). */
static void put_trace(FILE *out, const struct fr_view *v)
{
	const struct fr_field *f = field(v, "trace");

	if (f) {
		fputs(" trace=", out);
		text_str(out, f->s, f->slen < 8 ? f->slen : 8);
	}
}

static const struct {
	const char *type;
	void (*line)(FILE *out, const struct fr_view *v);
} short_forms[] = {
	{ "sched_switch", short_switch },
	{ "sched_wakeup", short_wakeup },
	{ "sched_wakeup_new", short_wakeup },
	{ "process_fork", short_fork },
	{ "process_exec", short_exec },
	{ "process_exit", short_exit },
	{ "sys_enter", short_syscall },
	{ "sys_exit", short_syscall },
	{ "block_issue", short_block },
	{ "block_complete", short_block },
};

static void text_line(FILE *out, const struct fr_decoder *d, const struct fr_view *v)
{
	char t[64];
	size_t form = FR_ARRAY_SIZE(short_forms);

	wall_time(d, v->h->ts, t, sizeof(t), TIME_LOCAL);
	if (!d->wide) {
		t[15] = 0;	/* to the microsecond: HH:MM:SS.uuuuuu */
		for (form = 0; form < FR_ARRAY_SIZE(short_forms); form++)
			if (!strcmp(short_forms[form].type, v->type))
				break;
	}
	fprintf(out, "%s cpu%u ", t, v->h->cpu);
	text_str(out, v->comm, strnlen(v->comm, FR_COMM_LEN));
	if (v->tid == v->tgid && !d->wide)
		fprintf(out, " %u %s", v->tgid, v->type);
	else
		fprintf(out, " %u/%u %s", v->tgid, v->tid, v->type);
	if (form < FR_ARRAY_SIZE(short_forms)) {
		short_forms[form].line(out, v);
		put_trace(out, v);
		return;
	}
	/* marks, OOM kills and the wide form: every field as key=value */
	for (unsigned i = 0; i < v->n; i++) {
		if (!d->wide && !strcmp(v->f[i].key, "trace")) {
			put_trace(out, v);
			continue;
		}
		fprintf(out, " %s=", v->f[i].key);
		put_value(out, &v->f[i]);
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
}

/* The columns a terminal gives the character at s (n bytes there), and its
 * length in *len: a byte that is no UTF-8 shows as one replacement
 * character; from U+1100 on, count two, as the wide East Asian ones and
 * most emoji take (a few narrow ones are counted wide: the line is cut a
 * little early, never late). */
static unsigned char_cols(const unsigned char *s, size_t n, size_t *len)
{
	size_t l = fr_utf8_len(s, n);
	uint32_t cp;

	if (!l) {
		*len = 1;
		return 1;
	}
	*len = l;
	if (l == 1)
		return 1;
	cp = l == 2 ? (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu) :
	     l == 3 ? (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu) :
		      (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
	return cp >= 0x1100 ? 2 : 1;
}

bool fr_render_text(FILE *out, const struct fr_decoder *d, const struct fr_view *v)
{
	/* one line at a time, in memory, to cut it at the width: dump is
	 * single-threaded, and a line that fills this is cut anyway */
	static char buf[4096];
	static FILE *mem;
	size_t len, cols = 0, cut = 0;
	bool full;

	if (d->wide || (!mem && !(mem = fmemopen(buf, sizeof(buf), "w")))) {
		text_line(out, d, v);
		fputc('\n', out);
		return false;
	}
	rewind(mem);
	text_line(mem, d, v);
	fflush(mem);
	len = (size_t)ftell(mem);
	full = len >= sizeof(buf) - 1;
	if (full)
		len = sizeof(buf) - 1;
	/* text_str escaped the control characters: the rest is what shows */
	for (size_t i = 0, l; i < len; i += l) {
		unsigned w = char_cols((const unsigned char *)buf + i, len - i, &l);

		if (!cut && cols + w > FR_TEXT_WIDTH - 3)
			cut = i;
		cols += w;
	}
	if (cols <= FR_TEXT_WIDTH && !full) {
		fwrite(buf, 1, len, out);
		fputc('\n', out);
		return false;
	}
	fwrite(buf, 1, cut, out);
	fputs("...\n", out);
	return true;
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

/* Free text from a capture, unquoted, control characters escaped. */
void fr_render_plain(FILE *out, const char *s)
{
	s = s ? s : "?";
	fr_render_plain_n(out, s, strnlen(s, 4096));
}

void fr_render_plain_n(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}
