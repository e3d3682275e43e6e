/* synth.h: write a synthetic but complete capture with known contents, so
 * readers can be tested without BPF or privileges. */
#ifndef FR_SYNTH_H
#define FR_SYNTH_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/event.h"
#include "capture/ringfile.h"
#include "capture/proctab.h"
#include "record/ring.h"

#define SYNTH_PID 4242
#define SYNTH_T0 1000000000000ULL	/* boot ns of the first event */
#define SYNTH_WALL 1763900000000000000LL	/* boot_to_wall offset */

static inline cJSON *synth_meta(void)
{
	cJSON *meta = cJSON_CreateObject(), *o;

	cJSON_AddNumberToObject(meta, "format", 1);
	o = cJSON_AddObjectToObject(meta, "host");
	cJSON_AddStringToObject(o, "hostname", "synth");
	cJSON_AddStringToObject(o, "arch", "x86_64");
	cJSON_AddStringToObject(o, "kernel", "6.0.0-synth");
	o = cJSON_AddObjectToObject(meta, "clock");
	cJSON_AddNumberToObject(o, "boot_to_wall_sec", (double)(SYNTH_WALL / 1000000000));
	cJSON_AddNumberToObject(o, "boot_to_wall_nsec", (double)(SYNTH_WALL % 1000000000));
	cJSON_AddNumberToObject(meta, "start_ns", (double)SYNTH_T0);
	return meta;
}

/* Events: for i in [0, n): a sys_enter/sys_exit getppid pair 1 us apart,
 * every 10th pair preceded by a fork, exec and exit of a child; all 100 us
 * apart. Returns 0 or -errno. */
static inline int synth_write(int fd, unsigned n, bool with_end)
{
	struct fr_cap_writer w;
	cJSON *meta, *procs, *end, *o, *c;
	uint64_t t = SYNTH_T0;
	unsigned events = 0;
	int ret;

	ret = fr_capw_open(&w, fd);
	if (ret)
		return ret;
	meta = synth_meta();
	o = cJSON_AddObjectToObject(meta, "devices");
	cJSON_AddStringToObject(o, "8:0", "sda");
	ret = fr_capw_json(&w, FR_SEG_META, meta);
	cJSON_Delete(meta);

	for (unsigned i = 0; !ret && i < n; i++, t += 100000) {
		struct fr_sys_enter en = { .h = { t + 100, SYNTH_PID, SYNTH_PID, FR_EV_SYS_ENTER,
						  sizeof(en), 0, 0 }, .id = 110 };
		struct fr_sys_exit ex = { .h = { t + 1100, SYNTH_PID, SYNTH_PID, FR_EV_SYS_EXIT,
						 sizeof(ex), 0, 0 }, .id = 110, .ret = 1 };

		if (i % 10 == 0) {
			uint32_t child = SYNTH_PID + 1 + i;
			struct fr_proc_fork f = { .h = { t, SYNTH_PID, SYNTH_PID, FR_EV_PROC_FORK,
							 sizeof(f), 1, 0 },
						  .child_tgid = child, .child_tid = child };
			struct fr_proc_exec e = { .h = { t + 10, child, child, FR_EV_PROC_EXEC, 0, 1, 0 } };
			struct fr_proc_exit x = { .h = { t + 20, child, child, FR_EV_PROC_EXIT,
							 sizeof(x), 1, 0 }, .exit_code = 3 << 8,
						  .group_dead = 1 };
			const char fn[] = "/bin/true", args[] = "true\0it's \"quoted\"";

			memcpy(f.child_comm, "synth", 6);
			memcpy(e.comm, "true", 5);
			memcpy(e.data, fn, sizeof(fn));
			memcpy(e.data + sizeof(fn), args, sizeof(args));
			e.filename_len = sizeof(fn);
			e.args_len = sizeof(args);
			e.h.size = (FR_EXEC_FIXED_SIZE + sizeof(fn) + sizeof(args) + 7) & ~7u;
			ret = fr_capw_event(&w, &f, sizeof(f));
			if (!ret)
				ret = fr_capw_event(&w, &e, e.h.size);
			if (!ret)
				ret = fr_capw_event(&w, &x, sizeof(x));
			events += 3;
		}
		if (!ret)
			ret = fr_capw_event(&w, &en, sizeof(en));
		if (!ret)
			ret = fr_capw_event(&w, &ex, sizeof(ex));
		events += 2;
	}
	if (!ret)
		ret = fr_capw_flush(&w);
	procs = cJSON_CreateArray();
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "tid", SYNTH_PID);
	cJSON_AddNumberToObject(o, "tgid", SYNTH_PID);
	cJSON_AddStringToObject(o, "comm", "synth");
	cJSON_AddStringToObject(o, "cmdline", "synth --test");
	cJSON_AddItemToArray(procs, o);
	if (!ret)
		ret = fr_capw_json(&w, FR_SEG_PROCS, procs);
	cJSON_Delete(procs);
	if (with_end && !ret) {
		end = cJSON_CreateObject();
		c = cJSON_AddObjectToObject(end, "counters");
		cJSON_AddNumberToObject(c, "stored", events);
		ret = fr_capw_json(&w, FR_SEG_END, end);
		cJSON_Delete(end);
	}
	{
		int r2 = fr_capw_close(&w);

		return ret ? ret : r2;
	}
}

