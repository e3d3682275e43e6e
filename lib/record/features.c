/* features.c: run-time probes of the kernel's BPF capabilities. Each probe
 * loads the smallest program of a kind, the way libbpf-tools does. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "record/features.h"
#include "base/util.h"

static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_tracing(enum bpf_attach_type type, int btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type,
		    .attach_btf_id = btf_id);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", ret0, 2, &opts);
	if (fd >= 0) {
		close(fd);
		return FR_YES;
	}
	return errno == EPERM && geteuid() != 0 ? FR_UNKNOWN : FR_NO;
}

static int from_libbpf(int ret)
{
	if (ret == 1)
		return FR_YES;
	if (ret == -EPERM)
		return FR_UNKNOWN;
	return FR_NO;
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

const char *fr_tracefs_events(bool mount_if_missing)
{
	if (exists("/sys/kernel/tracing/events"))
		return "/sys/kernel/tracing/events";
	if (exists("/sys/kernel/debug/tracing/events"))
		return "/sys/kernel/debug/tracing/events";
	if (mount_if_missing && exists("/sys/kernel/tracing") &&
	    !mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
	    exists("/sys/kernel/tracing/events"))
		return "/sys/kernel/tracing/events";
	return NULL;
}

/* CAP_BPF+CAP_PERFMON, or CAP_SYS_ADMIN on kernels before 5.8 split it. */
bool fr_bpf_privileged(void)
{
	char buf[4096], *p;
	unsigned long long eff;

	if (fr_read_small("/proc/self/status", buf, sizeof(buf)) <= 0)
		return geteuid() == 0;
	p = strstr(buf, "CapEff:");
	if (!p || sscanf(p + 7, "%llx", &eff) != 1)
		return geteuid() == 0;
	return (eff & (1ULL << 21)) || ((eff & (1ULL << 39)) && (eff & (1ULL << 38)));
}

static struct btf *vmlinux_btf;
static bool vmlinux_btf_tried;

const struct btf *fr_vmlinux_btf(void)
{
	if (!vmlinux_btf_tried) {
		vmlinux_btf_tried = true;
		vmlinux_btf = btf__load_vmlinux_btf();
	}
	return vmlinux_btf;
}

void fr_vmlinux_btf_release(void)
{
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
	vmlinux_btf_tried = false;
}

void fr_features_probe(struct fr_features *f)
{
	const struct btf *btf;
	libbpf_print_fn_t old = libbpf_set_print(NULL);

	memset(f, 0, sizeof(*f));
	btf = fr_vmlinux_btf();
	if (!fr_bpf_privileged()) {
		/* the kernel refuses every probe: say unknown, not no */
		f->btf = btf ? FR_YES : FR_NO;
		f->ringbuf = f->tp_btf = f->raw_tp = f->tracepoint = f->fentry = FR_UNKNOWN;
		f->perf_event = FR_UNKNOWN;
		f->tracefs = fr_tracefs_events(false) ? FR_YES : FR_NO;
		f->kprobe = exists("/sys/bus/event_source/devices/kprobe/type") ? FR_YES : FR_NO;
		f->uprobe = exists("/sys/bus/event_source/devices/uprobe/type") ? FR_YES : FR_NO;
		libbpf_set_print(old);
		return;
	}
	f->btf = btf ? FR_YES : FR_NO;
	f->ringbuf = from_libbpf(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL));
	f->raw_tp = from_libbpf(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL));
	f->tracepoint = from_libbpf(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL));
	f->perf_event = from_libbpf(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_PERF_EVENT, NULL));
	f->tracefs = fr_tracefs_events(false) ? FR_YES : FR_NO;
	f->kprobe = exists("/sys/bus/event_source/devices/kprobe/type") ? FR_YES : FR_NO;
	f->uprobe = exists("/sys/bus/event_source/devices/uprobe/type") ? FR_YES : FR_NO;
	f->tp_btf = f->fentry = FR_NO;
	if (btf) {
		int tp = btf__find_by_name_kind(btf, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
		static const char *const funcs[] = { "do_nanosleep", "vfs_read", "schedule" };
		int fn = -1;

		if (tp > 0)
			f->tp_btf = load_tracing(BPF_TRACE_RAW_TP, tp);
		for (size_t i = 0; fn <= 0 && i < sizeof(funcs) / sizeof(funcs[0]); i++)
			fn = btf__find_by_name_kind(btf, funcs[i], BTF_KIND_FUNC);
		if (fn > 0)
			f->fentry = load_tracing(BPF_TRACE_FENTRY, fn);
	}
	libbpf_set_print(old);
}

const char *fr_tristate_str(int v)
{
	return v == FR_YES ? "yes" : v == FR_NO ? "no" : "unknown (needs root)";
}
