/* frhelper.c: a workload with known ground truth for the BPF tests. It does
 * exactly what its options say and nothing more: K forks that each exec a
 * known binary, N getppid syscalls per thread, in T threads; CPU burnt in
 * burn_cpu() for S seconds per thread; M MiB allocated and touched in
 * touch_memory(); system time burnt in burn_kernel() (reads of /dev/zero);
 * a vfork parent held in D state while its child sleeps; all of it pinned
 * to one CPU when asked. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256

static long getppid_calls, getppid_batch;	/* a 5 ms pause after each batch */

static void die(const char *what)
{
	fprintf(stderr, "frhelper: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void *spin_getppid(void *arg)
{
	(void)arg;
	for (long i = 0; i < getppid_calls; i++) {
		syscall(SYS_getppid);	/* raw syscall: never cached by libc */
		if (getppid_batch && (i + 1) % getppid_batch == 0)
			usleep(5000);
	}
	return NULL;
}

static const char *thread_exec;
static double spin_secs;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* the function a CPU profile must find on top */
__attribute__((noinline)) static unsigned long burn_cpu(double secs)
{
	volatile unsigned long x = 0;
	double end = now_s() + secs;

	while (now_s() < end)
		for (int i = 0; i < 100000; i++)
			x += i;
	return x;
}

static void *spin_thread(void *arg)
{
	(void)arg;
	burn_cpu(spin_secs);
	return NULL;
}

static double sys_secs;

/* the function a profile of a system-time storm must find under the
 * kernel's read_zero: nearly all of its time is in the kernel */
__attribute__((noinline)) static void burn_kernel(double secs)
{
	char *buf = malloc(1 << 20);
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	double end = now_s() + secs;

	if (!buf || fd < 0)
		die("/dev/zero");
	while (now_s() < end)
		if (read(fd, buf, 1 << 20) < 0)
			die("read /dev/zero");
	close(fd);
	free(buf);
}

static void *sys_thread(void *arg)
{
	(void)arg;
	burn_kernel(sys_secs);
	return NULL;
}

/* T threads (this one among them) each run fn */
static void run_threads(long threads, void *(*fn)(void *))
{
	static pthread_t t[MAX_THREADS];

	for (long i = 1; i < threads; i++)
		if (pthread_create(&t[i], NULL, fn, NULL))
			die("pthread_create");
	fn(NULL);
	for (long i = 1; i < threads; i++)
		pthread_join(t[i], NULL);
}

/* the function page-fault stacks must show: mib MiB, evenly over secs */
__attribute__((noinline)) static void touch_memory(long mib, double secs)
{
	long page = sysconf(_SC_PAGESIZE);
	double start = now_s();

	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);

		if (!p)
			die("malloc");
		for (long o = 0; o < (1 << 20); o += page)
			p[o] = 1;
		/* keep to the schedule: i+1 MiB by start + secs * (i+1) / mib */
		while (now_s() < start + secs * (i + 1) / mib)
			usleep(5000);
	}
}

/* exec from a thread that is not the leader: the kernel gives it the
 * leader's tid */
static void *exec_from_thread(void *arg)
{
	(void)arg;
	execl("/bin/sh", "sh", "-c", thread_exec, (char *)NULL);
	die("execl");
	return NULL;
}

/* The parent waits for the child's exec or exit in D state: the child
 * sleeps secs, then exits. */
