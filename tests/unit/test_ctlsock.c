/* test_ctlsock.c: the control channel's server and client in one process:
 * the name lock, the private directory, stale sockets, requests and their
 * replies, malformed and oversized messages, the bound on clients. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctlsock.h"
#include "tap.h"

struct seen {
	unsigned calls;
	enum fr_ctl_op op;
	char name[64];
	unsigned nmeta;
	char meta0[64];
	pid_t pid;
	bool had_fd;
};

static void handler(void *ctx, const struct fr_ctl_req *req, int fd, const struct fr_ctl_peer *peer,
		    cJSON *reply)
{
	struct seen *s = ctx;

	s->had_fd = fd >= 0;
	s->calls++;
	s->op = req->op;
	s->pid = peer->pid;
	s->nmeta = req->nmeta;
	snprintf(s->name, sizeof(s->name), "%s", req->name ? req->name : "");
	snprintf(s->meta0, sizeof(s->meta0), "%s", req->nmeta ? req->meta[0].value : "");
	cJSON_AddBoolToObject(reply, "ok", true);
	cJSON_AddStringToObject(reply, "echo", req->name ? req->name : "");
}

/* Send raw JSON, let the server work, read the reply. */
static int roundtrip(struct fr_ctl_server *srv, int sock, const char *json, cJSON **reply, char *err)
{
	struct fr_ctl_reader rd = { 0 };

	if (fr_ctl_send(sock, json, strlen(json), -1))
		return -EIO;
	fr_ctl_server_service(srv);
	return fr_ctl_reply(sock, &rd, reply, err, 256);
}

