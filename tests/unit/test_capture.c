/* test_capture.c: capture round trip, and the reader against damaged files:
 * truncated, torn, flipped byte, garbage, empty, newer version. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "base/log.h"
#include "base/util.h"
#include "synth.h"
#include "tap.h"

static char dir[] = "/tmp/frtest-XXXXXX";

static char *path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

struct count {
	unsigned n, enters, exits, execs;
	uint64_t last_ts;
	int disorder;
};

static int count_cb(const void *rec, uint32_t len, void *ctx)
{
	const struct fr_hdr *h = rec;
	struct count *c = ctx;

	(void)len;
	c->n++;
	c->enters += h->type == FR_EV_SYS_ENTER;
	c->exits += h->type == FR_EV_SYS_EXIT;
	c->execs += h->type == FR_EV_PROC_EXEC;
	if (h->ts < c->last_ts)
		c->disorder++;
	c->last_ts = h->ts;
	return 0;
}

static struct count read_all(const char *p, int *open_ret, unsigned *problems)
{
	struct count c = { 0 };
	struct fr_capture *cap;
	char err[512];

	*open_ret = fr_capture_open(p, &cap, err, sizeof(err));
	*problems = 0;
	if (*open_ret)
		return c;
	fr_capture_foreach(cap, count_cb, &c);
	*problems = cap->problems;
	fr_capture_close(cap);
	return c;
}

static off_t copy_prefix(const char *from, const char *to, off_t len)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char *buf = malloc(len ? len : 1);
	ssize_t n = read(in, buf, len);

	if (n > 0 && write(out, buf, n) != n)
		n = -1;
	close(in);
	close(out);
	free(buf);
	return n;
}

static off_t size_of(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : st.st_size;
}

static void flip(const char *p, off_t off)
{
	int fd = open(p, O_RDWR);
	unsigned char b;

	if (pread(fd, &b, 1, off) == 1) {
		b ^= 0x5a;
		if (pwrite(fd, &b, 1, off) != 1)
			perror("pwrite");
	}
	close(fd);
}

int main(void)
{
	const unsigned pairs = 100000;	/* several segments */
	const unsigned total = synth_count(pairs);
	char good[256], err[512];
	struct fr_capture *cap;
	struct count c;
	unsigned problems;
	int ret, fd;
	off_t full;

	fr_verbosity = FR_QUIET;	/* the warnings are checked by the CLI tests */
	if (!mkdtemp(dir))
		return 1;
	snprintf(good, sizeof(good), "%s", path("good.frec"));
	fd = fr_create_private(good, false);
	ok(fd >= 0, "create a private output file");
	ok(synth_write(fd, pairs, true) == 0, "write a synthetic capture");
	{
		struct stat st;

		ok(!stat(good, &st) && (st.st_mode & 0777) == 0600, "mode 0600");
	}
	ok(fr_create_private(good, false) == -EEXIST, "an existing file is not replaced without force");
	ok(!symlink("/tmp/frtest-nonexistent-target", path("link.frec")), "a symlink is made");
	ok(fr_create_private(path("link.frec"), false) < 0, "a symlink is never written through");
	ok(access("/tmp/frtest-nonexistent-target", F_OK) != 0, "and its target was not created");

	ret = fr_capture_open(good, &cap, err, sizeof(err));
	ok(ret == 0, "open the capture");
	if (!ret) {
		ok(cap->meta && cap->procs && cap->end, "meta, process table and end record present");
		is_u(cap->nevents, total, "segment headers announce every event");
		ok(cap->nsegs > 3, "events span several segments (%zu)", cap->nsegs);
		fr_capture_close(cap);
	}
	c = read_all(good, &ret, &problems);
	is_u(c.n, total, "every event reads back");
	ok(c.enters == pairs && c.exits == pairs, "enter and exit counts exact");
	ok(c.disorder == 0 && problems == 0, "in time order, no problems");
	full = size_of(good);
	ok(full < (off_t)(total * 30) / 6, "compressed: %lld bytes for %u events", (long long)full, total);

	/* truncated in the middle: earlier segments still read */
	copy_prefix(good, path("trunc.frec"), full / 2);
	c = read_all(path("trunc.frec"), &ret, &problems);
	ok(ret == 0 && problems > 0, "a truncated capture opens, with problems reported");
	ok(c.n > 0 && c.n < total, "and yields the events before the cut (%u)", c.n);

	/* cut inside the file header */
	copy_prefix(good, path("hdr.frec"), 20);
	ret = fr_capture_open(path("hdr.frec"), &cap, err, sizeof(err));
	ok(ret < 0 && strstr(err, "truncated"), "a cut file header is a clear error: %s", err);

	/* a flipped byte inside the payload of the second segment */
	{
		struct fr_capture *k;

		copy_prefix(good, path("flip.frec"), full);
		fr_capture_open(good, &k, err, sizeof(err));
		flip(path("flip.frec"), k->segs[2].offset + 100);
		fr_capture_close(k);
		c = read_all(path("flip.frec"), &ret, &problems);
		ok(ret == 0 && problems == 1, "a checksum failure is one problem");
		ok(c.n > 0 && c.n < total, "the other segments still read (%u of %u)", c.n, total);
	}
	/* a flipped byte inside a segment header: resync to the next */
	{
		struct fr_capture *k;

		copy_prefix(good, path("flip2.frec"), full);
		fr_capture_open(good, &k, err, sizeof(err));
		flip(path("flip2.frec"), k->segs[2].offset - 30);
		fr_capture_close(k);
		c = read_all(path("flip2.frec"), &ret, &problems);
		ok(ret == 0 && problems >= 1, "a damaged segment header is reported");
		ok(c.n > 0 && c.n < total, "and reading resumes at the next segment (%u)", c.n);
	}

	/* garbage, empty, wrong magic, newer version */
	{
		int g = open(path("garbage.frec"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		char junk[4096];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (char)(i * 7919 + 13);
		ok(write(g, junk, sizeof(junk)) == sizeof(junk), "write garbage");
		close(g);
		ret = fr_capture_open(path("garbage.frec"), &cap, err, sizeof(err));
		ok(ret < 0 && strstr(err, "not a flightrec capture"), "garbage: %s", err);
		close(open(path("empty.frec"), O_WRONLY | O_CREAT | O_TRUNC, 0600));
		ret = fr_capture_open(path("empty.frec"), &cap, err, sizeof(err));
		ok(ret < 0 && strstr(err, "empty"), "empty: %s", err);
		copy_prefix(good, path("newer.frec"), full);
		g = open(path("newer.frec"), O_RDWR);
		{
			uint16_t v = FR_CAP_VERSION + 1;

			ok(pwrite(g, &v, 2, 8) == 2, "bump the version");
		}
		close(g);
		ret = fr_capture_open(path("newer.frec"), &cap, err, sizeof(err));
		ok(ret < 0 && strstr(err, "newer"), "newer version: %s", err);
		ret = fr_capture_open(path("missing.frec"), &cap, err, sizeof(err));
		ok(ret == -ENOENT && strstr(err, "No such file"), "missing: %s", err);
	}
	/* a record type from a newer writer is stepped over, not fatal */
	{
		struct fr_cap_writer w;
		struct fr_sys_enter en = { .h = { 5, 1, 1, FR_EV_SYS_ENTER, sizeof(en), 0, 0 }, .id = 1 };
		uint64_t future[5] = { 6, 0, 0, 0, 0 };
		struct fr_hdr *fh = (struct fr_hdr *)future;
		cJSON *end = cJSON_CreateObject();

		fh->type = 200;
		fh->size = sizeof(future);
		fd = fr_create_private(path("future.frec"), false);
		fr_capw_open(&w, fd);
		fr_capw_event(&w, &en, sizeof(en));
		fr_capw_event(&w, future, sizeof(future));
		en.h.ts = 7;
		fr_capw_event(&w, &en, sizeof(en));
		fr_capw_flush(&w);
		fr_capw_json(&w, FR_SEG_END, end);
		cJSON_Delete(end);
		fr_capw_close(&w);
		ret = fr_capture_open(path("future.frec"), &cap, err, sizeof(err));
		ok(ret == 0, "open a capture holding an unknown record type");
		if (!ret) {
			struct count k = { 0 };

			fr_capture_foreach(cap, count_cb, &k);
			ok(k.n == 2 && cap->unknown == 1 && cap->problems == 0,
			   "the unknown record is skipped and counted, the known ones read, no damage");
			fr_capture_close(cap);
		}
	}

	/* no end record: incomplete, but every event is there */
	fd = fr_create_private(path("noend.frec"), false);
	synth_write(fd, 50, false);
	c = read_all(path("noend.frec"), &ret, &problems);
	ok(ret == 0 && problems == 1 && c.n == synth_count(50), "no end record: all events, one problem");

	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			perror("rm");
	}
	return tap_done();
}
