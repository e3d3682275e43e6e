/* fuzz_capture.c: libFuzzer harness for the capture reader, the event
 * decoder and the trigger record's renderer: any bytes, read as a capture
 * and rendered as text and JSON, must never crash, leak or read out of
 * bounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "base/log.h"
#include "report/export.h"
#include "report/headline.h"
#include "report/stats.h"
#include "report/stats_render.h"
#include "report/render.h"

static FILE *sink;

struct ctx {
	struct fr_decoder dec;
	struct fr_view view;
	struct fr_chrome chrome;
	struct fr_stats *st;
};

static int on_event(const void *rec, uint32_t len, void *arg)
{
	struct ctx *c = arg;

	(void)len;
	fr_decode(&c->dec, rec, &c->view);
	/* the 80-column line and the wide one */
	c->dec.wide = false;
	fr_render_text(sink, &c->dec, &c->view);
	c->dec.wide = true;
	fr_render_text(sink, &c->dec, &c->view);
	fr_render_json(sink, &c->dec, &c->view);
	fr_chrome_event(&c->chrome, &c->dec, &c->view);
	fr_stats_add(c->st, rec, len);
	return 0;
}

/* Mutations almost always break a CRC, which stops the reader at the
 * segment check. For half the inputs, re-seal every segment that looks like
 * one, so the fuzzer also reaches the JSON and record decoders. */
static uint8_t *reseal(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	size_t off = sizeof(struct fr_cap_header);

	memcpy(buf, data, size);
	while (off + sizeof(struct fr_seg_header) <= size) {
		struct fr_seg_header h;

		memcpy(&h, buf + off, sizeof(h));
		if (memcmp(h.magic, FR_SEG_MAGIC, 4) ||
		    h.stored_len > size - off - sizeof(h))
			break;
		h.payload_crc = crc32(0L, buf + off + sizeof(h), h.stored_len);
		h.header_crc = 0;
		h.header_crc = crc32(0L, (const void *)&h, sizeof(h));
		memcpy(buf + off, &h, sizeof(h));
		off += sizeof(h) + h.stored_len;
	}
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *sealed = NULL;

	static int fd = -1;
	static struct ctx c;
	struct fr_capture *cap;
	char path[64], err[512];

	if (fd < 0) {
		fr_verbosity = FR_QUIET;
		fd = memfd_create("capture", 0);
		sink = fopen("/dev/null", "w");
	}
	if (size && (data[size - 1] & 1))
		data = sealed = reseal(data, size);
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size) {
		free(sealed);
		return 0;
	}
	free(sealed);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (fr_capture_open(path, &cap, err, sizeof(err)))
		return 0;
	if (!fr_decoder_init(&c.dec, cap->meta, cap->procs)) {
		if (cap->trigger) {
			/* what happened, from a crafted trigger record too */
			cJSON *h = fr_capture_headline(cap);

			fr_render_trigger_text(sink, &c.dec, cap->trigger, h);
			cJSON_Delete(h);
			fr_folded_write(sink, cap->trigger);
		}
		fr_chrome_begin(&c.chrome, sink, 0, &c.dec, cap->trigger);
		c.st = fr_stats_new();
		if (c.st) {
			cJSON *m;

			fr_capture_foreach(cap, on_event, &c);
			/* the model, its findings and its text from what was read */
			m = fr_stats_model(c.st, cap, &c.dec.pt, 10);
			fr_stats_text(sink, m, &c.dec);
			cJSON_Delete(m);
			fr_stats_free(c.st);
		}
		fr_chrome_end(&c.chrome);
	}
	fr_decoder_free(&c.dec);
	fr_capture_close(cap);
	return 0;
}