int main(void)
{
	char dir[] = "/tmp/fr-ctlsock-XXXXXX", run[256], path[300], err[512];
	struct fr_ctl_server srv, two;
	struct seen seen = { 0 };
	struct stat st;
	cJSON *reply = NULL;
	char **names;
	size_t n;
	int sock, ret;

	if (!mkdtemp(dir))
		return 1;
	snprintf(run, sizeof(run), "%s/run", dir);
	setenv("FLIGHTREC_RUNDIR", run, 1);

	/* no recorder yet */
	ok(fr_ctl_connect(NULL, err, sizeof(err)) == -ENOENT && strstr(err, "no recorder is running"),
	   "no recorder: a clear message (%s)", err);
	ok(fr_ctl_connect("web", err, sizeof(err)) == -ENOENT &&
	   strstr(err, "no recorder named 'web' is running"), "no recorder of that name (%s)", err);

	ret = fr_ctl_server_open(&srv, "web", handler, &seen, err, sizeof(err));
	ok(ret == 0, "the server opens (%s)", ret ? err : "ok");
	ok(!stat(run, &st) && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
	   "its directory is made 0700");
	snprintf(path, sizeof(path), "%s/web.sock", run);
	ok(!stat(path, &st) && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600,
	   "its socket is 0600");

	ret = fr_ctl_server_open(&two, "web", handler, &seen, err, sizeof(err));
	{
		char want[64];

		snprintf(want, sizeof(want), "already running (pid %d)", (int)getpid());
		ok(ret == -EADDRINUSE && strstr(err, want), "a second server of that name is refused (%s)",
		   err);
	}
	ok(fr_ctl_server_open(&two, "../x", handler, &seen, err, sizeof(err)) == -EINVAL,
	   "a bad name is refused");

	/* a request and its reply; the handler sees the request and its peer */
	sock = fr_ctl_connect(NULL, err, sizeof(err));
	ok(sock >= 0, "the only recorder running is found without a name");
	ret = roundtrip(&srv, sock, "{\"op\":\"mark\",\"name\":\"deploy\",\"meta\":{\"v\":\"1.2\"}}", &reply,
			err);
	ok(ret == 0 && seen.calls == 1 && seen.op == FR_CTL_MARK && !strcmp(seen.name, "deploy") &&
	   seen.nmeta == 1 && !strcmp(seen.meta0, "1.2"), "a mark reaches the handler whole");
	ok(seen.pid == getpid(), "with the sender's pid from the socket's credentials");
	ok(reply && !strcmp(cJSON_GetObjectItem(reply, "echo")->valuestring, "deploy"),
	   "and its reply comes back");
	cJSON_Delete(reply);

	/* malformed: an error reply, the connection goes on */
	ret = roundtrip(&srv, sock, "{\"op\":\"mark\"}", &reply, err);
	ok(ret == -EPROTO && strstr(err, "needs a name") && srv.bad == 1 && seen.calls == 1,
	   "a malformed request gets the reason, the handler never sees it (%s)", err);
	cJSON_Delete(reply);
	ret = roundtrip(&srv, sock, "{\"op\":\"hello\"}", &reply, err);
	ok(ret == 0 && seen.op == FR_CTL_HELLO, "the same connection still serves");
	cJSON_Delete(reply);

	/* pipelined: three requests, then three replies, in order */
	{
		struct fr_ctl_reader rd = { 0 };
		const char *q[] = { "{\"op\":\"mark\",\"name\":\"a\"}", "{\"op\":\"mark\",\"name\":\"b\"}",
				    "{\"op\":\"mark\",\"name\":\"c\"}" };
		bool order = true;

		for (int i = 0; i < 3; i++)
			fr_ctl_send(sock, q[i], strlen(q[i]), -1);
		fr_ctl_server_service(&srv);
		for (int i = 0; i < 3; i++) {
			char want[2] = { (char)('a' + i), 0 };

			if (fr_ctl_reply(sock, &rd, &reply, err, sizeof(err)) ||
			    strcmp(cJSON_GetObjectItem(reply, "echo")->valuestring, want))
				order = false;
			cJSON_Delete(reply);
		}
		ok(order && seen.calls == 5, "pipelined requests are answered in order");
	}

	/* a descriptor sent with the first bytes of a message whose rest
	 * comes later reaches the handler with it */
	{
		const char *body = "{\"op\":\"snapshot\"}";
		uint32_t len = (uint32_t)strlen(body);
		uint8_t hdr[4] = { len & 0xff, len >> 8, 0, 0 };
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { hdr, 4 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		struct fr_ctl_reader rd = { 0 };
		int pass = open("/dev/null", O_WRONLY | O_CLOEXEC);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass, sizeof(int));
		ok(sendmsg(sock, &mh, 0) == 4, "a header goes out with a descriptor");
		fr_ctl_server_service(&srv);
		ok(write(sock, body, len) == (ssize_t)len, "then the body, later");
		fr_ctl_server_service(&srv);
		ret = fr_ctl_reply(sock, &rd, &reply, err, sizeof(err));
		ok(ret == 0 && seen.op == FR_CTL_SNAPSHOT && seen.had_fd,
		   "the request reaches the handler with its descriptor");
		cJSON_Delete(reply);
		close(pass);
	}

	/* oversized: refused, and the client let go */
	{
		uint8_t hdr[4] = { 0, 0, 0x20, 0 };	/* 2 MiB */
		struct fr_ctl_reader rd = { 0 };

		ok(write(sock, hdr, 4) == 4, "an oversized length goes out");
		fr_ctl_server_service(&srv);
		ret = fr_ctl_reply(sock, &rd, &reply, err, sizeof(err));
		ok(ret == -EPROTO && strstr(err, "too large"), "it is refused with the reason (%s)", err);
		cJSON_Delete(reply);
		ret = fr_ctl_reply(sock, &rd, &reply, err, sizeof(err));
		ok(ret == -EPIPE && srv.nconn == 0, "and the connection is closed");
	}
	close(sock);

	/* at most FR_CTL_MAX_CONNS at once */
	{
		int s[FR_CTL_MAX_CONNS + 1], turned = 0;

		for (int i = 0; i <= FR_CTL_MAX_CONNS; i++)
			s[i] = fr_ctl_connect("web", err, sizeof(err));
		fr_ctl_server_service(&srv);
		for (int i = 0; i <= FR_CTL_MAX_CONNS; i++) {
			struct fr_ctl_reader rd = { 0 };

			/* the accepted ones have nothing waiting: only ask the last */
			if (i == FR_CTL_MAX_CONNS) {
				ret = fr_ctl_reply(s[i], &rd, &reply, err, sizeof(err));
				turned += ret == -EPROTO && strstr(err, "too many clients");
				cJSON_Delete(reply);
			}
		}
		ok(srv.nconn == FR_CTL_MAX_CONNS && srv.refused == 1 && turned == 1,
		   "the 17th client is told there are too many");
		for (int i = 0; i <= FR_CTL_MAX_CONNS; i++)
			close(s[i]);
		fr_ctl_server_service(&srv);
		ok(srv.nconn == 0, "clients that hang up are forgotten");
	}

	/* listing: the names of the live ones, sorted */
	ok(fr_ctl_server_open(&two, "alpha", handler, &seen, err, sizeof(err)) == 0, "a second name opens");
	ok(!fr_ctl_list(&names, &n) && n == 2 && !strcmp(names[0], "alpha") && !strcmp(names[1], "web"),
	   "both are listed, sorted");
	fr_ctl_list_free(names, n);
	ok(fr_ctl_connect(NULL, err, sizeof(err)) == -EEXIST && strstr(err, "2 recorders are running (alpha, web)"),
	   "two running: asked to name one (%s)", err);
	fr_ctl_server_close(&two);

	/* closing leaves nothing behind */
	fr_ctl_server_close(&srv);
	snprintf(path, sizeof(path), "%s/web.sock", run);
	ok(access(path, F_OK) && errno == ENOENT, "the socket is removed");
	snprintf(path, sizeof(path), "%s/web.lock", run);
	ok(access(path, F_OK) && errno == ENOENT, "the lock file is removed");

	/* a killed recorder's socket: refuses, is not listed, is replaced */
	{
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int k = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(a.sun_path, sizeof(a.sun_path), "%.90s/web.sock", run);
		ok(k >= 0 && !bind(k, (struct sockaddr *)&a, sizeof(a)), "a stale socket is left");
		close(k);
		ok(fr_ctl_connect("web", err, sizeof(err)) == -ECONNREFUSED && strstr(err, "was killed"),
		   "it refuses: its recorder was killed (%s)", err);
		ok(!fr_ctl_list(&names, &n) && n == 0, "it is not listed");
		fr_ctl_list_free(names, n);
		ok(fr_ctl_server_open(&srv, "web", handler, &seen, err, sizeof(err)) == 0,
		   "the next recorder of that name replaces it");
		sock = fr_ctl_connect("web", err, sizeof(err));
		ret = sock >= 0 ? roundtrip(&srv, sock, "{\"op\":\"hello\"}", &reply, err) : -1;
		ok(ret == 0, "and answers on it");
		cJSON_Delete(reply);
		if (sock >= 0)
			close(sock);
		fr_ctl_server_close(&srv);
	}

	/* a directory others could use is refused */
	ok(!chmod(run, 0755), "the directory made 0755");
	ret = fr_ctl_server_open(&srv, "web", handler, &seen, err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "is not private"), "it is refused (%s)", err);
	rmdir(run);
	ok(!symlink("/tmp", run), "the directory replaced by a symbolic link");
	ret = fr_ctl_server_open(&srv, "web", handler, &seen, err, sizeof(err));
	ok(ret == -ENOTDIR && strstr(err, "not a directory"), "it is refused (%s)", err);
	unlink(run);
	rmdir(dir);
	return tap_done();
}
