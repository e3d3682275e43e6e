/* ctlsock.h: the two ends of the control channel. The server is the
 * recorder's: a lock file that makes its name its own, a root-only socket,
 * a bounded set of clients, each request parsed and handed to a callback.
 * The client is what mark, stats, dump --live and trigger --now use. */
#ifndef FR_CTLSOCK_H
#define FR_CTLSOCK_H

#include <stdint.h>
#include <sys/types.h>

#include "control/control.h"

/* A client whose last complete message is this old is let go. */
#define FR_CTL_IDLE_NS (60ULL * 1000000000ULL)
/* How long a client waits for the recorder: to connect and for a reply
 * (a snapshot: FR_CTL_SNAPSHOT_WAIT_S). */
#define FR_CTL_WAIT_S 30
#define FR_CTL_SNAPSHOT_WAIT_S 600

struct fr_ctl_peer {
	pid_t pid;
	uid_t uid;
	/* the time of the last mark this connection put: the next one is
	 * given no earlier time, so marks keep the order they were sent in */
	uint64_t *mark_floor;
};

/* Answer req into reply (an object the server then sends); fd is the
 * descriptor sent along, or -1, and stays the caller's. */
typedef void (*fr_ctl_handler)(void *ctx, const struct fr_ctl_req *req, int fd,
			       const struct fr_ctl_peer *peer, cJSON *reply);

struct fr_ctl_conn {
	int fd;			/* -1: free */
	struct fr_ctl_reader rd;
	int passed;		/* a descriptor come with the message at hand, or -1 */
	uint64_t last_ns;	/* CLOCK_BOOTTIME of its last message */
	struct fr_ctl_peer peer;
	uint64_t mark_ts;	/* peer.mark_floor points here */
};

struct fr_ctl_server {
	int epfd, lfd, lockfd;
	int spare;		/* given up to turn a client away when out of descriptors */
	char path[108], lock[108];
	char name[FR_CTL_NAME_MAX + 1];
	struct fr_ctl_conn conn[FR_CTL_MAX_CONNS];
	unsigned nconn;
	uint64_t requests, refused, bad;	/* served, clients turned away, malformed */
	fr_ctl_handler handle;
	void *ctx;
};

/* Take the name (lock file), make the directory when missing (0700),
 * replace a stale socket and listen. 0, or -errno with a sentence in err:
 * -EADDRINUSE when a recorder of that name runs. */
int fr_ctl_server_open(struct fr_ctl_server *s, const char *name, fr_ctl_handler handle,
		       void *ctx, char *err, size_t errlen);
/* An epoll descriptor that is readable when the server has work. */
static inline int fr_ctl_server_fd(const struct fr_ctl_server *s)
{
	return s->epfd;
}
/* Accept, read and answer what is waiting; never blocks on a client. */
void fr_ctl_server_service(struct fr_ctl_server *s);
/* Close every client, remove the socket and the lock file. Idempotent. */
void fr_ctl_server_close(struct fr_ctl_server *s);

/* ---- client ---- */

/* Connect to the recorder name, or to the only one running when name is
 * NULL. The socket, or -errno with a sentence in err that says what to do. */
int fr_ctl_connect(const char *name, char *err, size_t errlen);
/* The names of the recorders whose socket answers, sorted; *n of them. */
int fr_ctl_list(char ***names, size_t *n);
void fr_ctl_list_free(char **names, size_t n);
/* How long to wait for the recorder's answers on sock. */
void fr_ctl_set_wait(int sock, unsigned seconds);
/* Send req (with fd when >= 0) and wait for the answer, into *reply.
 * A reply {"ok": false, "error": ...} is returned as -EPROTO with the
 * error in err. */
int fr_ctl_call(int sock, const cJSON *req, int fd, cJSON **reply, char *err, size_t errlen);
/* Wait for one reply (pipelining: several requests, then their replies).
 * -ETIMEDOUT when the recorder did not answer in time. */
int fr_ctl_reply(int sock, struct fr_ctl_reader *rd, cJSON **reply, char *err, size_t errlen);

#endif
