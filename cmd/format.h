/* format.h: a command's output formats are rows of one table, looked up
 * by name; each row starts with its name and help, so that --help and the
 * error for a bad --format list the rows there are. */
#ifndef FR_FORMAT_H
#define FR_FORMAT_H

#include <argp.h>
#include <stddef.h>

struct fr_format_name {
	const char *name;
	const char *help;	/* shown in parentheses after the name; may be NULL */
};

/* A table of n rows of stride bytes, each starting with its name. */
struct fr_format_table {
	const void *rows;
	size_t n, stride;
};

#define FR_FORMAT_TABLE(arr) { (arr), sizeof(arr) / sizeof((arr)[0]), sizeof((arr)[0]) }

/* "Output format: text (default), json or prometheus" into buf. */
const char *fr_format_help(const struct fr_format_table *t, char *buf, size_t len);
/* The row named arg; a usage error naming the formats when there is none. */
const void *fr_format_opt(struct argp_state *state, const struct fr_format_table *t, const char *arg);

#endif
