/* writer.c: the capture file format's writer: segments encoded
 * (delta-coded timestamps, zstd, a CRC each) and a whole capture written
 * segment by segment; capture.c reads them back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/utf8.h"
#include "base/util.h"
#include "capture/capture.h"
#include "capture/event.h"

#define ZSTD_LEVEL 3

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)crc32(0L, p, n);
}

/* ---- segment encoding ---- */

int fr_seg_enc_init(struct fr_seg_enc *e)
{
	e->cctx = ZSTD_createCCtx();
	e->zcap = ZSTD_compressBound(FR_SEG_TARGET_RAW + 4096);
	e->zbuf = malloc(e->zcap);
	return e->cctx && e->zbuf ? 0 : -ENOMEM;
}

void fr_seg_enc_free(struct fr_seg_enc *e)
{
	ZSTD_freeCCtx(e->cctx);
	free(e->zbuf);
	e->cctx = NULL;
	e->zbuf = NULL;
}

/* Timestamps close together differ in their low bytes only: deltas are
 * mostly zero bytes, which zstd stores for next to nothing. */
static void delta_encode(uint8_t *raw, size_t len, uint64_t ts_first)
{
	uint64_t prev = ts_first;

	for (size_t off = 0; off + sizeof(struct fr_hdr) <= len;) {
		struct fr_hdr *h = (struct fr_hdr *)(raw + off);
		uint64_t ts = h->ts;

		if (h->size < sizeof(*h) || (h->size & 7) || h->size > len - off)
			break;
		h->ts = ts - prev;	/* modulo 2^64: reversible whatever the order */
		prev = ts;
		off += h->size;
	}
}

void fr_events_delta_decode(uint8_t *raw, size_t len, uint64_t ts_first)
{
	uint64_t prev = ts_first;

	for (size_t off = 0; off + sizeof(struct fr_hdr) <= len;) {
		struct fr_hdr *h = (struct fr_hdr *)(raw + off);

		if (h->size < sizeof(*h) || (h->size & 7) || h->size > len - off)
			break;
		prev += h->ts;
		h->ts = prev;
		off += h->size;
	}
}

int fr_seg_encode(struct fr_seg_enc *e, struct fr_seg_header *h, uint16_t type, uint32_t seq,
		  void *raw, size_t raw_len, uint32_t nevents, uint64_t t0, uint64_t t1,
		  const void **payload)
{
	size_t stored = raw_len;

	memset(h, 0, sizeof(*h));
	*payload = raw;
	if (raw_len > FR_SEG_MAX_LEN)
		return -E2BIG;
	if (type == FR_SEG_EVENTS && nevents) {
		delta_encode(raw, raw_len, t0);
		h->flags |= FR_SEG_TSDELTA;
	}
	if (raw_len >= 64) {
		size_t cap = ZSTD_compressBound(raw_len), n;

		if (cap > e->zcap) {
			uint8_t *bigger = malloc(cap);

			if (!bigger)
				return -ENOMEM;
			free(e->zbuf);
			e->zbuf = bigger;
			e->zcap = cap;
		}
		n = ZSTD_compressCCtx(e->cctx, e->zbuf, e->zcap, raw, raw_len, ZSTD_LEVEL);
		if (!ZSTD_isError(n) && n < raw_len) {
			*payload = e->zbuf;
			stored = n;
			h->flags |= FR_SEG_ZSTD;
		}
	}
	memcpy(h->magic, FR_SEG_MAGIC, sizeof(h->magic));
	h->type = type;
	h->seq = seq;
	h->stored_len = stored;
	h->raw_len = raw_len;
	h->nevents = nevents;
	h->ts_first = t0;
	h->ts_last = t1;
	h->payload_crc = crc(*payload, stored);
	h->header_crc = crc(h, sizeof(*h));
	return 0;
}

