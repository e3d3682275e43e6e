/* session.h: what record and trigger share: the recording options (one
 * argp child parser), the signals that stop a recording, COMMAND started
 * and held before its exec until the probes are attached, the recorder,
 * and its control socket. Each command adds its own steps between these. */
#ifndef FR_SESSION_H
#define FR_SESSION_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "live.h"
#include "record/recorder.h"

/* What an option's help says for one command, and where it goes. */
struct fr_opt_help {
	const char *doc;
	int group;
};
struct fr_session_help {
	struct fr_opt_help events, buffer, attach, name, verbose, quiet;
	const char *buffer_example;	/* in the message of a bad -b */
};

/* The shared options, as parsed. */
struct fr_session_opts {
	unsigned groups;
	bool groups_set;
	uint64_t buffer;
	int attach;
	const char *name;
	char **command;		/* NULL-terminated, or NULL */
	int verbose;
	bool quiet;
	const char *recorder_opt;	/* the last option given that shapes a recorder */
	/* filters (record): what is recorded */
	uint32_t pid;
	const char *comm;
	const char *cgroup;
};

/* The child parsers: the recording options, and record's filters (-p,
 * --comm, --cgroup). help gives the words that differ by command. */
struct argp_child fr_session_argp(const struct fr_session_help *help);
struct argp_child fr_filter_argp(void);

/* A stop signal (SIGINT, SIGTERM, SIGHUP) arrived: its number. */
extern volatile sig_atomic_t fr_stop_signal;

/* record/trigger -- COMMAND: the child, held before exec until the probes
 * are attached. */
struct fr_child {
	pid_t pid;
	int go_fd;	/* closing it lets the child exec */
	int err_fd;	/* the child's exec errno, or EOF on success */
};

struct fr_session {
	struct fr_session_opts *o;
	const char *kind;		/* "record" or "trigger" */
	struct fr_recorder r;
	bool started;
	struct fr_child child;
	struct fr_live live;
	char *cmdline;			/* COMMAND as one line, or NULL */
	char *self;			/* "flightrec record ARGS" */
	cJSON *filters;			/* META "filters" */
	bool tty;			/* a status line goes to stderr */
};

/* Before anything: verbosity, SIGUSR1 caught (a recorder still loading
 * must not die of it), COMMAND's line and our own, the filters' JSON with
 * COMMAND in it. argc/argv: the command's. */
void fr_session_init(struct fr_session *s, struct fr_session_opts *o, const char *kind, int argc,
		     char **argv);
/* From here a stop signal ends the recording cleanly, even while the
 * probes load; exec resets the handlers in COMMAND. */
void fr_session_catch_stop(void);
/* Start COMMAND (held), the recorder, name COMMAND in its table, and
 * take the control socket's name (info and output are for its clients).
 * 0, or -errno with the message printed. */
int fr_session_start(struct fr_session *s, const struct fr_record_cfg *cfg,
		     const struct fr_snapshot_info *info, const char *output);
/* Serve the control socket (stream: record's ring file, or NULL), then
 * let COMMAND exec. 0; 127 when COMMAND cannot be run (message printed). */
int fr_session_go(struct fr_session *s, const struct fr_stream *stream);
/* One turn: wait up to ms for events, serve the control socket, write a
 * snapshot on SIGUSR1. 0, or -errno when the BPF ring cannot be read. */
int fr_session_poll(struct fr_session *s, int ms);
/* Has COMMAND exited? Its wait status in *status. */
bool fr_session_child_exited(struct fr_session *s, int *status);
/* Stopped while COMMAND runs: end it (SIGTERM, then SIGKILL), recording
 * its last events meanwhile. */
void fr_session_end_child(struct fr_session *s, int *status);
/* COMMAND's exit status as a shell gives it (128+N when killed by N). */
int fr_exit_status(int status);
/* Close the socket, kill COMMAND if it still runs, free the recorder. */
void fr_session_free(struct fr_session *s);

struct fr_proctab;
/* Name the child in pt as COMMAND, not as the flightrec it still is
 * until its exec. */
void fr_session_name_child(struct fr_session *s, struct fr_proctab *pt);
/* argv as one line a shell would split back into the same words. */
char *fr_join_args(int argc, char **argv);

#endif
