/* proctab.h: the process table a capture carries, so that a capture reads
 * the same on a machine that never saw its processes. */
#ifndef FR_PROCTAB_H
#define FR_PROCTAB_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/tidmap.h"

/* A task's new name from an exec, and when it took it. */
struct fr_rename {
	uint64_t ts;
	char comm[16];
};

struct fr_proc {
	uint32_t tid, tgid, ppid;
	char comm[16];		/* the first name known */
	char *cmdline;		/* leaders only; NUL-separated args turned into a line */
	bool seen;		/* referenced by an event: kept in the capture */
	bool dirty;		/* new or changed since last written out */
	uint64_t last_ts;	/* the newest event that referenced it */
	uint64_t exit_ts;	/* when it exited (its exit record); 0: alive or unknown */
	uint32_t mark;		/* a sweep's generation: referenced by a record held */
	uint32_t nrenames;	/* in time order, so a reader that starts */
	struct fr_rename *renames; /* mid-capture still knows every name */
};

#define FR_MAX_RENAMES 64	/* per task, kept in a capture */

#define FR_PROCTAB_MISSING 256

struct fr_proctab {
	struct fr_proc *v;
	uint32_t len, cap;
	struct fr_tidmap idx;	/* tid -> index in v */
	/* when set (malloc'd, FR_PROCTAB_MISSING entries, freed with the
	 * table): tids that events named but the table does not know, for the
	 * caller to look up */
	uint32_t *missing;
	uint32_t nmissing;
	/* the last task an event named: events come in runs of one task */
	uint32_t hot_tid, hot_idx;
	bool hot;
	uint32_t miss_tid;	/* the last tid looked up and not found */
	uint64_t evicted;	/* entries forgotten: their tasks and events gone */
};

enum fr_pt_select {
	FR_PT_ALL,		/* every entry */
	FR_PT_SEEN,		/* entries events referenced */
	FR_PT_DIRTY,		/* of those, the ones new or changed since written */
};

void fr_proctab_free(struct fr_proctab *pt);
/* The entry for tid, created empty when absent (NULL on ENOMEM). */
struct fr_proc *fr_proctab_get(struct fr_proctab *pt, uint32_t tid, bool create);
/* Add every task in /proc that is not in the table yet. */
int fr_proctab_scan(struct fr_proctab *pt);
/* The entry for tid, or NULL. */
const struct fr_proc *fr_proctab_find(const struct fr_proctab *pt, uint32_t tid);
/* Learn from a fork, exec or exit record (other records are ignored). A
 * fork onto the tid of a task that exited starts a new entry. */
void fr_proctab_learn(struct fr_proctab *pt, const void *rec);
/* Learn from a record, and mark the tasks it names as seen. */
void fr_proctab_note(struct fr_proctab *pt, const void *rec);
/* The tasks a record names (its task, its process, and the other task of a
 * switch, a wakeup or a fork) into out; how many (0 to 4, with repeats). */
unsigned fr_rec_tids(const void *rec, uint32_t out[4]);
/* A copy of src (its names and renames) as dst's entry for src->tid, not
 * marked seen; NULL on ENOMEM. */
struct fr_proc *fr_proctab_copy_in(struct fr_proctab *dst, const struct fr_proc *src);
/* dst (empty) becomes a copy of src. 0 or -ENOMEM. */
int fr_proctab_dup(struct fr_proctab *dst, const struct fr_proctab *src);
/* Forget the entries whose mark is not mark and whose task is gone (its
 * exit was recorded, or /proc no longer has it); counted in evicted. The
 * number forgotten, or -ENOMEM (then nothing changed). */
long fr_proctab_evict_unmarked(struct fr_proctab *pt, uint32_t mark);
/* The name of task p at boot time ts. */
const char *fr_proc_comm_at(const struct fr_proc *p, uint64_t ts);
/* Render command-line arguments (NUL-separated, len bytes) as one
 * shell-readable line into a new string. */
char *fr_args_to_line(const char *args, size_t len);

cJSON *fr_proctab_to_json(const struct fr_proctab *pt, bool seen_only);
/* The entries from *cursor on that sel selects, until about max_bytes of
 * JSON; advances *cursor (pt->len when done). written: they are going out,
 * clear their dirty mark. */
cJSON *fr_proctab_json_chunk(struct fr_proctab *pt, enum fr_pt_select sel, uint32_t *cursor,
			     size_t max_bytes, bool written);
/* Add task tid (and its process) from /proc. -ENOENT when it is gone. */
int fr_proctab_scan_tid(struct fr_proctab *pt, uint32_t tid);
/* Forget the tasks no event since min_ts referenced and that are gone
 * (exited, or no longer in /proc); counted in evicted. The number
 * forgotten, or -ENOMEM. */
long fr_proctab_forget(struct fr_proctab *pt, uint64_t min_ts);
/* Look up in /proc the tasks of the missing list, mark them seen at ts,
 * and empty the list. */
void fr_proctab_scan_missing(struct fr_proctab *pt, uint64_t ts);
/* Forget the tasks no event since min_ts referenced (counted in evicted). */
int fr_proctab_prune(struct fr_proctab *pt, uint64_t min_ts);
/* Load from a capture's PROCS array; unknown or bad entries are skipped. */
int fr_proctab_from_json(struct fr_proctab *pt, const cJSON *arr);

#endif
