/* traces.c: the recorder's trace labels: which trace id each slot of the
 * BPF label table holds, the tasks labelled with it, and slots taken back
 * once no record in the ring or the batches names them; see recorder.h. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/log.h"
#include "base/util.h"
#include "capture/event.h"
#include "record/counters.h"
#include "record/recorder.h"
#include "flightrec.skel.h"

struct slot_walk {
	uint8_t *used;		/* FR_MAX_TRACES + 1 flags */
};

static int slot_one(const void *rec, uint32_t len, void *arg)
{
	const struct fr_hdr *h = rec;
	struct slot_walk *w = arg;

	if (len >= sizeof(*h) && h->flags && h->flags <= FR_MAX_TRACES)
		w->used[h->flags] = 1;
	return 0;
}

/* A slot no task carries, no record of the ring holds and, with a ring
 * file, none of its records either: the one labelled longest ago. 0 when
 * every slot is still in use. */
static unsigned reclaim_slot(struct fr_recorder *r)
{
	uint8_t used[FR_MAX_TRACES + 1] = { 0 };
	struct slot_walk w = { used };
	int fd = bpf_map__fd(r->skel->maps.traces);
	uint32_t key, next, v;
	bool first = true;
	size_t k = 0, max = bpf_map__max_entries(r->skel->maps.traces);
	uint64_t oldest = __atomic_load_n(&r->file_oldest_ts, __ATOMIC_ACQUIRE);
	unsigned best = 0;

	/* what the BPF buffer and the syscall batches still hold belongs in
	 * the ring before it is looked at */
	fr_recorder_sync(r);
	for (;;) {
		if (bpf_map_get_next_key(fd, first ? NULL : &key, &next))
			break;	/* the end of the map */
		/* a key deleted under the walk starts it over: a walk that
		 * never ends proves nothing, and no slot is taken */
		if (++k > 4 * max)
			return 0;
		if (!bpf_map_lookup_elem(fd, &next, &v) && v && v <= FR_MAX_TRACES)
			used[v] = 1;
		key = next;
		first = false;
	}
	fr_ring_foreach(&r->ring, slot_one, &w);
	for (unsigned s = 1; s <= FR_MAX_TRACES; s++) {
		if (used[s])
			continue;
		/* a ring file may still hold records that carry it */
		if (r->trace_file_ts) {
			uint64_t t = __atomic_load_n(&r->trace_file_ts[s], __ATOMIC_RELAXED);

			if (t && t >= oldest)
				continue;
		}
		if (!best || r->trace_used_ns[s] < r->trace_used_ns[best])
			best = s;
	}
	return best;
}

int fr_recorder_trace_slot(struct fr_recorder *r, const uint8_t id[16], bool create)
{
	unsigned n = __atomic_load_n(&r->ntraces, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (!memcmp(r->trace_ids[i], id, 16)) {
			r->trace_used_ns[i + 1] = fr_boot_ns();
			return (int)i + 1;
		}
	if (!create)
		return -ENOENT;
	if (!r->trace_ids)
		r->trace_ids = calloc(FR_MAX_TRACES, 16);
	if (!r->trace_used_ns)
		r->trace_used_ns = calloc(FR_MAX_TRACES + 1, sizeof(*r->trace_used_ns));
	if (!r->trace_ids || !r->trace_used_ns)
		return -ENOMEM;
	if (n == FR_MAX_TRACES) {
		/* full: the oldest slot nothing refers to any more is reused */
		unsigned s = r->skel ? reclaim_slot(r) : 0;

		if (!s) {
			r->traces_refused++;
			return -ENOSPC;
		}
		/* the ring file's writer reads the table under the lock */
		pthread_mutex_lock(&r->lock);
		memcpy(r->trace_ids[s - 1], id, 16);
		pthread_mutex_unlock(&r->lock);
		r->trace_used_ns[s] = fr_boot_ns();
		r->traces_recycled++;
		return (int)s;
	}
	memcpy(r->trace_ids[n], id, 16);
	r->trace_used_ns[n + 1] = fr_boot_ns();
	/* readers in other threads see the entry before the count */
	__atomic_store_n(&r->ntraces, n + 1, __ATOMIC_RELEASE);
	return (int)n + 1;
}

cJSON *fr_recorder_traces_json(const struct fr_recorder *r)
{
	unsigned n = __atomic_load_n(&r->ntraces, __ATOMIC_ACQUIRE);

	return fr_traces_json((const uint8_t (*)[16])r->trace_ids, n);
}

int fr_recorder_label_tid(struct fr_recorder *r, uint32_t tid, unsigned slot)
{
	uint32_t v = slot;

	if (bpf_map__update_elem(r->skel->maps.traces, &tid, sizeof(tid), &v, sizeof(v), BPF_ANY))
		return -errno;
	r->skel->bss->traces_on = 1;
	return 0;
}

int fr_recorder_label_pid(struct fr_recorder *r, uint32_t pid, unsigned slot)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int n = 0, err = 0;

	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	d = opendir(path);
	if (!d)
		return -ESRCH;
	while ((de = readdir(d))) {
		unsigned long tid;
		char *end;

		errno = 0;
		tid = strtoul(de->d_name, &end, 10);
		if (*end || !tid || errno || tid > UINT32_MAX)
			continue;
		err = fr_recorder_label_tid(r, (uint32_t)tid, slot);
		if (err)
			break;
		n++;
	}
	closedir(d);
	return err ? err : n ? n : -ESRCH;
}

int fr_recorder_unlabel(struct fr_recorder *r, unsigned slot)
{
	int fd = bpf_map__fd(r->skel->maps.traces), n = 0;
	uint32_t key, next, v, *del;
	size_t max = bpf_map__max_entries(r->skel->maps.traces), k = 0;
	bool first = true;

	/* one walk to find them, then the deletes: deleting during the walk
	 * would make it start over */
	del = malloc(max * sizeof(*del));
	if (!del)
		return -ENOMEM;
	while (k < max && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &v) && v == slot)
			del[k++] = next;
		key = next;
		first = false;
	}
	for (size_t i = 0; i < k; i++)
		if (!bpf_map_delete_elem(fd, &del[i]))
			n++;
	free(del);
	return n;
}

void fr_recorder_trace_unslot(struct fr_recorder *r, unsigned slot)
{
	/* only the newest, never handed out: nothing can carry it */
	if (slot && slot == r->ntraces && r->ntraces < FR_MAX_TRACES)
		__atomic_store_n(&r->ntraces, slot - 1, __ATOMIC_RELEASE);
	/* a slot given anew: the first to be taken again */
	else if (slot && slot <= FR_MAX_TRACES && r->trace_used_ns)
		r->trace_used_ns[slot] = 0;
}

