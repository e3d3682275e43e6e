/* test_control.c: the control channel's names, framing, requests and trace
 * ids, and messages with a descriptor over a socket pair. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/control.h"
#include "tap.h"

static int parse(const char *s, struct fr_ctl_req *req, char *err)
{
	return fr_ctl_parse(s, strlen(s), req, err, 256);
}

static void test_names(void)
{
	char path[256];

	ok(fr_ctl_name_ok("default") && fr_ctl_name_ok("db-1.prod_2"), "plain names are accepted");
	ok(!fr_ctl_name_ok("") && !fr_ctl_name_ok(".hidden") && !fr_ctl_name_ok("a/b") &&
	   !fr_ctl_name_ok("../x") && !fr_ctl_name_ok("sp ace") && !fr_ctl_name_ok(NULL),
	   "empty, hidden, path-like and spaced names are refused");
	ok(fr_ctl_name_ok("0123456789012345678901234567890123456789012345678901234567890123") &&
	   !fr_ctl_name_ok("01234567890123456789012345678901234567890123456789012345678901234"),
	   "64 characters at most");
	setenv("FLIGHTREC_RUNDIR", "/tmp/x", 1);
	ok(!fr_ctl_path("rec", ".sock", path, sizeof(path)) && !strcmp(path, "/tmp/x/rec.sock"),
	   "the socket path follows FLIGHTREC_RUNDIR");
	unsetenv("FLIGHTREC_RUNDIR");
	ok(!fr_ctl_path("rec", ".sock", path, sizeof(path)) && !strcmp(path, "/run/flightrec/rec.sock"),
	   "and is under /run/flightrec by default");
	setenv("FLIGHTREC_RUNDIR", "/tmp/a-very-long-directory-name-that-goes-on-and-on-and-on-and-on/and-on-and-on", 1);
	ok(fr_ctl_path("a-long-recorder-name-too", ".sock", path, sizeof(path)) == -ENAMETOOLONG,
	   "a path too long for a socket address is refused");
	unsetenv("FLIGHTREC_RUNDIR");
}

static void test_framing(void)
{
	struct fr_ctl_reader rd = { 0 };
	const uint8_t msg[] = { 7, 0, 0, 0, '{', '"', 'a', '"', ':', '1', '}', 3, 0 };
	size_t used, total = 0;
	int ret = 0;

	/* byte by byte */
	for (size_t i = 0; i < 11 && ret == 0; i++) {
		ret = fr_ctl_feed(&rd, msg + i, 1, &used);
		total += used;
	}
	ok(ret == 1 && rd.need == 7 && !strcmp(rd.msg, "{\"a\":1}") && total == 11,
	   "a message fed a byte at a time is whole");
	fr_ctl_reader_reset(&rd);
	ret = fr_ctl_feed(&rd, msg, sizeof(msg), &used);
	ok(ret == 1 && used == 11, "two messages in one read: the first, and the rest left (%zu used)",
	   used);
	fr_ctl_reader_reset(&rd);
	{
		const uint8_t zero[] = { 0, 0, 0, 0 }, big[] = { 1, 0, 0x10, 0 };

		ok(fr_ctl_feed(&rd, zero, 4, &used) == -EMSGSIZE, "a message of 0 bytes is refused");
		fr_ctl_reader_reset(&rd);
		ok(fr_ctl_feed(&rd, big, 4, &used) == -EMSGSIZE,
		   "a message over 1 MiB is refused before anything is allocated");
		ok(rd.msg == NULL, "(nothing was)");
		fr_ctl_reader_reset(&rd);
	}
}

