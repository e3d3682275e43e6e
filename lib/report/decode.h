/* decode.h: event records decoded into one model, a list of named fields,
 * that every renderer prints. The decoder carries what a reader learns
 * along the way: current comms, syscall entry times. */
#ifndef FR_DECODE_H
#define FR_DECODE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

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
	bool wide;		/* text may run past 80 columns (--wide) */
};

/* meta and procs come from the capture and may be NULL. */
int fr_decoder_init(struct fr_decoder *d, const cJSON *meta, const cJSON *procs);
void fr_decoder_free(struct fr_decoder *d);
/* The trace id of slot (h.flags), NULL when the capture does not say. */
const char *fr_decoder_trace(const struct fr_decoder *d, unsigned slot);
/* Fill v from rec, which must be valid (fr_event_valid). */
void fr_decode(struct fr_decoder *d, const void *rec, struct fr_view *v);

#endif
