/* features.h: what the running kernel can do, probed at run time (never
 * inferred from its version). */
#ifndef FR_FEATURES_H
#define FR_FEATURES_H

#include <stdbool.h>

enum fr_tristate { FR_NO = 0, FR_YES = 1, FR_UNKNOWN = -1 /* not permitted to probe */ };

struct fr_features {
	int btf;		/* /sys/kernel/btf/vmlinux loads */
	int ringbuf;		/* BPF_MAP_TYPE_RINGBUF */
	int tp_btf;		/* BTF-typed raw tracepoints */
	int raw_tp;		/* raw tracepoints */
	int tracepoint;		/* classic tracepoints (program type) */
	int tracefs;		/* tracefs mounted (needed by classic tracepoints) */
	int fentry;		/* fentry/fexit trampolines */
	int kprobe;		/* kprobe PMU */
	int uprobe;		/* uprobe PMU */
	int perf_event;		/* perf_event programs */
};

void fr_features_probe(struct fr_features *f);
/* The running kernel's BTF, read and parsed once and shared (it is several
 * megabytes); NULL when the kernel has none. fr_vmlinux_btf_release() frees
 * it when nothing needs it any more (a later call reads it again). */
const struct btf *fr_vmlinux_btf(void);
void fr_vmlinux_btf_release(void);
/* May this process load and attach tracing BPF programs? */
bool fr_bpf_privileged(void);
const char *fr_tristate_str(int v);

/* The tracefs events directory, mounting tracefs when it is not and we may.
 * NULL when there is none. */
const char *fr_tracefs_events(bool mount_if_missing);

#endif
