/* metrics.h: every metric trigger can watch, by an id. A --when
 * expression names them; the parser turns each name into its id once, and
 * everything after that (the sampler, the detectors, the evaluation) goes
 * by the id. Which detector owns a metric is said by the detector's row in
 * detector.h's table. */
#ifndef FR_METRICS_H
#define FR_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/cond.h"	/* enum fr_kind */

/* In the order trigger --list shows them, by detector. */
enum fr_metric {
	FR_M_CPU_USAGE,
	FR_M_CPU_USER,
	FR_M_CPU_SYS,
	FR_M_CPU_IOWAIT,
	FR_M_DSTATE_TASKS,
	FR_M_DSTATE_LOAD,
	FR_M_DSTATE_LONGEST,
	FR_M_RUNQUEUE_P50,
	FR_M_RUNQUEUE_P99,
	FR_M_RUNQUEUE_MAX,
	FR_M_RUNQUEUE_WAIT,
	FR_M_MEMBURST_ANON,
	FR_M_MEMBURST_RATE,
	FR_M_IO_UTIL,
	FR_M_IO_AWAIT,
	FR_M_IO_P99,
	FR_M_PSI_CPU_SOME,
	FR_M_PSI_MEMORY_SOME,
	FR_M_PSI_MEMORY_FULL,
	FR_M_PSI_IO_SOME,
	FR_M_PSI_IO_FULL,
	FR_M_EVENTS_OOM,
	FR_M_EVENTS_CRASH,
	FR_M_COUNT,
	FR_M_NONE = FR_M_COUNT,	/* ends a list of metrics */
};

struct fr_metric_def {
	const char *name;	/* "cpu.sys": the detector's name, a dot, the rest */
	enum fr_kind kind;
	bool from_events;	/* learnt from recorded events, not read from the kernel */
	const char *help;	/* one line for trigger --list */
};

extern const struct fr_metric_def fr_metric_defs[FR_M_COUNT];

/* The metric named by the len bytes at name, or NULL. */
const struct fr_metric_def *fr_metric_find(const char *name, size_t len);

/* The metric the user probably meant by the len bytes at name: a close
 * spelling, or else the nearest of the detector named before the dot
 * ("cpu.system"); NULL when none is close. */
const struct fr_metric_def *fr_metric_suggest(const char *name, size_t len);

static inline enum fr_metric fr_metric_id(const struct fr_metric_def *m)
{
	return (enum fr_metric)(m - fr_metric_defs);
}

#endif
