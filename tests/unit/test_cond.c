/* test_cond.c: the one grammar of conditions (base/cond.h) as both commands
 * use it: trigger --when (detect/expr.h) and stats --fail-if
 * (report/gate.h) read units the same way and refuse a bare time the same
 * way; each takes its own forms; stats' figures, with "did you mean" for
 * the figure, the system call and the event type; the error printed within
 * 80 columns, a long source cut around the bad token. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cond.h"
#include "base/util.h"
#include "detect/expr.h"
#include "report/gate.h"
#include "tap.h"

static struct fr_expr e;
static struct fr_expr_error err;

static const struct fr_grammar *const when = &fr_when_grammar, *const gate = &fr_gate_grammar;

static const char *gname(const struct fr_grammar *g)
{
	return g == when ? "--when" : "--fail-if";
}

/* src parses with g, normalised as text */
static void good(const struct fr_grammar *g, const char *src, const char *text)
{
	int rc = fr_cond_parse(g, src, &e, &err);

	ok(rc == 0 && !strcmp(e.text, text), "%s '%s' parses as '%s'", gname(g), src, text);
	if (rc)
		printf("#   refused at %zu+%zu: %s\n", err.pos, err.len, err.msg);
	else if (strcmp(e.text, text))
		printf("#   got '%s'\n", e.text);
}

/* src is refused by g at the last occurrence of at (NULL: the end), with
 * msg in the message */
static void bad(const struct fr_grammar *g, const char *src, const char *at, const char *msg)
{
	const char *p = NULL, *q = src;
	size_t pos, len;
	int rc;
	bool right;

	if (at) {
		while ((q = strstr(q, at)))
			p = q++;
		if (!p) {
			ok(0, "test bug: '%s' not in '%s'", at, src);
			return;
		}
	}
	pos = at ? (size_t)(p - src) : strlen(src);
	len = at ? strlen(at) : 1;
	rc = fr_cond_parse(g, src, &e, &err);
	right = rc == -EINVAL && err.pos == pos && err.len == len && strstr(err.msg, msg);
	ok(right, "%s '%s' refused at %zu+%zu: %s", gname(g), src, pos, len, msg);
	if (!right)
		printf("#   got %d at %zu+%zu: %s\n", rc, err.pos, err.len, err.msg);
}

static void test_shared(void)
{
	static const struct fr_grammar *const both[] = { &fr_when_grammar, &fr_gate_grammar };

	for (int i = 0; i < 2; i++) {
		const struct fr_grammar *g = both[i];

		/* a time needs a unit, and the message says which */
		bad(g, "runqueue.p99 > 5", "5",
		    "runqueue.p99 is a time: give it a unit, ns, us, ms or s (e.g. 5ms)");
		bad(g, "runqueue.p99 > 5 furlongs", "furlongs",
		    "unknown unit 'furlongs'; runqueue.p99 is a time: use ns, us, ms or s");
		bad(g, "runqueue.p99 > 5MB", "MB", "runqueue.p99 is a time: use ns, us, ms or s");
		good(g, "runqueue.p99 > 5ms", "runqueue.p99 > 5ms");
		good(g, "runqueue.p99>=1500 us", "runqueue.p99 >= 1.5ms");
		good(g, "runqueue.p99 < 0.25s", "runqueue.p99 < 250ms");
		good(g, "runqueue.p99 <= 700ns", "runqueue.p99 <= 700ns");
		/* the same lexer */
		bad(g, "runqueue.p99 = 5ms", "=", "unknown operator '='");
		bad(g, "runqueue.p99 > 1e3ms", "1e3ms", "write plain decimals");
		bad(g, "runqueue.p99 > 5ms @", "@", "unexpected character '@'");
		bad(g, "runqueue.p99 > 5ms or x", "or", "'or' is not supported");
		bad(g, "runqueue.p99", NULL, "expected a comparison (>, >=, <, <=)");
		bad(g, "runqueue.p99 >", NULL, "expected a value for runqueue.p99, e.g. 5ms");
		bad(g, "> 5ms", ">", "expected a metric name");
		ok(err.name, "%s: a missing name is about a name", gname(g));
		bad(g, "runqueue.p99 > -5ms", "-5ms", g == gate ? "a signed value is a change" :
		    "runqueue.p99 cannot be negative");
	}
}

