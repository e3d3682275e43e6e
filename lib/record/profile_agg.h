/* profile_agg.h: a profile's samples by function. Stacks that differ only
 * in offsets (or in addresses of no known function) are one stack; every
 * function gets its self and total samples, kernel and user apart, and the
 * processes it ran in; the result is the profile's JSON (docs/format.md,
 * context `profile`). It knows no BPF: the profiler feeds it, and so do
 * the unit tests. */
#ifndef FR_PROFILE_AGG_H
#define FR_PROFILE_AGG_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "record/symbols.h"

#define FR_PAGG_FUNCS 100	/* functions in the JSON: the top half by self, by total */
#define FR_PAGG_PROCS 20	/* processes in the JSON */
#define FR_PAGG_FUNC_PROCS 10	/* processes listed under each function */

struct fr_pagg;

/* Names one address of a stack (fr_syms_kernel_frame, fr_syms_user_frame). */
typedef enum fr_frame_status (*fr_pagg_resolve)(void *ctx, bool kernel, uint32_t pid,
						uint64_t addr, struct fr_frame *f);

/* NULL when out of memory. */
struct fr_pagg *fr_pagg_new(fr_pagg_resolve resolve, void *ctx);
void fr_pagg_free(struct fr_pagg *a);

/* Count count samples of process pid, in a thread named comm, with kernel
 * stack kips[0..nk) and user stack uips[0..nu), leaf first (a 0 ends a
 * stack early), naming the frames now. A stack ends before an FR_FRAME_BAD
 * frame (the first frame, the address sampled, reads [unknown] instead),
 * and after an FR_FRAME_LAST one; a run of unknown frames in one module is
 * one frame. The first comm added for a pid names the process: add the
 * largest counts first. 0, or -ENOMEM. */
int fr_pagg_add(struct fr_pagg *a, uint32_t pid, const char *comm, uint64_t count,
		const uint64_t *kips, unsigned nk, const uint64_t *uips, unsigned nu);

/* Once, when everything is added: add to the profile object j samples
 * (those added, plus lost), kernel_samples, user_samples, other_samples,
 * processes, functions and stacks (the max_stacks most frequent), as
 * docs/format.md describes them. 0, or -ENOMEM. */
int fr_pagg_json(struct fr_pagg *a, uint64_t lost, unsigned max_stacks, cJSON *j);

#endif
