/* stats_text.c: the stats model (stats.h) as text for people: the capture,
 * what was lost and what fired, then one table or histogram a section. */
#include <stdint.h>
#include <string.h>

#include "report/headline.h"
#include "report/info.h"
#include "report/model.h"
#include "report/render.h"
#include "report/stats_render.h"
#include "base/util.h"

static double n_at(const cJSON *o, const char *k)
{
	return fr_jnum(o, k, 0);
}

static const char *dur(uint64_t ns, char *b, size_t len)
{
	return fr_fmt_duration(ns, b, len);
}

static void print_hist_bars(FILE *out, const cJSON *h)
{
	const cJSON *x, *a = fr_jget(h, "log2_histogram");
	double maxc = 0;
	char b1[32], b2[32];

	cJSON_ArrayForEach(x, a)
		if (n_at(x, "count") > maxc)
			maxc = n_at(x, "count");
	cJSON_ArrayForEach(x, a) {
		int bar = maxc > 0 ? (int)(40 * n_at(x, "count") / maxc + 0.5) : 0;

		fprintf(out, "  %10s .. %-10s %10.0f |", dur(fr_jcount(x, "from_ns"), b1, sizeof(b1)),
			dur(fr_jcount(x, "to_ns"), b2, sizeof(b2)), n_at(x, "count"));
		for (int i = 0; i < bar; i++)
			fputc('#', out);
		fputc('\n', out);
	}
}

/* capture, time, events, what was lost and what it means for the figures */
static void print_head(FILE *out, const cJSON *m, const struct fr_decoder *dec)
{
	const cJSON *t = fr_jget(m, "time"), *ev = fr_jget(m, "events"), *loss = fr_jget(m, "loss"), *x;
	uint64_t first = fr_jcount(t, "first_ns"), last = fr_jcount(t, "last_ns");
	char b1[32], t0[64], t1[64];
	double lost;

	fr_render_time(dec, first, t0, sizeof(t0));
	fr_render_time(dec, last, t1, sizeof(t1));
	fputs("capture:  ", out);
	fr_render_plain(out, cJSON_GetStringValue(fr_jget(fr_jget(m, "capture"), "file")));
	fprintf(out, " (%s)\n", cJSON_IsTrue(fr_jget(loss, "complete")) ? "complete" : "incomplete or damaged");
	/* the day once when both ends are on it */
	fprintf(out, "time:     %s to %s, %s\n", t0,
		strlen(t0) > 11 && !strncmp(t0, t1, 11) && t1[10] == ' ' ? t1 + 11 : t1,
		dur(last - first, b1, sizeof(b1)));
	fr_print_control(out, fr_jget(m, "control"), loss, dec, 10);
	{
		/* wrapped at 80 columns, the rest indented */
		int col = fprintf(out, "events:   %.0f:", n_at(ev, "total"));

		cJSON_ArrayForEach(x, fr_jget(ev, "by_type")) {
			char item[64];
			int n = snprintf(item, sizeof(item), " %s %.0f%s", x->string, x->valuedouble,
					 x->next ? "," : "");

			if (!dec->wide && col + n > 80) {
				fputs("\n         ", out);
				col = 9;
			}
			fputs(item, out);
			col += n;
		}
		fputc('\n', out);
	}
	lost = n_at(loss, "dropped") + n_at(loss, "overwritten") + n_at(loss, "file_overwritten") +
	       n_at(loss, "unwritten");
	if (!cJSON_GetArraySize(fr_jget(loss, "affected")) && !lost) {
		fputs("lost:     nothing: the figures below cover everything recorded\n", out);
	} else {
		fprintf(out, "lost:     %.0f dropped (BPF buffer full), %.0f overwritten (ring full)\n",
			n_at(loss, "dropped"), n_at(loss, "overwritten"));
		if (n_at(loss, "file_overwritten") || n_at(loss, "unwritten"))
			fprintf(out, "          %.0f overwritten in the file, %.0f never written\n",
				n_at(loss, "file_overwritten"), n_at(loss, "unwritten"));
	}
	/* what the loss means, figure by figure */
	cJSON_ArrayForEach(x, fr_jget(loss, "affected")) {
		fputs("          ", out);
		fr_render_plain(out, cJSON_GetStringValue(fr_jget(x, "figures")));
		fputs(": ", out);
		fr_render_plain(out, cJSON_GetStringValue(fr_jget(x, "how")));
		fputc('\n', out);
	}
	if (n_at(ev, "crashes") || n_at(ev, "oom_kills"))
		fprintf(out, "fatal:    %.0f processes crashed, %.0f killed by the OOM killer\n",
			n_at(ev, "crashes"), n_at(ev, "oom_kills"));
	if ((x = fr_jget(m, "trigger"))) {
		fputc('\n', out);
		fr_render_trigger_text(out, dec, x, NULL);
	}
}

