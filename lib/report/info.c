/* info.c: dump --info, the model and its text; see info.h. */
#include <stdlib.h>
#include <string.h>

#include "report/info.h"
#include "report/model.h"
#include "report/render.h"
#include "base/util.h"

void fr_info_verify(struct fr_capture *cap)
{
	for (size_t i = 0; i < cap->nsegs; i++) {
		uint8_t *buf;
		size_t len;

		if (!fr_capture_read_seg(cap, &cap->segs[i], &buf, &len))
			free(buf);
	}
}

cJSON *fr_info_model(const struct fr_capture *cap, const char *file)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t raw = 0, events = 0, first = UINT64_MAX, last = 0, nevseg = 0;

	for (size_t i = 0; i < cap->nsegs; i++) {
		const struct fr_seg_header *h = &cap->segs[i].h;

		if (h->type != FR_SEG_EVENTS)
			continue;
		nevseg++;
		raw += h->raw_len;
		events += h->nevents;
		if (h->nevents && h->ts_first < first)
			first = h->ts_first;
		if (h->nevents && h->ts_last > last)
			last = h->ts_last;
	}
	cJSON_AddStringToObject(o, "file", file);
	cJSON_AddBoolToObject(o, "complete", cap->end != NULL && !cap->problems);
	cJSON_AddNumberToObject(o, "format", cap->hdr.version);
	if (cap->ring)
		cJSON_AddNumberToObject(o, "max_size", (double)cap->hdr.ring_end);
	cJSON_AddNumberToObject(o, "abi", cap->hdr.abi_version);
	if (cap->meta)
		cJSON_AddItemToObject(o, "meta", cJSON_Duplicate(cap->meta, true));
	if (cap->trigger)
		cJSON_AddItemToObject(o, "trigger", cJSON_Duplicate(cap->trigger, true));
	if (cap->end)
		cJSON_AddItemToObject(o, "end", cJSON_Duplicate(cap->end, true));
	else if (cap->status)
		cJSON_AddItemToObject(o, "status", cJSON_Duplicate(cap->status, true));
	cJSON_AddNumberToObject(o, "segments", (double)cap->nsegs);
	cJSON_AddNumberToObject(o, "event_segments", (double)nevseg);
	cJSON_AddNumberToObject(o, "events", (double)events);
	if (events) {
		cJSON_AddNumberToObject(o, "first_ns", (double)first);
		cJSON_AddNumberToObject(o, "last_ns", (double)last);
	}
	cJSON_AddNumberToObject(o, "raw_bytes", (double)raw);
	cJSON_AddNumberToObject(o, "file_bytes", (double)cap->size);
	cJSON_AddNumberToObject(o, "ratio", cap->size ? (double)raw / (double)cap->size : 0);
	return o;
}

void fr_info_probes(FILE *out, const cJSON *probes, int label)
{
	static const char *const methods[] = { "tp_btf", "raw_tp", "tracepoint", NULL };
	const char *name = "probes:";

	for (int m = 0; m < 4; m++) {
		const cJSON *p;
		int col = 0, indent = 0;

		cJSON_ArrayForEach(p, probes) {
			bool on = cJSON_IsTrue(fr_jget(p, "attached"));
			const char *meth = fr_jstr(p, "method", NULL), *probe = fr_jstr(p, "name", "?");

			if (methods[m] ? !on || !meth || strcmp(meth, methods[m]) : on)
				continue;
			if (!col) {
				col = fprintf(out, "%-*s%s:", label, name, methods[m] ? methods[m] : "not attached");
				indent = col;
				name = "";
			} else if (col + 1 + (int)strlen(probe) > 78) {
				col = fprintf(out, "\n%*s", indent, "") - 1;
			}
			col += fprintf(out, " %s", probe);
		}
		if (col)
			fputc('\n', out);
	}
}

void fr_info_wrapped(FILE *out, const char *name, int label, const char *s, bool wide)
{
	size_t n = strlen(s), room = label < 60 ? 80 - (size_t)label : 20;

	fprintf(out, "%-*s", label, name);
	/* between words where there are some */
	while (n > room && !wide) {
		size_t cut = room;

		while (cut > 20 && s[cut] != ' ')
			cut--;
		if (s[cut] != ' ')
			cut = room;
		fr_render_plain_n(out, s, cut);
		fprintf(out, "\n%*s", label, "");
		s += cut + (s[cut] == ' ');
		n = strlen(s);
	}
	fr_render_plain(out, s);
	fputc('\n', out);
}

