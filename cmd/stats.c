/* stats.c: flightrec stats: summarise a capture (CPU by process, run-queue
 * latency, off-CPU time, system calls, block I/O, what fired), as text,
 * JSON or Prometheus metrics; compare it with a baseline and fail a CI job
 * on a regression. Needs no privileges. */
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "live_client.h"
#include "capture/capture.h"
#include "control/control.h"
#include "capture/event.h"
#include "base/log.h"
#include "report/render.h"
#include "report/stats.h"
#include "base/util.h"

enum stats_format { SF_TEXT, SF_JSON, SF_PROM };

#define MAX_FAIL_IF 32

struct gate {
	const char *src;
	char metric[128];
	int cmp;		/* 0 >, 1 >=, 2 <, 3 <= */
	double value;		/* absolute, in ns / bytes / count */
	bool relative;		/* value is a change in percent of the baseline */
};

struct stats_opts {
	const char *file, *baseline;
	enum stats_format format;
	uint64_t top;
	struct gate gates[MAX_FAIL_IF];
	unsigned ngates;
	const char *name;	/* a running recorder */
	uint8_t trace_id[16];
	bool has_trace;
};

enum { OPT_BASELINE = 0x100, OPT_FAIL_IF, OPT_TOP, OPT_NAME, OPT_TRACE_ID };