static void test_forms(void)
{
	/* trigger's forms */
	good(when, "cpu.sys > 45% for 5s and events.crash", "cpu.sys > 45% for 5s and events.crash > 0");
	good(when, "memburst.anon rises 1GB in 10s", "memburst.anon rises 1GB in 10s");
	bad(when, "cpu.sys > +20%", "+", "a threshold has no sign");

	/* stats': one comparison, absolute or against the baseline */
	good(gate, "runqueue.p99 > +20%", "runqueue.p99 > +20%");
	ok(e.n == 1 && e.conds[0].change && e.conds[0].threshold == 20 &&
	   e.conds[0].kind == FR_KIND_TIME, "+20%% is a change of 20 per cent");
	good(gate, "runqueue.p99 > -10.5 %", "runqueue.p99 > -10.5%");
	ok(e.conds[0].change && e.conds[0].threshold == -10.5, "-10.5%% is a fall");
	good(gate, "syscalls.count < +0%", "syscalls.count < +0%");
	good(gate, "syscalls.read.p99 > 2ms", "syscalls.read.p99 > 2ms");
	ok(!e.conds[0].change && e.conds[0].threshold == 2e6, "2ms is 2e6 ns, not a change");
	good(gate, "block.sda.bytes >= 1.5GB", "block.sda.bytes >= 1.5GB");
	good(gate, "block.dm-0.read_bytes > 512KiB", "block.dm-0.read_bytes > 512KB");
	good(gate, "events.total >= 230", "events.total >= 230");
	good(gate, "events.process_fork > 3", "events.process_fork > 3");
	bad(gate, "runqueue.p99 > 20%", "%", "a change against the baseline has a sign: +20% or -10%");
	bad(gate, "runqueue.p99 > +5ms", "+5ms", "a signed value is a change against the baseline, "
	    "in per cent");
	bad(gate, "runqueue.p99 > -150%", "-150%", "cannot fall by more than 100%");
	bad(gate, "runqueue.p99 > 5ms for 5s", "for", "no 'for' in --fail-if");
	bad(gate, "runqueue.p99 rises 5ms in 10s", "rises", "no 'rises' in --fail-if");
	bad(gate, "runqueue.p99 > 5ms and events.total > 3", "and",
	    "one condition per --fail-if: give each its own");
	bad(gate, "events.crashes", NULL, "expected a comparison (>, >=, <, <=) after "
	    "'events.crashes'");
	bad(gate, "block.sda.bytes > 100", "100", "block.sda.bytes is a size: give it a unit");
	bad(gate, "events.total > 3ms", "ms", "events.total is a count: write a plain number");
	bad(gate, "", NULL, "empty condition: give a condition, e.g. runqueue.p99 > 5ms");
}

static void test_gate_names(void)
{
	static const char *const figures[] = {
		"runqueue.p50", "runqueue.p90", "runqueue.max", "runqueue.total", "runqueue.count",
		"syscalls.count", "syscalls.errors", "syscalls.unpaired", "syscalls.getppid.p50",
		"syscalls.rt_sigprocmask.total", "syscalls.read.errors", "syscalls.other.count",
		"syscalls.syscall_451.max", "block.nvme0n1.iops", "block.sda.requests",
		"cpu.total", "offcpu.runnable", "offcpu.sleeping", "offcpu.dstate", "offcpu.other",
		"events.crashes", "events.oom_kills", "events.sched_wakeup_new", "loss.dropped",
		"loss.overwritten", "loss.file_overwritten", "loss.unwritten", "loss.malformed",
	};

	for (size_t i = 0; i < FR_ARRAY_SIZE(figures); i++) {
		char src[96];

		snprintf(src, sizeof(src), "%s >= +5%%", figures[i]);
		ok(!fr_gate_parse(src, &e, &err) && !strcmp(e.conds[0].name, figures[i]),
		   "%s is a figure", figures[i]);
	}
	bad(gate, "runqueue.p95 > 5ms", "runqueue.p95", "unknown metric 'runqueue.p95' "
	    "(did you mean runqueue.p90?)");
	ok(err.name, "an unknown figure is about a name");
	bad(gate, "syscall.read.p99 > 2ms", "syscall.read.p99", "(did you mean syscalls.read.p99?)");
	bad(gate, "syscalls.read.p98 > 2ms", "syscalls.read.p98", "(did you mean syscalls.read.p90?)");
	bad(gate, "syscalls.raed.p99 > 2ms", "raed", "unknown system call 'raed' (did you mean read?)");
	bad(gate, "syscalls.nosuchcall.count > 0", "nosuchcall", "unknown system call 'nosuchcall'");
	bad(gate, "events.sched_swtch > 1", "sched_swtch",
	    "unknown event type 'sched_swtch' (did you mean sched_switch?)");
	bad(gate, "p99 > 2ms", "p99", "unknown metric 'p99' (did you mean runqueue.p99?)");
	bad(gate, "runqueue.latency > 1ms", "runqueue.latency", "(did you mean runqueue.");
	bad(gate, "cpu.sys > 45%", "cpu.sys", "unknown metric 'cpu.sys' (did you mean cpu.total?)");
	bad(gate, "block.sda > 1ms", "block.sda", "unknown metric 'block.sda'");
	bad(gate, "a.b.c.d.e > 1", "a.b.c.d.e", "unknown metric");
	bad(gate, "runqueue..p99 > 1ms", "runqueue..p99", "unknown metric");
	/* trigger's metrics are not stats' figures, and the other way round */
	bad(when, "cpu.total > 1ms", "cpu.total", "unknown metric 'cpu.total'");
	bad(when, "block.sda.p99 > 1ms", "block.sda.p99", "unknown metric");
}

