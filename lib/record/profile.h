/* profile.h: the on-demand stack profiler: a BPF program on a software perf
 * event of every online CPU counts samples per (process, kernel stack, user
 * stack), for as long as trigger wants; finishing turns the counts into
 * JSON by function. */
#ifndef FR_PROFILE_H
#define FR_PROFILE_H

#include <cjson/cJSON.h>
#include <stdint.h>

enum fr_profile_kind {
	FR_PROFILE_CPU,		/* cpu-clock, sampled at rate Hz */
	FR_PROFILE_FAULTS,	/* page faults, one sample every rate faults */
};

struct fr_profile;
struct fr_syms;

/* Open one perf event per online CPU: software cpu-clock sampling at rate Hz
 * (FR_PROFILE_CPU), or software page-faults sampled every rate faults
 * (FR_PROFILE_FAULTS); load the program and attach it to each. Samples of
 * process self_tgid are never taken. Nothing stays attached on failure.
 * Returns 0, or -errno after saying with fr_err() what failed, why and what
 * to do about it. */
int fr_profile_start(struct fr_profile **out, enum fr_profile_kind kind, unsigned rate,
		     uint32_t self_tgid);

/* Detach everything, read the counted stacks, name their frames with syms
 * (NULL: every frame [unknown]), aggregate them by function
 * (record/profile_agg.h) and free p. Returns
 *   {"kind": "cpu"|"faults", "event": "cpu-clock"|"page-faults", "rate": N,
 *    "unit": "Hz"|"faults per sample", "duration_ns": N, "lost": N,
 *    "stacks_dropped": N, "samples": N, "kernel_samples": N,
 *    "user_samples": N, "other_samples": N, "processes": [...],
 *    "functions": [...], "stacks": [...]}
 * as docs/format.md describes it, with the max_stacks most frequent stacks.
 * lost: samples taken but not counted by stack (the table was full, or no
 * stack could be read), in samples all the same; stacks_dropped: samples
 * counted with one stack missing (an empty array) because the stack table
 * was full or the slot of its hash taken.
 * NULL, after an fr_err(), when the counts cannot be read. */
cJSON *fr_profile_finish(struct fr_profile *p, struct fr_syms *syms, unsigned max_stacks);

/* Detach and free without reading (error paths). NULL is allowed. */
void fr_profile_abort(struct fr_profile *p);

#endif
