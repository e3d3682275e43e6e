/* control.h: the control channel of a running recorder. A Unix stream
 * socket per recorder, named after it, in a root-only directory; each
 * message is a 4-byte little-endian length then that many bytes of JSON
 * text (one object). docs/control.md describes the protocol. */
#ifndef FR_CONTROL_H
#define FR_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define FR_CTL_MAX_MSG (1u << 20)	/* bytes of JSON in one message */
#define FR_CTL_MAX_CONNS 16		/* clients served at once */
#define FR_CTL_NAME_MAX 64
#define FR_CTL_DEFAULT_DIR "/run/flightrec"
#define FR_CTL_MAX_META 64		/* metadata pairs in a mark */
#define FR_CTL_MAX_KEY 64
/* a mark is a record in the ring, whose size field is 16 bits */
#define FR_CTL_MAX_MARK_BYTES 61440u

/* A recorder name: 1 to 64 of [A-Za-z0-9_.-], not starting with '.'. */
bool fr_ctl_name_ok(const char *name);

/* The directory of the sockets: $FLIGHTREC_RUNDIR, or /run/flightrec. */
const char *fr_ctl_dir(void);

/* dir/name + suffix in buf; -ENAMETOOLONG when it does not fit a socket
 * address. */
int fr_ctl_path(const char *name, const char *suffix, char *buf, size_t len);

/* ---- framing ---- */

struct fr_ctl_reader {
	uint8_t hdr[4];
	uint32_t hlen;		/* header bytes read */
	uint32_t need;		/* the message's length, once the header is in */
	uint32_t got;
	char *msg;		/* need + 1 bytes, NUL-terminated when complete */
};

/* Take bytes p[0, n): *used says how many were consumed. 1 when a message
 * is complete (rd->msg, rd->need bytes; fr_ctl_reader_reset() before the
 * next), 0 when more is needed, -EMSGSIZE for a length of 0 or above
 * FR_CTL_MAX_MSG, -ENOMEM. */
int fr_ctl_feed(struct fr_ctl_reader *rd, const uint8_t *p, size_t n, size_t *used);
void fr_ctl_reader_reset(struct fr_ctl_reader *rd);

/* ---- requests ---- */

enum fr_ctl_op {
	FR_CTL_HELLO,		/* who is there */
	FR_CTL_MARK,		/* a marker event */
	FR_CTL_STATS,		/* live counters */
	FR_CTL_SNAPSHOT,	/* a capture written into the file passed along */
	FR_CTL_PAUSE,		/* stop taking events, keep the ring */
	FR_CTL_RESUME,
	FR_CTL_CLEAR,		/* empty the ring */
	FR_CTL_RESIZE,		/* size: the ring's new size */
	FR_CTL_ENABLE,		/* groups: probe groups to attach */
	FR_CTL_DISABLE,		/* ... to detach */
};

/* The longest "groups" list a request may carry. */
#define FR_CTL_MAX_GROUPS 256

struct fr_ctl_meta {
	char *key;
	char *value;		/* any bytes but NUL */
};

struct fr_ctl_req {
	enum fr_ctl_op op;
	/* mark */
	char *name;
	struct fr_ctl_meta *meta;
	unsigned nmeta;
	uint8_t trace_id[16];
	bool has_trace;
	uint32_t pid;		/* the process the mark is about; 0: the caller's */
	bool end;		/* a span's end */
	uint64_t ts;		/* CLOCK_BOOTTIME of the call, 0 when not given */
	size_t bytes;		/* name and metadata, as stored */
	/* snapshot: only the events of trace_id (has_trace), and with
	 * clear, taken out of the ring */
	bool clear;
	/* resize */
	uint64_t size;
	/* enable, disable: a list of group names as -e takes it */
	char *groups;
};

/* Parse one message. 0, or -EINVAL with a sentence in err. */
int fr_ctl_parse(const char *msg, size_t len, struct fr_ctl_req *req, char *err, size_t errlen);
void fr_ctl_req_free(struct fr_ctl_req *req);

/* A W3C trace id: 32 hex digits, not all zero. 0 or -EINVAL. */
int fr_trace_id_parse(const char *s, uint8_t out[16]);
/* The trace id of a W3C traceparent header ("00-<trace id>-<parent id>-<flags>";
 * later versions may add fields). 0 or -EINVAL. */
int fr_traceparent_parse(const char *s, uint8_t out[16]);
void fr_trace_id_format(const uint8_t id[16], char out[33]);

/* ---- sockets ---- */

/* Write one message (msg, len bytes), passing fd along when fd >= 0. */
int fr_ctl_send(int sock, const char *msg, size_t len, int fd);
int fr_ctl_send_json(int sock, const cJSON *j, int fd);

/* Read from sock into rd until a message is complete (1), or, on a
 * non-blocking socket, until nothing more is there (0). A descriptor sent
 * along is put in *fd (the first one; others are closed); *fd is left alone
 * otherwise. -EPIPE when the peer closed first, -EMSGSIZE, -errno. */
int fr_ctl_recv(int sock, struct fr_ctl_reader *rd, int *fd);

#endif
