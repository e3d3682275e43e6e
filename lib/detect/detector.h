/* detector.h: the detectors trigger runs, one row each in fr_detectors[].
 *
 * A detector owns metrics (metrics.h), says which probe groups the ones
 * learnt from events need, how it samples them (once a second from the
 * kernel's accounting, or from each recorded event), and what a firing
 * adds to the capture: what it starts when it fires (a profile for the
 * post-window) and what it writes when the capture is made (who waited,
 * who grew). Each lives in a file of its own under detectors/; adding one
 * is that file and a row in detectors.c (docs/architecture.md walks
 * through it). Nothing outside the table compares a detector's name. */
#ifndef FR_DETECTOR_H
#define FR_DETECTOR_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/metrics.h"

enum fr_det {
	FR_DET_CPU,
	FR_DET_DSTATE,
	FR_DET_RUNQUEUE,
	FR_DET_MEMBURST,
	FR_DET_IO,
	FR_DET_PSI,
	FR_DET_EVENTS,
	FR_DET_COUNT,
};

struct fr_sampler;
struct fr_cond;
struct fr_firing;

struct fr_detector {
	const char *name;		/* "cpu": also the metrics' prefix */
	const enum fr_metric *metrics;	/* the metrics it owns, FR_M_NONE-ended */
	unsigned groups;		/* probe groups its from_events metrics need */
	const char *context_help;	/* trigger --list: what a firing adds */
	size_t state_size;		/* its own state in the sampler, zeroed */

	/* Why it cannot run on this kernel (its default expressions are then
	 * not armed), or NULL; NULL: it always can. */
	const char *(*unavailable)(void);

	/* Sampling; s and st are the sampler and this detector's state.
	 * Every hook may be NULL. init runs when one of its metrics is
	 * wanted: it checks that what it reads is there (0, or -errno
	 * with the message printed). */
	int (*init)(struct fr_sampler *s, void *st);
	void (*free)(void *st);
	/* once a second: set its metrics from the kernel's accounting */
	void (*sample)(struct fr_sampler *s, void *st, uint64_t now);
	/* at each evaluation (every second, and at once when an event set
	 * s->fatal_pending): the counts of what came since the last call */
	void (*sample_events)(struct fr_sampler *s, void *st);
	/* every recorded event, in time order */
	void (*event)(struct fr_sampler *s, void *st, const void *rec, uint32_t len);
	/* live stats: its bounded state, into the "detectors" object */
	void (*stats)(const struct fr_sampler *s, const void *st, cJSON *detectors);

	/* Arming and firing. arm sees every armed condition on a metric it
	 * owns or gives the context of; tick runs at each turn of the loop
	 * (firing: a capture is under way). */
	void (*arm)(void *st, const struct fr_cond *c);
	void (*tick)(struct fr_sampler *s, void *st, uint64_t now, bool firing);
	/* whose context a firing of m gets; NULL: this detector's */
	enum fr_det (*context_of)(enum fr_metric m);
	/* it fired: pin what fired (the crash, its time) in f */
	void (*fired)(const struct fr_sampler *s, const void *st, struct fr_firing *f);
	/* its context: started at the firing when there is a post-window,
	 * written into ctx when the capture is made */
	void (*ctx_start)(struct fr_firing *f, void *st);
	void (*ctx_finish)(struct fr_firing *f, void *st, cJSON *ctx);
};

extern const struct fr_detector *const fr_detectors[FR_DET_COUNT];

/* Why detector d cannot run here, or NULL. */
const char *fr_detector_unavailable(enum fr_det d);
/* The detector that owns m. */
enum fr_det fr_metric_detector(enum fr_metric m);
/* The detector whose context a firing of m gets. */
enum fr_det fr_metric_context(enum fr_metric m);

#endif
