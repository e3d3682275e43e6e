/* detect.h: the signals trigger's detectors watch.
 *
 * A sampler reads the kernel's own accounting once a second (/proc/stat,
 * /proc/schedstat, /proc/meminfo, /proc/diskstats, /proc/pressure, the task
 * states, a cgroup's cpu and memory files) and learns the rest from the
 * events the recorder gathers: run-queue latency from wakeups and switches,
 * block request latency from completions, OOM kills and fatal signals from
 * exits. Only what an armed condition needs is read. */
#ifndef FR_DETECT_H
#define FR_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/expr.h"
#include "base/tidmap.h"

#define FR_HIST_BUCKETS 256
/* runnable tasks whose wait is being timed, at most */
#define FR_WAKING_MAX 65536

/* Latencies: four buckets per power of two, so a percentile is within 19%. */
struct fr_hist {
	uint64_t n, max, sum;
	uint32_t b[FR_HIST_BUCKETS];
};
void fr_hist_add(struct fr_hist *h, uint64_t v);
/* The value below which a share q (0-1) of the samples fall: the upper
 * edge of its bucket, never above max. 0 when empty. */
uint64_t fr_hist_quantile(const struct fr_hist *h, double q);

struct fr_disk_prev {
	char name[32];
	uint64_t ios, ticks, io_ticks;
	bool seen;
};

/* What a fatal event was, for the trigger record. */
struct fr_fatal {
	uint64_t ts;
	uint32_t pid, tid;
	int sig;		/* 0 for an OOM kill */
	char comm[16];
};

struct fr_sampler {
	bool want[64];		/* by index in fr_metric_defs */
	double value[64];
	bool valid[64];
	char detail[64][48];	/* where the value comes from: "sda", "pid 123" */
	uint64_t at_ns;		/* when the last sample was taken */

	/* the cgroup watched instead of the host (NULL: the host): a path
	 * relative to the roots of the hierarchies */
	const char *cgroup;
	char cg_cpu[512], cg_mem[512], cg_tasks[512];
	bool cg_cpu_v2, cg_mem_v2;
	bool cg_tids_ok;	/* cg_members is filled */
	struct fr_tidmap cg_members;	/* tid -> 1 in the cgroup, 2 not */
	uint64_t cg_members_at;

	/* previous readings */
	uint64_t cpu_prev[8];	/* user nice system idle iowait irq softirq steal */
	bool cpu_prev_ok;
	uint64_t cg_usage_prev, cg_user_prev, cg_sys_prev, cg_prev_ns;
	bool cg_prev_ok;
	uint64_t sched_run_prev, sched_wait_prev;
	bool sched_prev_ok;
	/* --cgroup: each task's schedstat last time (tid -> index) */
	struct fr_tidmap cg_sched_idx;
	uint64_t (*cg_sched)[4];	/* run, wait, epoch, tid */
	uint32_t cg_sched_n, cg_sched_cap;
	uint64_t epoch;
	double anon_prev;
	uint64_t anon_prev_ns;
	bool anon_prev_ok;
	struct fr_disk_prev disks[64];
	uint64_t disk_prev_ns;
	double dload;
	bool dload_ok;

	uint64_t cg_sched_forgotten;	/* tasks that left the cgroup (or exited) */

	/* learnt from events since the last sample */
	struct fr_tidmap waking;	/* tid -> (ts >> 10) when it became runnable */
	uint64_t waits_forgotten;	/* runnable tasks dropped, the oldest first, at
					 * FR_WAKING_MAX (their switch in was not seen) */
	struct fr_hist rq, io;
	unsigned ooms, crashes;
	/* the first of each since the counts were taken */
	struct fr_fatal first_crash, first_oom;
	bool fatal_pending;	/* an OOM kill or a crash not yet evaluated */
};

/* Which metrics to read; cgroup may be NULL. 0 or -errno with a message. */
int fr_sampler_init(struct fr_sampler *s, const bool *want, const char *cgroup);
void fr_sampler_free(struct fr_sampler *s);
/* Take a sample: fill value[] / valid[] for every wanted metric but the
 * event counts. */
void fr_sampler_sample(struct fr_sampler *s, uint64_t now_ns);
/* The event counts (events.oom, events.crash): what came since the last
 * call; after a sample, or at once when fatal_pending. */
void fr_sampler_sample_events(struct fr_sampler *s);
/* Learn from one recorded event. */
void fr_sampler_event(struct fr_sampler *s, const void *rec, uint32_t len);
/* Does any wanted metric come from events of these probe groups? */
unsigned fr_sampler_groups(const struct fr_sampler *s);

static inline unsigned fr_metric_index(const struct fr_metric_def *m)
{
	return (unsigned)(m - fr_metric_defs);
}

/* Was a task switched out runnable (preempted) rather than going to sleep?
 * prev_state holds TASK_* bits (BTF and raw forms) or, from the classic
 * tracepoint, the reported state with TASK_REPORT_MAX for a preemption. */
static inline bool fr_switched_out_runnable(uint32_t prev_state)
{
	return (prev_state & 0xff) == 0;
}

/* Call cb for every task in D state now (from /proc/PID/task/TID/stat),
 * until it returns non-zero; returns that, or -errno when /proc cannot be
 * read. */
int fr_dstate_walk(int (*cb)(uint32_t pid, uint32_t tid, const char *comm, void *arg), void *arg);

/* Is a signal one that means a crash (SIGSEGV, SIGBUS, ...)? */
bool fr_signal_is_fatal(int sig);

#endif
