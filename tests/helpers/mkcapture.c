/* mkcapture.c: write a synthetic capture with known contents for the CLI
 * tests: mkcapture FILE [PAIRS] [--no-end]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/util.h"
#include "../unit/synth.h"

int main(int argc, char **argv)
{
	unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
	bool end = !(argc > 3 && !strcmp(argv[3], "--no-end"));
	int fd, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: mkcapture FILE [PAIRS] [--no-end]\n");
		return 2;
	}
	fd = fr_create_private(argv[1], true);
	if (fd < 0) {
		fprintf(stderr, "mkcapture: %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	ret = synth_write(fd, n, end);
	if (ret) {
		fprintf(stderr, "mkcapture: %s\n", strerror(-ret));
		return 1;
	}
	printf("%u\n", synth_count(n));
	return 0;
}
