/* utf8.h: keep JSON output valid UTF-8 whatever bytes a capture holds. */
#ifndef FR_UTF8_H
#define FR_UTF8_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if the
 * bytes there are not one. */
size_t fr_utf8_len(const unsigned char *s, size_t n);

/* Replace every byte of an invalid sequence in s with '?', in place. */
void fr_utf8_sanitize(char *s);

/* Replace every byte of an invalid sequence in the tree's strings and keys
 * with '?', in place. NULL is allowed. */
void fr_json_sanitize(cJSON *j);

#endif
