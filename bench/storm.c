/* storm.c: a known number of events on every CPU. One child per CPU,
 * pinned to it, makes getppid system calls (two events each: enter and
 * exit), either flat out or paced to a rate, for a duration. Prints the
 * number of getppid calls made in all, and the seconds it took.
 *
 *   storm [--rate EVENTS_PER_SECOND] [--seconds S] [--cpus N]
 *
 * Its other system calls (fork, affinity, sleeps for pacing, pipes, wait)
 * are few; a caller that needs an exact total counts them in a calibration
 * run. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* getppid calls until the deadline; paced: per_ms calls each millisecond */
static uint64_t run(uint64_t end, long per_ms)
{
	uint64_t calls = 0, tick = now_ns();

	while (now_ns() < end) {
		long k = per_ms > 0 ? per_ms : 1000;

		for (long i = 0; i < k; i++)
			syscall(SYS_getppid);
		calls += k;
		if (per_ms > 0) {
			struct timespec ts;

			tick += 1000000;
			ts.tv_sec = tick / 1000000000ULL;
			ts.tv_nsec = tick % 1000000000ULL;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
	}
	return calls;
}

int main(int argc, char **argv)
{
	double rate = 0, seconds = 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int fds[2];
	uint64_t total = 0, start, end;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rate"))
			rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--cpus"))
			cpus = atol(argv[i + 1]);
		else {
			fprintf(stderr, "usage: storm [--rate EVENTS/S] [--seconds S] [--cpus N]\n");
			return 2;
		}
	}
	if (pipe(fds))
		return 1;
	start = now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	for (long c = 0; c < cpus; c++) {
		pid_t p = fork();

		if (p == 0) {
			cpu_set_t set;
			/* events per second per CPU / 2 events per call / 1000 ms */
			long per_ms = rate > 0 ? (long)(rate / cpus / 2 / 1000) : 0;
			uint64_t calls;

			CPU_ZERO(&set);
			CPU_SET(c, &set);
			sched_setaffinity(0, sizeof(set), &set);
			calls = run(end, per_ms);
			if (write(fds[1], &calls, sizeof(calls)) != sizeof(calls))
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (long c = 0; c < cpus; c++) {
		uint64_t calls;

		if (read(fds[0], &calls, sizeof(calls)) == sizeof(calls))
			total += calls;
		wait(NULL);
	}
	printf("%llu %.3f\n", (unsigned long long)total, (now_ns() - start) / 1e9);
	return 0;
}