static void test_requests(void)
{
	struct fr_ctl_req req;
	char err[256], *big;
	int ret;

	ok(!parse("{\"op\":\"stats\"}", &req, err) && req.op == FR_CTL_STATS, "stats");
	fr_ctl_req_free(&req);
	ret = parse("{\"op\":\"mark\",\"name\":\"deploy \\\"v2\\\"\\nnow\",\"meta\":{\"who\":\"ci\","
		    "\"sha\":\"abc\"},\"trace_id\":\"4BF92F3577B34DA6A3CE929D0E0E4736\",\"pid\":42,"
		    "\"ts\":123456789}", &req, err);
	ok(!ret && req.op == FR_CTL_MARK && !strcmp(req.name, "deploy \"v2\"\nnow") && req.nmeta == 2 &&
	   !strcmp(req.meta[1].key, "sha") && !strcmp(req.meta[1].value, "abc") && req.has_trace &&
	   req.trace_id[0] == 0x4b && req.trace_id[15] == 0x36 && req.pid == 42 && req.ts == 123456789,
	   "a mark with quotes and a newline in its name, metadata, a trace id, a pid (%s)", err);
	fr_ctl_req_free(&req);
	ret = parse("{\"op\":\"mark\",\"name\":\"x\",\"meta\":{\"k\":\"\xff\xfe bytes\"}}", &req, err);
	ok(!ret && !strcmp(req.meta[0].value, "\xff\xfe bytes"), "invalid UTF-8 in a value is kept as bytes");
	fr_ctl_req_free(&req);

	ok(parse("[1,2]", &req, err) == -EINVAL && strstr(err, "not a JSON object"), "not an object: %s", err);
	ok(parse("{\"op\":\"reboot\"}", &req, err) == -EINVAL && strstr(err, "unknown operation"),
	   "an unknown operation: %s", err);
	ok(parse("{\"op\":\"mark\"}", &req, err) == -EINVAL && strstr(err, "needs a name"), "%s", err);
	ok(parse("{\"op\":\"mark\",\"name\":\"x\",\"meta\":{\"a b\":\"1\"}}", &req, err) == -EINVAL &&
	   strstr(err, "metadata key"), "%s", err);
	ok(parse("{\"op\":\"mark\",\"name\":\"x\",\"meta\":{\"a\":1}}", &req, err) == -EINVAL, "%s", err);
	ok(parse("{\"op\":\"mark\",\"name\":\"x\",\"meta\":{\"a\":\"1\",\"a\":\"2\"}}", &req, err) == -EINVAL &&
	   strstr(err, "twice"), "%s", err);
	ok(parse("{\"op\":\"mark\",\"name\":\"a\\u0000b\"}", &req, err) == -EINVAL && strstr(err, "NUL"),
	   "%s", err);
	{
		static const char raw[] = "{\"op\":\"mark\",\"name\":\"abc\0hidden\"}";

		ok(fr_ctl_parse(raw, sizeof(raw) - 1, &req, err, 256) == -EINVAL && strstr(err, "NUL"),
		   "a raw NUL inside a string is refused, not cut at: %s", err);
	}
	ok(parse("{\"op\":\"hello\"} trailing", &req, err) == -EINVAL && strstr(err, "alone"),
	   "bytes after the object are refused: %s", err);
	ok(parse("{\"op\":\"hello\"} \n", &req, err) == 0, "white space after it is not");
	fr_ctl_req_free(&req);
	ok(parse("{\"op\":\"mark\",\"name\":\"x\\\\u0000\"}", &req, err) == 0 &&
	   !strcmp(req.name, "x\\u0000"), "an escaped backslash before u0000 is text, not a NUL");
	fr_ctl_req_free(&req);
	ok(parse("{\"op\":\"mark\",\"name\":\"x\",\"trace_id\":\"00000000000000000000000000000000\"}",
		 &req, err) == -EINVAL && strstr(err, "trace_id"), "%s", err);
	ok(parse("{\"op\":\"mark\",\"name\":\"x\",\"end\":true}", &req, err) == -EINVAL, "%s", err);
	ok(parse("{\"op\":\"mark\",\"name\":\"x\",\"pid\":-3}", &req, err) == -EINVAL, "%s", err);
	/* a 64 KiB value cannot be a record in the ring: refused, saying so */
	big = malloc(70000);
	strcpy(big, "{\"op\":\"mark\",\"name\":\"x\",\"meta\":{\"v\":\"");
	{
		size_t at = strlen(big);

		memset(big + at, 'a', 65536);
		strcpy(big + at + 65536, "\"}}");
	}
	ret = fr_ctl_parse(big, strlen(big), &req, err, sizeof(err));
	ok(ret == -EINVAL && strstr(err, "at most 61440"), "a 64 KiB value is refused clearly: %s", err);
	free(big);
}

static void test_trace_ids(void)
{
	uint8_t id[16];
	char s[33];

	ok(!fr_trace_id_parse("4bf92f3577b34da6a3ce929d0e0e4736", id), "a trace id");
	fr_trace_id_format(id, s);
	ok(!strcmp(s, "4bf92f3577b34da6a3ce929d0e0e4736"), "formats back the same");
	ok(fr_trace_id_parse("4bf92f3577b34da6a3ce929d0e0e473", id) && fr_trace_id_parse("4bf92f3577b34da6a3ce929d0e0e47366", id) &&
	   fr_trace_id_parse("4bf92f3577b34da6a3ce929d0e0e473g", id), "wrong length or a non-hex digit is refused");
	ok(!fr_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", id) && id[0] == 0x4b,
	   "a traceparent header gives its trace id");
	ok(!fr_traceparent_parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later", id),
	   "a later version may add fields");
	ok(fr_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", id) &&
	   fr_traceparent_parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", id) &&
	   fr_traceparent_parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01", id) &&
	   fr_traceparent_parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", id) &&
	   fr_traceparent_parse("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", id) &&
	   fr_traceparent_parse("", id),
	   "malformed traceparent headers are refused");
}

