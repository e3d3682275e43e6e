/* ringfile.c: a capture written round and round inside a size bound. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/ringfile.h"
#include "base/utf8.h"

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, off + done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

static struct fr_rf_seg *oldest(const struct fr_ringfile *rf)
{
	return rf->idx_len ? &rf->idx[rf->idx_first] : NULL;
}

static void drop_oldest(struct fr_ringfile *rf)
{
	struct fr_rf_seg *s = oldest(rf);

	if (s->type == FR_SEG_EVENTS) {
		rf->overwritten += s->nevents;
		rf->overwritten_bytes += s->raw_len;
	}
	rf->idx_first++;
	rf->idx_len--;
}

static int index_add(struct fr_ringfile *rf, const struct fr_rf_seg *s)
{
	if (rf->idx_first + rf->idx_len == rf->idx_cap) {
		if (rf->idx_first > rf->idx_cap / 2) {
			memmove(rf->idx, rf->idx + rf->idx_first, rf->idx_len * sizeof(*rf->idx));
			rf->idx_first = 0;
		} else {
			size_t ncap = rf->idx_cap ? rf->idx_cap * 2 : 256;
			struct fr_rf_seg *n = realloc(rf->idx, ncap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			rf->idx = n;
			rf->idx_cap = ncap;
		}
	}
	rf->idx[rf->idx_first + rf->idx_len++] = *s;
	return 0;
}

static int encode_json(const cJSON *json, char **out)
{
	*out = cJSON_PrintUnformatted(json);
	if (!*out)
		return -ENOMEM;
	fr_utf8_sanitize(*out);
	return 0;
}

int fr_rf_open(struct fr_ringfile *rf, int fd, uint64_t max_size, const cJSON *meta)
{
	struct fr_seg_header h;
	const void *payload;
	char *s;
	int ret;

	memset(rf, 0, sizeof(*rf));
	rf->fd = fd;
	ret = fr_seg_enc_init(&rf->enc);
	if (ret)
		return ret;
	ret = encode_json(meta, &s);
	if (ret)
		return ret;
	ret = fr_seg_encode(&rf->enc, &h, FR_SEG_META, rf->seq, s, strlen(s), 0, 0, 0, &payload);
	if (!ret) {
		rf->ring_start = sizeof(struct fr_cap_header) + sizeof(h) + h.stored_len;
		rf->ring_end = max_size;
		/* an area that holds at least four segments of the target size */
		rf->seg_target = FR_SEG_TARGET_RAW;
		while (rf->seg_target > 4096 &&
		       4 * (uint64_t)(rf->seg_target + 4096) > rf->ring_end - rf->ring_start)
			rf->seg_target /= 2;
		if (max_size < rf->ring_start + 4 * (uint64_t)(rf->seg_target + 4096))
			ret = -ENOSPC;
	}
	/* META first, the header that makes it a ring file last */
	if (!ret)
		ret = pwrite_all(fd, &h, sizeof(h), sizeof(struct fr_cap_header));
	if (!ret)
		ret = pwrite_all(fd, payload, h.stored_len, sizeof(struct fr_cap_header) + sizeof(h));
	if (!ret)
		ret = fr_cap_write_header(fd, rf->ring_start, rf->ring_end);
	cJSON_free(s);
	if (ret)
		return ret;
	rf->seq++;
	rf->pos = rf->file_size = rf->ring_start;
	return 0;
}

/* Spoil the header of the oldest segment (zero its magic) and forget it. */
static int spoil_oldest(struct fr_ringfile *rf)
{
	static const char zero[4];
	int ret = pwrite_all(rf->fd, zero, sizeof(zero), oldest(rf)->off);

	if (!ret)
		drop_oldest(rf);
	return ret;
}

int fr_rf_clear(struct fr_ringfile *rf)
{
	static const char zero[4];

	/* oldest first: a writer killed meanwhile leaves the newest, a
	 * run of consecutive seq numbers still */
	while (rf->idx_len) {
		struct fr_rf_seg *s = oldest(rf);
		int ret = pwrite_all(rf->fd, zero, sizeof(zero), s->off);

		if (ret)
			return ret;
		if (s->type == FR_SEG_EVENTS) {
			rf->cleared += s->nevents;
			rf->cleared_bytes += s->raw_len;
		}
		rf->idx_first++;
		rf->idx_len--;
	}
	rf->idx_first = 0;
	rf->pos = rf->ring_start;
	rf->clears++;
	return 0;
}

/* Make room for total bytes at pos: wrap when they do not fit before the
 * end, and drop what they will overwrite. Every segment dropped has its
 * header spoiled first, whether the new bytes end up covering it or not
 * (a smaller write than planned, a failed one): a header left valid over
 * bytes that are no longer its own would be read as damage. */
