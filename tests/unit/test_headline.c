/* test_headline.c: the findings of a capture from known trigger records and
 * stats models: each kind's line names the evidence (processes, functions,
 * where tasks wait), the figures behind it are there for scripts, and the
 * lines fit the width asked for. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "report/headline.h"
#include "report/render.h"

static cJSON *parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);

	if (!j)
		printf("# bad JSON in the test: %s\n", s);
	return j;
}

static const char *text(const cJSON *h, int i)
{
	const cJSON *t = cJSON_GetObjectItem(cJSON_GetArrayItem(h, i), "text");

	return cJSON_IsString(t) ? t->valuestring : "";
}

static const char *kind(const cJSON *h, int i)
{
	const cJSON *t = cJSON_GetObjectItem(cJSON_GetArrayItem(h, i), "kind");

	return cJSON_IsString(t) ? t->valuestring : "";
}

static void is_text(const cJSON *h, int i, const char *want, const char *what)
{
	ok(!strcmp(text(h, i), want), "%s", what);
	if (strcmp(text(h, i), want))
		printf("#   got  '%s'\n#   want '%s'\n", text(h, i), want);
}

static void test_cpu(void)
{
	/* dd: 57 samples in read_zero at two offsets, 9 in memset; x: 34 in
	 * foo, a user function */
	cJSON *t = parse("{\"detector\":\"cpu\",\"metric\":\"cpu.usage\",\"value_text\":\"97%\","
			 "\"context\":{\"kind\":\"cpu\",\"profile\":{\"samples\":100,\"stacks\":["
			 "{\"pid\":77,\"comm\":\"dd\",\"count\":50,\"kernel\":[\"read_zero+0x77 [kernel]\"],\"user\":[]},"
			 "{\"pid\":9,\"comm\":\"x\",\"count\":34,\"kernel\":[],\"user\":[\"foo+0x1 (/bin/x)\"]},"
			 "{\"pid\":77,\"comm\":\"dd\",\"count\":9,\"kernel\":[\"memset+0x3 [kernel]\"],\"user\":[]},"
			 "{\"pid\":77,\"comm\":\"dd\",\"count\":7,\"kernel\":[\"read_zero+0x72 [kernel]\"],\"user\":[]}"
			 "]}}}");
	cJSON *h = fr_headline(t, NULL, NULL);
	const cJSON *fig = cJSON_GetObjectItem(cJSON_GetArrayItem(h, 0), "figures");

	is_text(h, 0, "cpu.usage = 97%: 66% of samples in dd[77]: 57% in read_zero [kernel], "
		"9% in memset [kernel]", "cpu: the process, then its functions, offsets merged, not another's");
	ok(!strcmp(kind(h, 0), "cpu") && cJSON_GetArraySize(h) == 1, "one finding, of kind cpu");
	ok(cJSON_GetObjectItem(fig, "process_samples")->valuedouble == 66 &&
	   cJSON_GetArrayItem(cJSON_GetObjectItem(fig, "functions"), 0) &&
	   cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(fig, "functions"), 0), "samples")
			   ->valuedouble == 57,
	   "its figures: 66 samples in dd, 57 in read_zero");
	ok(!strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(h, 0), "finding")->valuestring,
		   "66% of samples in dd[77]: 57% in read_zero [kernel], 9% in memset [kernel]"),
	   "the finding without what fired, for trigger's line");
	cJSON_Delete(h);
	cJSON_Delete(t);
}

static void test_dstate_and_fatal(void)
{
	cJSON *t = parse("{\"detector\":\"dstate\",\"metric\":\"dstate.tasks\",\"value_text\":\"3\","
			 "\"context\":{\"kind\":\"dstate\",\"dstate\":["
			 "{\"pid\":4,\"tid\":4,\"comm\":\"tar\",\"wchan\":\"fuse_wait\",\"stack\":[]},"
			 "{\"pid\":6,\"tid\":6,\"comm\":\"dd\",\"stack\":[\"io_schedule+0x12\",\"x+0x1\"]},"
			 "{\"pid\":5,\"tid\":5,\"comm\":\"c\\u0001p\",\"wchan\":\"fuse_wait\",\"stack\":[]}]}}");
	cJSON *h = fr_headline(t, NULL, NULL);

	is_text(h, 0, "dstate.tasks = 3: 3 tasks in D state: tar[4], c?p[5] in fuse_wait; "
		"dd[6] in io_schedule", "dstate: grouped by where they wait, each group once");
	cJSON_Delete(h);
	cJSON_Delete(t);

	/* dstate.longest: the longest in D first, with its time; equals in
	 * the context's order; a crafted time is kept to a day */
	t = parse("{\"detector\":\"dstate\",\"metric\":\"dstate.longest\",\"value_text\":\"12s\","
		  "\"context\":{\"kind\":\"dstate\",\"dstate\":["
		  "{\"pid\":4,\"comm\":\"a\",\"wchan\":\"w1\",\"in_d_ns\":2e9},"
		  "{\"pid\":5,\"comm\":\"b\",\"wchan\":\"w2\",\"in_d_ns\":12e9},"
		  "{\"pid\":6,\"comm\":\"c\",\"wchan\":\"w1\",\"in_d_ns\":2e9},"
		  "{\"pid\":7,\"comm\":\"d\",\"wchan\":\"w1\",\"in_d_ns\":1e30},"
		  "{\"pid\":8,\"comm\":\"e\",\"wchan\":\"w1\"}]}}");
	h = fr_headline(t, NULL, NULL);
	is_text(h, 0, "dstate.longest = 12s: 5 tasks in D state: d[7] 86400.000s, a[4] 2.000s, c[6] 2.000s "
		"and 1 more in w1; b[5] 12.000s in w2", "dstate: the longest first, with the time each has been in D");
	cJSON_Delete(h);
	cJSON_Delete(t);

	t = parse("{\"detector\":\"events\",\"metric\":\"events.crash\",\"value_text\":\"1\","
		  "\"context\":{\"kind\":\"events\",\"fatal\":{\"what\":\"signal\",\"pid\":12,\"tid\":12,"
		  "\"comm\":\"frhelper\",\"signal\":\"SIGSEGV\",\"syscall_errors\":1,\"last_syscalls\":["
		  "{\"syscall\":\"openat\",\"ret\":-2,\"error\":\"ENOENT\"},{\"syscall\":\"getpid\",\"ret\":12}]}}}");
	h = fr_headline(t, NULL, NULL);
	is_text(h, 0, "events.crash = 1: frhelper[12] killed by SIGSEGV; last calls: openat ENOENT, getpid; "
		"1 failed calls", "crash: the process, the signal, its last calls and errors");
	ok(!strcmp(kind(h, 0), "crash"), "of kind crash");
	cJSON_Delete(h);
	cJSON_Delete(t);
}

