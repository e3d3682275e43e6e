/* util.c: parsing of sizes and durations, time helpers, safe file creation. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

int fr_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int fr_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	default: return -EINVAL;
	}
	/* accept an optional "B" or "iB": 64MiB, 64MB, 64M */
	if (mult > 1 && *end == 'i')
		end++;
	if (mult > 1 && (*end == 'B' || *end == 'b'))
		end++;
	if (*end)
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int fr_parse_duration(const char *s, uint64_t *out)
{
	double v, mult = 1e9;
	char *end;

	if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || !isfinite(v) || v < 0)
		return -ERANGE;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mult = 1e9;
	else if (!strcmp(end, "ms"))
		mult = 1e6;
	else if (!strcmp(end, "us"))
		mult = 1e3;
	else if (!strcmp(end, "ns"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60e9;
	else if (!strcmp(end, "h"))
		mult = 3600e9;
	else
		return -EINVAL;
	if (v * mult > 1e18)
		return -ERANGE;
	*out = (uint64_t)(v * mult + 0.5);
	return 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t fr_boot_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t fr_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

/* Bracket the boot clock read with two wall clock reads and keep the
 * tightest of a few tries, so the offset is good to a microsecond or so. */
int64_t fr_boot_to_wall_ns(void)
{
	int64_t best = 0;
	uint64_t best_gap = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t w1 = fr_wall_ns(), b = fr_boot_ns(), w2 = fr_wall_ns();

		if (w2 - w1 < best_gap) {
			best_gap = w2 - w1;
			best = (int64_t)(w1 + (w2 - w1) / 2) - (int64_t)b;
		}
	}
	return best;
}

const char *fr_fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%luns", (unsigned long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.3fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.3fms", ns / 1e6);
	else
		snprintf(buf, len, "%.3fs", ns / 1e9);
	return buf;
}

const char *fr_fmt_bytes(uint64_t b, char *buf, size_t len)
{
	if (b < 1024)
		snprintf(buf, len, "%luB", (unsigned long)b);
	else if (b < (1ULL << 20))
		snprintf(buf, len, "%.1fK", b / 1024.0);
	else if (b < (1ULL << 30))
		snprintf(buf, len, "%.1fM", b / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.1fG", b / (1024.0 * 1024 * 1024));
	return buf;
}

/* Run as root by sudo: the uid and gid of who ran sudo, from SUDO_UID and
 * SUDO_GID; false otherwise (or when they are not plain numbers). */
static bool sudo_user(uid_t *uid, gid_t *gid)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	char *end;
	unsigned long x, y;

	if (geteuid() != 0 || !u || !g || !*u || !*g)
		return false;
	errno = 0;
	x = strtoul(u, &end, 10);
	if (errno || *end || x >= (uid_t)-1)
		return false;
	y = strtoul(g, &end, 10);
	if (errno || *end || y >= (gid_t)-1)
		return false;
	*uid = (uid_t)x;
	*gid = (gid_t)y;
	return true;
}

int fr_create_private(const char *path, bool force)
{
	uid_t uid;
	gid_t gid;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && !force) {
		struct stat st;

		/* say so when the name is a symlink: it is never written through */
		if (!lstat(path, &st) && S_ISLNK(st.st_mode))
			return -ELOOP;
		return -EEXIST;
	}
	if (fd < 0 && errno == EEXIST && force) {
		/* unlink removes the name, even a symlink, never its target */
		if (unlink(path) && errno != ENOENT)
			return -errno;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return -errno;
	/* the umask may have been stricter; never looser than 0600 */
	if (fchmod(fd, 0600)) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* under sudo the file is for who ran it: theirs to read, still 0600
	 * (a file system that cannot say so leaves it root's) */
	if (sudo_user(&uid, &gid) && fchown(fd, uid, gid))
		fr_warn("%s: cannot give it to uid %u (SUDO_UID): %s; it stays root's, mode 0600",
			path, (unsigned)uid, strerror(errno));
	return fd;
}

int fr_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

long fr_read_small(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got + 1 < max) {
		ssize_t n = read(fd, buf + got, max - 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = 0;
	return got;
}

int fr_perf_sw_open(unsigned config, uint64_t rate, bool freq, int cpu)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = config;
	/* enabled by the attach, once the program is there to take samples */
	a.disabled = 1;
	a.freq = freq;
	if (freq)
		a.sample_freq = rate;
	else
		a.sample_period = rate;
	return (int)syscall(__NR_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int fr_create_numbered(const char *name, bool force, char **path)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name && !strchr(dot, '/') ? (size_t)(dot - name) : strlen(name);
	int fd = fr_create_private(name, force);

	*path = strdup(name);
	for (int i = 2; fd == -EEXIST && i < 1000 && *path; i++) {
		free(*path);
		if (asprintf(path, "%.*s-%d%s", (int)stem, name, i, name + stem) < 0)
			*path = NULL;
		else
			fd = fr_create_private(*path, false);
	}
	if (!*path) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	return fd;
}

static bool alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

unsigned fr_edit_distance(const char *a, size_t an, const char *b)
{
	unsigned row[65], diag, up;
	size_t bn = strlen(b), i, j;

	if (an > 64 || bn > 64)
		return ~0u;
	for (j = 0; j <= bn; j++)
		row[j] = j;
	for (i = 1; i <= an; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= bn; j++) {
			unsigned char x = a[i - 1] | 0x20, y = b[j - 1] | 0x20;
			unsigned best = diag + (alpha(a[i - 1]) ? x != y : a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[bn];
}

void fr_nearest_init(struct fr_nearest *n, const char *word, size_t len)
{
	n->word = word;
	n->len = len;
	n->d = ~0u;
	n->best[0] = 0;
}

void fr_nearest_offer(struct fr_nearest *n, const char *name)
{
	unsigned d = fr_edit_distance(n->word, n->len, name);

	if (d < n->d && strlen(name) < sizeof(n->best)) {
		n->d = d;
		memcpy(n->best, name, strlen(name) + 1);
	}
}

const char *fr_nearest_get(const struct fr_nearest *n)
{
	if (!n->best[0] || !(n->d <= 2 || n->d * 3 <= n->len))
		return NULL;
	return n->best;
}
