/* trigger.c: flightrec trigger: keep a small ring of recent kernel
 * activity, watch detectors once a second (and fatal events as they come),
 * and when one fires, write a capture of the window around it with the
 * context that explains that kind of anomaly. */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "live.h"
#include "detect/context.h"
#include "detect/detect.h"
#include "capture/event.h"
#include "detect/expr.h"
#include "base/log.h"
#include "record/profile.h"
#include "capture/proctab.h"
#include "record/recorder.h"
#include "record/snapshot.h"
#include "record/symbols.h"
#include "base/util.h"

#define MAX_EXPRS 32
#define BASELINES 13	/* a minute of them, one every 5 s */
#define FR_EXIT_NOT_FIRED 3

/* Armed when no --when is given: signs that something is badly wrong, not
 * merely busy, so an interactive session is not flooded. */
static const char *const default_when[] = {
	"cpu.usage > 95% for 10s",
	"dstate.tasks >= 4 for 5s",
	"runqueue.p99 > 100ms for 5s",
	"memburst.anon rises 2GB in 10s",
	"io.await > 1s for 5s",
	"psi.memory.full > 20%",
	"psi.io.full > 50% for 10s",
	"events.oom",
	"events.crash",
};

struct trigger_opts {
	const char *when_src[MAX_EXPRS];
	struct fr_expr when[MAX_EXPRS];
	unsigned nwhen;
	bool list;
	uint64_t pre_ns, post_ns, cooldown_ns, timeout_ns;
	const char *output;
	uint64_t count;
	bool force;
	unsigned groups;
	bool groups_set;
	uint64_t buffer;
	const char *cgroup;
	int attach;
	char **command;
	int verbose;
	bool quiet;
	const char *name;
	bool now;
	const char *recorder_opt;	/* an option --now has no use for */
	bool output_set;
};

enum { OPT_LIST = 0x100, OPT_PRE, OPT_POST, OPT_COOLDOWN, OPT_TIMEOUT, OPT_CGROUP, OPT_ATTACH,
       OPT_NAME, OPT_NOW };

