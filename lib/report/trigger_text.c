/* trigger_text.c: the trigger record of a capture as "# " lines: what
 * fired, and the context collected for it, one short section each. */
#include <string.h>

#include "report/headline.h"
#include "report/model.h"
#include "report/render.h"
#include "base/util.h"

static const char *jstr(const cJSON *o, const char *k)
{
	return fr_jstr(o, k, NULL);
}

static void task_line(FILE *out, const cJSON *t)
{
	fprintf(out, "%.0f/%.0f ", fr_jnum(t, "pid", 0), fr_jnum(t, "tid", fr_jnum(t, "pid", 0)));
	fr_render_plain(out, jstr(t, "comm"));
}

/* At most max items of an array */
#define EACH(arr, it, max) \
	for (const cJSON *it = cJSON_IsArray(arr) ? (arr)->child : NULL; it && n_++ < (max); it = it->next)

static void print_stack(FILE *out, const char *indent, const cJSON *frames, unsigned max)
{
	unsigned n_ = 0;

	EACH(frames, f, max) {
		fputs(indent, out);
		fr_render_plain(out, cJSON_IsString(f) ? f->valuestring : "?");
		fputc('\n', out);
	}
}

static void print_fatal(FILE *out, const cJSON *x)
{
	fputs("#   fatal: ", out);
	task_line(out, x);
	if (jstr(x, "signal")) {
		fputs(" killed by ", out);
		fr_render_plain(out, jstr(x, "signal"));
	} else {
		fputs(" killed by the OOM killer", out);
	}
	fputc('\n', out);
}

static void print_top_cpu(FILE *out, const cJSON *x)
{
	unsigned n_ = 0;

	fputs("#   top CPU users over the post-window:\n", out);
	EACH(x, p, 10) {
		fprintf(out, "#     %5.1f%%  %.0f ", fr_jnum(p, "cpu_percent", 0), fr_jnum(p, "pid", 0));
		fr_render_plain(out, jstr(p, "comm"));
		fputc('\n', out);
	}
}

static void print_growers(FILE *out, const cJSON *x)
{
	unsigned n_ = 0;
	char b1[32], b2[32];

	fputs("#   top growers of resident memory:\n", out);
	EACH(x, p, 10) {
		fprintf(out, "#     +%s (now %s)  %.0f ",
			fr_fmt_bytes(fr_jcount(p, "growth_bytes"), b1, sizeof(b1)),
			fr_fmt_bytes(fr_jcount(p, "rss_bytes"), b2, sizeof(b2)),
			fr_jnum(p, "pid", 0));
		fr_render_plain(out, jstr(p, "comm"));
		fputc('\n', out);
	}
}

static void print_dstate(FILE *out, const cJSON *x)
{
	unsigned n_ = 0;

	fprintf(out, "#   tasks in D state at the firing: %d\n", cJSON_GetArraySize(x));
	EACH(x, p, 32) {
		fputs("#     ", out);
		task_line(out, p);
		if (jstr(p, "wchan")) {
			fputs(" wchan=", out);
			fr_render_plain(out, jstr(p, "wchan"));
		}
		fputc('\n', out);
		print_stack(out, "#         ", fr_jget(p, "stack"), 32);
	}
}

static void print_runqueue(FILE *out, const cJSON *x)
{
	const cJSON *w = fr_jget(x, "waiters"), *i = fr_jget(x, "interferers");
	char b1[32], b2[32];
	unsigned n_ = 0;

	fputs("#   waited on the run queue (total, longest, times):\n", out);
	EACH(w, p, 10) {
		fprintf(out, "#     %s %s %.0f  ", fr_fmt_duration(fr_jcount(p, "wait_ns"), b1, sizeof(b1)),
			fr_fmt_duration(fr_jcount(p, "max_wait_ns"), b2, sizeof(b2)), fr_jnum(p, "waits", 0));
		task_line(out, p);
		fputc('\n', out);
	}
	fputs("#   ran while others waited (time, on-CPU total):\n", out);
	n_ = 0;
	EACH(i, p, 10) {
		fprintf(out, "#     %s %s  ",
			fr_fmt_duration(fr_jcount(p, "while_others_waited_ns"), b1, sizeof(b1)),
			fr_fmt_duration(fr_jcount(p, "oncpu_ns"), b2, sizeof(b2)));
		task_line(out, p);
		fputc('\n', out);
	}
}

static void print_io(FILE *out, const cJSON *x)
{
	char b1[32], b2[32], b3[32], b4[32];
	unsigned n_ = 0;

	fputs("#   I/O by process and device (requests, bytes, total, p99, max):\n", out);
	EACH(x, p, 10) {
		fprintf(out, "#     %.0f ", fr_jnum(p, "pid", 0));
		fr_render_plain(out, jstr(p, "comm"));
		fputc(' ', out);
		fr_render_plain(out, jstr(p, "dev"));
		fprintf(out, "  %.0f %s %s %s %s\n", fr_jnum(p, "requests", 0),
			fr_fmt_bytes(fr_jcount(p, "bytes"), b1, sizeof(b1)),
			fr_fmt_duration(fr_jcount(p, "total_ns"), b2, sizeof(b2)),
			fr_fmt_duration(fr_jcount(p, "p99_ns"), b3, sizeof(b3)),
			fr_fmt_duration(fr_jcount(p, "max_ns"), b4, sizeof(b4)));
	}
}