/* A ring file of at most max_size bytes: nseg EVENTS segments of per_seg
 * getppid enter/exit pairs, 1 us apart, pair i returning a pseudo-random
 * value (so segments do not compress to nothing); task SYNTH_PID in a
 * PROCS segment up front, again every 16 segments; a STATUS every 8
 * segments; END unless with_end is false. rf is left closed. */
static inline int synth_ring_write(int fd, uint64_t max_size, unsigned nseg, unsigned per_seg,
				   bool with_end, struct fr_ringfile *rf)
{
	uint64_t t = SYNTH_T0, x = 88172645463325252ULL;
	size_t cap = per_seg * (sizeof(struct fr_sys_enter) + sizeof(struct fr_sys_exit));
	uint8_t *buf = malloc(cap);
	cJSON *meta = synth_meta(), *procs, *o;
	int ret;

	ret = buf ? fr_rf_open(rf, fd, max_size, meta) : -ENOMEM;
	cJSON_Delete(meta);
	procs = cJSON_CreateArray();
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "tid", SYNTH_PID);
	cJSON_AddNumberToObject(o, "tgid", SYNTH_PID);
	cJSON_AddStringToObject(o, "comm", "synth");
	cJSON_AddItemToArray(procs, o);
	for (unsigned k = 0; !ret && k < nseg; k++) {
		size_t len = 0;
		uint64_t t0 = t;

		if (k % 16 == 0)
			ret = fr_rf_write_json(rf, FR_SEG_PROCS, procs);
		for (unsigned i = 0; !ret && i < per_seg; i++, t += 2000) {
			struct fr_sys_enter en = { .h = { t, SYNTH_PID, SYNTH_PID, FR_EV_SYS_ENTER,
							  sizeof(en), 0, 0 }, .id = 110 };
			struct fr_sys_exit ex = { .h = { t + 1000, SYNTH_PID, SYNTH_PID, FR_EV_SYS_EXIT,
							 sizeof(ex), 0, 0 }, .id = 110 };

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ex.ret = (int64_t)(x >> 1);
			memcpy(buf + len, &en, sizeof(en));
			len += sizeof(en);
			memcpy(buf + len, &ex, sizeof(ex));
			len += sizeof(ex);
		}
		if (!ret)
			ret = fr_rf_write(rf, FR_SEG_EVENTS, buf, len, 2 * per_seg, t0, t - 1000);
		if (!ret && k % 8 == 7) {
			cJSON *st = cJSON_CreateObject(), *c = cJSON_AddObjectToObject(st, "counters");

			cJSON_AddNumberToObject(c, "stored", (double)rf->stored);
			cJSON_AddNumberToObject(c, "file_overwritten", (double)rf->overwritten);
			cJSON_AddNumberToObject(st, "ts", (double)t);
			ret = fr_rf_write_json(rf, FR_SEG_STATUS, st);
			cJSON_Delete(st);
		}
	}
	if (!ret && with_end) {
		cJSON *end = cJSON_CreateObject(), *c = cJSON_AddObjectToObject(end, "counters");

		cJSON_AddNumberToObject(c, "stored", (double)rf->stored);
		cJSON_AddNumberToObject(c, "file_overwritten", (double)rf->overwritten);
		ret = fr_rf_write_json(rf, FR_SEG_END, end);
		cJSON_Delete(end);
	}
	cJSON_Delete(procs);
	free(buf);
	{
		int r2 = fr_rf_close(rf);

		return ret ? ret : r2;
	}
}

