/* block.bpf.c: the block group, request issue and completion. Latency is
 * measured here, so it survives the issue record being aged out of the
 * ring; the completion is credited to the issuer. Requests are keyed by
 * their address when both probes can see it (BTF and raw tracepoints), else
 * by (device, sector), which concurrent requests to one sector can share. */

const volatile bool block_key_rq = false;	/* key in-flight requests by address */
const volatile bool block_error_is_status = true; /* completion error is a blk_status_t */

struct inflight_key {
	__u64 id;	/* request address, or sector */
	__u32 dev;
	__u32 _pad;
};

struct inflight_val {
	__u64 ts;
	__u32 tgid;
	__u32 tid;
};

/* LRU: a request whose completion is never seen (a requeue, a probe that
 * missed it) ages out instead of filling the map for good */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct inflight_key);
	__type(value, struct inflight_val);
} inflight SEC(".maps");

struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline __u32 rq_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(rq->q->disk))
		disk = BPF_CORE_READ(rq, q, disk);
	else
		disk = BPF_CORE_READ((struct request___old *)rq, rq_disk);
	if (!disk)
		return 0;
	return (BPF_CORE_READ(disk, major) << 20) | BPF_CORE_READ(disk, first_minor);
}

static __always_inline __u32 op_from_flags(__u32 cmd_flags)
{
	switch (cmd_flags & 0xff) {	/* REQ_OP_MASK */
	case 0: return FR_BLK_READ;
	case 1: return FR_BLK_WRITE;
	case 2: return FR_BLK_FLUSH;
	case 3: return FR_BLK_DISCARD;
	default: return FR_BLK_OTHER;
	}
}

/* The tracepoint form only has the rwbs string ("WS", "R", "FWS", "D"),
 * copied out of ctx first: the verifier allows no pointer into it. */
static __always_inline __u32 op_from_rwbs(const char *rwbs)
{
	__u32 op = FR_BLK_OTHER;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		char c = rwbs[i];

		if (c == 'R')
			return FR_BLK_READ;
		if (c == 'W')
			return FR_BLK_WRITE;
		if (c == 'D')
			return FR_BLK_DISCARD;
		if (c == 'F')
			op = FR_BLK_FLUSH;
		if (!c)
			break;
	}
	return op;
}

/* blk_status_t (BTF and raw tracepoints) to the negative errno the classic
 * tracepoint reports, as blk_status_to_errno() maps them. */
static __always_inline int status_errno(unsigned int st)
{
	switch (st) {
	case 0: return 0;
	case 1: return -95;	/* BLK_STS_NOTSUPP: EOPNOTSUPP */
	case 2: return -110;	/* BLK_STS_TIMEOUT: ETIMEDOUT */
	case 3: return -28;	/* BLK_STS_NOSPC: ENOSPC */
	case 4: return -67;	/* BLK_STS_TRANSPORT: ENOLINK */
	case 5: return -121;	/* BLK_STS_TARGET: EREMOTEIO */
	case 6: return -52;	/* BLK_STS_RESV_CONFLICT: EBADE */
	case 7: return -61;	/* BLK_STS_MEDIUM: ENODATA */
	case 8: return -84;	/* BLK_STS_PROTECTION: EILSEQ */
	case 9: return -12;	/* BLK_STS_RESOURCE: ENOMEM */
	case 12: return -11;	/* BLK_STS_AGAIN: EAGAIN */
	case 13: return -16;	/* BLK_STS_DEV_RESOURCE: EBUSY */
	case 16: return -19;	/* BLK_STS_OFFLINE: ENODEV */
	default: return -5;	/* BLK_STS_IOERR and the rest: EIO */
	}
}

static __always_inline int on_issue(__u64 rq, __u32 dev, __u64 sector, __u32 bytes,
				    __u32 op)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u32 tgid = pt >> 32, tid = (__u32)pt;
	struct inflight_key k = { .id = block_key_rq ? rq : sector, .dev = dev };
	struct inflight_val v;
	struct fr_block_rq *e;

	if (!want_current(tgid, tid))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, FR_EV_BLOCK_ISSUE, sizeof(*e), tgid, tid);
	e->dev = dev;
	e->bytes = bytes;
	e->sector = sector;
	e->op = op;
	e->error = 0;
	e->latency_ns = 0;
	v.ts = e->h.ts;
	v.tgid = tgid;
	v.tid = tid;
	if (bpf_map_update_elem(&inflight, &k, &v, BPF_ANY))
		count(FR_CNT_INFLIGHT_FULL);
	submit(e);
	return 0;
}

static __always_inline int on_complete(__u64 rq, __u32 dev, __u64 sector, __u32 bytes,
				       __u32 op, int error)
{
	struct inflight_key k = { .id = block_key_rq ? rq : sector, .dev = dev };
	struct inflight_val *v = bpf_map_lookup_elem(&inflight, &k);
	struct fr_block_rq *e;
	__u32 tgid = 0, tid = 0;
	__u64 issued = 0;

	if (v) {
		tgid = v->tgid;
		tid = v->tid;
		issued = v->ts;
		bpf_map_delete_elem(&inflight, &k);
	} else if (filtering()) {
		return 0;	/* issued before we started, or not ours */
	} else {
		count(FR_CNT_INFLIGHT_MISS);
	}
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->h, FR_EV_BLOCK_COMPLETE, sizeof(*e), tgid, tid);
	e->dev = dev;
	e->bytes = bytes;
	e->sector = sector;
	e->op = op;
	e->error = error;
	e->latency_ns = issued && e->h.ts > issued ? e->h.ts - issued : 0;
	submit(e);
	return 0;
}

FR_TWIN(block_rq_issue, on_issue((__u64)rq, rq_dev(rq), BPF_CORE_READ(rq, __sector),
			 BPF_CORE_READ(rq, __data_len),
			 op_from_flags(BPF_CORE_READ(rq, cmd_flags))),
	struct request *rq)

SEC("tracepoint/block/block_rq_issue")
int block_rq_issue_tp(struct trace_event_raw_block_rq *ctx)
{
	char rwbs[8];

	bpf_probe_read_kernel(rwbs, sizeof(rwbs), ctx->rwbs);
	return on_issue(0, ctx->dev, ctx->sector, ctx->bytes, op_from_rwbs(rwbs));
}

/* Before blk_status_t reached this tracepoint its error was an errno. */
FR_TWIN(block_rq_complete, on_complete((__u64)rq, rq_dev(rq), BPF_CORE_READ(rq, __sector),
			    nr_bytes, op_from_flags(BPF_CORE_READ(rq, cmd_flags)),
			    block_error_is_status ? status_errno(error) : (int)error),
	struct request *rq, unsigned int error, unsigned int nr_bytes)

SEC("tracepoint/block/block_rq_complete")
int block_rq_complete_tp(struct trace_event_raw_block_rq_completion *ctx)
{
	char rwbs[8];

	bpf_probe_read_kernel(rwbs, sizeof(rwbs), ctx->rwbs);
	return on_complete(0, ctx->dev, ctx->sector, ctx->nr_sector * 512,
			   op_from_rwbs(rwbs), ctx->error);
}
