/* dump.c: flightrec dump: decode a capture to text, JSON or NDJSON. Needs
 * no privileges. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "cmd.h"
#include "live_client.h"
#include "capture/capture.h"
#include "control/control.h"
#include "capture/event.h"
#include "report/export.h"
#include "base/log.h"
#include "report/render.h"
#include "base/util.h"

enum dump_format { FMT_TEXT, FMT_JSON, FMT_NDJSON, FMT_CHROME, FMT_FOLDED };

struct dump_opts {
	const char *file;
	bool info;
	enum dump_format format;
	uint32_t pid;
	bool has_pid;
	uint32_t types;		/* bit per enum fr_type; 0 = all */
	const char *since, *until;
	uint64_t since_ns, until_ns;	/* CLOCK_BOOTTIME bounds, resolved */
	const char *live;		/* a running recorder's name */
	uint8_t trace_id[16];
	bool has_trace;
	unsigned trace_slot;		/* resolved in the capture; 0: none */
};

enum { OPT_SINCE = 0x100, OPT_UNTIL, OPT_LIVE, OPT_TRACE_ID };

static const struct argp_option options[] = {
	{ "format", 'F', "FORMAT", 0, "Output format: text (default), json (one document), "
	  "ndjson (one object per line), chrome (trace events for the Perfetto UI and "
	  "chrome://tracing) or folded (the profile of a trigger capture as collapsed stacks, for "
	  "flamegraph.pl, speedscope, inferno)", 0 },
	{ "pid", 'p', "PID", 0, "Only events of this process (its threads included)", 1 },
	{ "type", 't', "TYPES", 0, "Only these event types or groups, comma-separated "
	  "(e.g. sys_exit,process)", 1 },
	{ "since", OPT_SINCE, "TIME", 0, "Only events at or after TIME: an offset from the start "
	  "of the recording (2s, 150ms), a date and time (2026-11-23T14:20:01[.5][Z]) or @UNIX_SECONDS", 1 },
	{ "until", OPT_UNTIL, "TIME", 0, "Only events before TIME (same forms as --since)", 1 },
	{ "trace-id", OPT_TRACE_ID, "ID", 0, "Only the events labelled with this trace id (32 hex "
	  "digits) and the marks that carry it", 1 },
	{ "live", OPT_LIVE, "NAME", 0, "Instead of a FILE, a snapshot of the ring of the running "
	  "recorder NAME, taken without stopping it", 0 },
	{ "info", 'i', NULL, 0, "Describe the capture instead of printing its events: host, "
	  "probes, counters, time range, raw and file bytes and the compression ratio", 0 },
	{ "quiet", 'q', NULL, 0, "No warnings naming each damaged part of a capture; one error "
	  "line and the exit status still say that data was lost", 2 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Give this help list", 2 },
	{ 0 },
};

static const char doc[] =
	"Print the events of a capture in time order."
	"\v"
	"Text output has one line per event: wall-clock time, CPU, task name, pid/tid, "
	"event type and its fields. JSON and NDJSON objects carry the same fields; the "
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

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct dump_opts *o = state->input;
	uint64_t v;
	int r;

	switch (key) {
	case 'F':
		if (!strcmp(arg, "text"))
			o->format = FMT_TEXT;
		else if (!strcmp(arg, "json"))
			o->format = FMT_JSON;
		else if (!strcmp(arg, "ndjson"))
			o->format = FMT_NDJSON;
		else if (!strcmp(arg, "chrome"))
			o->format = FMT_CHROME;
		else if (!strcmp(arg, "folded"))
			o->format = FMT_FOLDED;
		else
			argp_error(state, "bad --format '%s': expected text, json, ndjson, chrome or folded", arg);
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
		o->live = fr_opt_recorder(state, "--live", arg);
		break;
	case OPT_TRACE_ID:
		fr_opt_trace_id(state, arg, o->trace_id);
		o->has_trace = true;
		break;
	case 'q':
		fr_verbosity = FR_QUIET;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (o->file)
			argp_error(state, "one capture at a time: '%s' is one too many", arg);
		if (o->live)
			argp_error(state, "--live reads a running recorder: no FILE with it");
		o->file = arg;
		break;
	case ARGP_KEY_END:
		if (o->file && o->live)
			argp_error(state, "--live reads a running recorder: no FILE with it");
		if (!o->file && !o->live)
			argp_error(state, "which capture? give a FILE, or --live NAME for a running recorder");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "FILE\n--live NAME", doc, NULL, NULL, NULL };

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
	struct fr_chrome chrome;
	struct fr_decoder dec;
	struct fr_view view;
	FILE *out;
	uint64_t printed;
	bool first;
};

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
	if (c->o->types && !(c->o->types & (1u << h->type)))
		return 0;
	if (c->o->has_pid && c->view.tgid != c->o->pid)
		return 0;
	if (c->o->has_trace && !fr_trace_match(rec, c->o->trace_slot, c->o->trace_id))
		return 0;
	switch (c->o->format) {
	case FMT_TEXT:
		fr_render_text(c->out, &c->dec, &c->view);
		break;
	case FMT_NDJSON:
		fr_render_json(c->out, &c->dec, &c->view);
		fputc('\n', c->out);
		break;
	case FMT_JSON:
		if (!c->first)
			fputs(",\n", c->out);
		c->first = false;
		fr_render_json(c->out, &c->dec, &c->view);
		break;
	case FMT_CHROME:
		fr_chrome_event(&c->chrome, &c->dec, &c->view);
		break;
	case FMT_FOLDED:
		break;
	}
	c->printed++;
	/* stop early when the reader went away (dump | head) */
	if ((c->printed & 1023) == 0 && ferror(c->out))
		return -EPIPE;
	return 0;
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
	if (cap->trigger)
		cJSON_AddItemToObject(o, "trigger", cJSON_Duplicate(cap->trigger, true));
	if (cap->procs)
		cJSON_AddItemToObject(o, "processes", cJSON_Duplicate(cap->procs, true));
	cJSON_AddBoolToObject(o, "complete", cap->end != NULL);
	s = cJSON_PrintUnformatted(o);
	fputs(s ? s : "{}", out);
	cJSON_free(s);
	cJSON_Delete(o);
}

