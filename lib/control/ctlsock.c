/* ctlsock.c: the control channel's server (in the recorder) and client. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctlsock.h"
#include "base/util.h"

/* ---- server ---- */

/* The directory of the sockets: made 0700 when missing, and refused when
 * anyone but its owner (this user) could write into it or reach it. */
static int private_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "cannot create the control directory %s: %s%s", dir, strerror(e),
			 e == EACCES || e == EPERM ? " (needs root)" : "");
		return -e;
	}
	if (lstat(dir, &st)) {
		int e = errno;

		snprintf(err, errlen, "control directory %s: %s", dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "control directory %s is not a directory (a symbolic link?); "
			 "remove it", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		snprintf(err, errlen, "control directory %s is not private (owner uid %u, mode %03o); "
			 "it must belong to uid %u with mode 700: chmod 700 %s, or remove it",
			 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777), (unsigned)geteuid(), dir);
		return -EPERM;
	}
	return 0;
}

/* Lock name.lock, and check the path still names the file locked: one that
 * a stopping recorder removed between our open and our lock would not. */
static int take_lock(struct fr_ctl_server *s, char *err, size_t errlen)
{
	for (int tries = 0; tries < 8; tries++) {
		struct stat a, b;
		char pid[32];
		int fd = open(s->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0) {
			int e = errno;

			snprintf(err, errlen, "cannot open the lock file %s: %s", s->lock, strerror(e));
			return -e;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			int e = errno;
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

			close(fd);
			if (e != EWOULDBLOCK) {
				snprintf(err, errlen, "cannot lock %s: %s", s->lock, strerror(e));
				return -e;
			}
			pid[n > 0 ? n : 0] = 0;
			pid[strcspn(pid, "\n")] = 0;
			snprintf(err, errlen, "a recorder named '%s' is already running%s%s%s; stop it, "
				 "or give this one another --name", s->name, pid[0] ? " (pid " : "", pid,
				 pid[0] ? ")" : "");
			return -EADDRINUSE;
		}
		if (fstat(fd, &a) || stat(s->lock, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
			close(fd);
			continue;
		}
		snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		if (ftruncate(fd, 0) || pwrite(fd, pid, strlen(pid), 0) < 0) {
			/* the pid is only for the message of a second recorder */
		}
		s->lockfd = fd;
		return 0;
	}
	snprintf(err, errlen, "cannot lock %s: it keeps being replaced", s->lock);
	return -EAGAIN;
}

int fr_ctl_server_open(struct fr_ctl_server *s, const char *name, fr_ctl_handler handle,
		       void *ctx, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 };
	mode_t old;
	int ret;

	memset(s, 0, sizeof(*s));
	s->epfd = s->lfd = s->lockfd = -1;
	s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (unsigned i = 0; i < FR_CTL_MAX_CONNS; i++) {
		s->conn[i].fd = -1;
		s->conn[i].passed = -1;
	}
	s->handle = handle;
	s->ctx = ctx;
	if (!fr_ctl_name_ok(name)) {
		snprintf(err, errlen, "bad recorder name '%s': 1 to 64 of A-Z a-z 0-9 _ - ., not "
			 "starting with a dot", name ? name : "");
		return -EINVAL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (fr_ctl_path(name, ".sock", s->path, sizeof(s->path)) ||
	    fr_ctl_path(name, ".lock", s->lock, sizeof(s->lock))) {
		snprintf(err, errlen, "the control socket path %s/%s.sock is too long for a Unix socket",
			 fr_ctl_dir(), name);
		return -ENAMETOOLONG;
	}
	ret = private_dir(fr_ctl_dir(), err, errlen);
	if (ret)
		return ret;
	ret = take_lock(s, err, errlen);
	if (ret)
		return ret;
	/* the lock is ours: a socket there is a killed recorder's */
	if (unlink(s->path) && errno != ENOENT) {
		ret = -errno;
		snprintf(err, errlen, "cannot remove the stale socket %s: %s", s->path, strerror(errno));
		goto fail;
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot make the control socket: %s", strerror(errno));
		goto fail;
	}
	memcpy(a.sun_path, s->path, strlen(s->path) + 1);
	old = umask(077);	/* born 0600: no moment when others could connect */
	ret = bind(s->lfd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (ret || chmod(s->path, 0600) || listen(s->lfd, FR_CTL_MAX_CONNS)) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", s->path, strerror(errno));
		goto fail;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev)) {
		ret = -errno;
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	fr_ctl_server_close(s);
	return ret;
}

static void drop(struct fr_ctl_server *s, struct fr_ctl_conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	if (c->passed >= 0)
		close(c->passed);
	c->passed = -1;
	fr_ctl_reader_reset(&c->rd);
	s->nconn--;
}

static void send_error(int fd, const char *msg)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddBoolToObject(r, "ok", false);
	cJSON_AddStringToObject(r, "error", msg);
	fr_ctl_send_json(fd, r, -1);
	cJSON_Delete(r);
}

