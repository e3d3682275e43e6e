/* log.h: the one way flightrec talks to the user on stderr. */
#ifndef FR_LOG_H
#define FR_LOG_H

#include <stdbool.h>

enum fr_verbosity { FR_QUIET = -1, FR_NORMAL = 0, FR_VERBOSE = 1, FR_DEBUG = 2 };

extern int fr_verbosity;

/* "flightrec: error: ..." / "flightrec: warning: ..." */
void fr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* informational, hidden by -q */
void fr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* only with -v */
void fr_vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
