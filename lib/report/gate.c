/* gate.c: the figures stats --fail-if may name, with their kinds, and the
 * grammar that looks them up; see gate.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "capture/event.h"
#include "report/gate.h"

#define T FR_KIND_TIME
#define B FR_KIND_BYTES
#define C FR_KIND_COUNT

/* The figures, as in METRICS of flightrec-stats(8). An upper-case part
 * stands for a name: NAME a system call, DEV a block device (any name: the
 * capture says which it has), TYPE an event type. Fixed names before the
 * patterns they would match. */
static const struct figure {
	const char *name;
	enum fr_kind kind;
} figures[] = {
	{ "runqueue.p50", T }, { "runqueue.p90", T }, { "runqueue.p99", T },
	{ "runqueue.max", T }, { "runqueue.total", T }, { "runqueue.count", C },
	{ "syscalls.count", C }, { "syscalls.errors", C }, { "syscalls.unpaired", C },
	{ "syscalls.NAME.p50", T }, { "syscalls.NAME.p90", T }, { "syscalls.NAME.p99", T },
	{ "syscalls.NAME.max", T }, { "syscalls.NAME.total", T }, { "syscalls.NAME.count", C },
	{ "syscalls.NAME.errors", C },
	{ "block.DEV.p50", T }, { "block.DEV.p90", T }, { "block.DEV.p99", T },
	{ "block.DEV.max", T }, { "block.DEV.requests", C }, { "block.DEV.errors", C },
	{ "block.DEV.bytes", B }, { "block.DEV.read_bytes", B }, { "block.DEV.write_bytes", B },
	{ "block.DEV.iops", C },
	{ "cpu.total", T },
	{ "offcpu.runnable", T }, { "offcpu.sleeping", T }, { "offcpu.dstate", T },
	{ "offcpu.other", T },
	{ "events.total", C }, { "events.crashes", C }, { "events.oom_kills", C },
	{ "events.TYPE", C },
	{ "loss.dropped", C }, { "loss.overwritten", C }, { "loss.file_overwritten", C },
	{ "loss.unwritten", C }, { "loss.malformed", C },
};

#define MAX_PARTS 4

struct parts {
	const char *p[MAX_PARTS];
	size_t len[MAX_PARTS];
	unsigned n;
};

/* "a.b.c" into its parts; false when there are too many or one is empty. */
static bool split(const char *s, size_t len, struct parts *out)
{
	size_t i = 0;

	out->n = 0;
	for (;;) {
		size_t j = i;

		while (j < len && s[j] != '.')
			j++;
		if (out->n == MAX_PARTS || j == i)
			return false;
		out->p[out->n] = s + i;
		out->len[out->n++] = j - i;
		if (j == len)
			return true;
		i = j + 1;
	}
}

static bool is_placeholder(const char *s, size_t len)
{
	return len && s[0] >= 'A' && s[0] <= 'Z';
}

/* Has the figure's name a placeholder? */
static bool patterned(const char *f)
{
	for (const char *p = f;; p++) {
		if (is_placeholder(p, 1))
			return true;
		if (!(p = strchr(p, '.')))
			return false;
	}
}

static bool is_syscall(const char *s, size_t len)
{
	size_t i = 8;

	/* the model's names for calls the table does not know */
	if (len == 5 && !memcmp(s, "other", 5))
		return true;
	if (len > 8 && !memcmp(s, "syscall_", 8)) {
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == len)
			return true;
	}
	for (unsigned n = 0; n < fr_syscalls_x86_64_count; n++) {
		const char *name = fr_syscalls_x86_64[n];

		if (name && strlen(name) == len && !memcmp(name, s, len))
			return true;
	}
	return false;
}

/* The part that a placeholder stands for, checked: 0, or -ENOENT with
 * the error at that part (off bytes into the whole name). */
static int check_part(const char *ph, const char *s, size_t len, size_t off,
		      struct fr_expr_error *err)
{
	struct fr_nearest n;
	const char *what;

	fr_nearest_init(&n, s, len);
	if (!strcmp(ph, "NAME")) {
		if (is_syscall(s, len))
			return 0;
		for (unsigned i = 0; i < fr_syscalls_x86_64_count; i++)
			if (fr_syscalls_x86_64[i])
				fr_nearest_offer(&n, fr_syscalls_x86_64[i]);
		what = "system call";
	} else if (!strcmp(ph, "TYPE")) {
		if (fr_type_by_name(s, len))
			return 0;
		for (unsigned t = 1; t < FR_EV_TYPE_MAX; t++)
			if (fr_type_info(t))
				fr_nearest_offer(&n, fr_type_info(t)->name);
		what = "event type";
	} else {
		return 0;	/* DEV: any name */
	}
	fr_cond_unknown(err, what, s, len, fr_nearest_get(&n));
	err->pos = off;
	err->len = len;
	return -ENOENT;
}

/* Does name (in parts) have the shape of figure f? Its placeholders are
 * not checked. */