__attribute__((noinline)) static void vfork_wait(double secs)
{
	struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };
	pid_t pid = vfork();

	if (pid < 0)
		die("vfork");
	if (pid == 0) {
		syscall(SYS_nanosleep, &ts, NULL);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

/* Block until the test says go: it opens the fifo for writing. */
static void wait_fifo(const char *fifo)
{
	int fd = open(fifo, O_RDONLY);
	char b;

	if (fd < 0)
		die(fifo);
	while (read(fd, &b, 1) < 0 && errno == EINTR)
		;
	close(fd);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: frhelper [--name NAME] [--cgroup DIR] [--wait-fifo PATH] [--print-pid]\n"
		"                [--forks K] [--exec PATH] [--getppid N [--batch B]] [--threads T]\n"
		"                [--exit CODE | --signal SIG] [--thread-exec SHELL_COMMAND]\n"
		"                [--spin SECONDS] [--sys SECONDS] [--cpu N]\n"
		"                [--alloc MIB --alloc-seconds SECONDS]\n"
		"                [--vfork-sleep SECONDS] [--sleep SECONDS] [--print-cpu]\n"
		"                [--then-wait-fifo PATH [--ready-file PATH] --then-getppid N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long forks = 0, threads = 1, exit_code = 0, sig = 0, alloc_mib = 0;
	double alloc_secs = 1, vfork_secs = 0, sleep_secs = 0;
	const char *exec_path = "/bin/true", *fifo = NULL, *cgroup = NULL, *name = NULL;
	const char *fifo2 = NULL, *ready = NULL;
	long then_getppid = 0;
	int print_pid = 0, print_cpu = 0;
	long cpu = -1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--print-pid")) { print_pid = 1; continue; }
		if (!strcmp(a, "--print-cpu")) { print_cpu = 1; continue; }
		if (!v)
			usage();
		if (!strcmp(a, "--forks")) forks = atol(v);
		else if (!strcmp(a, "--exec")) exec_path = v;
		else if (!strcmp(a, "--getppid")) getppid_calls = atol(v);
		else if (!strcmp(a, "--batch")) getppid_batch = atol(v);
		else if (!strcmp(a, "--threads")) threads = atol(v);
		else if (!strcmp(a, "--wait-fifo")) fifo = v;
		else if (!strcmp(a, "--then-wait-fifo")) fifo2 = v;
		else if (!strcmp(a, "--then-getppid")) then_getppid = atol(v);
		else if (!strcmp(a, "--ready-file")) ready = v;
		else if (!strcmp(a, "--cgroup")) cgroup = v;
		else if (!strcmp(a, "--name")) name = v;
		else if (!strcmp(a, "--exit")) exit_code = atol(v);
		else if (!strcmp(a, "--signal")) sig = atol(v);
		else if (!strcmp(a, "--thread-exec")) thread_exec = v;
		else if (!strcmp(a, "--spin")) spin_secs = atof(v);
		else if (!strcmp(a, "--sys")) sys_secs = atof(v);
		else if (!strcmp(a, "--cpu")) cpu = atol(v);
		else if (!strcmp(a, "--alloc")) alloc_mib = atol(v);
		else if (!strcmp(a, "--alloc-seconds")) alloc_secs = atof(v);
		else if (!strcmp(a, "--vfork-sleep")) vfork_secs = atof(v);
		else if (!strcmp(a, "--sleep")) sleep_secs = atof(v);
		else usage();
		i++;
	}
	if (threads < 1 || threads > MAX_THREADS)
		usage();
	if (cpu >= 0) {
		/* the threads started later inherit it */
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	if (name && prctl(PR_SET_NAME, name))
		die("prctl");
	if (cgroup) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
			die(path);
	}
	if (print_pid) {
		printf("%d\n", getpid());
		fflush(stdout);
	}
	if (fifo)
		wait_fifo(fifo);
	for (long i = 0; i < forks; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execl(exec_path, exec_path, (char *)NULL);
			_exit(127);
		}
	}
	for (long i = 0; i < forks; i++) {
		int st;

		if (wait(&st) < 0)
			die("wait");
	}
	if (getppid_calls)
		run_threads(threads, spin_getppid);
	if (spin_secs > 0)
		run_threads(threads, spin_thread);
	if (sys_secs > 0)
		run_threads(threads, sys_thread);
	if (fifo2) {
		/* a second phase, once the test has looked at the first */
		if (ready) {
			/* the first phase is over: every child reaped */
			int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

			if (fd < 0)
				die(ready);
			close(fd);
		}
		wait_fifo(fifo2);
		for (long i = 0; i < then_getppid; i++)
			syscall(SYS_getppid);
	}
	if (alloc_mib > 0)
		touch_memory(alloc_mib, alloc_secs);
	if (vfork_secs > 0)
		vfork_wait(vfork_secs);
	if (print_cpu) {
		/* the kernel's own accounting of this process's CPU time, in ns */
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		printf("%lld\n", (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
				 (long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL);
		fflush(stdout);
	}
	if (sleep_secs > 0)
		usleep((useconds_t)(sleep_secs * 1e6));
	if (thread_exec) {
		pthread_t t;

		if (pthread_create(&t, NULL, exec_from_thread, NULL))
			die("pthread_create");
		pthread_join(t, NULL);	/* never returns: the exec replaces us */
	}
	if (sig) {
		/* a crash for the tests, not a core file */
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		raise(sig);
	}
	return exit_code;
}