static const struct argp_option options[] = {
	{ "when", 'w', "EXPR", 0, "Fire when EXPR holds; repeatable, any one fires (default: a "
	  "built-in set, see --list). E.g. 'cpu.sys > 45% for 5s', 'memburst.anon rises 1GB in 10s'", 0 },
	{ "list", OPT_LIST, NULL, 0, "List the detectors, their metrics and units, the EXPR syntax "
	  "and the default set, then exit", 0 },
	{ "pre", OPT_PRE, "DURATION", 0, "Keep this much history before the firing (default: 10s)", 1 },
	{ "post", OPT_POST, "DURATION", 0, "Record this long after the firing, with the detector's "
	  "context probes attached (default: 5s)", 1 },
	{ "output", 'o', "PATTERN", 0, "Capture file name; %t is the time of the firing, %d the "
	  "detector, %n the capture number, %h the host name, %% a % "
	  "(default: flightrec-%t-%d.frec)", 1 },
	{ "force", 'f', NULL, 0, "Replace a capture file that exists (otherwise -2, -3... is added)", 1 },
	{ "count", 'c', "N", 0, "Exit after N captures; 0 for no limit (default: 1)", 2 },
	{ "cooldown", OPT_COOLDOWN, "DURATION", 0, "After a firing, the same detector stays quiet this "
	  "long (default: 60s)", 2 },
	{ "timeout", OPT_TIMEOUT, "DURATION", 0, "Give up after DURATION without enough firings", 2 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Watch this cgroup instead of the host (cpu, dstate, "
	  "runqueue, memburst, events): a directory under a cgroup mount, or a path relative to "
	  "them; the ring still records the whole machine", 2 },
	{ "events", 'e', "GROUPS", 0, "Probe groups in the ring: sched, process, syscalls, block, all "
	  "(default: sched,process,block, plus what the detectors need)", 3 },
	{ "buffer", 'b', "SIZE", 0, "Size of the in-memory ring (default: 32M)", 3 },
	{ "attach", OPT_ATTACH, "METHOD", 0, "Preferred attach method: auto, tp_btf, raw_tp or "
	  "tracepoint (default: auto)", 3 },
	{ "name", OPT_NAME, "NAME", 0, "Name of this recorder on its control socket (default: "
	  "default); with --now, the recorder to ask (default: the only one running)", 3 },
	{ "now", OPT_NOW, NULL, 0, "Do not arm detectors: ask the running recorder --name for a "
	  "capture of its ring now, written to -o FILE (default: flightrec-NAME-DATE-TIME.frec), "
	  "and print its path", 0 },
	{ "verbose", 'v', NULL, 0, "Say more: probes, samples; twice for libbpf logs", 4 },
	{ "quiet", 'q', NULL, 0, "No status line, no messages but errors (the capture lines still go "
	  "to stdout)", 4 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Give this help list", 4 },
	{ 0 },
};

static const char doc[] =
	"Watch autotracing detectors; when one fires, write a capture of what happened before, "
	"during and after, with the context that explains it."
	"\v"
	"A small ring of kernel events is kept all the time; the detectors read the kernel's own "
	"accounting once a second (fatal events at once). On firing, the detector's context "
	"probes (a CPU profile, page-fault stacks) are attached for the post-window only, then "
	"the window [firing - pre, firing + post] is written as a capture, and one line goes to "
	"stdout: time, what fired, value against threshold, file, size, events.\n\n"
	"With COMMAND, runs it, arms only while it runs, and exits with its status.\n\n"
	"While it runs, the recorder answers on a control socket named after --name, like "
	"flightrec record's; SIGUSR1, or flightrec trigger --now from another shell, writes a "
	"capture of the whole ring at once, next to where -o puts captures.\n\n"
	"EXPR: METRIC OP VALUE[UNIT] [for DURATION], or METRIC rises VALUE[UNIT] in DURATION "
	"[for DURATION], joined with 'and'; OP is >, >=, < or <=; units %, ns, us, ms, s, "
	"B, KB, MB, GB, MB/s... A bare count metric (events.crash) means > 0. "
	"'flightrec trigger --list' shows every metric.\n\n"
	"Needs root, or CAP_BPF and CAP_PERFMON.\n\n"
	"Exit status: 0 when a capture was written, 3 when nothing fired (--timeout, or "
	"stopped), COMMAND's status when one is run, 1 on error, 2 on a usage error.\n\n"
	"Examples:\n"
	"  flightrec trigger\n"
	"  flightrec trigger --when 'cpu.sys > 45% for 5s' -o cpu-%t.frec\n"
	"  flightrec trigger --when 'runqueue.p99 > 20ms' --count 3 --cooldown 5m\n"
	"  flightrec trigger --when events.crash --timeout 1h\n"
	"  flightrec trigger --when 'io.await > 50ms' -- ./load-test.sh\n"
	"  flightrec trigger --now --name web -o now.frec";

static int check_pattern(const char *p)
{
	for (; *p; p++)
		if (*p == '%') {
			p++;
			if (!*p || !strchr("tdnh%", *p))
				return -1;
		}
	return 0;
}

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct trigger_opts *o = state->input;
	struct fr_expr_error err;
	const char *bad;
	size_t badlen;

	switch (key) {
	case 'w':
		o->recorder_opt = "--when";
		if (o->nwhen == MAX_EXPRS)
			argp_error(state, "too many --when (at most %d)", MAX_EXPRS);
		if (fr_expr_parse(arg, &o->when[o->nwhen], &err)) {
			fprintf(stderr, "%s: ", state->name);
			fr_expr_print_error(stderr, arg, &err);
			exit(FR_EXIT_USAGE);
		}
		o->when_src[o->nwhen++] = arg;
		break;
	case OPT_LIST:
		o->recorder_opt = "--list";
		o->list = true;
		break;
	case OPT_PRE:
		o->recorder_opt = "--pre";
		if (fr_parse_duration(arg, &o->pre_ns) || o->pre_ns > 3600ULL * 1000000000ULL)
			argp_error(state, "bad --pre '%s': expected a duration up to 1h, e.g. 10s", arg);
		break;
	case OPT_POST:
		o->recorder_opt = "--post";
		if (fr_parse_duration(arg, &o->post_ns) || o->post_ns > 3600ULL * 1000000000ULL)
			argp_error(state, "bad --post '%s': expected a duration up to 1h, e.g. 5s", arg);
		break;
	case OPT_COOLDOWN:
		o->recorder_opt = "--cooldown";
		if (fr_parse_duration(arg, &o->cooldown_ns))
			argp_error(state, "bad --cooldown '%s': expected a duration, e.g. 60s, 5m", arg);
		break;
	case OPT_TIMEOUT:
		o->recorder_opt = "--timeout";
		if (fr_parse_duration(arg, &o->timeout_ns) || !o->timeout_ns)
			argp_error(state, "bad --timeout '%s': expected a duration, e.g. 30s, 1h", arg);
		break;
	case OPT_NAME:
		o->name = fr_opt_recorder(state, "--name", arg);
		break;
	case OPT_NOW:
		o->now = true;
		break;
	case 'o':
		o->output_set = true;
		if (!*arg)
			argp_error(state, "empty --output pattern");
		if (check_pattern(arg))
			argp_error(state, "bad --output '%s': %% may only be followed by t (time), "
				   "d (detector), n (number), h (host) or %%", arg);
		o->output = arg;
		break;
	case 'f':
		o->force = true;
		break;
	case 'c':
		o->recorder_opt = "--count";
		if (fr_parse_u64(arg, 0, 1000000, &o->count))
			argp_error(state, "bad --count '%s': expected a number of captures, 0 for no limit", arg);
		break;
	case OPT_CGROUP:
		o->recorder_opt = "--cgroup";
		if (!*arg)
			argp_error(state, "empty --cgroup");
		o->cgroup = arg;
		break;
	case 'e':
		o->recorder_opt = "-e";
		if (fr_groups_parse(arg, &o->groups, &bad, &badlen))
			argp_error(state, "unknown probe group '%.*s' in -e (groups: sched, process, syscalls, block, all)",
				   (int)badlen, bad);
		o->groups_set = true;
		break;
	case 'b':
		o->recorder_opt = "--buffer";
		if (fr_parse_size(arg, &o->buffer) || o->buffer < (64u << 10) || o->buffer > (4ULL << 30))
			argp_error(state, "bad --buffer '%s': give a size from 64K to 4G, e.g. 32M", arg);
		break;
	case OPT_ATTACH:
		o->recorder_opt = "--attach";
		o->attach = fr_attach_parse(arg);
		if (o->attach < 0)
			argp_error(state, "bad --attach '%s': expected auto, tp_btf, raw_tp or tracepoint", arg);
		break;
	case 'v':
		o->verbose++;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		o->command = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (o->now && (o->recorder_opt || o->command))
			argp_error(state, "%s applies to a recorder that trigger starts, not to --now "
				   "(which only takes --name, -o, -f, -q, -v)",
				   o->command ? "COMMAND" : o->recorder_opt);
		if (o->command && o->timeout_ns)
			argp_error(state, "--timeout and COMMAND cannot be combined: the command's run is the time limit");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "[-- COMMAND [ARG...]]", doc, NULL, NULL, NULL };

static const char *kind_unit(enum fr_kind k)
{
	switch (k) {
	case FR_KIND_PERCENT: return "%";
	case FR_KIND_TIME: return "time: ns, us, ms, s";
	case FR_KIND_BYTES: return "bytes: B, KB, MB, GB";
	case FR_KIND_RATE: return "rate: B/s, KB/s, MB/s, GB/s";
	default: return "count";
	}
}

static void list_detectors(void)
{
	const char *det = "";

	printf("EXPR:  METRIC OP VALUE[UNIT] [for DURATION]\n"
	       "    |  METRIC rises VALUE[UNIT] in DURATION [for DURATION]\n"
	       "       joined with 'and'; OP is >, >=, < or <=; a bare count metric means > 0\n\n"
	       "Detectors and their metrics:\n");
	for (unsigned i = 0; i < fr_nmetrics; i++) {
		const struct fr_metric_def *m = &fr_metric_defs[i];

		if (strcmp(det, m->detector)) {
			det = m->detector;
			printf("\n%s\n", det);
		}
		printf("  %s (%s)\n      %s\n", m->name, kind_unit(m->kind), m->help);
	}
	printf("\nContext written on firing:\n"
	       "  cpu       CPU profile with kernel and user stacks (post-window); top CPU users\n"
	       "  dstate    kernel stack and wait channel of every D-state task\n"
	       "  runqueue  who waited on the run queue, how long, and who ran instead\n"
	       "  memburst  top growers of resident memory; page-fault stacks (post-window)\n"
	       "  io        requests by process and device with their latencies\n"
	       "  psi       the context of cpu, memburst or io, for the resource under pressure\n"
	       "  events    the crashed or OOM-killed process, and the ring around it\n");
	printf("\nDefault set (armed when no --when is given):\n");
	for (unsigned i = 0; i < FR_ARRAY_SIZE(default_when); i++)
		printf("  --when '%s'\n", default_when[i]);
	printf("\nDefaults: --pre 10s --post 5s --count 1 --cooldown 60s --buffer 32M\n"
	       "          -o flightrec-%%t-%%d.frec\n");
}

/* ---- evaluation ---- */

struct history {
	uint64_t *ts;
	double *v;
	bool *ok;
	unsigned cap, head, n;
};

struct cond_state {
	uint64_t since;		/* when it started holding; 0: not holding */
	double value;		/* what it compared, for the report */
};

struct armed {
	struct fr_expr *e;
	struct cond_state st[FR_EXPR_MAX_CONDS];
	const char *detector;
};

struct firing {
	struct armed *a;
	unsigned cond;		/* the condition reported (the first) */
	uint64_t at;		/* boot ns */
	double value;
	char detail[48];
	struct fr_fatal fatal;
	bool is_fatal;
	/* context being collected */
	struct fr_profile *prof;
	struct fr_pstats ps_before;
	bool have_before;
	cJSON *dstate;
	cJSON *values;
};

static struct history hist[64];

static void hist_push(unsigned m, uint64_t ts, double v, bool ok)
{
	struct history *h = &hist[m];

	if (!h->cap)
		return;
	h->ts[h->head] = ts;
	h->v[h->head] = v;
	h->ok[h->head] = ok;
	h->head = (h->head + 1) % h->cap;
	if (h->n < h->cap)
		h->n++;
}

/* The newest sample taken at or before t (within half a second of it). */
static bool hist_at(unsigned m, uint64_t t, double *v)
{
	struct history *h = &hist[m];

	for (unsigned k = 0; k < h->n; k++) {
		unsigned i = (h->head + h->cap - 1 - k) % h->cap;

		if (h->ts[i] <= t + 500000000ULL) {
			/* none near t (sampling was held up): no comparison */
			if (h->ts[i] + 500000000ULL < t)
				return false;
			*v = h->v[i];
			return h->ok[i];
		}
	}
	return false;
}

static bool cond_now(const struct fr_sampler *s, const struct fr_cond *c, uint64_t now, double *shown)
{
	unsigned m = fr_metric_index(c->metric);
	double then;

	if (!s->valid[m])
		return false;
	if (!c->rise) {
		*shown = s->value[m];
		return fr_cmp_holds(c->cmp, s->value[m], c->threshold);
	}
	if (now < c->window_ns || !hist_at(m, now - c->window_ns, &then))
		return false;
	*shown = s->value[m] - then;
	return *shown >= c->threshold;
}

/* Update every condition; true when all of a's hold long enough. */
static bool evaluate(struct armed *a, const struct fr_sampler *s, uint64_t now)
{
	bool all = true;

	for (unsigned i = 0; i < a->e->n; i++) {
		const struct fr_cond *c = &a->e->conds[i];
		struct cond_state *st = &a->st[i];
		double v = 0;

		if (cond_now(s, c, now, &v)) {
			if (!st->since)
				st->since = now;
			st->value = v;
			if (now - st->since < c->for_ns)
				all = false;
		} else {
			st->since = 0;
			st->value = v;
			all = false;
		}
	}
	return all;
}

/* ---- the capture ---- */

static const char *context_kind(const struct firing *f)
{
	const char *m = f->a->e->conds[f->cond].metric->name;

	if (!strncmp(m, "psi.cpu", 7))
		return "cpu";
	if (!strncmp(m, "psi.memory", 10))
		return "memburst";
	if (!strncmp(m, "psi.io", 6))
		return "io";
	return f->a->detector;
}

static char *expand(const char *pat, const struct firing *f, unsigned n)
{
	char buf[4096], *o = buf, *end = buf + sizeof(buf) - 1;

	for (const char *p = pat; *p && o < end; p++) {
		char tmp[128] = "";

		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		switch (*++p) {
		case 't': {
			time_t t = (time_t)((f->at + fr_boot_to_wall_ns()) / 1000000000LL);
			struct tm tm;

			localtime_r(&t, &tm);
			strftime(tmp, sizeof(tmp), "%Y%m%d-%H%M%S", &tm);
			break;
		}
		case 'd':
			snprintf(tmp, sizeof(tmp), "%s", f->a->detector);
			break;
		case 'n':
			snprintf(tmp, sizeof(tmp), "%u", n);
			break;
		case 'h':
			gethostname(tmp, sizeof(tmp) - 1);
			for (char *c = tmp; *c; c++)
				if (*c == '/')
					*c = '_';
			break;
		default:
			tmp[0] = '%';
			break;
		}
		for (const char *c = tmp; *c && o < end; c++)
			*o++ = *c;
	}
	*o = 0;
	return strdup(buf);
}

/* Create the capture file: the expanded name, or with -2, -3... before
 * the extension when it exists (unless --force). */

static cJSON *trigger_json(const struct firing *f, const struct trigger_opts *o, unsigned n)
{
	const struct fr_cond *c = &f->a->e->conds[f->cond];
	cJSON *t = cJSON_CreateObject(), *conds;
	char buf[256];

	cJSON_AddStringToObject(t, "detector", f->a->detector);
	cJSON_AddStringToObject(t, "metric", c->metric->name);
	cJSON_AddNumberToObject(t, "value", f->value);
	cJSON_AddStringToObject(t, "value_text", fr_fmt_value(c->metric->kind, f->value, buf, sizeof(buf)));
	cJSON_AddNumberToObject(t, "threshold", c->threshold);
	cJSON_AddStringToObject(t, "condition", fr_cond_format(c, buf, sizeof(buf)));
	cJSON_AddStringToObject(t, "when", f->a->e->text);
	if (f->detail[0])
		cJSON_AddStringToObject(t, "detail", f->detail);
	cJSON_AddNumberToObject(t, "time_ns", (double)f->at);
	cJSON_AddNumberToObject(t, "pre_ns", (double)o->pre_ns);
	cJSON_AddNumberToObject(t, "post_ns", (double)o->post_ns);
	cJSON_AddNumberToObject(t, "capture", n);
	if (o->cgroup)
		cJSON_AddStringToObject(t, "cgroup", o->cgroup);
	conds = cJSON_AddArrayToObject(t, "conditions");
	for (unsigned i = 0; i < f->a->e->n; i++) {
		const struct fr_cond *ci = &f->a->e->conds[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "condition", fr_cond_format(ci, buf, sizeof(buf)));
		cJSON_AddStringToObject(x, "metric", ci->metric->name);
		cJSON_AddNumberToObject(x, "value", f->a->st[i].value);
		cJSON_AddStringToObject(x, "value_text",
					fr_fmt_value(ci->metric->kind, f->a->st[i].value, buf, sizeof(buf)));
		cJSON_AddItemToArray(conds, x);
	}
	if (f->values)
		cJSON_AddItemToObject(t, "values", cJSON_Duplicate(f->values, true));
	return t;
}

static cJSON *values_json(const struct fr_sampler *s)
{
	cJSON *v = cJSON_CreateObject();

	for (unsigned i = 0; i < fr_nmetrics; i++)
		if (s->want[i] && s->valid[i])
			cJSON_AddNumberToObject(v, fr_metric_defs[i].name, s->value[i]);
	return v;
}

/* ---- the loop ---- */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
	signal(sig, SIG_DFL);
}

struct trigger {
	struct trigger_opts *o;
	struct fr_recorder r;
	struct fr_sampler s;
	struct fr_syms *syms;
	struct armed armed[MAX_EXPRS];
	unsigned narmed;
	struct { const char *name; uint64_t until; } cool[16];
	unsigned ncool;
	uint64_t cursor;	/* the next ring position the detectors look at */
	struct fr_snapshot_info info;
	/* memburst: resident memory every 5 s, for the growth over at least
	 * baseline_age (the longest rise window, 10 s at least) */
	struct fr_pstats baselines[BASELINES];
	unsigned nbaselines;
	uint64_t next_baseline, baseline_age;
	bool want_baseline;
	uint64_t written0, seen;	/* ring records put before arming, and looked at */
	uint64_t skipped;	/* ring records gone before the detectors saw them */
	bool skipped_warned;
	unsigned captures;
	bool tty;
	int errors;
};

static uint64_t *cooldown_of(struct trigger *t, const char *det)
{
	for (unsigned i = 0; i < t->ncool; i++)
		if (!strcmp(t->cool[i].name, det))
			return &t->cool[i].until;
	if (t->ncool == FR_ARRAY_SIZE(t->cool))
		return &t->cool[0].until;
	t->cool[t->ncool].name = det;
	t->cool[t->ncool].until = 0;
	return &t->cool[t->ncool++].until;
}

/* What the detectors learn from the events moved into the ring since the
 * last look (the recorder's task table learnt their names as they came). */
static void tap(struct trigger *t)
{
	struct fr_ring *ring = &t->r.ring;

	if (t->cursor < ring->tail)
		t->cursor = ring->tail;
	while (t->cursor < ring->head) {
		uint32_t len;
		const void *rec = fr_ring_at(ring, &t->cursor, &len);

		if (len < sizeof(struct fr_hdr))
			continue;
		fr_sampler_event(&t->s, rec, len);
		t->seen++;
	}
	/* every record put in the ring since arming was either seen or
	 * overwritten before this look */
	t->skipped = ring->written - t->written0 - t->seen;
}

/* Live stats: the detectors' per-task state and the symbol caches, with
 * their bounds and what was let go to keep them. */
static void detector_stats(void *ctx, cJSON *reply)
{
	struct trigger *t = ctx;
	struct fr_syms_stats ss;
	cJSON *o = cJSON_AddObjectToObject(reply, "detectors"), *x;
	size_t procs = 0;

	x = cJSON_AddObjectToObject(o, "runnable");
	cJSON_AddNumberToObject(x, "entries", (double)t->s.waking.len);
	cJSON_AddNumberToObject(x, "max", FR_WAKING_MAX);
	cJSON_AddNumberToObject(x, "forgotten", (double)t->s.waits_forgotten);
	x = cJSON_AddObjectToObject(o, "cgroup_tasks");
	cJSON_AddNumberToObject(x, "entries", t->s.cg_sched_n);
	cJSON_AddNumberToObject(x, "members", (double)t->s.cg_members.len);
	cJSON_AddNumberToObject(x, "forgotten", (double)t->s.cg_sched_forgotten);
	for (unsigned i = 0; i < t->nbaselines; i++)
		procs += t->baselines[i].n;
	x = cJSON_AddObjectToObject(o, "memory_baselines");
	cJSON_AddNumberToObject(x, "samples", t->nbaselines);
	cJSON_AddNumberToObject(x, "max", BASELINES);
	cJSON_AddNumberToObject(x, "processes", (double)procs);
	fr_syms_stats(t->syms, &ss);
	x = cJSON_AddObjectToObject(reply, "symbols");
	cJSON_AddNumberToObject(x, "processes", (double)ss.procs);
	cJSON_AddNumberToObject(x, "processes_max", (double)ss.procs_max);
	cJSON_AddNumberToObject(x, "processes_evicted", (double)ss.procs_evicted);
	cJSON_AddNumberToObject(x, "files", (double)ss.files);
	cJSON_AddNumberToObject(x, "files_max", (double)ss.files_max);
	cJSON_AddNumberToObject(x, "files_dropped", (double)ss.files_dropped);
	cJSON_AddNumberToObject(x, "symbols", (double)ss.symbols);
	cJSON_AddNumberToObject(x, "name_bytes", (double)ss.name_bytes);
}

static void take_baseline(struct trigger *t, uint64_t now)
{
	if (t->nbaselines == BASELINES) {
		fr_pstats_free(&t->baselines[0]);
		memmove(t->baselines, t->baselines + 1, (BASELINES - 1) * sizeof(t->baselines[0]));
		t->nbaselines--;
	}
	/* a failed read is tried again at the next turn */
	if (!fr_pstats_read(&t->baselines[t->nbaselines]))
		t->nbaselines++;
	t->next_baseline = now + 5000000000ULL;
}

/* The newest baseline at least baseline_age old, else the oldest. */
static const struct fr_pstats *baseline(const struct trigger *t, uint64_t now)
{
	for (unsigned i = t->nbaselines; i-- > 0;)
		if (t->baselines[i].at_ns + t->baseline_age <= now)
			return &t->baselines[i];
	return t->nbaselines ? &t->baselines[0] : NULL;
}

static void start_context(struct trigger *t, struct firing *f)
{
	const char *k = context_kind(f);

	f->values = values_json(&t->s);
	if (!t->o->post_ns)
		k = "";	/* no post-window: nothing to profile or compare */
	if (!strcmp(k, "cpu")) {
		f->have_before = !fr_pstats_read(&f->ps_before);
		if (fr_profile_start(&f->prof, FR_PROFILE_CPU, 99, getpid()))
			fr_warn("the capture will have no CPU profile");
	} else if (!strcmp(k, "memburst")) {
		if (fr_profile_start(&f->prof, FR_PROFILE_FAULTS, 16, getpid()))
			fr_warn("the capture will have no page-fault stacks");
	} else if (!strcmp(k, "dstate")) {
		f->dstate = fr_ctx_dstate(256);
	}
}

static cJSON *finish_context(struct trigger *t, struct firing *f, const struct fr_window *win)
{
	const char *k = context_kind(f);
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "kind", k);
	if (f->prof) {
		cJSON *p = fr_profile_finish(f->prof, t->syms, 200);

		f->prof = NULL;
		if (p)
			cJSON_AddItemToObject(c, "profile", p);
	}
	if (!strcmp(k, "cpu") && f->have_before) {
		struct fr_pstats now;

		if (!fr_pstats_read(&now)) {
			cJSON_AddItemToObject(c, "top_cpu", fr_ctx_top_cpu(&f->ps_before, &now, 15));
			fr_pstats_free(&now);
		}
	}
	if (!strcmp(k, "memburst")) {
		struct fr_pstats now;
		const struct fr_pstats *base = baseline(t, f->at);

		if (base && !fr_pstats_read(&now)) {
			cJSON_AddItemToObject(c, "top_growers", fr_ctx_top_growers(base, &now, 15));
			cJSON_AddNumberToObject(c, "growth_since_ns", (double)(now.at_ns - base->at_ns));
			fr_pstats_free(&now);
		}
	}
	if (!strcmp(k, "dstate")) {
		cJSON_AddItemToObject(c, "dstate", f->dstate ? f->dstate : cJSON_CreateArray());
		f->dstate = NULL;
	}
	if (!strcmp(k, "runqueue"))
		cJSON_AddItemToObject(c, "runqueue", fr_ctx_runqueue(win->recs, win->n, &t->r.tasks, 15));
	if (!strcmp(k, "io")) {
		cJSON *dev = fr_devices_json();

		cJSON_AddItemToObject(c, "io", fr_ctx_io(win->recs, win->n, &t->r.tasks, dev, 20));
		cJSON_Delete(dev);
	}
	if (f->is_fatal) {
		cJSON *x = cJSON_AddObjectToObject(c, "fatal");
		struct fr_proc *p = fr_proctab_get(&t->r.tasks, f->fatal.tid, false);
		const char *sig = f->fatal.sig ? fr_signal_name(f->fatal.sig) : NULL;

		cJSON_AddStringToObject(x, "what", f->fatal.sig ? "signal" : "oom_kill");
		cJSON_AddNumberToObject(x, "pid", f->fatal.pid ? f->fatal.pid : (p ? p->tgid : 0));
		cJSON_AddNumberToObject(x, "tid", f->fatal.tid);
		cJSON_AddStringToObject(x, "comm", f->fatal.comm[0] ? f->fatal.comm :
					p ? fr_proc_comm_at(p, f->fatal.ts) : "?");
		if (f->fatal.sig)
			cJSON_AddStringToObject(x, "signal", sig ? sig : "?");
		cJSON_AddNumberToObject(x, "time_ns", (double)f->fatal.ts);
	}
	return c;
}

