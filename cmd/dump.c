/* dump.c: flightrec dump: decode a capture to text, JSON, NDJSON, Chrome
 * trace events or collapsed stacks, each one row of formats[]. Needs no
 * privileges. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "cmd.h"
#include "format.h"
#include "live_client.h"
#include "capture/capture.h"
#include "control/control.h"
#include "capture/event.h"
#include "report/export.h"
#include "report/headline.h"
#include "report/info.h"
#include "base/log.h"
#include "report/model.h"
#include "report/render.h"
#include "base/util.h"

struct dump_format;

struct dump_opts {
	const char *file;
	bool info;
	const struct dump_format *fmt;
	uint32_t pid;
	bool has_pid;
	uint32_t types;		/* bit per enum fr_type; 0 = all */
	const char *since, *until;
	uint64_t since_ns, until_ns;	/* CLOCK_BOOTTIME bounds, resolved */
	const char *live;		/* a running recorder's name */
	bool live_any;			/* --live without a name: the only one running */
	bool clear;			/* --clear: the trace's events taken out of the ring */
	uint8_t trace_id[16];
	bool has_trace;
	unsigned trace_slot;		/* resolved in the capture; 0: none */
	bool wide;			/* text past 80 columns */
};

enum { OPT_SINCE = 0x100, OPT_UNTIL, OPT_LIVE, OPT_TRACE_ID, OPT_WIDE, OPT_CLEAR };

static struct argp_option options[] = {
	{ "format", 'F', "FORMAT", 0, NULL, 0 },	/* doc from formats[] */
	{ "pid", 'p', "PID", 0, "Only events of this process (its threads included)", 1 },
	{ "type", 't', "TYPES", 0, "Only these event types or groups, comma-separated "
	  "(e.g. sys_exit,process)", 1 },
	{ "since", OPT_SINCE, "TIME", 0, "Only events at or after TIME: an offset from the start "
	  "of the recording (2s, 150ms), a date and time (2026-11-23T14:20:01[.5][Z]) or @UNIX_SECONDS", 1 },
	{ "until", OPT_UNTIL, "TIME", 0, "Only events before TIME (same forms as --since)", 1 },
	{ "trace-id", OPT_TRACE_ID, "ID", 0, "Only the events labelled with this trace id (32 hex "
	  "digits) and the marks that carry it", 1 },
	{ "live", OPT_LIVE, "NAME", OPTION_ARG_OPTIONAL, "Instead of a FILE, a snapshot of the ring "
	  "of the running recorder NAME (default: the only one running), taken without stopping "
	  "it; --live NAME and --live=NAME both work", 0 },
	{ "clear", OPT_CLEAR, NULL, 0, "With --live and --trace-id: take the trace's events and "
	  "marks out of the recorder's ring as they are printed; the others stay", 0 },
	{ "info", 'i', NULL, 0, "Describe the capture instead of printing its events: host, "
	  "probes, counters, time range, raw and file bytes and the compression ratio", 0 },
	{ "wide", OPT_WIDE, NULL, 0, "Text wider than 80 columns: every field of each event, "
	  "each line whole, the --info command line on one line", 2 },
	{ "quiet", 'q', NULL, 0, "No warnings naming each damaged part of a capture; one error "
	  "line and the exit status still say that data was lost", 2 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Give this help list", 2 },
	{ 0 },
};

static const char doc[] =
	"Print the events of a capture in time order."
	"\v"
	"Text output has one line per event, within 80 columns: wall-clock time, CPU, task "
	"name, pid, event type and what matters of its fields; --wide prints every field "
	"as KEY=VALUE, each line whole. JSON and NDJSON objects carry every field; the "
	"schema is in flightrec-dump(8).\n\n"
	"Exit status: 0 when the whole capture was read, 1 when it could not be read or "
	"part of it was damaged or missing (what could be read is printed), 2 on a usage error.\n\n"
	"Examples:\n"
	"  flightrec dump cap.frec | less\n"
	"  flightrec dump -t sys_exit -p 1234 cap.frec\n"
	"  flightrec dump -F ndjson --since 2s --until 3s cap.frec | jq .\n"
	"  flightrec dump --info cap.frec\n"
	"  flightrec dump --live default -t mark\n"
	"  flightrec dump --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 cap.frec";

static int parse_types(const char *list, uint32_t *mask)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned t = fr_type_by_name(p, n);

