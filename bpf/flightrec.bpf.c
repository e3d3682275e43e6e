/* flightrec.bpf.c: the recorder's BPF object. The probe groups live in their
 * own sources and are built as one object so that they share one ring
 * buffer, one set of counters and one filter. */
#include "common.bpf.h"

#include "sched.bpf.c"
#include "process.bpf.c"
#include "syscalls.bpf.c"
#include "block.bpf.c"

char LICENSE[] SEC("license") = "GPL";
