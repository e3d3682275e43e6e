/* cond_impl.h: what the condition parser (cond.c) and its text side
 * (cond_text.c) share: the units and the rounding of thresholds. Not for
 * other files. */
#ifndef FR_COND_IMPL_H
#define FR_COND_IMPL_H

#include <stddef.h>

/* Thresholds above this (in base units) are nonsense for every kind, and
 * keeping them below 2^63 keeps their text short and free of exponents. */
#define FR_COND_MAX_VALUE 1e18
/* A number literal: at most this many significant decimals. The limit
 * keeps strtod exact enough and lets fr_cond_format always write a literal
 * the parser takes back. */
#define FR_COND_MAX_DECIMALS 9

/* Units. Sizes are powers of 1024 whatever the spelling: K, KB and KiB are
 * the same, as everywhere else in flightrec. Largest first. */
struct fr_unit {
	const char *name;
	double mult;
};

extern const struct fr_unit fr_time_units[4];		/* s ms us ns */
extern const struct fr_unit fr_duration_units[6];	/* h m s ms us ns */
extern const struct fr_unit fr_byte_units[5];		/* TB GB MB KB B */

/* A threshold rounded to FR_COND_MAX_DECIMALS decimals of its base unit;
 * see cond.c. */
double fr_cond_canon(double v);

#endif