		if (t) {
			*mask |= 1u << t;
		} else {
			unsigned g = 0;
			const char *bad;
			size_t badlen;
			char item[32];

			snprintf(item, sizeof(item), "%.*s", (int)(n < 31 ? n : 31), p);
			if (n >= 31 || fr_groups_parse(item, &g, &bad, &badlen))
				return -(int)(p - list) - 1;
			for (unsigned x = 1; x < FR_EV_TYPE_MAX; x++)
				if (fr_type_info(x)->group & g)
					*mask |= 1u << x;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return *mask ? 0 : -1;
}

/* ".123" -> 123000000 ns, exactly (a double loses nanoseconds at epoch
 * scale); no fraction -> 0; advances *p; -1 on a bad fraction. */
static int64_t parse_frac(char **p)
{
	int64_t ns = 0, scale = 100000000;
	char *s = *p;

	if (*s != '.')
		return 0;
	s++;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		ns += (*s - '0') * scale;
		scale /= 10;
	}
	*p = s;
	return ns;
}

/* A wall-clock time (seconds within [0, 9e9], ns fraction) as a boot clock
 * value: before the recording machine booted is 0. */
static uint64_t wall_to_boot(int64_t secs, int64_t frac, int64_t boot_to_wall)
{
	__int128 boot = (__int128)secs * 1000000000 + frac - boot_to_wall;

	if (boot < 0)
		return 0;
	if (boot > (__int128)UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)boot;
}

/* TIME of --since/--until as a CLOCK_BOOTTIME ns value for this capture. */
static int resolve_time(const char *s, uint64_t start_ns, int64_t boot_to_wall, uint64_t *out)
{
	uint64_t d;

	if (!fr_parse_duration(s, &d)) {
		*out = start_ns + d < start_ns ? UINT64_MAX : start_ns + d;
		return 0;
	}
	if (s[0] == '@') {
		char *end;
		unsigned long long secs;
		int64_t frac;

		if (s[1] < '0' || s[1] > '9')
			return -EINVAL;
		errno = 0;
		secs = strtoull(s + 1, &end, 10);
		if (errno || secs > 9000000000ULL)
			return -ERANGE;
		frac = parse_frac(&end);
		if (frac < 0 || *end)
			return -EINVAL;
		*out = wall_to_boot((int64_t)secs, frac, boot_to_wall);
		return 0;
	}
	{
		struct tm tm = { 0 };
		char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		int64_t frac;
		time_t t;

		if (!p)
			p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
		if (!p && s[0] >= '0' && s[0] <= '9' && strchr(s, ':')) {
			/* a time of day as dump prints it: on the day the
			 * recording started, local time */
			time_t day = (time_t)(((__int128)start_ns + boot_to_wall) / 1000000000);
			struct tm d;

			localtime_r(&day, &d);
			p = strptime(s, "%H:%M:%S", &tm);
			tm.tm_year = d.tm_year;
			tm.tm_mon = d.tm_mon;
			tm.tm_mday = d.tm_mday;
			if (p && *p == 'Z')
				return -EINVAL;	/* local, as dump prints it */
		}
		if (!p)
			return -EINVAL;
		frac = parse_frac(&p);
		if (frac < 0)
			return -EINVAL;
		if (*p == 'Z' && !p[1]) {
			t = timegm(&tm);
		} else if (!*p) {
			tm.tm_isdst = -1;
			t = mktime(&tm);
		} else {
			return -EINVAL;
		}
		if (t == (time_t)-1 || t < 0 || t > 9000000000LL)
			return -ERANGE;
		*out = wall_to_boot(t, frac, boot_to_wall);
		return 0;
	}
}

