/* context.h: what trigger adds to a capture to explain why a detector
 * fired: who waited on the run queue and who ran instead, I/O by process
 * and device, the kernel stacks of D-state tasks, the top tasks by CPU and
 * the top memory growers. Each returns a cJSON value (NULL on ENOMEM). */
#ifndef FR_CONTEXT_H
#define FR_CONTEXT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/proctab.h"

/* From sched events in time order (recs[i] points at a record):
 * {"waiters": [{pid, tid, comm, waits, wait_ns, max_wait_ns}],
 *  "interferers": [{pid, tid, comm, oncpu_ns, while_others_waited_ns}]} */
cJSON *fr_ctx_runqueue(const uint8_t *const *recs, size_t n, struct fr_proctab *pt,
		       unsigned top);
/* From block completions: [{pid, comm, dev, requests, bytes, total_ns,
 * max_ns, p99_ns}] by total latency. devices: META "devices". */
cJSON *fr_ctx_io(const uint8_t *const *recs, size_t n, struct fr_proctab *pt,
		 const cJSON *devices, unsigned top);

/* Every task in D state now: [{pid, tid, comm, wchan, stack: [frames]}]
 * (at most max tasks). */
cJSON *fr_ctx_dstate(unsigned max);

/* Per-process CPU time and resident memory, from /proc. */
struct fr_pstat {
	uint32_t pid;
	char comm[16];
	uint64_t cpu_ns;	/* utime + stime */
	uint64_t rss_bytes;	/* resident - shared: about the anonymous part */
};
struct fr_pstats {
	struct fr_pstat *v;
	size_t n;
	uint64_t at_ns;
};
int fr_pstats_read(struct fr_pstats *ps);
void fr_pstats_free(struct fr_pstats *ps);
/* The top processes by CPU used between a and b:
 * [{pid, comm, cpu_ns, cpu_percent}] (percent of one CPU). */
cJSON *fr_ctx_top_cpu(const struct fr_pstats *a, const struct fr_pstats *b, unsigned top);
/* The top growers of resident memory between a and b:
 * [{pid, comm, rss_bytes, growth_bytes}]. */
cJSON *fr_ctx_top_growers(const struct fr_pstats *a, const struct fr_pstats *b, unsigned top);

#endif
