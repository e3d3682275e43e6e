/* capture.c: the capture file format's reader (the writer is writer.c). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "capture/capture.h"
#include "capture/event.h"
#include "base/log.h"
#include "capture/proctab.h"
#include "base/utf8.h"
#include "base/util.h"

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)crc32(0L, p, n);
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

/* The payload of the segment whose header h is at off matches its
 * checksum, or runs past the end of the file (the file was cut short: the
 * caller reports that). */
static bool payload_ok(struct fr_capture *c, off_t off, const struct fr_seg_header *h)
{
	off_t start = off + sizeof(*h);
	uint8_t *buf;
	bool ok;

	if (start + (off_t)h->stored_len > c->size)
		return true;
	buf = malloc(h->stored_len ? h->stored_len : 1);
	if (!buf)
		return false;
	ok = pread_full(c->fd, buf, h->stored_len, start) == (int)h->stored_len &&
	     crc(buf, h->stored_len) == h->payload_crc;
	free(buf);
	return ok;
}

/* After a damaged header: find the next offset holding a valid one. In a
 * ring file the bytes searched are often old payloads, which may hold
 * anything, so the payload must check out too (when it is all there). */
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
			if (seg_header_ok(&h) && (!c->ring || payload_ok(c, off + i, &h))) {
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

struct gap {
	off_t start, end;
	const char *what;	/* the warning, when the gap is damage */
	uint32_t seq;
};

static int cmp_seg(const void *a, const void *b)
{
	const struct fr_cap_seg *x = a, *y = b;

	if (x->h.seq != y->h.seq)
		return x->h.seq < y->h.seq ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* A ring file always has bytes that are not segments: the torn remains of
 * what the newest segment overwrote (right after it), the slack the writer
 * left at the end of the area before wrapping, and a segment the recorder
 * was killed while writing (at the head, or at ring_start when it had just
 * wrapped). Those are not damage. */
static bool ring_gap_expected(const struct fr_capture *c, const struct gap *g, off_t head_end)
{
	off_t area_end = (off_t)c->hdr.ring_end < c->size ? (off_t)c->hdr.ring_end : c->size;

	if (g->start == head_end)
		return true;
	/* a whole header whose payload is cut off: the file was cut short */
	if (!strcmp(g->what, "past"))
		return false;
	return g->start == (off_t)c->hdr.ring_start || g->end >= area_end;
}

/* Index every valid segment, in sequence order; warn about damage. */
static int scan(struct fr_capture *c)
{
	struct gap *gaps = NULL;
	size_t ngaps = 0;
	off_t off, head_end = -1;
	uint32_t head_seq = 0;
	unsigned damage = 0;
	int ret = 0;

	for (off = c->hdr.header_size; off < c->size;) {
		struct fr_cap_seg s;
		struct gap g = { .start = off, .end = c->size };
		void *grown;
		int n;

		n = pread_full(c->fd, &s.h, sizeof(s.h), off);
		if (n < (int)sizeof(s.h)) {
			g.what = "short";
		} else if (!seg_header_ok(&s.h)) {
			off_t next = resync(c, off + 1);

			g.what = "header";
			g.end = next < 0 ? c->size : next;
		} else if (off + (off_t)sizeof(s.h) + (off_t)s.h.stored_len > c->size) {
			g.what = "past";
			g.seq = s.h.seq;
		}
		if (g.what) {
			grown = realloc(gaps, (ngaps + 1) * sizeof(*gaps));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			gaps = grown;
			gaps[ngaps++] = g;
			off = g.end;
			continue;
		}
		s.offset = off + sizeof(s.h);
		grown = realloc(c->segs, (c->nsegs + 1) * sizeof(*c->segs));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		c->segs = grown;
		c->segs[c->nsegs++] = s;
		if (head_end < 0 || s.h.seq >= head_seq) {
			head_seq = s.h.seq;
			head_end = s.offset + s.h.stored_len;
		}
		off = s.offset + s.h.stored_len;
	}
	if (c->ring && c->nsegs)
		qsort(c->segs, c->nsegs, sizeof(*c->segs), cmp_seg);
	for (size_t i = 0; i < ngaps; i++) {
		const struct gap *g = &gaps[i];

		if (c->ring && ring_gap_expected(c, g, head_end))
			continue;
		c->problems++;
		damage++;
		if (!strcmp(g->what, "short"))
			fr_warn("%s: truncated: %lld trailing bytes at offset %lld are not a whole segment header",
				c->path, (long long)(c->size - g->start), (long long)g->start);
		else if (!strcmp(g->what, "past"))
			fr_warn("%s: truncated: segment %u at offset %lld ends past the end of the file",
				c->path, g->seq, (long long)g->start);
		else
			fr_warn("%s: damaged segment header at offset %lld; %s", c->path,
				(long long)g->start, g->end >= c->size ? "nothing after it could be read"
								       : "skipped to the next segment");
	}
	if (c->ring && !damage) {
		const struct fr_cap_seg *prev = NULL;

		/* the writer numbers the segments of the area one by one, and
		 * what it overwrites is always the oldest: a hole is damage */
		for (size_t i = 0; i < c->nsegs; i++) {
			const struct fr_cap_seg *s = &c->segs[i];

			if (s->offset < (off_t)c->hdr.ring_start)
				continue;
			if (prev && s->h.seq != prev->h.seq + 1) {
				fr_warn("%s: segments %u to %u are missing (damaged)", c->path,
					prev->h.seq + 1, s->h.seq - 1);
				c->problems++;
			}
			prev = s;
		}
	}
	free(gaps);
	return ret;
}

/* META and END: the first of each; STATUS: the newest; PROCS: all of them,
 * merged in sequence order (a ring file writes the new tasks as it goes and
 * the whole table now and then). */
static int load_json(struct fr_capture *c)
{
	struct fr_proctab pt = { 0 };
	bool any_procs = false;
	int ret = 0;

	for (size_t i = 0; i < c->nsegs; i++) {
		const struct fr_cap_seg *s = &c->segs[i];
		cJSON *j;

		switch (s->h.type) {
		case FR_SEG_META:
			if (!c->meta)
				c->meta = read_json_seg(c, s);
			break;
		case FR_SEG_END:
			if (!c->end)
				c->end = read_json_seg(c, s);
			break;
		case FR_SEG_TRIGGER:
			if (!c->trigger)
				c->trigger = read_json_seg(c, s);
			break;
		case FR_SEG_PROCS:
			j = read_json_seg(c, s);
			if (j) {
				any_procs = true;
				if (fr_proctab_from_json(&pt, j) == -ENOMEM)
					ret = -ENOMEM;
				cJSON_Delete(j);
			}
			break;
		case FR_SEG_EVENTS:
			c->nevents += s->h.nevents;
			break;
		default:
			break;	/* STATUS below; newer types are skipped */
		}
	}
	for (size_t i = c->nsegs; !c->end && i-- > 0;) {
		if (c->segs[i].h.type == FR_SEG_STATUS) {
			c->status = read_json_seg(c, &c->segs[i]);
			if (c->status)
				break;
		}
	}
	if (any_procs) {
		c->procs = fr_proctab_to_json(&pt, false);
		if (!c->procs)
			ret = -ENOMEM;
	}
	fr_proctab_free(&pt);
	return ret;
}

int fr_capture_open(const char *path, struct fr_capture **out, char *err, size_t errlen)
{
	struct fr_capture *c;
	struct stat st;
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

	if (c->hdr.flags & FR_CAP_RING) {
		if (c->hdr.ring_start < c->hdr.header_size || c->hdr.ring_end <= c->hdr.ring_start) {
			snprintf(err, errlen, "%s: corrupt capture header (ring bounds)", path);
			goto fail;
		}
		c->ring = true;
	}
	ret = scan(c);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (!c->nsegs) {
		ret = -EBADMSG;
		snprintf(err, errlen, "%s: truncated capture: no segment could be read", path);
		goto fail;
	}
	ret = load_json(c);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (!c->end) {
		if (c->status)
			fr_warn("%s: incomplete capture: no end record (the recorder was killed, or is "
				"still writing); its counters are from its last status", path);
		else
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

const cJSON *fr_capture_traces(const struct fr_capture *c)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(c->end ? c->end : c->status, "traces");

	return cJSON_IsObject(t) ? t : NULL;
}

unsigned fr_capture_trace_slot(const struct fr_capture *c, const uint8_t id[16])
{
	const cJSON *t = fr_capture_traces(c), *e;
	char hex[33];

	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	cJSON_ArrayForEach(e, t) {
		char *end;
		unsigned long slot;

		if (!cJSON_IsString(e) || strcasecmp(e->valuestring, hex) || !e->string)
			continue;
		slot = strtoul(e->string, &end, 10);
		if (!*end && slot > 0 && slot <= UINT16_MAX)
			return (unsigned)slot;
	}
	return 0;
}

bool fr_trace_match(const void *rec, unsigned slot, const uint8_t id[16])
{
	const struct fr_hdr *h = rec;

	if (h->type == FR_EV_MARK) {
		const struct fr_mark *m = rec;

		return (m->mflags & FR_MARK_TRACE) && !memcmp(m->trace_id, id, 16);
	}
	return slot && h->flags == slot;
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
	cJSON_Delete(c->status);
	cJSON_Delete(c->trigger);
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
		/* the segment index: segments wholly outside the window are
		 * never read */
		if (s->h.nevents && (s->h.ts_last < since || s->h.ts_first >= until))
			continue;
		if (fr_capture_read_seg(c, s, &raw, &len))
			continue;
		if (s->h.flags & FR_SEG_TSDELTA)
			fr_events_delta_decode(raw, len, s->h.ts_first);
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
