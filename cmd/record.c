/* record.c: flightrec record: attach the probes asked for, keep a bounded
 * ring of events until stopped, then write it as a capture. */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "live.h"
#include "control/control.h"
#include "capture/event.h"
#include "base/log.h"
#include "capture/proctab.h"
#include "record/recorder.h"
#include "capture/ringfile.h"
#include "record/snapshot.h"
#include "record/stream.h"
#include "base/util.h"

struct record_opts {
	unsigned groups;
	uint64_t buffer;
	uint64_t max_size;
	const char *output;
	bool force;
	uint32_t pid;
	const char *comm;
	const char *cgroup;
	uint64_t duration_ns;
	int attach;
	char **command;		/* NULL-terminated, or NULL */
	int verbose;
	bool quiet;
	const char *name;
	uint8_t trace_id[16];
	bool has_trace;
};

enum { OPT_COMM = 0x100, OPT_CGROUP, OPT_ATTACH, OPT_MAX_SIZE, OPT_NAME, OPT_TRACE_ID };

static const struct argp_option options[] = {
	{ "events", 'e', "GROUPS", 0, "Probe groups to record, comma-separated: sched, process, "
	  "syscalls, block, or all (default: all)", 0 },
	{ "buffer", 'b', "SIZE", 0, "Size of the in-memory ring, with K, M or G (default: 64M); "
	  "the oldest events are overwritten when it is full", 0 },
	{ "output", 'o', "FILE", 0, "Write the capture to FILE (default: flightrec-DATE-TIME.frec)", 0 },
	{ "max-size", OPT_MAX_SIZE, "SIZE", 0, "Write FILE as it records, as a ring file of at most "
	  "SIZE bytes (K, M, G; at least 1M) whose oldest events are overwritten; it is at most "
	  "a second behind, and readable even after the recorder is killed", 0 },
	{ "force", 'f', NULL, 0, "Replace FILE if it exists", 0 },
	{ "pid", 'p', "PID", 0, "Record only this process and its threads", 1 },
	{ "comm", OPT_COMM, "NAME", 0, "Record only tasks whose name (comm) is NAME", 1 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Record only tasks in this cgroup v2 directory or below it "
	  "(absolute, or relative to the cgroup2 mount)", 1 },
	{ "duration", 'd', "DURATION", 0, "Stop after DURATION (e.g. 10s, 500ms, 2m)", 2 },
	{ "attach", OPT_ATTACH, "METHOD", 0, "Preferred attach method: auto, tp_btf, raw_tp or "
	  "tracepoint; worse ones are tried when it is not available (default: auto)", 2 },
	{ "name", OPT_NAME, "NAME", 0, "Name of this recorder on its control socket, for mark, stats, "
	  "dump --live and trigger --now (default: default)", 2 },
	{ "trace-id", OPT_TRACE_ID, "ID", 0, "Label every event of COMMAND's process tree with this "
	  "trace id (32 hex digits; default: the one of $TRACEPARENT)", 2 },
	{ "verbose", 'v', NULL, 0, "Say which attach method each probe uses; twice for libbpf logs", 3 },
	{ "quiet", 'q', NULL, 0, "Print nothing but errors", 3 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Give this help list", 3 },
	{ 0 },
};

static const char doc[] =
	"Record kernel activity into a bounded in-memory ring, then write it as a capture."
	"\v"
	"Without COMMAND, records the whole machine (or what -p, --comm, --cgroup select) "
	"until Ctrl-C, SIGTERM or --duration, or until the process of -p exits. With COMMAND, runs it and records it and every "
	"process it forks, stops when it exits, and exits with its status.\n\n"
	"While it runs, the recorder answers on a control socket named after --name: flightrec "
	"mark adds markers, flightrec stats shows live counters, flightrec dump --live and "
	"flightrec trigger --now take a snapshot of the ring; SIGUSR1 writes one too.\n\n"
	"Needs root, or CAP_BPF and CAP_PERFMON.\n\n"
	"Exit status: 0 on success, COMMAND's status when one is run (128+N when killed by "
	"signal N), 1 on error, 2 on a usage error.\n\n"
	"Examples:\n"
	"  flightrec record --duration 5s -o cap.frec\n"
	"  flightrec record -e syscalls -p 1234 -o cap.frec\n"
	"  flightrec record -o build.frec -- make -j2\n"
	"  flightrec dump cap.frec";

static int parse_opt(int key, char *arg, struct argp_state *state)
{
	struct record_opts *o = state->input;
	const char *bad;
	size_t badlen;
	uint64_t v;

	switch (key) {
	case 'e':
		if (fr_groups_parse(arg, &o->groups, &bad, &badlen))
			argp_error(state, "unknown probe group '%.*s' in -e (groups: sched, process, syscalls, block, all)",
				   (int)badlen, bad);
		break;
	case 'b':
		if (fr_parse_size(arg, &o->buffer) || o->buffer < (64u << 10) || o->buffer > (4ULL << 30))
			argp_error(state, "bad --buffer '%s': give a size from 64K to 4G, e.g. 64M", arg);
		break;
	case OPT_MAX_SIZE:
		if (fr_parse_size(arg, &o->max_size) || o->max_size < FR_RINGFILE_MIN ||
		    o->max_size > (1ULL << 50))
			argp_error(state, "bad --max-size '%s': give a size of at least 1M, e.g. 256M", arg);
		break;
	case 'o':
		if (!*arg)
			argp_error(state, "empty --output file name");
		o->output = arg;
		break;
	case 'f':
		o->force = true;
		break;
	case 'p':
		if (fr_parse_u64(arg, 1, 4194304, &v))
			argp_error(state, "bad --pid '%s': expected a process id", arg);
		o->pid = v;
		break;
	case OPT_COMM:
		if (!*arg)
			argp_error(state, "empty --comm name");
		o->comm = arg;
		break;
	case OPT_CGROUP:
		o->cgroup = arg;
		break;
	case 'd':
		if (fr_parse_duration(arg, &o->duration_ns) || !o->duration_ns)
			argp_error(state, "bad --duration '%s': expected e.g. 10s, 500ms, 2m", arg);
		break;
	case OPT_ATTACH:
		o->attach = fr_attach_parse(arg);
		if (o->attach < 0)
			argp_error(state, "bad --attach '%s': expected auto, tp_btf, raw_tp or tracepoint", arg);
		break;
	case 'v':
		o->verbose++;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case 'q':
		o->quiet = true;
		break;
	case OPT_NAME:
		o->name = fr_opt_recorder(state, "--name", arg);
		break;
	case OPT_TRACE_ID:
		fr_opt_trace_id(state, arg, o->trace_id);
		o->has_trace = true;
		break;
	case ARGP_KEY_ARG:
		/* the first non-option starts COMMAND; the rest is its own */
		o->command = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (o->command && o->pid)
			argp_error(state, "-p and COMMAND cannot be combined: COMMAND selects its own processes");
		if (o->has_trace && !o->command)
			argp_error(state, "--trace-id labels a COMMAND's events; to label a running "
				   "process, use flightrec mark --trace-id ID --pid PID");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "[-- COMMAND [ARG...]]", doc, NULL, NULL, NULL };

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
	/* a second Ctrl-C kills at once; the kernel then detaches every probe */
	signal(sig, SIG_DFL);
}

/* --cgroup: the cgroup v2 id and depth of PATH. */
static int resolve_cgroup(const char *path, uint64_t *id, int *level)
{
	char mnt[512] = "", full[1024], line[2048];
	struct statfs sfs;
	struct stat st;
	FILE *f;
	const char *rel;

	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char mp[512], fstype[64];

		/* id parent maj:min root mountpoint opts ... - fstype src opts */
		if (sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1)
			continue;
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			snprintf(mnt, sizeof(mnt), "%s", mp);
			break;
		}
	}
	if (f)
		fclose(f);
	if (!mnt[0]) {
		fr_err("--cgroup: no cgroup v2 hierarchy is mounted on this machine");
		return -ENOENT;
	}
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", mnt, path);
	if (stat(full, &st)) {
		fr_err("--cgroup %s: %s", full, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISDIR(st.st_mode)) {
		fr_err("--cgroup %s: not a directory; give a cgroup directory under %s", full, mnt);
		return -ENOTDIR;
	}
	if (statfs(full, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		fr_err("--cgroup %s: not a cgroup v2 directory; give one under %s (cgroup v1 "
		       "hierarchies cannot be filtered on)", full, mnt);
		return -EINVAL;
	}
	rel = full + strlen(mnt);
	if (strncmp(full, mnt, strlen(mnt)) || (*rel && *rel != '/')) {
		fr_err("--cgroup %s: not under the cgroup2 mount %s", full, mnt);
		return -EINVAL;
	}
	*level = 0;
	for (const char *p = rel; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			(*level)++;
	*id = st.st_ino;
	return 0;
}

static void status_line(struct fr_recorder *r, const struct fr_stream *st, uint64_t *last_n,
			uint64_t *last_t, bool final)
{
	uint64_t now = fr_boot_ns(), dn, dt = now - *last_t;
	struct fr_counters k;
	char b1[16], b2[16];

	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	if (dt < 1000000000ULL)
		return;
	fr_recorder_counters(r, &k);
	dn = k.received - *last_n;
	if (st)
		fprintf(stderr, "\r\033[Krecording: %.0f events/s, file %s/%s, %llu events written, dropped %llu",
			dn * 1e9 / dt,
			fr_fmt_bytes(__atomic_load_n(&st->pub_file_bytes, __ATOMIC_RELAXED), b1, sizeof(b1)),
			fr_fmt_bytes(st->rf.ring_end, b2, sizeof(b2)),
			(unsigned long long)__atomic_load_n(&st->pub_stored, __ATOMIC_RELAXED),
			(unsigned long long)k.dropped);
	else
		fprintf(stderr, "\r\033[Krecording: %.0f events/s, ring %s/%s (%.0f%%), overwritten %llu, dropped %llu",
			dn * 1e9 / dt, fr_fmt_bytes(k.ring_used_bytes, b1, sizeof(b1)),
			fr_fmt_bytes(k.ring_size, b2, sizeof(b2)), 100.0 * k.ring_used_bytes / k.ring_size,
			(unsigned long long)k.overwritten, (unsigned long long)k.dropped);
	*last_n = k.received;
	*last_t = now;
}

static char *default_output(void)
{
	static char buf[64];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "flightrec-%Y%m%d-%H%M%S.frec", &tm);
	return buf;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = { .groups = FR_GROUPS_DEFAULT, .buffer = 64ULL << 20,
				 .attach = FR_ATTACH_TP_BTF };
	struct fr_record_cfg cfg = { 0 };
	struct fr_recorder r;
	struct fr_proctab pt = { 0 };
	struct fr_snapshot_info info = { 0 };
	struct fr_snapshot_result res = { 0 };
	struct fr_counters k;
	struct fr_child child = { .pid = 0, .go_fd = -1, .err_fd = -1 };
	struct sigaction sa = { .sa_handler = on_stop };
	char *cmdline = NULL, *self = NULL;
	uint64_t deadline = 0, last_n = 0, last_t;
	int fd = -1, ret = FR_EXIT_ERROR, err, status = -1;
	bool tty, started = false, written = false;
	struct fr_cap_writer w = { .fd = -1 };
	struct fr_stream st;
	bool streaming = false;
	struct fr_live live = { 0 };
	cJSON *filters;

	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &o))
		return FR_EXIT_USAGE;
	fr_verbosity = o.quiet ? FR_QUIET : o.verbose;
	/* from the start: SIGUSR1 must not kill a recorder still loading */
	fr_live_catch_usr1();
	if (!o.output)
		o.output = default_output();
	if (!o.name)
		o.name = "default";
	if (o.command && !o.has_trace) {
		int tp = fr_env_traceparent(o.trace_id);

		if (tp < 0)
			return FR_EXIT_USAGE;
		o.has_trace = tp;
	}

	cfg.groups = o.groups;
	cfg.prefer = o.attach;
	cfg.filter_tgid = o.pid;
	cfg.follow = o.command != NULL;
	cfg.cgroup_level = -1;
	cfg.ring_size = o.buffer;
	cfg.bpf_buffer = 8u << 20;
	if (o.comm) {
		if (strlen(o.comm) > 15)
			fr_warn("--comm: task names are at most 15 characters; matching '%.15s'", o.comm);
		snprintf(cfg.comm, sizeof(cfg.comm), "%s", o.comm);
	}
	if (o.cgroup && resolve_cgroup(o.cgroup, &cfg.cgroup_id, &cfg.cgroup_level))
		return FR_EXIT_ERROR;
	if (o.pid && kill(o.pid, 0) && errno == ESRCH) {
		fr_err("--pid %u: no such process", o.pid);
		return FR_EXIT_ERROR;
	}

	/* fail on the output file before recording anything; its header goes
	 * out now, so even a recorder killed later leaves a readable file */
	fd = fr_create_private(o.output, o.force);
	if (fd < 0) {
		fr_err("cannot create %s: %s%s", o.output, strerror(-fd),
		       fd == -EEXIST ? " (use --force to replace it)" :
		       fd == -ELOOP ? " (it is a symbolic link; flightrec never writes through one; "
				      "--force replaces the link itself)" : "");
		return FR_EXIT_ERROR;
	}
	if (o.max_size) {
		/* the ring file's META needs the probes: header now, the rest
		 * once they are attached */
		err = fr_cap_write_header(fd, 0, 0);
	} else {
		err = fr_capw_open(&w, fd);
		fd = -1;	/* the writer owns it */
	}
	if (err) {
		fr_err("cannot write %s: %s", o.output, strerror(-err));
		fr_capw_close(&w);
		if (fd >= 0)
			close(fd);
		unlink(o.output);
		return FR_EXIT_ERROR;
	}

	filters = cJSON_CreateObject();
	if (o.pid)
		cJSON_AddNumberToObject(filters, "pid", o.pid);
	if (o.comm)
		cJSON_AddStringToObject(filters, "comm", cfg.comm);
	if (o.cgroup)
		cJSON_AddStringToObject(filters, "cgroup", o.cgroup);
	if (o.command) {
		int n = 0;

		while (o.command[n])
			n++;
		cmdline = fr_join_args(n, o.command);
		cJSON_AddStringToObject(filters, "command", cmdline ? cmdline : "");
	}
	info.filters = filters;
	info.groups = o.groups;
	info.bpf_buffer = cfg.bpf_buffer;
	info.exit_status = -1;
	info.max_size = o.max_size;
	{
		/* argv[0] is "flightrec record": one word for the shell, two here */
		char *args = fr_join_args(argc - 1, argv + 1);

		if (asprintf(&self, "flightrec record%s%s", args && *args ? " " : "",
			     args ? args : "") < 0)
			self = NULL;
		free(args);
		info.command = self;
	}

	if (o.max_size)
		fr_proctab_scan(&pt);	/* the ring file's table: names of what runs now */

	/* from here a stop signal ends the recording cleanly, even while the
	 * probes load; exec resets the handlers in COMMAND */
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
	err = fr_recorder_start(&r, &cfg);
	if (err)
		goto out;
	started = true;
	if (child.pid) {
		/* known even when the process group (fork, exec) is not recorded */
		fr_name_child(&r.tasks, &child, o.command, cmdline);
		if (o.max_size)
			fr_name_child(&pt, &child, o.command, cmdline);
	}
	/* a second recorder of the same name stops here */
	err = fr_live_open(&live, o.name, "record", &info, o.output);
	if (err)
		goto out;
	if (child.pid) {
		err = 0;
		/* labelled before it is followed: no event of it goes unlabelled */
		if (o.has_trace) {
			int slot = fr_recorder_trace_slot(&r, o.trace_id, true);

			err = slot < 0 ? slot : fr_recorder_label_tid(&r, child.pid, (unsigned)slot);
		}
		if (!err)
			err = fr_recorder_track(&r, child.pid);
		if (err) {
			fr_err("cannot follow %s: %s", o.command[0], strerror(-err));
			goto out;
		}
	}

	if (o.max_size) {
		cJSON *meta = fr_meta_json(&r, &info);
		struct fr_stream_src src;

		fr_recorder_stream_src(&r, &src);
		err = -ENOMEM;
		if (meta) {
			err = fr_stream_open(&st, fd, o.output, o.max_size, meta, &src, &pt);
			fd = -1;	/* the stream owns it, even when it failed */
			streaming = true;
		}
		cJSON_Delete(meta);
		if (!err)
			err = fr_stream_start(&st);
		if (err) {
			fr_err("cannot write %s: %s%s", o.output, strerror(-err),
			       err == -ENOSPC ? " (or --max-size is too small for the metadata and "
						"four segments)" : "");
			goto out;
		}
	}

	fr_live_start(&live, &r, streaming ? &st : NULL);

	tty = isatty(STDERR_FILENO) && !o.quiet;
	{
		char b[16];

		fr_vlog("recording %s into a %s ring; %u probes attached", cmdline ? cmdline : "the machine",
			fr_fmt_bytes(o.buffer, b, sizeof(b)), r.nattached);
	}
	if (child.pid) {
		int e;
		ssize_t n;

		close(child.go_fd);
		child.go_fd = -1;
		n = read(child.err_fd, &e, sizeof(e));
		if (n == sizeof(e)) {
			fr_err("cannot run %s: %s", o.command[0], strerror(e));
			waitpid(child.pid, NULL, 0);
			child.pid = 0;
			ret = 127;
			goto out;
		}
	}
	if (o.duration_ns)
		deadline = fr_boot_ns() + o.duration_ns;
	last_t = fr_boot_ns();

	while (!stop_signal) {
		err = fr_recorder_poll(&r, 100);
		if (err < 0) {
			fr_err("reading events from the BPF ring buffer failed: %s; stopping, "
			       "the capture holds what was read until now", strerror(-err));
			break;
		}
		if (child.pid) {
			pid_t w = waitpid(child.pid, &status, WNOHANG);

			if (w == child.pid) {
				child.pid = 0;
				break;
			}
		}
		if (deadline && fr_boot_ns() >= deadline)
			break;
		if (o.pid && kill(o.pid, 0) && errno == ESRCH) {
			fr_vlog("process %u has exited; stopping", o.pid);
			break;
		}
		fr_live_service(&live);
		fr_recorder_tend(&r);
		if (fr_live_usr1) {
			fr_live_usr1 = 0;
			if (tty)
				status_line(&r, NULL, &last_n, &last_t, true);
			fr_live_snapshot_signal(&live);
		}
		if (tty)
			status_line(&r, streaming ? &st : NULL, &last_n, &last_t, false);
	}
	fr_live_close(&live);
	if (tty)
		status_line(&r, NULL, &last_n, &last_t, true);
	if (child.pid)
		fr_end_child(&r, &child, &status);
	if (streaming)
		fr_stream_pause(&st);
	fr_recorder_stop(&r);

	if (o.command && status >= 0)
		info.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (streaming) {
		err = fr_stream_finish(&st, &info);
		streaming = false;
		res.events = st.rf.stored;
		res.raw_bytes = st.rf.stored_bytes;
		res.file_bytes = st.rf.file_size;
	} else {
		err = fr_recorder_snapshot(&r, &info, &w, &res);
	}
	written = true;
	if (err) {
		fr_err("cannot write %s: %s%s", o.output, strerror(-err),
		       err == -ENOSPC ? " (the file holds what was written before the disk filled)" : "");
		goto out;
	}
	fr_recorder_counters(&r, &k);
	{
		char b1[16], b2[16];
		double secs = (r.stop_ns - r.start_ns) / 1e9;

		if (o.max_size) {
			fr_info("recorded %llu events in %.1fs; %llu dropped (BPF buffer full)",
				(unsigned long long)k.received, secs, (unsigned long long)k.dropped);
			fr_info("wrote %s: %llu events, %s raw, %s on disk; %llu overwritten (file full), "
				"%llu never written", o.output, (unsigned long long)res.events,
				fr_fmt_bytes(res.raw_bytes, b1, sizeof(b1)),
				fr_fmt_bytes(res.file_bytes, b2, sizeof(b2)),
				(unsigned long long)st.rf.overwritten, (unsigned long long)st.unwritten);
		} else {
			fr_info("recorded %llu events in %.1fs; %llu dropped (BPF buffer full), %llu overwritten (ring full)",
				(unsigned long long)k.received, secs, (unsigned long long)k.dropped,
				(unsigned long long)k.overwritten);
			fr_info("wrote %s: %llu events, %s raw, %s on disk", o.output,
				(unsigned long long)res.events, fr_fmt_bytes(res.raw_bytes, b1, sizeof(b1)),
				fr_fmt_bytes(res.file_bytes, b2, sizeof(b2)));
		}
	}
	if (k.follow_map_full)
		fr_warn("%llu descendants of the command could not be followed (follow map full)",
			(unsigned long long)k.follow_map_full);
	ret = o.command ? info.exit_status : FR_EXIT_OK;
	if (ret < 0)
		ret = FR_EXIT_ERROR;
out:
	fr_live_close(&live);
	if (child.pid) {
		kill(child.pid, SIGKILL);
		waitpid(child.pid, NULL, 0);
	}
	if (child.go_fd >= 0)
		close(child.go_fd);
	if (child.err_fd >= 0)
		close(child.err_fd);
	if (streaming)
		fr_stream_abort(&st);
	if (started)
		fr_recorder_free(&r);
	if (!written) {
		/* nothing was recorded: leave no empty capture behind */
		fr_capw_close(&w);
		if (fd >= 0)
			close(fd);
		unlink(o.output);
	}
	free(self);
	cJSON_Delete(filters);
	fr_proctab_free(&pt);
	free(cmdline);
	return ret;
}