static void print_marks(FILE *out, const cJSON *m)
{
	uint64_t first = fr_jcount(fr_jget(m, "time"), "first_ns");
	const cJSON *x;
	char b1[32];

	if (!cJSON_GetArraySize(fr_jget(m, "marks")))
		return;
	fprintf(out, "marks:    %.0f\n", n_at(m, "marks_total"));
	cJSON_ArrayForEach(x, fr_jget(m, "marks")) {
		const cJSON *kv;

		fprintf(out, "  +%-10s ", dur(fr_jcount(x, "ts_ns") - first, b1, sizeof(b1)));
		fr_render_plain(out, cJSON_GetStringValue(fr_jget(x, "name")));
		if (fr_jget(x, "span"))
			fprintf(out, " (%s of %s)", cJSON_GetStringValue(fr_jget(x, "span")),
				cJSON_GetStringValue(fr_jget(x, "trace")));
		cJSON_ArrayForEach(kv, fr_jget(x, "meta")) {
			fputc(' ', out);
			fr_render_plain(out, kv->string);
			fputc('=', out);
			fr_render_plain(out, cJSON_GetStringValue(kv));
		}
		fputc('\n', out);
	}
	if (n_at(m, "marks_total") > cJSON_GetArraySize(fr_jget(m, "marks")))
		fprintf(out, "  (%.0f more in the capture: flightrec dump -t mark)\n",
			n_at(m, "marks_total") - cJSON_GetArraySize(fr_jget(m, "marks")));
}

static void print_cpu(FILE *out, const cJSON *m, bool wide)
{
	const cJSON *x = fr_jget(m, "cpu"), *a = fr_jget(x, "processes"), *p;
	char b1[32], b2[32], b3[32], b4[32];

	if (!cJSON_GetArraySize(a))
		return;
	fprintf(out, "\nCPU time by process, from sched_switch (top %d of %.0f; %s on CPU in all):\n",
		cJSON_GetArraySize(a), n_at(x, "processes_seen"), dur(fr_jcount(x, "total_ns"), b1, sizeof(b1)));
	/* 77 columns; --wide adds the time runnable and the system calls */
	fprintf(out, "  %7s %-15s %9s %6s %7s %6s %9s %9s", "PID", "COMM", "ON-CPU", "%CPU", "SWITCH",
		"INVOL", "RUNQ-P99", "D-STATE");
	if (wide)
		fprintf(out, " %9s %9s", "RUNNABLE", "SYSCALLS");
	fputc('\n', out);
	cJSON_ArrayForEach(p, a) {
		const cJSON *off = fr_jget(p, "offcpu_ns"), *rq = fr_jget(p, "runqueue");
		/* the name from the file, padded, control bytes escaped */
		const char *c = cJSON_GetStringValue(fr_jget(p, "comm"));
		char name[17];
		size_t i = 0, max = wide ? 16 : 15;

		for (; c && c[i] && i < max; i++)
			name[i] = (unsigned char)c[i] < 0x20 || c[i] == 0x7f ? '?' : c[i];
		name[i] = 0;
		fprintf(out, "  %7.0f %-15s %9s %6.1f %7.0f %6.0f %9s %9s", n_at(p, "pid"), name,
			dur(fr_jcount(p, "oncpu_ns"), b1, sizeof(b1)), n_at(p, "cpu_percent"),
			n_at(p, "switches"), n_at(p, "involuntary"),
			rq ? dur(fr_jcount(rq, "p99_ns"), b2, sizeof(b2)) : "-",
			dur(fr_jcount(off, "dstate"), b4, sizeof(b4)));
		if (wide)
			fprintf(out, " %9s %9.0f", dur(fr_jcount(off, "runnable"), b3, sizeof(b3)),
				n_at(p, "syscalls"));
		fputc('\n', out);
	}
	if (n_at(x, "processes_left_out"))
		fprintf(out, "  (%.0f other processes only shared a CPU with these: not recorded, left out)\n",
			n_at(x, "processes_left_out"));
}

