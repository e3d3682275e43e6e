/* churn.c: the soak's workload: for a given time, start short-lived
 * processes (fork and exec of /bin/true, reaped at once), start and join
 * threads, and make system calls, each paced to its own rate, and, when
 * asked, let a child crash now and then. Writes the
 * counts so far to --progress once a second and prints them at the end. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t stop;
static unsigned long long syscalls_made;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void *thread_body(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++)
		syscall(SYS_getppid);
	return NULL;
}

struct pace {
	double rate;
};

/* getppid at the rate asked, in 1 ms slices */
static void *syscall_loop(void *arg)
{
	const struct pace *p = arg;
	double t0 = now_s();

	while (!stop) {
		double due = (now_s() - t0) * p->rate;

		while (syscalls_made < due && !stop) {
			syscall(SYS_getppid);
			__atomic_add_fetch(&syscalls_made, 1, __ATOMIC_RELAXED);
		}
		usleep(1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = 60, procs_rate = 300, threads_rate = 100, sys_rate = 20000, crash_every = 0;
	unsigned long long crashes = 0;
	const char *progress = NULL;
	unsigned long long procs = 0, threads = 0, spawn_failed = 0;
	struct pace sp;
	pthread_t st;
	double t0, last_progress = 0;
	char *const targv[] = { "true", NULL };

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--procs-per-s"))
			procs_rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads-per-s"))
			threads_rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--syscalls-per-s"))
			sys_rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--crash-every"))
			crash_every = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--progress"))
			progress = argv[i + 1];
		else {
			fprintf(stderr, "usage: churn [--seconds S] [--procs-per-s R] [--threads-per-s R] "
				"[--syscalls-per-s R] [--crash-every S] [--progress FILE]\n");
			return 2;
		}
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	sp.rate = sys_rate;
	if (sys_rate > 0 && pthread_create(&st, NULL, syscall_loop, &sp)) {
		perror("pthread_create");
		return 1;
	}
	t0 = now_s();
	while (!stop) {
		double t = now_s() - t0;

		if (t >= seconds)
			break;
		while (procs < t * procs_rate && !stop) {
			pid_t pid;

			if (posix_spawn(&pid, "/bin/true", NULL, NULL, targv, environ)) {
				spawn_failed++;
				break;
			}
			procs++;
			/* reaped at once: the mix holds no zombies */
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		/* now and then a child killed by SIGSEGV: something for an armed
		 * trigger to fire on */
		if (crash_every > 0 && t >= (crashes + 1) * crash_every) {
			pid_t pid = fork();

			if (pid == 0) {
				struct rlimit rl = { 0, 0 };

				setrlimit(RLIMIT_CORE, &rl);
				raise(SIGSEGV);
				_exit(1);
			}
			if (pid > 0)
				while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
					;
			crashes++;
		}
		while (threads < t * threads_rate && !stop) {
			pthread_t th;

			if (pthread_create(&th, NULL, thread_body, NULL))
				break;
			pthread_join(th, NULL);
			threads++;
		}
		if (progress && t - last_progress >= 1) {
			char tmp[4096];
			FILE *f;

			snprintf(tmp, sizeof(tmp), "%s.tmp", progress);
			f = fopen(tmp, "w");
			if (f) {
				fprintf(f, "%llu %llu %llu\n", procs, threads,
					__atomic_load_n(&syscalls_made, __ATOMIC_RELAXED));
				fclose(f);
				rename(tmp, progress);
			}
			last_progress = t;
		}
		usleep(2000);
	}
	stop = 1;
	if (sys_rate > 0)
		pthread_join(st, NULL);
	printf("procs %llu threads %llu syscalls %llu spawn_failed %llu crashes %llu seconds %.1f\n", procs,
	       threads, syscalls_made, spawn_failed, crashes, now_s() - t0);
	return 0;
}
