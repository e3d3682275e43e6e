/* capture.h: the capture file format, writer and reader.
 *
 * A capture is a 64-byte file header followed by segments. Each segment has
 * a 48-byte header (type, sequence, lengths, time range, event count, CRC32
 * of the payload and of the header itself) and a payload, zstd-compressed
 * when flagged. META (JSON) comes first, then EVENTS segments holding event
 * records in time order, then PROCS (JSON process table) and END (JSON
 * counters). docs/format.md is the reference. */
#ifndef FR_CAPTURE_H
#define FR_CAPTURE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FR_CAP_MAGIC "FLIGHTRC"
#define FR_CAP_VERSION 1
#define FR_SEG_MAGIC "FRSG"
#define FR_SEG_MAX_LEN (64u << 20)	/* bound on any segment payload */
#define FR_SEG_TARGET_RAW (1u << 20)	/* events per segment: about 1 MiB */

enum fr_seg_type {
	FR_SEG_META = 1,
	FR_SEG_EVENTS = 2,
	FR_SEG_PROCS = 3,
	FR_SEG_END = 4,
	FR_SEG_STATUS = 5,	/* counters so far, while a ring file is written */
	FR_SEG_TRIGGER = 6,	/* what fired, and the context collected for it */
};

#define FR_SEG_ZSTD 1u		/* payload is one zstd frame */
#define FR_SEG_TSDELTA 2u	/* EVENTS: each ts holds the delta to the previous */

#define FR_CAP_RING 1u		/* file header flag: a ring file, see ring_start */

struct fr_cap_header {
	char magic[8];
	uint16_t version;
	uint16_t _pad;
	uint32_t header_size;
	uint32_t abi_version;
	uint32_t flags;
	uint64_t created_wall_ns;
	/* FR_CAP_RING: segments between ring_start and ring_end are written
	 * round and round; the oldest are overwritten */
	uint64_t ring_start;
	uint64_t ring_end;
	uint8_t reserved[16];
};

struct fr_seg_header {
	char magic[4];
	uint16_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t stored_len;
	uint32_t raw_len;
	uint32_t nevents;
	uint64_t ts_first;
	uint64_t ts_last;
	uint32_t payload_crc;
	uint32_t header_crc;	/* CRC32 of this header with this field zero */
};

_Static_assert(sizeof(struct fr_cap_header) == 64, "capture header is 64 bytes");
_Static_assert(sizeof(struct fr_seg_header) == 48, "segment header is 48 bytes");

/* ---- segment encoding, shared by both writers ---- */

struct fr_seg_enc {
	void *cctx;		/* ZSTD_CCtx */
	uint8_t *zbuf;
	size_t zcap;
};

int fr_seg_enc_init(struct fr_seg_enc *e);
void fr_seg_enc_free(struct fr_seg_enc *e);
/* Fill in the header h for a segment of raw_len bytes at raw and point
 * *payload at its stored form (raw itself, or the compressed copy inside e,
 * valid until the next call). EVENTS payloads are time-delta encoded in
 * place first, so raw is changed. t0, t1: lowest and highest ts. */
int fr_seg_encode(struct fr_seg_enc *e, struct fr_seg_header *h, uint16_t type, uint32_t seq,
		  void *raw, size_t raw_len, uint32_t nevents, uint64_t t0, uint64_t t1,
		  const void **payload);
/* Undo the time-delta encoding of an EVENTS payload (in place). Stops at a
 * record whose size does not fit; the walk that follows reports it. */
void fr_events_delta_decode(uint8_t *raw, size_t len, uint64_t ts_first);

/* ---- writer of a whole capture, front to back ---- */

struct fr_cap_writer {
	int fd;
	uint32_t seq;
	struct fr_seg_enc enc;
	uint8_t *stage;
	size_t stage_len, stage_cap;
	uint32_t stage_n;
	uint64_t ts_first, ts_last;
	uint64_t events, raw_bytes, file_bytes;
};

/* Takes over fd (closed by fr_capw_close). Writes the file header. */
int fr_capw_open(struct fr_cap_writer *w, int fd);
int fr_capw_json(struct fr_cap_writer *w, enum fr_seg_type type, const cJSON *json);
int fr_capw_event(struct fr_cap_writer *w, const void *rec, uint32_t len);
/* Write the staged events out as a segment now. */
int fr_capw_flush(struct fr_cap_writer *w);
/* Flush staged events, fsync and close. Returns the first error seen. */
int fr_capw_close(struct fr_cap_writer *w);

/* ---- reader ---- */

struct fr_cap_seg {
	struct fr_seg_header h;
	off_t offset;		/* of the payload */
};

/* Fill in and write a file header (at offset 0). ring_end 0: a linear file. */
int fr_cap_write_header(int fd, uint64_t ring_start, uint64_t ring_end);

struct fr_capture {
	char *path;
	int fd;
	off_t size;
	struct fr_cap_header hdr;
	struct fr_cap_seg *segs;	/* in sequence order */
	size_t nsegs;
	cJSON *meta, *procs, *end;	/* procs: every PROCS segment merged */
	cJSON *status;		/* the newest STATUS, when there is no END */
	cJSON *trigger;		/* the first TRIGGER, for captures trigger wrote */
	bool ring;		/* a ring file */
	uint64_t nevents;	/* as announced by segment headers */
	unsigned problems;	/* data lost or damaged: each one warned about */
	uint64_t unknown;	/* records of types this reader does not know */
};

/* The trace table {"slot": "trace id"} of END, else of the last STATUS;
 * NULL when the capture has none. */
const cJSON *fr_capture_traces(const struct fr_capture *c);
/* The slot of trace id (32 hex digits) in that table; 0 when absent. */
unsigned fr_capture_trace_slot(const struct fr_capture *c, const uint8_t id[16]);
/* Is rec (valid) an event labelled with slot, or a mark carrying id? */
bool fr_trace_match(const void *rec, unsigned slot, const uint8_t id[16]);

/* The boot-to-wall-clock offset (ns) of a META "clock" object; 0 if absent. */
int64_t fr_clock_offset(const cJSON *clock);

/* Opens and indexes a capture. On failure returns -errno or -EBADMSG and
 * writes a one-line reason to err. Damage past the header is not fatal: it
 * is warned about and counted in problems. */
int fr_capture_open(const char *path, struct fr_capture **out, char *err, size_t errlen);
void fr_capture_close(struct fr_capture *c);

/* Calls cb for every valid event record, in sequence order. Damaged segments
 * are skipped with a warning. Stops when cb returns non-zero. */
int fr_capture_foreach(struct fr_capture *c,
		       int (*cb)(const void *rec, uint32_t len, void *ctx), void *ctx);

/* The same for the events with since <= ts < until, as far as the segment
 * index tells: segments wholly outside are not read; cb still sees events
 * just outside the window in the segments at its edges. */
int fr_capture_foreach_range(struct fr_capture *c, uint64_t since, uint64_t until,
			     int (*cb)(const void *rec, uint32_t len, void *ctx), void *ctx);

/* Decode one payload: checks the CRC, decompresses. *out is malloc'd. */
int fr_capture_read_seg(struct fr_capture *c, const struct fr_cap_seg *s,
			uint8_t **out, size_t *len);

#endif
