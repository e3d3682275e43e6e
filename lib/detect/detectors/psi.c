/* psi.c: the psi detector: the kernel's pressure stall averages (avg10)
 * of CPU, memory and I/O. A firing gets the context of the detector of the
 * resource under pressure: cpu, memburst or io. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "detect/engine.h"

static const struct {
	const char *file;
	enum fr_metric some, full;
	enum fr_det context;
} res[] = {
	{ "/proc/pressure/cpu", FR_M_PSI_CPU_SOME, FR_M_NONE, FR_DET_CPU },
	{ "/proc/pressure/memory", FR_M_PSI_MEMORY_SOME, FR_M_PSI_MEMORY_FULL, FR_DET_MEMBURST },
	{ "/proc/pressure/io", FR_M_PSI_IO_SOME, FR_M_PSI_IO_FULL, FR_DET_IO },
};

static int init(struct fr_sampler *s, void *st)
{
	(void)s;
	(void)st;
	if (access("/proc/pressure/cpu", R_OK)) {
		fr_err("the psi detector needs /proc/pressure (CONFIG_PSI, and psi=1 on the "
		       "kernel command line when it is off by default): %s", strerror(errno));
		return -ENOENT;
	}
	return 0;
}

static void sample(struct fr_sampler *s, void *st, uint64_t now)
{
	(void)st;
	(void)now;
	for (unsigned r = 0; r < FR_ARRAY_SIZE(res); r++) {
		char buf[512];
		double some = -1, full = -1;

		if (fr_read_small(res[r].file, buf, sizeof(buf)) < 0)
			continue;
		for (char *l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
			double v;

			if (sscanf(l, "some avg10=%lf", &v) == 1)
				some = v;
			else if (sscanf(l, "full avg10=%lf", &v) == 1)
				full = v;
		}
		if (some >= 0)
			fr_sampler_set(s, res[r].some, some, NULL);
		if (full >= 0 && res[r].full != FR_M_NONE)
			fr_sampler_set(s, res[r].full, full, NULL);
	}
}

static const char *unavailable(void)
{
	return access("/proc/pressure/cpu", R_OK) ? "no /proc/pressure on this kernel" : NULL;
}

static enum fr_det context_of(enum fr_metric m)
{
	for (unsigned r = 0; r < FR_ARRAY_SIZE(res); r++)
		if (m == res[r].some || m == res[r].full)
			return res[r].context;
	return FR_DET_PSI;
}

const struct fr_detector fr_det_psi = {
	.name = "psi",
	.metrics = (const enum fr_metric[]){ FR_M_PSI_CPU_SOME, FR_M_PSI_MEMORY_SOME,
					      FR_M_PSI_MEMORY_FULL, FR_M_PSI_IO_SOME,
					      FR_M_PSI_IO_FULL, FR_M_NONE },
	.context_help = "the context of cpu, memburst or io, for the resource under pressure",
	.unavailable = unavailable,
	.init = init,
	.sample = sample,
	.context_of = context_of,
};