static void test_socket(void)
{
	int sv[2], fd = -1, tmp;
	struct fr_ctl_reader rd = { 0 };
	char big[300000];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		ok(0, "socketpair");
		return;
	}
	tmp = open("/dev/null", O_WRONLY);
	ok(!fr_ctl_send(sv[0], "{\"op\":\"hello\"}", 14, tmp), "send with a descriptor");
	ok(!fr_ctl_send(sv[0], "{\"op\":\"stats\"}", 14, -1), "and a second message");
	ok(fr_ctl_recv(sv[1], &rd, &fd) == 1 && !strcmp(rd.msg, "{\"op\":\"hello\"}") && fd >= 0,
	   "the first arrives whole, with the descriptor");
	fr_ctl_reader_reset(&rd);
	ok(fr_ctl_recv(sv[1], &rd, NULL) == 1 && !strcmp(rd.msg, "{\"op\":\"stats\"}"),
	   "the second after it, not mixed in");
	fr_ctl_reader_reset(&rd);
	/* larger than a socket buffer: a writer thread is not needed when the
	 * reader is this process, so use a child */
	memset(big, 'x', sizeof(big));
	big[0] = '"';
	big[sizeof(big) - 1] = '"';
	if (fork() == 0) {
		close(sv[1]);
		_exit(fr_ctl_send(sv[0], big, sizeof(big), -1) ? 1 : 0);
	}
	ok(fr_ctl_recv(sv[1], &rd, NULL) == 1 && rd.need == sizeof(big) && !memcmp(rd.msg, big, sizeof(big)),
	   "a 300 KB message arrives whole");
	fr_ctl_reader_reset(&rd);
	close(sv[0]);
	ok(fr_ctl_recv(sv[1], &rd, NULL) == -EPIPE, "a closed peer is told apart from a message");
	fr_ctl_reader_reset(&rd);
	close(sv[1]);
	close(tmp);
	if (fd >= 0)
		close(fd);
}

/* The controls: pause, resume, clear, resize SIZE, enable/disable GROUPS,
 * a snapshot of one trace, taken out with clear. */
static void test_controls(void)
{
	struct fr_ctl_req req;
	char err[256];

	ok(!parse("{\"op\":\"pause\"}", &req, err) && req.op == FR_CTL_PAUSE, "pause");
	ok(!parse("{\"op\":\"resume\"}", &req, err) && req.op == FR_CTL_RESUME, "resume");
	ok(!parse("{\"op\":\"clear\"}", &req, err) && req.op == FR_CTL_CLEAR, "clear");
	ok(!parse("{\"op\":\"resize\",\"size\":1073741824}", &req, err) && req.op == FR_CTL_RESIZE &&
	   req.size == 1073741824, "resize 1G");
	ok(parse("{\"op\":\"resize\"}", &req, err) == -EINVAL && strstr(err, "needs a size"), "%s", err);
	ok(parse("{\"op\":\"resize\",\"size\":\"1G\"}", &req, err) == -EINVAL, "a size is a number");
	ok(parse("{\"op\":\"resize\",\"size\":1.5}", &req, err) == -EINVAL, "of whole bytes");
	ok(parse("{\"op\":\"resize\",\"size\":-4}", &req, err) == -EINVAL, "not negative");
	ok(!parse("{\"op\":\"enable\",\"groups\":\"syscalls,block\"}", &req, err) &&
	   req.op == FR_CTL_ENABLE && !strcmp(req.groups, "syscalls,block"), "enable GROUPS");
	fr_ctl_req_free(&req);
	ok(!parse("{\"op\":\"disable\",\"groups\":\"sched\"}", &req, err) && req.op == FR_CTL_DISABLE,
	   "disable GROUPS");
	fr_ctl_req_free(&req);
	ok(parse("{\"op\":\"enable\"}", &req, err) == -EINVAL && strstr(err, "enable needs groups"),
	   "%s", err);
	ok(parse("{\"op\":\"disable\",\"groups\":\"\"}", &req, err) == -EINVAL, "no empty list");
	ok(!parse("{\"op\":\"snapshot\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
		  "\"clear\":true}", &req, err) && req.has_trace && req.clear && req.trace_id[0] == 0x4b,
	   "a snapshot of one trace, taken out");
	ok(!parse("{\"op\":\"snapshot\",\"clear\":false}", &req, err) && !req.clear && !req.has_trace,
	   "a whole snapshot");
	ok(parse("{\"op\":\"snapshot\",\"clear\":true}", &req, err) == -EINVAL &&
	   strstr(err, "needs a trace_id"), "%s", err);
	ok(parse("{\"op\":\"snapshot\",\"clear\":1}", &req, err) == -EINVAL, "clear is a boolean");
}

int main(void)
{
	test_names();
	test_controls();
	test_framing();
	test_requests();
	test_trace_ids();
	test_socket();
	return tap_done();
}
