/* trigger_text.c: the trigger record of a capture as "# " lines: what
 * fired, and the context collected for it, one short section each. */
#include <stdbool.h>
#include <stdio.h>
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

/* s escaped as fr_render_plain does, in at most width columns (a UTF-8
 * sequence is one), cut with "..." when longer, padded with spaces to width
 * when pad. */
static void put_cut(FILE *out, const char *s, unsigned width, bool pad)
{
	char esc[1024];
	size_t n = 0, cut = 0;
	unsigned cols = 0, cut_cols = 0;

	for (s = s ? s : "?"; *s && n + 5 < sizeof(esc); s++) {
		unsigned char c = *s;

		if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(esc + n, sizeof(esc) - n, "\\x%02x", c);
		else
			esc[n++] = (char)c;
	}
	esc[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (((unsigned char)esc[i] & 0xc0) == 0x80)
			continue;	/* inside a UTF-8 sequence */
		if (cols + 3 <= width) {
			cut = i;
			cut_cols = cols;
		}
		if (++cols > width) {
			fprintf(out, "%.*s...", (int)cut, esc);
			cols = cut_cols + 3;
			goto padded;
		}
	}
	fputs(esc, out);
padded:
	while (pad && cols++ < width)
		fputc(' ', out);
}

/* "samples" shares: "12.3%" */
static double share(double x, double total)
{
	return total > 0 ? 100.0 * x / total : 0;
}

#define PROF_FUNC_W 33		/* the function's column, to fit 80 */
#define PROF_TASK_W 23		/* "comm pid" */

/* A function as a stack's frame reads: "read_zero", "ext4_map_blocks
 * [ext4]", "read (libc.so.6)", "[unknown] (dd)". */
static const char *func_label(const cJSON *f, bool kernel, char *buf, size_t len)
{
	const char *fn = fr_jstr(f, "function", "?"), *mod = fr_jstr(f, "module", NULL);

	if (!mod || (kernel && !strcmp(mod, "vmlinux")))
		snprintf(buf, len, "%s", fn);
	else
		snprintf(buf, len, kernel ? "%s [%s]" : "%s (%s)", fn, mod);
	return buf;
}

/* The hottest functions of one side (kernel or user) by self samples. */
static void print_functions(FILE *out, const cJSON *funcs, bool kernel, double samples)
{
	const cJSON *f;
	unsigned n = 0;

	cJSON_ArrayForEach(f, funcs) {
		const cJSON *top = cJSON_GetArrayItem(fr_jget(f, "processes"), 0);
		char task[48], label[640];

		if (cJSON_IsTrue(fr_jget(f, "kernel")) != kernel)
			continue;
		if (fr_jnum(f, "self", 0) <= 0 || n >= 8)
			break;
		if (!n++)
			fprintf(out, "#     %6s  %6s  %-*s  process\n", "self", "total", PROF_FUNC_W,
				kernel ? "kernel function" : "user function");
		fprintf(out, "#     %5.1f%%  %5.1f%%  ", share(fr_jnum(f, "self", 0), samples),
			share(fr_jnum(f, "total", 0), samples));
		put_cut(out, func_label(f, kernel, label, sizeof(label)), PROF_FUNC_W, top != NULL);
		if (top) {
			snprintf(task, sizeof(task), "%s %.0f", fr_jstr(top, "comm", "?"),
				 fr_jnum(top, "pid", 0));
			fputs("  ", out);
			put_cut(out, task, PROF_TASK_W, false);
		}
		fputc('\n', out);
	}
}

/* "by process: 98.6% dd 4242, 0.8% kdamond.0 77", as many as fit */
static void print_processes(FILE *out, const cJSON *procs, double samples)
{
	const cJSON *p;
	unsigned col = 0;

	cJSON_ArrayForEach(p, procs) {
		char item[64];
		int len = snprintf(item, sizeof(item), "%.1f%% %s %.0f",
				   share(fr_jnum(p, "samples", 0), samples), fr_jstr(p, "comm", "?"),
				   fr_jnum(p, "pid", 0));

		if (!col) {
			fputs("#     by process: ", out);
			col = 18;
		} else if (col + 2 + (unsigned)len > 80) {
			break;
		} else {
			fputs(", ", out);
			col += 2;
		}
		put_cut(out, item, 80 - col, false);
		col += (unsigned)len;
	}
	if (col)
		fputc('\n', out);
}

