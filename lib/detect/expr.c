/* expr.c: trigger's grammar for --when: its metrics looked up by name, with
 * a "did you mean", and every form of the shared grammar (base/cond.c). */
#include <errno.h>
#include <string.h>

#include "detect/expr.h"

static int lookup(const char *name, size_t len, struct fr_cond *c, struct fr_expr_error *err)
{
	const struct fr_metric_def *m = fr_metric_find(name, len), *hint;

	if (!m) {
		hint = fr_metric_suggest(name, len);
		return fr_cond_unknown(err, "metric", name, len, hint ? hint->name : NULL);
	}
	c->metric = fr_metric_id(m);
	c->kind = m->kind;
	snprintf(c->name, sizeof(c->name), "%s", m->name);
	return 0;
}

const struct fr_grammar fr_when_grammar = {
	.option = "--when",
	.forms = FR_FORM_AND | FR_FORM_FOR | FR_FORM_RISES | FR_FORM_BARE,
	/* samples are a second apart, and an hour of them is kept at most */
	.window_min_ns = 1000000000ULL,
	.window_max_ns = 3600ULL * 1000000000ULL,
	.window_help = "a rise is measured over 1s to 1h",
	.lookup = lookup,
	.example = "cpu.sys > 45%",
	.names_help = "every metric: flightrec trigger --list",
	.examples = "e.g. --when 'cpu.sys > 45%' or --when 'memburst.anon rises 1GB in 10s for 5s'",
};

int fr_expr_parse(const char *src, struct fr_expr *e, struct fr_expr_error *err)
{
	return fr_cond_parse(&fr_when_grammar, src, e, err);
}

void fr_expr_print_error(FILE *f, const char *prog, const char *src,
			 const struct fr_expr_error *err)
{
	fr_cond_print_error(f, &fr_when_grammar, prog, src, err);
}
