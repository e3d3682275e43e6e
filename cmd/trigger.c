/* trigger.c: flightrec trigger: keep a small ring of recent kernel
 * activity, watch detectors once a second (and fatal events as they come),
 * and when one fires, write a capture of the window around it with the
 * context that explains that kind of anomaly. The detectors and their
 * evaluation are in lib/detect; this is the command around them. */
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
#include "session.h"
#include "base/log.h"
#include "base/util.h"
#include "capture/event.h"
#include "capture/proctab.h"
#include "detect/closest.h"
#include "detect/defaults.h"
#include "detect/engine.h"
#include "detect/window.h"
#include "record/profile.h"
#include "record/recorder.h"
#include "record/snapshot.h"
#include "record/symbols.h"
#include "report/headline.h"
#include "report/render.h"

#define MAX_EXPRS FR_ENGINE_MAX_EXPRS
#define FR_EXIT_NOT_FIRED 3

struct trigger_opts {
	struct fr_session_opts session;	/* -e -b --attach --name -v -q COMMAND */
	const char *when_src[MAX_EXPRS];
	struct fr_expr when[MAX_EXPRS];
	unsigned nwhen;
	bool list;
	uint64_t pre_ns, post_ns, cooldown_ns, timeout_ns;
	const char *output;
	uint64_t count;
	bool force;
	const char *cgroup;
	bool now;
	bool output_set;
	bool json;		/* -F json: an object per line on stdout */
};

enum { OPT_LIST = 0x100, OPT_PRE, OPT_POST, OPT_COOLDOWN, OPT_TIMEOUT, OPT_CGROUP, OPT_NOW };

