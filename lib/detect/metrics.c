/* metric_defs.c: every metric trigger can watch, by detector. */
#include <string.h>

#include "detect/expr.h"
#include "base/util.h"

const struct fr_metric_def fr_metric_defs[] = {
	{ "cpu.usage", "cpu", FR_KIND_PERCENT, "CPU busy (not idle, not iowait), share of all CPUs over the last second" },
	{ "cpu.user", "cpu", FR_KIND_PERCENT, "CPU time in user mode (user + nice), share of all CPUs" },
	{ "cpu.sys", "cpu", FR_KIND_PERCENT, "CPU time in the kernel (system + irq + softirq), share of all CPUs" },
	{ "cpu.iowait", "cpu", FR_KIND_PERCENT, "CPU idle with I/O outstanding, share of all CPUs (host only)" },
	{ "dstate.tasks", "dstate", FR_KIND_COUNT, "tasks in uninterruptible sleep (D state) now" },
	{ "dstate.load", "dstate", FR_KIND_COUNT, "D-state tasks averaged over a minute, like the load average" },
	{ "runqueue.p50", "runqueue", FR_KIND_TIME, "median run-queue latency (runnable to running) over the last second" },
	{ "runqueue.p99", "runqueue", FR_KIND_TIME, "99th percentile run-queue latency over the last second" },
	{ "runqueue.max", "runqueue", FR_KIND_TIME, "longest run-queue latency over the last second" },
	{ "runqueue.wait", "runqueue", FR_KIND_PERCENT, "time runnable tasks spent waiting, share of waiting + running" },
	{ "memburst.anon", "memburst", FR_KIND_BYTES, "anonymous memory in use (host AnonPages, or the cgroup's anon)" },
	{ "memburst.rate", "memburst", FR_KIND_RATE, "growth of anonymous memory over the last second" },
	{ "io.util", "io", FR_KIND_PERCENT, "busiest disk's utilisation (time with I/O in flight) over the last second" },
	{ "io.await", "io", FR_KIND_TIME, "busiest disk's average request time (queue + service) over the last second" },
	{ "io.p99", "io", FR_KIND_TIME, "99th percentile block request latency (issue to completion), last second" },
	{ "psi.cpu.some", "psi", FR_KIND_PERCENT, "/proc/pressure/cpu some avg10" },
	{ "psi.memory.some", "psi", FR_KIND_PERCENT, "/proc/pressure/memory some avg10" },
	{ "psi.memory.full", "psi", FR_KIND_PERCENT, "/proc/pressure/memory full avg10" },
	{ "psi.io.some", "psi", FR_KIND_PERCENT, "/proc/pressure/io some avg10" },
	{ "psi.io.full", "psi", FR_KIND_PERCENT, "/proc/pressure/io full avg10" },
	{ "events.oom", "events", FR_KIND_COUNT, "processes killed by the OOM killer in the last second" },
	{ "events.crash", "events", FR_KIND_COUNT, "processes killed by SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGSYS..." },
};
const unsigned fr_nmetrics = FR_ARRAY_SIZE(fr_metric_defs);

const struct fr_metric_def *fr_metric_find(const char *name, size_t len)
{
	for (unsigned i = 0; i < fr_nmetrics; i++)
		if (strlen(fr_metric_defs[i].name) == len && !memcmp(fr_metric_defs[i].name, name, len))
			return &fr_metric_defs[i];
	return NULL;
}