struct dump_ctx {
	struct dump_opts *o;
	struct fr_capture *cap;
	uint64_t start;		/* boot ns of the start of the recording */
	struct fr_chrome chrome;
	struct fr_decoder dec;
	struct fr_view view;
	FILE *out;
	uint64_t printed;
	uint64_t pid_seen;	/* -p: events of the process in the time asked */
	uint64_t cut;		/* text lines cut at 80 columns */
	bool first;
};

/* ---- the output formats ---- */

/* One output format: what it prints before the events, for each event
 * that passes the filters, and after them, and how it prints --info. A
 * format without an event function prints from the capture's records
 * alone: its begin returns the exit status. */
struct dump_format {
	struct fr_format_name id;
	int (*begin)(struct dump_ctx *c);
	void (*event)(struct dump_ctx *c);
	void (*end)(struct dump_ctx *c);
	void (*info)(FILE *out, const cJSON *info, const struct fr_decoder *d);
};

static void info_json(FILE *out, const cJSON *info, const struct fr_decoder *d)
{
	char *js = cJSON_PrintUnformatted(info);

	(void)d;
	fputs(js ? js : "{}", out);
	fputc('\n', out);
	cJSON_free(js);
}

static int text_begin(struct dump_ctx *c)
{
	cJSON *h;

	if (!c->cap->trigger)
		return 0;
	h = fr_capture_headline(c->cap);
	fr_render_trigger_text(c->out, &c->dec, c->cap->trigger, h);
	cJSON_Delete(h);
	return 0;
}

static void text_event(struct dump_ctx *c)
{
	c->cut += fr_render_text(c->out, &c->dec, &c->view);
}

static void print_capture_json(FILE *out, const struct fr_capture *cap)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (cap->meta)
		cJSON_AddItemToObject(o, "meta", cJSON_Duplicate(cap->meta, true));
	if (cap->end || cap->status) {
		/* a ring file whose recorder did not finish: its last status */
		const cJSON *e = cap->end ? cap->end : cap->status;
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "counters");
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "exit_status");

		if (c)
			cJSON_AddItemToObject(o, "counters", cJSON_Duplicate(c, true));
		if (x)
			cJSON_AddItemToObject(o, "exit_status", cJSON_Duplicate(x, true));
	}
	if (cap->trigger) {
		cJSON_AddItemToObject(o, "trigger", cJSON_Duplicate(cap->trigger, true));
		cJSON_AddItemToObject(o, "headline", fr_capture_headline(cap));
	}
	if (cap->procs)
		cJSON_AddItemToObject(o, "processes", cJSON_Duplicate(cap->procs, true));
	cJSON_AddBoolToObject(o, "complete", cap->end != NULL);
	s = cJSON_PrintUnformatted(o);
	fputs(s ? s : "{}", out);
	cJSON_free(s);
	cJSON_Delete(o);
}

static int json_begin(struct dump_ctx *c)
{
	fputs("{\"capture\":", c->out);
	print_capture_json(c->out, c->cap);
	fputs(",\n\"events\":[\n", c->out);
	return 0;
}

static void json_event(struct dump_ctx *c)
{
	if (!c->first)
		fputs(",\n", c->out);
	c->first = false;
	fr_render_json(c->out, &c->dec, &c->view);
}

static void json_end(struct dump_ctx *c)
{
	fputs("\n]}\n", c->out);
}

/* what fired comes first: one object of its own type */
static int ndjson_begin(struct dump_ctx *c)
{
	cJSON *t;
	char *js;

	if (!c->cap->trigger)
		return 0;
	t = cJSON_Duplicate(c->cap->trigger, true);
	if (t && cJSON_IsObject(t)) {
		cJSON_DeleteItemFromObjectCaseSensitive(t, "type");
		cJSON_AddStringToObject(t, "type", "trigger");
	}
	js = t && cJSON_IsObject(t) ? cJSON_PrintUnformatted(t) : NULL;
	if (js) {
		fputs(js, c->out);
		fputc('\n', c->out);
	}
	cJSON_free(js);
	cJSON_Delete(t);
	return 0;
}

static void ndjson_event(struct dump_ctx *c)
{
	fr_render_json(c->out, &c->dec, &c->view);
	fputc('\n', c->out);
}