int fr_cap_write_header(int fd, uint64_t ring_start, uint64_t ring_end)
{
	struct fr_cap_header h = { 0 };
	ssize_t n;

	memcpy(h.magic, FR_CAP_MAGIC, sizeof(h.magic));
	h.version = FR_CAP_VERSION;
	h.header_size = sizeof(h);
	h.abi_version = FR_ABI_VERSION;
	h.created_wall_ns = fr_wall_ns();
	if (ring_end) {
		h.flags = FR_CAP_RING;
		h.ring_start = ring_start;
		h.ring_end = ring_end;
	}
	n = pwrite(fd, &h, sizeof(h), 0);
	if (n < 0)
		return -errno;
	return n == sizeof(h) ? 0 : -EIO;
}

/* ---- writer of a whole capture ---- */

int fr_capw_open(struct fr_cap_writer *w, int fd)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->stage_cap = FR_SEG_TARGET_RAW + 4096;
	w->stage = malloc(w->stage_cap);
	if (fr_seg_enc_init(&w->enc) || !w->stage)
		return -ENOMEM;
	ret = fr_cap_write_header(fd, 0, 0);
	if (!ret && lseek(fd, sizeof(struct fr_cap_header), SEEK_SET) < 0)
		ret = -errno;
	if (!ret)
		w->file_bytes += sizeof(struct fr_cap_header);
	return ret;
}

static int write_seg(struct fr_cap_writer *w, uint16_t type, void *raw,
		     size_t raw_len, uint32_t nevents, uint64_t t0, uint64_t t1)
{
	struct fr_seg_header h;
	const void *payload;
	int ret;

	ret = fr_seg_encode(&w->enc, &h, type, w->seq, raw, raw_len, nevents, t0, t1, &payload);
	if (ret)
		return ret;
	w->seq++;
	ret = fr_write_all(w->fd, &h, sizeof(h));
	if (!ret)
		ret = fr_write_all(w->fd, payload, h.stored_len);
	if (!ret)
		w->file_bytes += sizeof(h) + h.stored_len;
	return ret;
}

int fr_capw_json(struct fr_cap_writer *w, enum fr_seg_type type, const cJSON *json)
{
	char *s = cJSON_PrintUnformatted(json);
	int ret;

	if (!s)
		return -ENOMEM;
	/* names and command lines are bytes; the format's JSON is UTF-8 (JSON
	 * syntax is ASCII, so invalid bytes can only be inside strings) */
	fr_utf8_sanitize(s);
	ret = write_seg(w, type, s, strlen(s), 0, 0, 0);
	cJSON_free(s);
	return ret;
}

int fr_capw_flush(struct fr_cap_writer *w)
{
	int ret;

	if (!w->stage_n)
		return 0;
	ret = write_seg(w, FR_SEG_EVENTS, w->stage, w->stage_len, w->stage_n,
			w->ts_first, w->ts_last);
	w->stage_len = 0;
	w->stage_n = 0;
	return ret;
}

int fr_capw_event(struct fr_cap_writer *w, const void *rec, uint32_t len)
{
	const struct fr_hdr *h = rec;
	int ret;

	if (w->stage_len + len > w->stage_cap) {
		ret = fr_capw_flush(w);
		if (ret)
			return ret;
	}
	if (len > w->stage_cap)
		return -E2BIG;
	memcpy(w->stage + w->stage_len, rec, len);
	w->stage_len += len;
	if (!w->stage_n || h->ts < w->ts_first)
		w->ts_first = h->ts;
	if (!w->stage_n || h->ts > w->ts_last)
		w->ts_last = h->ts;
	w->stage_n++;
	w->events++;
	w->raw_bytes += len;
	if (w->stage_len >= FR_SEG_TARGET_RAW)
		return fr_capw_flush(w);
	return 0;
}

int fr_capw_close(struct fr_cap_writer *w)
{
	int ret = fr_capw_flush(w);

	if (w->fd >= 0) {
		if (fsync(w->fd) && !ret)
			ret = -errno;
		if (close(w->fd) && !ret)
			ret = -errno;
		w->fd = -1;
	}
	fr_seg_enc_free(&w->enc);
	free(w->stage);
	w->stage = NULL;
	return ret;
}

