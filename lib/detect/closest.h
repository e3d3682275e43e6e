/* closest.h: how close each armed condition is to firing, and came to it:
 * the order of trigger's status line (closest first, with the time a 'for'
 * has left), the report when nothing fired (each metric's peak against its
 * threshold), and both in JSON for live stats. */
#ifndef FR_CLOSEST_H
#define FR_CLOSEST_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/engine.h"

/* How close value v of condition c is to firing: below 1, the share of
 * the way to the threshold (71% against > 95%: 0.75); from 1 to 2 once it
 * holds, as its 'for' is served (held ns of it); -1 without a value. */
double fr_cond_closeness(const struct fr_cond *c, bool valid, double v, uint64_t held);

/* The status line while armed: each expression's metrics, their values
 * and conditions, the closest to firing first, in at most cols - 1
 * columns; those left out are counted at the end ("+3"). */
void fr_engine_status(const struct fr_engine *e, uint64_t now, char *line, size_t len, int cols);

/* One line on condition i of a since arming, at most max columns:
 * "cpu.sys peaked at 71% (threshold 95% for 10s): 75% of it", or for one
 * that held, not long enough, "...: held 4s"; without the threshold when
 * the line would not fit. */
const char *fr_cond_peak_line(const struct fr_armed *a, unsigned i, char *buf, size_t len, size_t max);

/* Nothing fired: "nothing fired in 30s; closest first:" and a line per
 * armed condition, on stderr (hidden by -q). */
void fr_engine_report_closest(const struct fr_engine *e, uint64_t now);

/* When nothing fired: {"fired": false, "armed_ns": how long it was armed,
 * "armed": fr_engine_armed_json}. */
cJSON *fr_engine_unfired_json(const struct fr_engine *e, uint64_t now);
/* Every armed expression with its conditions' values now and peaks since
 * arming, closest first (live stats' "armed"). */
cJSON *fr_engine_armed_json(const struct fr_engine *e, uint64_t now);

#endif
