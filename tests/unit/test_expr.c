/* test_expr.c: the --when expressions of trigger (the shared grammar of
 * base/cond.h with trigger's metrics and every form): what parses to what,
 * the text conditions format back to, value formatting, and every way an
 * expression is refused, with the token the error points at. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/expr.h"
#include "tap.h"

/* 41 digits: one more than a number may have */
#define BIG "12345678901234567890123456789012345678901"

static struct fr_expr e;
static struct fr_expr_error err;

/* src fit for a test name: control and non-ASCII bytes as \xNN */
static const char *esc(const char *s)
{
	static char buf[4][512];
	static int k;
	char *b = buf[k++ % 4], *o = b;

	for (; *s && o < b + sizeof(buf[0]) - 5; s++) {
		unsigned char c = *s;

		if (c < ' ' || c >= 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = c;
	}
	*o = 0;
	return b;
}

static bool near(double a, double b)
{
	double d = a > b ? a - b : b - a, m = a > 0 ? a : -a;

	return d <= 1e-9 * m;
}

/* src parses, and its normalised text is text */
static void good(const char *src, const char *text)
{
	int rc = fr_expr_parse(src, &e, &err);

	ok(rc == 0 && !strcmp(e.text, text), "'%s' parses as '%s'", esc(src), text);
	if (rc)
		printf("#   refused at %zu+%zu: %s\n", err.pos, err.len, err.msg);
	else if (strcmp(e.text, text))
		printf("#   got '%s'\n", e.text);
}

/* src is refused at pos+len with msg in the message */
static void bad_at(const char *src, size_t pos, size_t len, const char *msg)
{
	int rc = fr_expr_parse(src, &e, &err);
	bool good = rc == -EINVAL && err.pos == pos && err.len == len && strstr(err.msg, msg);

	ok(good, "'%s' refused at %zu+%zu: %s", esc(src), pos, len, msg);
	if (!good)
		printf("#   got %d at %zu+%zu: %s\n", rc, err.pos, err.len, err.msg);
}

/* src is refused at the last occurrence of at in it (NULL: at the end) */
static void bad(const char *src, const char *at, const char *msg)
{
	const char *p = NULL, *q = src;

	if (!at) {
		bad_at(src, strlen(src), 1, msg);
		return;
	}
	while ((q = strstr(q, at)))
		p = q++;
	if (!p) {
		ok(0, "test bug: '%s' not in '%s'", at, src);
		return;
	}
	bad_at(src, p - src, strlen(at), msg);
}

/* every condition of src formats to text that parses back to the same */
static void round_trip(const char *src)
{
	struct fr_expr again;
	struct fr_expr_error err2;
	bool same = !fr_expr_parse(src, &e, &err);
	char buf[160];

	for (unsigned i = 0; same && i < e.n; i++) {
		const struct fr_cond *a = &e.conds[i], *b = &again.conds[0];

		fr_cond_format(a, buf, sizeof(buf));
		same = !fr_expr_parse(buf, &again, &err2) && again.n == 1 &&
		       a->metric == b->metric && a->rise == b->rise && a->cmp == b->cmp &&
		       near(a->threshold, b->threshold) && a->window_ns == b->window_ns &&
		       a->for_ns == b->for_ns;
		if (!same)
			printf("#   '%s' does not read back: %s\n", buf, err2.msg);
	}
	ok(same, "'%s' reads back from its formatted conditions", src);
}

static void fmt(enum fr_kind kind, double v, const char *want)
{
	char buf[32];

	fr_fmt_value(kind, v, buf, sizeof(buf));
	ok(!strcmp(buf, want), "%g formats as %s", v, want);
	if (strcmp(buf, want))
		printf("#   got '%s'\n", buf);
}

/* fr_expr_print_error's output for src */
static void printed(const char *src, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (fr_expr_parse(src, &e, &err) == 0) {
		ok(0, "'%s' should have been refused", esc(src));
		fclose(f);
		free(out);
		return;
	}
	fr_expr_print_error(f, NULL, src, &err);
	fclose(f);
	ok(!strcmp(out, want), "error for '%s' printed with carets", esc(src));
	if (strcmp(out, want))
		printf("#   got:\n%s", out);
	free(out);
}

static void test_parse(void)
{
	const struct fr_cond *c = &e.conds[0];

	ok(!fr_expr_parse("cpu.sys > 45%", &e, &err) && e.n == 1 &&
	   !strcmp(c->name, "cpu.sys") && fr_cond_metric(c) == FR_M_CPU_SYS &&
	   c->kind == FR_KIND_PERCENT && !c->change &&
	   !c->rise && c->cmp == FR_CMP_GT && c->threshold == 45 && !c->window_ns && !c->for_ns,
	   "cpu.sys > 45%%");
	ok(!fr_expr_parse("cpu.sys > 45", &e, &err) && c->threshold == 45,
	   "a percentage without %%");
	ok(!fr_expr_parse("cpu.sys>=45 %", &e, &err) && c->cmp == FR_CMP_GE && c->threshold == 45,
	   ">= without spaces, and a space before the %%");
	ok(!fr_expr_parse("cpu.usage <= 0.5", &e, &err) && c->cmp == FR_CMP_LE &&
	   c->threshold == 0.5, "<= with a fraction");
	ok(!fr_expr_parse("runqueue.p99 > 5ms", &e, &err) && c->threshold == 5e6,
	   "5ms is 5e6 ns");
	ok(!fr_expr_parse("runqueue.p99 > 5 ms", &e, &err) && c->threshold == 5e6,
	   "5 ms, with a space");
	ok(!fr_expr_parse("io.await < 12.5ms for 2m", &e, &err) && c->cmp == FR_CMP_LT &&
	   c->threshold == 12.5e6 && c->for_ns == 120000000000ULL, "io.await < 12.5ms for 2m");
	ok(!fr_expr_parse("io.p99 >= 250us", &e, &err) && c->threshold == 250e3, "250us");
	ok(!fr_expr_parse("io.p99 >= 2s", &e, &err) && c->threshold == 2e9, "2s");
	ok(!fr_expr_parse("io.p99 >= 700ns", &e, &err) && c->threshold == 700, "700ns");
	ok(!fr_expr_parse("memburst.anon > 1GB", &e, &err) && c->threshold == 1073741824.0,
	   "1GB is 2^30 bytes");
	ok(!fr_expr_parse("memburst.anon > 1GiB", &e, &err) && c->threshold == 1073741824.0,
	   "1GiB");
	ok(!fr_expr_parse("memburst.anon > 1 g", &e, &err) && c->threshold == 1073741824.0,
	   "1 g");
	ok(!fr_expr_parse("memburst.anon > 512K", &e, &err) && c->threshold == 524288, "512K");
	ok(!fr_expr_parse("memburst.anon > 2TiB", &e, &err) && c->threshold == 2199023255552.0,
	   "2TiB");
	ok(!fr_expr_parse("memburst.anon > 100b", &e, &err) && c->threshold == 100, "100b");
	ok(!fr_expr_parse("memburst.rate > 200MB/s", &e, &err) && c->threshold == 209715200,
	   "200MB/s");
	ok(!fr_expr_parse("memburst.rate > 1.5 KiB/s", &e, &err) && c->threshold == 1536,
	   "1.5 KiB/s");
	ok(!fr_expr_parse("memburst.anon rises 1GB in 10s for 5s", &e, &err) && e.n == 1 &&
	   c->rise && c->cmp == FR_CMP_GE && c->threshold == 1073741824.0 &&
	   c->window_ns == 10000000000ULL && c->for_ns == 5000000000ULL,
	   "memburst.anon rises 1GB in 10s for 5s");
	ok(!fr_expr_parse("cpu.sys rises 20% in 1.5s", &e, &err) && c->rise &&
	   c->threshold == 20 && c->window_ns == 1500000000 && !c->for_ns,
	   "a percentage rises, no 'for'");
	ok(!fr_expr_parse("cpu.sys rises 100% in 1h", &e, &err) && c->threshold == 100 &&
	   c->window_ns == 3600000000000ULL, "the largest rise and window");
	ok(!fr_expr_parse("cpu.sys rises 1% in 1s", &e, &err) && c->window_ns == 1000000000ULL,
	   "the shortest window");
	ok(!fr_expr_parse("events.crash", &e, &err) && e.n == 1 && c->cmp == FR_CMP_GT &&
	   c->threshold == 0 && !c->rise, "a bare count metric means > 0");
	ok(!fr_expr_parse("events.crash for 5s", &e, &err) && c->cmp == FR_CMP_GT &&
	   c->threshold == 0 && c->for_ns == 5000000000ULL, "a bare count metric with 'for'");
	ok(!fr_expr_parse("dstate.load > 2.5", &e, &err) && c->threshold == 2.5,
	   "a count may have a fraction");
	ok(!fr_expr_parse("cpu.sys > 45% for 0s", &e, &err) && !c->for_ns, "for 0s is allowed");
	ok(!fr_expr_parse("cpu.sys > 45% for 1.5m", &e, &err) && c->for_ns == 90000000000ULL,
	   "for 1.5m");
	ok(!fr_expr_parse("cpu.sys > 45% for 1h", &e, &err) && c->for_ns == 3600000000000ULL,
	   "for 1h");
	ok(!fr_expr_parse("cpu.sys > 45% for 250us", &e, &err) && c->for_ns == 250000,
	   "for 250us");
	ok(!fr_expr_parse("cpu.sys > 45% for 24h", &e, &err) && c->for_ns == 86400000000000ULL,
	   "for 24h");
	ok(!fr_expr_parse("cpu.sys > 45.000000000000000%", &e, &err) && c->threshold == 45,
	   "trailing zeros do not count as decimals");
	ok(!fr_expr_parse("cpu.sys > -0", &e, &err) && c->threshold == 0 &&
	   !strcmp(e.text, "cpu.sys > 0%"), "-0 is 0");

	ok(!fr_expr_parse("cpu.sys > 45% and io.util >= 90 and events.oom", &e, &err) &&
	   e.n == 3 && !strcmp(e.conds[1].name, "io.util") &&
	   e.conds[1].cmp == FR_CMP_GE && e.conds[1].threshold == 90 &&
	   !strcmp(e.conds[2].name, "events.oom") && e.conds[2].cmp == FR_CMP_GT,
	   "three conditions joined with 'and'");
	ok(!fr_expr_parse("events.crash and events.oom and events.crash and events.oom and "
			  "events.crash and events.oom and events.crash and events.oom",
			  &e, &err) && e.n == FR_EXPR_MAX_CONDS,
	   "%d conditions", FR_EXPR_MAX_CONDS);
}

static void test_text(void)
{
	good("cpu.sys > 45%", "cpu.sys > 45%");
	good("  cpu.sys\t>\n45   and\tevents.crash  ", "cpu.sys > 45% and events.crash > 0");
	good("memburst.anon rises 1GB in 10s for 5s", "memburst.anon rises 1GB in 10s for 5s");
	good("memburst.anon rises 1024 MB in 10000ms for 5000 ms",
	     "memburst.anon rises 1GB in 10s for 5s");
	good("memburst.anon > 1536MB", "memburst.anon > 1.5GB");
	good("memburst.anon > 1025B", "memburst.anon > 1025B");
	good("memburst.rate > 200MiB/s", "memburst.rate > 200MB/s");
	good("runqueue.p99 > 1500us for 90s", "runqueue.p99 > 1.5ms for 90s");
	good("runqueue.p99 > 0.25s for 0.25s", "runqueue.p99 > 250ms for 250ms");
	good("cpu.sys > 45% for 120s", "cpu.sys > 45% for 2m");
	good("cpu.sys > 45% for 0s", "cpu.sys > 45%");
	good("cpu.sys rises 20 in 1.5m", "cpu.sys rises 20% in 90s");
	good("events.crash>0", "events.crash > 0");
	good("cpu.sys>45%and io.util>3", "cpu.sys > 45% and io.util > 3%");
	good("memburst.anon > 0.3GB", "memburst.anon > 0.3GB");
	good("memburst.anon > 512KiB", "memburst.anon > 512KB");
	good("memburst.anon > 0.5KB", "memburst.anon > 512B");
	good("memburst.anon > 0GB", "memburst.anon > 0B");
	good("dstate.load >= 2.50", "dstate.load >= 2.5");
	good("psi.memory.some > 12.123456789", "psi.memory.some > 12.123456789%");
}

static void test_round_trip(void)
{
	static const char *const srcs[] = {
		"cpu.sys > 45%",
		"memburst.anon rises 1GB in 10s for 5s",
		"events.crash",
		"events.crash for 1ns",
		"cpu.iowait <= 0.000000001",
		"io.await >= 12.345678912ms for 1h",
		"runqueue.max < 0.001ns",
		"runqueue.max < 999999999.999999999s",
		"memburst.anon > 1.000000001KB",
		"memburst.anon > 0.000000003MB",
		"memburst.anon > 909494.701772928TB",
		"memburst.rate rises 0.000000001B/s in 1s",
		"memburst.rate > 123456.789MiB/s for 86399999999999ns",
		"dstate.tasks > 1000000000000000000",
		"dstate.load > 123456789.123456789",
		"cpu.sys rises 99.999999999% in 0.999999999h",
	};

	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++)
		round_trip(srcs[i]);
}

