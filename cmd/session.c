/* session.c: the recording session record and trigger share; see
 * session.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "session.h"
#include "base/log.h"
#include "base/util.h"
#include "capture/event.h"
#include "capture/proctab.h"

/* ---- options ---- */

enum { OPT_ATTACH = 0x200, OPT_NAME, OPT_COMM, OPT_CGROUP };

static struct argp_option session_options[8];
static const char *buffer_example = "64M";

static int parse_session(int key, char *arg, struct argp_state *state)
{
	struct fr_session_opts *o = state->input;
	const char *bad;
	size_t badlen;

	switch (key) {
	case 'e':
		o->recorder_opt = "-e";
		if (fr_groups_parse(arg, &o->groups, &bad, &badlen)) {
			const char *hint = fr_group_suggest(bad, badlen);

			argp_error(state, "unknown probe group '%.*s' in -e%s%s%s (groups: sched, process, "
				   "syscalls, block, all)", (int)badlen, bad, hint ? "; did you mean " : "",
				   hint ? hint : "", hint ? "?" : "");
		}
		o->groups_set = true;
		break;
	case 'b':
		o->recorder_opt = "--buffer";
		if (fr_parse_size(arg, &o->buffer) || o->buffer < (64u << 10) || o->buffer > (4ULL << 30))
			argp_error(state, "bad --buffer '%s': give a size from 64K to 4G, e.g. %s", arg,
				   buffer_example);
		break;
	case OPT_ATTACH:
		o->recorder_opt = "--attach";
		o->attach = fr_attach_parse(arg);
		if (o->attach < 0)
			argp_error(state, "bad --attach '%s': expected auto, tp_btf, raw_tp or tracepoint", arg);
		break;
	case OPT_NAME:
		o->name = fr_opt_recorder(state, "--name", arg);
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
		/* the first non-option starts COMMAND; the rest is its own */
		o->command = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp session_argp = { session_options, parse_session, NULL, NULL, NULL, NULL, NULL };

struct argp_child fr_session_argp(const struct fr_session_help *h)
{
	struct argp_option *p = session_options;

	buffer_example = h->buffer_example;

	*p++ = (struct argp_option){ "events", 'e', "GROUPS", 0, h->events.doc, h->events.group };
	*p++ = (struct argp_option){ "buffer", 'b', "SIZE", 0, h->buffer.doc, h->buffer.group };
	*p++ = (struct argp_option){ "attach", OPT_ATTACH, "METHOD", 0, h->attach.doc, h->attach.group };
	*p++ = (struct argp_option){ "name", OPT_NAME, "NAME", 0, h->name.doc, h->name.group };
	*p++ = (struct argp_option){ "verbose", 'v', NULL, 0, h->verbose.doc, h->verbose.group };
	*p++ = (struct argp_option){ "quiet", 'q', NULL, 0, h->quiet.doc, h->quiet.group };
	*p++ = (struct argp_option){ NULL, 'h', NULL, OPTION_HIDDEN, "Give this help list", h->quiet.group };
	*p = (struct argp_option){ 0 };
	return (struct argp_child){ &session_argp, 0, NULL, 0 };
}

static const struct argp_option filter_options[] = {
	{ "pid", 'p', "PID", 0, "Record only this process and its threads", 1 },
	{ "comm", OPT_COMM, "NAME", 0, "Record only tasks whose name (comm) is NAME", 1 },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "Record only tasks in this cgroup v2 directory or below it "
	  "(absolute, or relative to the cgroup2 mount)", 1 },
	{ 0 },
};

static int parse_filter(int key, char *arg, struct argp_state *state)
{
	struct fr_session_opts *o = state->input;
	uint64_t v;

	switch (key) {
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
	case ARGP_KEY_END:
		if (o->command && o->pid)
			argp_error(state, "-p and COMMAND cannot be combined: COMMAND selects its own processes");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp filter_argp = { filter_options, parse_filter, NULL, NULL, NULL, NULL, NULL };

struct argp_child fr_filter_argp(void)
{
	return (struct argp_child){ &filter_argp, 0, NULL, 0 };
}

/* ---- signals ---- */

volatile sig_atomic_t fr_stop_signal;

static void on_stop(int sig)
{
	fr_stop_signal = sig;
	/* a second Ctrl-C kills at once; the kernel then detaches every probe */
	signal(sig, SIG_DFL);
}

void fr_session_catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* ---- COMMAND ---- */

/* argv as one line a shell would split back into the same words */
char *fr_join_args(int argc, char **argv)
{
	size_t len = 0;
	char *buf, *p, *line;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	buf = p = malloc(len + 1);
	if (!buf)
		return NULL;
	for (int i = 0; i < argc; i++)
		p = stpcpy(p, argv[i]) + 1;
	line = fr_args_to_line(buf, len);
	free(buf);
	return line;
}

/* Fork COMMAND, held before exec until the probes are attached. */
static int spawn(char **command, struct fr_child *c)
{
	int go[2], err[2], e;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		e = errno;
		close(go[0]);
		close(go[1]);
		return -e;
	}
	pid = fork();
	if (pid < 0) {
		/* no child: nothing to kill or wait for later (a pid of -1
		 * would be every process) */
		e = errno;
		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		c->pid = 0;
		return -e;
	}
	c->pid = pid;
	if (c->pid == 0) {
		char b;

		close(go[1]);
		close(err[0]);
		while (read(go[0], &b, 1) < 0 && errno == EINTR)
			;
		signal(SIGPIPE, SIG_DFL);
		execvp(command[0], command);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	c->go_fd = go[1];
	c->err_fd = err[0];
	return 0;
}

void fr_session_name_child(struct fr_session *s, struct fr_proctab *pt)
{
	const struct fr_child *child = &s->child;
	char **command = s->o->command;
	const char *cmdline = s->cmdline;
	struct fr_proc *p = fr_proctab_get(pt, child->pid, true);
	const char *base = strrchr(command[0], '/');

	if (!p)
		return;
	p->tgid = child->pid;
	p->ppid = getpid();
	snprintf(p->comm, sizeof(p->comm), "%.15s", base ? base + 1 : command[0]);
	/* the scan may have seen the child before its exec, with flightrec's
	 * own command line: COMMAND's is the one to keep */
	if (cmdline) {
		free(p->cmdline);
		p->cmdline = strdup(cmdline);
	}
}

/* Stopped while COMMAND runs: end it too (SIGTERM, then SIGKILL after a
 * grace period), recording its last events meanwhile. */
void fr_session_end_child(struct fr_session *s, int *status)
{
	struct fr_child *c = &s->child;
	uint64_t kill_at = fr_boot_ns() + 2000000000ULL;
	bool killed = false;

	kill(c->pid, SIGTERM);
	for (;;) {
		pid_t w = waitpid(c->pid, status, WNOHANG);

		if (w == c->pid || (w < 0 && errno != EINTR))
			break;
		if (!killed && fr_boot_ns() >= kill_at) {
			fr_warn("the command did not exit on SIGTERM; killing it");
			kill(c->pid, SIGKILL);
			killed = true;
		}
		/* its last events, while the recorder still records */
		if (s->r.rb_open)
			fr_recorder_poll(&s->r, 50);
		else
			usleep(50000);
	}
	c->pid = 0;
}


int fr_exit_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the session ---- */

void fr_session_init(struct fr_session *s, struct fr_session_opts *o, const char *kind, int argc,
		     char **argv)
{
	char *args;

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->kind = kind;
	s->child = (struct fr_child){ .pid = 0, .go_fd = -1, .err_fd = -1 };
	fr_verbosity = o->quiet ? FR_QUIET : o->verbose;
	/* from the start: SIGUSR1 and SIGUSR2 must not kill a recorder
	 * still loading */
	fr_live_catch_usr1();
	fr_live_catch_usr2();
	s->filters = cJSON_CreateObject();
	if (o->command) {
		int n = 0;

		while (o->command[n])
			n++;
		s->cmdline = fr_join_args(n, o->command);
	}
	/* argv[0] is "flightrec record": one word for the shell, two here */
	args = fr_join_args(argc - 1, argv + 1);
	if (asprintf(&s->self, "flightrec %s%s%s", kind, args && *args ? " " : "", args ? args : "") < 0)
		s->self = NULL;
	free(args);
	s->tty = isatty(STDERR_FILENO) && !o->quiet;
}

int fr_session_start(struct fr_session *s, const struct fr_record_cfg *cfg,
		     const struct fr_snapshot_info *info, const char *output)
{
	int err;

	if (s->o->command)
		cJSON_AddStringToObject(s->filters, "command", s->cmdline ? s->cmdline : "");
	if (s->o->command) {
		err = spawn(s->o->command, &s->child);
		if (err) {
			fr_err("cannot start %s: %s", s->o->command[0], strerror(-err));
			return err;
		}
	}
	err = fr_recorder_start(&s->r, cfg);
	if (err)
		return err;
	s->started = true;
	/* known even when the process group (fork, exec) is not recorded */
	if (s->child.pid > 0)
		fr_session_name_child(s, &s->r.tasks);
	/* a second recorder of the same name stops here */
	return fr_live_open(&s->live, s->o->name ? s->o->name : "default", s->kind, info, output);
}

int fr_session_go(struct fr_session *s, const struct fr_stream *stream)
{
	int e;

	fr_live_start(&s->live, &s->r, stream);
	if (s->child.pid <= 0)
		return 0;
	close(s->child.go_fd);
	s->child.go_fd = -1;
	if (read(s->child.err_fd, &e, sizeof(e)) == sizeof(e)) {
		fr_err("cannot run %s: %s", s->o->command[0], strerror(e));
		waitpid(s->child.pid, NULL, 0);
		s->child.pid = 0;
		return 127;
	}
	return 0;
}

int fr_session_poll(struct fr_session *s, int ms)
{
	int err = fr_recorder_poll(&s->r, ms);

	if (err < 0)
		return err;
	fr_live_service(&s->live);
	if (fr_live_usr1) {
		fr_live_usr1 = 0;
		if (s->tty)
			fputs("\r\033[K", stderr);
		fr_live_snapshot_signal(&s->live);	/* a failure is reported, and it runs on */
	}
	if (fr_live_usr2) {
		fr_live_usr2 = 0;
		if (s->tty)
			fputs("\r\033[K", stderr);
		fr_live_toggle_signal(&s->live);
	}
	return 0;
}

bool fr_session_child_exited(struct fr_session *s, int *status)
{
	if (s->child.pid <= 0 || waitpid(s->child.pid, status, WNOHANG) != s->child.pid)
		return false;
	s->child.pid = 0;
	return true;
}

void fr_session_free(struct fr_session *s)
{
	fr_live_close(&s->live);
	if (s->child.pid > 0) {
		kill(s->child.pid, SIGKILL);
		waitpid(s->child.pid, NULL, 0);
		s->child.pid = 0;
	}
	if (s->child.go_fd >= 0)
		close(s->child.go_fd);
	if (s->child.err_fd >= 0)
		close(s->child.err_fd);
	s->child.go_fd = s->child.err_fd = -1;
	if (s->started) {
		fr_recorder_stop(&s->r);
		fr_recorder_free(&s->r);
		s->started = false;
	}
	cJSON_Delete(s->filters);
	free(s->self);
	free(s->cmdline);
	s->filters = NULL;
	s->self = s->cmdline = NULL;
}
