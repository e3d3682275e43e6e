/* mark.c: flightrec mark: put a named marker, with metadata and a trace
 * id, in the ring of a running recorder, through its control socket. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "live_client.h"
#include "control/control.h"
#include "base/log.h"
#include "base/util.h"

/* requests sent ahead of their replies with --stdin */
#define WINDOW 64

struct mark_opts {
	const char *mark;
	const char *name;	/* the recorder */
	char *meta[FR_CTL_MAX_META];
	unsigned nmeta;
	uint8_t trace_id[16];
	bool has_trace;
	uint32_t pid;
	bool end;
	bool from_stdin;
	bool quiet;
};

enum { OPT_NAME = 0x100, OPT_TRACE_ID, OPT_END, OPT_STDIN };

static const struct argp_option options[] = {
	{ "meta", 'm', "KEY=VALUE", 0, "Metadata, repeatable: KEY is 1 to 64 of A-Z a-z 0-9 _ - . /, "
	  "VALUE any text (up to 61440 bytes in all)", 0 },
	{ "trace-id", OPT_TRACE_ID, "ID", 0, "The trace the mark belongs to: 32 hex digits "
	  "(W3C/OpenTelemetry; default: the one of $TRACEPARENT)", 0 },
	{ "pid", 'p', "PID", 0, "The process the mark is about (default: the caller). With "
	  "--trace-id, every event of PID and of what it forks carries the trace from now on", 0 },
	{ "end", OPT_END, NULL, 0, "End the trace's span: no task's events carry it from now on "
	  "(needs --trace-id)", 0 },
	{ "name", OPT_NAME, "NAME", 0, "The recorder to mark (default: the only one running)", 1 },
	{ "stdin", OPT_STDIN, NULL, 0, "Read marks from standard input, one per line: a line is a "
	  "mark's NAME, or a JSON object {\"name\": ..., \"meta\": {...}, \"trace_id\": ..., "
	  "\"pid\": ..., \"end\": ...}; --meta, --trace-id (or $TRACEPARENT), --pid and --end apply to "
	  "plain lines", 1 },
	{ "quiet", 'q', NULL, 0, "Print nothing but errors", 1 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Give this help list", 1 },
	{ 0 },
};

static const char doc[] =
	"Put a marker event named NAME in the ring of a running recorder (flightrec record or "
	"trigger), with its time, the caller's pid and metadata; returns once the recorder has "
	"it. Markers appear in dump in time order with the kernel events."
	"\v"
	"Needs root (the control socket is root-only).\n\n"
	"Exit status: 0 when every mark was taken, 1 when one was refused or no recorder runs, "
	"2 on a usage error.\n\n"
	"Examples:\n"
	"  flightrec mark deploy-start --meta version=1.4.2 --meta host=web-3\n"
	"  flightrec mark request --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 --pid 1234\n"
	"  flightrec mark request-done --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 --end\n"
	"  seq 10000 | sed 's/^/step-/' | flightrec mark --stdin";

/* Same rule as the recorder's: checked here to fail as a usage error. */
static bool key_ok(const char *k, size_t n)
{
	if (!n || n > FR_CTL_MAX_KEY)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '/'))
			return false;
	}
	return true;
}

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct mark_opts *o = state->input;
	uint64_t v;
	const char *eq;

	switch (key) {
	case 'm':
		eq = strchr(arg, '=');
		if (!eq || !key_ok(arg, (size_t)(eq - arg)))
			argp_error(state, "bad --meta '%.80s': expected KEY=VALUE, KEY 1 to 64 of "
				   "A-Z a-z 0-9 _ - . /", arg);
		if (o->nmeta == FR_CTL_MAX_META)
			argp_error(state, "too many --meta (at most %d)", FR_CTL_MAX_META);
		for (unsigned i = 0; i < o->nmeta; i++)
			if (!strncmp(o->meta[i], arg, (size_t)(eq - arg) + 1))
				argp_error(state, "--meta %.*s given twice", (int)(eq - arg), arg);
		o->meta[o->nmeta++] = arg;
		break;
	case OPT_TRACE_ID:
		fr_opt_trace_id(state, arg, o->trace_id);
		o->has_trace = true;
		break;
	case 'p':
		if (fr_parse_u64(arg, 1, 4194304, &v))
			argp_error(state, "bad --pid '%s': expected a process id", arg);
		o->pid = (uint32_t)v;
		break;
	case OPT_END:
		o->end = true;
		break;
	case OPT_NAME:
		o->name = fr_opt_recorder(state, "--name", arg);
		break;
	case OPT_STDIN:
		o->from_stdin = true;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (o->mark)
			argp_error(state, "one NAME at a time ('%s' is one too many; quote a name with "
				   "spaces)", arg);
		if (!*arg)
			argp_error(state, "empty mark NAME");
		o->mark = arg;
		break;
	case ARGP_KEY_END:
		if (!o->mark && !o->from_stdin)
			argp_error(state, "which mark? give a NAME (or --stdin)");
		if (o->mark && o->from_stdin)
			argp_error(state, "--stdin reads the marks' names: no NAME with it");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "NAME\n--stdin", doc, NULL, NULL, NULL };

