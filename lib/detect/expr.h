/* expr.h: the --when expressions of trigger: the shared grammar of
 * conditions (base/cond.h) over trigger's metrics (metrics.h), with every
 * form it has: 'and', 'for DURATION', 'rises VALUE in WINDOW' (a window of
 * 1s to 1h) and a bare count metric (events.crash: > 0). A condition's
 * metric is an enum fr_metric. */
#ifndef FR_EXPR_H
#define FR_EXPR_H

#include <stdio.h>

#include "base/cond.h"
#include "detect/metrics.h"

extern const struct fr_grammar fr_when_grammar;

/* fr_cond_parse with fr_when_grammar: 0, or -EINVAL with err filled in. */
int fr_expr_parse(const char *src, struct fr_expr *e, struct fr_expr_error *err);

/* The error as fr_cond_print_error prints it for trigger --when, after
 * prog ("flightrec trigger"; NULL for none). */
void fr_expr_print_error(FILE *f, const char *prog, const char *src,
			 const struct fr_expr_error *err);

/* The metric of a condition. */
static inline enum fr_metric fr_cond_metric(const struct fr_cond *c)
{
	return (enum fr_metric)c->metric;
}

#endif
