/* common.c: what record and trigger share: running COMMAND held until
 * the probes are attached, and ending it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "base/log.h"
#include "capture/proctab.h"
#include "record/recorder.h"
#include "base/util.h"

/* argv as one line a shell would split back into the same words */
char *fr_join_args(int argc, char **argv)
{
	size_t len = 0;
	char *buf, *p, *line;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	buf = p = malloc(len + 1);
	if (!buf)
		return NULL;
	for (int i = 0; i < argc; i++)
		p = stpcpy(p, argv[i]) + 1;
	line = fr_args_to_line(buf, len);
	free(buf);
	return line;
}

/* Fork COMMAND, held before exec until the probes are attached. */
int fr_spawn(char **command, struct fr_child *c)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0) {
		char b;
		int e;

		close(go[1]);
		close(err[0]);
		while (read(go[0], &b, 1) < 0 && errno == EINTR)
			;
		signal(SIGPIPE, SIG_DFL);
		execvp(command[0], command);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	c->go_fd = go[1];
	c->err_fd = err[0];
	return 0;
}

/* Stopped while COMMAND runs: end it too (SIGTERM, then SIGKILL after a
 * grace period), recording its last events meanwhile. */
void fr_name_child(struct fr_proctab *pt, const struct fr_child *child, char **command,
		   const char *cmdline)
{
	struct fr_proc *p = fr_proctab_get(pt, child->pid, true);
	const char *base = strrchr(command[0], '/');

	if (!p)
		return;
	p->tgid = child->pid;
	p->ppid = getpid();
	snprintf(p->comm, sizeof(p->comm), "%.15s", base ? base + 1 : command[0]);
	/* the scan may have seen the child before its exec, with flightrec's
	 * own command line: COMMAND's is the one to keep */
	if (cmdline) {
		free(p->cmdline);
		p->cmdline = strdup(cmdline);
	}
}

void fr_end_child(struct fr_recorder *r, struct fr_child *c, int *status)
{
	uint64_t kill_at = fr_boot_ns() + 2000000000ULL;
	bool killed = false;

	kill(c->pid, SIGTERM);
	for (;;) {
		pid_t w = waitpid(c->pid, status, WNOHANG);

		if (w == c->pid || (w < 0 && errno != EINTR))
			break;
		if (!killed && fr_boot_ns() >= kill_at) {
			fr_warn("the command did not exit on SIGTERM; killing it");
			kill(c->pid, SIGKILL);
			killed = true;
		}
		fr_recorder_poll(r, 50);
	}
	c->pid = 0;
}