/* run-queue latency and its histogram, off-CPU time by state */
static void print_waits(FILE *out, const cJSON *m)
{
	const cJSON *x = fr_jget(m, "runqueue");
	char b1[32], b2[32], b3[32], b4[32];

	if (n_at(x, "count")) {
		fprintf(out, "\nRun-queue latency (wakeup or preemption to running): %.0f waits\n"
			"  p50 %s, p90 %s, p99 %s, max %s\n", n_at(x, "count"), dur(fr_jcount(x, "p50_ns"), b1, sizeof(b1)),
			dur(fr_jcount(x, "p90_ns"), b2, sizeof(b2)), dur(fr_jcount(x, "p99_ns"), b3, sizeof(b3)),
			dur(fr_jcount(x, "max_ns"), b4, sizeof(b4)));
		print_hist_bars(out, x);
	}
	x = fr_jget(m, "offcpu");
	if (n_at(x, "runnable") || n_at(x, "sleeping") || n_at(x, "dstate"))
		fprintf(out, "\nOff-CPU time, all recorded tasks:\n"
			"  runnable (waiting for a CPU) %s, sleeping %s, D state %s\n", dur(fr_jcount(x, "runnable"), b1, sizeof(b1)),
			dur(fr_jcount(x, "sleeping"), b2, sizeof(b2)), dur(fr_jcount(x, "dstate"), b3, sizeof(b3)));
	if (n_at(x, "open_at_end"))
		fprintf(out, "  (%.0f tasks were still off a CPU at the end: counted up to it)\n",
			n_at(x, "open_at_end"));
}

static void print_syscalls(FILE *out, const cJSON *m)
{
	const cJSON *x = fr_jget(m, "syscalls"), *a = fr_jget(x, "by_name"), *s;
	char b1[32], b2[32], b3[32], b4[32];

	if (!cJSON_GetArraySize(a))
		return;
	fprintf(out, "\nSystem calls: %.0f calls, %.0f errors (top %d by total time):\n",
		n_at(x, "count"), n_at(x, "errors"), cJSON_GetArraySize(a));
	fprintf(out, "  %-16s %9s %7s %9s %9s %9s %9s\n", "SYSCALL", "CALLS", "ERRORS", "TOTAL",
		"P50", "P99", "MAX");
	cJSON_ArrayForEach(s, a)
		fprintf(out, "  %-16.16s %9.0f %7.0f %9s %9s %9s %9s\n",
			cJSON_GetStringValue(fr_jget(s, "name")) ? cJSON_GetStringValue(fr_jget(s, "name")) : "?",
			n_at(s, "calls"), n_at(s, "errors"), dur(fr_jcount(s, "total_ns"), b1, sizeof(b1)),
			dur(fr_jcount(s, "p50_ns"), b2, sizeof(b2)), dur(fr_jcount(s, "p99_ns"), b3, sizeof(b3)),
			dur(fr_jcount(s, "max_ns"), b4, sizeof(b4)));
	if (n_at(x, "unpaired"))
		fprintf(out, "  (%.0f calls entered before the capture began: counted, not timed)\n",
			n_at(x, "unpaired"));
}

static void print_block(FILE *out, const cJSON *m)
{
	const cJSON *a = fr_jget(fr_jget(m, "block"), "devices"), *d;
	char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];

	if (!cJSON_GetArraySize(a))
		return;
	fputs("\nBlock I/O by device (issue to completion):\n", out);
	cJSON_ArrayForEach(d, a) {
		fputs("  ", out);
		fr_render_plain(out, cJSON_GetStringValue(fr_jget(d, "dev")));
		fprintf(out, ": %.0f requests, %s (read %s, written %s), %.1f IOPS\n"
			"    p50 %s, p99 %s, max %s\n",
			n_at(d, "requests"), fr_fmt_bytes(fr_jcount(d, "bytes"), b1, sizeof(b1)),
			fr_fmt_bytes(fr_jcount(d, "read_bytes"), b2, sizeof(b2)),
			fr_fmt_bytes(fr_jcount(d, "write_bytes"), b3, sizeof(b3)), n_at(d, "iops"),
			dur(fr_jcount(d, "p50_ns"), b4, sizeof(b4)), dur(fr_jcount(d, "p99_ns"), b5, sizeof(b5)),
			dur(fr_jcount(d, "max_ns"), b6, sizeof(b6)));
		print_hist_bars(out, d);
	}
}

void fr_stats_text(FILE *out, const cJSON *m, const struct fr_decoder *dec)
{
	if (cJSON_GetArraySize(fr_jget(m, "headline"))) {
		fputs("what happened:\n", out);
		fr_headline_text(out, fr_jget(m, "headline"), "  ", 80);
		fputc('\n', out);
	}
	print_head(out, m, dec);
	print_marks(out, m);
	print_cpu(out, m, dec->wide);
	print_waits(out, m);
	print_syscalls(out, m);
	print_block(out, m);
}
