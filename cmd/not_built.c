/* not_built.c: the commands of the design that this version does not have
 * yet say so, clearly and with the usage exit code. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int cmd_not_built(int argc, char **argv)
{
	const char *name = strchr(argv[0], ' ') ? strchr(argv[0], ' ') + 1 : argv[0];

	(void)argc;
	fprintf(stderr, "flightrec: '%s' is not built yet in this version of flightrec.\n"
			"Available now: record, trigger, dump, stats. See 'flightrec --help'.\n", name);
	return FR_EXIT_USAGE;
}
