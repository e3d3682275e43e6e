/* ctl.c: flightrec ctl: the controls of a running recorder (pause,
 * resume, clear, resize, probe groups on and off, its state), one request
 * each on its control socket. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "live.h"
#include "live_client.h"
#include "capture/event.h"
#include "base/log.h"
#include "base/util.h"

enum ctl_action { A_STATUS, A_PAUSE, A_RESUME, A_CLEAR, A_RESIZE, A_ENABLE, A_DISABLE, A_COUNT };

static const struct {
	const char *name;
	const char *op;		/* the request */
	const char *arg;	/* what it takes, or NULL */
} actions[A_COUNT] = {
	[A_STATUS] = { "status", "stats", NULL },
	[A_PAUSE] = { "pause", "pause", NULL },
	[A_RESUME] = { "resume", "resume", NULL },
	[A_CLEAR] = { "clear", "clear", NULL },
	[A_RESIZE] = { "resize", "resize", "SIZE" },
	[A_ENABLE] = { "enable", "enable", "GROUPS" },
	[A_DISABLE] = { "disable", "disable", "GROUPS" },
};

struct ctl_opts {
	const char *name;
	int action;
	const char *arg;
	uint64_t size;
	bool json, quiet;
};

enum { OPT_NAME = 0x100 };

static const struct argp_option options[] = {
	{ "name", OPT_NAME, "NAME", 0, "The recorder (default: the only one running)", 0 },
	{ "format", 'F', "FORMAT", 0, "text (default) or json: the recorder's reply", 0 },
	{ "quiet", 'q', NULL, 0, "Print nothing but errors", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Give this help list", 0 },
	{ 0 },
};

static const char doc[] =
	"Control a running recorder (flightrec record or trigger) through its control socket."
	"\v"
	"Actions:\n"
	"  status          whether it records (enabled: yes or no), its groups, its ring\n"
	"  pause           stop taking events, keep the ring (probes detached)\n"
	"  resume          take events again\n"
	"  clear           empty the ring (and a ring file's segments)\n"
	"  resize SIZE     make the ring SIZE now (64K to 4G), keeping the newest events\n"
	"  enable GROUPS   attach probe groups: sched, process, syscalls, block, all\n"
	"  disable GROUPS  detach them\n\n"
	"Needs root (the control socket is root-only). SIGUSR2 to the recorder's pid toggles "
	"the pause too.\n\n"
	"Exit status: 0 when done (or already so), 1 when the recorder refused or none runs, 2 "
	"on a usage error.\n\n"
	"Examples:\n"
	"  flightrec ctl pause            # a noisy maintenance window\n"
	"  flightrec ctl resume\n"
	"  flightrec ctl --name web resize 1G\n"
	"  flightrec ctl enable syscalls  # during an incident";

static int find_action(const char *s)
{
	for (int i = 0; i < A_COUNT; i++)
		if (!strcmp(s, actions[i].name))
			return i;
	return -1;
}

static void check_arg(struct argp_state *state, struct ctl_opts *o)
{
	unsigned mask;
	const char *bad;
	size_t badlen;

	if (o->action == A_RESIZE) {
		if (fr_parse_size(o->arg, &o->size) || o->size < FR_LIVE_RING_MIN ||
		    o->size > FR_LIVE_RING_MAX)
			argp_error(state, "bad SIZE '%s': give a size from 64K to 4G, e.g. 256M", o->arg);
	} else if (fr_groups_parse(o->arg, &mask, &bad, &badlen)) {
		argp_error(state, "unknown probe group '%.*s' (groups: sched, process, syscalls, "
			   "block, all)", (int)(badlen > 64 ? 64 : badlen), bad ? bad : "");
	}
}

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct ctl_opts *o = state->input;

	switch (key) {
	case OPT_NAME:
		o->name = fr_opt_recorder(state, "--name", arg);
		break;
	case 'F':
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			argp_error(state, "bad --format '%s': expected text or json", arg);
		o->json = !strcmp(arg, "json");
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (o->action < 0) {
			o->action = find_action(arg);
			if (o->action < 0)
				argp_error(state, "unknown action '%s' (status, pause, resume, clear, "
					   "resize SIZE, enable GROUPS, disable GROUPS)", arg);
		} else if (actions[o->action].arg && !o->arg) {
			o->arg = arg;
			check_arg(state, o);
		} else {
			argp_error(state, "%s takes %s", actions[o->action].name,
				   actions[o->action].arg ? "one argument" : "no argument");
		}
		break;
	case ARGP_KEY_END:
		if (o->action < 0)
			argp_error(state, "which action? status, pause, resume, clear, resize SIZE, "
				   "enable GROUPS or disable GROUPS");
		if (actions[o->action].arg && !o->arg)
			argp_error(state, "%s needs %s", actions[o->action].name, actions[o->action].arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "ACTION [ARG]", doc, NULL, NULL, NULL };

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* "sched,process" of reply.key. */
static void list_of(const cJSON *reply, const char *key, char *buf, size_t len)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(reply, key), *e;

	buf[0] = 0;
	cJSON_ArrayForEach(e, a)
		if (cJSON_IsString(e))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "",
				 e->valuestring);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* What the recorder is now: "recording" or "paused for 12.3 s". */
static void state_of(const cJSON *reply, char *buf, size_t len)
{
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(reply, "enabled")))
		snprintf(buf, len, "paused for %.1f s", num(reply, "paused_s"));
	else
		snprintf(buf, len, "recording");
}

