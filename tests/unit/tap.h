/* tap.h: a minimal TAP producer for the C unit tests; tests/run.sh counts
 * its "ok" / "not ok" lines. */
#ifndef FR_TAP_H
#define FR_TAP_H

#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                        \
	do {                                                                 \
		int ok_ = !!(cond);                                          \
		printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);            \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
		if (!ok_) {                                                  \
			tap_failed++;                                        \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                            \
	} while (0)

#define is_u(got, want, ...)                                                 \
	do {                                                                 \
		unsigned long long g_ = (got), w_ = (want);                  \
		ok(g_ == w_, __VA_ARGS__);                                   \
		if (g_ != w_)                                                \
			printf("#   got %llu, want %llu\n", g_, w_);            \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
