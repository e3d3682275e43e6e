/* expr.h: the metrics trigger watches, and the --when expressions that
 * compare them with thresholds.
 *
 *   EXPR := COND ('and' COND)*
 *   COND := METRIC [CMP NUMBER[UNIT]] ['for' DURATION]
 *         | METRIC 'rises' NUMBER[UNIT] 'in' DURATION ['for' DURATION]
 *   CMP  := '>' | '>=' | '<' | '<='
 *
 * A bare METRIC (no comparison) means "> 0" and is allowed only for count
 * metrics (events.crash). Values are kept in each kind's base unit:
 * percent (0-100), nanoseconds, bytes, bytes per second, or a count. */
#ifndef FR_EXPR_H
#define FR_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/metrics.h"

enum fr_cmp { FR_CMP_GT, FR_CMP_GE, FR_CMP_LT, FR_CMP_LE };

#define FR_EXPR_MAX_CONDS 8

struct fr_cond {
	const struct fr_metric_def *metric;
	bool rise;		/* METRIC rises NUMBER in WINDOW */
	enum fr_cmp cmp;	/* level; a rise compares with >= */
	double threshold;	/* base unit of the metric's kind */
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
	char msg[160];		/* what is wrong, e.g. "unknown metric 'cpu.sy'" */
};

/* 0, or -EINVAL with err filled in. */
int fr_expr_parse(const char *src, struct fr_expr *e, struct fr_expr_error *err);

/* Print the error the way a user sees it:
 *   bad --when 'cpu.sys > 45 xx': unknown unit 'xx' ...
 *     cpu.sys > 45 xx
 *                  ^^
 *   e.g. --when 'cpu.sys > 45%' or --when 'memburst.anon rises 1GB in 10s for 5s'
 * Every byte of src is one column; tabs and other control bytes are shown as
 * a space or '?'. No program name: the caller prefixes one if it wants. */
void fr_expr_print_error(FILE *f, const char *src, const struct fr_expr_error *err);

/* A value of the metric's kind in its natural unit: "45.2%", "12.3ms",
 * "1.5GB", "120MB/s", "3". */
const char *fr_fmt_value(enum fr_kind kind, double v, char *buf, size_t len);
/* One condition back as text: "cpu.sys > 45%", "memburst.anon rises 1GB in
 * 10s for 5s". Unlike fr_fmt_value it keeps every digit that matters:
 * fr_expr_parse reads the text back as the same condition. */
const char *fr_cond_format(const struct fr_cond *c, char *buf, size_t len);
const char *fr_cmp_name(enum fr_cmp c);
bool fr_cmp_holds(enum fr_cmp c, double value, double threshold);

#endif