/* The lines about what was recorded when: host, span, command, trigger */
static void print_origin(FILE *out, const cJSON *o, const struct fr_decoder *d)
{
	const cJSON *meta = fr_jget(o, "meta"), *host = fr_jget(meta, "host"), *x;
	const char *s = fr_jstr(meta, "tool", NULL);

	fprintf(out, "capture:     %s (%s)\n", fr_jstr(o, "file", NULL),
		cJSON_IsTrue(fr_jget(o, "complete")) ? "complete" : "incomplete or damaged");
	fprintf(out, "format:      %g (event ABI %g)%s%s\n", fr_jnum(o, "format", 0),
		fr_jnum(o, "abi", 0), s ? ", written by " : "", s ? s : "");
	if (meta)
		fprintf(out, "host:        %s, kernel %s (%s), %g CPUs\n", fr_jstr(host, "hostname", "?"),
			fr_jstr(host, "kernel", "?"), fr_jstr(host, "arch", "?"), fr_jnum(host, "cpus", 0));
	if (fr_jnum(o, "events", 0) > 0) {
		char t0[64], t1[64], dur[32];
		double span = fr_jnum(o, "last_ns", 0) - fr_jnum(o, "first_ns", 0);

		fr_render_time(d, (uint64_t)fr_jnum(o, "first_ns", 0), t0, sizeof(t0));
		fr_render_time(d, (uint64_t)fr_jnum(o, "last_ns", 0), t1, sizeof(t1));
		fprintf(out, "events:      %.0f in %.0f segments, over %s\n", fr_jnum(o, "events", 0),
			fr_jnum(o, "event_segments", 0),
			fr_fmt_duration(span > 0 ? (uint64_t)span : 0, dur, sizeof(dur)));
		fprintf(out, "from:        %s\nto:          %s\n", t0, t1);
	}
	if ((s = fr_jstr(meta, "command", NULL)))
		fr_info_wrapped(out, "command:", 13, s, d->wide);
	x = fr_jget(o, "trigger");
	if (cJSON_IsObject(x)) {
		fputs("trigger:     ", out);
		fr_render_firing(out, x, NULL);
		fputc('\n', out);
	}
}

void fr_info_text(FILE *out, const cJSON *o, const struct fr_decoder *d)
{
	const cJSON *meta = fr_jget(o, "meta"), *end = fr_jget(o, "end"), *x;
	const cJSON *ring = fr_jget(meta, "ring"), *counters;
	bool ringfile = cJSON_IsNumber(fr_jget(o, "max_size"));
	char b1[16], b2[16];

	print_origin(out, o, d);
	x = fr_jget(meta, "probes");
	if (cJSON_IsArray(x))
		fr_info_probes(out, x, 13);
	if (meta)
		fprintf(out, "ring:        %s (BPF buffer %s)\n",
			fr_fmt_bytes((uint64_t)fr_jnum(ring, "size", 0), b1, sizeof(b1)),
			fr_fmt_bytes((uint64_t)fr_jnum(ring, "bpf_buffer", 0), b2, sizeof(b2)));
	if (ringfile)
		fprintf(out, "file:        ring file of at most %s, written while recording\n",
			fr_fmt_bytes((uint64_t)fr_jnum(o, "max_size", 0), b1, sizeof(b1)));
	if (!end && (end = fr_jget(o, "status"))) {
		char at[64];

		fr_render_time(d, (uint64_t)fr_jnum(end, "ts", 0), at, sizeof(at));
		fprintf(out, "stopped:     not cleanly; counters as of %s\n", at);
	}
	if (fr_jnum(o, "events", 0) <= 0)
		fprintf(out, "events:      none\n");
	counters = fr_jget(end, "counters");
	if (end && ringfile)
		fprintf(out, "lost:        %.0f dropped (BPF buffer full), %.0f overwritten (file full),\n"
			     "             %.0f never written (aged out of memory before reaching the file)\n",
			fr_jnum(counters, "dropped", 0), fr_jnum(counters, "file_overwritten", 0),
			fr_jnum(counters, "unwritten", 0));
	else if (end)
		fprintf(out, "lost:        %.0f dropped (BPF buffer full), %.0f overwritten (ring full)\n",
			fr_jnum(counters, "dropped", 0), fr_jnum(counters, "overwritten", 0));
	fr_print_control(out, fr_jget(end, "control"), counters, d, 13);
	fprintf(out, "size:        %s raw, %s on disk (%.1fx)\n",
		fr_fmt_bytes((uint64_t)fr_jnum(o, "raw_bytes", 0), b1, sizeof(b1)),
		fr_fmt_bytes((uint64_t)fr_jnum(o, "file_bytes", 0), b2, sizeof(b2)),
		fr_jnum(o, "ratio", 0));
	if (cJSON_IsNumber(fr_jget(end, "exit_status")))
		fprintf(out, "exit status: %g\n", fr_jnum(end, "exit_status", 0));
}
