/* format.c: output formats looked up by name; see format.h. */
#include <stdio.h>
#include <string.h>

#include "format.h"

static const struct fr_format_name *row(const struct fr_format_table *t, size_t i)
{
	return (const void *)((const char *)t->rows + i * t->stride);
}

/* "a, b or c", with each help when with_help */
static void join(const struct fr_format_table *t, int with_help, char *buf, size_t len)
{
	size_t used = strlen(buf);

	for (size_t i = 0; i < t->n && used < len; i++) {
		const struct fr_format_name *f = row(t, i);
		const char *sep = !i ? "" : i + 1 == t->n ? " or " : ", ";

		if (with_help && f->help)
			snprintf(buf + used, len - used, "%s%s (%s)", sep, f->name, f->help);
		else
			snprintf(buf + used, len - used, "%s%s", sep, f->name);
		used += strlen(buf + used);
	}
}

const char *fr_format_help(const struct fr_format_table *t, char *buf, size_t len)
{
	snprintf(buf, len, "Output format: ");
	join(t, 1, buf, len);
	return buf;
}

const void *fr_format_opt(struct argp_state *state, const struct fr_format_table *t, const char *arg)
{
	char names[256] = "";

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(row(t, i)->name, arg))
			return row(t, i);
	join(t, 0, names, sizeof(names));
	argp_error(state, "bad --format '%s': expected %s", arg, names);
	return NULL;
}