static inline unsigned synth_count(unsigned n)
{
	return 2 * n + 3 * ((n + 9) / 10);
}

/* ---- a command a recorder started, which execs and forks ----
 *
 * As record -- sh -c 'exec frhelper --forks K' records it: the recorder
 * (SYNTH_PID, "flightrec") forks SYNTH_CMD, which runs under the
 * recorder's name until it execs sh, then frhelper; frhelper forks K
 * children (SYNTH_CMD + 100 + i) that exec true and exit, vforks one more
 * (SYNTH_CMD + 99) that does the same, and clones one thread
 * (SYNTH_CMD + 1) that makes a getppid call and exits. Each new task is
 * woken as new (sched_wakeup_new) and switched in. So the capture holds
 * exactly K + 3 forks (the recorder's, then K + 2 of frhelper's, vfork and
 * clone included) and as many sched_wakeup_new. With renames, its process table knows the command's
 * names as the recorder's does (each exec a rename); without, a reader
 * learns them from the events only. */
#define SYNTH_CMD 4300u

struct synth_w {
	struct fr_cap_writer w;
	uint64_t t;		/* the next event's time */
	unsigned n;		/* events written */
	int ret;
};

static inline void synth_put(struct synth_w *s, void *rec, uint16_t type, uint16_t size,
			     uint32_t tgid, uint32_t tid)
{
	struct fr_hdr *h = rec;

	*h = (struct fr_hdr){ .ts = s->t, .tgid = tgid, .tid = tid, .type = type, .size = size };
	s->t += 1000;
	if (!s->ret)
		s->ret = fr_capw_event(&s->w, rec, size);
	s->n++;
}

/* parent forks child (child_tgid: the child's process), which is woken as
 * new and switched in, parent leaving the CPU in state */
static inline void synth_spawn(struct synth_w *s, uint32_t ptgid, uint32_t parent,
			       uint32_t ctgid, uint32_t child, const char *comm, uint32_t state)
{
	struct fr_proc_fork f = { .child_tgid = ctgid, .child_tid = child };
	struct fr_sched_wakeup wn = { .waker_tgid = ptgid, .waker_tid = parent, .prio = 120 };
	struct fr_sched_switch sw = { .next_tgid = ctgid, .next_tid = child, .prev_state = state,
				      .prev_prio = 120, .next_prio = 120 };

	snprintf(f.child_comm, sizeof(f.child_comm), "%s", comm);
	synth_put(s, &f, FR_EV_PROC_FORK, sizeof(f), ptgid, parent);
	snprintf(wn.comm, sizeof(wn.comm), "%s", comm);
	synth_put(s, &wn, FR_EV_SCHED_WAKEUP_NEW, sizeof(wn), ctgid, child);
	snprintf(sw.prev_comm, sizeof(sw.prev_comm), "%s", comm);
	snprintf(sw.next_comm, sizeof(sw.next_comm), "%s", comm);
	synth_put(s, &sw, FR_EV_SCHED_SWITCH, FR_SCHED_SWITCH_V1_SIZE, ptgid, parent);
}

static inline void synth_exec(struct synth_w *s, uint32_t tid, const char *path, const char *comm)
{
	struct fr_sys_enter en = { .id = 59 };
	struct fr_sys_exit ex = { .id = 59 };
	struct fr_proc_exec e = { .old_tid = tid };
	size_t n = strlen(path) + 1;

	synth_put(s, &en, FR_EV_SYS_ENTER, sizeof(en), tid, tid);
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	memcpy(e.data, path, n);
	memcpy(e.data + n, comm, strlen(comm) + 1);
	e.filename_len = (uint16_t)n;
	e.args_len = (uint16_t)(strlen(comm) + 1);
	synth_put(s, &e, FR_EV_PROC_EXEC, (FR_EXEC_FIXED_SIZE + n + e.args_len + 7) & ~7u, tid,
		  tid);
	synth_put(s, &ex, FR_EV_SYS_EXIT, sizeof(ex), tid, tid);
}

