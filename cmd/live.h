/* live.h: the control socket of a running recorder (record, trigger):
 * marks, live stats, snapshots, trace labels, and SIGUSR1. */
#ifndef FR_LIVE_H
#define FR_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "control/ctlsock.h"
#include "capture/proctab.h"
#include "record/recorder.h"
#include "record/snapshot.h"

struct fr_stream;

struct fr_live {
	struct fr_ctl_server srv;
	bool open;			/* the name is ours */
	bool on;			/* serving */
	const char *kind;		/* "record" or "trigger" */
	char name[FR_CTL_NAME_MAX + 1];
	struct fr_recorder *r;
	const struct fr_snapshot_info *info;
	const struct fr_stream *stream;	/* the ring file record writes, or NULL */
	const char *output;		/* its capture (record), or -o (trigger) */
	char *snap_dir;			/* where SIGUSR1 writes */
	/* rates: the counts a second or more ago, and now-ish */
	uint64_t prev[FR_EV_TYPE_MAX], cur[FR_EV_TYPE_MAX];
	uint64_t prev_ns, cur_ns;
	unsigned snapshots;
	/* what the command adds to live stats (trigger: its detectors) */
	void (*more_stats)(void *ctx, cJSON *reply);
	void *more_ctx;
};

/* Take the name and listen. -EADDRINUSE (the name is taken) or -EINVAL
 * with the message printed; any other failure is a warning, and the
 * recorder runs on without a socket (0). */
int fr_live_open(struct fr_live *l, const char *name, const char *kind,
		 const struct fr_snapshot_info *info, const char *output);
/* Serve r: its poll wakes when a client has something; snapshots name
 * their tasks from r->tasks. stream is record's ring file, or NULL. */
int fr_live_start(struct fr_live *l, struct fr_recorder *r, const struct fr_stream *stream);
/* Serve the clients; call after every poll of the recorder. */
void fr_live_service(struct fr_live *l);
/* SIGUSR1: write what the ring holds now to a new capture in snap_dir,
 * and say where on stdout. */
int fr_live_snapshot_signal(struct fr_live *l);
void fr_live_close(struct fr_live *l);

/* SIGUSR1 handling for record and trigger: a flag for the main loop. */
extern volatile sig_atomic_t fr_live_usr1;
void fr_live_catch_usr1(void);

/* "flightrec-NAME-DATE-TIME.frec" in buf. */
void fr_live_default_name(const char *name, char *buf, size_t len);

/* ---- options ---- */

struct argp_state;

/* The value of --name or --live (opt): a recorder name, else a usage error. */
const char *fr_opt_recorder(struct argp_state *state, const char *opt, const char *arg);
/* The value of --trace-id: 32 hex digits, else a usage error. */
void fr_opt_trace_id(struct argp_state *state, const char *arg, uint8_t id[16]);
/* The trace id of $TRACEPARENT: 1 when there is one, 0 when it is unset,
 * -1 (message printed) when it is not a traceparent header. */
int fr_env_traceparent(uint8_t id[16]);

/* ---- clients ---- */

/* Connect to recorder name (NULL: the only one running); the message is
 * printed on failure. */
int fr_live_connect(const char *name);
/* One request {"op": op} (fd sent along when >= 0); its reply in *reply.
 * 0, or -errno with the message printed. */
int fr_live_request(int sock, const char *op, int fd, cJSON **reply);
/* A snapshot of recorder name's ring written into fd (a regular file). */
int fr_live_fetch(const char *name, int fd, cJSON **reply);
/* A snapshot of recorder name's ring in a file in memory, which path
 * (len >= 32) opens: its descriptor, to close once opened, or -1 with the
 * message printed. */
int fr_live_fetch_memfd(const char *name, char *path, size_t len);
/* trigger --now: the exit status. */
int fr_live_trigger_now(const char *name, const char *output, bool force);

#endif