static bool serve(struct fr_ctl_server *s, struct fr_ctl_conn *c);

static void accept_all(struct fr_ctl_server *s)
{
	for (;;) {
		struct ucred cr;
		socklen_t crlen = sizeof(cr);
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned i;

		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && s->spare >= 0) {
			/* out of descriptors: the client would wait on, and the
			 * listening socket stay readable for ever; turn it away */
			close(s->spare);
			fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				close(fd);
			s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
			s->refused++;
			continue;
		}
		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) ||
		    (cr.uid != 0 && cr.uid != geteuid())) {
			/* the socket is 0600 in a 0700 directory: a second lock */
			send_error(fd, "permission denied: only root may control a recorder");
			close(fd);
			s->refused++;
			continue;
		}
		for (i = 0; i < FR_CTL_MAX_CONNS && s->conn[i].fd >= 0; i++)
			;
		if (i == FR_CTL_MAX_CONNS) {
			send_error(fd, "too many clients (16 at once); try again");
			close(fd);
			s->refused++;
			continue;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i + 1 };

		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			continue;
		}
		s->conn[i].fd = fd;
		s->conn[i].last_ns = fr_boot_ns();
		s->conn[i].peer.pid = cr.pid;
		s->conn[i].peer.uid = cr.uid;
		s->conn[i].mark_ts = 0;
		s->conn[i].peer.mark_floor = &s->conn[i].mark_ts;
		memset(&s->conn[i].rd, 0, sizeof(s->conn[i].rd));
		s->conn[i].passed = -1;
		s->nconn++;
		/* what it sent already is answered now, not at the next wake-up */
		if (!serve(s, &s->conn[i]))
			drop(s, &s->conn[i]);
	}
}

/* Everything the client has sent; false when it is to be let go. */
static bool serve(struct fr_ctl_server *s, struct fr_ctl_conn *c)
{
	for (int n = 0; n < 256; n++) {	/* then let the recorder breathe */
		/* a descriptor may come with the first bytes of a message
		 * whose rest comes later: it is kept until the message is in */
		int ret = fr_ctl_recv(c->fd, &c->rd, &c->passed), fd;
		struct fr_ctl_req req;
		char err[256];
		cJSON *reply;

		if (ret <= 0) {
			if (ret == -EMSGSIZE) {
				s->bad++;
				send_error(c->fd, "message too large (at most 1 MiB) or empty");
			}
			return ret == 0;
		}
		c->last_ns = fr_boot_ns();
		fd = c->passed;
		c->passed = -1;
		reply = cJSON_CreateObject();
		if (fr_ctl_parse(c->rd.msg, c->rd.need, &req, err, sizeof(err))) {
			s->bad++;
			cJSON_AddBoolToObject(reply, "ok", false);
			cJSON_AddStringToObject(reply, "error", err[0] ? err : "out of memory");
		} else {
			s->requests++;
			s->handle(s->ctx, &req, fd, &c->peer, reply);
			fr_ctl_req_free(&req);
		}
		fr_ctl_reader_reset(&c->rd);
		if (fd >= 0)
			close(fd);
		/* a client that does not read its replies is let go rather
		 * than waited for */
		ret = reply ? fr_ctl_send_json(c->fd, reply, -1) : -ENOMEM;
		cJSON_Delete(reply);
		if (ret)
			return false;
	}
	return true;
}