/* tid (of tgid) exits, and the CPU goes back to next */
static inline void synth_exit(struct synth_w *s, uint32_t tgid, uint32_t tid, bool group_dead,
			      uint32_t next, const char *comm, const char *next_comm)
{
	struct fr_proc_exit x = { .group_dead = group_dead };
	struct fr_sched_switch sw = { .next_tgid = next, .next_tid = next, .prev_state = 0x10 };

	synth_put(s, &x, FR_EV_PROC_EXIT, FR_PROC_EXIT_V1_SIZE, tgid, tid);
	snprintf(sw.prev_comm, sizeof(sw.prev_comm), "%s", comm);
	snprintf(sw.next_comm, sizeof(sw.next_comm), "%s", next_comm);
	synth_put(s, &sw, FR_EV_SCHED_SWITCH, FR_SCHED_SWITCH_V1_SIZE, tgid, tid);
}

static inline cJSON *synth_exec_procs(bool renames, uint64_t sh_ts, uint64_t frhelper_ts)
{
	cJSON *procs = cJSON_CreateArray(), *o, *r, *x;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "tid", SYNTH_PID);
	cJSON_AddNumberToObject(o, "tgid", SYNTH_PID);
	cJSON_AddStringToObject(o, "comm", "flightrec");
	cJSON_AddItemToArray(procs, o);
	if (!renames)
		return procs;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "tid", SYNTH_CMD);
	cJSON_AddNumberToObject(o, "tgid", SYNTH_CMD);
	cJSON_AddNumberToObject(o, "ppid", SYNTH_PID);
	cJSON_AddStringToObject(o, "comm", "flightrec");
	r = cJSON_AddArrayToObject(o, "renames");
	x = cJSON_CreateObject();
	cJSON_AddNumberToObject(x, "ts", (double)sh_ts);
	cJSON_AddStringToObject(x, "comm", "sh");
	cJSON_AddItemToArray(r, x);
	x = cJSON_CreateObject();
	cJSON_AddNumberToObject(x, "ts", (double)frhelper_ts);
	cJSON_AddStringToObject(x, "comm", "frhelper");
	cJSON_AddItemToArray(r, x);
	cJSON_AddItemToArray(procs, o);
	return procs;
}

/* Returns the number of events written, or -errno. */
static inline int synth_exec_write(int fd, unsigned k, bool renames)
{
	struct synth_w s = { .t = SYNTH_T0 };
	const uint32_t cmd = SYNTH_CMD, thread = SYNTH_CMD + 1, vchild = SYNTH_CMD + 99;
	struct fr_sys_enter en = { .id = 110 };
	struct fr_sys_exit ex = { .id = 110, .ret = (int64_t)cmd };
	uint64_t sh_ts, frhelper_ts;
	cJSON *meta, *procs, *end, *c;
	int r2;

	s.ret = fr_capw_open(&s.w, fd);
	if (s.ret)
		return s.ret;
	meta = synth_meta();
	s.ret = fr_capw_json(&s.w, FR_SEG_META, meta);
	cJSON_Delete(meta);
	synth_spawn(&s, SYNTH_PID, SYNTH_PID, cmd, cmd, "flightrec", 0x1);
	sh_ts = s.t + 1000;
	synth_exec(&s, cmd, "/bin/sh", "sh");
	frhelper_ts = s.t + 1000;
	synth_exec(&s, cmd, "build/tests/frhelper", "frhelper");
	for (unsigned i = 0; i < k; i++) {
		uint32_t child = cmd + 100 + i;

		synth_spawn(&s, cmd, cmd, child, child, "frhelper", 0x0);
		synth_exec(&s, child, "/bin/true", "true");
		synth_exit(&s, child, child, true, cmd, "true", "frhelper");
	}
	/* a vfork: the parent waits in D until the child execs */
	synth_spawn(&s, cmd, cmd, vchild, vchild, "frhelper", 0x2);
	synth_exec(&s, vchild, "/bin/true", "true");
	synth_exit(&s, vchild, vchild, true, cmd, "true", "frhelper");
	/* a clone: a thread of frhelper */
	synth_spawn(&s, cmd, cmd, cmd, thread, "frhelper", 0x0);
	synth_put(&s, &en, FR_EV_SYS_ENTER, sizeof(en), cmd, thread);
	synth_put(&s, &ex, FR_EV_SYS_EXIT, sizeof(ex), cmd, thread);
	synth_exit(&s, cmd, thread, false, cmd, "frhelper", "frhelper");
	synth_exit(&s, cmd, cmd, true, SYNTH_PID, "frhelper", "flightrec");
	if (!s.ret)
		s.ret = fr_capw_flush(&s.w);
	procs = synth_exec_procs(renames, sh_ts, frhelper_ts);
	if (!s.ret)
		s.ret = fr_capw_json(&s.w, FR_SEG_PROCS, procs);
	cJSON_Delete(procs);
	end = cJSON_CreateObject();
	c = cJSON_AddObjectToObject(end, "counters");
	cJSON_AddNumberToObject(c, "stored", s.n);
	if (!s.ret)
		s.ret = fr_capw_json(&s.w, FR_SEG_END, end);
	cJSON_Delete(end);
	r2 = fr_capw_close(&s.w);
	return s.ret ? s.ret : r2 ? r2 : (int)s.n;
}

