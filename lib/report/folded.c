/* folded.c: a trigger capture's profile as collapsed stacks
 * (flamegraph.pl, speedscope, inferno); see export.h. The lines add up to
 * the profile's samples: what the capture holds no stack for is one
 * "[other]" line. */
#include <stdlib.h>
#include <string.h>

#include "report/export.h"
#include "report/model.h"

#define MAX_COUNT 1e15		/* more is a damaged capture */

struct line {
	char *s;
	double count;
};

/* "func+0x1a (file)", "func [mod]" -> "func"; an address (captures made
 * before frames were named by function) -> "[unknown]"; no ';' or spaces */
static void frame(FILE *out, const char *f, const char *suffix)
{
	size_t n = fr_frame_name_len(f);

	if (!n) {
		fprintf(out, ";[unknown]%s", suffix);
		return;
	}
	fputc(';', out);
	for (size_t i = 0; i < n && i < 256; i++) {
		unsigned char ch = f[i];

		fputc(ch == ';' || ch < 0x20 || ch == 0x7f ? '_' : ch, out);
	}
	fputs(suffix, out);
}

static void frames_root_first(FILE *out, const cJSON *arr, const char *suffix)
{
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;

	/* leaf first in the capture: walk backwards (bounded: a stack has at
	 * most a few hundred frames) */
	for (int i = n > 512 ? 511 : n - 1; i >= 0; i--) {
		const cJSON *f = cJSON_GetArrayItem(arr, i);

		frame(out, cJSON_IsString(f) ? f->valuestring : NULL, suffix);
	}
}

/* "comm;root;...;leaf" of one stack, malloc'd; NULL when out of memory. */
static char *stack_line(const cJSON *s)
{
	const char *cm = fr_jstr(s, "comm", "?");
	size_t len = 0;
	char *buf = NULL;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	for (size_t i = 0; cm[i] && i < 16; i++)
		fputc(cm[i] == ';' || cm[i] == ' ' || (unsigned char)cm[i] < 0x20 ? '_' : cm[i], m);
	frames_root_first(m, fr_jget(s, "user"), "");
	frames_root_first(m, fr_jget(s, "kernel"), "_[k]");
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->s, ((const struct line *)b)->s);
}

static int by_count(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->s, y->s);
}

long fr_folded_write(FILE *out, const cJSON *trigger)
{
	const cJSON *p = fr_jget(fr_jget(trigger, "context"), "profile");
	const cJSON *stacks = fr_jget(p, "stacks"), *s;
	int n = cJSON_IsArray(stacks) ? cJSON_GetArraySize(stacks) : 0;
	struct line *l = calloc(n ? n : 1, sizeof(*l));
	double samples = fr_jnum(p, "samples", 0), kept = 0;
	long m = 0, w = 0;

	if (!cJSON_IsArray(stacks) || !l) {
		free(l);
		return -1;
	}
	cJSON_ArrayForEach(s, stacks) {
		double count = fr_jnum(s, "count", 0);

		if (count < 1 || count > MAX_COUNT || m >= n || !(l[m].s = stack_line(s)))
			continue;
		l[m++].count = count;
	}
	/* one line per stack, however the capture spelt its frames */
	qsort(l, m, sizeof(*l), by_text);
	for (long i = 0; i < m; i++) {
		if (w && !strcmp(l[w - 1].s, l[i].s)) {
			l[w - 1].count += l[i].count;
			free(l[i].s);
			continue;
		}
		l[w++] = l[i];
	}
	qsort(l, w, sizeof(*l), by_count);
	for (long i = 0; i < w; i++) {
		fprintf(out, "%s %.0f\n", l[i].s, l[i].count);
		kept += l[i].count;
		free(l[i].s);
	}
	free(l);
	/* the stacks past those kept, and samples counted without one */
	if (samples <= MAX_COUNT && samples - kept >= 1) {
		fprintf(out, "[other] %.0f\n", samples - kept);
		w++;
	}
	return w;
}
