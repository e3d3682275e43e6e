/* main.c: flightrec's entry point and git-style dispatcher. A command is one
 * file in cmd/ and one row in fr_cmds[]; names match exactly. */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <zstd.h>

#include "cmd.h"
#include "record/features.h"
#include "base/log.h"
#include "base/util.h"

#ifndef FR_VERSION
#define FR_VERSION "0.0.0"
#endif

const char *argp_program_version = "flightrec " FR_VERSION;

const struct fr_cmd fr_cmds[] = {
	{ "record", cmd_record, "arm probes and keep a bounded ring of kernel events" },
	{ "trigger", cmd_trigger, "run autotracing detectors; capture when one fires" },
	{ "dump", cmd_dump, "decode a capture to text, JSON or NDJSON" },
	{ "stats", cmd_stats, "summarise a capture: CPU, run queue, syscalls, I/O; gate CI on it" },
	{ "mark", cmd_mark, "put a named marker (metadata, a trace id) into a live recorder" },
	{ "ctl", cmd_ctl, "pause, resume, clear, resize a live recorder; groups on and off" },
	{ "help", NULL, "show help for flightrec or one of its commands" },
	{ NULL, NULL, NULL },
};

const char *fr_cmd_progname(const char *name)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "flightrec %s", name);
	return buf;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: flightrec [--version] [--help] COMMAND [ARGS...]\n\n"
		     "An eBPF flight recorder: keeps the last seconds of kernel activity in a\n"
		     "bounded ring and writes a self-contained capture when asked.\n\n"
		     "Commands:\n");
	for (const struct fr_cmd *c = fr_cmds; c->name; c++) {
		fprintf(out, "  %-9s %s\n", c->name, c->summary);
	}
	fprintf(out, "\nRun 'flightrec help COMMAND' or 'flightrec COMMAND --help' for its options.\n"
		     "Examples:\n"
		     "  flightrec record --duration 5s -o cap.frec   the whole machine for 5 s\n"
		     "  flightrec record -o cap.frec -- make test     a command and its children\n"
		     "  flightrec stats cap.frec                      what happened in a capture\n"
		     "  flightrec dump cap.frec | less                its events\n"
		     "  flightrec mark deploy --meta version=1.4      mark the running recorder's ring\n");
}

void fr_print_version(void)
{
	struct fr_features f;
	struct utsname u;
	const char *tracefs = fr_tracefs_events(false);

	fr_features_probe(&f);
	printf("flightrec %s\n", FR_VERSION);
	printf("built with: libbpf %u.%u, zstd %s, cJSON %s\n", libbpf_major_version(),
	       libbpf_minor_version(), ZSTD_versionString(), cJSON_Version());
	if (!uname(&u))
		printf("kernel: %s (%s)\n", u.release, u.machine);
	printf("features:\n");
	printf("  btf:          %s\n", fr_tristate_str(f.btf));
	printf("  ring buffer:  %s\n", fr_tristate_str(f.ringbuf));
	printf("  tp_btf:       %s\n", fr_tristate_str(f.tp_btf));
	printf("  raw_tp:       %s\n", fr_tristate_str(f.raw_tp));
	printf("  tracepoint:   %s%s\n", fr_tristate_str(f.tracepoint),
	       f.tracepoint == FR_YES && !tracefs ? " (tracefs not mounted: mounted when needed)" : "");
	printf("  fentry:       %s\n", fr_tristate_str(f.fentry));
	printf("  kprobe:       %s\n", fr_tristate_str(f.kprobe));
	printf("  uprobe:       %s\n", fr_tristate_str(f.uprobe));
	printf("  perf_event:   %s\n", fr_tristate_str(f.perf_event));
}

static const struct fr_cmd *find(const char *name)
{
	for (const struct fr_cmd *c = fr_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int unknown(const char *name)
{
	const struct fr_cmd *best = NULL;
	size_t bestd = 99;

	for (const struct fr_cmd *c = fr_cmds; c->name; c++) {
		size_t d = fr_edit_distance(name, strlen(name), c->name);

		/* a prefix is a strong hint, but never run silently */
		if (*name && !strncmp(c->name, name, strlen(name)))
			d = 0;
		if (d < bestd) {
			bestd = d;
			best = c;
		}
	}
	fprintf(stderr, "flightrec: '%s' is not a flightrec command.", name);
	if (best && bestd <= 3)
		fprintf(stderr, " Did you mean '%s'?", best->name);
	fprintf(stderr, "\nRun 'flightrec --help' for the list of commands.\n");
	return FR_EXIT_USAGE;
}

static int run(const struct fr_cmd *c, int argc, char **argv)
{
	argv[0] = (char *)fr_cmd_progname(c->name);
	return c->fn(argc, argv);
}

static int help(int argc, char **argv)
{
	const struct fr_cmd *c;
	char *av[3];

	if (argc < 2) {
		usage(stdout);
		return FR_EXIT_OK;
	}
	if (argc > 2) {
		fprintf(stderr, "flightrec help: takes at most one command name\n");
		return FR_EXIT_USAGE;
	}
	c = find(argv[1]);
	if (!c)
		return unknown(argv[1]);
	if (!c->fn) {
		usage(stdout);
		return FR_EXIT_OK;
	}
	av[0] = argv[1];
	av[1] = "--help";
	av[2] = NULL;
	return run(c, 2, av);
}

/* Flush stdout and report write errors; a reader that went away (dump |
 * head) is not one. */
static int finish_stdout(int ret)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return ret;
	if (errno == EPIPE)
		return ret;
	fr_err("cannot write the output: %s", strerror(errno));
	return ret ? ret : FR_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	const struct fr_cmd *c;
	int ret;

	/* a closed pipe is an EPIPE write error we handle, not a kill */
	signal(SIGPIPE, SIG_IGN);
	argp_err_exit_status = FR_EXIT_USAGE;

	if (argc < 2) {
		usage(stderr);
		return FR_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		fr_print_version();
		return finish_stdout(FR_EXIT_OK);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return finish_stdout(FR_EXIT_OK);
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "flightrec: unknown option '%s'\n", argv[1]);
		usage(stderr);
		return FR_EXIT_USAGE;
	}
	c = find(argv[1]);
	if (!c)
		return unknown(argv[1]);
	if (!c->fn)
		ret = help(argc - 1, argv + 1);
	else
		ret = run(c, argc - 1, argv + 1);
	return finish_stdout(ret);
}
