/* util.h: parsing of sizes and durations, time helpers, safe file creation. */
#ifndef FR_UTIL_H
#define FR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "64M", "512K", "1G", "4096": bytes. -EINVAL on syntax, -ERANGE on overflow. */
int fr_parse_size(const char *s, uint64_t *out);
/* "10s", "1.5m", "250ms", "2h", "30" (seconds): nanoseconds. */
int fr_parse_duration(const char *s, uint64_t *out);
/* Strict base-10 unsigned integer within [min, max]. */
int fr_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A software perf event (PERF_COUNT_SW_*) on one CPU of every task, for a
 * BPF program to attach to (disabled until then): sampled rate times a
 * second when freq, else once per rate units. The descriptor, or -1 with
 * errno. */
int fr_perf_sw_open(unsigned config, uint64_t rate, bool freq, int cpu);

/* CLOCK_BOOTTIME and CLOCK_REALTIME now, ns. */
uint64_t fr_boot_ns(void);
uint64_t fr_wall_ns(void);
/* Offset to add to a CLOCK_BOOTTIME timestamp to get wall-clock ns. */
int64_t fr_boot_to_wall_ns(void);

/* "1.234ms"-style rendering of a duration into buf. */
const char *fr_fmt_duration(uint64_t ns, char *buf, size_t len);
/* "12.3M"-style rendering of a byte count into buf. */
const char *fr_fmt_bytes(uint64_t bytes, char *buf, size_t len);

/* Create path for writing: mode 0600, never through a symlink, never over
 * an existing file unless force (which replaces the name, not its target).
 * Run as root by sudo (SUDO_UID and SUDO_GID set), the file belongs to the
 * user who ran sudo. Returns an fd or -errno. */
int fr_create_private(const char *path, bool force);
/* fr_create_private(name), or when it exists (and not force) name-2.ext,
 * name-3.ext...: the descriptor, the name taken in *path (to free). */
int fr_create_numbered(const char *name, bool force, char **path);

/* write(2) all of buf; -errno on failure. */
int fr_write_all(int fd, const void *buf, size_t len);

/* Read a small text file (at most max-1 bytes) into buf, NUL-terminated.
 * Returns the length or -errno. */
long fr_read_small(const char *path, char *buf, size_t max);

/* Edit distance between the an bytes at a and the string b, ignoring the
 * case of letters; ~0u when either is over 64 bytes. For "did you mean". */
unsigned fr_edit_distance(const char *a, size_t an, const char *b);

/* "Did you mean": of the names offered, the closest to the len bytes at
 * word, when it is close enough (at most two edits, or a third of the
 * word's length). */
struct fr_nearest {
	const char *word;
	size_t len;
	unsigned d;
	char best[64];
};

void fr_nearest_init(struct fr_nearest *n, const char *word, size_t len);
/* name: NUL-terminated; copied when it is the closest so far. */
void fr_nearest_offer(struct fr_nearest *n, const char *name);
/* The closest name, or NULL when none is close enough. */
const char *fr_nearest_get(const struct fr_nearest *n);

#endif