/* A request for mark name with the options' metadata, trace and pid. */
static cJSON *request(const struct mark_opts *o, const char *name)
{
	cJSON *q = cJSON_CreateObject(), *m;
	char hex[33];

	cJSON_AddStringToObject(q, "op", "mark");
	cJSON_AddStringToObject(q, "name", name);
	if (o->nmeta) {
		m = cJSON_AddObjectToObject(q, "meta");
		for (unsigned i = 0; i < o->nmeta; i++) {
			const char *eq = strchr(o->meta[i], '=');
			char key[FR_CTL_MAX_KEY + 1];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - o->meta[i]), o->meta[i]);
			cJSON_AddStringToObject(m, key, eq + 1);
		}
	}
	if (o->has_trace) {
		fr_trace_id_format(o->trace_id, hex);
		cJSON_AddStringToObject(q, "trace_id", hex);
	}
	if (o->pid)
		cJSON_AddNumberToObject(q, "pid", o->pid);
	if (o->end)
		cJSON_AddBoolToObject(q, "end", true);
	cJSON_AddNumberToObject(q, "ts", (double)fr_boot_ns());
	return q;
}

/* A line of --stdin as a request; NULL with a message in err. */
static cJSON *line_request(const struct mark_opts *o, char *line, char *err, size_t errlen)
{
	cJSON *q;

	if (line[0] != '{')
		return request(o, line);
	q = cJSON_Parse(line);
	if (!cJSON_IsObject(q)) {
		cJSON_Delete(q);
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(q, "op");
	cJSON_AddStringToObject(q, "op", "mark");
	if (!cJSON_GetObjectItemCaseSensitive(q, "ts"))
		cJSON_AddNumberToObject(q, "ts", (double)fr_boot_ns());
	return q;
}

static int from_stdin(const struct mark_opts *o, int sock)
{
	struct fr_ctl_reader rd = { 0 };
	char *line = NULL, err[512];
	size_t cap = 0, sent = 0, done = 0, taken = 0, refused = 0, lineno = 0;
	size_t lines[WINDOW];	/* the line of each request awaiting its reply */
	ssize_t n;
	bool eof = false, broken = false;
	int ret = 0;

	while (!eof || done < sent) {
		/* send until the window is full, then take one reply */
		if (!eof && sent - done < WINDOW) {
			cJSON *q;

			n = getline(&line, &cap, stdin);
			if (n < 0) {
				eof = true;
				continue;
			}
			lineno++;
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = 0;
			if (!n)
				continue;
			q = line_request(o, line, err, sizeof(err));
			if (!q) {
				fr_err("line %zu: %s", lineno, err);
				refused++;
				continue;
			}
			ret = fr_ctl_send_json(sock, q, -1);
			cJSON_Delete(q);
			if (ret == -EMSGSIZE) {
				fr_err("line %zu: too large for one message (at most 1 MiB)", lineno);
				refused++;
				ret = 0;
				continue;
			}
			if (ret) {
				fr_err("line %zu: cannot send to the recorder: %s", lineno, strerror(-ret));
				/* what was sent still gets its replies */
				eof = broken = true;
				ret = 0;
				continue;
			}
			lines[sent % WINDOW] = lineno;
			sent++;
			continue;
		}
		{
			cJSON *reply;

			ret = fr_ctl_reply(sock, &rd, &reply, err, sizeof(err));
			cJSON_Delete(reply);
			if (ret == -EPROTO) {
				fr_err("line %zu: %s", lines[done % WINDOW], err);
				refused++;
				ret = 0;
			} else if (ret) {
				fr_err("%s", err);
				break;
			} else {
				taken++;
			}
			done++;
		}
	}
	free(line);
	fr_ctl_reader_reset(&rd);
	if (!o->quiet)
		fr_info("%zu marks taken, %zu refused", taken, refused);
	return ret || broken || refused || done < sent ? FR_EXIT_ERROR : FR_EXIT_OK;
}

int cmd_mark(int argc, char **argv)
{
	struct mark_opts o = { 0 };
	cJSON *q, *reply;
	char err[512];
	int sock, ret;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return FR_EXIT_USAGE;
	fr_verbosity = o.quiet ? FR_QUIET : FR_NORMAL;
	if (!o.has_trace) {
		int tp = fr_env_traceparent(o.trace_id);

		if (tp < 0)
			return FR_EXIT_USAGE;
		o.has_trace = tp;
	}
	if (o.end && !o.has_trace) {
		fr_err("--end ends a trace's span: give --trace-id (or TRACEPARENT)");
		return FR_EXIT_USAGE;
	}
	sock = fr_live_connect(o.name);
	if (sock < 0)
		return FR_EXIT_ERROR;
	if (o.from_stdin) {
		ret = from_stdin(&o, sock);
		close(sock);
		return ret;
	}
	q = request(&o, o.mark);
	ret = fr_ctl_call(sock, q, -1, &reply, err, sizeof(err));
	cJSON_Delete(q);
	cJSON_Delete(reply);
	close(sock);
	if (ret) {
		fr_err("%s", err);
		return FR_EXIT_ERROR;
	}
	return FR_EXIT_OK;
}