static void print_status(const char *name, const cJSON *reply)
{
	const cJSON *ring = cJSON_GetObjectItemCaseSensitive(reply, "ring");
	char st[64], groups[128], a[16];

	state_of(reply, st, sizeof(st));
	list_of(reply, "groups", groups, sizeof(groups));
	printf("%s: %s\n", name, st);
	printf("enabled: %s\n", cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(reply, "enabled"))
					? "no" : "yes");
	printf("groups: %s\n", groups);
	printf("ring: %s, %.0f events (%.0f%% full)\n", fr_fmt_bytes((uint64_t)num(ring, "size"), a,
								  sizeof(a)),
	       num(ring, "records"), num(ring, "fill"));
	printf("paused: %.0f time%s, %.1f s in all\n", num(reply, "pauses"),
	       num(reply, "pauses") == 1 ? "" : "s", num(reply, "paused_total_s"));
}

static void print_reply(const struct ctl_opts *o, const char *name, const cJSON *reply)
{
	bool changed = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(reply, "changed"));
	char st[64], groups[128], ch[128], a[16], b[16];

	state_of(reply, st, sizeof(st));
	list_of(reply, "groups", groups, sizeof(groups));
	switch (o->action) {
	case A_STATUS:
		print_status(name, reply);
		break;
	case A_PAUSE:
		printf(changed ? "%s: paused; the ring keeps its %.0f events\n"
			       : "%s: already paused (%.0f events in the ring)\n",
		       name, num(reply, "ring_records"));
		break;
	case A_RESUME:
		printf(changed ? "%s: recording again\n" : "%s: already recording\n", name);
		break;
	case A_CLEAR:
		printf("%s: cleared %.0f events; %s\n", name, num(reply, "cleared"), st);
		break;
	case A_RESIZE:
		printf("%s: ring %s -> %s; %.0f oldest events discarded, %.0f kept\n", name,
		       fr_fmt_bytes((uint64_t)num(reply, "previous_size"), a, sizeof(a)),
		       fr_fmt_bytes((uint64_t)num(reply, "ring_size"), b, sizeof(b)),
		       num(reply, "discarded"), num(reply, "ring_records"));
		break;
	case A_ENABLE:
	case A_DISABLE:
		list_of(reply, "changed", ch, sizeof(ch));
		if (!strcmp(ch, "none"))
			printf("%s: no change; groups on: %s\n", name, groups);
		else
			printf("%s: %s %s; groups on: %s%s\n", name,
			       o->action == A_ENABLE ? "enabled" : "disabled", ch, groups,
			       strncmp(st, "paused", 6) ? "" : " (paused: attached at the resume)");
		break;
	}
}

int cmd_ctl(int argc, char **argv)
{
	struct ctl_opts o = { .action = -1 };
	cJSON *q, *reply = NULL, *hello = NULL;
	const cJSON *n;
	char name[FR_CTL_NAME_MAX + 1];
	int sock, ret;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return FR_EXIT_USAGE;
	fr_verbosity = o.quiet ? FR_QUIET : FR_NORMAL;
	sock = fr_live_connect(o.name);
	if (sock < 0)
		return FR_EXIT_ERROR;
	q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "op", actions[o.action].op);
	if (o.action == A_RESIZE)
		cJSON_AddNumberToObject(q, "size", (double)o.size);
	if (o.action == A_ENABLE || o.action == A_DISABLE)
		cJSON_AddStringToObject(q, "groups", o.arg);
	{
		char err[512];

		ret = fr_ctl_call(sock, q, -1, &reply, err, sizeof(err));
		if (ret) {
			fr_err("%s: %s", actions[o.action].name, err);
			if (o.json) {
				cJSON *e = cJSON_CreateObject();
				char *s;

				cJSON_AddStringToObject(e, "error", err);
				s = cJSON_PrintUnformatted(e);
				if (s)
					puts(s);
				cJSON_free(s);
				cJSON_Delete(e);
			}
		}
	}
	cJSON_Delete(q);
	if (!ret && !o.name)
		ret = fr_live_request(sock, "hello", -1, &hello);
	close(sock);
	if (ret) {
		cJSON_Delete(reply);
		return FR_EXIT_ERROR;
	}
	n = cJSON_GetObjectItemCaseSensitive(hello ? hello : reply, "name");
	snprintf(name, sizeof(name), "%s",
		 o.name ? o.name : cJSON_IsString(n) ? n->valuestring : "recorder");
	if (o.json) {
		char *s;

		cJSON_DeleteItemFromObjectCaseSensitive(reply, "ok");
		s = cJSON_PrintUnformatted(reply);
		if (s)
			puts(s);
		cJSON_free(s);
	} else if (!o.quiet) {
		print_reply(&o, name, reply);
	}
	cJSON_Delete(reply);
	cJSON_Delete(hello);
	return FR_EXIT_OK;
}
