/* metrics.c: every metric trigger can watch; see metrics.h. */
#include <string.h>

#include "base/util.h"
#include "detect/metrics.h"

#define P FR_KIND_PERCENT
#define T FR_KIND_TIME
#define B FR_KIND_BYTES
#define R FR_KIND_RATE
#define C FR_KIND_COUNT

const struct fr_metric_def fr_metric_defs[] = {
	[FR_M_CPU_USAGE] = { "cpu.usage", P, false, "CPU busy (not idle, not iowait), share of all CPUs over the last second" },
	[FR_M_CPU_USER] = { "cpu.user", P, false, "CPU time in user mode (user + nice), share of all CPUs" },
	[FR_M_CPU_SYS] = { "cpu.sys", P, false, "CPU time in the kernel (system + irq + softirq), share of all CPUs" },
	[FR_M_CPU_IOWAIT] = { "cpu.iowait", P, false, "CPU idle with I/O outstanding, share of all CPUs (host only)" },
	[FR_M_DSTATE_TASKS] = { "dstate.tasks", C, false, "tasks in uninterruptible sleep (D state) now" },
	[FR_M_DSTATE_LOAD] = { "dstate.load", C, false, "D-state tasks averaged over a minute, like the load average" },
	[FR_M_DSTATE_LONGEST] = { "dstate.longest", T, false, "longest any task now in D state has been there without running" },
	[FR_M_RUNQUEUE_P50] = { "runqueue.p50", T, true, "median run-queue latency (runnable to running) over the last second" },
	[FR_M_RUNQUEUE_P99] = { "runqueue.p99", T, true, "99th percentile run-queue latency over the last second" },
	[FR_M_RUNQUEUE_MAX] = { "runqueue.max", T, true, "longest run-queue latency over the last second" },
	[FR_M_RUNQUEUE_WAIT] = { "runqueue.wait", P, false, "time runnable tasks spent waiting, share of waiting + running" },
	[FR_M_MEMBURST_ANON] = { "memburst.anon", B, false, "anonymous memory in use (host AnonPages, or the cgroup's anon)" },
	[FR_M_MEMBURST_RATE] = { "memburst.rate", R, false, "growth of anonymous memory over the last second" },
	[FR_M_IO_UTIL] = { "io.util", P, false, "busiest disk's utilisation (time with I/O in flight) over the last second" },
	[FR_M_IO_AWAIT] = { "io.await", T, false, "busiest disk's average request time (queue + service) over the last second" },
	[FR_M_IO_P99] = { "io.p99", T, true, "99th percentile block request latency (issue to completion), last second" },
	[FR_M_PSI_CPU_SOME] = { "psi.cpu.some", P, false, "/proc/pressure/cpu some avg10" },
	[FR_M_PSI_MEMORY_SOME] = { "psi.memory.some", P, false, "/proc/pressure/memory some avg10" },
	[FR_M_PSI_MEMORY_FULL] = { "psi.memory.full", P, false, "/proc/pressure/memory full avg10" },
	[FR_M_PSI_IO_SOME] = { "psi.io.some", P, false, "/proc/pressure/io some avg10" },
	[FR_M_PSI_IO_FULL] = { "psi.io.full", P, false, "/proc/pressure/io full avg10" },
	[FR_M_EVENTS_OOM] = { "events.oom", C, true, "processes killed by the OOM killer in the last second" },
	[FR_M_EVENTS_CRASH] = { "events.crash", C, true, "processes killed by SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGSYS..." },
};

/* a row per id: the last row is the last id (a gap before it is caught
 * by tests/unit/test_detect.c, a row without an id does not build) */
_Static_assert(sizeof(fr_metric_defs) / sizeof(fr_metric_defs[0]) == FR_M_COUNT, "a row per metric");

const struct fr_metric_def *fr_metric_find(const char *name, size_t len)
{
	for (unsigned i = 0; i < FR_M_COUNT; i++)
		if (fr_metric_defs[i].name && strlen(fr_metric_defs[i].name) == len &&
		    !memcmp(fr_metric_defs[i].name, name, len))
			return &fr_metric_defs[i];
	return NULL;
}

/* The metric the user probably meant: a close spelling, or else the
 * nearest one of the detector named before the dot ("cpu.system"). */
const struct fr_metric_def *fr_metric_suggest(const char *name, size_t len)
{
	const struct fr_metric_def *best = NULL, *same = NULL;
	unsigned bd = ~0u, sd = ~0u;
	const char *dot = memchr(name, '.', len);
	size_t plen = dot ? (size_t)(dot - name) : len;

	for (unsigned i = 0; i < FR_M_COUNT; i++) {
		const struct fr_metric_def *m = &fr_metric_defs[i];
		unsigned d = fr_edit_distance(name, len, m->name);
		const char *mdot = strchr(m->name, '.');

		if (d < bd) {
			bd = d;
			best = m;
		}
		if (mdot && (size_t)(mdot - m->name) == plen && !memcmp(name, m->name, plen) && d < sd) {
			sd = d;
			same = m;
		}
	}
	if (best && (bd <= 2 || bd * 3 <= len))
		return best;
	return same;
}
