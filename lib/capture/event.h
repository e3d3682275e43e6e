/* event.h: what user space knows about each event type: names, groups,
 * size validation, and the names of syscalls, errnos and signals. */
#ifndef FR_EVENT_H
#define FR_EVENT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flightrec.h"

enum fr_group {
	FR_GROUP_SCHED = 1u << 0,
	FR_GROUP_PROCESS = 1u << 1,
	FR_GROUP_SYSCALLS = 1u << 2,
	FR_GROUP_BLOCK = 1u << 3,
};
#define FR_GROUPS_ALL (FR_GROUP_SCHED | FR_GROUP_PROCESS | FR_GROUP_SYSCALLS | FR_GROUP_BLOCK)
#define FR_GROUPS_DEFAULT FR_GROUPS_ALL

struct fr_group_info {
	const char *name;
	unsigned bit;
	const char *help;
};
extern const struct fr_group_info fr_groups[];
extern const size_t fr_ngroups;

/* Parse "sched,syscalls" into a mask; on error names the bad item in bad. */
int fr_groups_parse(const char *list, unsigned *mask, const char **bad, size_t *badlen);
/* The probe group (or "all") the len bytes at name probably mean, or NULL. */
const char *fr_group_suggest(const char *name, size_t len);
const char *fr_group_name(unsigned bit);

struct fr_type_info {
	const char *name;	/* "sys_exit" */
	unsigned group;
	uint16_t min_size, max_size;
};

/* NULL for an unknown type. */
const struct fr_type_info *fr_type_info(unsigned type);
/* 0 when the type is not known. */
unsigned fr_type_by_name(const char *name, size_t len);

/* Is rec (len bytes available) a well-formed record? Checks the header, the
 * size for its type and the internal lengths of variable-size records. */
bool fr_event_valid(const void *rec, size_t len);
/* A mark's internal lengths, given its header is sound. */
bool fr_mark_valid(const struct fr_mark *m);
/* The scheduler's CPU time of the task a valid sched_switch (the task
 * switched out) or process_exit record is about, ns; 0 when the record does
 * not carry it (ABI 1, or the kernel did not say). */
uint64_t fr_event_runtime(const struct fr_hdr *h);
/* Sort idx, offsets of records in base, by their ts; equal times keep
 * their order. Nearly sorted input (the usual case) costs one pass. */
void fr_sort_by_ts(uint32_t *idx, size_t n, const uint8_t *base);

/* "getppid", or NULL when the number is unknown for the arch. */
const char *fr_syscall_name(const char *arch, long id);
/* "ENOENT" or NULL. */
const char *fr_errno_name(long err);
/* "SIGSEGV" or NULL. */
const char *fr_signal_name(int sig);

extern const char *const fr_syscalls_x86_64[];
extern const unsigned fr_syscalls_x86_64_count;

#endif