/* Captures made before profiles were aggregated by function: their
 * hottest stacks. */
static void print_stacks(FILE *out, const cJSON *x)
{
	const cJSON *st = fr_jget(x, "stacks");
	unsigned n_ = 0;

	fputs("#     hottest stacks (leaf first):\n", out);
	EACH(st, s, 5) {
		fprintf(out, "#     %.0f samples  %.0f ", fr_jnum(s, "count", 0), fr_jnum(s, "pid", 0));
		fr_render_plain(out, jstr(s, "comm"));
		fputc('\n', out);
		print_stack(out, "#         ", fr_jget(s, "kernel"), 16);
		print_stack(out, "#         ", fr_jget(s, "user"), 16);
	}
}

static void print_profile(FILE *out, const cJSON *x)
{
	const cJSON *funcs = fr_jget(x, "functions");
	double samples = fr_jnum(x, "samples", 0);
	char b[32];

	if (!cJSON_IsObject(x))
		return;
	fputs("#   ", out);
	fr_render_plain(out, jstr(x, "event"));
	fprintf(out, " profile over %s", fr_fmt_duration(fr_jcount(x, "duration_ns"), b, sizeof(b)));
	if (!strcmp(fr_jstr(x, "unit", ""), "Hz"))
		fprintf(out, " at %.0f Hz", fr_jnum(x, "rate", 0));
	else if (!strcmp(fr_jstr(x, "kind", ""), "faults"))
		fprintf(out, ", a sample every %.0f faults", fr_jnum(x, "rate", 0));
	fprintf(out, ": %.0f samples, %.0f lost\n", samples, fr_jnum(x, "lost", 0));
	if (!cJSON_IsArray(funcs)) {
		print_stacks(out, x);
		return;
	}
	fprintf(out, "#     %.1f%% in the kernel, %.1f%% in user space\n",
		share(fr_jnum(x, "kernel_samples", 0), samples),
		share(fr_jnum(x, "user_samples", 0), samples));
	print_processes(out, fr_jget(x, "processes"), samples);
	print_functions(out, funcs, true, samples);
	print_functions(out, funcs, false, samples);
	fputs("#     every stack: dump -F folded\n", out);
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

/* "cpu.sys = 63.2% (cpu.sys > 45% for 5s)" */
static void what_fired(FILE *out, const cJSON *t)
{
	fr_render_plain(out, jstr(t, "metric"));
	fputs(" = ", out);
	fr_render_plain(out, jstr(t, "value_text"));
	fputs(" (", out);
	fr_render_plain(out, jstr(t, "condition"));
	fputs(")", out);
}

void fr_render_firing(FILE *out, const cJSON *t, const char *when)
{
	fr_render_plain(out, jstr(t, "detector"));
	if (when)
		fprintf(out, " fired at %s: ", when);
	else
		fputs(" fired: ", out);
	what_fired(out, t);
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
	what_fired(out, t);
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

cJSON *fr_firing_summary(const cJSON *t, const cJSON *headline, const char *path,
			 int64_t boot_to_wall)
{
	static const char *const keep[] = { "detector", "metric", "value", "value_text", "threshold",
					    "condition", "when", "detail", "time_ns", "capture" };
	cJSON *o = cJSON_CreateObject();
	struct fr_decoder d = { .boot_to_wall = boot_to_wall };
	char when[64];

	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "fired", true);
	cJSON_AddStringToObject(o, "path", path);
	fr_render_time_iso(&d, fr_jcount(t, "time_ns"), when, sizeof(when));
	cJSON_AddStringToObject(o, "time", when);
	for (size_t i = 0; i < FR_ARRAY_SIZE(keep); i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(t, keep[i]);

		if (x)
			cJSON_AddItemToObject(o, keep[i], cJSON_Duplicate(x, true));
	}
	cJSON_AddItemToObject(o, "headline", headline ? cJSON_Duplicate(headline, true)
						      : cJSON_CreateArray());
	return o;
}
