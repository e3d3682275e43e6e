/* stats_render.h: the stats model (stats.h) as text for people and as
 * Prometheus metrics (the text exposition format, for node_exporter's
 * textfile collector). */
#ifndef FR_STATS_RENDER_H
#define FR_STATS_RENDER_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "report/decode.h"

/* dec gives the clock of the capture. */
void fr_stats_text(FILE *out, const cJSON *model, const struct fr_decoder *dec);
/* Every row of the model's tables becomes a series. */
void fr_stats_prom(FILE *out, const cJSON *model);

#endif
