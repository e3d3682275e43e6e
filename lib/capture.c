/* capture.c: the capture file format, writer and reader. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "capture.h"
#include "event.h"
#include "log.h"
#include "utf8.h"
#include "util.h"

#define ZSTD_LEVEL 3

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)crc32(0L, p, n);
}

/* ---- writer ---- */

int fr_capw_open(struct fr_cap_writer *w, int fd)
{
	struct fr_cap_header h = { 0 };
	int ret;

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cctx = ZSTD_createCCtx();
	w->stage_cap = FR_SEG_TARGET_RAW + 4096;
	w->stage = malloc(w->stage_cap);
	w->zbuf = malloc(ZSTD_compressBound(w->stage_cap));
	w->zcap = ZSTD_compressBound(w->stage_cap);
	if (!w->cctx || !w->stage || !w->zbuf)
		return -ENOMEM;
	memcpy(h.magic, FR_CAP_MAGIC, sizeof(h.magic));
	h.version = FR_CAP_VERSION;
	h.header_size = sizeof(h);
	h.abi_version = FR_ABI_VERSION;
	h.created_wall_ns = fr_wall_ns();
	ret = fr_write_all(fd, &h, sizeof(h));
	if (!ret)
		w->file_bytes += sizeof(h);
	return ret;
}

static int write_seg(struct fr_cap_writer *w, uint16_t type, const void *raw,
		     size_t raw_len, uint32_t nevents, uint64_t t0, uint64_t t1)
{
	struct fr_seg_header h = { 0 };
	const void *payload = raw;
	size_t stored = raw_len;
	uint8_t *tmp = NULL;
	int ret;

	if (raw_len > FR_SEG_MAX_LEN)
		return -E2BIG;
	if (raw_len >= 64) {
		size_t cap = ZSTD_compressBound(raw_len), n;
		uint8_t *dst = w->zbuf;

		if (cap > w->zcap) {
			tmp = malloc(cap);
			if (!tmp)
				return -ENOMEM;
			dst = tmp;
		}
		n = ZSTD_compressCCtx(w->cctx, dst, cap, raw, raw_len, ZSTD_LEVEL);
		if (!ZSTD_isError(n) && n < raw_len) {
			payload = dst;
			stored = n;
			h.flags |= FR_SEG_ZSTD;
		}
	}
	memcpy(h.magic, FR_SEG_MAGIC, sizeof(h.magic));
	h.type = type;
	h.seq = w->seq++;
	h.stored_len = stored;
	h.raw_len = raw_len;
	h.nevents = nevents;
	h.ts_first = t0;
	h.ts_last = t1;
	h.payload_crc = crc(payload, stored);
	h.header_crc = crc(&h, sizeof(h));
	ret = fr_write_all(w->fd, &h, sizeof(h));
	if (!ret)
		ret = fr_write_all(w->fd, payload, stored);
	if (!ret)
		w->file_bytes += sizeof(h) + stored;
	free(tmp);
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
	if (!w->stage_n)
		w->ts_first = h->ts;
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
	ZSTD_freeCCtx(w->cctx);
	free(w->stage);
	free(w->zbuf);
	w->cctx = NULL;
	w->stage = w->zbuf = NULL;
	return ret;
}

/* ---- reader ---- */

int64_t fr_clock_offset(const cJSON *clock)
{
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(clock, "boot_to_wall_sec");
	const cJSON *nsec = cJSON_GetObjectItemCaseSensitive(clock, "boot_to_wall_nsec");

	if (!cJSON_IsNumber(sec) || !cJSON_IsNumber(nsec) || fabs(sec->valuedouble) > 9e9 ||
	    nsec->valuedouble < 0 || nsec->valuedouble >= 1e9)
		return 0;
	return (int64_t)sec->valuedouble * 1000000000LL + (int64_t)nsec->valuedouble;
}

static int pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += n;
	}
	return (int)got;
}

static bool seg_header_ok(const struct fr_seg_header *h)
{
	struct fr_seg_header t = *h;

	if (memcmp(h->magic, FR_SEG_MAGIC, 4))
		return false;
	t.header_crc = 0;
	if (crc(&t, sizeof(t)) != h->header_crc)
		return false;
	if (h->stored_len > FR_SEG_MAX_LEN || h->raw_len > FR_SEG_MAX_LEN)
		return false;
	if (!(h->flags & FR_SEG_ZSTD) && h->stored_len != h->raw_len)
		return false;
	return true;
}