/* fr_cond_print_error's output for src refused by g */
static void printed(const struct fr_grammar *g, const char *src, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool fits = true;

	if (!fr_cond_parse(g, src, &e, &err)) {
		ok(0, "'%s' should have been refused", src);
		fclose(f);
		free(out);
		return;
	}
	fr_cond_print_error(f, g, "flightrec stats", src, &err);
	fclose(f);
	for (const char *l = out; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0))
		fits &= strcspn(l, "\n") <= 80;
	ok(!strcmp(out, want) && fits, "error for '%.40s' printed within 80 columns", src);
	if (strcmp(out, want))
		printf("#   got:\n%s#   want:\n%s", out, want);
	free(out);
}

#define GATE_EXAMPLES \
	"  e.g. --fail-if 'runqueue.p99 > +20%' or --fail-if 'syscalls.read.p99 > 2ms'\n"
#define GATE_NAMES "  every metric: METRICS in flightrec-stats(8), or flightrec stats --help\n"

static void test_print(void)
{
	char src[400];

	printed(gate, "runqueue.p99 > 5",
		"flightrec stats: bad --fail-if: runqueue.p99 is a time: give it a unit, ns, us,\n"
		"    ms or s (e.g. 5ms)\n"
		"  runqueue.p99 > 5\n"
		"                 ^\n"
		GATE_EXAMPLES);
	printed(gate, "syscalls.raed.p99 > 2ms",
		"flightrec stats: bad --fail-if: unknown system call 'raed' (did you mean read?)\n"
		"  syscalls.raed.p99 > 2ms\n"
		"           ^^^^\n"
		GATE_NAMES GATE_EXAMPLES);
	/* long sources: the part around the token, cut ends as "..." */
	memset(src, ' ', 100);
	snprintf(src + 100, sizeof(src) - 100, "runqueue.p99 > 5");
	printed(gate, src,
		"flightrec stats: bad --fail-if: runqueue.p99 is a time: give it a unit, ns, us,\n"
		"    ms or s (e.g. 5ms)\n"
		"  ...                                                          runqueue.p99 > 5\n"
		"                                                                              ^\n"
		GATE_EXAMPLES);
	snprintf(src, sizeof(src), "runqueue.p9 > 5ms");
	memset(src + strlen(src), ' ', 150);
	src[17 + 150] = 0;
	strcat(src, "x");
	printed(gate, src,
		"flightrec stats: bad --fail-if: unknown metric 'runqueue.p9' (did you mean\n"
		"    runqueue.p90?)\n"
		"  runqueue.p9 > 5ms                                                         ...\n"
		"  ^^^^^^^^^^^\n"
		GATE_NAMES GATE_EXAMPLES);
	snprintf(src, sizeof(src), "cpu.sys > 45%%");
	memset(src + strlen(src), ' ', 100);
	src[13 + 100] = 0;
	strcat(src, "and cpu.user > 3 xx and");
	memset(src + strlen(src), ' ', 100);
	src[13 + 100 + 23 + 100] = 0;
	strcat(src, "io.util > 4");
	printed(when, src,
		"flightrec stats: bad --when: unknown unit 'xx'; cpu.user is a percentage: write\n"
		"    e.g. 45%\n"
		"  ...                 and cpu.user > 3 xx and                               ...\n"
		"                                       ^^\n"
		"  e.g. --when 'cpu.sys > 45%' or --when 'memburst.anon rises 1GB in 10s for 5s'\n");
}

static void test_nearest(void)
{
	struct fr_nearest n;

	fr_nearest_init(&n, "raed", 4);
	fr_nearest_offer(&n, "write");
	fr_nearest_offer(&n, "read");
	fr_nearest_offer(&n, "readv");
	ok(n.d == 2 && !strcmp(fr_nearest_get(&n), "read"), "the nearest: the first of the closest");
	fr_nearest_init(&n, "xyzzy", 5);
	fr_nearest_offer(&n, "read");
	ok(!fr_nearest_get(&n), "none when nothing is close");
	fr_nearest_init(&n, "x", 1);
	ok(!fr_nearest_get(&n), "none when nothing was offered");
}

int main(void)
{
	test_shared();
	test_forms();
	test_gate_names();
	test_print();
	test_nearest();
	return tap_done();
}
