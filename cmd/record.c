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
#include "session.h"
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
	struct fr_session_opts session;	/* -e -b --attach --name -v -q -p --comm --cgroup COMMAND */
	uint64_t max_size;
	const char *output;
	bool force;
	uint64_t duration_ns;
	uint8_t trace_id[16];
	bool has_trace;
};

enum { OPT_MAX_SIZE = 0x100, OPT_TRACE_ID };

static const struct argp_option options[] = {
	{ "output", 'o', "FILE", 0, "Write the capture to FILE (default: flightrec-DATE-TIME.frec)", 0 },
	{ "max-size", OPT_MAX_SIZE, "SIZE", 0, "Write FILE as it records, as a ring file of at most "
	  "SIZE bytes (K, M, G; at least 1M) whose oldest events are overwritten; it is at most "
	  "a second behind, and readable even after the recorder is killed", 0 },
	{ "force", 'f', NULL, 0, "Replace FILE if it exists", 0 },
	{ "duration", 'd', "DURATION", 0, "Stop after DURATION (e.g. 10s, 500ms, 2m)", 2 },
	{ "trace-id", OPT_TRACE_ID, "ID", 0, "Label every event of COMMAND's process tree with this "
	  "trace id (32 hex digits; default: the one of $TRACEPARENT)", 2 },
	{ 0 },
};

