/* sampler.h: the signals trigger's detectors watch.
 *
 * The sampler holds each metric's latest value and what each detector
 * keeps to compute it. Once a second every armed detector reads the
 * kernel's own accounting (/proc/stat, /proc/schedstat, /proc/meminfo,
 * /proc/diskstats, /proc/pressure, the task states, a cgroup's files); the
 * rest is learnt from the events the recorder gathers (run-queue latency
 * from wakeups and switches, block latency from completions, OOM kills and
 * crashes from exits). Only what an armed condition needs is read. The
 * detectors themselves are in detector.h's table. */
#ifndef FR_SAMPLER_H
#define FR_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/tidmap.h"
#include "detect/detector.h"
#include "detect/metrics.h"

/* What a fatal event was, for the trigger record. */
struct fr_fatal {
	uint64_t ts;
	uint32_t pid, tid;
	int sig;		/* 0 for an OOM kill */
	char comm[16];
};

struct fr_sampler {
	bool want[FR_M_COUNT];
	double value[FR_M_COUNT];
	bool valid[FR_M_COUNT];
	char detail[FR_M_COUNT][48];	/* where the value comes from: "sda", "pid 123" */
	uint64_t at_ns;		/* when the last sample was taken */

	bool armed[FR_DET_COUNT];	/* one of its metrics is wanted */
	void *state[FR_DET_COUNT];	/* each detector's own */

	/* the cgroup watched instead of the host (NULL: the host): a path
	 * relative to the roots of the hierarchies */
	const char *cgroup;
	char cg_cpu[512], cg_mem[512], cg_tasks[512];
	bool cg_cpu_v2, cg_mem_v2;
	bool cg_tids_ok;	/* cg_members is filled */
	struct fr_tidmap cg_members;	/* tid -> 1 in the cgroup */
	uint64_t cg_members_at;

	bool fatal_pending;	/* an OOM kill or a crash not yet evaluated */
};

_Static_assert(sizeof(((struct fr_sampler *)0)->detail) / sizeof(((struct fr_sampler *)0)->detail[0]) ==
		       FR_M_COUNT, "a detail per metric");
_Static_assert(sizeof(((struct fr_sampler *)0)->state) / sizeof(void *) == FR_DET_COUNT,
	       "a state per detector");

/* Which metrics to read; cgroup may be NULL. 0 or -errno with a message. */
int fr_sampler_init(struct fr_sampler *s, const bool want[FR_M_COUNT], const char *cgroup);
void fr_sampler_free(struct fr_sampler *s);
/* Take a sample: fill value[] / valid[] for every wanted metric but the
 * event counts. */
void fr_sampler_sample(struct fr_sampler *s, uint64_t now_ns);
/* The event counts (events.oom, events.crash): what came since the last
 * call; after a sample, or at once when fatal_pending. */
void fr_sampler_sample_events(struct fr_sampler *s);
/* Learn from one recorded event. */
void fr_sampler_event(struct fr_sampler *s, const void *rec, uint32_t len);
/* The probe groups the wanted metrics learnt from events need. */
unsigned fr_sampler_groups(const struct fr_sampler *s);
/* Live stats: every detector's bounded state, into o. */
void fr_sampler_stats(const struct fr_sampler *s, cJSON *o);

/* For the detectors: */
static inline bool fr_sampler_wants(const struct fr_sampler *s, enum fr_metric m)
{
	return s->want[m];
}
/* Set a wanted metric's value; detail says where it comes from (may be
 * NULL). Unwanted metrics are left alone. */
void fr_sampler_set(struct fr_sampler *s, enum fr_metric m, double v, const char *detail);
void fr_sampler_unset(struct fr_sampler *s, enum fr_metric m);
/* Is tid in the cgroup watched (always true for the host)? */
bool fr_sampler_in_cgroup(const struct fr_sampler *s, uint32_t tid);
/* "key value" lines: the value of key, or -1. */
long long fr_keyed(const char *text, const char *key);

#endif