static void print_profile(FILE *out, const cJSON *x)
{
	const cJSON *st = fr_jget(x, "stacks");
	unsigned n_ = 0;

	if (!cJSON_IsObject(x))
		return;
	fputs("#   ", out);
	fr_render_plain(out, jstr(x, "event"));
	fprintf(out, " profile: %.0f samples; hottest stacks (leaf first):\n", fr_jnum(x, "samples", 0));
	EACH(st, s, 5) {
		fprintf(out, "#     %.0f samples  %.0f ", fr_jnum(s, "count", 0), fr_jnum(s, "pid", 0));
		fr_render_plain(out, jstr(s, "comm"));
		fputc('\n', out);
		print_stack(out, "#         ", fr_jget(s, "kernel"), 16);
		print_stack(out, "#         ", fr_jget(s, "user"), 16);
	}
}

/* The sections of the context, in the order they print; a detector
 * collects some of them. */
static const struct {
	const char *key;
	void (*print)(FILE *out, const cJSON *x);
} sections[] = {
	{ "fatal", print_fatal },
	{ "top_cpu", print_top_cpu },
	{ "top_growers", print_growers },
	{ "dstate", print_dstate },
	{ "runqueue", print_runqueue },
	{ "io", print_io },
	{ "profile", print_profile },
};

void fr_render_firing(FILE *out, const cJSON *t, const char *when)
{
	fr_render_plain(out, jstr(t, "detector"));
	if (when)
		fprintf(out, " fired at %s: ", when);
	else
		fputs(" fired: ", out);
	fr_render_plain(out, jstr(t, "metric"));
	fputs(" = ", out);
	fr_render_plain(out, jstr(t, "value_text"));
	fputs(" (", out);
	fr_render_plain(out, jstr(t, "condition"));
	fputs(")", out);
}

void fr_render_firing_line(FILE *out, const cJSON *t, const cJSON *headline, const char *when,
			   const char *path, unsigned width)
{
	const char *finding = fr_jstr(cJSON_GetArrayItem(headline, 0), "finding", NULL);
	char head[160];
	int hl, avail;

	hl = snprintf(head, sizeof(head), "%s %s = %s", when, fr_jstr(t, "metric", "?"),
		      fr_jstr(t, "value_text", "?"));
	fr_render_plain(out, head);
	/* the room left for the finding: when a long path leaves too little
	 * to name the process, the line is long anyway, and the finding whole */
	avail = (int)width - hl - 2 - 4 - (int)strlen(path);
	if (finding && *finding) {
		size_t n = strlen(finding);

		fputs(": ", out);
		if (width && avail >= 24 && n > (size_t)avail) {
			size_t cut = (size_t)avail - 3;

			while (cut && ((unsigned char)finding[cut] & 0xc0) == 0x80)
				cut--;
			fprintf(out, "%.*s...", (int)cut, finding);
		} else {
			fputs(finding, out);
		}
	}
	fputs(" -> ", out);
	fr_render_plain(out, path);
	fputc('\n', out);
}

static void print_fired(FILE *out, const struct fr_decoder *d, const cJSON *t)
{
	/* the window written, which a stop may have cut short */
	uint64_t at = fr_jcount(t, "time_ns"), ws = fr_jcount(t, "window_start_ns");
	uint64_t we = fr_jcount(t, "window_end_ns");
	char when[64], b1[32], b2[32];

	fr_render_time(d, at, when, sizeof(when));
	/* two lines, each within 80 columns: when, then what */
	fputs("# trigger: ", out);
	fr_render_plain(out, jstr(t, "detector"));
	fprintf(out, " fired at %s\n#   ", when);
	fr_render_plain(out, jstr(t, "metric"));
	fputs(" = ", out);
	fr_render_plain(out, jstr(t, "value_text"));
	fputs(" (", out);
	fr_render_plain(out, jstr(t, "condition"));
	fputs(")", out);
	if (jstr(t, "detail")) {
		fputs(" [", out);
		fr_render_plain(out, jstr(t, "detail"));
		fputs("]", out);
	}
	fprintf(out, "\n#   when '");
	fr_render_plain(out, jstr(t, "when"));
	if (ws && we && ws <= at && we >= at)
		fprintf(out, "'; window %s before, %s after", fr_fmt_duration(at - ws, b1, sizeof(b1)),
			fr_fmt_duration(we - at, b2, sizeof(b2)));
	else
		fprintf(out, "'; window %s before, %s after",
			fr_fmt_duration(fr_jcount(t, "pre_ns"), b1, sizeof(b1)),
			fr_fmt_duration(fr_jcount(t, "post_ns"), b2, sizeof(b2)));
	fputc('\n', out);
}

void fr_render_trigger_text(FILE *out, const struct fr_decoder *d, const cJSON *t,
			    const cJSON *headline)
{
	const cJSON *ctx = fr_jget(t, "context"), *x;

	if (!cJSON_IsObject(t))
		return;
	print_fired(out, d, t);
	if (cJSON_GetArraySize(headline)) {
		fputs("# what happened:\n", out);
		fr_headline_text(out, headline, "#   ", 80);
	}
	if (!cJSON_IsObject(ctx))
		return;
	for (unsigned i = 0; i < FR_ARRAY_SIZE(sections); i++)
		if ((x = fr_jget(ctx, sections[i].key)))
			sections[i].print(out, x);
}
