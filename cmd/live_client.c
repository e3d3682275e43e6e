/* live_client.c: the clients of a running recorder's control socket
 * (mark, stats and dump of a live recorder, trigger --now), and the option
 * values they share. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "live_client.h"
#include "control/control.h"
#include "base/log.h"
#include "base/util.h"

void fr_live_default_name(const char *name, char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	char when[32];

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "flightrec-%s-%s.frec", name, when);
}

/* ---- options ---- */

const char *fr_opt_recorder(struct argp_state *state, const char *opt, const char *arg)
{
	if (!fr_ctl_name_ok(arg))
		argp_error(state, "bad %s '%s': a recorder name (1 to 64 of A-Z a-z 0-9 _ - ., not "
			   "starting with a dot)", opt, arg);
	return arg;
}

void fr_opt_trace_id(struct argp_state *state, const char *arg, uint8_t id[16])
{
	if (fr_trace_id_parse(arg, id))
		argp_error(state, "bad --trace-id '%s': expected 32 hex digits, not all zero "
			   "(a W3C trace id)", arg);
}

int fr_env_traceparent(uint8_t id[16])
{
	const char *tp = getenv("TRACEPARENT");

	if (!tp || !*tp)
		return 0;
	if (fr_traceparent_parse(tp, id)) {
		fr_err("TRACEPARENT '%.80s' is not a W3C traceparent header "
		       "(00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>)", tp);
		return -1;
	}
	return 1;
}

/* ---- requests ---- */

int fr_live_connect(const char *name)
{
	char err[512];
	int fd = fr_ctl_connect(name, err, sizeof(err));

	if (fd < 0)
		fr_err("%s", err);
	return fd;
}

int fr_live_request(int sock, const char *op, int fd, cJSON **reply)
{
	cJSON *q = cJSON_CreateObject();
	char err[512];
	int ret;

	cJSON_AddStringToObject(q, "op", op);
	ret = fr_ctl_call(sock, q, fd, reply, err, sizeof(err));
	cJSON_Delete(q);
	if (ret)
		fr_err("%s: %s", op, err);
	return ret;
}

int fr_live_call(int sock, const cJSON *q, int fd, cJSON **reply)
{
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(q, "op");
	char err[512];
	int ret = fr_ctl_call(sock, q, fd, reply, err, sizeof(err));

	if (ret)
		fr_err("%s: %s", cJSON_IsString(op) ? op->valuestring : "request", err);
	return ret;
}

int fr_live_fetch(const char *name, int fd, cJSON **reply)
{
	return fr_live_fetch_q(name, NULL, fd, reply);
}

int fr_live_fetch_q(const char *name, const cJSON *req, int fd, cJSON **reply)
{
	int sock = fr_live_connect(name), ret;

	*reply = NULL;
	if (sock < 0)
		return sock;
	fr_ctl_set_wait(sock, FR_CTL_SNAPSHOT_WAIT_S);
	if (req)
		ret = fr_live_call(sock, req, fd, reply);
	else
		ret = fr_live_request(sock, "snapshot", fd, reply);
	close(sock);
	return ret;
}

int fr_live_fetch_memfd(const char *name, char *path, size_t len)
{
	return fr_live_fetch_memfd_q(name, NULL, path, len, NULL);
}

int fr_live_fetch_memfd_q(const char *name, const cJSON *req, char *path, size_t len,
			  cJSON **out)
{
	cJSON *reply;
	int fd = memfd_create("flightrec-live", MFD_CLOEXEC);

	if (fd < 0) {
		fr_err("memfd_create: %s", strerror(errno));
		return -1;
	}
	if (fr_live_fetch_q(name, req, fd, &reply)) {
		close(fd);
		return -1;
	}
	if (out)
		*out = reply;
	else
		cJSON_Delete(reply);
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* Where trigger --now writes: output, else a new file named after the
 * recorder (numbered when taken). Its descriptor, the path in *path (to
 * free), or -1 with the message printed. */
static int create_output(const cJSON *hello, const char *output, bool force, char **path)
{
	char def[256];
	int fd;

	*path = NULL;
	if (!output) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(hello, "name");

		fr_live_default_name(cJSON_IsString(n) && fr_ctl_name_ok(n->valuestring) ? n->valuestring
											: "default",
				     def, sizeof(def));
		output = def;
	}
	fd = output == def ? fr_create_numbered(output, false, path) : fr_create_private(output, force);
	if (fd < 0) {
		fr_err("cannot create %s: %s%s", output, strerror(-fd),
		       fd == -EEXIST ? " (use --force to replace it)" :
		       fd == -ELOOP ? " (it is a symbolic link; flightrec never writes through one)" : "");
		return -1;
	}
	if (!*path)
		*path = strdup(output);
	return fd;
}

int fr_live_trigger_now(const char *name, const char *output, bool force)
{
	char b[16];
	cJSON *hello = NULL, *reply = NULL;
	char *path = NULL;
	int sock, fd, ret = 1;

	sock = fr_live_connect(name);
	if (sock < 0)
		return 1;
	if (fr_live_request(sock, "hello", -1, &hello))
		goto out;
	fd = create_output(hello, output, force, &path);
	if (fd < 0)
		goto out;
	fr_ctl_set_wait(sock, FR_CTL_SNAPSHOT_WAIT_S);
	if (fr_live_request(sock, "snapshot", fd, &reply)) {
		close(fd);
		if (path)
			unlink(path);
		goto out;
	}
	close(fd);
	printf("%s\n", path);
	{
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(reply, "events");
		const cJSON *fb = cJSON_GetObjectItemCaseSensitive(reply, "file_bytes");

		fr_info("wrote %s: %.0f events, %s on disk", path, cJSON_IsNumber(ev) ? ev->valuedouble : 0,
			fr_fmt_bytes(cJSON_IsNumber(fb) && fb->valuedouble >= 0 ? (uint64_t)fb->valuedouble : 0,
				     b, sizeof(b)));
	}
	ret = 0;
out:
	cJSON_Delete(hello);
	cJSON_Delete(reply);
	free(path);
	close(sock);
	return ret;
}
