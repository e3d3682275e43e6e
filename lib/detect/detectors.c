/* detectors.c: the table of detectors; see detector.h. A detector is a
 * file under detectors/ that defines its struct fr_detector, and a row
 * here. */
#include "detect/detector.h"

extern const struct fr_detector fr_det_cpu, fr_det_dstate, fr_det_runqueue, fr_det_memburst,
	fr_det_io, fr_det_psi, fr_det_events;

const struct fr_detector *const fr_detectors[] = {
	[FR_DET_CPU] = &fr_det_cpu,
	[FR_DET_DSTATE] = &fr_det_dstate,
	[FR_DET_RUNQUEUE] = &fr_det_runqueue,
	[FR_DET_MEMBURST] = &fr_det_memburst,
	[FR_DET_IO] = &fr_det_io,
	[FR_DET_PSI] = &fr_det_psi,
	[FR_DET_EVENTS] = &fr_det_events,
};

_Static_assert(sizeof(fr_detectors) / sizeof(fr_detectors[0]) == FR_DET_COUNT, "a row per detector");

enum fr_det fr_metric_detector(enum fr_metric m)
{
	for (unsigned d = 0; d < FR_DET_COUNT; d++)
		for (const enum fr_metric *p = fr_detectors[d]->metrics; *p != FR_M_NONE; p++)
			if (*p == m)
				return (enum fr_det)d;
	return FR_DET_COUNT;	/* a metric no detector owns: the unit tests catch it */
}

enum fr_det fr_metric_context(enum fr_metric m)
{
	enum fr_det d = fr_metric_detector(m);

	if (d < FR_DET_COUNT && fr_detectors[d]->context_of)
		return fr_detectors[d]->context_of(m);
	return d;
}

const char *fr_detector_unavailable(enum fr_det d)
{
	return d < FR_DET_COUNT && fr_detectors[d]->unavailable ? fr_detectors[d]->unavailable() : NULL;
}
