/* stats.c: flightrec stats: summarise a capture (CPU by process, run-queue
 * latency, off-CPU time, system calls, block I/O, what fired), as text,
 * JSON or Prometheus metrics; compare it with a baseline and fail a CI job
 * on a regression. Needs no privileges. */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "format.h"
#include "live_client.h"
#include "capture/capture.h"
#include "control/control.h"
#include "capture/event.h"
#include "base/log.h"
#include "report/gate.h"
#include "report/info.h"
#include "report/model.h"
#include "report/render.h"
#include "report/stats.h"
#include "report/stats_render.h"
#include "base/util.h"

struct stats_format;

#define MAX_FAIL_IF 32

/* One --fail-if: its text, and its condition (the grammar of
 * report/gate.h: one condition an option). */
struct gate {
	const char *src;
	struct fr_cond c;
};

struct stats_opts {
	const char *file, *baseline;
	const struct stats_format *fmt;
	uint64_t top;
	struct gate gates[MAX_FAIL_IF];
	unsigned ngates;
	const char *name;	/* a running recorder */
	uint8_t trace_id[16];
	bool has_trace;
	bool wide;
};

enum { OPT_BASELINE = 0x100, OPT_FAIL_IF, OPT_TOP, OPT_NAME, OPT_TRACE_ID, OPT_WIDE };

