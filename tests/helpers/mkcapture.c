/* mkcapture.c: write a synthetic capture with known contents for the CLI
 * tests: mkcapture FILE [PAIRS] [--no-end], or a ring file:
 * mkcapture --ring MAX_BYTES SEGMENTS PAIRS_PER_SEGMENT FILE [--no-end]
 * (prints the events left in it), or a command a recorder started that
 * execs and forks K children, a vfork and a thread (synth_exec_write):
 * mkcapture --exec FILE K [--renames]. Prints the number of events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "../unit/synth.h"

int main(int argc, char **argv)
{
	unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
	bool end = !(argc > 3 && !strcmp(argv[3], "--no-end"));
	int fd, ret;

	if (argc >= 6 && !strcmp(argv[1], "--ring")) {
		struct fr_ringfile rf;

		fd = fr_create_private(argv[5], true);
		if (fd < 0) {
			fprintf(stderr, "mkcapture: %s: %s\n", argv[5], strerror(-fd));
			return 1;
		}
		ret = synth_ring_write(fd, strtoull(argv[2], NULL, 0), atoi(argv[3]), atoi(argv[4]),
				       !(argc > 6 && !strcmp(argv[6], "--no-end")), &rf);
		if (ret) {
			fprintf(stderr, "mkcapture: %s\n", strerror(-ret));
			return 1;
		}
		printf("%llu\n", (unsigned long long)(rf.stored - rf.overwritten));
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "--exec")) {
		fd = fr_create_private(argv[2], true);
		if (fd < 0) {
			fprintf(stderr, "mkcapture: %s: %s\n", argv[2], strerror(-fd));
			return 1;
		}
		ret = synth_exec_write(fd, (unsigned)atoi(argv[3]),
				       argc > 4 && !strcmp(argv[4], "--renames"));
		if (ret < 0) {
			fprintf(stderr, "mkcapture: %s\n", strerror(-ret));
			return 1;
		}
		printf("%d\n", ret);
		return 0;
	}
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
