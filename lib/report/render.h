/* render.h: decode event records into one model (a list of named fields)
 * and render it as a text line or a JSON object. The decoder carries what
 * a reader learns along the way: current comms, syscall entry times. */
#ifndef FR_RENDER_H
#define FR_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/proctab.h"

enum fr_fkind { FK_U, FK_I, FK_STR, FK_NS, FK_BOOL };

struct fr_field {
	const char *key;
	enum fr_fkind kind;
	uint64_t u;
	int64_t i;
	const char *s;
	size_t slen;
};

#define FR_MAX_FIELDS 14

struct fr_view {
	const struct fr_hdr *h;
	const char *type;
	const char *comm;
	uint32_t tgid, tid;
	unsigned n;
	struct fr_field f[FR_MAX_FIELDS];
	char scratch[1024];	/* backing store for derived strings */
	size_t used;
	const struct fr_mark *mark;	/* a mark: its metadata follows the fields */
};

struct fr_enter {
	uint64_t ts;
	int32_t id;
};

struct fr_decoder {
	struct fr_proctab pt;
	const char *arch;
	int64_t boot_to_wall;
	const cJSON *devices;
	const cJSON *traces;	/* {"slot": "trace id"}, see fr_capture_traces() */
	struct fr_tidmap enter_idx;	/* tid -> index in enters */
	struct fr_enter *enters;
	uint32_t nenters, capenters;
};

/* meta and procs come from the capture and may be NULL. */
int fr_decoder_init(struct fr_decoder *d, const cJSON *meta, const cJSON *procs);
void fr_decoder_free(struct fr_decoder *d);
/* The trace id of slot (h.flags), NULL when the capture does not say. */
const char *fr_decoder_trace(const struct fr_decoder *d, unsigned slot);
/* Fill v from rec, which must be valid (fr_event_valid). */
void fr_decode(struct fr_decoder *d, const void *rec, struct fr_view *v);

/* "2026-11-23 14:20:01.123456789", local time, for a boot clock value. */
void fr_render_time(const struct fr_decoder *d, uint64_t ts, char *buf, size_t len);
void fr_render_text(FILE *out, const struct fr_decoder *d, const struct fr_view *v);
void fr_render_json(FILE *out, const struct fr_decoder *d, const struct fr_view *v);
/* Text from a capture, unquoted, with control characters escaped. */
void fr_render_plain(FILE *out, const char *s);
/* The trigger record (a TRIGGER segment) as "# "-prefixed text lines:
 * what fired, and a summary of the context collected for it. */
void fr_render_trigger_text(FILE *out, const struct fr_decoder *d, const cJSON *trigger);

/* JSON string with escapes; invalid UTF-8 becomes U+FFFD. */
void fr_json_str(FILE *out, const char *s, size_t len);

#endif