static const struct fr_session_help help = {
	.events = { "Probe groups to record, comma-separated: sched, process, syscalls, block, or "
		    "all (default: all)", 0 },
	.buffer = { "Size of the in-memory ring, with K, M or G (default: 64M); the oldest events "
		    "are overwritten when it is full", 0 },
	.attach = { "Preferred attach method: auto, tp_btf, raw_tp or tracepoint; worse ones are "
		    "tried when it is not available (default: auto)", 2 },
	.name = { "Name of this recorder on its control socket, for mark, stats, dump --live and "
		  "trigger --now (default: default)", 2 },
	.verbose = { "Say which attach method each probe uses; twice for libbpf logs", 3 },
	.quiet = { "Print nothing but errors", 3 },
	.buffer_example = "64M",
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

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = state->child_inputs[1] = &o->session;
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
	case 'd':
		if (fr_parse_duration(arg, &o->duration_ns) || !o->duration_ns)
			argp_error(state, "bad --duration '%s': expected e.g. 10s, 500ms, 2m", arg);
		break;
	case OPT_TRACE_ID:
		fr_opt_trace_id(state, arg, o->trace_id);
		o->has_trace = true;
		break;
	case ARGP_KEY_END:
		if (o->has_trace && !o->session.command)
			argp_error(state, "--trace-id labels a COMMAND's events; to label a running "
				   "process, use flightrec mark --trace-id ID --pid PID");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
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

/* One recording: its options, session, output and what it wrote. */
struct record {
	struct record_opts o;
	struct fr_session s;
	struct fr_record_cfg cfg;
	struct fr_snapshot_info info;
	struct fr_snapshot_result res;
	struct fr_proctab pt;		/* the ring file's table */
	struct fr_cap_writer w;		/* the capture, without --max-size */
	int fd;				/* the ring file, until the stream owns it */
	struct fr_stream st;
	bool created, streaming, written;
	int status;			/* COMMAND's wait status, or -1 */
};

/* What the options ask of the recorder; checked before anything starts. */
static int configure(struct record *x)
{
	struct record_opts *o = &x->o;
	struct fr_record_cfg *cfg = &x->cfg;

	if (!o->output)
		o->output = default_output();
	if (!o->session.name)
		o->session.name = "default";
	if (o->session.command && !o->has_trace) {
		int tp = fr_env_traceparent(o->trace_id);

		if (tp < 0)
			return FR_EXIT_USAGE;
		o->has_trace = tp;
	}
	cfg->groups = o->session.groups;
	cfg->prefer = o->session.attach;
	cfg->filter_tgid = o->session.pid;
	cfg->follow = o->session.command != NULL;
	cfg->cgroup_level = -1;
	cfg->ring_size = o->session.buffer;
	cfg->bpf_buffer = 8u << 20;
	if (o->session.comm) {
		if (strlen(o->session.comm) > 15)
			fr_warn("--comm: task names are at most 15 characters; matching '%.15s'",
				o->session.comm);
		snprintf(cfg->comm, sizeof(cfg->comm), "%s", o->session.comm);
	}
	if (o->session.cgroup && resolve_cgroup(o->session.cgroup, &cfg->cgroup_id, &cfg->cgroup_level))
		return FR_EXIT_ERROR;
	if (o->session.pid && kill(o->session.pid, 0) && errno == ESRCH) {
		fr_err("--pid %u: no such process", o->session.pid);
		return FR_EXIT_ERROR;
	}
	return 0;
}

/* Fail on the output file before recording anything; its header goes out
 * now, so even a recorder killed later leaves a readable file. */
static int open_output(struct record *x)
{
	const char *out = x->o.output;
	int err;

	x->fd = fr_create_private(out, x->o.force);
	if (x->fd < 0) {
		fr_err("cannot create %s: %s%s", out, strerror(-x->fd),
		       x->fd == -EEXIST ? " (use --force to replace it)" :
		       x->fd == -ELOOP ? " (it is a symbolic link; flightrec never writes through one; "
					 "--force replaces the link itself)" : "");
		return FR_EXIT_ERROR;
	}
	x->created = true;
	if (x->o.max_size) {
		/* the ring file's META needs the probes: header now, the rest
		 * once they are attached */
		err = fr_cap_write_header(x->fd, 0, 0);
	} else {
		err = fr_capw_open(&x->w, x->fd);
		x->fd = -1;	/* the writer owns it */
	}
	if (err) {
		fr_err("cannot write %s: %s", out, strerror(-err));
		return FR_EXIT_ERROR;
	}
	return 0;
}

/* The capture's META: the filters, the probe groups, how it was run. */
static void describe(struct record *x)
{
	struct fr_session_opts *so = &x->o.session;
	cJSON *filters = x->s.filters;

	if (so->pid)
		cJSON_AddNumberToObject(filters, "pid", so->pid);
	if (so->comm)
		cJSON_AddStringToObject(filters, "comm", x->cfg.comm);
	if (so->cgroup)
		cJSON_AddStringToObject(filters, "cgroup", so->cgroup);
	x->info.filters = filters;
	x->info.groups = so->groups;
	x->info.bpf_buffer = x->cfg.bpf_buffer;
	x->info.exit_status = -1;
	x->info.max_size = x->o.max_size;
	x->info.command = x->s.self;
}

/* Probes attached: follow COMMAND (labelled first: no event of it goes
 * unlabelled), and with --max-size start writing the ring file. */
static int start(struct record *x)
{
	struct fr_session *s = &x->s;
	struct fr_stream_src src;
	cJSON *meta;
	int err;

	if (s->child.pid) {
		if (x->o.max_size)
			fr_session_name_child(s, &x->pt);
		err = 0;
		if (x->o.has_trace) {
			int slot = fr_recorder_trace_slot(&s->r, x->o.trace_id, true);

			err = slot < 0 ? slot : fr_recorder_label_tid(&s->r, s->child.pid, (unsigned)slot);
		}
		if (!err)
			err = fr_recorder_track(&s->r, s->child.pid);
		if (err) {
			fr_err("cannot follow %s: %s", x->o.session.command[0], strerror(-err));
			return err;
		}
	}
	if (!x->o.max_size)
		return 0;
	meta = fr_meta_json(&s->r, &x->info);
	fr_recorder_stream_src(&s->r, &src);
	err = -ENOMEM;
	if (meta) {
		err = fr_stream_open(&x->st, x->fd, x->o.output, x->o.max_size, meta, &src, &x->pt);
		x->fd = -1;	/* the stream owns it, even when it failed */
		x->streaming = true;
	}
	cJSON_Delete(meta);
	if (!err) {
		/* moved with the ring by ctl clear and resize */
		fr_recorder_add_reader(&s->r, &x->st.rd);
		err = fr_stream_start(&x->st);
	}
	if (err)
		fr_err("cannot write %s: %s%s", x->o.output, strerror(-err),
		       err == -ENOSPC ? " (or --max-size is too small for the metadata and "
					"four segments)" : "");
	return err;
}

/* Until a stop signal, --duration, COMMAND's exit or -p's. */
static void run(struct record *x)
{
	struct fr_session *s = &x->s;
	uint64_t deadline = x->o.duration_ns ? fr_boot_ns() + x->o.duration_ns : 0;
	uint64_t last_n = 0, last_t = fr_boot_ns();
	int err;

	while (!fr_stop_signal) {
		err = fr_session_poll(s, 100);
		if (err < 0) {
			fr_err("reading events from the BPF ring buffer failed: %s; stopping, "
			       "the capture holds what was read until now", strerror(-err));
			break;
		}
		if (fr_session_child_exited(s, &x->status))
			break;
		if (deadline && fr_boot_ns() >= deadline)
			break;
		if (x->o.session.pid && kill(x->o.session.pid, 0) && errno == ESRCH) {
			fr_vlog("process %u has exited; stopping", x->o.session.pid);
			break;
		}
		fr_recorder_tend(&s->r);
		if (s->tty)
			status_line(&s->r, x->streaming ? &x->st : NULL, &last_n, &last_t, false);
	}
	fr_live_close(&s->live);
	if (s->tty)
		status_line(&s->r, NULL, &last_n, &last_t, true);
	if (s->child.pid)
		fr_session_end_child(s, &x->status);
	if (x->streaming)
		fr_stream_pause(&x->st);
	fr_recorder_stop(&s->r);
}

/* Write the capture (or finish the ring file) and say what it holds. */
static int finish(struct record *x)
{
	struct fr_recorder *r = &x->s.r;
	struct fr_counters k;
	char b1[16], b2[16];
	double secs;
	int err;

	if (x->o.session.command && x->status >= 0)
		x->info.exit_status = fr_exit_status(x->status);
	if (x->streaming) {
		err = fr_stream_finish(&x->st, &x->info);
		x->streaming = false;
		x->res.events = x->st.rf.stored;
		x->res.raw_bytes = x->st.rf.stored_bytes;
		x->res.file_bytes = x->st.rf.file_size;
	} else {
		err = fr_recorder_snapshot(r, &x->info, &x->w, &x->res);
	}
	x->written = true;
	if (err) {
		fr_err("cannot write %s: %s%s", x->o.output, strerror(-err),
		       err == -ENOSPC ? " (the file holds what was written before the disk filled)" : "");
		return FR_EXIT_ERROR;
	}
	fr_recorder_counters(r, &k);
	secs = (r->stop_ns - r->start_ns) / 1e9;
	if (x->o.max_size) {
		fr_info("recorded %llu events in %.1fs; %llu dropped (BPF buffer full)",
			(unsigned long long)k.received, secs, (unsigned long long)k.dropped);
		fr_info("wrote %s: %llu events, %s raw, %s on disk; %llu overwritten (file full), "
			"%llu never written", x->o.output, (unsigned long long)x->res.events,
			fr_fmt_bytes(x->res.raw_bytes, b1, sizeof(b1)),
			fr_fmt_bytes(x->res.file_bytes, b2, sizeof(b2)),
			(unsigned long long)x->st.rf.overwritten, (unsigned long long)x->st.unwritten);
	} else {
		fr_info("recorded %llu events in %.1fs; %llu dropped (BPF buffer full), %llu overwritten (ring full)",
			(unsigned long long)k.received, secs, (unsigned long long)k.dropped,
			(unsigned long long)k.overwritten);
		fr_info("wrote %s: %llu events, %s raw, %s on disk", x->o.output,
			(unsigned long long)x->res.events, fr_fmt_bytes(x->res.raw_bytes, b1, sizeof(b1)),
			fr_fmt_bytes(x->res.file_bytes, b2, sizeof(b2)));
	}
	if (k.cleared || k.resized || k.taken)
		fr_info("taken out on request: %llu cleared, %llu discarded by a resize, %llu taken "
			"with a trace", (unsigned long long)k.cleared, (unsigned long long)k.resized,
			(unsigned long long)k.taken);
	if (k.follow_map_full)
		fr_warn("%llu descendants of the command could not be followed (follow map full)",
			(unsigned long long)k.follow_map_full);
	if (!x->o.session.command)
		return FR_EXIT_OK;
	return x->info.exit_status >= 0 ? x->info.exit_status : FR_EXIT_ERROR;
}

static void cleanup(struct record *x)
{
	fr_live_close(&x->s.live);
	if (x->streaming)
		fr_stream_abort(&x->st);
	if (!x->written) {
		/* nothing was recorded: leave no empty capture behind */
		fr_capw_close(&x->w);
		if (x->fd >= 0)
			close(x->fd);
		if (x->created)
			unlink(x->o.output);
	}
	fr_session_free(&x->s);
	fr_proctab_free(&x->pt);
}

int cmd_record(int argc, char **argv)
{
	static struct record x;
	struct argp_child children[] = { fr_session_argp(&help), fr_filter_argp(), { 0 } };
	struct argp argp = { options, parse_opt, "[-- COMMAND [ARG...]]", doc, children, NULL, NULL };
	int ret;

	memset(&x, 0, sizeof(x));
	x.o.session = (struct fr_session_opts){ .groups = FR_GROUPS_DEFAULT, .buffer = 64ULL << 20,
						.attach = FR_ATTACH_TP_BTF };
	x.w.fd = x.fd = -1;
	x.status = -1;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &x.o))
		return FR_EXIT_USAGE;
	fr_session_init(&x.s, &x.o.session, "record", argc, argv);
	ret = configure(&x);
	if (!ret)
		ret = open_output(&x);
	if (ret)
		goto out;
	describe(&x);
	if (x.o.max_size)
		fr_proctab_scan(&x.pt);	/* the ring file's table: names of what runs now */
	fr_session_catch_stop();
	ret = FR_EXIT_ERROR;
	if (fr_session_start(&x.s, &x.cfg, &x.info, x.o.output) || start(&x))
		goto out;
	fr_vlog("recording %s into a %s ring; %u probes attached",
		x.s.cmdline ? x.s.cmdline : "the machine",
		fr_fmt_bytes(x.o.session.buffer, (char[16]){ 0 }, 16), x.s.r.nattached);
	if ((ret = fr_session_go(&x.s, x.streaming ? &x.st : NULL)))
		goto out;
	run(&x);
	ret = finish(&x);
out:
	cleanup(&x);
	return ret;
}
