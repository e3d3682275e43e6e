/* control.c: naming, framing and requests of the control channel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/control.h"

bool fr_ctl_name_ok(const char *name)
{
	size_t n = 0;

	if (!name || name[0] == '.')
		return false;
	for (; name[n]; n++) {
		char c = name[n];

		if (n >= FR_CTL_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return n > 0;
}

const char *fr_ctl_dir(void)
{
	const char *d = getenv("FLIGHTREC_RUNDIR");

	return d && d[0] ? d : FR_CTL_DEFAULT_DIR;
}

int fr_ctl_path(const char *name, const char *suffix, char *buf, size_t len)
{
	struct sockaddr_un a;
	int n = snprintf(buf, len, "%s/%s%s", fr_ctl_dir(), name, suffix);

	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

/* ---- framing ---- */

void fr_ctl_reader_reset(struct fr_ctl_reader *rd)
{
	free(rd->msg);
	memset(rd, 0, sizeof(*rd));
}

int fr_ctl_feed(struct fr_ctl_reader *rd, const uint8_t *p, size_t n, size_t *used)
{
	size_t k = 0;

	*used = 0;
	while (rd->hlen < 4 && k < n)
		rd->hdr[rd->hlen++] = p[k++];
	if (rd->hlen < 4) {
		*used = k;
		return 0;
	}
	if (!rd->msg) {
		rd->need = (uint32_t)rd->hdr[0] | (uint32_t)rd->hdr[1] << 8 |
			   (uint32_t)rd->hdr[2] << 16 | (uint32_t)rd->hdr[3] << 24;
		if (!rd->need || rd->need > FR_CTL_MAX_MSG) {
			*used = k;
			return -EMSGSIZE;
		}
		rd->msg = malloc(rd->need + 1);
		if (!rd->msg)
			return -ENOMEM;
		rd->got = 0;
	}
	{
		size_t take = n - k < rd->need - rd->got ? n - k : rd->need - rd->got;

		memcpy(rd->msg + rd->got, p + k, take);
		rd->got += take;
		k += take;
	}
	*used = k;
	if (rd->got < rd->need)
		return 0;
	rd->msg[rd->need] = 0;
	return 1;
}

/* ---- trace ids ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex_bytes(const char *s, size_t digits, uint8_t *out)
{
	for (size_t i = 0; i < digits; i += 2) {
		int hi = hexval(s[i]), lo = hi < 0 ? -1 : hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int fr_trace_id_parse(const char *s, uint8_t out[16])
{
	uint8_t id[16];

	if (!s || strlen(s) != 32 || hex_bytes(s, 32, id) || all_zero(id, 16))
		return -EINVAL;
	memcpy(out, id, 16);
	return 0;
}

int fr_traceparent_parse(const char *s, uint8_t out[16])
{
	uint8_t ver, id[16], parent[8], flags;
	size_t n = s ? strlen(s) : 0;

	/* version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 */
	if (n < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return -EINVAL;
	if (hex_bytes(s, 2, &ver) || ver == 0xff || hex_bytes(s + 3, 32, id) ||
	    hex_bytes(s + 36, 16, parent) || hex_bytes(s + 53, 2, &flags))
		return -EINVAL;
	/* version 00 is exactly that long; a later one may go on after a '-' */
	if ((ver == 0 && n != 55) || (n > 55 && s[55] != '-'))
		return -EINVAL;
	if (all_zero(id, 16) || all_zero(parent, 8))
		return -EINVAL;
	memcpy(out, id, 16);
	return 0;
}

void fr_trace_id_format(const uint8_t id[16], char out[33])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[32] = 0;
}

/* ---- requests ---- */

void fr_ctl_req_free(struct fr_ctl_req *req)
{
	free(req->name);
	for (unsigned i = 0; i < req->nmeta; i++) {
		free(req->meta[i].key);
		free(req->meta[i].value);
	}
	free(req->meta);
	free(req->groups);
	memset(req, 0, sizeof(*req));
}

static int fail(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return -EINVAL;
}

static bool key_ok(const char *k)
{
	size_t n = 0;

	for (; k[n]; n++) {
		char c = k[n];

		if (n >= FR_CTL_MAX_KEY ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '/'))
			return false;
	}
	return n > 0;
}