void fr_ctl_server_service(struct fr_ctl_server *s)
{
	struct epoll_event ev[FR_CTL_MAX_CONNS + 1];
	int n = epoll_wait(s->epfd, ev, FR_CTL_MAX_CONNS + 1, 0);
	uint64_t now;

	for (int i = 0; i < n; i++) {
		struct fr_ctl_conn *c;

		if (!ev[i].data.u32) {
			accept_all(s);
			continue;
		}
		c = &s->conn[ev[i].data.u32 - 1];
		if (c->fd >= 0 && !serve(s, c))
			drop(s, c);
	}
	now = fr_boot_ns();
	for (unsigned i = 0; i < FR_CTL_MAX_CONNS; i++)
		if (s->conn[i].fd >= 0 && now > s->conn[i].last_ns + FR_CTL_IDLE_NS)
			drop(s, &s->conn[i]);
}

void fr_ctl_server_close(struct fr_ctl_server *s)
{
	for (unsigned i = 0; i < FR_CTL_MAX_CONNS; i++)
		if (s->conn[i].fd >= 0)
			drop(s, &s->conn[i]);
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->path);
	}
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->lockfd >= 0) {
		/* removed while still held: a recorder that opens it now
		 * finds, once it has the lock, that the path names another
		 * file, and starts over */
		unlink(s->lock);
		close(s->lockfd);
	}
	if (s->spare >= 0)
		close(s->spare);
	s->lfd = s->epfd = s->lockfd = s->spare = -1;
}

/* ---- client ---- */

