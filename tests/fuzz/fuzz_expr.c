/* fuzz_expr.c: libFuzzer harness for the --when expression parser: any
 * bytes must parse or be refused without a crash or an out-of-bounds read;
 * what parses must format to text that parses back to the same conditions;
 * what is refused must print its error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/expr.h"

static bool near(double a, double b)
{
	double d = a > b ? a - b : b - a, m = a > 0 ? a : -a;

	return d <= 1e-6 * m;
}

static bool same(const struct fr_cond *a, const struct fr_cond *b)
{
	return a->metric == b->metric && a->metric->kind == b->metric->kind &&
	       a->rise == b->rise && a->cmp == b->cmp && near(a->threshold, b->threshold) &&
	       a->window_ns == b->window_ns && a->for_ns == b->for_ns;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	static struct fr_expr e, again;
	struct fr_expr_error err;
	char *src, buf[256];

	if (!sink)
		sink = fopen("/dev/null", "w");
	src = malloc(size + 1);
	memcpy(src, data, size);
	src[size] = 0;
	if (fr_expr_parse(src, &e, &err)) {
		if (err.pos > strlen(src) || !err.len || !err.msg[0])
			abort();
		fr_expr_print_error(sink, src, &err);
		free(src);
		return 0;
	}
	if (!e.n || e.n > FR_EXPR_MAX_CONDS)
		abort();
	for (unsigned i = 0; i < e.n; i++) {
		char v[32];

		fr_cond_format(&e.conds[i], buf, sizeof(buf));
		if (fr_expr_parse(buf, &again, &err)) {
			fprintf(stderr, "'%s' from '%s' does not parse: %s\n", buf, src, err.msg);
			abort();
		}
		if (again.n != 1 || !same(&e.conds[i], &again.conds[0])) {
			fprintf(stderr, "'%s' from '%s' reads back differently\n", buf, src);
			abort();
		}
		fr_fmt_value(e.conds[i].metric->kind, e.conds[i].threshold, v, sizeof(v));
	}
	/* the normalised text is an expression too, and normal already */
	if (fr_expr_parse(e.text, &again, &err) || again.n != e.n || strcmp(again.text, e.text)) {
		fprintf(stderr, "'%s' from '%s' is not normal\n", e.text, src);
		abort();
	}
	free(src);
	return 0;
}
