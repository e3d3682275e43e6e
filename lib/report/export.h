/* export.h: dump's formats for other tools: Chrome trace-event JSON (the
 * Perfetto UI, chrome://tracing; export.c) and collapsed stacks
 * (flamegraph.pl, speedscope, inferno; folded.c). */
#ifndef FR_EXPORT_H
#define FR_EXPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "report/render.h"
#include "base/tidmap.h"

/* Chrome trace events, streamed: one track per thread grouped by process
 * (system calls as slices, run-queue waits as slices inside them), one
 * track per CPU (who ran), block requests as async slices, the trigger
 * firing as an instant event, and each fork, exec and exit once, as an
 * instant on the track of the task that made it. Tracks are named after
 * the name a task has after its exec (a command a recorder started is not
 * named after the recorder). Memory per thread and CPU, not per event. */
struct fr_chrome {
	FILE *out;
	uint64_t base;		/* ts 0 of the trace, boot ns */
	uint64_t last;
	bool any;
	struct fr_tidmap named;	/* tid -> a hash of the thread name that went out */
	struct fr_tidmap procs;	/* pid -> a hash of the process name that went out */
	struct fr_tidmap insys;	/* tid -> 1 inside a syscall slice */
	struct fr_tidmap waiting; /* tid -> index into waits */
	uint64_t *waits;	/* runnable since */
	uint32_t nwaits, capwaits;
	struct { uint32_t tid, tgid; uint64_t since; char comm[16]; } *cpu;
	unsigned ncpu;
};

void fr_chrome_begin(struct fr_chrome *c, FILE *out, uint64_t base, const struct fr_decoder *d,
		     const cJSON *trigger);
void fr_chrome_event(struct fr_chrome *c, struct fr_decoder *d, const struct fr_view *v);
/* Close what is still open at the last event, end the document. */
void fr_chrome_end(struct fr_chrome *c);

/* The profile samples of a trigger record as collapsed stacks: one line
 * "comm;root;...;leaf count" per stack (kernel frames suffixed _[k]),
 * most samples first, then "[other] count" for the samples of no stack
 * kept (stacks past those the capture keeps, samples lost), so that the
 * counts add up to the profile's samples. Returns the number of lines
 * written, or -1 when there is no profile (folded.c). */
long fr_folded_write(FILE *out, const cJSON *trigger);

#endif
