/* sched.h: what a task's state in the events means: switched out
 * preempted or asleep, in which kind of sleep, killed by a signal that
 * means a crash; and the tasks in D state now, from /proc. */
#ifndef FR_SCHED_H
#define FR_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* Was a task switched out runnable (preempted) rather than going to sleep?
 * prev_state holds TASK_* bits (BTF and raw forms) or, from the classic
 * tracepoint, the reported state with TASK_REPORT_MAX for a preemption. */
static inline bool fr_switched_out_runnable(uint32_t prev_state)
{
	return (prev_state & 0xff) == 0;
}

/* prev_state bits of a task switched out for the last time: EXIT_DEAD,
 * EXIT_ZOMBIE, TASK_DEAD */
#define FR_TASK_GONE 0xb0

/* Where a task switched out spends its time off the CPU. */
enum fr_off_state { FR_OFF_RUNNABLE, FR_OFF_SLEEPING, FR_OFF_DSTATE, FR_OFF_OTHER, FR_OFF_N };

static inline enum fr_off_state fr_off_state(uint32_t prev_state)
{
	if (fr_switched_out_runnable(prev_state))
		return FR_OFF_RUNNABLE;
	if ((prev_state & 0x402) == 0x402)
		return FR_OFF_OTHER;	/* TASK_IDLE: not load */
	if (prev_state & 0x2)
		return FR_OFF_DSTATE;
	if (prev_state & 0x1)
		return FR_OFF_SLEEPING;
	return FR_OFF_OTHER;
}

/* Is a signal one that means a crash (SIGSEGV, SIGBUS, ...)? */
bool fr_signal_is_fatal(int sig);

/* Call cb for every task in D state now (from /proc/PID/task/TID/stat),
 * until it returns non-zero; returns that, or -errno when /proc cannot be
 * read. */
int fr_dstate_walk(int (*cb)(uint32_t pid, uint32_t tid, const char *comm, void *arg), void *arg);

#endif