/* After a damaged header: find the next offset holding a valid one. */
static off_t resync(struct fr_capture *c, off_t from)
{
	enum { WIN = 1 << 16 };
	uint8_t *buf = malloc(WIN + sizeof(struct fr_seg_header));
	off_t off = from;

	if (!buf)
		return -1;
	while (off < c->size) {
		int n = pread_full(c->fd, buf, WIN + sizeof(struct fr_seg_header), off);

		if (n < (int)sizeof(struct fr_seg_header))
			break;
		for (int i = 0; i + (int)sizeof(struct fr_seg_header) <= n; i++) {
			struct fr_seg_header h;

			if (buf[i] != 'F' || memcmp(buf + i, FR_SEG_MAGIC, 4))
				continue;
			memcpy(&h, buf + i, sizeof(h));
			if (seg_header_ok(&h)) {
				free(buf);
				return off + i;
			}
		}
		off += WIN;
	}
	free(buf);
	return -1;
}

static cJSON *read_json_seg(struct fr_capture *c, const struct fr_cap_seg *s)
{
	uint8_t *raw;
	size_t len;
	cJSON *j;

	if (fr_capture_read_seg(c, s, &raw, &len))
		return NULL;
	j = cJSON_ParseWithLength((const char *)raw, len);
	free(raw);
	fr_json_sanitize(j);
	if (!j) {
		fr_warn("%s: segment %u: metadata is not valid JSON; ignored", c->path, s->h.seq);
		c->problems++;
	}
	return j;
}

int fr_capture_open(const char *path, struct fr_capture **out, char *err, size_t errlen)
{
	struct fr_capture *c;
	struct stat st;
	off_t off;
	int n, ret;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->path = strdup(path);
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(c->fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		snprintf(err, errlen, "%s: is a directory, not a capture", path);
		goto fail;
	}
	c->size = st.st_size;
	n = pread_full(c->fd, &c->hdr, sizeof(c->hdr), 0);
	if (n < 0) {
		ret = n;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-n));
		goto fail;
	}
	ret = -EBADMSG;
	if (n == 0) {
		snprintf(err, errlen, "%s: empty file, not a flightrec capture", path);
		goto fail;
	}
	if (n < 8 || memcmp(c->hdr.magic, FR_CAP_MAGIC, 8)) {
		snprintf(err, errlen, "%s: not a flightrec capture (bad magic)", path);
		goto fail;
	}
	if (n < (int)sizeof(c->hdr)) {
		snprintf(err, errlen, "%s: truncated capture: the file header is incomplete (%d of %zu bytes)",
			 path, n, sizeof(c->hdr));
		goto fail;
	}
	if (c->hdr.version > FR_CAP_VERSION) {
		snprintf(err, errlen, "%s: capture format version %u is newer than this flightrec reads (%u); use a newer flightrec",
			 path, c->hdr.version, FR_CAP_VERSION);
		goto fail;
	}
	if (c->hdr.abi_version > FR_ABI_VERSION)
		fr_warn("%s: written by a newer flightrec (event ABI %u, this one reads %u): event types it does not know are skipped",
			path, c->hdr.abi_version, FR_ABI_VERSION);
	if (c->hdr.version == 0 || c->hdr.header_size < sizeof(c->hdr) ||
	    c->hdr.header_size > 4096) {
		snprintf(err, errlen, "%s: corrupt capture header", path);
		goto fail;
	}

	for (off = c->hdr.header_size; off < c->size;) {
		struct fr_cap_seg s;
		void *grown;

		n = pread_full(c->fd, &s.h, sizeof(s.h), off);
		if (n < (int)sizeof(s.h)) {
			fr_warn("%s: truncated: %lld trailing bytes at offset %lld are not a whole segment header",
				path, (long long)(c->size - off), (long long)off);
			c->problems++;
			break;
		}
		if (!seg_header_ok(&s.h)) {
			off_t next = resync(c, off + 1);

			fr_warn("%s: damaged segment header at offset %lld; %s", path,
				(long long)off, next < 0 ? "nothing after it could be read"
							 : "skipped to the next segment");
			c->problems++;
			if (next < 0)
				break;
			off = next;
			continue;
		}
		s.offset = off + sizeof(s.h);
		if (s.offset + (off_t)s.h.stored_len > c->size) {
			fr_warn("%s: truncated: segment %u (%s) at offset %lld ends past the end of the file",
				path, s.h.seq, s.h.type == FR_SEG_EVENTS ? "events" : "metadata",
				(long long)off);
			c->problems++;
			break;
		}
		grown = realloc(c->segs, (c->nsegs + 1) * sizeof(*c->segs));
		if (!grown) {
			ret = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		c->segs = grown;
		c->segs[c->nsegs++] = s;
		off = s.offset + s.h.stored_len;
	}

	for (size_t i = 0; i < c->nsegs; i++) {
		const struct fr_cap_seg *s = &c->segs[i];
		cJSON **slot = NULL;

		switch (s->h.type) {
		case FR_SEG_META: slot = &c->meta; break;
		case FR_SEG_PROCS: slot = &c->procs; break;
		case FR_SEG_END: slot = &c->end; break;
		case FR_SEG_EVENTS: c->nevents += s->h.nevents; break;
		default: break;	/* newer segment types: skipped */
		}
		if (slot && !*slot)
			*slot = read_json_seg(c, s);
	}
	if (!c->meta && !c->nsegs) {
		snprintf(err, errlen, "%s: truncated capture: no segment could be read", path);
		goto fail;
	}
	if (!c->end) {
		fr_warn("%s: incomplete capture: no end record (the recorder was stopped before it finished writing)",
			path);
		c->problems++;
	}
	*out = c;
	return 0;
fail:
	fr_capture_close(c);
	return ret;
}

