/* live_client.h: the client side of a running recorder's control socket:
 * connect, one request, a snapshot fetched into a file, trigger --now; and
 * the option values mark, stats, dump, record and trigger share. The
 * serving side is live.h. */
#ifndef FR_LIVE_CLIENT_H
#define FR_LIVE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "control/ctlsock.h"	/* the socket fr_live_connect gives is theirs to use */

/* "flightrec-NAME-DATE-TIME.frec" in buf: where trigger --now and SIGUSR1
 * write when not told. */
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

/* ---- requests ---- */

/* Connect to recorder name (NULL: the only one running); the message is
 * printed on failure. */
int fr_live_connect(const char *name);
/* One request {"op": op} (fd sent along when >= 0); its reply in *reply.
 * 0, or -errno with the message printed. */
int fr_live_request(int sock, const char *op, int fd, cJSON **reply);
/* A request q (fd sent along when >= 0); its reply in *reply. 0, or
 * -errno with the message printed. */
int fr_live_call(int sock, const cJSON *q, int fd, cJSON **reply);
/* A snapshot of recorder name's ring written into fd (a regular file). */
int fr_live_fetch(const char *name, int fd, cJSON **reply);
/* The same with the snapshot request req (NULL: {"op": "snapshot"}). */
int fr_live_fetch_q(const char *name, const cJSON *req, int fd, cJSON **reply);
/* A snapshot of recorder name's ring in a file in memory, which path
 * (len >= 32) opens: its descriptor, to close once opened, or -1 with the
 * message printed. */
int fr_live_fetch_memfd(const char *name, char *path, size_t len);
/* The same with the request req (NULL: a whole snapshot), the reply in
 * *reply when not NULL (to cJSON_Delete). */
int fr_live_fetch_memfd_q(const char *name, const cJSON *req, char *path, size_t len,
			  cJSON **reply);
/* trigger --now: the exit status. */
int fr_live_trigger_now(const char *name, const char *output, bool force);

#endif
