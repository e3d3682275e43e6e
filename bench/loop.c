/* loop.c: the per-event overhead workload: N getppid system calls in one
 * thread, timed around the loop. Prints "NS_PER_CALL CPU_NS_PER_CALL". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	double t0, t1, c0, c1;

	if (n <= 0) {
		fprintf(stderr, "usage: loop N\n");
		return 2;
	}
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);	/* raw: never cached by libc */
	c1 = now(CLOCK_PROCESS_CPUTIME_ID);
	t1 = now(CLOCK_MONOTONIC);
	printf("%.1f %.1f\n", (t1 - t0) / n, (c1 - c0) / n);
	return 0;
}