static bool shape(const struct figure *f, const struct parts *name, struct parts *pat)
{
	if (!split(f->name, strlen(f->name), pat) || pat->n != name->n)
		return false;
	for (unsigned i = 0; i < pat->n; i++)
		if (!is_placeholder(pat->p[i], pat->len[i]) &&
		    (pat->len[i] != name->len[i] || memcmp(pat->p[i], name->p[i], name->len[i])))
			return false;
	return true;
}

/* f as the user may have meant it: the parts of name for its placeholders
 * ("syscalls.raed.p99" for syscalls.NAME.p99). False when f has
 * placeholders and another number of parts. */
static bool instance(const struct figure *f, const struct parts *name, char *buf, size_t len)
{
	struct parts pat;
	size_t used = 0;
	bool any = false;

	if (!split(f->name, strlen(f->name), &pat))
		return false;
	for (unsigned i = 0; i < pat.n; i++)
		any |= is_placeholder(pat.p[i], pat.len[i]);
	if (!any) {
		snprintf(buf, len, "%s", f->name);
		return true;
	}
	if (pat.n != name->n)
		return false;
	for (unsigned i = 0; i < pat.n; i++) {
		bool ph = is_placeholder(pat.p[i], pat.len[i]);
		int k = snprintf(buf + used, len - used, "%s%.*s", i ? "." : "",
				 (int)(ph ? name->len[i] : pat.len[i]), ph ? name->p[i] : pat.p[i]);

		if (k < 0 || (size_t)k >= len - used)
			return false;
		used += (size_t)k;
	}
	return true;
}

/* The figure the user probably meant: a close spelling, or else the
 * nearest one of the same section ("runqueue.latency"), or for a name
 * without a section the first that ends in it ("p99"). */
static const char *suggest(const char *s, size_t len, const struct parts *name, char *buf,
			   size_t blen)
{
	struct fr_nearest any, same;
	char cand[FR_COND_NAME_MAX + 32];
	const char *tail = NULL;

	fr_nearest_init(&any, s, len);
	fr_nearest_init(&same, s, len);
	for (size_t i = 0; i < FR_ARRAY_SIZE(figures); i++) {
		const char *f = figures[i].name, *last = strrchr(f, '.');
		size_t head = strcspn(f, ".");

		if (!tail && !memchr(s, '.', len) && strlen(last + 1) == len &&
		    !memcmp(last + 1, s, len) && !patterned(f))
			tail = f;
		if (!instance(&figures[i], name, cand, sizeof(cand)))
			continue;
		fr_nearest_offer(&any, cand);
		if (head == name->len[0] && !memcmp(f, name->p[0], head))
			fr_nearest_offer(&same, cand);
	}
	if (fr_nearest_get(&any))
		snprintf(buf, blen, "%s", fr_nearest_get(&any));
	else if (same.best[0])
		snprintf(buf, blen, "%s", same.best);
	else if (tail)
		snprintf(buf, blen, "%s", tail);
	else
		return NULL;
	return buf;
}

/* The figure of the model named s: the first whose shape fits, with its
 * placeholders' parts checked. */
static int lookup(const char *s, size_t len, struct fr_cond *c, struct fr_expr_error *err)
{
	struct parts name, pat;
	char hint[FR_COND_NAME_MAX + 32];

	if (len >= sizeof(c->name))
		return fr_cond_unknown(err, "metric", s, len, NULL);
	if (!split(s, len, &name)) {
		name.n = 1;
		name.p[0] = s;
		name.len[0] = strcspn(s, ".") < len ? strcspn(s, ".") : len;
	}
	for (size_t i = 0; i < FR_ARRAY_SIZE(figures); i++) {
		if (!shape(&figures[i], &name, &pat))
			continue;
		for (unsigned k = 0; k < pat.n; k++) {
			char ph[8];

			if (!is_placeholder(pat.p[k], pat.len[k]))
				continue;
			snprintf(ph, sizeof(ph), "%.*s", (int)pat.len[k], pat.p[k]);
			if (check_part(ph, name.p[k], name.len[k], (size_t)(name.p[k] - s), err))
				return -ENOENT;
		}
		c->metric = (unsigned)i;
		c->kind = figures[i].kind;
		memcpy(c->name, s, len);
		c->name[len] = 0;
		return 0;
	}
	return fr_cond_unknown(err, "metric", s, len, suggest(s, len, &name, hint, sizeof(hint)));
}

const struct fr_grammar fr_gate_grammar = {
	.option = "--fail-if",
	.forms = FR_FORM_CHANGE,
	.lookup = lookup,
	.example = "runqueue.p99 > 5ms",
	.names_help = "every metric: METRICS in flightrec-stats(8), or flightrec stats --help",
	.examples = "e.g. --fail-if 'runqueue.p99 > +20%' or --fail-if 'syscalls.read.p99 > 2ms'",
};

int fr_gate_parse(const char *src, struct fr_expr *e, struct fr_expr_error *err)
{
	return fr_cond_parse(&fr_gate_grammar, src, e, err);
}
