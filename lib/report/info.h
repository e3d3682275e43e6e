/* info.h: what a capture holds (dump --info): host, probes and how each
 * was attached, time span, counters, raw and file bytes and the
 * compression ratio; a JSON model, and its text. */
#ifndef FR_INFO_H
#define FR_INFO_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "capture/capture.h"
#include "report/decode.h"

/* The model, built once from the capture; file is what it is called. */
cJSON *fr_info_model(const struct fr_capture *cap, const char *file);
/* Read every segment's payload (checksum, decompression), so that a capture
 * whose headers are sound but a payload is not is not called complete; each
 * bad one is warned about and counted in cap->problems. */
void fr_info_verify(struct fr_capture *cap);
/* The model as text; d gives the clock of the capture. */
void fr_info_text(FILE *out, const cJSON *info, const struct fr_decoder *d);
/* The probes, "method: probe probe ..." a line each method (then those not
 * attached), wrapped under 80 columns, after "probes:" padded to label
 * columns. */
void fr_info_probes(FILE *out, const cJSON *probes, int label);
/* name padded to label columns, then s, wrapped within 80 columns between
 * words where there are some, continued under itself; whole when wide. */
void fr_info_wrapped(FILE *out, const char *name, int label, const char *s, bool wide);

/* What the recording's controls did (END's control object: pauses, the
 * groups on when; counters: the events taken out on request), a line
 * each, labels padded to label columns; nothing for an uncontrolled one. */
void fr_print_control(FILE *out, const cJSON *ctl, const cJSON *counters,
		      const struct fr_decoder *d, int label);

#endif