/* ---- an in-memory ring of synthetic records, as a recorder fills it ----
 *
 * Group i of synth_ring_fill, at SYNTH_T0 + i * SYNTH_RING_STEP: task
 * SYNTH_RING_PARENT forks child SYNTH_RING_PARENT + 1 + i, which makes a
 * getppid call, its exit put in the ring before its enter when i % 5 == 4
 * (records reach the ring slightly out of order). The child's records are
 * labelled with trace slot (i % 2 ? slot : 0). The tids are above any
 * pid_max, so /proc never knows them. */
#define SYNTH_RING_PARENT 5000000u
#define SYNTH_RING_STEP 10000ULL
#define SYNTH_RING_PER 3u

static inline uint32_t synth_ring_child(unsigned i)
{
	return SYNTH_RING_PARENT + 1 + i;
}

/* Groups [first, first + n) into ring, and learnt by known (when not
 * NULL) as the recorder's table learns them. */
static inline void synth_ring_fill(struct fr_ring *ring, unsigned first, unsigned n, unsigned slot,
				   struct fr_proctab *known)
{
	uint64_t x = 88172645463325252ULL ^ first;

	for (unsigned i = first; i < first + n; i++) {
		uint64_t t = SYNTH_T0 + i * SYNTH_RING_STEP;
		uint32_t c = synth_ring_child(i);
		uint16_t label = (uint16_t)(i % 2 ? slot : 0);
		struct fr_proc_fork f = { .h = { t, SYNTH_RING_PARENT, SYNTH_RING_PARENT, FR_EV_PROC_FORK,
						 sizeof(f), 0, 0 },
					  .child_tgid = c, .child_tid = c };
		struct fr_sys_enter en = { .h = { t + 100, c, c, FR_EV_SYS_ENTER, sizeof(en), 0, label },
					   .id = 110 };
		struct fr_sys_exit ex = { .h = { t + 1100, c, c, FR_EV_SYS_EXIT, sizeof(ex), 0, label },
					  .id = 110 };

		/* a pseudo-random result: ring files do not compress to nothing */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ex.ret = (int64_t)(x >> 1);
		memcpy(f.child_comm, "child", 6);
		fr_ring_put(ring, &f, sizeof(f));
		if (known)
			fr_proctab_learn(known, &f);
		if (i % 5 == 4) {
			fr_ring_put(ring, &ex, sizeof(ex));
			fr_ring_put(ring, &en, sizeof(en));
		} else {
			fr_ring_put(ring, &en, sizeof(en));
			fr_ring_put(ring, &ex, sizeof(ex));
		}
	}
}

/* The parent's entry in pt, as the recorder finds it in /proc. */
static inline void synth_ring_parent(struct fr_proctab *pt)
{
	struct fr_proc *p = fr_proctab_get(pt, SYNTH_RING_PARENT, true);

	if (p) {
		p->tgid = SYNTH_RING_PARENT;
		memcpy(p->comm, "parent", 7);
	}
}

#endif