static int chrome_begin(struct dump_ctx *c)
{
	uint64_t base = UINT64_MAX;

	/* ts 0 is the first event */
	for (size_t i = 0; i < c->cap->nsegs; i++) {
		const struct fr_seg_header *h = &c->cap->segs[i].h;

		if (h->type == FR_SEG_EVENTS && h->nevents && h->ts_first < base)
			base = h->ts_first;
	}
	fr_chrome_begin(&c->chrome, c->out, base == UINT64_MAX ? c->start : base, &c->dec,
			c->cap->trigger);
	return 0;
}

static void chrome_event(struct dump_ctx *c)
{
	fr_chrome_event(&c->chrome, &c->dec, &c->view);
}

static void chrome_end(struct dump_ctx *c)
{
	fr_chrome_end(&c->chrome);
}

static int folded_begin(struct dump_ctx *c)
{
	long n = c->cap->trigger ? fr_folded_write(c->out, c->cap->trigger) : -1;

	if (n < 0) {
		fr_err("%s has no profile samples: only the captures trigger writes for the cpu "
		       "and memburst detectors have them", c->o->file);
		return FR_EXIT_ERROR;
	}
	return c->cap->problems ? FR_EXIT_ERROR : FR_EXIT_OK;
}

/* the first is the default */
static const struct dump_format formats[] = {
	{ { "text", "default" }, text_begin, text_event, NULL, fr_info_text },
	{ { "json", "one document" }, json_begin, json_event, json_end, info_json },
	{ { "ndjson", "one object per line" }, ndjson_begin, ndjson_event, NULL, info_json },
	{ { "chrome", "trace events for the Perfetto UI and chrome://tracing" },
	  chrome_begin, chrome_event, chrome_end, info_json },
	{ { "folded", "the profile of a trigger capture as collapsed stacks, for flamegraph.pl, "
	    "speedscope, inferno" }, folded_begin, NULL, NULL, info_json },
};

static const struct fr_format_table format_table = FR_FORMAT_TABLE(formats);

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct dump_opts *o = state->input;
	uint64_t v;
	int r;

	switch (key) {
	case 'F':
		o->fmt = fr_format_opt(state, &format_table, arg);
		break;
	case 'p':
		if (fr_parse_u64(arg, 0, UINT32_MAX, &v))
			argp_error(state, "bad --pid '%s': expected a process id", arg);
		o->pid = v;
		o->has_pid = true;
		break;
	case 't':
		r = parse_types(arg, &o->types);
		if (r) {
			const char *bad = r < -1 ? arg - r - 1 : arg;

			argp_error(state, "unknown event type or group '%.*s' in --type (types: "
				   "sched_switch, sched_wakeup, sched_wakeup_new, process_fork, process_exec, "
				   "process_exit, sys_enter, sys_exit, block_issue, block_complete, oom_kill, mark; groups: "
				   "sched, process, syscalls, block)", (int)strcspn(bad, ","), bad);
		}
		break;
	case OPT_SINCE:
		o->since = arg;
		break;
	case OPT_UNTIL:
		o->until = arg;
		break;
	case 'i':
		o->info = true;
		break;
	case OPT_LIVE:
		if (arg)
			o->live = fr_opt_recorder(state, "--live", arg);
		o->live_any = !arg;
		break;
	case OPT_CLEAR:
		o->clear = true;
		break;
	case OPT_TRACE_ID:
		fr_opt_trace_id(state, arg, o->trace_id);
		o->has_trace = true;
		break;
	case OPT_WIDE:
		o->wide = true;
		break;
	case 'q':
		fr_verbosity = FR_QUIET;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (o->live_any && !o->live && !o->file) {
			struct stat st;

			/* options come first: "dump cap.frec --live" lands here */
			if (!stat(arg, &st) && !S_ISSOCK(st.st_mode))
				argp_error(state, "--live reads a running recorder: no FILE with it");
			/* --live NAME: the word is the recorder's name */
			o->live = fr_opt_recorder(state, "--live", arg);
			break;
		}
		if (o->file)
			argp_error(state, "one capture at a time: '%s' is one too many", arg);
		if (o->live)
			argp_error(state, "--live reads a running recorder: no FILE with it");
		o->file = arg;
		break;
	case ARGP_KEY_END:
		if (o->file && (o->live || o->live_any))
			argp_error(state, "--live reads a running recorder: no FILE with it");
		if (!o->file && !o->live && !o->live_any)
			argp_error(state, "which capture? give a FILE, or --live [NAME] for a running "
				   "recorder");
		if (o->clear && (!(o->live || o->live_any) || !o->has_trace))
			argp_error(state, "--clear takes a trace's events out of a running recorder's "
				   "ring: it needs --live and --trace-id");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "FILE\n--live [NAME]", doc, NULL, NULL, NULL };