static struct argp_option options[] = {
	{ "format", 'F', "FORMAT", 0, NULL, 0 },	/* doc from formats[] */
	{ "top", OPT_TOP, "N", 0, "Rows in the process and system call tables (default: 10)", 0 },
	{ "wide", OPT_WIDE, NULL, 0, "Text wider than 80 columns: every column of the tables", 0 },
	{ "name", OPT_NAME, "NAME", 0, "Without FILE: the running recorder to ask (default: the "
	  "only one running)", 0 },
	{ "trace-id", OPT_TRACE_ID, "ID", 0, "Summarise only the events labelled with this trace id "
	  "(32 hex digits) and the marks that carry it", 0 },
	{ "baseline", OPT_BASELINE, "BASE", 0, "Compare with the capture BASE: --fail-if may then "
	  "give changes relative to it (+20%)", 1 },
	{ "fail-if", OPT_FAIL_IF, "COND", 0, "Exit 1 when COND holds: METRIC OP VALUE[UNIT], OP one "
	  "of > >= < <=; VALUE a change against --baseline (+20%, -10%) or a figure in the "
	  "metric's unit (2ms, 1MB, 500); repeatable. E.g. 'runqueue.p99 > +20%', "
	  "'syscalls.read.p99 > 2ms'", 1 },
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
	"METRIC names a figure of the summary: runqueue.p50|p90|p99|max|total|count, "
	"syscalls.NAME.p50|p90|p99|max|total|count|errors, syscalls.count|errors|unpaired, "
	"block.DEV.p50|p90|p99|max|requests|errors|bytes|read_bytes|write_bytes|iops, cpu.total, "
	"offcpu.runnable|sleeping|dstate|other, events.total|crashes|oom_kills|TYPE, "
	"loss.dropped|overwritten|file_overwritten|unwritten|malformed. A time needs a unit "
	"(ns, us, ms, s), so does a size (B, KB, MB, GB, TB); counts are plain numbers. The "
	"grammar is trigger --when's (CONDITIONS in flightrec-stats(8)), one condition an "
	"option, without 'for' and 'rises'.\n\n"
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

static void parse_gate(const char *prog, const char *src, struct gate *g)
{
	struct fr_expr_error err;
	struct fr_expr e;

	if (fr_gate_parse(src, &e, &err)) {
		fr_cond_print_error(stderr, &fr_gate_grammar, prog, src, &err);
		exit(FR_EXIT_USAGE);
	}
	g->src = src;
	g->c = e.conds[0];
}

/* ---- output formats ---- */

static double lnum(const cJSON *o, const char *k)
{
	return fr_jnum(o, k, 0);
}

static const char *lstr(const cJSON *o, const char *k)
{
	return fr_jstr(o, k, "?");
}

/* How close a condition is (see flightrec-stats(8), armed) in words. */
static const char *closeness_text(double c, char *buf, size_t len)
{
	if (c < 0)
		snprintf(buf, len, "no reading");
	else if (c < 1)
		snprintf(buf, len, "%.0f%% of the way", 100 * c);
	else
		snprintf(buf, len, "holds");
	return buf;
}

static void print_live(FILE *out, const cJSON *r)
{
	const cJSON *ev = fr_jget(r, "events"), *lost = fr_jget(r, "lost"), *ring = fr_jget(r, "ring");
	const cJSON *file = fr_jget(r, "file"), *rec = fr_jget(r, "recorder"), *ctl = fr_jget(r, "control");
	const cJSON *e;
	char b1[16], b2[16], b3[32];
	bool any = false;

	fprintf(out, "recorder:   %s (flightrec %s, pid %.0f), up %s\n", lstr(r, "name"), lstr(r, "kind"),
		lnum(r, "pid"), fr_fmt_duration((uint64_t)(lnum(r, "uptime_s") * 1e9), b3, sizeof(b3)));
	if (fr_jget(r, "command"))
		fr_info_wrapped(out, "command:", 12, lstr(r, "command"), false);
	if (cJSON_IsFalse(fr_jget(r, "enabled")))
		fprintf(out, "enabled:    no: paused for %s, probes detached, the ring kept\n",
			fr_fmt_duration((uint64_t)(lnum(r, "paused_s") * 1e9), b3, sizeof(b3)));
	else
		fprintf(out, "enabled:    yes%s\n", lnum(r, "pauses") ? " (paused before)" : "");
	fprintf(out, "events:     %.0f received, %.0f/s over the last %.1fs; %.0f marks\n",
		lnum(ev, "received"), lnum(ev, "rate"), lnum(ev, "rate_window_s"), lnum(ev, "marks"));
	cJSON_ArrayForEach(e, fr_jget(ev, "by_type"))
		fprintf(out, "  %-18s %14.0f %12.0f/s\n", e->string, lnum(e, "count"), lnum(e, "rate"));
	fprintf(out, "lost:       %.0f dropped (BPF buffer full), %.0f overwritten (ring full)\n",
		lnum(lost, "dropped"), lnum(lost, "overwritten"));
	if (lnum(lost, "malformed"))
		fprintf(out, "            %.0f malformed\n", lnum(lost, "malformed"));
	if (lnum(lost, "cleared") || lnum(lost, "resized") || lnum(lost, "taken"))
		fprintf(out, "taken out:  %.0f cleared, %.0f discarded by a resize, %.0f taken with "
			"a trace\n", lnum(lost, "cleared"), lnum(lost, "resized"), lnum(lost, "taken"));
	fprintf(out, "ring:       %s of %s (%.1f%%), %.0f records; BPF buffer %s\n",
		fr_fmt_bytes((uint64_t)lnum(ring, "used"), b1, sizeof(b1)),
		fr_fmt_bytes((uint64_t)lnum(ring, "size"), b2, sizeof(b2)), lnum(ring, "fill"),
		lnum(ring, "records"), fr_fmt_bytes((uint64_t)lnum(ring, "bpf_buffer"), b3, sizeof(b3)));
	if (file) {
		char line[512];

		snprintf(line, sizeof(line), "%s, %s of at most %s, %.0f events written",
			 lstr(file, "path"), fr_fmt_bytes((uint64_t)lnum(file, "bytes"), b1, sizeof(b1)),
			 fr_fmt_bytes((uint64_t)lnum(file, "max_size"), b2, sizeof(b2)),
			 lnum(file, "events"));
		fr_info_wrapped(out, "file:", 12, line, false);
	}
	/* attached ones by method; those not attached but asked for, with why */
	cJSON_ArrayForEach(e, fr_jget(r, "probes"))
		any |= cJSON_IsTrue(fr_jget(e, "attached"));
	if (any) {
		cJSON *on = cJSON_CreateArray();

		cJSON_ArrayForEach(e, fr_jget(r, "probes"))
			if (cJSON_IsTrue(fr_jget(e, "attached")))
				cJSON_AddItemReferenceToArray(on, (cJSON *)e);
		fr_info_probes(out, on, 12);
		cJSON_Delete(on);
	} else {
		fputs("probes:     none\n", out);
	}
	cJSON_ArrayForEach(e, fr_jget(r, "probes"))
		if (!cJSON_IsTrue(fr_jget(e, "attached")) && strcmp(lstr(e, "why"), "not asked for")) {
			char line[320];

			snprintf(line, sizeof(line), "%s: %s", lstr(e, "name"), lstr(e, "why"));
			fr_info_wrapped(out, "  not attached:", 16, line, false);
		}
	fprintf(out, "self:       CPU %.2fs (user %.2fs, system %.2fs), memory %s (peak %s)\n",
		lnum(rec, "cpu_s"), lnum(rec, "user_s"), lnum(rec, "sys_s"),
		fr_fmt_bytes((uint64_t)lnum(rec, "rss_bytes"), b1, sizeof(b1)),
		fr_fmt_bytes((uint64_t)lnum(rec, "max_rss_bytes"), b2, sizeof(b2)));
	fprintf(out, "control:    %.0f client%s, %.0f requests, %.0f refused, %.0f malformed\n",
		lnum(ctl, "clients"), lnum(ctl, "clients") == 1 ? "" : "s", lnum(ctl, "requests"),
		lnum(ctl, "refused"), lnum(ctl, "malformed"));
	cJSON_ArrayForEach(e, fr_jget(r, "traces"))
		fprintf(out, "trace:      %s (label %s)\n", cJSON_IsString(e) ? e->valuestring : "?",
			e->string);
	/* a trigger's armed expressions, the closest to firing first */
	cJSON_ArrayForEach(e, fr_jget(r, "armed")) {
		const cJSON *c;
		double peak = 2;
		char line[1200], now[32], top[32];

		cJSON_ArrayForEach(c, fr_jget(e, "conditions"))
			if (lnum(c, "peak_closeness") < peak)
				peak = lnum(c, "peak_closeness");
		snprintf(line, sizeof(line), "%s: %s now, %s at its peak", lstr(e, "when"),
			 closeness_text(lnum(e, "closeness"), now, sizeof(now)),
			 closeness_text(peak, top, sizeof(top)));
		fr_info_wrapped(out, "armed:", 12, line, false);
	}
}


static void print_json(FILE *out, const cJSON *m)
{
	char *js = cJSON_PrintUnformatted(m);

	fputs(js ? js : "{}", out);
	fputc('\n', out);
	cJSON_free(js);
}

static void model_json(FILE *out, const cJSON *m, const struct fr_decoder *dec)
{
	(void)dec;
	print_json(out, m);
}

static void model_prom(FILE *out, const cJSON *m, const struct fr_decoder *dec)
{
	(void)dec;
	fr_stats_prom(out, m);
}

/* One output format: of a capture's model, and of a running recorder's
 * figures (NULL: not for a running recorder). */
struct stats_format {
	struct fr_format_name id;
	void (*model)(FILE *out, const cJSON *m, const struct fr_decoder *dec);
	void (*live)(FILE *out, const cJSON *reply);
	bool every_row;		/* whole tables, not --top rows */
	bool gates_with_it;	/* the --fail-if table on stdout before it, not on stderr */
};

/* the first is the default */
static const struct stats_format formats[] = {
	{ { "text", "default" }, fr_stats_text, print_live, false, true },
	{ { "json", NULL }, model_json, print_json, false, false },
	{ { "prometheus", NULL }, model_prom, NULL, true, false },
};

static const struct fr_format_table format_table = FR_FORMAT_TABLE(formats);

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct stats_opts *o = state->input;