static void drop_context(struct firing *f)
{
	if (f->prof)
		fr_profile_abort(f->prof);
	f->prof = NULL;
	fr_pstats_free(&f->ps_before);
	cJSON_Delete(f->dstate);
	cJSON_Delete(f->values);
	f->dstate = f->values = NULL;
}

/* Write the capture of firing f, the window ending at the end of its
 * post-window or at now, whichever comes first (a stop cuts it short). */
static int write_capture(struct trigger *t, struct firing *f, uint64_t now)
{
	struct trigger_opts *o = t->o;
	struct fr_window win;
	struct fr_cap_writer w = { .fd = -1 };
	struct fr_snapshot_result res = { 0 };
	uint64_t from = f->at > o->pre_ns ? f->at - o->pre_ns : 0;
	uint64_t to = f->at + o->post_ns < now ? f->at + o->post_ns : now;
	char *name = NULL, *path = NULL, b1[16], b2[64], b3[256], when[64];
	cJSON *tj, *ctx;
	int fd, err;
	unsigned n = t->captures + 1;

	/* what is still in the BPF buffer, or batched, belongs in the window */
	fr_recorder_sync(&t->r);
	tap(t);
	err = fr_window_collect(&t->r.ring, from, to, &win);
	if (err) {
		fr_err("cannot gather the capture's events: %s", strerror(-err));
		drop_context(f);
		return err;
	}
	ctx = finish_context(t, f, &win);
	tj = trigger_json(f, o, n);
	/* what the window really is: the ring may not have held all of
	 * the pre-window, and a stop cuts the post-window short */
	cJSON_AddNumberToObject(tj, "window_start_ns",
				(double)(win.n ? ((const struct fr_hdr *)win.recs[0])->ts : from));
	cJSON_AddNumberToObject(tj, "window_end_ns", (double)to);
	cJSON_AddItemToObject(tj, "context", ctx);
	name = expand(o->output, f, n);
	fd = name ? fr_create_numbered(name, o->force, &path) : -ENOMEM;
	if (fd < 0) {
		fr_err("cannot create %s: %s%s", name ? name : o->output, strerror(-fd),
		       fd == -ELOOP ? " (it is a symbolic link; flightrec never writes through one)" : "");
		err = fd;
		goto out;
	}
	err = fr_capw_open(&w, fd);
	/* the capture's counters as they are now, drops included */
	if (!err)
		err = fr_recorder_snapshot_window(&t->r, &t->info, tj, &win, &w, &res);
	else
		fr_capw_close(&w);
	if (err) {
		fr_err("cannot write %s: %s; removed it", path, strerror(-err));
		unlink(path);
		goto out;
	}
	{
		time_t tt = (time_t)((f->at + fr_boot_to_wall_ns()) / 1000000000LL);
		struct tm tm;
		const struct fr_cond *c = &f->a->e->conds[f->cond];

		localtime_r(&tt, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		if (t->tty)
			fputs("\r\033[K", stderr);
		printf("%s %s fired: %s = %s (%s)%s%s%s -> %s, %s, %llu events\n", when,
		       f->a->detector, c->metric->name, fr_fmt_value(c->metric->kind, f->value, b2, sizeof(b2)),
		       fr_cond_format(c, b3, sizeof(b3)), f->detail[0] ? " [" : "", f->detail,
		       f->detail[0] ? "]" : "", path, fr_fmt_bytes(res.file_bytes, b1, sizeof(b1)),
		       (unsigned long long)res.events);
		fflush(stdout);
	}
	t->captures++;
out:
	drop_context(f);
	cJSON_Delete(tj);
	fr_window_free(&win);
	free(name);
	free(path);
	return err;
}

static void status_line(struct trigger *t, const struct firing *f, uint64_t now)
{
	struct winsize ws;
	char line[512], b[64];
	int cols = 80, len;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 20)
		cols = ws.ws_col;
	if (cols > (int)sizeof(line) - 1)
		cols = sizeof(line) - 1;
	if (f) {
		uint64_t end = f->at + t->o->post_ns;

		len = snprintf(line, sizeof(line), "%s fired; recording the post-window, %.0fs left",
			       f->a->detector, end > now ? (end - now) / 1e9 : 0.0);
	} else {
		len = snprintf(line, sizeof(line), "armed:");
		for (unsigned i = 0; i < t->narmed && len < (int)sizeof(line); i++) {
			for (unsigned j = 0; j < t->armed[i].e->n && len < (int)sizeof(line); j++) {
				const struct fr_cond *c = &t->armed[i].e->conds[j];
				unsigned m = fr_metric_index(c->metric);
				char cs[128];

				if (!t->s.valid[m] && !c->rise)
					snprintf(b, sizeof(b), "-");
				else
					fr_fmt_value(c->metric->kind, c->rise ? t->armed[i].st[j].value :
						     t->s.value[m], b, sizeof(b));
				fr_cond_format(c, cs, sizeof(cs));
				len += snprintf(line + len, sizeof(line) - len, " %s %s [%s]%s",
						c->metric->name, b, cs + strlen(c->metric->name) + 1,
						j + 1 < t->armed[i].e->n ? " and" : " |");
			}
		}
		if (len > 0 && len < (int)sizeof(line) && line[len - 1] == '|')
			line[len - 2] = 0;
	}
	line[cols - 1 < (int)sizeof(line) ? cols - 1 : (int)sizeof(line) - 1] = 0;
	fprintf(stderr, "\r\033[K%s", line);
}