static int parse_mark(const cJSON *j, struct fr_ctl_req *req, char *err, size_t errlen)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "meta");
	const cJSON *trace = cJSON_GetObjectItemCaseSensitive(j, "trace_id");
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(j, "pid");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(j, "end");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "ts");
	const cJSON *m;

	if (!cJSON_IsString(name) || !name->valuestring[0])
		return fail(err, errlen, "a mark needs a %s (a non-empty string)", "name");
	req->name = strdup(name->valuestring);
	if (!req->name)
		return -ENOMEM;
	req->bytes = strlen(req->name);
	if (meta && !cJSON_IsNull(meta)) {
		if (!cJSON_IsObject(meta))
			return fail(err, errlen, "%s must be an object of strings", "meta");
		req->meta = calloc(FR_CTL_MAX_META, sizeof(*req->meta));
		if (!req->meta)
			return -ENOMEM;
		cJSON_ArrayForEach(m, meta) {
			if (req->nmeta == FR_CTL_MAX_META)
				return fail(err, errlen, "too many metadata pairs (at most %s)", "64");
			if (!m->string || !key_ok(m->string))
				return fail(err, errlen, "a metadata key must be 1 to 64 of "
					    "A-Z a-z 0-9 _ - . / (got %s)", m->string ? m->string : "none");
			if (!cJSON_IsString(m))
				return fail(err, errlen, "metadata %s: the value must be a string", m->string);
			for (unsigned i = 0; i < req->nmeta; i++)
				if (!strcmp(req->meta[i].key, m->string))
					return fail(err, errlen, "metadata key %s given twice", m->string);
			req->meta[req->nmeta].key = strdup(m->string);
			req->meta[req->nmeta].value = strdup(m->valuestring);
			req->nmeta++;
			if (!req->meta[req->nmeta - 1].key || !req->meta[req->nmeta - 1].value)
				return -ENOMEM;
			req->bytes += 4 + strlen(m->string) + strlen(m->valuestring);
		}
	}
	if (req->bytes > FR_CTL_MAX_MARK_BYTES) {
		char n[32];

		snprintf(n, sizeof(n), "%zu", req->bytes);
		return fail(err, errlen, "a mark's name and metadata take %s bytes; at most 61440", n);
	}
	if (trace && !cJSON_IsNull(trace)) {
		if (!cJSON_IsString(trace) || fr_trace_id_parse(trace->valuestring, req->trace_id))
			return fail(err, errlen, "%s must be 32 hex digits, not all zero", "trace_id");
		req->has_trace = true;
	}
	if (pid && !cJSON_IsNull(pid)) {
		if (!cJSON_IsNumber(pid) || pid->valuedouble < 1 || pid->valuedouble > 4194304 ||
		    pid->valuedouble != (double)(uint32_t)pid->valuedouble)
			return fail(err, errlen, "%s must be a process id", "pid");
		req->pid = (uint32_t)pid->valuedouble;
	}
	if (end && !cJSON_IsNull(end)) {
		if (!cJSON_IsBool(end))
			return fail(err, errlen, "%s must be true or false", "end");
		req->end = cJSON_IsTrue(end);
	}
	if (ts && !cJSON_IsNull(ts)) {
		if (!cJSON_IsNumber(ts) || ts->valuedouble < 0 || ts->valuedouble > 9007199254740992.0)
			return fail(err, errlen, "%s must be a CLOCK_BOOTTIME time in ns", "ts");
		req->ts = (uint64_t)ts->valuedouble;
	}
	if (req->end && !req->has_trace)
		return fail(err, errlen, "an %s mark needs a trace_id", "end");
	return 0;
}

/* snapshot: trace_id and clear, both optional */
static int parse_snapshot(const cJSON *j, struct fr_ctl_req *req, char *err, size_t errlen)
{
	const cJSON *trace = cJSON_GetObjectItemCaseSensitive(j, "trace_id");
	const cJSON *clear = cJSON_GetObjectItemCaseSensitive(j, "clear");

	if (trace && !cJSON_IsNull(trace)) {
		if (!cJSON_IsString(trace) || fr_trace_id_parse(trace->valuestring, req->trace_id))
			return fail(err, errlen, "%s must be 32 hex digits, not all zero", "trace_id");
		req->has_trace = true;
	}
	if (clear && !cJSON_IsNull(clear)) {
		if (!cJSON_IsBool(clear))
			return fail(err, errlen, "%s must be true or false", "clear");
		req->clear = cJSON_IsTrue(clear);
	}
	if (req->clear && !req->has_trace)
		return fail(err, errlen, "clear takes a trace's events out: it needs a %s", "trace_id");
	return 0;
}

static int parse_resize(const cJSON *j, struct fr_ctl_req *req, char *err, size_t errlen)
{
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(j, "size");

	if (!cJSON_IsNumber(size) || size->valuedouble < 1 || size->valuedouble > 9007199254740992.0 ||
	    size->valuedouble != (double)(uint64_t)size->valuedouble)
		return fail(err, errlen, "resize needs a %s: a number of bytes", "size");
	req->size = (uint64_t)size->valuedouble;
	return 0;
}

static int parse_groups(const cJSON *j, struct fr_ctl_req *req, char *err, size_t errlen)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(j, "groups");

	if (cJSON_IsString(g) && strlen(g->valuestring) > FR_CTL_MAX_GROUPS)
		return fail(err, errlen, "%s: the list of groups is too long (at most 256 bytes)",
			    req->op == FR_CTL_ENABLE ? "enable" : "disable");
	if (!cJSON_IsString(g) || !g->valuestring[0])
		return fail(err, errlen, "%s needs groups: a list of probe groups such as "
			    "\"syscalls,block\"", req->op == FR_CTL_ENABLE ? "enable" : "disable");
	req->groups = strdup(g->valuestring);
	return req->groups ? 0 : fail(err, errlen, "%s", "out of memory");
}

