/* engine.h: what trigger arms and evaluates: the --when expressions over
 * the sampler's metrics, each condition's 'for' timer and the history a
 * 'rises' needs, the cooldown of each detector; and, when one fires, the
 * context its detector gathers for the capture. */
#ifndef FR_ENGINE_H
#define FR_ENGINE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/proctab.h"
#include "detect/context.h"
#include "detect/detector.h"
#include "detect/expr.h"
#include "detect/sampler.h"
#include "record/profile.h"

#define FR_ENGINE_MAX_EXPRS 32

struct fr_cond_state {
	uint64_t since;		/* when it started holding; 0: not holding */
	double value;		/* what it compared, for the report */
	bool valid;		/* value is this sample's (the metric had one) */
	/* since arming, for the report when nothing fires: the value that
	 * came closest to the threshold (the highest for > and rises, the
	 * lowest for <), and the longest time it held */
	double peak;
	bool peak_ok;
	uint64_t held_max;
};

struct fr_armed {
	const struct fr_expr *e;
	struct fr_cond_state st[FR_EXPR_MAX_CONDS];
	enum fr_det det;	/* the detector of its first condition */
};

/* The samples of one metric a 'rises' looks back on. */
struct fr_history {
	uint64_t *ts;
	double *v;
	bool *ok;
	unsigned cap, head, n;
};

/* The profiler a context may start (record/profile.h's, given by the
 * command, so that the detectors build and test without BPF). */
struct fr_profiler {
	int (*start)(struct fr_profile **out, enum fr_profile_kind kind, unsigned rate, uint32_t self);
	cJSON *(*finish)(struct fr_profile *p, struct fr_syms *syms, unsigned max_stacks);
	void (*abort)(struct fr_profile *p);
};

/* What the context detectors may use. */
struct fr_ctx_env {
	const struct fr_profiler *profiler;	/* NULL: no profiles */
	cJSON *(*devices)(void);	/* the block devices' names (META "devices") */
	struct fr_proctab *tasks;	/* names the window's tasks */
	struct fr_syms *syms;		/* names a profile's frames */
	const uint8_t *const *recs;	/* the capture's window, in time order */
	size_t n;
};

/* One firing, and the context gathered for it. */
struct fr_firing {
	const struct fr_armed *a;
	unsigned cond;		/* the condition reported (the first) */
	enum fr_det det;	/* who fired */
	enum fr_det ctx;	/* whose context it gets */
	uint64_t at;		/* boot ns */
	double value;
	char detail[48];
	struct fr_fatal fatal;	/* set by the events detector */
	bool is_fatal;
	const struct fr_ctx_env *env;
	/* context being collected */
	struct fr_profile *prof;
	struct fr_pstats ps_before;
	bool have_before;
	cJSON *dstate;
	cJSON *values;		/* every wanted metric at the firing */
};

struct fr_engine {
	struct fr_sampler s;
	uint64_t armed_at;	/* when armed: the first readings, else the first evaluation */
	struct fr_armed armed[FR_ENGINE_MAX_EXPRS];
	unsigned narmed;
	struct fr_history hist[FR_M_COUNT];
	uint64_t cool_until[FR_DET_COUNT];
	bool post;		/* a post-window follows a firing: start contexts */
	struct fr_ctx_env env;
};

/* Arm exprs (src: their text, for messages) on the host or cgroup.
 * -EINVAL for a bad expression (a usage error), other -errno otherwise;
 * the message is printed. */
int fr_engine_init(struct fr_engine *e, const struct fr_expr *exprs, const char *const *src,
		   unsigned n, const char *cgroup, bool post);
void fr_engine_free(struct fr_engine *e);
/* Once a second: sample every metric and keep what a 'rises' needs. */
void fr_engine_sample(struct fr_engine *e, uint64_t now);
/* Each turn of the loop: the detectors' own timers (memory baselines). */
void fr_engine_tick(struct fr_engine *e, uint64_t now, bool firing);
/* After a sample or a fatal event: update every condition (so that 'for'
 * timers stay true to the samples, even while a capture is under way);
 * when one holds long enough, its detector is out of its cooldown and
 * nothing fires yet (busy false), fill f, start its context and return
 * true. */
bool fr_engine_evaluate(struct fr_engine *e, uint64_t now, bool busy, struct fr_firing *f);
/* The capture's context for f from the window (recs, n): {"kind": ...,
 * and what the detector adds}. */
cJSON *fr_engine_context(struct fr_engine *e, struct fr_firing *f, const uint8_t *const *recs,
			 size_t n);
/* The capture of f is written (or failed): the detector's cooldown starts,
 * and every condition must hold anew. */
void fr_engine_rearm(struct fr_engine *e, const struct fr_firing *f, uint64_t cooldown_until);
/* Start a profile of the post-window for f's context; a failure is
 * reported, and the capture has none. */
void fr_firing_profile(struct fr_firing *f, enum fr_profile_kind kind, unsigned rate, const char *none);
/* Let go of what f gathered. */
void fr_firing_drop(struct fr_firing *f);
/* The TRIGGER record's firing part: detector, metric, value, threshold,
 * every condition and the metrics' values at the firing. */
cJSON *fr_firing_json(const struct fr_firing *f, uint64_t pre_ns, uint64_t post_ns, unsigned capture,
		      const char *cgroup);
/* The name of a firing's detector. */
static inline const char *fr_firing_detector(const struct fr_firing *f)
{
	return fr_detectors[f->det]->name;
}

#endif