int cmd_trigger(int argc, char **argv)
{
	struct trigger_opts o = { .pre_ns = 10000000000ULL, .post_ns = 5000000000ULL,
				  .cooldown_ns = 60000000000ULL, .count = 1, .buffer = 32ULL << 20,
				  .groups = FR_GROUP_SCHED | FR_GROUP_PROCESS | FR_GROUP_BLOCK,
				  .output = "flightrec-%t-%d.frec", .attach = FR_ATTACH_TP_BTF };
	static struct trigger t;
	struct fr_record_cfg cfg = { 0 };
	struct fr_child child = { .pid = 0, .go_fd = -1, .err_fd = -1 };
	struct sigaction sa = { .sa_handler = on_stop };
	struct firing fire = { 0 };
	bool firing = false, started = false;
	bool want[64] = { false };
	uint64_t now, next_sample, deadline = 0, last_status = 0;
	int ret = FR_EXIT_ERROR, status = -1, err;
	char *self = NULL, *cmdline = NULL;
	cJSON *filters = NULL;
	static struct fr_live live;

	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &o))
		return FR_EXIT_USAGE;
	if (o.now) {
		fr_verbosity = o.quiet ? FR_QUIET : o.verbose;
		return fr_live_trigger_now(o.name, o.output_set ? o.output : NULL, o.force);
	}
	if (o.list) {
		list_detectors();
		return FR_EXIT_OK;
	}
	/* from the start: SIGUSR1 must not kill a recorder still loading */
	fr_live_catch_usr1();
	fr_verbosity = o.quiet ? FR_QUIET : o.verbose;
	if (!o.nwhen) {
		bool psi = access("/proc/pressure/cpu", R_OK) == 0;

		for (unsigned i = 0; i < FR_ARRAY_SIZE(default_when); i++) {
			struct fr_expr_error e;

			if (!psi && !strncmp(default_when[i], "psi.", 4)) {
				fr_vlog("no /proc/pressure on this kernel: not arming '%s'", default_when[i]);
				continue;
			}
			if (fr_expr_parse(default_when[i], &o.when[o.nwhen], &e)) {
				fr_err("built-in detector '%s' does not parse: %s", default_when[i], e.msg);
				return FR_EXIT_ERROR;
			}
			o.when_src[o.nwhen++] = default_when[i];
		}
	}
	memset(&t, 0, sizeof(t));
	memset(hist, 0, sizeof(hist));
	t.o = &o;
	for (unsigned i = 0; i < o.nwhen; i++) {
		struct armed *a = &t.armed[t.narmed++];

		a->e = &o.when[i];
		a->detector = a->e->conds[0].metric->detector;
		for (unsigned j = 0; j < a->e->n; j++) {
			const struct fr_cond *c = &a->e->conds[j];
			unsigned m = fr_metric_index(c->metric);

			want[m] = true;
			if (c->rise && !strncmp(c->metric->name, "memburst.", 9) &&
			    c->window_ns > t.baseline_age)
				t.baseline_age = c->window_ns;
			if (c->rise) {
				unsigned cap = (unsigned)(c->window_ns / 1000000000ULL) + 3;

				/* samples are a second apart */
				if (c->window_ns > 3600ULL * 1000000000ULL || c->window_ns < 1000000000ULL) {
					fr_err("--when '%s': a rise is measured over 1s to 1h", o.when_src[i]);
					return FR_EXIT_USAGE;
				}
				if (cap > hist[m].cap) {
					free(hist[m].ts);
					free(hist[m].v);
					free(hist[m].ok);
					hist[m] = (struct history){ .cap = cap };
					hist[m].ts = calloc(cap, sizeof(*hist[m].ts));
					hist[m].v = calloc(cap, sizeof(*hist[m].v));
					hist[m].ok = calloc(cap, sizeof(*hist[m].ok));
					if (!hist[m].ts || !hist[m].v || !hist[m].ok) {
						fr_err("out of memory");
						return FR_EXIT_ERROR;
					}
				}
			}
		}
	}
	if (t.baseline_age < 10000000000ULL)
		t.baseline_age = 10000000000ULL;
	if (t.baseline_age > (BASELINES - 1) * 5000000000ULL)
		t.baseline_age = (BASELINES - 1) * 5000000000ULL;
	err = fr_sampler_init(&t.s, want, o.cgroup);
	if (err)
		return FR_EXIT_ERROR;

	cfg.groups = o.groups | fr_sampler_groups(&t.s);
	if (!o.groups_set)
		cfg.groups |= FR_GROUP_SCHED | FR_GROUP_PROCESS | FR_GROUP_BLOCK;
	cfg.prefer = o.attach;
	cfg.cgroup_level = -1;
	cfg.ring_size = o.buffer;
	/* the BPF buffer: a quarter of the ring at most, so that one drain
	 * cannot overwrite what the detectors have not looked at yet */
	cfg.bpf_buffer = 4u << 20;
	while (cfg.bpf_buffer > 16384 && cfg.bpf_buffer > o.buffer / 4)
		cfg.bpf_buffer /= 2;
	t.tty = isatty(STDERR_FILENO) && !o.quiet;

	filters = cJSON_CreateObject();
	if (o.cgroup)
		cJSON_AddStringToObject(filters, "cgroup", o.cgroup);
	if (o.command) {
		int n = 0;

		while (o.command[n])
			n++;
		cmdline = fr_join_args(n, o.command);
		cJSON_AddStringToObject(filters, "command", cmdline ? cmdline : "");
	}
	{
		char *args = fr_join_args(argc - 1, argv + 1);

		if (asprintf(&self, "flightrec trigger%s%s", args && *args ? " " : "", args ? args : "") < 0)
			self = NULL;
		free(args);
	}
	t.info.command = self;
	t.info.filters = filters;
	t.info.groups = cfg.groups;
	t.info.bpf_buffer = cfg.bpf_buffer;
	t.info.exit_status = -1;

	t.syms = fr_syms_new();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (o.command) {
		err = fr_spawn(o.command, &child);
		if (err) {
			fr_err("cannot start %s: %s", o.command[0], strerror(-err));
			goto out;
		}
	}
	err = fr_recorder_start(&t.r, &cfg);
	if (err)
		goto out;
	started = true;
	/* a second recorder of the same name stops here */
	if (fr_live_open(&live, o.name ? o.name : "default", "trigger", &t.info, o.output))
		goto out;
	if (child.pid)
		fr_name_child(&t.r.tasks, &child, o.command, cmdline);
	live.more_stats = detector_stats;
	live.more_ctx = &t;
	fr_live_start(&live, &t.r, NULL);
	t.cursor = t.r.ring.head;
	t.written0 = t.r.ring.written;
	if (child.pid) {
		int e;

		close(child.go_fd);
		child.go_fd = -1;
		if (read(child.err_fd, &e, sizeof(e)) == sizeof(e)) {
			fr_err("cannot run %s: %s", o.command[0], strerror(e));
			waitpid(child.pid, NULL, 0);
			child.pid = 0;
			ret = 127;
			goto out;
		}
	}
	now = fr_boot_ns();
	/* first readings: rates and shares need two */
	fr_sampler_sample(&t.s, now);
	fr_sampler_sample_events(&t.s);
	if (want[fr_metric_index(fr_metric_find("memburst.anon", 13))] ||
	    want[fr_metric_index(fr_metric_find("memburst.rate", 13))] ||
	    want[fr_metric_index(fr_metric_find("psi.memory.some", 15))] ||
	    want[fr_metric_index(fr_metric_find("psi.memory.full", 15))]) {
		t.want_baseline = true;
		take_baseline(&t, now);
	}
	next_sample = now + 1000000000ULL;
	if (o.timeout_ns)
		deadline = now + o.timeout_ns;
	{
		char b[16];

		fr_info("armed %u detector expression%s%s; ring %s, %u probes; Ctrl-C to stop",
			o.nwhen, o.nwhen == 1 ? "" : "s", o.cgroup ? " on the cgroup" : "",
			fr_fmt_bytes(o.buffer, b, sizeof(b)), t.r.nattached);
		for (unsigned i = 0; i < o.nwhen; i++)
			fr_vlog("  --when '%s'", o.when[i].text);
	}

	for (;;) {
		bool sampled = false, last_round = false;

		if (stop_signal)
			break;
		err = fr_recorder_poll(&t.r, 100);
		if (err < 0) {
			fr_err("reading events from the BPF ring buffer failed: %s", strerror(-err));
			t.errors++;
			break;
		}
		tap(&t);
		fr_live_service(&live);
		if (fr_live_usr1) {
			fr_live_usr1 = 0;
			if (t.tty)
				fputs("\r\033[K", stderr);
			fr_live_snapshot_signal(&live);	/* a failure is reported, and armed on */
		}
		now = fr_boot_ns();
		if (child.pid && waitpid(child.pid, &status, WNOHANG) == child.pid) {
			/* its last events (its own crash among them) are still
			 * looked at, and a post-window under way is cut short */
			child.pid = 0;
			fr_recorder_poll(&t.r, 0);
			tap(&t);
			last_round = true;
		}
		if (now >= next_sample) {
			fr_sampler_sample(&t.s, now);
			for (unsigned m = 0; m < fr_nmetrics; m++)
				hist_push(m, now, t.s.value[m], t.s.valid[m]);
			next_sample += 1000000000ULL;
			if (next_sample <= now)
				next_sample = now + 1000000000ULL;
			sampled = true;
		}
		/* OOM kills and crashes during a capture are kept for after it */
		if (!firing && (sampled || t.s.fatal_pending || last_round)) {
			fr_sampler_sample_events(&t.s);
			sampled = true;
		}
		if (t.want_baseline && now >= t.next_baseline && !firing)
			take_baseline(&t, now);
		if (sampled) {
			bool picked = firing;

			/* every expression, so that 'for' timers stay true to the
			 * samples even while a capture is being made */
			for (unsigned i = 0; i < t.narmed; i++) {
				struct armed *a = &t.armed[i];
				uint64_t *cool = cooldown_of(&t, a->detector);
				unsigned m;

				if (!evaluate(a, &t.s, now) || now < *cool || picked)
					continue;
				picked = true;
				memset(&fire, 0, sizeof(fire));
				fire.a = a;
				fire.cond = 0;
				fire.at = now;
				fire.value = a->st[0].value;
				m = fr_metric_index(a->e->conds[0].metric);
				snprintf(fire.detail, sizeof(fire.detail), "%s", t.s.detail[m]);
				if (!strcmp(a->detector, "events")) {
					fire.is_fatal = true;
					fire.fatal = strcmp(a->e->conds[0].metric->name, "events.oom")
						     ? t.s.first_crash : t.s.first_oom;
					if (fire.fatal.ts && fire.fatal.ts < now)
						fire.at = fire.fatal.ts;
				}
				start_context(&t, &fire);
				firing = true;
				fr_vlog("%s fired; recording %.1fs more", a->detector, o.post_ns / 1e9);
			}
		}
		if (firing && (now >= fire.at + o.post_ns || last_round)) {
			if (write_capture(&t, &fire, now))
				t.errors++;
			*cooldown_of(&t, fire.a->detector) = fr_boot_ns() + o.cooldown_ns;
			/* a condition must hold anew, from samples after the capture */
			for (unsigned i = 0; i < t.narmed; i++)
				for (unsigned j = 0; j < t.armed[i].e->n; j++)
					t.armed[i].st[j].since = 0;
			firing = false;
			if (o.count && t.captures >= o.count)
				break;
		}
		if (last_round)
			break;
		if (t.skipped && !t.skipped_warned) {
			fr_warn("the ring is too small for this event rate: %llu events went by before the "
				"detectors saw them; give a larger --buffer",
				(unsigned long long)t.skipped);
			t.skipped_warned = true;
		}
		if (deadline && now >= deadline && !firing) {
			fr_vlog("--timeout reached");
			break;
		}
		fr_recorder_tend(&t.r);
		if (t.tty && now - last_status >= 1000000000ULL) {
			status_line(&t, firing ? &fire : NULL, now);
			last_status = now;
		}
	}
	if (t.tty)
		fputs("\r\033[K", stderr);
	fr_live_close(&live);
	/* stopped during a post-window: what was gathered is still worth having */
	if (firing) {
		fr_info("stopping: writing the capture with a shortened post-window");
		if (write_capture(&t, &fire, fr_boot_ns()))
			t.errors++;
		firing = false;
	}
	if (child.pid && !stop_signal) {
		/* enough captures: the command runs on, unwatched, until it
		 * exits or we are stopped */
		fr_recorder_stop(&t.r);
		while (!stop_signal) {
			pid_t w = waitpid(child.pid, &status, 0);

			if (w == child.pid || (w < 0 && errno != EINTR)) {
				child.pid = 0;
				break;
			}
		}
	}
	if (child.pid)
		fr_end_child(&t.r, &child, &status);
	if (o.command && status >= 0)
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	else if (t.errors)
		ret = FR_EXIT_ERROR;
	else
		ret = t.captures ? FR_EXIT_OK : FR_EXIT_NOT_FIRED;
	if (!t.captures && !t.errors)
		fr_info("nothing fired");
out:
	fr_live_close(&live);
	if (firing)
		drop_context(&fire);
	if (child.pid) {
		kill(child.pid, SIGKILL);
		waitpid(child.pid, NULL, 0);
	}
	if (child.go_fd >= 0)
		close(child.go_fd);
	if (child.err_fd >= 0)
		close(child.err_fd);
	if (started) {
		fr_recorder_stop(&t.r);
		fr_recorder_free(&t.r);
	}
	fr_syms_free(t.syms);
	fr_sampler_free(&t.s);
	for (unsigned i = 0; i < t.nbaselines; i++)
		fr_pstats_free(&t.baselines[i]);
	for (unsigned m = 0; m < 64; m++) {
		free(hist[m].ts);
		free(hist[m].v);
		free(hist[m].ok);
	}
	cJSON_Delete(filters);
	free(self);
	free(cmdline);
	return ret;
}
