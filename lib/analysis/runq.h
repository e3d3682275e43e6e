/* runq.h: the run-queue tracker: from sched events in time order, when
 * each task became runnable and when it got a CPU.
 *
 * It follows the kernel's own accounting (sched_info: last_queued is set
 * when a task is queued and not already waiting):
 *   - a wakeup starts a wait; a second wakeup before the task runs does not
 *     restart it (the wait is from the first);
 *   - a task switched out preempted waits from then;
 *   - a task switched out asleep waits for nothing, even when a wakeup was
 *     seen while it still ran;
 *   - a task switched in ends its wait: that is its run-queue latency;
 *   - a task that exits waits for nothing.
 * Only the tasks waiting now are held; with a bound, the oldest waits are
 * forgotten first (their switch in was not recorded). */
#ifndef FR_RUNQ_H
#define FR_RUNQ_H

#include <stdbool.h>
#include <stdint.h>

#include "base/tidmap.h"

#define FR_RUNQ_CPUS 1024

struct fr_runq_wait {
	uint64_t from;		/* runnable since */
	uint32_t tid;
	int32_t cpu;		/* the CPU it waits for, or -1 */
};

struct fr_runq {
	struct fr_tidmap idx;	/* tid -> index in w */
	struct fr_runq_wait *w;
	uint32_t n, cap;
	uint32_t max;		/* 0: no bound */
	uint64_t forgotten;	/* waits let go at the bound */
	uint64_t *scratch;	/* max entries, to find the oldest at the bound */
	uint32_t *nwait;	/* per CPU: tasks waiting for it */
	/* called before the number of tasks waiting for cpu changes (the
	 * trigger context charges the running task for that time) */
	void (*before)(void *arg, unsigned cpu, uint64_t ts);
	void *arg;
};

/* The wait a switch ended. */
struct fr_runq_end {
	uint32_t tid;
	uint64_t wait_ns;
};

void fr_runq_init(struct fr_runq *q, uint32_t max);
void fr_runq_free(struct fr_runq *q);
/* Learn from one record; true when it ended a wait, described in *end. */
bool fr_runq_event(struct fr_runq *q, const void *rec, uint32_t len, struct fr_runq_end *end);
/* Tasks waiting for cpu now. */
uint32_t fr_runq_waiting(const struct fr_runq *q, unsigned cpu);

#endif