static const struct argp_option options[] = {
	{ "when", 'w', "EXPR", 0, "Fire when EXPR holds; repeatable, any one fires (default: a "
	  "built-in set, see --list). E.g. 'cpu.sys > 45% for 5s', 'memburst.anon rises 1GB in 10s'", 0 },
	{ "list", OPT_LIST, NULL, 0, "List the detectors, their metrics and units, the EXPR syntax "
	  "and the default set, then exit", 0 },
	{ "pre", OPT_PRE, "DURATION", 0, "Keep this much history before the firing (default: 10s); "
	  "the ring grows to hold it", 1 },
	{ "post", OPT_POST, "DURATION", 0, "Record this long after the firing, with the detector's "
	  "context probes attached (default: 5s)", 1 },
	{ "output", 'o', "PATTERN", 0, "Capture file name; %t is the time of the firing, %d the "
	  "detector, %n the capture number, %h the host name, %% a % "
	  "(default: flightrec-%t-%d.frec)", 1 },
	{ "force", 'f', NULL, 0, "Replace a capture file that exists (otherwise -2, -3... is added)", 1 },
	{ "format", 'F', "FORMAT", 0, "What stdout says: text, a line per capture (default); json, "
	  "an object per line: each capture with its findings, or how close each armed expression "
	  "came when nothing fired", 1 },
	{ "count", 'c', "N", 0, "Exit after N captures; 0 for no limit (default: 1)", 2 },
	{ "cooldown", OPT_COOLDOWN, "DURATION", 0, "After a firing, the same detector stays quiet this "
	  "long (default: 60s)", 2 },
	{ "timeout", OPT_TIMEOUT, "DURATION", 0, "Give up after DURATION without enough firings, "
	  "saying how close each metric came", 2 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Watch this cgroup instead of the host (cpu, dstate, "
	  "runqueue, memburst, events): a directory under a cgroup mount, or a path relative to "
	  "them; the ring still records the whole machine", 2 },
	{ "now", OPT_NOW, NULL, 0, "Do not arm detectors: ask the running recorder --name for a "
	  "capture of its ring now, written to -o FILE (default: flightrec-NAME-DATE-TIME.frec), "
	  "and print its path", 3 },
	{ 0 },
};

static const struct fr_session_help help = {
	.events = { "Probe groups in the ring: sched, process, syscalls, block, all "
		    "(default: sched,process,block, plus what the detectors need)", 3 },
	.buffer = { "Size of the in-memory ring (default: 32M; more when --pre and --post need it)", 3 },
	.attach = { "Preferred attach method: auto, tp_btf, raw_tp or tracepoint (default: auto)", 3 },
	.name = { "Name of this recorder on its control socket (default: default); with --now, "
		  "the recorder to ask (default: the only one running)", 3 },
	.verbose = { "Say more: probes, samples; twice for libbpf logs", 4 },
	.quiet = { "No status line, no messages but errors (the capture lines still go to stdout)", 4 },
	.buffer_example = "32M",
};

static const char doc[] =
	"Watch autotracing detectors; when one fires, write a capture of what happened before, "
	"during and after, with the context that explains it."
	"\v"
	"A small ring of kernel events is kept all the time; the detectors read the kernel's own "
	"accounting once a second (fatal events at once). On firing, the detector's context "
	"probes (a CPU profile, page-fault stacks) are attached for the post-window only, then "
	"the window [firing - pre, firing + post] is written as a capture, and one line goes to "
	"stdout: time, what fired, what happened (the capture's first finding) and the file; "
	"-F json says it as an object per line.\n\n"
	"With COMMAND, runs it, arms only while it runs, and exits with its status.\n\n"
	"While it runs, the recorder answers on a control socket named after --name, like "
	"flightrec record's; SIGUSR1, or flightrec trigger --now from another shell, writes a "
	"capture of the whole ring at once, next to where -o puts captures.\n\n"
	"EXPR: METRIC OP VALUE[UNIT] [for DURATION], or METRIC rises VALUE[UNIT] in DURATION "
	"[for DURATION], joined with 'and'; OP is >, >=, < or <=; units %, ns, us, ms, s, "
	"B, KB, MB, GB, MB/s... (a time or a size needs one). A bare count metric "
	"(events.crash) means > 0. The grammar is stats --fail-if's too (CONDITIONS in "
	"flightrec-trigger(8)); 'flightrec trigger --list' shows every metric.\n\n"
	"Needs root, or CAP_BPF and CAP_PERFMON.\n\n"
	"Exit status: 0 when a capture was written, 3 when nothing fired (--timeout, or "
	"stopped), COMMAND's status when one is run, 1 on error, 2 on a usage error (or a "
	"--pre and --post no ring here can hold).\n\n"
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
	const char **ro = &o->session.recorder_opt;
	struct fr_expr_error err;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->session;
		break;
	case 'w':
		*ro = "--when";
		if (o->nwhen == MAX_EXPRS)
			argp_error(state, "too many --when (at most %d)", MAX_EXPRS);
		if (fr_expr_parse(arg, &o->when[o->nwhen], &err)) {
			fr_expr_print_error(stderr, state->name, arg, &err);
			exit(FR_EXIT_USAGE);
		}
		o->when_src[o->nwhen++] = arg;
		break;
	case OPT_LIST:
		*ro = "--list";
		o->list = true;
		break;
	case OPT_PRE:
		*ro = "--pre";
		if (fr_parse_duration(arg, &o->pre_ns) || o->pre_ns > 3600ULL * 1000000000ULL)
			argp_error(state, "bad --pre '%s': expected a duration up to 1h, e.g. 10s", arg);
		break;
	case OPT_POST:
		*ro = "--post";
		if (fr_parse_duration(arg, &o->post_ns) || o->post_ns > 3600ULL * 1000000000ULL)
			argp_error(state, "bad --post '%s': expected a duration up to 1h, e.g. 5s", arg);
		break;
	case OPT_COOLDOWN:
		*ro = "--cooldown";
		if (fr_parse_duration(arg, &o->cooldown_ns))
			argp_error(state, "bad --cooldown '%s': expected a duration, e.g. 60s, 5m", arg);
		break;
	case OPT_TIMEOUT:
		*ro = "--timeout";
		if (fr_parse_duration(arg, &o->timeout_ns) || !o->timeout_ns)
			argp_error(state, "bad --timeout '%s': expected a duration, e.g. 30s, 1h", arg);
		break;
	case OPT_NOW:
		o->now = true;
		break;
	case 'F':
		if (!strcmp(arg, "json"))
			o->json = true;
		else if (strcmp(arg, "text"))
			argp_error(state, "unknown --format '%s' (formats: text, json)", arg);
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
		*ro = "--count";
		if (fr_parse_u64(arg, 0, 1000000, &o->count))
			argp_error(state, "bad --count '%s': expected a number of captures, 0 for no limit", arg);
		break;
	case OPT_CGROUP:
		*ro = "--cgroup";
		if (!*arg)
			argp_error(state, "empty --cgroup");
		o->cgroup = arg;
		break;
	case ARGP_KEY_END:
		if (o->now && (*ro || o->session.command))
			argp_error(state, "%s applies to a recorder that trigger starts, not to --now "
				   "(which only takes --name, -o, -f, -q, -v)",
				   o->session.command ? "COMMAND" : *ro);
		if (o->session.command && o->timeout_ns)
			argp_error(state, "--timeout and COMMAND cannot be combined: the command's run is the time limit");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void list_detectors(void)
{
	printf("EXPR:  METRIC OP VALUE[UNIT] [for DURATION]\n"
	       "    |  METRIC rises VALUE[UNIT] in DURATION [for DURATION]\n"
	       "       joined with 'and'; OP is >, >=, < or <=; a bare count metric means > 0;\n"
	       "       a time or a size needs its unit (5ms, 1GB); a rise's window is 1s to 1h\n\n"
	       "Detectors and their metrics:\n");
	for (unsigned d = 0; d < FR_DET_COUNT; d++) {
		printf("\n%s\n", fr_detectors[d]->name);
		for (const enum fr_metric *p = fr_detectors[d]->metrics; *p != FR_M_NONE; p++) {
			const struct fr_metric_def *m = &fr_metric_defs[*p];

			printf("  %s (%s)\n      %s\n", m->name, fr_kind_units(m->kind), m->help);
		}
	}
	printf("\nContext written on firing:\n");
	for (unsigned d = 0; d < FR_DET_COUNT; d++)
		printf("  %-10s%s\n", fr_detectors[d]->name, fr_detectors[d]->context_help);
	printf("\nDefault set (armed when no --when is given), what each catches, how soon:\n");
	for (unsigned i = 0; i < fr_default_when_n; i++)
		printf("  --when '%s'\n      %s\n      fires %s\n", fr_default_when[i].when,
		       fr_default_when[i].catches, fr_default_when[i].fires);
	printf("\nDefaults: --pre 10s --post 5s --count 1 --cooldown 60s --buffer 32M\n"
	       "          -o flightrec-%%t-%%d.frec\n");
}

/* ---- the trigger ---- */

static const struct fr_profiler profiler = { fr_profile_start, fr_profile_finish, fr_profile_abort };

struct trigger {
	struct trigger_opts *o;
	struct fr_session s;
	struct fr_engine e;
	struct fr_record_cfg cfg;
	struct fr_syms *syms;
	struct fr_firing fire;
	bool firing;
	struct fr_window_plan win;	/* the ring the window needs */
	bool refused;		/* the window does not fit: a usage error */
	uint64_t cursor;	/* the next ring position the detectors look at */
	struct fr_ring_reader reader;	/* the cursor, moved by ctl clear and resize */
	struct fr_snapshot_info info;
	uint64_t written0, seen;	/* ring records put before arming, and looked at */
	uint64_t skipped;	/* ring records gone before the detectors saw them */
	bool skipped_warned;
	unsigned captures;
	int errors;
	int status;		/* COMMAND's wait status, or -1 */
};

/* What the detectors learn from the events moved into the ring since the
 * last look (the recorder's task table learnt their names as they came). */
static void tap(struct trigger *t)
{
	struct fr_ring *ring = &t->s.r.ring;

	if (t->cursor < ring->tail)
		t->cursor = ring->tail;
	while (t->cursor < ring->head) {
		uint32_t len;
		const void *rec = fr_ring_at(ring, &t->cursor, &len);

		if (len < sizeof(struct fr_hdr))
			continue;
		fr_sampler_event(&t->e.s, rec, len);
		t->seen++;
	}
	/* every record put in the ring since arming was either seen,
	 * overwritten before this look, or taken out on request (ctl) */
	t->skipped = ring->written - t->written0 - t->seen - fr_ring_reader_gone(&t->reader);
}

/* Live stats: the detectors' per-task state and the symbol caches, with
 * their bounds and what was let go to keep them. */
static void detector_stats(void *ctx, cJSON *reply)
{
	struct trigger *t = ctx;
	struct fr_syms_stats ss;
	cJSON *x;

	fr_sampler_stats(&t->e.s, cJSON_AddObjectToObject(reply, "detectors"));
	cJSON_AddItemToObject(reply, "armed", fr_engine_armed_json(&t->e, fr_boot_ns()));
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

/* %h: the host name, safe in a file name. */
static void host_name(char *buf, size_t len)
{
	buf[0] = 0;
	gethostname(buf, len - 1);
	buf[len - 1] = 0;
	for (char *c = buf; *c; c++)
		if (*c == '/')
			*c = '_';
}

static char *expand(const char *pat, const struct fr_firing *f, unsigned n)
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
			snprintf(tmp, sizeof(tmp), "%s", fr_firing_detector(f));
			break;
		case 'n':
			snprintf(tmp, sizeof(tmp), "%u", n);
			break;
		case 'h':
			host_name(tmp, sizeof(tmp));
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

/* One object, one line, on stdout (-F json); obj is freed. */
static void print_json(cJSON *obj)
{
	char *js = obj ? cJSON_PrintUnformatted(obj) : NULL;

	if (js) {
		fputs(js, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	cJSON_free(js);
	cJSON_Delete(obj);
}

/* Write the capture of firing f, the window ending at the end of its
 * post-window or at now, whichever comes first (a stop cuts it short). */
static int write_capture(struct trigger *t, struct fr_firing *f, uint64_t now)
{
	struct trigger_opts *o = t->o;
	struct fr_window win;
	struct fr_cap_writer w = { .fd = -1 };
	struct fr_snapshot_result res = { 0 };
	uint64_t from = f->at > o->pre_ns ? f->at - o->pre_ns : 0;
	uint64_t to = f->at + o->post_ns < now ? f->at + o->post_ns : now;
	char *name = NULL, *path = NULL, when[64];
	cJSON *tj, *ctx;
	int fd, err;
	unsigned n = t->captures + 1;

	/* what is still in the BPF buffer, or batched, belongs in the window */
	fr_recorder_sync(&t->s.r);
	tap(t);
	err = fr_window_collect(&t->s.r.ring, from, to, &win);
	if (err) {
		fr_err("cannot gather the capture's events: %s", strerror(-err));
		fr_firing_drop(f);
		return err;
	}
	ctx = fr_engine_context(&t->e, f, win.recs, win.n);
	tj = fr_firing_json(f, o->pre_ns, o->post_ns, n, o->cgroup);
	/* what the window really is: the ring may not have held all of
	 * the pre-window, and a stop cuts the post-window short */
	cJSON_AddNumberToObject(tj, "window_start_ns",
				(double)(win.n ? ((const struct fr_hdr *)win.recs[0])->ts : from));
	cJSON_AddNumberToObject(tj, "window_end_ns", (double)to);
	cJSON_AddItemToObject(tj, "armed", fr_engine_armed_json(&t->e, now));
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
		err = fr_recorder_snapshot_window(&t->s.r, &t->info, tj, &win, &w, &res);
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
		cJSON *h = fr_headline(tj, NULL, NULL);

		localtime_r(&tt, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		if (t->s.tty)
			fputs("\r\033[K", stderr);
		if (o->json)
			print_json(fr_firing_summary(tj, h, path, fr_boot_to_wall_ns()));
		else
			fr_render_firing_line(stdout, tj, h, when, path, 80);
		cJSON_Delete(h);
		fflush(stdout);
	}
	t->captures++;
out:
	fr_firing_drop(f);
	cJSON_Delete(tj);
	fr_window_free(&win);
	free(name);
	free(path);
	return err;
}

static void status_line(struct trigger *t, const struct fr_firing *f, uint64_t now)
{
	struct winsize ws;
	char line[512];
	int cols = 80;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 20 && ws.ws_col < cols)
		cols = ws.ws_col;
	if (f) {
		uint64_t end = f->at + t->o->post_ns;

		snprintf(line, sizeof(line), "%s fired; recording the post-window, %.0fs left",
			 fr_firing_detector(f), end > now ? (end - now) / 1e9 : 0.0);
		line[cols - 1] = 0;
	} else {
		fr_engine_status(&t->e, now, line, sizeof(line), cols);
	}
	fprintf(stderr, "\r\033[K%s", line);
}

/* The expressions to arm: --when, else the built-in set (those a detector
 * of this kernel can run). The engine checks what each reads. */
static int arm(struct trigger *t)
{
	struct trigger_opts *o = t->o;
	int err;

	if (!o->nwhen) {
		int n = fr_default_exprs(o->when, o->when_src, MAX_EXPRS);

		if (n < 0)
			return FR_EXIT_ERROR;
		o->nwhen = (unsigned)n;
	}
	err = fr_engine_init(&t->e, o->when, o->when_src, o->nwhen, o->cgroup, o->post_ns > 0);
	if (err)
		return err == -EINVAL ? FR_EXIT_USAGE : FR_EXIT_ERROR;
	return 0;
}

/* Where the captures go must exist and take files, before an hour's wait
 * ends in a failure: the directory of -o, as far as it is known before a
 * firing (%t, %d and %n name files, not directories, in most patterns).
 * 0, or FR_EXIT_ERROR with the message printed. */
static int check_output_dir(const char *pattern)
{
	char dir[4096], host[256] = "";
	const char *slash = strrchr(pattern, '/');
	size_t n = 0;
	struct stat st;
	int err = 0;

	host_name(host, sizeof(host));
	for (const char *p = pattern; slash && p < slash && n < sizeof(dir) - 1; p++) {
		if (*p != '%') {
			dir[n++] = *p;
			continue;
		}
		if (p[1] == '%') {
			dir[n++] = '%';
			p++;
		} else if (p[1] == 'h') {
			for (const char *h = host; *h && n < sizeof(dir) - 1; h++)
				dir[n++] = *h;
			p++;
		} else {
			/* a directory per firing: check its parent */
			while (n && dir[n - 1] != '/')
				n--;
			break;
		}
	}
	while (n > 1 && dir[n - 1] == '/')
		n--;
	dir[n] = 0;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (!n)
		snprintf(dir, sizeof(dir), "/");
	if (stat(dir, &st))
		err = errno;
	else if (!S_ISDIR(st.st_mode))
		err = ENOTDIR;
	else if (access(dir, W_OK | X_OK))
		err = errno;
	if (err) {
		fr_err("cannot write captures in %s: %s; give -o a pattern in a directory that "
		       "exists and is writable", dir, strerror(err));
		return FR_EXIT_ERROR;
	}
	return 0;
}

/* The ring: what the options and the detectors need, big enough for the
 * window at the floor rate. 0, or FR_EXIT_USAGE (printed). */
static int configure(struct trigger *t)
{
	struct trigger_opts *o = t->o;
	struct fr_record_cfg *cfg = &t->cfg;

	t->win = (struct fr_window_plan){ .pre_ns = o->pre_ns, .post_ns = o->post_ns,
					  .asked = o->session.buffer };
	cfg->ring_size = fr_window_start_size(&t->win);
	if (!cfg->ring_size)
		return FR_EXIT_USAGE;

	cfg->groups = o->session.groups | fr_sampler_groups(&t->e.s);
	if (!o->session.groups_set)
		cfg->groups |= FR_GROUP_SCHED | FR_GROUP_PROCESS | FR_GROUP_BLOCK;
	cfg->prefer = o->session.attach;
	cfg->cgroup_level = -1;
	/* the BPF buffer: a quarter of the ring at most, so that one drain
	 * cannot overwrite what the detectors have not looked at yet */
	cfg->bpf_buffer = 4u << 20;
	while (cfg->bpf_buffer > 16384 && cfg->bpf_buffer > cfg->ring_size / 4)
		cfg->bpf_buffer /= 2;
	if (o->cgroup)
		cJSON_AddStringToObject(t->s.filters, "cgroup", o->cgroup);
	t->info.command = t->s.self;
	t->info.filters = t->s.filters;
	t->info.groups = cfg->groups;
	t->info.bpf_buffer = cfg->bpf_buffer;
	t->info.exit_status = -1;
	t->syms = fr_syms_new();
	t->e.env.syms = t->syms;
	t->e.env.profiler = &profiler;
	t->e.env.devices = fr_devices_json;
	return 0;
}

/* Probes attached: the detectors start from the ring's head, and live
 * stats show their state. */
static void start(struct trigger *t)
{
	t->s.live.more_stats = detector_stats;
	t->s.live.more_ctx = t;
	t->e.env.tasks = &t->s.r.tasks;
	t->cursor = t->s.r.ring.head;
	t->written0 = t->s.r.ring.written;
	t->reader.pos = &t->cursor;
	fr_recorder_add_reader(&t->s.r, &t->reader);
	fr_window_start(&t->win, &t->s.r.ring, fr_boot_ns());
}

/* The first readings: rates and shares need two. */
static void first_readings(struct trigger *t)
{
	uint64_t now = fr_boot_ns();
	char b[16];

	/* the first point of a rise, too: a burst that starts with COMMAND
	 * counts in full */
	fr_engine_sample(&t->e, now);
	fr_sampler_sample_events(&t->e.s);
	t->e.armed_at = now;
	fr_info("armed %u detector expression%s%s; ring %s, %u probes; Ctrl-C to stop",
		t->o->nwhen, t->o->nwhen == 1 ? "" : "s", t->o->cgroup ? " on the cgroup" : "",
		fr_fmt_bytes(t->s.r.ring.cap, b, sizeof(b)), t->s.r.nattached);
	for (unsigned i = 0; i < t->o->nwhen; i++)
		fr_vlog("  --when '%s'", t->o->when[i].text);
}

/* A firing's post-window is over (or cut short): write its capture, and
 * the detector rests. true when enough captures were written. */
static bool captured(struct trigger *t, uint64_t now)
{
	if (write_capture(t, &t->fire, now))
		t->errors++;
	fr_engine_rearm(&t->e, &t->fire, fr_boot_ns() + t->o->cooldown_ns);
	t->firing = false;
	return t->o->count && t->captures >= t->o->count;
}

/* Watch until enough captures, a stop, --timeout or COMMAND's exit. */
static void watch(struct trigger *t)
{
	struct trigger_opts *o = t->o;
	uint64_t now = fr_boot_ns(), next_sample = now + 1000000000ULL, last_status = 0;
	uint64_t deadline = o->timeout_ns ? now + o->timeout_ns : 0;
	int err;

	while (!fr_stop_signal) {
		bool sampled = false, last_round = false;

		err = fr_session_poll(&t->s, 100);
		if (err < 0) {
			fr_err("reading events from the BPF ring buffer failed: %s", strerror(-err));
			t->errors++;
			break;
		}
		tap(t);
		now = fr_boot_ns();
		/* the first second: the ring the window needs at this rate */
		if (!t->win.fitted &&
		    (err = fr_window_fit(&t->win, &t->s.r, &t->cursor, now, fr_recorder_grow_ring))) {
			t->refused = err == -E2BIG;
			t->errors += !t->refused;
			break;
		}
		if (fr_session_child_exited(&t->s, &t->status)) {
			/* its last events (its own crash among them) are still
			 * looked at, and a post-window under way is cut short */
			fr_recorder_poll(&t->s.r, 0);
			tap(t);
			last_round = true;
		}
		if (now >= next_sample) {
			fr_engine_sample(&t->e, now);
			next_sample += 1000000000ULL;
			if (next_sample <= now)
				next_sample = now + 1000000000ULL;
			sampled = true;
		}
		/* OOM kills and crashes during a capture are kept for after it */
		if (!t->firing && (sampled || t->e.s.fatal_pending || last_round)) {
			fr_sampler_sample_events(&t->e.s);
			sampled = true;
		}
		fr_engine_tick(&t->e, now, t->firing);
		/* paused (ctl pause): the ring takes nothing, so nothing fires */
		if (sampled && !t->s.r.paused && fr_engine_evaluate(&t->e, now, t->firing, &t->fire)) {
			t->firing = true;
			fr_vlog("%s fired; recording %.1fs more", fr_firing_detector(&t->fire),
				o->post_ns / 1e9);
		}
		if (t->firing && (now >= t->fire.at + o->post_ns || last_round) && captured(t, now))
			break;
		if (last_round)
			break;
		if (t->skipped && !t->skipped_warned) {
			fr_warn("the ring is too small for this event rate: %llu events went by before the "
				"detectors saw them; give a larger --buffer",
				(unsigned long long)t->skipped);
			t->skipped_warned = true;
		}
		if (deadline && now >= deadline && !t->firing) {
			fr_vlog("--timeout reached");
			break;
		}
		fr_recorder_tend(&t->s.r);
		if (t->s.tty && now - last_status >= 1000000000ULL) {
			status_line(t, t->firing ? &t->fire : NULL, now);
			last_status = now;
		}
	}
}

/* Stopped: a post-window under way is written short; with enough
 * captures, COMMAND runs on, unwatched, until it exits or we are stopped.
 * The exit status. */
static int wind_down(struct trigger *t)
{
	struct fr_session *s = &t->s;

	if (s->tty)
		fputs("\r\033[K", stderr);
	fr_live_close(&s->live);
	/* stopped during a post-window: what was gathered is still worth having */
	if (t->firing) {
		fr_info("stopping: writing the capture with a shortened post-window");
		if (write_capture(t, &t->fire, fr_boot_ns()))
			t->errors++;
		t->firing = false;
	}
	if (s->child.pid && !fr_stop_signal && !t->refused) {
		fr_recorder_stop(&s->r);
		while (!fr_stop_signal) {
			pid_t w = waitpid(s->child.pid, &t->status, 0);

			if (w == s->child.pid || (w < 0 && errno != EINTR)) {
				s->child.pid = 0;
				break;
			}
		}
	}
	if (s->child.pid)
		fr_session_end_child(s, &t->status);
	if (t->refused)
		return FR_EXIT_USAGE;
	if (!t->captures && !t->errors) {
		uint64_t now = fr_boot_ns();

		fr_engine_report_closest(&t->e, now);
		if (t->o->json)
			print_json(fr_engine_unfired_json(&t->e, now));
	}
	if (t->o->session.command && t->status >= 0)
		return fr_exit_status(t->status);
	if (t->errors)
		return FR_EXIT_ERROR;
	return t->captures ? FR_EXIT_OK : FR_EXIT_NOT_FIRED;
}

int cmd_trigger(int argc, char **argv)
{
	static struct trigger_opts o;
	static struct trigger t;
	struct argp_child children[] = { fr_session_argp(&help), { 0 } };
	struct argp argp = { options, parse_opt, "[-- COMMAND [ARG...]]", doc, children, NULL, NULL };
	int ret;

	o = (struct trigger_opts){ .pre_ns = 10000000000ULL, .post_ns = 5000000000ULL,
				   .cooldown_ns = 60000000000ULL, .count = 1,
				   .output = "flightrec-%t-%d.frec" };
	o.session = (struct fr_session_opts){ .groups = FR_GROUP_SCHED | FR_GROUP_PROCESS | FR_GROUP_BLOCK,
					      .buffer = 32ULL << 20, .attach = FR_ATTACH_TP_BTF };
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &o))
		return FR_EXIT_USAGE;
	if (o.now) {
		fr_verbosity = o.session.quiet ? FR_QUIET : o.session.verbose;
		return fr_live_trigger_now(o.session.name, o.output_set ? o.output : NULL, o.force);
	}
	if (o.list) {
		list_detectors();
		return FR_EXIT_OK;
	}
	memset(&t, 0, sizeof(t));
	t.o = &o;
	t.status = -1;
	fr_session_init(&t.s, &o.session, "trigger", argc, argv);
	if ((ret = check_output_dir(o.output)) || (ret = arm(&t)))
		goto out;
	if ((ret = configure(&t)))
		goto out;
	fr_session_catch_stop();
	ret = FR_EXIT_ERROR;
	if (fr_session_start(&t.s, &t.cfg, &t.info, o.output))
		goto out;
	start(&t);
	if ((ret = fr_session_go(&t.s, NULL)))
		goto out;
	first_readings(&t);
	watch(&t);
	ret = wind_down(&t);
out:
	if (t.firing)
		fr_firing_drop(&t.fire);
	fr_session_free(&t.s);
	fr_syms_free(t.syms);
	fr_engine_free(&t.e);
	return ret;
}