static int make_room(struct fr_ringfile *rf, uint64_t total)
{
	int ret;

	if (total > rf->ring_end - rf->ring_start)
		return -E2BIG;
	if (rf->pos + total > rf->ring_end) {
		/* wrap: what the slack still holds is older than anything
		 * left, so it goes now */
		while (oldest(rf) && oldest(rf)->off >= rf->pos) {
			ret = spoil_oldest(rf);
			if (ret)
				return ret;
		}
		rf->pos = rf->ring_start;
		rf->wraps++;
	}
	while (oldest(rf) && oldest(rf)->off >= rf->pos && oldest(rf)->off < rf->pos + total) {
		ret = spoil_oldest(rf);
		if (ret)
			return ret;
	}
	return 0;
}

static int put(struct fr_ringfile *rf, const struct fr_seg_header *h, const void *payload)
{
	struct fr_rf_seg s = { .ts_first = h->ts_first, .nevents = h->nevents,
			       .raw_len = h->raw_len, .type = h->type };
	uint64_t total = sizeof(*h) + h->stored_len;
	int ret = make_room(rf, total);

	if (ret)
		return ret;
	s.off = rf->pos;
	s.len = total;
	/* indexed first: a segment in the file is always in the index */
	ret = index_add(rf, &s);
	if (ret)
		return ret;
	ret = pwrite_all(rf->fd, payload, h->stored_len, rf->pos + sizeof(*h));
	if (!ret)
		ret = pwrite_all(rf->fd, h, sizeof(*h), rf->pos);
	if (ret) {
		rf->idx_len--;	/* not written after all */
		return ret;
	}
	rf->seq++;
	rf->pos += total;
	if (rf->pos > rf->file_size)
		rf->file_size = rf->pos;
	rf->segments++;
	rf->written_bytes += total;
	if (h->type == FR_SEG_EVENTS) {
		rf->stored += h->nevents;
		rf->stored_bytes += h->raw_len;
	}
	return 0;
}

int fr_rf_write(struct fr_ringfile *rf, uint16_t type, void *raw, size_t raw_len,
		uint32_t nevents, uint64_t t0, uint64_t t1)
{
	struct fr_seg_header h;
	const void *payload;
	int ret;

	ret = fr_seg_encode(&rf->enc, &h, type, rf->seq, raw, raw_len, nevents, t0, t1, &payload);
	return ret ? ret : put(rf, &h, payload);
}

int fr_rf_write_json(struct fr_ringfile *rf, uint16_t type, const cJSON *json)
{
	char *s;
	int ret = encode_json(json, &s);

	if (ret)
		return ret;
	ret = fr_rf_write(rf, type, s, strlen(s), 0, 0, 0);
	cJSON_free(s);
	return ret;
}

int fr_rf_write_counted(struct fr_ringfile *rf, uint16_t type,
			cJSON *(*build)(void *ctx), void *ctx)
{
	uint64_t room = 0;

	for (;;) {
		struct fr_seg_header h;
		const void *payload;
		cJSON *j = build(ctx);
		char *s = NULL;
		int ret = j ? encode_json(j, &s) : -ENOMEM;

		cJSON_Delete(j);
		if (!ret)
			ret = fr_seg_encode(&rf->enc, &h, type, rf->seq, s, strlen(s), 0, 0, 0, &payload);
		if (!ret && sizeof(h) + h.stored_len > room) {
			/* what it overwrites changes the counters it holds */
			room = sizeof(h) + h.stored_len;
			ret = make_room(rf, room);
			if (!ret) {
				cJSON_free(s);
				continue;
			}
		}
		if (!ret)
			ret = put(rf, &h, payload);
		cJSON_free(s);
		return ret;
	}
}

uint64_t fr_rf_oldest_ts(const struct fr_ringfile *rf)
{
	for (size_t i = 0; i < rf->idx_len; i++) {
		const struct fr_rf_seg *s = &rf->idx[rf->idx_first + i];

		if (s->type == FR_SEG_EVENTS && s->nevents)
			return s->ts_first;
	}
	return UINT64_MAX;
}

int fr_rf_close(struct fr_ringfile *rf)
{
	int ret = 0;

	if (rf->fd >= 0) {
		if (fsync(rf->fd))
			ret = -errno;
		if (close(rf->fd) && !ret)
			ret = -errno;
		rf->fd = -1;
	}
	fr_seg_enc_free(&rf->enc);
	free(rf->idx);
	rf->idx = NULL;
	return ret;
}