/* \u0000 as an escape: preceded by an even number of backslashes */
static bool has_escaped_nul(const char *msg, size_t len)
{
	const char *p = msg;

	while ((p = memmem(p, len - (size_t)(p - msg), "\\u0000", 6))) {
		size_t bs = 0;

		while (p - bs > msg && p[-(ptrdiff_t)bs - 1] == '\\')
			bs++;
		if (!(bs & 1))
			return true;
		p++;
	}
	return false;
}

int fr_ctl_parse(const char *msg, size_t len, struct fr_ctl_req *req, char *err, size_t errlen)
{
	static const char *const ops[] = {
		[FR_CTL_HELLO] = "hello", [FR_CTL_MARK] = "mark", [FR_CTL_STATS] = "stats",
		[FR_CTL_SNAPSHOT] = "snapshot", [FR_CTL_PAUSE] = "pause", [FR_CTL_RESUME] = "resume",
		[FR_CTL_CLEAR] = "clear", [FR_CTL_RESIZE] = "resize", [FR_CTL_ENABLE] = "enable",
		[FR_CTL_DISABLE] = "disable",
	};
	const cJSON *op;
	const char *end = NULL;
	cJSON *j;
	int ret = -EINVAL;

	memset(req, 0, sizeof(*req));
	err[0] = 0;
	/* a NUL, raw or escaped, would cut a string short without a word */
	if (memchr(msg, 0, len) || has_escaped_nul(msg, len))
		return fail(err, errlen, "%s: NUL characters are not accepted", "bad request");
	j = cJSON_ParseWithLengthOpts(msg, len, &end, false);
	if (j && end)
		while (end < msg + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
			end++;
	if (!j || !cJSON_IsObject(j) || end != msg + len) {
		cJSON_Delete(j);
		return fail(err, errlen, "%s: not a JSON object (alone)", "bad request");
	}
	op = cJSON_GetObjectItemCaseSensitive(j, "op");
	if (!cJSON_IsString(op)) {
		fail(err, errlen, "bad request: no %s", "\"op\"");
		goto out;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op->valuestring, ops[i])) {
			req->op = (enum fr_ctl_op)i;
			ret = 0;
		}
	if (ret) {
		fail(err, errlen, "unknown operation \"%.40s\"", op->valuestring);
		goto out;
	}
	if (req->op == FR_CTL_MARK)
		ret = parse_mark(j, req, err, errlen);
	else if (req->op == FR_CTL_SNAPSHOT)
		ret = parse_snapshot(j, req, err, errlen);
	else if (req->op == FR_CTL_RESIZE)
		ret = parse_resize(j, req, err, errlen);
	else if (req->op == FR_CTL_ENABLE || req->op == FR_CTL_DISABLE)
		ret = parse_groups(j, req, err, errlen);
out:
	cJSON_Delete(j);
	if (ret)
		fr_ctl_req_free(req);
	return ret;
}

/* ---- sending ---- */

int fr_ctl_send(int sock, const char *msg, size_t len, int fd)
{
	uint8_t hdr[4] = { len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, (len >> 24) & 0xff };
	struct iovec iov[2] = { { hdr, 4 }, { (void *)msg, len } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t left = 4 + len;

	if (!len || len > FR_CTL_MAX_MSG)
		return -EMSGSIZE;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (left) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left -= (size_t)n;
		/* the descriptor went with the first bytes */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (n > 0 && mh.msg_iovlen) {
			if ((size_t)n >= mh.msg_iov->iov_len) {
				n -= (ssize_t)mh.msg_iov->iov_len;
				mh.msg_iov++;
				mh.msg_iovlen--;
			} else {
				mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
				mh.msg_iov->iov_len -= (size_t)n;
				n = 0;
			}
		}
	}
	return 0;
}

int fr_ctl_send_json(int sock, const cJSON *j, int fd)
{
	char *s = cJSON_PrintUnformatted(j);
	int ret;

	if (!s)
		return -ENOMEM;
	ret = fr_ctl_send(sock, s, strlen(s), fd);
	cJSON_free(s);
	return ret;
}

int fr_ctl_recv(int sock, struct fr_ctl_reader *rd, int *fd)
{
	uint8_t buf[65536];

	for (;;) {
		union {
			char buf[CMSG_SPACE(4 * sizeof(int))];
			struct cmsghdr align;
		} u;
		/* never read past the end of the message at hand */
		size_t want = rd->hlen < 4 ? 4 - rd->hlen : rd->need - rd->got;
		struct iovec iov = { buf, want < sizeof(buf) ? want : sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
		size_t used;
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		int ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t k = 0; k < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
				int got;

				memcpy(&got, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
				if (fd && *fd < 0)
					*fd = got;
				else
					close(got);
			}
		}
		if (n == 0)
			return -EPIPE;
		ret = fr_ctl_feed(rd, buf, (size_t)n, &used);
		if (ret)
			return ret;
	}
}