static const struct argp_option options[] = {
	{ "format", 'F', "FORMAT", 0, "Output format: text (default), json or prometheus", 0 },
	{ "top", OPT_TOP, "N", 0, "Rows in the process and system call tables (default: 10)", 0 },
	{ "name", OPT_NAME, "NAME", 0, "Without FILE: the running recorder to ask (default: the "
	  "only one running)", 0 },
	{ "trace-id", OPT_TRACE_ID, "ID", 0, "Summarise only the events labelled with this trace id "
	  "(32 hex digits) and the marks that carry it", 0 },
	{ "baseline", OPT_BASELINE, "BASE", 0, "Compare with the capture BASE: --fail-if may then "
	  "give changes relative to it (+20%)", 1 },
	{ "fail-if", OPT_FAIL_IF, "COND", 0, "Exit 1 when COND holds: METRIC OP VALUE[UNIT], OP one "
	  "of > >= < <=; VALUE a change against --baseline (+20%, -10%) or an absolute figure "
	  "(2ms, 1MB, 500); repeatable. E.g. 'runqueue.p99 > +20%', 'syscalls.read.p99 > 2ms'", 1 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Give this help list", 2 },
	{ 0 },
};

static const char doc[] =
	"Summarise a capture: time range, events by type, what was lost, what fired, CPU time "
	"and context switches by process, run-queue latency, off-CPU time by state, system "
	"calls by name, block I/O by device."
	"\v"
	"Without FILE, asks a running recorder (--name, or the only one running) for its live "
	"figures: uptime, events by type and their rate, what was dropped and overwritten, the "
	"ring's size and fill, the probes and how each is attached, and the recorder's own CPU "
	"time and memory; text or json. With --trace-id too, summarises a snapshot of its ring.\n\n"
	"METRIC names a figure of the summary: runqueue.p50|p90|p99|max|count, "
	"syscalls.NAME.p50|p99|max|total|count|errors, syscalls.count|errors, "
	"block.DEV.p50|p99|max|requests|bytes|iops, cpu.total, offcpu.runnable|sleeping|dstate, "
	"events.total|TYPE, loss.dropped|overwritten. Times are compared in the unit given "
	"(ns, us, ms, s); sizes in B, KB, MB, GB.\n\n"
	"Exit status: 0, or 1 when a --fail-if condition holds, or the capture could not be "
	"read whole; 2 on a usage error (a bad --fail-if among them).\n\n"
	"Examples:\n"
	"  flightrec stats cap.frec\n"
	"  flightrec stats                    # the running recorder\n"
	"  flightrec stats --name web -F json\n"
	"  flightrec stats -F json cap.frec | jq .runqueue\n"
	"  flightrec stats -F prometheus cap.frec > /var/lib/node_exporter/flightrec.prom\n"
	"  flightrec stats new.frec --baseline base.frec --fail-if 'runqueue.p99 > +20%' \\\n"
	"      --fail-if 'syscalls.read.p99 > 2ms'";

/* ---- --fail-if ---- */

static void gate_error(const char *src, size_t pos, size_t len, const char *msg)
{
	fprintf(stderr, "flightrec stats: bad --fail-if '%s': %s\n  %s\n  ", src, msg, src);
	for (size_t i = 0; i < pos; i++)
		fputc(' ', stderr);
	for (size_t i = 0; i < (len ? len : 1); i++)
		fputc('^', stderr);
	fputs("\n  e.g. --fail-if 'runqueue.p99 > +20%' or --fail-if 'syscalls.read.p99 > 2ms'\n",
	      stderr);
	exit(FR_EXIT_USAGE);
}

static void parse_gate(const char *src, struct gate *g)
{
	const char *p = src, *t;
	char *end;
	bool sign = false;
	double mult = 1;

	g->src = src;
	while (isspace((unsigned char)*p))
		p++;
	t = p;
	while (*p && (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-'))
		p++;
	if (p == t)
		gate_error(src, (size_t)(t - src), 1, "expected a metric, e.g. runqueue.p99");
	if ((size_t)(p - t) >= sizeof(g->metric) || !memchr(t, '.', (size_t)(p - t)))
		gate_error(src, (size_t)(t - src), (size_t)(p - t),
			   "not a metric: see 'flightrec stats --help' for their names");
	memcpy(g->metric, t, (size_t)(p - t));
	g->metric[p - t] = 0;
	while (isspace((unsigned char)*p))
		p++;
	t = p;
	if (p[0] == '>' && p[1] == '=')
		g->cmp = 1, p += 2;
	else if (p[0] == '<' && p[1] == '=')
		g->cmp = 3, p += 2;
	else if (p[0] == '>')
		g->cmp = 0, p += 1;
	else if (p[0] == '<')
		g->cmp = 2, p += 1;
	else
		gate_error(src, (size_t)(t - src), 1, "expected a comparison: >, >=, < or <=");
	while (isspace((unsigned char)*p))
		p++;
	t = p;
	sign = *p == '+' || *p == '-';
	errno = 0;
	g->value = strtod(p, &end);
	if (end == p || errno || !isfinite(g->value) || isspace((unsigned char)p[sign]))
		gate_error(src, (size_t)(t - src), 1, "expected a value: +20% (against --baseline), 2ms, 1MB or 500");
	p = end;
	t = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (p == t) {
		mult = 1;
	} else if (p - t == 1 && *t == '%') {
		if (!sign)
			gate_error(src, (size_t)(t - src), 1,
				   "a change against --baseline has a sign: +20% or -10%");
		g->relative = true;
	} else {
		static const struct { const char *u; double m; } units[] = {
			{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
			{ "B", 1 }, { "KB", 1024 }, { "MB", 1048576 }, { "GB", 1073741824.0 },
		};
		bool found = false;

		for (unsigned i = 0; i < FR_ARRAY_SIZE(units); i++)
			if (strlen(units[i].u) == (size_t)(p - t) && !strncmp(units[i].u, t, (size_t)(p - t))) {
				mult = units[i].m;
				found = true;
			}
		if (!found)
			gate_error(src, (size_t)(t - src), (size_t)(p - t),
				   "unknown unit: use ns, us, ms, s, B, KB, MB, GB, or % with a sign");
	}
	g->value *= mult;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		gate_error(src, (size_t)(p - src), strlen(p), "unexpected text after the value");
}

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct stats_opts *o = state->input;

	switch (key) {
	case 'F':
		if (!strcmp(arg, "text"))
			o->format = SF_TEXT;
		else if (!strcmp(arg, "json"))
			o->format = SF_JSON;
		else if (!strcmp(arg, "prometheus"))
			o->format = SF_PROM;
		else
			argp_error(state, "bad --format '%s': expected text, json or prometheus", arg);
		break;
	case OPT_TOP:
		if (fr_parse_u64(arg, 1, 100000, &o->top))
			argp_error(state, "bad --top '%s': expected a number of rows", arg);
		break;
	case OPT_BASELINE:
		o->baseline = arg;
		break;
	case OPT_NAME:
		o->name = fr_opt_recorder(state, "--name", arg);
		break;
	case OPT_TRACE_ID:
		fr_opt_trace_id(state, arg, o->trace_id);
		o->has_trace = true;
		break;
	case OPT_FAIL_IF:
		if (o->ngates == MAX_FAIL_IF)
			argp_error(state, "too many --fail-if (at most %d)", MAX_FAIL_IF);
		parse_gate(arg, &o->gates[o->ngates++]);
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (o->file)
			argp_error(state, "one capture at a time (use --baseline for a second one)");
		o->file = arg;
		break;
	case ARGP_KEY_END:
		if (o->file && o->name)
			argp_error(state, "--name asks a running recorder: no FILE with it");
		if (!o->file && (o->baseline || o->ngates))
			argp_error(state, "--baseline and --fail-if compare captures: give a FILE");
		if (!o->file && !o->has_trace && o->format == SF_PROM)
			argp_error(state, "live figures are text or json; -F prometheus is for captures");
		for (unsigned i = 0; i < o->ngates; i++)
			if (o->gates[i].relative && !o->baseline)
				argp_error(state, "--fail-if '%s' compares with a baseline: give --baseline BASE",
					   o->gates[i].src);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "[FILE]", doc, NULL, NULL, NULL };

/* ---- reading ---- */

struct reading {
	struct fr_stats *st;
	const uint8_t *trace_id;	/* only this trace, when not NULL */
	unsigned slot;
};

static int on_event(const void *rec, uint32_t len, void *arg)
{
	struct reading *rd = arg;

	if (!rd->trace_id || fr_trace_match(rec, rd->slot, rd->trace_id))
		fr_stats_add(rd->st, rec, len);
	return 0;
}

/* The model of one capture; NULL (message printed) when it cannot be
 * opened. *damaged when part of it was lost. path is what is opened
 * (file, or a live snapshot), file what messages name. */
static cJSON *summarise(const char *path, const char *file, unsigned top, bool *damaged,
			struct fr_decoder *dec, const uint8_t *trace_id)
{
	struct reading rd = { .trace_id = trace_id };
	struct fr_capture *cap;
	struct fr_stats *st;
	struct fr_proctab pt = { 0 };
	char err[512];
	cJSON *m;
	int ret;

	if (fr_capture_open(path, &cap, err, sizeof(err))) {
		fr_err("%s", err);
		return NULL;
	}
	if (trace_id) {
		rd.slot = fr_capture_trace_slot(cap, trace_id);
		if (!rd.slot) {
			char hex[33];

			fr_trace_id_format(trace_id, hex);
			fr_warn("%s: no event is labelled with trace %s", file, hex);
		}
	}
	st = fr_stats_new();
	if (!st) {
		fr_err("out of memory");
		fr_capture_close(cap);
		return NULL;
	}
	rd.st = st;
	ret = fr_capture_foreach(cap, on_event, &rd);
	if (cap->procs)
		fr_proctab_from_json(&pt, cap->procs);
	m = fr_stats_model(st, cap, &pt, top);
	if (m) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "file", file);
		if (trace_id) {
			char hex[33];

			fr_trace_id_format(trace_id, hex);
			cJSON_AddStringToObject(c, "trace_id", hex);
		}
		if (cap->meta)
			cJSON_AddItemToObject(c, "meta", cJSON_Duplicate(cap->meta, true));
		cJSON_AddItemToObject(m, "capture", c);
	}
	*damaged = ret < 0 || cap->problems;
	if (dec && fr_decoder_init(dec, cap->meta, cap->procs))
		fr_warn("%s: the process table is damaged; task names may be missing", file);
	fr_proctab_free(&pt);
	fr_stats_free(st);
	fr_capture_close(cap);
	return m;
}

/* ---- text ---- */

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static double n_at(const cJSON *o, const char *k)
{
	const cJSON *x = get(o, k);

	return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

static uint64_t u_at(const cJSON *o, const char *k)
{
	double v = n_at(o, k);

	return v > 0 && v < 1.8e19 ? (uint64_t)v : 0;
}

static const char *dur(uint64_t ns, char *b, size_t len)
{
	return fr_fmt_duration(ns, b, len);
}

static void print_hist_bars(FILE *out, const cJSON *h)
{
	const cJSON *x, *a = get(h, "log2_histogram");
	double maxc = 0;
	char b1[32], b2[32];

	cJSON_ArrayForEach(x, a)
		if (n_at(x, "count") > maxc)
			maxc = n_at(x, "count");
	cJSON_ArrayForEach(x, a) {
		int bar = maxc > 0 ? (int)(40 * n_at(x, "count") / maxc + 0.5) : 0;

		fprintf(out, "  %10s .. %-10s %10.0f |", dur(u_at(x, "from_ns"), b1, sizeof(b1)),
			dur(u_at(x, "to_ns"), b2, sizeof(b2)), n_at(x, "count"));
		for (int i = 0; i < bar; i++)
			fputc('#', out);
		fputc('\n', out);
	}
}

static void print_text(FILE *out, const cJSON *m, const struct fr_decoder *dec)
{
	const cJSON *t = get(m, "time"), *ev = get(m, "events"), *loss = get(m, "loss"), *x, *a;
	char b1[32], b2[32], b3[32], b4[32], t0[64], t1[64];
	uint64_t first = u_at(t, "first_ns"), last = u_at(t, "last_ns");
	double lost;

	fr_render_time(dec, first, t0, sizeof(t0));
	fr_render_time(dec, last, t1, sizeof(t1));
	fputs("capture:  ", out);
	fr_render_plain(out, cJSON_GetStringValue(get(get(m, "capture"), "file")));
	fprintf(out, " (%s)\n", cJSON_IsTrue(get(loss, "complete")) ? "complete" : "incomplete or damaged");
	fprintf(out, "time:     %s to %s, %s\n", t0, t1, dur(last - first, b1, sizeof(b1)));
	fprintf(out, "events:   %.0f:", n_at(ev, "total"));
	cJSON_ArrayForEach(x, get(ev, "by_type"))
		fprintf(out, " %s %.0f%s", x->string, x->valuedouble, x->next ? "," : "");
	fputc('\n', out);
	lost = n_at(loss, "dropped") + n_at(loss, "overwritten") + n_at(loss, "file_overwritten") +
	       n_at(loss, "unwritten");
	fprintf(out, "lost:     %.0f dropped (BPF buffer full), %.0f overwritten (ring full)",
		n_at(loss, "dropped"), n_at(loss, "overwritten"));
	if (n_at(loss, "file_overwritten") || n_at(loss, "unwritten"))
		fprintf(out, ", %.0f overwritten in the file, %.0f never written",
			n_at(loss, "file_overwritten"), n_at(loss, "unwritten"));
	if (!cJSON_IsTrue(get(loss, "counters_known")))
		fputs("\n          the recorder's counters are missing: losses unknown", out);
	else if (n_at(loss, "dropped") > 0)
		fputs("\n          events are missing inside the time range: the figures below are lower bounds", out);
	else if (lost > 0)
		fputs("\n          the oldest events were overwritten: the figures cover the time range above only", out);
	else
		fputs(": the figures below cover everything recorded", out);
	fputc('\n', out);
	if (n_at(ev, "crashes") || n_at(ev, "oom_kills"))
		fprintf(out, "fatal:    %.0f processes crashed, %.0f killed by the OOM killer\n",
			n_at(ev, "crashes"), n_at(ev, "oom_kills"));
	if ((x = get(m, "trigger"))) {
		fputc('\n', out);
		fr_render_trigger_text(out, dec, x);
	}
	if (cJSON_GetArraySize(get(m, "marks"))) {
		fprintf(out, "marks:    %.0f\n", n_at(m, "marks_total"));
		cJSON_ArrayForEach(x, get(m, "marks")) {
			const cJSON *kv;

			fprintf(out, "  +%-10s ", dur(u_at(x, "ts_ns") - first, b1, sizeof(b1)));
			fr_render_plain(out, cJSON_GetStringValue(get(x, "name")));
			if (get(x, "span"))
				fprintf(out, " (%s of %s)", cJSON_GetStringValue(get(x, "span")),
					cJSON_GetStringValue(get(x, "trace")));
			cJSON_ArrayForEach(kv, get(x, "meta")) {
				fputc(' ', out);
				fr_render_plain(out, kv->string);
				fputc('=', out);
				fr_render_plain(out, cJSON_GetStringValue(kv));
			}
			fputc('\n', out);
		}
		if (n_at(m, "marks_total") > cJSON_GetArraySize(get(m, "marks")))
			fprintf(out, "  (%.0f more in the capture: flightrec dump -t mark)\n",
				n_at(m, "marks_total") - cJSON_GetArraySize(get(m, "marks")));
	}

	x = get(m, "cpu");
	a = get(x, "processes");
	if (cJSON_GetArraySize(a)) {
		const cJSON *p;

		fprintf(out, "\nCPU time by process, from sched_switch (top %d of %.0f; %s on CPU in all):\n",
			cJSON_GetArraySize(a), n_at(x, "processes_seen"), dur(u_at(x, "total_ns"), b1, sizeof(b1)));
		fprintf(out, "  %8s %-16s %10s %6s %9s %7s %10s %10s %10s %9s\n", "PID", "COMM", "ON-CPU",
			"%CPU", "SWITCHES", "INVOL", "RUNQ-P99", "RUNNABLE", "D-STATE", "SYSCALLS");
		cJSON_ArrayForEach(p, a) {
			const cJSON *off = get(p, "offcpu_ns"), *rq = get(p, "runqueue");

			fprintf(out, "  %8.0f ", n_at(p, "pid"));
			{
				/* the name from the file, padded, control bytes escaped */
				const char *c = cJSON_GetStringValue(get(p, "comm"));
				char name[17];
				size_t i = 0;

				for (; c && c[i] && i < 16; i++)
					name[i] = (unsigned char)c[i] < 0x20 || c[i] == 0x7f ? '?' : c[i];
				name[i] = 0;
				fprintf(out, "%-16s ", name);
			}
			fprintf(out, "%10s %6.1f %9.0f %7.0f %10s %10s %10s %9.0f\n",
				dur(u_at(p, "oncpu_ns"), b1, sizeof(b1)), n_at(p, "cpu_percent"),
				n_at(p, "switches"), n_at(p, "involuntary"),
				rq ? dur(u_at(rq, "p99_ns"), b2, sizeof(b2)) : "-",
				dur(u_at(off, "runnable"), b3, sizeof(b3)), dur(u_at(off, "dstate"), b4, sizeof(b4)),
				n_at(p, "syscalls"));
		}
	}
	x = get(m, "runqueue");
	if (n_at(x, "count")) {
		fprintf(out, "\nRun-queue latency (wakeup or preemption to running): %.0f waits, p50 %s, p90 %s, "
			"p99 %s, max %s\n", n_at(x, "count"), dur(u_at(x, "p50_ns"), b1, sizeof(b1)),
			dur(u_at(x, "p90_ns"), b2, sizeof(b2)), dur(u_at(x, "p99_ns"), b3, sizeof(b3)),
			dur(u_at(x, "max_ns"), b4, sizeof(b4)));
		print_hist_bars(out, x);
	}
	x = get(m, "offcpu");
	if (n_at(x, "runnable") || n_at(x, "sleeping") || n_at(x, "dstate"))
		fprintf(out, "\nOff-CPU time, all tasks: runnable (waiting for a CPU) %s, sleeping %s, "
			"D state %s\n", dur(u_at(x, "runnable"), b1, sizeof(b1)),
			dur(u_at(x, "sleeping"), b2, sizeof(b2)), dur(u_at(x, "dstate"), b3, sizeof(b3)));
	x = get(m, "syscalls");
	a = get(x, "by_name");
	if (cJSON_GetArraySize(a)) {
		const cJSON *s;

		fprintf(out, "\nSystem calls: %.0f calls, %.0f errors (top %d by total time):\n",
			n_at(x, "count"), n_at(x, "errors"), cJSON_GetArraySize(a));
		fprintf(out, "  %-20s %10s %8s %10s %10s %10s %10s\n", "SYSCALL", "CALLS", "ERRORS", "TOTAL",
			"P50", "P99", "MAX");
		cJSON_ArrayForEach(s, a) {
			char b5[32];

			fprintf(out, "  %-20.20s %10.0f %8.0f %10s %10s %10s %10s\n",
				cJSON_GetStringValue(get(s, "name")) ? cJSON_GetStringValue(get(s, "name")) : "?",
				n_at(s, "calls"), n_at(s, "errors"), dur(u_at(s, "total_ns"), b1, sizeof(b1)),
				dur(u_at(s, "p50_ns"), b2, sizeof(b2)), dur(u_at(s, "p99_ns"), b3, sizeof(b3)),
				dur(u_at(s, "max_ns"), b5, sizeof(b5)));
		}
		if (n_at(x, "unpaired"))
			fprintf(out, "  (%.0f calls entered before the capture began: counted, not timed)\n",
				n_at(x, "unpaired"));
	}
	a = get(get(m, "block"), "devices");
	if (cJSON_GetArraySize(a)) {
		const cJSON *d;

		fputs("\nBlock I/O by device (issue to completion):\n", out);
		cJSON_ArrayForEach(d, a) {
			fputs("  ", out);
			fr_render_plain(out, cJSON_GetStringValue(get(d, "dev")));
			fprintf(out, ": %.0f requests, %s (read %s, written %s), %.1f IOPS, p50 %s, p99 %s, max %s\n",
				n_at(d, "requests"), fr_fmt_bytes(u_at(d, "bytes"), b1, sizeof(b1)),
				fr_fmt_bytes(u_at(d, "read_bytes"), b2, sizeof(b2)),
				fr_fmt_bytes(u_at(d, "write_bytes"), b3, sizeof(b3)), n_at(d, "iops"),
				dur(u_at(d, "p50_ns"), b4, sizeof(b4)), dur(u_at(d, "p99_ns"), t0, sizeof(t0)),
				dur(u_at(d, "max_ns"), t1, sizeof(t1)));
			print_hist_bars(out, d);
		}
	}
}

/* ---- Prometheus text exposition ---- */

static void prom_label(FILE *out, const char *v)
{
	fputc('"', out);
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

static void prom_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP flightrec_%s %s\n# TYPE flightrec_%s %s\n", name, help, name, type);
}

static void prom_summary(FILE *out, const char *name, const char *lk, const char *lv, const cJSON *h)
{
	static const struct { const char *q, *k; } qs[] = {
		{ "0.5", "p50_ns" }, { "0.9", "p90_ns" }, { "0.99", "p99_ns" }, { "1", "max_ns" } };

	for (unsigned i = 0; i < FR_ARRAY_SIZE(qs); i++) {
		if (!get(h, qs[i].k))
			continue;
		fprintf(out, "flightrec_%s{", name);
		if (lk) {
			fprintf(out, "%s=", lk);
			prom_label(out, lv);
			fputc(',', out);
		}
		fprintf(out, "quantile=\"%s\"} %.9g\n", qs[i].q, n_at(h, qs[i].k) / 1e9);
	}
	fprintf(out, "flightrec_%s_sum", name);
	if (lk) {
		fprintf(out, "{%s=", lk);
		prom_label(out, lv);
		fputc('}', out);
	}
	fprintf(out, " %.9g\nflightrec_%s_count", n_at(h, "total_ns") / 1e9, name);
	if (lk) {
		fprintf(out, "{%s=", lk);
		prom_label(out, lv);
		fputc('}', out);
	}
	fprintf(out, " %.0f\n", n_at(h, "count"));
}

static void print_prom(FILE *out, const cJSON *m)
{
	const cJSON *x, *a;

	prom_head(out, "capture_duration_seconds", "gauge", "Time between the first and the last event.");
	fprintf(out, "flightrec_capture_duration_seconds %.9g\n", n_at(get(m, "time"), "duration_ns") / 1e9);
	prom_head(out, "events", "gauge", "Events in the capture, by type.");
	cJSON_ArrayForEach(x, get(get(m, "events"), "by_type")) {
		fputs("flightrec_events{type=", out);
		prom_label(out, x->string);
		fprintf(out, "} %.0f\n", x->valuedouble);
	}
	prom_head(out, "lost_events", "gauge", "Events lost: dropped (BPF buffer full), overwritten (ring full).");
	fprintf(out, "flightrec_lost_events{reason=\"dropped\"} %.0f\n", n_at(get(m, "loss"), "dropped"));
	fprintf(out, "flightrec_lost_events{reason=\"overwritten\"} %.0f\n", n_at(get(m, "loss"), "overwritten"));
	prom_head(out, "process_cpu_seconds", "gauge", "On-CPU time by process, from sched_switch.");
	cJSON_ArrayForEach(x, get(get(m, "cpu"), "processes")) {
		fprintf(out, "flightrec_process_cpu_seconds{pid=\"%.0f\",comm=", n_at(x, "pid"));
		prom_label(out, cJSON_GetStringValue(get(x, "comm")));
		fprintf(out, "} %.9g\n", n_at(x, "oncpu_ns") / 1e9);
	}
	prom_head(out, "process_context_switches", "gauge", "Context switches by process.");
	cJSON_ArrayForEach(x, get(get(m, "cpu"), "processes")) {
		fprintf(out, "flightrec_process_context_switches{pid=\"%.0f\",comm=", n_at(x, "pid"));
		prom_label(out, cJSON_GetStringValue(get(x, "comm")));
		fprintf(out, "} %.0f\n", n_at(x, "switches"));
	}
	prom_head(out, "runqueue_latency_seconds", "summary", "Run-queue latency: wakeup or preemption to running.");
	prom_summary(out, "runqueue_latency_seconds", NULL, NULL, get(m, "runqueue"));
	prom_head(out, "offcpu_seconds", "gauge", "Off-CPU time of all tasks, by state.");
	cJSON_ArrayForEach(x, get(m, "offcpu"))
		fprintf(out, "flightrec_offcpu_seconds{state=\"%s\"} %.9g\n", x->string, x->valuedouble / 1e9);
	a = get(get(m, "syscalls"), "by_name");
	prom_head(out, "syscall_calls", "gauge", "System calls by name.");
	cJSON_ArrayForEach(x, a) {
		fputs("flightrec_syscall_calls{syscall=", out);
		prom_label(out, cJSON_GetStringValue(get(x, "name")));
		fprintf(out, "} %.0f\n", n_at(x, "calls"));
	}
	prom_head(out, "syscall_errors", "gauge", "System calls that returned an error, by name.");
	cJSON_ArrayForEach(x, a) {
		fputs("flightrec_syscall_errors{syscall=", out);
		prom_label(out, cJSON_GetStringValue(get(x, "name")));
		fprintf(out, "} %.0f\n", n_at(x, "errors"));
	}
	prom_head(out, "syscall_latency_seconds", "summary", "System call latency, entry to exit, by name.");
	cJSON_ArrayForEach(x, a)
		prom_summary(out, "syscall_latency_seconds", "syscall", cJSON_GetStringValue(get(x, "name")), x);
	a = get(get(m, "block"), "devices");
	prom_head(out, "block_requests", "gauge", "Block requests completed, by device.");
	cJSON_ArrayForEach(x, a) {
		fputs("flightrec_block_requests{device=", out);
		prom_label(out, cJSON_GetStringValue(get(x, "dev")));
		fprintf(out, "} %.0f\n", n_at(x, "requests"));
	}
	prom_head(out, "block_bytes", "gauge", "Bytes of the block requests completed, by device.");
	cJSON_ArrayForEach(x, a) {
		fputs("flightrec_block_bytes{device=", out);
		prom_label(out, cJSON_GetStringValue(get(x, "dev")));
		fprintf(out, "} %.0f\n", n_at(x, "bytes"));
	}
	prom_head(out, "block_latency_seconds", "summary", "Block request latency, issue to completion, by device.");
	cJSON_ArrayForEach(x, a)
		prom_summary(out, "block_latency_seconds", "device", cJSON_GetStringValue(get(x, "dev")), x);
}

/* Keep the first n rows of a table. */
static void truncate_rows(const cJSON *arr, uint64_t n)
{
	cJSON *x = cJSON_IsArray(arr) ? arr->child : NULL;

	for (uint64_t i = 0; x && i < n; i++)
		x = x->next;
	while (x) {
		cJSON *next = x->next;

		cJSON_Delete(cJSON_DetachItemViaPointer((cJSON *)arr, x));
		x = next;
	}
}

/* ---- the gate ---- */

static bool holds(int cmp, double a, double b)
{
	switch (cmp) {
	case 0: return a > b;
	case 1: return a >= b;
	case 2: return a < b;
	default: return a <= b;
	}
}

/* A figure as text: times for *_ns-like metrics, else a number. */
static const char *fig(const char *metric, double v, char *b, size_t len)
{
	const char *last = strrchr(metric, '.');

	if (last && (!strcmp(last, ".p50") || !strcmp(last, ".p90") || !strcmp(last, ".p99") ||
		     !strcmp(last, ".max") || !strcmp(last, ".total") || !strncmp(metric, "offcpu.", 7) ||
		     !strcmp(metric, "cpu.total")) && v >= 0)
		return fr_fmt_duration((uint64_t)v, b, len);
	snprintf(b, len, "%.6g", v);
	return b;
}

static int run_gates(const struct stats_opts *o, const cJSON *m, const cJSON *base, FILE *out)
{
	int failed = 0;

	fprintf(out, "%-28s %12s %12s %9s  %-24s %s\n", "METRIC", "BASELINE", "NEW", "CHANGE", "CONDITION", "RESULT");
	for (unsigned i = 0; i < o->ngates; i++) {
		const struct gate *g = &o->gates[i];
		double nv, bv = 0, limit;
		char b1[32], b2[32], chg[32] = "-";
		bool hit, have_base = base && !fr_stats_lookup(base, g->metric, &bv);

		if (fr_stats_lookup(m, g->metric, &nv)) {
			fr_err("--fail-if '%s': the capture has no figure '%s' (see 'flightrec stats --help')",
			       g->src, g->metric);
			return -1;
		}
		if (g->relative && !have_base) {
			fr_err("--fail-if '%s': the baseline has no figure '%s'", g->src, g->metric);
			return -1;
		}
		if (have_base && bv != 0)
			snprintf(chg, sizeof(chg), "%+.1f%%", 100.0 * (nv - bv) / fabs(bv));
		limit = g->relative ? bv * (1 + g->value / 100.0) : g->value;
		hit = holds(g->cmp, nv, limit);
		failed += hit;
		fprintf(out, "%-28s %12s %12s %9s  %-24s %s\n", g->metric,
			have_base ? fig(g->metric, bv, b1, sizeof(b1)) : "-", fig(g->metric, nv, b2, sizeof(b2)),
			chg, g->src, hit ? "FAIL" : "ok");
	}
	return failed;
}

/* ---- a running recorder ---- */

static double lnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *lstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "?";
}

static void print_live(FILE *out, const cJSON *r)
{
	const cJSON *ev = get(r, "events"), *lost = get(r, "lost"), *ring = get(r, "ring");
	const cJSON *file = get(r, "file"), *rec = get(r, "recorder"), *ctl = get(r, "control");
	const cJSON *e;
	char b1[16], b2[16], b3[32];
	bool any = false;

	fprintf(out, "recorder:   %s (flightrec %s, pid %.0f), up %s\n", lstr(r, "name"), lstr(r, "kind"),
		lnum(r, "pid"), fr_fmt_duration((uint64_t)(lnum(r, "uptime_s") * 1e9), b3, sizeof(b3)));
	if (get(r, "command"))
		fprintf(out, "command:    %s\n", lstr(r, "command"));
	fprintf(out, "events:     %.0f received, %.0f/s over the last %.1fs; %.0f marks\n",
		lnum(ev, "received"), lnum(ev, "rate"), lnum(ev, "rate_window_s"), lnum(ev, "marks"));
	cJSON_ArrayForEach(e, get(ev, "by_type"))
		fprintf(out, "  %-18s %14.0f %12.0f/s\n", e->string, lnum(e, "count"), lnum(e, "rate"));
	fprintf(out, "lost:       %.0f dropped (BPF buffer full), %.0f overwritten (ring full), "
		"%.0f malformed\n", lnum(lost, "dropped"), lnum(lost, "overwritten"), lnum(lost, "malformed"));
	fprintf(out, "ring:       %s of %s (%.1f%%), %.0f records; BPF buffer %s\n",
		fr_fmt_bytes((uint64_t)lnum(ring, "used"), b1, sizeof(b1)),
		fr_fmt_bytes((uint64_t)lnum(ring, "size"), b2, sizeof(b2)), lnum(ring, "fill"),
		lnum(ring, "records"), fr_fmt_bytes((uint64_t)lnum(ring, "bpf_buffer"), b3, sizeof(b3)));
	if (file)
		fprintf(out, "file:       %s, %s of at most %s, %.0f events written\n", lstr(file, "path"),
			fr_fmt_bytes((uint64_t)lnum(file, "bytes"), b1, sizeof(b1)),
			fr_fmt_bytes((uint64_t)lnum(file, "max_size"), b2, sizeof(b2)), lnum(file, "events"));
	fputs("probes:    ", out);
	cJSON_ArrayForEach(e, get(r, "probes"))
		if (cJSON_IsTrue(get(e, "attached"))) {
			fprintf(out, " %s (%s)", lstr(e, "name"), lstr(e, "method"));
			any = true;
		}
	fputs(any ? "\n" : " none\n", out);
	cJSON_ArrayForEach(e, get(r, "probes"))
		if (!cJSON_IsTrue(get(e, "attached")) && strcmp(lstr(e, "why"), "not asked for"))
			fprintf(out, "  not attached: %s: %s\n", lstr(e, "name"), lstr(e, "why"));
	fprintf(out, "self:       CPU %.2fs (user %.2fs, system %.2fs), memory %s (peak %s)\n",
		lnum(rec, "cpu_s"), lnum(rec, "user_s"), lnum(rec, "sys_s"),
		fr_fmt_bytes((uint64_t)lnum(rec, "rss_bytes"), b1, sizeof(b1)),
		fr_fmt_bytes((uint64_t)lnum(rec, "max_rss_bytes"), b2, sizeof(b2)));
	fprintf(out, "control:    %.0f client%s, %.0f requests, %.0f refused, %.0f malformed\n",
		lnum(ctl, "clients"), lnum(ctl, "clients") == 1 ? "" : "s", lnum(ctl, "requests"),
		lnum(ctl, "refused"), lnum(ctl, "malformed"));
	cJSON_ArrayForEach(e, get(r, "traces"))
		fprintf(out, "trace:      %s (label %s)\n", cJSON_IsString(e) ? e->valuestring : "?",
			e->string);
}

static int live_stats(const struct stats_opts *o)
{
	cJSON *reply = NULL;
	int sock = fr_live_connect(o->name), ret;

	if (sock < 0)
		return FR_EXIT_ERROR;
	ret = fr_live_request(sock, "stats", -1, &reply);
	close(sock);
	if (ret)
		return FR_EXIT_ERROR;
	cJSON_DeleteItemFromObjectCaseSensitive(reply, "ok");
	if (o->format == SF_JSON) {
		char *t = cJSON_PrintUnformatted(reply);

		puts(t ? t : "{}");
		cJSON_free(t);
	} else {
		print_live(stdout, reply);
	}
	cJSON_Delete(reply);
	fflush(stdout);
	return FR_EXIT_OK;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = { .format = SF_TEXT, .top = 10 };
	struct fr_decoder dec;
	bool damaged = false, bdamaged = false, dec_ok;
	cJSON *m, *base = NULL;
	int ret = FR_EXIT_OK, live_fd = -1;
	char live_path[64];

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return FR_EXIT_USAGE;
	memset(&dec, 0, sizeof(dec));
	/* every row: the gates and the Prometheus output look at all of them */
	if (!o.file && !o.has_trace)
		return live_stats(&o);
	if (!o.file) {
		/* a trace's summary from a snapshot of the live ring */
		live_fd = fr_live_fetch_memfd(o.name, live_path, sizeof(live_path));
		if (live_fd < 0)
			return FR_EXIT_ERROR;
		o.file = o.name ? o.name : "the running recorder";
	}
	m = summarise(live_fd >= 0 ? live_path : o.file, o.file, UINT32_MAX, &damaged, &dec,
		      o.has_trace ? o.trace_id : NULL);
	if (live_fd >= 0)
		close(live_fd);
	dec_ok = m != NULL;
	if (!m)
		return FR_EXIT_ERROR;
	if (o.baseline) {
		base = summarise(o.baseline, o.baseline, UINT32_MAX, &bdamaged, NULL,
				 o.has_trace ? o.trace_id : NULL);
		if (!base) {
			ret = FR_EXIT_ERROR;
			goto out;
		}
		if (bdamaged)
			fr_warn("%s: the baseline is damaged or incomplete; compared with what could be read",
				o.baseline);
	}
	if (o.ngates) {
		int f = run_gates(&o, m, base, o.format == SF_TEXT ? stdout : stderr);

		if (f < 0) {
			ret = FR_EXIT_USAGE;
			goto out;
		}
		if (f)
			ret = FR_EXIT_ERROR;
		if (o.format == SF_TEXT)
			fputc('\n', stdout);
	}
	if (o.format != SF_PROM) {
		truncate_rows(get(get(m, "cpu"), "processes"), o.top);
		truncate_rows(get(get(m, "syscalls"), "by_name"), o.top);
	}
	switch (o.format) {
	case SF_TEXT:
		print_text(stdout, m, &dec);
		break;
	case SF_JSON: {
		char *js = cJSON_PrintUnformatted(m);

		puts(js ? js : "{}");
		cJSON_free(js);
		break;
	}
	case SF_PROM:
		print_prom(stdout, m);
		break;
	}
	if (damaged) {
		fflush(stdout);
		fr_err("%s: the capture is damaged or incomplete; the summary covers what could be read",
		       o.file);
		ret = FR_EXIT_ERROR;
	}
out:
	fflush(stdout);
	if (dec_ok)
		fr_decoder_free(&dec);
	cJSON_Delete(m);
	cJSON_Delete(base);
	return ret;
}
