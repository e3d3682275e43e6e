/* profile.h: the on-demand stack profiler: a BPF program on a software perf
 * event of every online CPU counts samples per (process, kernel stack, user
 * stack), for as long as trigger wants; finishing turns the counts into
 * symbolized JSON. */
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
 * (NULL: hex addresses only) and free p. Returns
 *   {"kind": "cpu"|"faults", "event": "cpu-clock"|"page-faults", "rate": N,
 *    "unit": "Hz"|"faults per sample", "duration_ns": N, "samples": N,
 *    "lost": N, "stacks_dropped": N, "other_samples": N,
 *    "stacks": [{"pid": tgid, "comm": "...", "count": N,
 *                "kernel": ["frame", ...], "user": ["frame", ...]}, ...]}
 * with the max_stacks most frequent stacks, most frequent first, and the
 * samples of the others in other_samples; frames leaf first; a stack that
 * could not be read (a kernel thread's user stack, say) is an empty array.
 * lost: samples not counted (the table was full, or no stack could be read);
 * stacks_dropped: samples counted with one stack missing (an empty array)
 * because the stack table was full or the slot of its hash taken.
 * NULL, after an fr_err(), when the counts cannot be read. */
cJSON *fr_profile_finish(struct fr_profile *p, struct fr_syms *syms, unsigned max_stacks);

/* Detach and free without reading (error paths). NULL is allowed. */
void fr_profile_abort(struct fr_profile *p);

#endif
