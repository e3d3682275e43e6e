/* recorder_impl.h: what recorder.c lends recorder_ctl.c, the recorder's
 * live controls; nothing else includes it. */
#ifndef FR_RECORDER_IMPL_H
#define FR_RECORDER_IMPL_H

#include "record/recorder.h"

/* Attach probe i (its program loaded); 0, -EOPNOTSUPP when this kernel
 * has no way to, -errno with a warning printed. */
int fr_recorder_attach_probe(struct fr_recorder *r, unsigned i);
/* Detach probe i, why it is off in its place. */
void fr_recorder_detach_probe(struct fr_recorder *r, unsigned i, const char *why);
/* Fork and exit records on when the process group is on and the
 * recorder not paused. */
void fr_recorder_set_emit(struct fr_recorder *r);
/* Syscall records batched per CPU (a no-op when they are); stop the
 * flushes; after the syscall probes are detached, take what the batches
 * hold into the ring. */
void fr_recorder_start_batching(struct fr_recorder *r);
void fr_recorder_stop_batching(struct fr_recorder *r);
void fr_recorder_collect_batches(struct fr_recorder *r);

/* Keep the BPF counters in r, for when the probes are gone. */
void fr_recorder_keep_bpf_counters(struct fr_recorder *r);

#endif
