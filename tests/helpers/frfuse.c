/* frfuse.c: a FUSE file system with known, slow answers for the BPF tests.
 * It serves one read-only file, "disk", of zeros; each read is answered
 * after --delay-ms, or with --hold not at all until SIGUSR1 (or until it
 * exits: the kernel then fails what is pending). Behind a loop device it
 * makes a disk whose requests take as long as the test says, or one that
 * hangs, and the tasks waiting on it sit in D state.
 *
 *   frfuse MOUNTPOINT [--size MIB] [--delay-ms N] [--hold]
 *
 * It mounts MOUNTPOINT itself (root only), prints "ready" once the kernel
 * has connected, and on SIGTERM or SIGINT answers what it holds, unmounts
 * and exits. Speaks the kernel's protocol directly (linux/fuse.h): no
 * libfuse. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FILE_ID 2
#define MAX_READ (128u << 10)
#define MAX_HELD 1024

static int fd = -1;
static uint64_t size = 64ULL << 20;
static long delay_ms;
static volatile sig_atomic_t release, stop;

struct held {
	uint64_t unique;
	uint32_t size;
};
static struct held held[MAX_HELD];
static unsigned nheld;

static void die(const char *what)
{
	fprintf(stderr, "frfuse: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		release = 1;
	else
		stop = 1;
}

static void reply(uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header h = { .len = sizeof(h) + (error ? 0 : len), .error = error, .unique = unique };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, error ? 0 : len } };

	/* ENOENT: the request was interrupted meanwhile; nothing to do */
	if (writev(fd, iov, 2) < 0 && errno != ENOENT)
		die("writev /dev/fuse");
}

static void attr_of(uint64_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->nlink = 1;
	a->blksize = 4096;
	if (node == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0444;
		a->size = size;
		a->blocks = size / 512;
	}
}

static void answer_read(uint64_t unique, uint32_t len)
{
	static char zeros[MAX_READ];

	reply(unique, 0, zeros, len < sizeof(zeros) ? len : sizeof(zeros));
}

static void release_held(void)
{
	for (unsigned i = 0; i < nheld; i++)
		answer_read(held[i].unique, held[i].size);
	nheld = 0;
}

static void do_read(const struct fuse_in_header *in, const struct fuse_read_in *r, int hold)
{
	uint32_t len = r->offset >= size ? 0 : (uint32_t)(size - r->offset < r->size ? size - r->offset : r->size);

	if (hold && !release && nheld < MAX_HELD) {
		held[nheld++] = (struct held){ in->unique, len };
		return;
	}
	if (delay_ms) {
		struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) && errno == EINTR && !stop)
			;
	}
	answer_read(in->unique, len);
}

/* One request; false when the file system is gone. */
static int serve(const char *buf, int hold)
{
	const struct fuse_in_header *in = (const void *)buf;
	const void *arg = buf + sizeof(*in);

	switch (in->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *i = arg;
		struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
					   .max_readahead = 0, .max_background = 16,
					   .congestion_threshold = 12, .max_write = 4096,
					   .max_pages = MAX_READ / 4096, .time_gran = 1 };

		if (i->major != FUSE_KERNEL_VERSION) {
			reply(in->unique, -EPROTO, NULL, 0);
			return 0;
		}
		o.flags = i->flags & FUSE_MAX_PAGES;
		if (i->minor < o.minor)
			o.minor = i->minor;
		reply(in->unique, 0, &o, sizeof(o));
		printf("ready\n");
		fflush(stdout);
		break;
	}
	case FUSE_LOOKUP: {
		struct fuse_entry_out e = { .nodeid = FILE_ID, .entry_valid = 3600, .attr_valid = 3600 };

		if (in->nodeid != FUSE_ROOT_ID || strcmp(arg, "disk")) {
			reply(in->unique, -ENOENT, NULL, 0);
			break;
		}
		attr_of(FILE_ID, &e.attr);
		reply(in->unique, 0, &e, sizeof(e));
		break;
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out a = { .attr_valid = 3600 };

		attr_of(in->nodeid, &a.attr);
		reply(in->unique, 0, &a, sizeof(a));
		break;
	}
	case FUSE_OPEN: {
		/* no page cache: every read comes here */
		struct fuse_open_out o = { .fh = 1, .open_flags = FOPEN_DIRECT_IO };

		reply(in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_READ:
		do_read(in, arg, hold);
		break;
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
		reply(in->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
		break;
	case FUSE_INTERRUPT:
		/* no interrupts: a held read stays held, its reader waits
		 * killable (D state) rather than interruptible */
		reply(in->unique, -ENOSYS, NULL, 0);
		break;
	case FUSE_DESTROY:
		reply(in->unique, 0, NULL, 0);
		return 0;
	default:
		reply(in->unique, -ENOSYS, NULL, 0);
		break;
	}
	return 1;
}

int main(int argc, char **argv)
{
	static char buf[MAX_READ + 8192];
	struct sigaction sa = { .sa_handler = on_signal };
	const char *mnt;
	char opts[128];
	int hold = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: frfuse MOUNTPOINT [--size MIB] [--delay-ms N] [--hold]\n");
		return 2;
	}
	mnt = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = strtoull(argv[++i], NULL, 10) << 20;
		else if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc)
			delay_ms = atol(argv[++i]);
		else {
			fprintf(stderr, "frfuse: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	/* no SA_RESTART: a signal ends the wait for a request */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("/dev/fuse");
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
	if (mount("frfuse", mnt, "fuse.frfuse", MS_NOSUID | MS_NODEV, opts))
		die(mnt);
	while (!stop) {
		ssize_t n;

		if (release) {
			release_held();
			hold = 0;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* ENODEV: unmounted */
			break;
		}
		if ((size_t)n < sizeof(struct fuse_in_header) || !serve(buf, hold))
			break;
	}
	release_held();
	umount2(mnt, MNT_DETACH);
	return 0;
}
