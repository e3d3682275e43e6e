/* sched.c: task states and crashes; see sched.h. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sched.h"
#include "base/util.h"

bool fr_signal_is_fatal(int sig)
{
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGABRT: case SIGFPE:
	case SIGILL: case SIGSYS: case SIGTRAP:
		return true;
	default:
		return false;
	}
}

int fr_dstate_walk(int (*cb)(uint32_t pid, uint32_t tid, const char *comm, void *arg), void *arg)
{
	DIR *pd = opendir("/proc");
	struct dirent *p;
	int ret = 0;

	if (!pd)
		return -errno;
	while (!ret && (p = readdir(pd))) {
		char path[600];
		DIR *td;
		struct dirent *t;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		td = opendir(path);
		while (!ret && td && (t = readdir(td))) {
			char st[512], comm[16], *lp, *rp;
			size_t n;

			if (t->d_name[0] < '1' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stat", p->d_name, t->d_name);
			if (fr_read_small(path, st, sizeof(st)) <= 0)
				continue;
			/* "tid (comm) D ...": the name may hold spaces and parentheses */
			rp = strrchr(st, ')');
			lp = strchr(st, '(');
			if (!rp || !lp || rp < lp || rp[1] != ' ' || rp[2] != 'D')
				continue;
			n = (size_t)(rp - lp - 1) < 15 ? (size_t)(rp - lp - 1) : 15;
			memcpy(comm, lp + 1, n);
			comm[n] = 0;
			ret = cb((uint32_t)atoi(p->d_name), (uint32_t)atoi(t->d_name), comm, arg);
		}
		if (td)
			closedir(td);
	}
	closedir(pd);
	return ret;
}