static int on_event(const void *rec, uint32_t len, void *arg)
{
	struct dump_ctx *c = arg;
	const struct fr_hdr *h = rec;

	(void)len;
	if (h->ts >= c->o->until_ns)
		return 1;	/* events are in time order: done */
	/* decode even when filtered out: it keeps comms and syscall entries */
	fr_decode(&c->dec, rec, &c->view);
	if (h->ts < c->o->since_ns)
		return 0;
	if (c->o->has_pid && c->view.tgid != c->o->pid)
		return 0;
	c->pid_seen++;
	if (c->o->types && !(c->o->types & (1u << h->type)))
		return 0;
	if (c->o->has_trace && !fr_trace_match(rec, c->o->trace_slot, c->o->trace_id))
		return 0;
	c->o->fmt->event(c);
	c->printed++;
	/* stop early when the reader went away (dump | head) */
	if ((c->printed & 1023) == 0 && ferror(c->out))
		return -EPIPE;
	return 0;
}

/* The capture of FILE, or of a snapshot of the running recorder --live
 * names (then o->file becomes its label); NULL, message printed. */
static struct fr_capture *open_capture(struct dump_opts *o, char *label, size_t len)
{
	struct fr_capture *cap;
	char err[512], live_path[64];
	int live_fd = -1;

	if (o->live || o->live_any) {
		cJSON *q = NULL;

		if (o->has_trace) {
			/* the recorder selects the trace's events (and takes them
			 * out with --clear) */
			char hex[33];

			fr_trace_id_format(o->trace_id, hex);
			q = cJSON_CreateObject();
			cJSON_AddStringToObject(q, "op", "snapshot");
			cJSON_AddStringToObject(q, "trace_id", hex);
			cJSON_AddBoolToObject(q, "clear", o->clear);
		}
		live_fd = fr_live_fetch_memfd_q(o->live, q, live_path, sizeof(live_path), NULL);
		cJSON_Delete(q);
		if (live_fd < 0)
			return NULL;
		snprintf(label, len, "recorder %s", o->live ? o->live : "running");
		o->file = label;
	}
	if (fr_capture_open(live_fd >= 0 ? live_path : o->file, &cap, err, sizeof(err))) {
		fr_err("%s", err);
		cap = NULL;
	}
	if (live_fd >= 0)
		close(live_fd);	/* the capture has its own descriptor */
	return cap;
}

/* Boot ns of the start of the recording, for offsets in --since/--until */
static uint64_t start_of(const struct fr_capture *cap)
{
	uint64_t start = fr_jcount(cap->meta, "start_ns");

	if (start)
		return start;
	for (size_t i = 0; i < cap->nsegs; i++)
		if (cap->segs[i].h.type == FR_SEG_EVENTS)
			return cap->segs[i].h.ts_first;
	return 0;
}

/* --since and --until as boot ns bounds; -1, message printed, when bad */
static int resolve_bounds(struct dump_opts *o, uint64_t start, int64_t boot_to_wall)
{
	const char *bad = NULL, *what = NULL;
	int err = 0;

	o->until_ns = UINT64_MAX;
	if (o->since && (err = resolve_time(o->since, start, boot_to_wall, &o->since_ns)))
		bad = o->since, what = "--since";
	else if (o->until && (err = resolve_time(o->until, start, boot_to_wall, &o->until_ns)))
		bad = o->until, what = "--until";
	if (!bad)
		return 0;
	fr_err("bad %s '%s': %s", what, bad, err == -ERANGE ? "out of range (1970 to 2255)" :
	       "expected an offset (2s), a time of day as dump prints it (14:20:01.5), a date and "
	       "time (2026-11-23T14:20:01) or @UNIX_SECONDS");
	return -1;
}