void fr_capture_close(struct fr_capture *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	cJSON_Delete(c->meta);
	cJSON_Delete(c->procs);
	cJSON_Delete(c->end);
	free(c->segs);
	free(c->path);
	free(c);
}

int fr_capture_read_seg(struct fr_capture *c, const struct fr_cap_seg *s,
			uint8_t **out, size_t *len)
{
	uint8_t *stored = malloc(s->h.stored_len ? s->h.stored_len : 1), *raw;
	int n;

	*out = NULL;
	if (!stored) {
		fr_warn("%s: segment %u: out of memory for its %u bytes; skipped", c->path,
			s->h.seq, s->h.stored_len);
		c->problems++;
		return -ENOMEM;
	}
	n = pread_full(c->fd, stored, s->h.stored_len, s->offset);
	if (n < 0 || (uint32_t)n != s->h.stored_len) {
		fr_warn("%s: segment %u: %s; skipped", c->path, s->h.seq,
			n < 0 ? strerror(-n) : "the file ended before the segment did");
		goto bad;
	}
	if (crc(stored, s->h.stored_len) != s->h.payload_crc) {
		fr_warn("%s: segment %u at offset %lld: checksum mismatch; its %u events are skipped",
			c->path, s->h.seq, (long long)(s->offset - sizeof(s->h)), s->h.nevents);
		goto bad;
	}
	if (!(s->h.flags & FR_SEG_ZSTD)) {
		*out = stored;
		*len = s->h.stored_len;
		return 0;
	}
	raw = malloc(s->h.raw_len ? s->h.raw_len : 1);
	if (!raw) {
		fr_warn("%s: segment %u: out of memory for its %u bytes; skipped", c->path,
			s->h.seq, s->h.raw_len);
		goto bad;
	}
	{
		size_t r = ZSTD_decompress(raw, s->h.raw_len, stored, s->h.stored_len);

		if (ZSTD_isError(r) || r != s->h.raw_len) {
			fr_warn("%s: segment %u: cannot decompress (%s); skipped", c->path,
				s->h.seq, ZSTD_isError(r) ? ZSTD_getErrorName(r) : "wrong length");
			free(raw);
			goto bad;
		}
	}
	free(stored);
	*out = raw;
	*len = s->h.raw_len;
	return 0;
bad:
	free(stored);
	c->problems++;
	return -EBADMSG;
}

int fr_capture_foreach(struct fr_capture *c,
		       int (*cb)(const void *rec, uint32_t len, void *ctx), void *ctx)
{
	return fr_capture_foreach_range(c, 0, UINT64_MAX, cb, ctx);
}

int fr_capture_foreach_range(struct fr_capture *c, uint64_t since, uint64_t until,
			     int (*cb)(const void *rec, uint32_t len, void *ctx), void *ctx)
{
	for (size_t i = 0; i < c->nsegs; i++) {
		const struct fr_cap_seg *s = &c->segs[i];
		uint8_t *raw;
		size_t len, off = 0;
		int ret = 0;

		if (s->h.type != FR_SEG_EVENTS)
			continue;
		/* the segment index: segments hold events in time order, so
		 * whole segments before the window are never read, and the
		 * first one after it ends the walk */
		if (s->h.nevents && s->h.ts_last < since)
			continue;
		if (s->h.nevents && s->h.ts_first >= until)
			break;
		if (fr_capture_read_seg(c, s, &raw, &len))
			continue;
		while (off < len) {
			struct fr_hdr h;

			if (len - off < sizeof(h)) {
				ret = -EBADMSG;
				break;
			}
			memcpy(&h, raw + off, sizeof(h));
			if (h.size < sizeof(h) || (h.size & 7) || h.size > len - off) {
				ret = -EBADMSG;
				break;
			}
			if (!fr_type_info(h.type)) {
				/* a newer writer's event type: skip it whole */
				c->unknown++;
				off += h.size;
				continue;
			}
			if (!fr_event_valid(raw + off, h.size)) {
				ret = -EBADMSG;
				break;
			}
			/* records are 8-byte multiples in a malloc'd buffer: aligned */
			ret = cb(raw + off, h.size, ctx);
			if (ret)
				break;
			off += h.size;
		}
		free(raw);
		if (ret == -EBADMSG) {
			fr_warn("%s: segment %u: malformed event at byte %zu; the rest of the segment is skipped",
				c->path, s->h.seq, off);
			c->problems++;
			continue;
		}
		if (ret)
			return ret;
	}
	return 0;
}