	switch (key) {
	case 'F':
		o->fmt = fr_format_opt(state, &format_table, arg);
		break;
	case OPT_WIDE:
		o->wide = true;
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
		parse_gate(state->name, arg, &o->gates[o->ngates++]);
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
		if (!o->file && !o->has_trace && !o->fmt->live)
			argp_error(state, "live figures are text or json; -F prometheus is for captures");
		for (unsigned i = 0; i < o->ngates; i++)
			if (o->gates[i].c.change && !o->baseline)
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

/* A figure as text: times for *_ns-like metrics, else a number. */
static const char *fig(const char *metric, double v, char *b, size_t len)
{
	const char *last = strrchr(metric, '.');

	if (!strncmp(metric, "events.", 7) || !strncmp(metric, "syscalls.count", 14) ||
	    !strncmp(metric, "syscalls.errors", 15)) {
		snprintf(b, len, "%.6g", v);
		return b;
	}
	if (last && (!strcmp(last, ".p50") || !strcmp(last, ".p90") || !strcmp(last, ".p99") ||
		     !strcmp(last, ".max") || !strcmp(last, ".total") || !strncmp(metric, "offcpu.", 7) ||
		     !strcmp(metric, "cpu.total")) && v >= 0)
		return fr_fmt_duration((uint64_t)v, b, len);
	snprintf(b, len, "%.6g", v);
	return b;
}

/* The baseline's figure, the new one and the change between them, as the
 * gate and comparison tables show them; bv NULL when the baseline has none. */
struct side_by_side {
	char base[32], now[32], change[32];
};

static void side_by_side(const char *metric, double nv, const double *bv, struct side_by_side *t)
{
	snprintf(t->base, sizeof(t->base), "-");
	snprintf(t->change, sizeof(t->change), "-");
	if (bv)
		fig(metric, *bv, t->base, sizeof(t->base));
	if (bv && *bv != 0)
		snprintf(t->change, sizeof(t->change), "%+.1f%%", 100.0 * (nv - *bv) / fabs(*bv));
	fig(metric, nv, t->now, sizeof(t->now));
}

/* One row of the comparison; left out when the new capture has no such
 * figure. */
static void compare_row(const char *metric, const cJSON *m, const cJSON *base, FILE *out)
{
	struct side_by_side t;
	double nv, bv;

	if (fr_stats_lookup(m, metric, &nv))
		return;
	side_by_side(metric, nv, fr_stats_lookup(base, metric, &bv) ? NULL : &bv, &t);
	fprintf(out, "%-40s %12s %12s %9s\n", metric, t.base, t.now, t.change);
}

/* A gate names a figure the capture (which) does not have: say so, and
 * for a device which ones it has. */
static void no_figure(const struct gate *g, const cJSON *m, const char *which)
{
	const char *name = g->c.name, *dot = strrchr(name, '.');
	const cJSON *x;
	char devs[160] = "";
	size_t used = 0;

	if (strncmp(name, "block.", 6) || !dot) {
		fr_err("--fail-if '%s': %s has no figure '%s'", g->src, which, name);
		return;
	}
	cJSON_ArrayForEach(x, fr_jget(fr_jget(m, "block"), "devices"))
		if (cJSON_IsString(fr_jget(x, "dev")) && used < sizeof(devs))
			used += (size_t)snprintf(devs + used, sizeof(devs) - used, "%s%s",
						 used ? ", " : "", fr_jget(x, "dev")->valuestring);
	if (used)
		fr_err("--fail-if '%s': %s has no device '%.*s'; it has %s", g->src, which,
		       (int)(dot - name - 6), name + 6, devs);
	else
		fr_err("--fail-if '%s': %s has no block I/O (record -e block)", g->src, which);
}

static int run_gates(const struct stats_opts *o, const cJSON *m, const cJSON *base, FILE *out)
{
	int failed = 0;

	fprintf(out, "%-28s %12s %12s %9s  %-24s %s\n", "METRIC", "BASELINE", "NEW", "CHANGE", "CONDITION", "RESULT");
	for (unsigned i = 0; i < o->ngates; i++) {
		const struct gate *g = &o->gates[i];
		const char *name = g->c.name;
		double nv, bv = 0, limit;
		struct side_by_side t;
		bool hit, have_base = base && !fr_stats_lookup(base, name, &bv);

		if (fr_stats_lookup(m, name, &nv)) {
			no_figure(g, m, "the capture");
			return -1;
		}
		if (g->c.change && !have_base) {
			no_figure(g, base, "the baseline");
			return -1;
		}
		side_by_side(name, nv, have_base ? &bv : NULL, &t);
		limit = g->c.change ? bv * (1 + g->c.threshold / 100.0) : g->c.threshold;
		hit = fr_cmp_holds(g->c.cmp, nv, limit);
		failed += hit;
		fprintf(out, "%-28s %12s %12s %9s  %-24s %s\n", name, t.base, t.now, t.change, g->src,
			hit ? "FAIL" : "ok");
	}
	return failed;
}

#define COMPARE_MAX 80

/* --baseline without --fail-if: the figures compared, the same for every
 * format: the totals and latencies a change shows in first, then the
 * capture's own busiest system calls (its top 5 by time) and its devices.
 * Their number. */
static unsigned compared(const cJSON *m, char names[][96])
{
	static const char *const fixed[] = {
		"events.total", "cpu.total", "runqueue.p50", "runqueue.p99", "runqueue.max",
		"offcpu.runnable", "offcpu.dstate", "syscalls.count", "syscalls.errors",
	};
	const cJSON *x;
	unsigned n = 0, k = 0;

	for (unsigned i = 0; i < FR_ARRAY_SIZE(fixed); i++)
		snprintf(names[n++], 96, "%s", fixed[i]);
	cJSON_ArrayForEach(x, fr_jget(fr_jget(m, "syscalls"), "by_name")) {
		if (k++ == 5 || !cJSON_IsString(fr_jget(x, "name")))
			break;
		snprintf(names[n++], 96, "syscalls.%s.p99", fr_jget(x, "name")->valuestring);
	}
	cJSON_ArrayForEach(x, fr_jget(fr_jget(m, "block"), "devices"))
		if (cJSON_IsString(fr_jget(x, "dev")) && n < COMPARE_MAX)
			snprintf(names[n++], 96, "block.%s.p99", fr_jget(x, "dev")->valuestring);
	return n;
}

static void print_comparison(const cJSON *m, const cJSON *base, FILE *out)
{
	char names[COMPARE_MAX][96];
	unsigned n = compared(m, names);

	fprintf(out, "%-40s %12s %12s %9s\n", "METRIC", "BASELINE", "NEW", "CHANGE");
	for (unsigned i = 0; i < n; i++)
		compare_row(names[i], m, base, out);
}

/* In the JSON model: "comparison": [{metric, baseline, new, change_percent}] */
static void add_comparison(cJSON *m, const cJSON *base)
{
	char names[COMPARE_MAX][96];
	unsigned n = compared(m, names);
	cJSON *a = cJSON_AddArrayToObject(m, "comparison");

	for (unsigned i = 0; i < n; i++) {
		double bv, nv;
		cJSON *o;

		if (fr_stats_lookup(m, names[i], &nv))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "metric", names[i]);
		if (!fr_stats_lookup(base, names[i], &bv)) {
			cJSON_AddNumberToObject(o, "baseline", bv);
			if (bv != 0)
				cJSON_AddNumberToObject(o, "change_percent", 100.0 * (nv - bv) / fabs(bv));
		}
		cJSON_AddNumberToObject(o, "new", nv);
		cJSON_AddItemToArray(a, o);
	}
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
	o->fmt->live(stdout, reply);
	cJSON_Delete(reply);
	fflush(stdout);
	return FR_EXIT_OK;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o = { .fmt = &formats[0], .top = 10 };
	struct fr_decoder dec;
	bool damaged = false, bdamaged = false, dec_ok;
	cJSON *m, *base = NULL;
	int ret = FR_EXIT_OK, live_fd = -1;
	char live_path[64];
	static char fmt_doc[128];

	options[0].doc = fr_format_help(&format_table, fmt_doc, sizeof(fmt_doc));
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
		int f = run_gates(&o, m, base, o.fmt->gates_with_it ? stdout : stderr);

		if (f < 0) {
			ret = FR_EXIT_USAGE;
			goto out;
		}
		if (f)
			ret = FR_EXIT_ERROR;
		if (o.fmt->gates_with_it)
			fputc('\n', stdout);
	} else if (base && o.fmt->gates_with_it) {
		/* a baseline and no gate: the comparison itself */
		print_comparison(m, base, stdout);
		fputc('\n', stdout);
	} else if (base && !o.fmt->every_row) {
		add_comparison(m, base);
	}
	if (!o.fmt->every_row) {
		truncate_rows(fr_jget(fr_jget(m, "cpu"), "processes"), o.top);
		truncate_rows(fr_jget(fr_jget(m, "syscalls"), "by_name"), o.top);
	}
	dec.wide = o.wide;
	o.fmt->model(stdout, m, &dec);
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