static void test_fmt(void)
{
	fmt(FR_KIND_PERCENT, 45, "45%");
	fmt(FR_KIND_PERCENT, 45.2, "45.2%");
	fmt(FR_KIND_PERCENT, 45.04, "45%");
	fmt(FR_KIND_PERCENT, 100, "100%");
	fmt(FR_KIND_TIME, 12.3e6, "12.3ms");
	fmt(FR_KIND_TIME, 1.234e6, "1.23ms");
	fmt(FR_KIND_TIME, 5e9, "5s");
	fmt(FR_KIND_TIME, 250e3, "250us");
	fmt(FR_KIND_TIME, 42, "42ns");
	fmt(FR_KIND_TIME, 0, "0ns");
	fmt(FR_KIND_TIME, 999.7e3, "1ms");
	fmt(FR_KIND_TIME, 7200e9, "7200s");
	fmt(FR_KIND_BYTES, 1.5 * (1 << 30), "1.5GB");
	fmt(FR_KIND_BYTES, 512.0 * (1 << 20), "512MB");
	fmt(FR_KIND_BYTES, 100 * 1024, "100KB");
	fmt(FR_KIND_BYTES, 10, "10B");
	fmt(FR_KIND_BYTES, 1023.9 * 1024, "1MB");
	fmt(FR_KIND_BYTES, 3.0 * (1ULL << 40), "3TB");
	fmt(FR_KIND_RATE, 120.0 * (1 << 20), "120MB/s");
	fmt(FR_KIND_RATE, 200, "200B/s");
	fmt(FR_KIND_COUNT, 3, "3");
	fmt(FR_KIND_COUNT, 2.54, "2.5");
	fmt(FR_KIND_COUNT, 0, "0");
	fmt(FR_KIND_COUNT, 1e17, "100000000000000000");

	ok(!strcmp(fr_cmp_name(FR_CMP_GT), ">") && !strcmp(fr_cmp_name(FR_CMP_GE), ">=") &&
	   !strcmp(fr_cmp_name(FR_CMP_LT), "<") && !strcmp(fr_cmp_name(FR_CMP_LE), "<="),
	   "comparison names");
	ok(fr_cmp_holds(FR_CMP_GT, 46, 45) && !fr_cmp_holds(FR_CMP_GT, 45, 45) &&
	   fr_cmp_holds(FR_CMP_GE, 45, 45) && !fr_cmp_holds(FR_CMP_GE, 44, 45) &&
	   fr_cmp_holds(FR_CMP_LT, 44, 45) && !fr_cmp_holds(FR_CMP_LT, 45, 45) &&
	   fr_cmp_holds(FR_CMP_LE, 45, 45) && !fr_cmp_holds(FR_CMP_LE, 46, 45),
	   "comparisons hold when they should");
}