/* The events through the format; the exit status */
static int print_events(struct dump_ctx *c)
{
	const struct dump_format *f = c->o->fmt;
	int ret = f->begin(c);

	if (!f->event)
		return ret;
	ret = fr_capture_foreach_range(c->cap, c->o->since_ns, c->o->until_ns, on_event, c);
	if (f->end)
		f->end(c);
	if (c->cut) {
		fflush(c->out);
		fr_warn("%llu line%s cut at %d columns; --wide prints every field, each line whole",
			(unsigned long long)c->cut, c->cut == 1 ? "" : "s", FR_TEXT_WIDTH);
	}
	/* an empty answer is not an error, but it should not look like one
	 * either: say whether the process is in the capture at all */
	if (c->o->has_pid && !c->printed && ret >= 0 && !c->pid_seen)
		fr_warn("%s: no event of process %u %s", c->o->file, c->o->pid,
			c->o->since || c->o->until ? "between --since and --until" : "in the capture");
	else if (c->o->has_pid && !c->printed && ret >= 0)
		fr_warn("%s: process %u has %llu events%s, none of the types or trace asked",
			c->o->file, c->o->pid, (unsigned long long)c->pid_seen,
			c->o->since || c->o->until ? " between --since and --until" : "");
	if (ret < 0 && ret != -EPIPE) {
		fr_err("%s: %s", c->o->file, strerror(-ret));
		return FR_EXIT_ERROR;
	}
	if (c->cap->problems) {
		fflush(c->out);
		fr_err("%s: the capture is damaged or incomplete; printed the %llu events that could be read",
		       c->o->file, (unsigned long long)c->printed);
		return FR_EXIT_ERROR;
	}
	return FR_EXIT_OK;
}

int cmd_dump(int argc, char **argv)
{
	struct dump_opts o = { .fmt = &formats[0] };
	struct dump_ctx *c;
	struct fr_capture *cap;
	static char obuf[1 << 16], fmt_doc[512];
	char live_label[96];
	int ret;

	options[0].doc = fr_format_help(&format_table, fmt_doc, sizeof(fmt_doc));
	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return FR_EXIT_USAGE;
	cap = open_capture(&o, live_label, sizeof(live_label));
	if (!cap)
		return FR_EXIT_ERROR;
	if (o.has_trace) {
		o.trace_slot = fr_capture_trace_slot(cap, o.trace_id);
		if (!o.trace_slot) {
			char hex[33];

			fr_trace_id_format(o.trace_id, hex);
			fr_warn("%s: no event is labelled with trace %s (only marks that carry it "
				"are printed)", o.file, hex);
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		fr_err("out of memory");
		fr_capture_close(cap);
		return FR_EXIT_ERROR;
	}
	c->o = &o;
	c->cap = cap;
	c->out = stdout;
	c->first = true;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (fr_decoder_init(&c->dec, cap->meta, cap->procs))
		fr_warn("%s: the process table is damaged; task names may be missing", o.file);
	c->dec.traces = fr_capture_traces(cap);
	c->dec.wide = o.wide;
	c->start = start_of(cap);
	if (o.info) {
		cJSON *info;

		fr_info_verify(cap);
		info = fr_info_model(cap, o.file);

		o.fmt->info(stdout, info, &c->dec);
		cJSON_Delete(info);
		ret = cap->problems ? FR_EXIT_ERROR : FR_EXIT_OK;
	} else if (resolve_bounds(&o, c->start, c->dec.boot_to_wall)) {
		ret = FR_EXIT_USAGE;
	} else {
		ret = print_events(c);
	}
	fflush(stdout);
	fr_decoder_free(&c->dec);
	free(c);
	fr_capture_close(cap);
	return ret;
}
