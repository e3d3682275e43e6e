/* gate.h: the conditions of stats --fail-if, the CI gate: the shared
 * grammar of conditions (base/cond.h) over the figures of the stats model
 * (fr_stats_lookup names them), one condition an option, each
 * METRIC OP VALUE, where VALUE is a figure in the metric's unit or a
 * signed change in per cent against the baseline (+20%, -10%). */
#ifndef FR_GATE_H
#define FR_GATE_H

#include "base/cond.h"

extern const struct fr_grammar fr_gate_grammar;

/* fr_cond_parse with fr_gate_grammar: 0, or -EINVAL with err filled in.
 * The condition's name is the figure's path in the model. */
int fr_gate_parse(const char *src, struct fr_expr *e, struct fr_expr_error *err);

#endif
