/* fuzz_expr.c: libFuzzer harness for the one parser of conditions
 * (base/cond.c), with both grammars that use it: trigger --when and stats
 * --fail-if. Any bytes must parse or be refused without a crash or an
 * out-of-bounds read; what parses must format to text that parses back to
 * the same conditions; what is refused must print its error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cond.h"
#include "detect/expr.h"
#include "report/gate.h"

static bool near(double a, double b)
{
	double d = a > b ? a - b : b - a, m = a > 0 ? a : -a;

	return d <= 1e-6 * m;
}

static bool same(const struct fr_cond *a, const struct fr_cond *b)
{
	return a->metric == b->metric && a->kind == b->kind && !strcmp(a->name, b->name) &&
	       a->rise == b->rise && a->change == b->change && a->cmp == b->cmp &&
	       near(a->threshold, b->threshold) && a->window_ns == b->window_ns &&
	       a->for_ns == b->for_ns;
}

static void one(const struct fr_grammar *g, const char *src, FILE *sink)
{
	static struct fr_expr e, again;
	struct fr_expr_error err;
	char buf[256];

	if (fr_cond_parse(g, src, &e, &err)) {
		if (err.pos > strlen(src) || !err.len || !err.msg[0])
			abort();
		fr_cond_print_error(sink, g, "fuzz", src, &err);
		return;
	}
	if (!e.n || e.n > FR_EXPR_MAX_CONDS || (!(g->forms & FR_FORM_AND) && e.n != 1))
		abort();
	for (unsigned i = 0; i < e.n; i++) {
		char v[32];

		fr_cond_format(&e.conds[i], buf, sizeof(buf));
		if (fr_cond_parse(g, buf, &again, &err)) {
			fprintf(stderr, "'%s' from '%s' does not parse: %s\n", buf, src, err.msg);
			abort();
		}
		if (again.n != 1 || !same(&e.conds[i], &again.conds[0])) {
			fprintf(stderr, "'%s' from '%s' reads back differently\n", buf, src);
			abort();
		}
		fr_fmt_value(e.conds[i].kind, e.conds[i].threshold, v, sizeof(v));
	}
	/* the normalised text is an expression too, and normal already */
	if (fr_cond_parse(g, e.text, &again, &err) || again.n != e.n || strcmp(again.text, e.text)) {
		fprintf(stderr, "'%s' from '%s' is not normal\n", e.text, src);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	char *src;

	if (!sink)
		sink = fopen("/dev/null", "w");
	src = malloc(size + 1);
	memcpy(src, data, size);
	src[size] = 0;
	one(&fr_when_grammar, src, sink);
	one(&fr_gate_grammar, src, sink);
	free(src);
	return 0;
}
