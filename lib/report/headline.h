/* headline.h: what happened in a capture, in a few findings: each a line
 * for people (text) and the figures behind it, for scripts. A trigger
 * capture's findings come from its trigger record (what fired, and the
 * context that explains it); a plain recording's from the stats model (the
 * top CPU consumer, the worst run-queue wait, the slowest system call, the
 * busiest device, crashes and OOM kills). Lost data is a finding too. */
#ifndef FR_HEADLINE_H
#define FR_HEADLINE_H

#include <cjson/cJSON.h>
#include <stdio.h>

/* [{kind, text, figures}], never NULL but on no memory. trigger is the
 * capture's trigger record or NULL; model the stats model (stats.h) or
 * NULL; loss the capture's counters ("dropped", "overwritten"...) or NULL
 * (the model's "loss" is used when there is a model). */
cJSON *fr_headline(const cJSON *trigger, const cJSON *model, const cJSON *loss);

struct fr_capture;
/* The findings of a capture without its stats: from its trigger record and
 * the counters the recorder wrote (what dump has before the events). */
cJSON *fr_capture_headline(const struct fr_capture *cap);

/* The findings as lines, each prefixed (e.g. "  " or "# ") and cut to fit
 * width columns (0: not cut). */
void fr_headline_text(FILE *out, const cJSON *headline, const char *prefix, unsigned width);

#endif
