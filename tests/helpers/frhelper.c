/* frhelper.c: a workload with known ground truth for the BPF tests. It does
 * exactly what its options say and nothing more: K forks that each exec a
 * known binary, N getppid syscalls per thread, in T threads. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long getppid_calls;

static void die(const char *what)
{
	fprintf(stderr, "frhelper: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void *spin_getppid(void *arg)
{
	(void)arg;
	for (long i = 0; i < getppid_calls; i++)
		syscall(SYS_getppid);	/* raw syscall: never cached by libc */
	return NULL;
}

static const char *thread_exec;

/* exec from a thread that is not the leader: the kernel gives it the
 * leader's tid */
static void *exec_from_thread(void *arg)
{
	(void)arg;
	execl("/bin/sh", "sh", "-c", thread_exec, (char *)NULL);
	die("execl");
	return NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: frhelper [--name NAME] [--cgroup DIR] [--wait-fifo PATH] [--print-pid]\n"
		"                [--forks K] [--exec PATH] [--getppid N] [--threads T]\n"
		"                [--exit CODE | --signal SIG] [--thread-exec SHELL_COMMAND]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long forks = 0, threads = 1, exit_code = 0, sig = 0;
	const char *exec_path = "/bin/true", *fifo = NULL, *cgroup = NULL, *name = NULL;
	int print_pid = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--print-pid")) { print_pid = 1; continue; }
		if (!v)
			usage();
		if (!strcmp(a, "--forks")) forks = atol(v);
		else if (!strcmp(a, "--exec")) exec_path = v;
		else if (!strcmp(a, "--getppid")) getppid_calls = atol(v);
		else if (!strcmp(a, "--threads")) threads = atol(v);
		else if (!strcmp(a, "--wait-fifo")) fifo = v;
		else if (!strcmp(a, "--cgroup")) cgroup = v;
		else if (!strcmp(a, "--name")) name = v;
		else if (!strcmp(a, "--exit")) exit_code = atol(v);
		else if (!strcmp(a, "--signal")) sig = atol(v);
		else if (!strcmp(a, "--thread-exec")) thread_exec = v;
		else usage();
		i++;
	}
	if (threads < 1 || threads > 64)
		usage();
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
	if (fifo) {
		/* block until the test says go: it opens the fifo for writing */
		int fd = open(fifo, O_RDONLY);
		char b;

		if (fd < 0)
			die(fifo);
		while (read(fd, &b, 1) < 0 && errno == EINTR)
			;
		close(fd);
	}
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
	if (getppid_calls) {
		pthread_t t[64];

		for (long i = 1; i < threads; i++)
			if (pthread_create(&t[i], NULL, spin_getppid, NULL))
				die("pthread_create");
		spin_getppid(NULL);
		for (long i = 1; i < threads; i++)
			pthread_join(t[i], NULL);
	}
	if (thread_exec) {
		pthread_t t;

		if (pthread_create(&t, NULL, exec_from_thread, NULL))
			die("pthread_create");
		pthread_join(t, NULL);	/* never returns: the exec replaces us */
	}
	if (sig)
		raise(sig);
	return exit_code;
}