static int connect_path(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a stopped recorder's full backlog must not hang the client:
	 * connect on a Unix socket waits at most the send timeout */
	fr_ctl_set_wait(fd, FR_CTL_WAIT_S);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

void fr_ctl_set_wait(int sock, unsigned seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fr_ctl_list(char ***names, size_t *n)
{
	DIR *d = opendir(fr_ctl_dir());
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char path[108], nm[FR_CTL_NAME_MAX + 1];
		int fd;

		if (l <= 5 || l - 5 > FR_CTL_NAME_MAX || strcmp(de->d_name + l - 5, ".sock"))
			continue;
		snprintf(nm, sizeof(nm), "%.*s", (int)(l - 5), de->d_name);
		if (!fr_ctl_name_ok(nm) || fr_ctl_path(nm, ".sock", path, sizeof(path)))
			continue;
		/* a killed recorder's socket refuses: not running */
		fd = connect_path(path);
		if (fd < 0 && fd != -EACCES && fd != -EPERM)
			continue;
		if (fd >= 0)
			close(fd);
		if (*n == cap) {
			char **t = realloc(*names, (cap = cap ? cap * 2 : 8) * sizeof(*t));

			if (!t)
				break;
			*names = t;
		}
		if (!((*names)[*n] = strdup(nm)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

void fr_ctl_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int fr_ctl_connect(const char *name, char *err, size_t errlen)
{
	char path[108];
	int fd;

	if (!name) {
		char **names;
		size_t n;
		int ret = fr_ctl_list(&names, &n);

		if (ret == -EACCES) {
			snprintf(err, errlen, "cannot read %s: %s; controlling a recorder needs root",
				 fr_ctl_dir(), strerror(-ret));
			return ret;
		}
		if (!n) {
			snprintf(err, errlen, "no recorder is running (no live control socket in %s); "
				 "start one with flightrec record or flightrec trigger", fr_ctl_dir());
			fr_ctl_list_free(names, n);
			return -ENOENT;
		}
		if (n > 1) {
			size_t o = (size_t)snprintf(err, errlen, "%zu recorders are running (", n);

			for (size_t i = 0; i < n && o < errlen; i++)
				o += (size_t)snprintf(err + o, errlen - o, "%s%s", i ? ", " : "", names[i]);
			if (o < errlen)
				snprintf(err + o, errlen - o, "); name one with --name");
			fr_ctl_list_free(names, n);
			return -EEXIST;
		}
		fd = fr_ctl_connect(names[0], err, errlen);
		fr_ctl_list_free(names, n);
		return fd;
	}
	if (!fr_ctl_name_ok(name)) {
		snprintf(err, errlen, "bad recorder name '%s': 1 to 64 of A-Z a-z 0-9 _ - ., not "
			 "starting with a dot", name);
		return -EINVAL;
	}
	if (fr_ctl_path(name, ".sock", path, sizeof(path))) {
		snprintf(err, errlen, "the control socket path %s/%s.sock is too long", fr_ctl_dir(), name);
		return -ENAMETOOLONG;
	}
	fd = connect_path(path);
	if (fd == -EAGAIN || fd == -ETIMEDOUT)
		snprintf(err, errlen, "recorder '%s' did not accept the connection in %d s (is it "
			 "stopped, or stuck?)", name, FR_CTL_WAIT_S);
	else if (fd == -ENOENT || fd == -ECONNREFUSED)
		snprintf(err, errlen, "no recorder named '%s' is running (%s %s); start one with "
			 "flightrec record --name %s", name, path,
			 fd == -ENOENT ? "does not exist" : "refuses connections: its recorder was killed",
			 name);
	else if (fd == -EACCES || fd == -EPERM)
		snprintf(err, errlen, "cannot connect to recorder '%s' (%s): %s; controlling a "
			 "recorder needs root", name, path, strerror(-fd));
	else if (fd < 0)
		snprintf(err, errlen, "cannot connect to recorder '%s' (%s): %s", name, path,
			 strerror(-fd));
	return fd;
}

int fr_ctl_reply(int sock, struct fr_ctl_reader *rd, cJSON **reply, char *err, size_t errlen)
{
	int ret;

	*reply = NULL;
	ret = fr_ctl_recv(sock, rd, NULL);
	if (ret == 0) {
		/* a blocking socket returns nothing only when its wait ran out */
		struct timeval tv = { 0 };
		socklen_t l = sizeof(tv);

		getsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, &l);
		snprintf(err, errlen, "the recorder did not answer in %ld s (is it stopped, or stuck?)",
			 (long)tv.tv_sec);
		fr_ctl_reader_reset(rd);
		return -ETIMEDOUT;
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s", ret == -EPIPE ? "the recorder closed the connection "
			 "(it stopped, or refused the request)" : strerror(-ret));
		fr_ctl_reader_reset(rd);
		return ret;
	}
	*reply = cJSON_ParseWithLength(rd->msg, rd->need);
	fr_ctl_reader_reset(rd);
	if (!cJSON_IsObject(*reply)) {
		cJSON_Delete(*reply);
		*reply = NULL;
		snprintf(err, errlen, "the recorder's reply is not a JSON object");
		return -EBADMSG;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*reply, "ok"))) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(*reply, "error");

		snprintf(err, errlen, "%s", cJSON_IsString(e) ? e->valuestring : "the recorder refused");
		return -EPROTO;
	}
	return 0;
}

int fr_ctl_call(int sock, const cJSON *req, int fd, cJSON **reply, char *err, size_t errlen)
{
	struct fr_ctl_reader rd = { 0 };
	int ret = fr_ctl_send_json(sock, req, fd);

	*reply = NULL;
	if (ret) {
		snprintf(err, errlen, "cannot send to the recorder: %s", ret == -EAGAIN ?
			 "it did not read the request in time (is it stopped, or stuck?)" : strerror(-ret));
		return ret;
	}
	return fr_ctl_reply(sock, &rd, reply, err, errlen);
}
