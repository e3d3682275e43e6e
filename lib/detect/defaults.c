/* defaults.c: the default set of trigger's expressions; see defaults.h.
 *
 * Each threshold sits far from what a healthy machine shows, busy or not:
 * with every CPU taken by user-space work (a CPU burner per CPU and a
 * parallel build on 2 CPUs, beside other work) cpu.sys stayed under 10%,
 * runqueue.p99 under 60ms and the psi "full" figures near 0; a memory burst
 * alone (page faults) took cpu.sys to 50%. Busy CPUs (cpu.usage) and a count
 * of D-state tasks, which a busy disk raises, are not in it. The times
 * assume samples a second apart. */
#include <errno.h>

#include "base/log.h"
#include "base/util.h"
#include "detect/defaults.h"
#include "detect/detector.h"

const struct fr_default_when fr_default_when[] = {
	{ "cpu.sys > 60% for 10s", "a system-time storm: the kernel busy on most of the CPU time",
	  "10 to 12s after it starts" },
	{ "dstate.longest > 10s", "a task stuck in D state (uninterruptible sleep) without running",
	  "10 to 12s after it entered D state" },
	{ "runqueue.p99 > 100ms for 5s", "run-queue starvation: runnable tasks kept off the CPUs",
	  "5 to 7s after it starts" },
	{ "memburst.anon rises 2GB in 10s", "a memory burst: 2GB more anonymous memory in 10s or less",
	  "within a second of the 2GB" },
	{ "io.await > 1s for 5s", "an I/O stall: the busiest disk's requests take over a second",
	  "5 to 7s after it starts" },
	{ "psi.memory.full > 20%", "memory thrashing: every task stalled on memory at once",
	  "2 to 5s after it starts (a 10s average)" },
	{ "psi.io.full > 50% for 10s", "every task stalled on I/O at once",
	  "17 to 20s after it starts (a 10s average)" },
	{ "events.oom", "an OOM kill", "at once" },
	{ "events.crash", "a crash: a process killed by SIGSEGV, SIGABRT, SIGBUS...", "at once" },
};

const unsigned fr_default_when_n = FR_ARRAY_SIZE(fr_default_when);

int fr_default_exprs(struct fr_expr *exprs, const char **src, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fr_default_when_n && n < max; i++) {
		struct fr_expr_error err;
		const char *why;

		if (fr_expr_parse(fr_default_when[i].when, &exprs[n], &err)) {
			fr_err("built-in detector '%s' does not parse: %s", fr_default_when[i].when, err.msg);
			return -EINVAL;
		}
		why = fr_detector_unavailable(fr_metric_detector(fr_cond_metric(&exprs[n].conds[0])));
		if (why) {
			fr_vlog("%s: not arming '%s'", why, fr_default_when[i].when);
			continue;
		}
		src[n++] = fr_default_when[i].when;
	}
	return (int)n;
}
