/* render.h: the decoded model (decode.h) as a text line or a JSON object,
 * and the text of a capture's records (the trigger record). */
#ifndef FR_RENDER_H
#define FR_RENDER_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "report/decode.h"

/* "2026-11-23 14:20:01.123456789", local time, for a boot clock value. */
void fr_render_time(const struct fr_decoder *d, uint64_t ts, char *buf, size_t len);
void fr_render_text(FILE *out, const struct fr_decoder *d, const struct fr_view *v);
void fr_render_json(FILE *out, const struct fr_decoder *d, const struct fr_view *v);
/* Text from a capture, unquoted, with control characters escaped. */
void fr_render_plain(FILE *out, const char *s);
/* The trigger record (a TRIGGER segment) as "# "-prefixed text lines:
 * what fired, and a summary of the context collected for it. */
void fr_render_trigger_text(FILE *out, const struct fr_decoder *d, const cJSON *trigger);
/* "DETECTOR fired[ at WHEN]: METRIC = VALUE (CONDITION)" of a trigger
 * record, its text escaped; no newline. */
void fr_render_firing(FILE *out, const cJSON *trigger, const char *when);

/* JSON string with escapes; invalid UTF-8 becomes U+FFFD. */
void fr_json_str(FILE *out, const char *s, size_t len);

#endif
