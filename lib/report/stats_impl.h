/* stats_impl.h: what the summary accumulates, shared by its two halves:
 * stats.c takes the events, stats_model.c turns the tallies into the model. */
#ifndef FR_STATS_IMPL_H
#define FR_STATS_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "analysis/hist.h"
#include "analysis/runq.h"
#include "analysis/sched.h"
#include "base/tidmap.h"
#include "capture/event.h"
#include "capture/proctab.h"

#define MAX_CPUS 1024
#define MAX_SYSCALLS 1024	/* ids above are counted as "other" */
#define MAX_DEVS 64

#define OFF_N FR_OFF_N

struct task {
	uint32_t tid, tgid;
	char comm[16];
	uint64_t off_since;	/* switched out at; 0: unknown or running */
	uint8_t off_state;
	uint64_t enter_ts;	/* pending sys_enter */
	int32_t enter_id;
	bool runtime_known;	/* runtime is its CPU time at the last record */
	bool recorded;		/* a record is about it, not only beside it */
	bool exited;
	uint64_t runtime;	/* ... the scheduler's own count, ns */
};

struct proc {
	uint32_t tgid;
	char comm[16];
	uint64_t oncpu, switches, preempted, off[OFF_N];
	uint64_t syscalls, errors;
	bool recorded;		/* one of its tasks is */
	struct fr_hist *rq;	/* allocated on the first wait (must be last) */
};

struct sysc {
	uint64_t count, errors, total;
	struct fr_hist h;
};

struct dev {
	uint32_t dev;
	uint64_t requests, bytes, rbytes, wbytes, errors;
	struct fr_hist h;
};

struct fr_stats {
	uint64_t first_ts, last_ts, events;
	uint64_t by_type[FR_EV_TYPE_MAX + 1];
	struct fr_tidmap tidx, pidx;
	struct task *tasks;
	uint32_t ntasks, capt;
	struct proc *procs;
	uint32_t nprocs, capp;
	struct { uint32_t tid; uint64_t since; } cpu[MAX_CPUS];
	struct fr_runq runq;
	struct fr_hist rq;
	uint64_t off[OFF_N];
	uint64_t off_open;	/* tasks still off a CPU at the end, counted to it */
	bool runtime_seen;	/* records carry the scheduler's CPU times */
	struct sysc *sys;	/* MAX_SYSCALLS + 1 */
	cJSON *marks;		/* the first MAX_MARKS, in time order */
	uint64_t nmarks;
	uint64_t sys_unpaired;
	struct dev devs[MAX_DEVS];
	unsigned ndevs;
	uint64_t oom_kills, crashes;
	cJSON *fatal;		/* the first crashes and OOM kills: pid, comm, signal */
};


/* The end of the events: the time of tasks still running is counted, and
 * threads counted under their tid move to their process. */
void fr_stats_finish(struct fr_stats *s, struct fr_proctab *pt);

#endif
