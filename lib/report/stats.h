/* stats.h: one pass over a capture's events into the summary flightrec
 * stats prints: per-process CPU time and context switches, run-queue
 * latency, off-CPU time by state, system calls by name, block I/O by
 * device. Memory grows with tasks, syscalls and devices, never with events.
 * The result is a JSON model (schema in flightrec-stats(8)) that the text,
 * JSON and Prometheus outputs and the baseline comparison all read. */
#ifndef FR_STATS_H
#define FR_STATS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "capture/capture.h"
#include "capture/proctab.h"

#define FR_STATS_SCHEMA 1

struct fr_stats;

struct fr_stats *fr_stats_new(void);
void fr_stats_free(struct fr_stats *s);
/* One valid event record, in time order. */
void fr_stats_add(struct fr_stats *s, const void *rec, uint32_t len);
/* The model. cap gives META/END/TRIGGER (may be NULL); pt names tasks;
 * top: rows kept in the per-process and per-syscall tables. */
cJSON *fr_stats_model(struct fr_stats *s, const struct fr_capture *cap, struct fr_proctab *pt,
		      unsigned top);

/* A number in the model by dotted path: "runqueue.p99", "syscalls.read.p99",
 * "block.sda.p99", "cpu.total", "events.total", "offcpu.dstate"...; times in
 * ns. Returns 0 and sets *v, or -ENOENT. */
int fr_stats_lookup(const cJSON *model, const char *path, double *v);

#endif
