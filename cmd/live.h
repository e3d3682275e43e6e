/* live.h: the serving side of the control socket of a running recorder
 * (record, trigger): marks, live stats, snapshots, trace labels, and
 * SIGUSR1. The clients, and the option values record and trigger share
 * with them, are in live_client.h. */
#ifndef FR_LIVE_H
#define FR_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "live_client.h"
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

/* ---- the controls (live_ctl.c) ---- */

/* The sizes ctl resize takes, those of --buffer. */
#define FR_LIVE_RING_MIN (64ULL << 10)
#define FR_LIVE_RING_MAX (4ULL << 30)
/* Answer pause, resume, clear, resize, enable and disable; false for any
 * other request. */
bool fr_live_ctl(struct fr_live *l, const struct fr_ctl_req *q, cJSON *reply);
/* o.enabled, how long paused, the groups on: live stats and every
 * control's reply. */
void fr_live_state_json(const struct fr_recorder *r, cJSON *o);
/* SIGUSR2 toggles the pause: a flag for the main loop. */
extern volatile sig_atomic_t fr_live_usr2;
void fr_live_catch_usr2(void);
void fr_live_toggle_signal(struct fr_live *l);

#endif