static void test_errors(void)
{
	char many[600], longname[120];

	/* unknown metrics, with a suggestion when one is close */
	bad_at("cpu.sy > 45%", 0, 6, "unknown metric 'cpu.sy' (did you mean cpu.sys?)");
	ok(!strcmp(err.msg, "unknown metric 'cpu.sy' (did you mean cpu.sys?)") && err.name,
	   "the whole message for an unknown metric, about a name");
	bad("runqueue.p95 > 5ms", "runqueue.p95", "(did you mean runqueue.p99?)");
	bad("cpu.system > 45%", "cpu.system", "(did you mean cpu.sys?)");
	bad("CPU.SYS > 45%", "CPU.SYS", "(did you mean cpu.sys?)");
	bad("cpu > 45%", "cpu", "unknown metric 'cpu' (did you mean cpu.sys?)");
	bad("bogus > 1", "bogus", "unknown metric 'bogus'");
	ok(!strcmp(err.msg, "unknown metric 'bogus'"), "no suggestion when none is close");
	memset(longname, 'a', 100);
	longname[100] = 0;
	bad_at(longname, 0, 100, "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
	bad("45 > cpu.sys", "45", "expected a metric name, e.g. cpu.sys, not '45'");
	bad("and cpu.sys > 4", "and", "expected a metric name");
	bad("rises > 4", "rises", "not 'rises'");
	bad("> 4", ">", "expected a metric name");

	/* units of the wrong kind, or none where one is needed */
	bad("cpu.sys > 45ms", "ms", "cpu.sys is a percentage: write e.g. 45%");
	bad("cpu.sys > 45 xx", "xx", "unknown unit 'xx'; cpu.sys is a percentage: write e.g. 45%");
	bad("runqueue.p99 > 5", "5",
	    "runqueue.p99 is a time: give it a unit, ns, us, ms or s (e.g. 5ms)");
	ok(!err.name, "a unit error is not about a name");
	bad("runqueue.p99 > 5%", "%", "runqueue.p99 is a time: use ns, us, ms or s, e.g. 5ms");
	bad("runqueue.p99 > 5m", "m", "runqueue.p99 is a time");
	bad("runqueue.p99 > 5MS", "MS", "unknown unit 'MS'; runqueue.p99 is a time");
	bad("memburst.anon > 100", "100",
	    "memburst.anon is a size: give it a unit, B, KB, MB, GB or TB (e.g. 1GB)");
	bad("memburst.anon > 1GB/s", "GB/s", "memburst.anon is a size, not a rate");
	bad("memburst.anon > 1XB", "XB", "unknown unit 'XB'; memburst.anon is a size");
	bad("memburst.anon > 1ms", "ms", "memburst.anon is a size: use B, KB, MB, GB or TB");
	bad("memburst.rate > 200MB", "MB",
	    "memburst.rate is a rate: use B/s, KB/s, MB/s, GB/s or TB/s, e.g. 200MB/s");
	bad("memburst.rate > 200", "200", "memburst.rate is a rate: give it a unit, B/s, KB/s, "
	    "MB/s, GB/s or TB/s (e.g. 200MB/s)");
	bad("memburst.rate > 200MB/h", "MB/h", "unknown unit 'MB/h'; memburst.rate is a rate");
	bad("events.crash > 3%", "%", "events.crash is a count: write a plain number, e.g. 3");
	bad("events.crash > 3 x", "x", "unknown unit 'x'; events.crash is a count");

	/* the comparison or the value missing */
	bad("cpu.sys", NULL, "expected a comparison (>, >=, <, <=) or 'rises' after 'cpu.sys'");
	bad("cpu.sys 45%", "45%", "expected a comparison (>, >=, <, <=) or 'rises' after");
	bad("cpu.sys and events.crash", "and", "expected a comparison");
	bad("cpu.sys for 5s", "for", "expected a comparison");
	bad("cpu.sys >", NULL, "expected a value for cpu.sys, e.g. 45%");
	bad("cpu.sys > and", "and", "expected a value for cpu.sys, e.g. 45%, not 'and'");
	bad("memburst.anon rises in 10s", "in", "expected a value for memburst.anon, e.g. 1GB");

	/* numbers */
	bad("cpu.sys > 4.5.1%", "4.5.1%", "bad number '4.5.1%'");
	bad("cpu.sys > 1e3", "1e3", "bad number '1e3': write plain decimals");
	bad("cpu.sys > .5", ".5", "bad number");
	bad("cpu.sys > 5.", "5.", "bad number");
	bad("cpu.sys > 5.%", "5.%", "bad number");
	bad("cpu.sys > 1.1234567891%", "1.1234567891", "too many decimals (at most 9)");
	bad("dstate.tasks > " BIG, BIG, "number too long (at most 40 characters)");
	bad("dstate.tasks > 2000000000000000000", "2000000000000000000", "too large");
	bad("memburst.anon > 1000000TB", "1000000TB", "too large");
	bad("cpu.sys > -5%", "-5%", "cpu.sys cannot be negative");
	bad("cpu.sys > - 5%", "-", "unexpected character '-'");
	bad("cpu.sys > 101%", "101%", "cpu.sys is a percentage: at most 100%");
	bad("cpu.sys > 100.000000001", "100.000000001", "at most 100%");
	bad("cpu.sys rises 0% in 5s", "0%", "a rise must be more than 0");
	bad("cpu.sys rises -1% in 5s", "-1%", "a rise must be more than 0");
	bad("cpu.sys rises 120% in 5s", "120%", "at most 100%");

	/* rises, in, for */
	bad("memburst.anon rises 1GB", NULL, "'rises' needs a window: add e.g. 'in 10s'");
	bad("memburst.anon rises 1GB for 5s", "for", "'rises' needs a window");
	bad("memburst.anon rises 1GB in", NULL, "expected a duration after 'in', e.g. 10s");
	bad("memburst.anon rises 1GB in for 5s", "for", "expected a duration after 'in'");
	bad("memburst.anon rises 1GB in 10", "10",
	    "a duration needs a unit: ns, us, ms, s, m or h (e.g. 5s)");
	bad("memburst.anon rises 1GB in 0s", "0s", "the window must be longer than 0");
	bad("memburst.anon rises 1GB in 0.1ns", "0.1ns", "the window must be longer than 0");
	bad("memburst.anon rises 1GB in 10s in 5s", "in", "'in' is given twice");
	bad_at("cpu.sys > 45% for 5", 18, 1, "a duration needs a unit: ns, us, ms, s, m or h");
	bad("memburst.anon rises 1GB in 500ms", "500ms", "a rise is measured over 1s to 1h");
	bad("memburst.anon rises 1GB in 0.999999999s", "0.999999999s",
	    "a rise is measured over 1s to 1h");
	bad("memburst.anon rises 1GB in 61m", "61m", "a rise is measured over 1s to 1h");
	bad("memburst.anon rises 1GB in 25h", "25h", "durations are limited to 24h");
	bad("cpu.sys > 45% for +5s", "+5s", "a duration has no sign");

	/* a signed value is a change against a baseline: not in --when */
	bad("cpu.sys > +20%", "+", "a threshold has no sign: write e.g. 45%");
	bad("runqueue.p99 > +5ms", "+", "a threshold has no sign: write e.g. 5ms");
	bad("cpu.sys rises +20% in 5s", "+", "a rise has no sign: write e.g. 'rises 45% in 10s'");
	bad("cpu.sys > + 5%", "+", "unexpected character '+'");
	bad("cpu.sys > 45% for", NULL, "expected a duration after 'for', e.g. 5s");
	bad("cpu.sys > 45% for 5x", "x", "unknown duration unit 'x': use ns, us, ms, s, m or h");
	bad("cpu.sys > 45% for 5S", "S", "unknown duration unit 'S'");
	bad("cpu.sys > 45% for -5s", "-5s", "a duration cannot be negative");
	bad("cpu.sys > 45% for 1441m", "1441m", "durations are limited to 24h");
	bad("cpu.sys > 45% for 24.000000001h", "24.000000001h", "limited to 24h");
	bad("cpu.sys > 45% for 5s for 3s", "for", "'for' is given twice");
	bad("cpu.sys > 45% in 10s", "in", "'in' goes with 'rises'");

	/* joining */
	bad("cpu.sys > 45% and", NULL, "expected a condition after 'and'");
	bad("cpu.sys > 45% and  ", NULL, "expected a condition after 'and'");
	bad_at("cpu.sys > 45% and and io.util > 3", 18, 3, "expected a metric name, e.g. cpu.sys, "
	       "not 'and'");
	snprintf(many, sizeof(many), "events.crash");
	for (int i = 0; i < FR_EXPR_MAX_CONDS - 1; i++)
		strcat(many, " and events.crash");
	strcat(many, " and events.oom > 1");
	bad(many, "events.oom", "too many conditions (at most 8)");
	bad("cpu.sys > 45% cpu.user > 3", "cpu.user", "expected 'and' or the end, not 'cpu.user'");
	bad("cpu.sys > 45% 3", "3", "expected 'and' or the end, not '3'");
	bad_at("cpu.sys > 45% > 3", 14, 1, "one comparison per condition");
	bad("cpu.sys > 45% or io.util > 3", "or", "'or' is not supported");
	bad("cpu.sys > 45% AND io.util > 3", "AND", "write 'and' in lower case");
	bad("cpu.sys > 45% && io.util > 3", "&&", "join conditions with 'and'");
	bad("cpu.sys > (45%)", "(", "parentheses are not supported");

	/* empty, operators, odd bytes */
	bad_at("", 0, 1, "empty expression");
	bad_at("   ", 3, 1, "empty expression");
	bad("cpu.sys = 45", "=", "unknown operator '=': compare with >, >=, < or <=");
	bad("cpu.sys == 45", "==", "unknown operator '=='");
	bad("cpu.sys => 45", "=>", "unknown operator '=>'");
	bad("cpu.sys != 45", "!=", "unknown operator '!='");
	bad("cpu.sys > 45% @", "@", "unexpected character '@'");
	bad("cpu.sys > 45%%", "%", "unexpected character '%'");
	bad("cpu.sys > 45%\x01", "\x01", "unexpected byte 0x01");
	bad("cpu.sys > 45% \xc3\xa9", "\xc3", "unexpected byte 0xc3");
	bad("cpu.sys\t>\t45 xx", "xx", "unknown unit 'xx'");
	bad("cpu.sys\x7f > 45", "\x7f", "unexpected byte 0x7f");
	ok(fr_expr_parse(NULL, &e, NULL) == -EINVAL, "NULL source and error are survived");
}

#define EXAMPLE_LINE \
	"  e.g. --when 'cpu.sys > 45%' or --when 'memburst.anon rises 1GB in 10s for 5s'\n"

static void test_print(void)
{
	printed("cpu.sys > 45 xx",
		"bad --when: unknown unit 'xx'; cpu.sys is a percentage: write e.g. 45%\n"
		"  cpu.sys > 45 xx\n"
		"               ^^\n"
		EXAMPLE_LINE);
	printed("cpu.sys >",
		"bad --when: expected a value for cpu.sys, e.g. 45%\n"
		"  cpu.sys >\n"
		"           ^\n"
		EXAMPLE_LINE);
	printed("cpu.sy\t> 45",
		"bad --when: unknown metric 'cpu.sy' (did you mean cpu.sys?)\n"
		"  cpu.sy > 45\n"
		"  ^^^^^^\n"
		"  every metric: flightrec trigger --list\n"
		EXAMPLE_LINE);
	printed("cpu.sys\t>\t45\x01",
		"bad --when: unexpected byte 0x01\n"
		"  cpu.sys > 45?\n"
		"              ^\n"
		EXAMPLE_LINE);
	printed("",
		"bad --when: empty expression: give a condition, e.g. cpu.sys > 45%\n"
		"  \n"
		"  ^\n"
		EXAMPLE_LINE);
	/* a long message is wrapped within 80 columns, four columns in */
	printed("memburst.rate > 100",
		"bad --when: memburst.rate is a rate: give it a unit, B/s, KB/s, MB/s, GB/s or\n"
		"    TB/s (e.g. 200MB/s)\n"
		"  memburst.rate > 100\n"
		"                  ^^^\n"
		EXAMPLE_LINE);
}

int main(void)
{
	test_parse();
	test_text();
	test_round_trip();
	test_fmt();
	test_errors();
	test_print();
	return tap_done();
}
