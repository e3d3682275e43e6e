/* writers.c: what the capture writers read of a recorder: its META, the
 * context of a snapshot (tasks, trace ids, counters, the maps' fill) and
 * the source a ring file's writer follows; snapshot.c and stream.c take
 * these, never the recorder itself. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "capture/capture.h"
#include "capture/event.h"
#include "base/log.h"
#include "record/recorder.h"
#include "record/snapshot.h"
#include "record/stream.h"
#include "base/util.h"

cJSON *fr_meta_json(const struct fr_recorder *r, const struct fr_snapshot_info *info)
{
	cJSON *m = cJSON_CreateObject(), *host, *clock, *probes, *groups, *ring;
	struct utsname u;
	char hn[256] = "";

	cJSON_AddNumberToObject(m, "format", FR_CAP_VERSION);
	cJSON_AddNumberToObject(m, "abi", FR_ABI_VERSION);
	cJSON_AddStringToObject(m, "tool", "flightrec " FR_VERSION);
	host = cJSON_AddObjectToObject(m, "host");
	gethostname(hn, sizeof(hn) - 1);
	cJSON_AddStringToObject(host, "hostname", hn);
	if (!uname(&u)) {
		cJSON_AddStringToObject(host, "kernel", u.release);
		cJSON_AddStringToObject(host, "kernel_version", u.version);
		cJSON_AddStringToObject(host, "arch", u.machine);
	}
	cJSON_AddNumberToObject(host, "cpus", sysconf(_SC_NPROCESSORS_CONF));
	clock = cJSON_AddObjectToObject(m, "clock");
	cJSON_AddStringToObject(clock, "source", "boottime");
	{
		/* JSON numbers are doubles: split so that both parts are exact */
		int64_t off = fr_boot_to_wall_ns();
		int64_t sec = off / 1000000000, nsec = off % 1000000000;

		if (nsec < 0) {
			nsec += 1000000000;
			sec--;
		}
		cJSON_AddNumberToObject(clock, "boot_to_wall_sec", (double)sec);
		cJSON_AddNumberToObject(clock, "boot_to_wall_nsec", (double)nsec);
	}
	cJSON_AddNumberToObject(m, "start_ns", (double)r->start_ns);
	if (r->stop_ns)
		cJSON_AddNumberToObject(m, "stop_ns", (double)r->stop_ns);
	if (info->command)
		cJSON_AddStringToObject(m, "command", info->command);
	groups = cJSON_AddArrayToObject(m, "groups");
	for (size_t i = 0; i < fr_ngroups; i++)
		if (info->groups & fr_groups[i].bit)
			cJSON_AddItemToArray(groups, cJSON_CreateString(fr_groups[i].name));
	if (info->filters)
		cJSON_AddItemToObject(m, "filters", cJSON_Duplicate(info->filters, true));
	probes = cJSON_AddArrayToObject(m, "probes");
	for (unsigned i = 0; i < fr_nprobes; i++) {
		const struct fr_probe_state *ps = &r->probes[i];
		cJSON *p;

		if (!ps->def || (!ps->attached && ps->why && !strcmp(ps->why, "not asked for")))
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", ps->def->name);
		cJSON_AddStringToObject(p, "group", fr_group_name(ps->def->group));
		cJSON_AddStringToObject(p, "method", fr_attach_name(ps->attached ? ps->method : FR_ATTACH_NONE));
		cJSON_AddBoolToObject(p, "attached", ps->attached);
		if (!ps->attached && ps->why)
			cJSON_AddStringToObject(p, "reason", ps->why);
		cJSON_AddItemToArray(probes, p);
	}
	ring = cJSON_AddObjectToObject(m, "ring");
	cJSON_AddNumberToObject(ring, "size", (double)r->ring.cap);
	cJSON_AddNumberToObject(ring, "bpf_buffer", info->bpf_buffer);
	if (info->max_size)
		cJSON_AddNumberToObject(ring, "file_max", (double)info->max_size);
	cJSON_AddItemToObject(m, "devices", fr_devices_json());
	return m;
}

void fr_recorder_snap_ctx(struct fr_recorder *r, const struct fr_snapshot_info *info,
			  struct fr_snap_ctx *c)
{
	c->meta = fr_meta_json(r, info);
	c->tasks = &r->tasks;
	c->trace_ids = (const uint8_t (*)[16])r->trace_ids;
	c->ntraces = __atomic_load_n(&r->ntraces, __ATOMIC_ACQUIRE);
	c->maps = r->maps;
	c->stop_ns = r->stop_ns;
}

/* The whole ring (win NULL) or a window of it, with the counters and the
 * tables as they are now. */
static int snapshot(struct fr_recorder *r, const struct fr_snapshot_info *info, const cJSON *trigger,
		    const struct fr_window *win, struct fr_cap_writer *w, struct fr_snapshot_result *res)
{
	struct fr_counters k;
	struct fr_snap_ctx c;
	int err;

	fr_recorder_counters(r, &k);
	fr_recorder_snap_ctx(r, info, &c);
	err = win ? fr_snapshot_write_window(win, &k, &c, info, trigger, w, res)
		  : fr_snapshot_write(&r->ring, &k, &c, info, w, res);
	cJSON_Delete((cJSON *)c.meta);
	return err;
}

int fr_recorder_snapshot(struct fr_recorder *r, const struct fr_snapshot_info *info,
			 struct fr_cap_writer *w, struct fr_snapshot_result *res)
{
	return snapshot(r, info, NULL, NULL, w, res);
}

int fr_recorder_snapshot_window(struct fr_recorder *r, const struct fr_snapshot_info *info,
				const cJSON *trigger, const struct fr_window *win,
				struct fr_cap_writer *w, struct fr_snapshot_result *res)
{
	return snapshot(r, info, trigger, win, w, res);
}

/* the writer's thread: the task figures are its own (pub_tasks) */
static void counters_of(void *ctx, struct fr_counters *k)
{
	fr_recorder_counters_shared(ctx, k);
}

void fr_recorder_stream_src(struct fr_recorder *r, struct fr_stream_src *src)
{
	*src = (struct fr_stream_src){
		.ring = &r->ring,
		.lock = &r->lock,
		.drained_ns = &r->drained_ns,
		.trace_ids = &r->trace_ids,
		.ntraces = &r->ntraces,
		.file_slot_ts = &r->trace_file_ts,
		.file_oldest_ts = &r->file_oldest_ts,
		.counters = counters_of,
		.ctx = r,
		.maps = r->maps,
		.stop_ns = &r->stop_ns,
	};
}

