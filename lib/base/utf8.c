/* utf8.c: UTF-8 validation for JSON output. */
#include <stdint.h>
#include <string.h>

#include "base/utf8.h"

size_t fr_utf8_len(const unsigned char *s, size_t n)
{
	size_t need;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) { need = 2; cp = s[0] & 0x1f; }
	else if ((s[0] & 0xf0) == 0xe0) { need = 3; cp = s[0] & 0x0f; }
	else if ((s[0] & 0xf8) == 0xf0) { need = 4; cp = s[0] & 0x07; }
	else return 0;
	if (need > n)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

void fr_utf8_sanitize(char *s)
{
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t l = fr_utf8_len((unsigned char *)s + i, n - i);

		if (l) {
			i += l;
		} else {
			s[i++] = '?';
		}
	}
}

void fr_json_sanitize(cJSON *j)
{
	for (; j; j = j->next) {
		fr_utf8_sanitize(j->string);
		if (cJSON_IsString(j))
			fr_utf8_sanitize(j->valuestring);
		fr_json_sanitize(j->child);
	}
}