/* --info: the model, built once from the capture */
static cJSON *info_json(const struct fr_capture *cap, const char *file)
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

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_at(const cJSON *o, const char *a, const char *b, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *or_q(const char *s)
{
	return s ? s : "?";
}

static void print_info_text(FILE *out, const cJSON *o, const struct fr_decoder *d)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "meta");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(o, "end");
	const cJSON *x;
	bool ring = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "max_size"));
	char b1[16], b2[16];
	const char *s;

	fprintf(out, "capture:     %s (%s)\n", str_at(o, "file", NULL),
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "complete")) ? "complete"
										: "incomplete or damaged");
	s = str_at(meta, "tool", NULL);
	fprintf(out, "format:      %g (event ABI %g)%s%s\n", num_at(o, "format", NULL, 0),
		num_at(o, "abi", NULL, 0), s ? ", written by " : "", s ? s : "");
	if (meta)
		fprintf(out, "host:        %s, kernel %s (%s), %g CPUs\n",
			or_q(str_at(meta, "host", "hostname")), or_q(str_at(meta, "host", "kernel")),
			or_q(str_at(meta, "host", "arch")), num_at(meta, "host", "cpus", 0));
	if (num_at(o, "events", NULL, 0) > 0) {
		char t0[64], t1[64], dur[32];
		double span = num_at(o, "last_ns", NULL, 0) - num_at(o, "first_ns", NULL, 0);

		fr_render_time(d, (uint64_t)num_at(o, "first_ns", NULL, 0), t0, sizeof(t0));
		fr_render_time(d, (uint64_t)num_at(o, "last_ns", NULL, 0), t1, sizeof(t1));
		fprintf(out, "events:      %.0f in %.0f segments, over %s\n",
			num_at(o, "events", NULL, 0), num_at(o, "event_segments", NULL, 0),
			fr_fmt_duration(span > 0 ? (uint64_t)span : 0, dur, sizeof(dur)));
		fprintf(out, "from:        %s\nto:          %s\n", t0, t1);
	}
	if ((s = str_at(meta, "command", NULL)))
		fprintf(out, "command:     %s\n", s);
	x = cJSON_GetObjectItemCaseSensitive(o, "trigger");
	if (cJSON_IsObject(x)) {
		/* text from the file: control characters escaped */
		fputs("trigger:     ", out);
		fr_render_plain(out, or_q(str_at(x, "detector", NULL)));
		fputs(" fired: ", out);
		fr_render_plain(out, or_q(str_at(x, "metric", NULL)));
		fputs(" = ", out);
		fr_render_plain(out, or_q(str_at(x, "value_text", NULL)));
		fputs(" (", out);
		fr_render_plain(out, or_q(str_at(x, "condition", NULL)));
		fputs(")\n", out);
	}
	x = cJSON_GetObjectItemCaseSensitive(meta, "probes");
	if (cJSON_IsArray(x)) {
		/* "method: probe probe ...", wrapped under 80 columns */
		static const char *const methods[] = { "tp_btf", "raw_tp", "tracepoint", NULL };
		const char *label = "probes:";

		for (int m = 0; m < 4; m++) {
			const cJSON *p;
			int col = 0, indent = 0;

			cJSON_ArrayForEach(p, x) {
				bool on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "attached"));
				const char *meth = str_at(p, "method", NULL), *name = or_q(str_at(p, "name", NULL));

				if (methods[m] ? !on || !meth || strcmp(meth, methods[m]) : on)
					continue;
				if (!col) {
					col = fprintf(out, "%-13s%s:", label,
						      methods[m] ? methods[m] : "not attached");
					indent = col;
					label = "";
				} else if (col + 1 + (int)strlen(name) > 78) {
					col = fprintf(out, "\n%*s", indent, "") - 1;
				}
				col += fprintf(out, " %s", name);
			}
			if (col)
				fputc('\n', out);
		}
	}
	if (meta)
		fprintf(out, "ring:        %s (BPF buffer %s)\n",
			fr_fmt_bytes((uint64_t)num_at(meta, "ring", "size", 0), b1, sizeof(b1)),
			fr_fmt_bytes((uint64_t)num_at(meta, "ring", "bpf_buffer", 0), b2, sizeof(b2)));
	if (ring)
		fprintf(out, "file:        ring file of at most %s, written while recording\n",
			fr_fmt_bytes((uint64_t)num_at(o, "max_size", NULL, 0), b1, sizeof(b1)));
	if (!end && (end = cJSON_GetObjectItemCaseSensitive(o, "status"))) {
		char at[64];

		fr_render_time(d, (uint64_t)num_at(end, "ts", NULL, 0), at, sizeof(at));
		fprintf(out, "stopped:     not cleanly; counters as of %s\n", at);
	}
	if (num_at(o, "events", NULL, 0) <= 0)
		fprintf(out, "events:      none\n");
	if (end && ring)
		fprintf(out, "lost:        %.0f dropped (BPF buffer full), %.0f overwritten (file full),\n"
			     "             %.0f never written (aged out of memory before reaching the file)\n",
			num_at(end, "counters", "dropped", 0), num_at(end, "counters", "file_overwritten", 0),
			num_at(end, "counters", "unwritten", 0));
	else if (end)
		fprintf(out, "lost:        %.0f dropped (BPF buffer full), %.0f overwritten (ring full)\n",
			num_at(end, "counters", "dropped", 0), num_at(end, "counters", "overwritten", 0));
	fprintf(out, "size:        %s raw, %s on disk (%.1fx)\n",
		fr_fmt_bytes((uint64_t)num_at(o, "raw_bytes", NULL, 0), b1, sizeof(b1)),
		fr_fmt_bytes((uint64_t)num_at(o, "file_bytes", NULL, 0), b2, sizeof(b2)),
		num_at(o, "ratio", NULL, 0));
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(end, "exit_status")))
		fprintf(out, "exit status: %g\n", num_at(end, "exit_status", NULL, 0));
}

