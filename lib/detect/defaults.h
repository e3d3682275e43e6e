/* defaults.h: the expressions trigger arms when no --when is given: signs
 * of trouble, not of a busy machine, each with what it catches and how
 * soon it fires (trigger --list and flightrec-trigger(8) say both). */
#ifndef FR_DEFAULTS_H
#define FR_DEFAULTS_H

#include "detect/expr.h"

struct fr_default_when {
	const char *when;	/* the expression */
	const char *catches;	/* what it is a sign of */
	const char *fires;	/* how soon after the trouble starts it fires */
};

extern const struct fr_default_when fr_default_when[];
extern const unsigned fr_default_when_n;

/* Parse the default set into exprs (src: their text), leaving out those
 * whose detector cannot run on this kernel (said with -v). The number
 * armed, or -EINVAL (printed) should one not parse. */
int fr_default_exprs(struct fr_expr *exprs, const char **src, unsigned max);

#endif