static void test_plain(void)
{
	cJSON *m = parse("{\"events\":{\"crashes\":1,\"oom_kills\":0,\"fatal\":[{\"pid\":3,\"comm\":\"bad\","
			 "\"signal\":\"SIGABRT\"}]},"
			 "\"loss\":{\"dropped\":12,\"complete\":true},"
			 "\"cpu\":{\"processes\":[{\"pid\":7,\"comm\":\"make\",\"oncpu_ns\":2000000000,"
			 "\"cpu_percent\":99.5,\"runqueue\":{\"max_ns\":3000000}},"
			 "{\"pid\":8,\"comm\":\"cc1\",\"oncpu_ns\":1000,\"runqueue\":{\"max_ns\":40000000}}]},"
			 "\"runqueue\":{\"count\":10,\"p99_ns\":20000000,\"max_ns\":40000000},"
			 "\"syscalls\":{\"errors\":2,\"by_name\":[{\"name\":\"read\",\"calls\":5,\"max_ns\":1000,"
			 "\"p99_ns\":900},{\"name\":\"fsync\",\"calls\":1,\"max_ns\":5000000,\"p99_ns\":5000000}]},"
			 "\"block\":{\"devices\":[{\"dev\":\"vda\",\"requests\":3,\"bytes\":4096,\"p99_ns\":1000},"
			 "{\"dev\":\"sda\",\"requests\":30,\"bytes\":1048576,\"p99_ns\":2000000}]}}");
	cJSON *h = fr_headline(NULL, m, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ok(cJSON_GetArraySize(h) == 6, "six findings: cpu, wait, syscall, device, crash, loss (%d)",
	   cJSON_GetArraySize(h));
	is_text(h, 0, "top CPU make[7] 2.000s, 99.5% of one CPU", "the top CPU consumer");
	is_text(h, 1, "longest run-queue wait 40.000ms, cc1[8]; p99 20.000ms of 10 waits",
		"the worst wait and who waited");
	is_text(h, 2, "slowest system call fsync 5.000ms (p99 5.000ms of 1 calls); 2 calls failed",
		"the slowest system call");
	is_text(h, 3, "busiest device sda 30 requests, 1.0M, p99 2.000ms", "the busiest device");
	is_text(h, 4, "1 crashed, 0 killed by the OOM killer: bad[3] SIGABRT", "the crash, named");
	is_text(h, 5, "12 events dropped (BPF buffer full): counts and times are lower bounds",
		"the loss, and what it means for the figures");
	f = open_memstream(&buf, &len);
	fr_headline_text(f, h, "  ", 40);
	fclose(f);
	ok(buf && !strncmp(buf, "  top CPU make[7] 2.000s, 99.5% of on...\n", 41),
	   "a line cut to 40 columns ends in ...");
	free(buf);
	cJSON_Delete(h);
	cJSON_Delete(m);
}

static void test_firing_line(void)
{
	cJSON *t = parse("{\"detector\":\"events\",\"metric\":\"events.crash\",\"value_text\":\"1\","
			 "\"context\":{\"fatal\":{\"pid\":12,\"comm\":\"frhelper\",\"signal\":\"SIGSEGV\","
			 "\"last_syscalls\":[{\"syscall\":\"getppid\"},{\"syscall\":\"getppid\"},"
			 "{\"syscall\":\"getppid\"},{\"syscall\":\"kill\"}]}}}");
	cJSON *h = fr_headline(t, NULL, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fr_render_firing_line(f, t, h, "12:00:01", "/tmp/x.frec", 80);
	fclose(f);
	ok(buf && strlen(buf) <= 81, "the firing line fits 80 columns (%zu)", buf ? strlen(buf) - 1 : 0);
	ok(buf && !strncmp(buf, "12:00:01 events.crash = 1: frhelper[12] killed by SIGSEGV", 57),
	   "it names the process and what happened to it");
	ok(buf && strstr(buf, " -> /tmp/x.frec\n"), "and ends with the capture");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	fr_render_firing_line(f, t, h, "12:00:01", "/tmp/x.frec", 0);
	fclose(f);
	ok(buf && !strcmp(buf, "12:00:01 events.crash = 1: frhelper[12] killed by SIGSEGV; last calls: "
			  "getppid x3, kill -> /tmp/x.frec\n"),
	   "uncut: its last calls too, a repeated one counted");
	free(buf);
	cJSON_Delete(h);
	cJSON_Delete(t);
}

int main(void)
{
	test_cpu();
	test_dstate_and_fatal();
	test_plain();
	test_firing_line();
	return tap_done();
}