int cmd_dump(int argc, char **argv)
{
	struct dump_opts o = { .format = FMT_TEXT };
	struct dump_ctx *c;
	struct fr_capture *cap;
	char err[512];
	static char obuf[1 << 16];
	char live_path[64], live_label[96];
	uint64_t start;
	int ret, err2, live_fd = -1;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return FR_EXIT_USAGE;
	if (o.live) {
		live_fd = fr_live_fetch_memfd(o.live, live_path, sizeof(live_path));
		if (live_fd < 0)
			return FR_EXIT_ERROR;
		snprintf(live_label, sizeof(live_label), "recorder %s", o.live);
		o.file = live_label;
	}
	if (fr_capture_open(o.live ? live_path : o.file, &cap, err, sizeof(err))) {
		fr_err("%s", err);
		if (live_fd >= 0)
			close(live_fd);
		return FR_EXIT_ERROR;
	}
	if (live_fd >= 0)
		close(live_fd);	/* the capture has its own descriptor */
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
	c->out = stdout;
	c->first = true;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (fr_decoder_init(&c->dec, cap->meta, cap->procs))
		fr_warn("%s: the process table is damaged; task names may be missing", o.file);
	c->dec.traces = fr_capture_traces(cap);

	{
		double st = num_at(cap->meta, "start_ns", NULL, 0);

		start = st > 0 && st < 1.8e19 ? (uint64_t)st : 0;
	}
	if (!start && cap->nsegs) {
		for (size_t i = 0; i < cap->nsegs; i++)
			if (cap->segs[i].h.type == FR_SEG_EVENTS) {
				start = cap->segs[i].h.ts_first;
				break;
			}
	}
	if (o.info) {
		cJSON *info = info_json(cap, o.file);

		if (o.format == FMT_TEXT) {
			print_info_text(stdout, info, &c->dec);
		} else {
			char *js = cJSON_PrintUnformatted(info);

			puts(js ? js : "{}");
			cJSON_free(js);
		}
		cJSON_Delete(info);
		ret = cap->problems ? FR_EXIT_ERROR : FR_EXIT_OK;
		goto out;
	}
	o.until_ns = UINT64_MAX;
	if (o.since && (err2 = resolve_time(o.since, start, c->dec.boot_to_wall, &o.since_ns))) {
		fr_err("bad --since '%s': %s", o.since, err2 == -ERANGE ? "out of range (1970 to 2255)" :
		       "expected an offset (2s), a date and time (2026-11-23T14:20:01) or @UNIX_SECONDS");
		ret = FR_EXIT_USAGE;
		goto out;
	}
	if (o.until && (err2 = resolve_time(o.until, start, c->dec.boot_to_wall, &o.until_ns))) {
		fr_err("bad --until '%s': %s", o.until, err2 == -ERANGE ? "out of range (1970 to 2255)" :
		       "expected an offset (2s), a date and time (2026-11-23T14:20:01) or @UNIX_SECONDS");
		ret = FR_EXIT_USAGE;
		goto out;
	}

	if (o.format == FMT_FOLDED) {
		long n = cap->trigger ? fr_folded_write(stdout, cap->trigger) : -1;

		if (n < 0) {
			fr_err("%s has no profile samples: only the captures trigger writes for the cpu "
			       "and memburst detectors have them", o.file);
			ret = FR_EXIT_ERROR;
		} else {
			ret = cap->problems ? FR_EXIT_ERROR : FR_EXIT_OK;
		}
		goto out;
	}
	if (o.format == FMT_CHROME) {
		uint64_t base = UINT64_MAX;

		/* ts 0 is the first event */
		for (size_t i = 0; i < cap->nsegs; i++)
			if (cap->segs[i].h.type == FR_SEG_EVENTS && cap->segs[i].h.nevents &&
			    cap->segs[i].h.ts_first < base)
				base = cap->segs[i].h.ts_first;
		fr_chrome_begin(&c->chrome, stdout, base == UINT64_MAX ? start : base, &c->dec, cap->trigger);
	} else if (o.format == FMT_JSON) {
		fputs("{\"capture\":", stdout);
		print_capture_json(stdout, cap);
		fputs(",\n\"events\":[\n", stdout);
	} else if (cap->trigger && o.format == FMT_NDJSON) {
		/* what fired comes first: one object of its own type */
		cJSON *t = cJSON_Duplicate(cap->trigger, true);
		char *js;

		if (t && cJSON_IsObject(t)) {
			cJSON_DeleteItemFromObjectCaseSensitive(t, "type");
			cJSON_AddStringToObject(t, "type", "trigger");
		}
		js = t && cJSON_IsObject(t) ? cJSON_PrintUnformatted(t) : NULL;
		if (js)
			puts(js);
		cJSON_free(js);
		cJSON_Delete(t);
	} else if (cap->trigger) {
		fr_render_trigger_text(stdout, &c->dec, cap->trigger);
	}
	ret = fr_capture_foreach_range(cap, o.since_ns, o.until_ns, on_event, c);
	if (o.format == FMT_JSON)
		fputs("\n]}\n", stdout);
	else if (o.format == FMT_CHROME)
		fr_chrome_end(&c->chrome);
	if (ret < 0 && ret != -EPIPE) {
		fr_err("%s: %s", o.file, strerror(-ret));
		ret = FR_EXIT_ERROR;
	} else if (cap->problems) {
		fflush(stdout);
		fr_err("%s: the capture is damaged or incomplete; printed the %llu events that could be read",
		       o.file, (unsigned long long)c->printed);
		ret = FR_EXIT_ERROR;
	} else {
		ret = FR_EXIT_OK;
	}
out:
	fflush(stdout);
	fr_decoder_free(&c->dec);
	free(c);
	fr_capture_close(cap);
	return ret;
}
