/* render.h: the decoded model (decode.h) as a text line or a JSON object,
 * and the text of a capture's records (the trigger record). */
#ifndef FR_RENDER_H
#define FR_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/decode.h"

/* "2026-11-23 14:20:01.123456789", local time, for a boot clock value. */
void fr_render_time(const struct fr_decoder *d, uint64_t ts, char *buf, size_t len);
/* "2026-11-23T14:20:01.123456789Z", UTC. */
void fr_render_time_iso(const struct fr_decoder *d, uint64_t ts, char *buf, size_t len);
/* Text lines fit this many columns unless --wide. */
#define FR_TEXT_WIDTH 80
/* One event as a line of key=value fields. Within FR_TEXT_WIDTH columns
 * unless d->wide: the fields a line says already or seldom reads are left
 * out (see render.c), and a line still longer is cut, ending in "...";
 * true when it was cut. */
bool fr_render_text(FILE *out, const struct fr_decoder *d, const struct fr_view *v);
void fr_render_json(FILE *out, const struct fr_decoder *d, const struct fr_view *v);
/* Text from a capture, unquoted, with control characters escaped. */
void fr_render_plain(FILE *out, const char *s);
/* Its first n bytes at most. */
void fr_render_plain_n(FILE *out, const char *s, size_t n);
/* The trigger record (a TRIGGER segment) as "# "-prefixed text lines:
 * what fired, and a summary of the context collected for it. */
/* headline (headline.h), when not NULL, prints after what fired, before
 * the context. */
void fr_render_trigger_text(FILE *out, const struct fr_decoder *d, const cJSON *trigger,
			    const cJSON *headline);
/* "DETECTOR fired[ at WHEN]: METRIC = VALUE (CONDITION)" of a trigger
 * record, its text escaped; no newline. */
void fr_render_firing(FILE *out, const cJSON *trigger, const char *when);
/* trigger's line for a capture it wrote: when, what fired, the finding
 * (the first of headline), then "-> path", the finding cut so that the
 * line fits width columns (0: never cut), unless a long path leaves it too
 * little room: then the line is long, and the finding whole. */
void fr_render_firing_line(FILE *out, const cJSON *trigger, const cJSON *headline, const char *when,
			   const char *path, unsigned width);

/* trigger -F json's object for a capture it wrote: "fired": true, its
 * "path", the firing's "time" (UTC, ISO 8601; boot_to_wall converts the
 * boot clock), what fired (detector, metric, value, value_text, threshold,
 * condition, when, detail, time_ns, capture) and the "headline". */
cJSON *fr_firing_summary(const cJSON *trigger, const cJSON *headline, const char *path,
			 int64_t boot_to_wall);

/* JSON string with escapes; invalid UTF-8 becomes U+FFFD. */
void fr_json_str(FILE *out, const char *s, size_t len);

#endif
