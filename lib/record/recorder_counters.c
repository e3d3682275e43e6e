/* recorder_counters.c: what a recorder counts, read in one go, and the
 * fill of the BPF maps that can fill. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <string.h>

#include "record/recorder_impl.h"
#include "flightrec.skel.h"

/* ---- the counters ---- */

/* The BPF counters, summed over the CPUs: any thread. */
static void bpf_counters(const struct fr_recorder *r, uint64_t out[FR_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();

	memset(out, 0, FR_CNT_MAX * sizeof(out[0]));
	if (!r->skel || ncpu <= 0)
		return;
	{
		uint64_t vals[ncpu];

		for (uint32_t k = 0; k < FR_CNT_MAX; k++) {
			uint64_t sum = 0;

			if (bpf_map__lookup_elem(r->skel->maps.counters, &k, sizeof(k), vals,
						 sizeof(vals), 0))
				continue;
			for (int c = 0; c < ncpu; c++)
				sum += vals[c];
			out[k] = sum;
		}
	}
}

/* Keep the BPF counters in r, for when the probes are gone. */
void fr_recorder_keep_bpf_counters(struct fr_recorder *r)
{
	uint64_t c[FR_CNT_MAX];

	if (!r->skel)
		return;	/* stopped: the last values read stay */
	bpf_counters(r, c);
	r->dropped = c[FR_CNT_DROPPED];
	r->track_full = c[FR_CNT_TRACK_FULL];
	r->inflight_full = c[FR_CNT_INFLIGHT_FULL];
	r->traces_full = c[FR_CNT_TRACE_FULL];
	r->inflight_miss = c[FR_CNT_INFLIGHT_MISS];
}

static void read_counters(struct fr_recorder *r, struct fr_counters *out, bool tasks)
{
	uint64_t c[FR_CNT_MAX];

	memset(out, 0, sizeof(*out));
	if (r->skel) {
		bpf_counters(r, c);
	} else {
		c[FR_CNT_DROPPED] = r->dropped;
		c[FR_CNT_TRACK_FULL] = r->track_full;
		c[FR_CNT_INFLIGHT_FULL] = r->inflight_full;
		c[FR_CNT_INFLIGHT_MISS] = r->inflight_miss;
		c[FR_CNT_TRACE_FULL] = r->traces_full;
	}
	out->dropped = c[FR_CNT_DROPPED];
	out->follow_map_full = c[FR_CNT_TRACK_FULL];
	out->inflight_map_full = c[FR_CNT_INFLIGHT_FULL];
	out->inflight_unmatched = c[FR_CNT_INFLIGHT_MISS];
	out->traces_map_full = c[FR_CNT_TRACE_FULL];

	/* what the drain and the marks change, in one consistent look */
	pthread_mutex_lock(&r->lock);
	out->received = r->received;
	out->marks = r->marks;
	memcpy(out->by_type, r->by_type, sizeof(out->by_type));
	out->malformed = r->malformed + r->ring.too_big;
	out->overwritten = r->ring.overwritten;
	out->overwritten_bytes = r->ring.overwritten_bytes;
	out->ring_used_bytes = fr_ring_used(&r->ring);
	out->ring_records = r->ring.records;
	out->ring_size = r->ring.cap;
	out->cleared = r->ring.cleared;
	out->resized = r->ring.resized;
	out->taken = r->ring.taken;
	out->tl = r->tl;
	pthread_mutex_unlock(&r->lock);

	/* the main thread changes the task table outside the lock: only it
	 * reads these */
	if (tasks) {
		out->tasks_held = r->tasks.len;
		out->tasks_evicted = r->tasks.evicted;
	}
	out->traces = __atomic_load_n(&r->ntraces, __ATOMIC_ACQUIRE);
	out->traces_recycled = __atomic_load_n(&r->traces_recycled, __ATOMIC_RELAXED);
	out->traces_refused = __atomic_load_n(&r->traces_refused, __ATOMIC_RELAXED);
}

void fr_recorder_counters(struct fr_recorder *r, struct fr_counters *out)
{
	read_counters(r, out, true);
}

void fr_recorder_counters_shared(struct fr_recorder *r, struct fr_counters *out)
{
	read_counters(r, out, false);
}

void fr_recorder_read_maps(struct fr_recorder *r)
{
	if (r->skel)
		fr_recorder_maps(r, r->maps);
}

/* ---- the maps that can fill ---- */

static uint64_t map_entries(int fd, size_t key_size, uint64_t max)
{
	uint8_t key[32], next[32];
	uint64_t n = 0;

	if (fd < 0 || key_size > sizeof(key))
		return 0;
	/* a walk of a map that changes meanwhile may see an entry twice or
	 * miss one: a fill, not an inventory */
	if (bpf_map_get_next_key(fd, NULL, next))
		return 0;
	do {
		n++;
		memcpy(key, next, key_size);
	} while (n < max + 1024 && !bpf_map_get_next_key(fd, key, next));
	return n > max ? max : n;
}

void fr_recorder_maps(const struct fr_recorder *r, struct fr_map_fill out[FR_NMAPS])
{
	uint64_t c[FR_CNT_MAX];
	const struct bpf_map *maps[FR_NMAPS];
	static const char *const names[FR_NMAPS] = { "follow", "traces", "inflight" };

	memset(out, 0, FR_NMAPS * sizeof(out[0]));
	for (unsigned i = 0; i < FR_NMAPS; i++)
		out[i].name = names[i];
	if (!r->skel)
		return;
	maps[0] = r->skel->maps.track;
	maps[1] = r->skel->maps.traces;
	maps[2] = r->skel->maps.inflight;
	bpf_counters(r, c);
	out[0].misses = c[FR_CNT_TRACK_FULL];
	out[1].misses = c[FR_CNT_TRACE_FULL];
	out[2].misses = c[FR_CNT_INFLIGHT_FULL] + c[FR_CNT_INFLIGHT_MISS];
	for (unsigned i = 0; i < FR_NMAPS; i++) {
		out[i].max = bpf_map__max_entries(maps[i]);
		out[i].entries = map_entries(bpf_map__fd(maps[i]), bpf_map__key_size(maps[i]), out[i].max);
	}
}

