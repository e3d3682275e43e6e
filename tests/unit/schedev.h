/* schedev.h: sched_switch and sched_wakeup records with known contents,
 * for the tests of what is learnt from them. Task N is named "tN". */
#ifndef FR_SCHEDEV_H
#define FR_SCHEDEV_H

#include <stdio.h>

#include "capture/event.h"

static inline struct fr_sched_switch sw(uint64_t ts, uint16_t cpu, uint32_t prev, uint32_t state,
				 uint32_t next)
{
	struct fr_sched_switch e = { 0 };

	e.h = (struct fr_hdr){ .ts = ts, .tgid = prev, .tid = prev, .type = FR_EV_SCHED_SWITCH,
			       .size = sizeof(e), .cpu = cpu };
	e.next_tgid = e.next_tid = next;
	e.prev_state = state;
	e.wanted = FR_SW_PREV | FR_SW_NEXT;	/* an unfiltered recording */
	snprintf(e.prev_comm, sizeof(e.prev_comm), "t%u", prev);
	snprintf(e.next_comm, sizeof(e.next_comm), "t%u", next);
	return e;
}

static inline struct fr_sched_wakeup wk(uint64_t ts, uint32_t tid, int cpu)
{
	struct fr_sched_wakeup e = { 0 };

	e.h = (struct fr_hdr){ .ts = ts, .tgid = tid, .tid = tid, .type = FR_EV_SCHED_WAKEUP,
			       .size = sizeof(e), .cpu = (uint16_t)cpu };
	e.target_cpu = cpu;
	snprintf(e.comm, sizeof(e.comm), "t%u", tid);
	return e;
}

#endif
