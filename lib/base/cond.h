/* cond.h: the one grammar of the conditions flightrec compares figures
 * with: trigger --when over live metrics, stats --fail-if over a capture's
 * figures. One lexer and parser here; each command gives it a grammar
 * (struct fr_grammar): how to look its metric names up, and which of the
 * forms below it takes.
 *
 *   EXPR  := COND ('and' COND)*                               FR_FORM_AND
 *   COND  := METRIC CMP VALUE ['for' DURATION]                FR_FORM_FOR
 *          | METRIC 'rises' VALUE 'in' DURATION ['for' DURATION]
 *                                                             FR_FORM_RISES
 *          | METRIC ['for' DURATION]   (count metrics: > 0)   FR_FORM_BARE
 *   CMP   := '>' | '>=' | '<' | '<='
 *   VALUE := NUMBER[UNIT]
 *          | ('+' | '-') NUMBER '%'    (a change against a baseline's
 *                                       figure)               FR_FORM_CHANGE
 *
 * A value's unit follows from the metric's kind: a time needs one (ns, us,
 * ms, s), so does a size (B, KB, MB, GB, TB; powers of 1024) and a rate
 * (the same with /s); a percentage may have %, a count has none. Durations
 * take ns, us, ms, s, m or h. Values are kept in each kind's base unit:
 * percent (0-100), nanoseconds, bytes, bytes per second, or a count. */
#ifndef FR_COND_H
#define FR_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum fr_kind {
	FR_KIND_PERCENT,	/* 0-100; unit "%" (may be omitted) */
	FR_KIND_TIME,		/* ns; units ns, us, ms, s */
	FR_KIND_BYTES,		/* bytes; units B, KB, MB, GB, TB (powers of 1024; KiB... too) */
	FR_KIND_RATE,		/* bytes/s; units B/s, KB/s, MB/s, GB/s (KiB/s... too) */
	FR_KIND_COUNT,		/* a plain number; no unit */
};

enum fr_cmp { FR_CMP_GT, FR_CMP_GE, FR_CMP_LT, FR_CMP_LE };

#define FR_EXPR_MAX_CONDS 8
#define FR_COND_NAME_MAX 64

struct fr_cond {
	unsigned metric;	/* the id the grammar's lookup gave */
	enum fr_kind kind;
	char name[FR_COND_NAME_MAX];	/* the metric, as the lookup spells it */
	bool rise;		/* METRIC rises NUMBER in WINDOW */
	bool change;		/* threshold: a change in per cent of the baseline's figure */
	enum fr_cmp cmp;	/* level; a rise compares with >= */
	double threshold;	/* base unit of the metric's kind, or per cent */
	uint64_t window_ns;	/* rise only */
	uint64_t for_ns;	/* must hold this long; 0: one sample is enough */
};

struct fr_expr {
	struct fr_cond conds[FR_EXPR_MAX_CONDS];
	unsigned n;
	char text[1024];	/* normalised: each condition as fr_cond_format
				 * writes it, joined by " and " */
};

struct fr_expr_error {
	size_t pos, len;	/* the bad token in the source text */
	char msg[200];		/* what is wrong, e.g. "unknown metric 'cpu.sy'" */
	bool name;		/* about a metric's name: the grammar's names_help applies */
};

enum {
	FR_FORM_AND = 1 << 0,	/* conditions joined by 'and' */
	FR_FORM_FOR = 1 << 1,	/* ... 'for' DURATION */
	FR_FORM_RISES = 1 << 2,	/* METRIC 'rises' VALUE 'in' DURATION */
	FR_FORM_BARE = 1 << 3,	/* a count metric alone: > 0 */
	FR_FORM_CHANGE = 1 << 4, /* a signed per cent: a change against a baseline */
};

/* What one command's conditions may say. */
struct fr_grammar {
	const char *option;	/* the option that takes them, for messages: "--when" */
	unsigned forms;		/* FR_FORM_* */
	/* rises: the window's bounds (0: any up to 24h) and how to say them */
	uint64_t window_min_ns, window_max_ns;
	const char *window_help;	/* "a rise is measured over 1s to 1h" */
	/* The metric named by the len bytes at name: 0 with c->metric, c->kind
	 * and c->name set; or -ENOENT with err->msg said (fr_cond_unknown
	 * helps), err->pos and err->len the bad part of the name (len 0: all
	 * of it). */
	int (*lookup)(const char *name, size_t len, struct fr_cond *c, struct fr_expr_error *err);
	const char *example;	/* a metric and a value, for messages: "cpu.sys > 45%" */
	const char *names_help;	/* where every metric is listed, for a bad name */
	const char *examples;	/* the last line of an error: "e.g. --when '...'" */
};

/* 0, or -EINVAL with err filled in. */
int fr_cond_parse(const struct fr_grammar *g, const char *src, struct fr_expr *e,
		  struct fr_expr_error *err);

/* Print the error the way a compiler does, within 80 columns:
 *   PROG: bad --when: memburst.rate is a rate: give it a unit, B/s, KB/s,
 *       MB/s, GB/s or TB/s (e.g. 200MB/s)
 *     memburst.rate > 100
 *                     ^^^
 *     e.g. --when 'cpu.sys > 45%' or --when 'memburst.anon rises 1GB in 10s'
 * The message is wrapped, continued four columns in; a source too long for
 * the line is shown around the bad token, cut ends as "..."; an error about
 * a name adds the grammar's names_help line. Every byte of src is one
 * column; tabs and other control bytes are shown as a space or '?'. prog
 * may be NULL. */
void fr_cond_print_error(FILE *f, const struct fr_grammar *g, const char *prog, const char *src,
			 const struct fr_expr_error *err);

/* For a grammar's lookup: "unknown WHAT 'NAME' (did you mean HINT?)" for
 * the whole name (hint may be NULL). Returns -ENOENT. */
int fr_cond_unknown(struct fr_expr_error *err, const char *what, const char *name, size_t len,
		    const char *hint);

/* A value of the kind in its natural unit: "45.2%", "12.3ms", "1.5GB",
 * "120MB/s", "3". */
const char *fr_fmt_value(enum fr_kind kind, double v, char *buf, size_t len);
/* One condition back as text: "cpu.sys > 45%", "memburst.anon rises 1GB in
 * 10s for 5s", "runqueue.p99 > +20%". Unlike fr_fmt_value it keeps every
 * digit that matters: fr_cond_parse reads the text back as the same
 * condition. */
const char *fr_cond_format(const struct fr_cond *c, char *buf, size_t len);
const char *fr_cmp_name(enum fr_cmp c);
bool fr_cmp_holds(enum fr_cmp c, double value, double threshold);
/* "%", "time: ns, us, ms, s"... for lists of metrics. */
const char *fr_kind_units(enum fr_kind k);

#endif
