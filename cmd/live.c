/* live.c: what a running recorder answers on its control socket (marks,
 * live stats, snapshots) and SIGUSR1. Runs in the recorder's main loop,
 * between two drains of the BPF ring buffer. The clients are in
 * live_client.c. */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "capture/event.h"
#include "base/log.h"
#include "record/stream.h"
#include "base/util.h"

volatile sig_atomic_t fr_live_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	fr_live_usr1 = 1;
}

void fr_live_catch_usr1(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static void fail(cJSON *reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(cJSON *reply, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddBoolToObject(reply, "ok", false);
	cJSON_AddStringToObject(reply, "error", msg);
}

/* ---- mark ---- */

/* A client's time for its mark is taken when it is at most this old. */
#define FR_MARK_TS_SLACK_NS 10000000ULL

/* Is pid a process that runs (not a zombie)? */
static bool proc_alive(uint32_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* pid (comm) state ...: comm may hold anything, the state follows
	 * the last ')' */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		alive = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return alive;
}

/* The bytes a mark of q takes, its metadata's in *meta_len. */
static size_t mark_size(const struct fr_ctl_req *q, size_t *meta_len)
{
	*meta_len = 0;
	for (unsigned i = 0; i < q->nmeta; i++)
		*meta_len += strlen(q->meta[i].key) + strlen(q->meta[i].value) + 2;
	return (FR_MARK_FIXED_SIZE + strlen(q->name) + 1 + *meta_len + 7) & ~(size_t)7;
}

/* The trace slot of q's trace id in *slot (0 for none), and whether it
 * was given just now. False, with the reply, when none can be given. */
static bool mark_trace_slot(struct fr_live *l, const struct fr_ctl_req *q, int *slot, bool *new_slot,
			    cJSON *reply)
{
	/* a slot labels tasks: only a span's begin takes a new one; marks
	 * are found by the trace id they carry */
	bool begin = q->pid && !q->end;

	*slot = 0;
	*new_slot = false;
	if (!q->has_trace)
		return true;
	*slot = fr_recorder_trace_slot(l->r, q->trace_id, false);
	if (*slot == -ENOENT && begin) {
		*slot = fr_recorder_trace_slot(l->r, q->trace_id, true);
		*new_slot = *slot > 0;
	}
	if (*slot == -ENOENT) {
		*slot = 0;
	} else if (*slot < 0) {
		fail(reply, "cannot keep another trace: %s", *slot == -ENOSPC ?
		     "the 4096 traces this recorder labels are all still in use (by a task, or "
		     "by events it holds); end some spans with mark --end" : strerror(-*slot));
		return false;
	}
	return true;
}

/* The mark record of q, size bytes, labelled with slot; NULL when out of
 * memory. */
static struct fr_mark *mark_build(struct fr_live *l, const struct fr_ctl_req *q,
				  const struct fr_ctl_peer *peer, size_t size, size_t meta_len, int slot)
{
	size_t name_len = strlen(q->name) + 1;
	uint64_t now = fr_boot_ns();
	struct fr_mark *m = calloc(1, size);
	char *p;

	if (!m)
		return NULL;
	/* the caller's own time of the call when it is recent: an older one
	 * (a recorder busy or stopped meanwhile) would land behind events a
	 * ring file has already written */
	m->h.ts = q->ts && q->ts <= now && now - q->ts <= FR_MARK_TS_SLACK_NS && q->ts >= l->r->start_ns
			  ? q->ts : now;
	/* never before the connection's previous mark: a late request that
	 * got the time it was taken must not land after one sent later */
	if (peer->mark_floor && m->h.ts < *peer->mark_floor)
		m->h.ts = *peer->mark_floor;
	m->h.tgid = m->h.tid = q->pid ? q->pid : (uint32_t)peer->pid;
	m->h.type = FR_EV_MARK;
	m->h.size = (uint16_t)size;
	m->h.flags = (uint16_t)slot;
	m->sender_pid = (uint32_t)peer->pid;
	m->name_len = (uint16_t)name_len;
	m->nmeta = (uint16_t)q->nmeta;
	m->meta_len = (uint32_t)meta_len;
	if (q->has_trace) {
		m->mflags |= FR_MARK_TRACE;
		memcpy(m->trace_id, q->trace_id, 16);
		if (q->end)
			m->mflags |= FR_MARK_END;
		else if (q->pid)
			m->mflags |= FR_MARK_BEGIN;
	}
	{
		char path[64];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%u/comm", m->h.tgid);
		f = fopen(path, "re");
		if (f) {
			if (fgets(m->comm, sizeof(m->comm), f))
				m->comm[strcspn(m->comm, "\n")] = 0;
			fclose(f);
		}
	}
	p = m->data;
	memcpy(p, q->name, name_len);
	p += name_len;
	for (unsigned i = 0; i < q->nmeta; i++) {
		size_t k = strlen(q->meta[i].key) + 1, v = strlen(q->meta[i].value) + 1;

		memcpy(p, q->meta[i].key, k);
		memcpy(p + k, q->meta[i].value, v);
		p += k + v;
	}
	return m;
}

/* The labels a span's begin or end changes, before its mark goes in: a
 * span that cannot begin leaves no mark. The tasks labelled or unlabelled
 * in *labelled; false, with the reply, when the begin failed. */
static bool mark_label(struct fr_live *l, const struct fr_ctl_req *q, const struct fr_mark *m,
		       int slot, bool new_slot, int *labelled, cJSON *reply)
{
	*labelled = 0;
	if ((m->mflags & FR_MARK_END) && slot)
		*labelled = fr_recorder_unlabel(l->r, (unsigned)slot);
	if (!(m->mflags & FR_MARK_BEGIN))
		return true;
	*labelled = proc_alive(q->pid) ? fr_recorder_label_pid(l->r, q->pid, (unsigned)slot) : -ESRCH;
	if (*labelled >= 0)
		return true;
	fail(reply, "cannot label process %u: %s", q->pid, *labelled == -ESRCH ?
	     "it has exited" : strerror(-*labelled));
	/* a new trace's partial labels go; an older one's span keeps the
	 * tasks it had */
	if (new_slot) {
		if (*labelled != -ESRCH)
			fr_recorder_unlabel(l->r, (unsigned)slot);
		fr_recorder_trace_unslot(l->r, (unsigned)slot);
	}
	return false;
}

static void do_mark(struct fr_live *l, const struct fr_ctl_req *q, const struct fr_ctl_peer *peer,
		    cJSON *reply)
{
	size_t meta_len, size = mark_size(q, &meta_len);
	struct fr_mark *m;
	int slot, labelled, err;
	bool new_slot;

	if (size > FR_MARK_MAX_SIZE) {
		fail(reply, "the mark takes %zu bytes; at most %u", size, FR_MARK_MAX_SIZE);
		return;
	}
	if (q->pid && kill((pid_t)q->pid, 0) && errno == ESRCH) {
		fail(reply, "no process %u", q->pid);
		return;
	}
	if (!mark_trace_slot(l, q, &slot, &new_slot, reply))
		return;
	m = mark_build(l, q, peer, size, meta_len, slot);
	if (!m) {
		fail(reply, "out of memory");
		return;
	}
	if (!fr_event_valid(m, size)) {
		free(m);
		fail(reply, "the mark could not be encoded");
		return;
	}
	if (!mark_label(l, q, m, slot, new_slot, &labelled, reply)) {
		free(m);
		return;
	}
	err = fr_recorder_put(l->r, m);
	if (!err && peer->mark_floor)
		*peer->mark_floor = m->h.ts;
	if (err) {
		fail(reply, "cannot put the mark in the ring: %s", strerror(-err));
	} else {
		cJSON_AddBoolToObject(reply, "ok", true);
		cJSON_AddNumberToObject(reply, "ts", (double)m->h.ts);
		if (slot)
			cJSON_AddNumberToObject(reply, "tasks", labelled);
	}
	free(m);
}

/* ---- stats ---- */

static double secs(const struct timeval *tv)
{
	return (double)tv->tv_sec + tv->tv_usec / 1e6;
}

static uint64_t count_exited(const struct fr_proctab *pt)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < pt->len; i++)
		n += pt->v[i].exit_ts != 0;
	return n;
}

/* Who answers, since when. */
static void stats_self(const struct fr_live *l, uint64_t now, cJSON *reply)
{
	cJSON_AddBoolToObject(reply, "ok", true);
	cJSON_AddStringToObject(reply, "name", l->name);
	cJSON_AddStringToObject(reply, "kind", l->kind);
	cJSON_AddNumberToObject(reply, "pid", getpid());
	cJSON_AddStringToObject(reply, "version", FR_VERSION);
	if (l->info && l->info->command)
		cJSON_AddStringToObject(reply, "command", l->info->command);
	cJSON_AddNumberToObject(reply, "start_ns", (double)l->r->start_ns);
	cJSON_AddNumberToObject(reply, "now_ns", (double)now);
	cJSON_AddNumberToObject(reply, "uptime_s", (now - l->r->start_ns) / 1e9);
}

/* The events by type and their rates over the last one to two seconds
 * (fr_live_service keeps the counts of then). */
static void stats_events(const struct fr_live *l, const struct fr_counters *k, uint64_t now,
			 cJSON *reply)
{
	uint64_t since = l->prev_ns ? l->prev_ns : l->r->start_ns;
	const uint64_t *base = l->prev_ns ? l->prev : NULL;
	double dt = now > since ? (now - since) / 1e9 : 0, total_rate = 0;
	cJSON *o = cJSON_AddObjectToObject(reply, "events"), *t;

	cJSON_AddNumberToObject(o, "received", (double)k->received);
	cJSON_AddNumberToObject(o, "marks", (double)k->marks);
	cJSON_AddNumberToObject(o, "rate_window_s", dt);
	t = cJSON_AddObjectToObject(o, "by_type");
	for (unsigned i = 0; i < FR_EV_TYPE_MAX; i++) {
		const struct fr_type_info *ti = fr_type_info(i);
		double rate = dt > 0 ? (k->by_type[i] - (base ? base[i] : 0)) / dt : 0;
		cJSON *e;

		if (!k->by_type[i])
			continue;
		e = cJSON_AddObjectToObject(t, ti ? ti->name : "unknown");
		cJSON_AddNumberToObject(e, "count", (double)k->by_type[i]);
		cJSON_AddNumberToObject(e, "rate", rate);
		total_rate += rate;
	}
	cJSON_AddNumberToObject(o, "rate", total_rate);
}

static void stats_lost(const struct fr_counters *k, cJSON *reply)
{
	cJSON *o = cJSON_AddObjectToObject(reply, "lost");

	cJSON_AddNumberToObject(o, "dropped", (double)k->dropped);
	cJSON_AddNumberToObject(o, "overwritten", (double)k->overwritten);
	cJSON_AddNumberToObject(o, "overwritten_bytes", (double)k->overwritten_bytes);
	cJSON_AddNumberToObject(o, "cleared", (double)k->cleared);
	cJSON_AddNumberToObject(o, "resized", (double)k->resized);
	cJSON_AddNumberToObject(o, "taken", (double)k->taken);
	cJSON_AddNumberToObject(o, "malformed", (double)k->malformed);
	cJSON_AddNumberToObject(o, "follow_map_full", (double)k->follow_map_full);
	cJSON_AddNumberToObject(o, "inflight_map_full", (double)k->inflight_map_full);
	cJSON_AddNumberToObject(o, "inflight_unmatched", (double)k->inflight_unmatched);
	cJSON_AddNumberToObject(o, "traces_map_full", (double)k->traces_map_full);
}

/* The bounded tables: the BPF maps' fill, the task tables (the main
 * thread's, this one's; the ring file's), the trace labels. */
static void stats_tables(const struct fr_live *l, const struct fr_counters *k, cJSON *reply)
{
	const struct fr_recorder *r = l->r;
	struct fr_map_fill m[FR_NMAPS];
	cJSON *o;

	fr_recorder_maps(r, m);
	cJSON_AddItemToObject(reply, "maps", fr_maps_json(m));
	o = cJSON_AddObjectToObject(reply, "tasks");
	cJSON_AddBoolToObject(o, "exact", r->ring.head == r->swept_head);
	cJSON_AddNumberToObject(o, "entries", (double)k->tasks_held);
	cJSON_AddNumberToObject(o, "exited", (double)count_exited(&r->tasks));
	cJSON_AddNumberToObject(o, "evicted", (double)k->tasks_evicted);
	cJSON_AddNumberToObject(o, "sweeps", (double)r->sweeps);
	cJSON_AddNumberToObject(o, "last_sweep_ms", r->sweep_ns / 1e6);
	if (l->stream) {
		o = cJSON_AddObjectToObject(reply, "file_tasks");
		cJSON_AddNumberToObject(o, "entries",
					(double)__atomic_load_n(&l->stream->pub_tasks, __ATOMIC_RELAXED));
		cJSON_AddNumberToObject(o, "evicted",
					(double)__atomic_load_n(&l->stream->pub_tasks_evicted, __ATOMIC_RELAXED));
	}
	o = cJSON_AddObjectToObject(reply, "trace_table");
	cJSON_AddNumberToObject(o, "slots", (double)k->traces);
	cJSON_AddNumberToObject(o, "max", FR_MAX_TRACES);
	cJSON_AddNumberToObject(o, "recycled", (double)k->traces_recycled);
	cJSON_AddNumberToObject(o, "refused", (double)k->traces_refused);
}

/* The ring's fill, and the ring file's. */
static void stats_ring(const struct fr_live *l, const struct fr_counters *k, cJSON *reply)
{
	cJSON *o = cJSON_AddObjectToObject(reply, "ring");

	cJSON_AddNumberToObject(o, "size", (double)k->ring_size);
	cJSON_AddNumberToObject(o, "used", (double)k->ring_used_bytes);
	cJSON_AddNumberToObject(o, "fill", k->ring_size ? 100.0 * k->ring_used_bytes / k->ring_size : 0);
	cJSON_AddNumberToObject(o, "records", (double)k->ring_records);
	cJSON_AddNumberToObject(o, "bpf_buffer", l->info ? l->info->bpf_buffer : 0);
	cJSON_AddNumberToObject(o, "resizes", (double)k->tl.resizes);
	cJSON_AddNumberToObject(o, "clears", (double)k->tl.clears);
	if (!l->stream)
		return;
	o = cJSON_AddObjectToObject(reply, "file");
	cJSON_AddStringToObject(o, "path", l->output ? l->output : "");
	cJSON_AddNumberToObject(o, "max_size", (double)l->stream->rf.ring_end);
	cJSON_AddNumberToObject(o, "bytes", (double)__atomic_load_n(&l->stream->pub_file_bytes, __ATOMIC_RELAXED));
	cJSON_AddNumberToObject(o, "events", (double)__atomic_load_n(&l->stream->pub_stored, __ATOMIC_RELAXED));
}

static void stats_probes(const struct fr_recorder *r, cJSON *reply)
{
	cJSON *a = cJSON_AddArrayToObject(reply, "probes");

	for (unsigned i = 0; i < fr_nprobes; i++) {
		const struct fr_probe_state *ps = &r->probes[i];
		cJSON *e;

		if (!ps->def)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", ps->def->name);
		cJSON_AddBoolToObject(e, "attached", ps->attached);
		cJSON_AddStringToObject(e, "method", ps->attached ? fr_attach_name(ps->method) : "none");
		if (!ps->attached && ps->why)
			cJSON_AddStringToObject(e, "why", ps->why);
		cJSON_AddItemToArray(a, e);
	}
}

/* What this process costs: CPU time and memory. */
static void stats_cost(cJSON *reply)
{
	cJSON *o = cJSON_AddObjectToObject(reply, "recorder");
	struct rusage ru;
	long rss_pages = 0;
	FILE *f;

	if (!getrusage(RUSAGE_SELF, &ru)) {
		cJSON_AddNumberToObject(o, "cpu_s", secs(&ru.ru_utime) + secs(&ru.ru_stime));
		cJSON_AddNumberToObject(o, "user_s", secs(&ru.ru_utime));
		cJSON_AddNumberToObject(o, "sys_s", secs(&ru.ru_stime));
		cJSON_AddNumberToObject(o, "max_rss_bytes", (double)ru.ru_maxrss * 1024);
	}
	f = fopen("/proc/self/statm", "re");
	if (f) {
		if (fscanf(f, "%*s %ld", &rss_pages) == 1)
			cJSON_AddNumberToObject(o, "rss_bytes", (double)rss_pages * sysconf(_SC_PAGESIZE));
		fclose(f);
	}
}

static void stats_control(const struct fr_live *l, cJSON *reply)
{
	cJSON *o = cJSON_AddObjectToObject(reply, "control");

	cJSON_AddNumberToObject(o, "clients", l->srv.nconn);
	cJSON_AddNumberToObject(o, "requests", (double)l->srv.requests);
	cJSON_AddNumberToObject(o, "refused", (double)l->srv.refused);
	cJSON_AddNumberToObject(o, "malformed", (double)l->srv.bad);
}

static void stats(struct fr_live *l, cJSON *reply)
{
	struct fr_recorder *r = l->r;
	uint64_t now = fr_boot_ns();
	struct fr_counters k;
	cJSON *t;

	/* exact figures when the ring moved since the last sweep, yet no
	 * more than four sweeps a second however often stats is asked */
	if (r->skel && r->ring.head != r->swept_head && now - r->swept_ns >= 250000000ULL)
		fr_recorder_sweep(r);
	fr_recorder_counters(r, &k);

	stats_self(l, now, reply);
	fr_live_state_json(r, reply);
	stats_events(l, &k, now, reply);
	stats_lost(&k, reply);
	stats_tables(l, &k, reply);
	if (l->more_stats)
		l->more_stats(l->more_ctx, reply);
	stats_ring(l, &k, reply);
	stats_probes(r, reply);
	stats_cost(reply);
	stats_control(l, reply);
	t = fr_recorder_traces_json(r);
	if (t)
		cJSON_AddItemToObject(reply, "traces", t);
}

/* ---- snapshots ---- */

struct snap_job {
	/* the recorder's counters and tables when the window was taken: the
	 * main thread goes on draining while the writer runs, so the tables
	 * are copies */
	struct fr_counters k;
	struct fr_snap_ctx c;
	struct fr_proctab tasks;
	uint8_t (*traces)[16];
	const struct fr_snapshot_info *info;
	struct fr_window win;
	struct fr_cap_writer w;
	struct fr_snapshot_result *res;
	int err;
	int done;
};

static void *snap_writer(void *arg)
{
	struct snap_job *j = arg;

	j->err = fr_snapshot_write_window(&j->win, &j->k, &j->c, j->info, NULL, &j->w, j->res);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The writer takes no signal: they are the main loop's. */
static int start_writer(pthread_t *th, struct snap_job *j)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(th, NULL, snap_writer, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

static void snap_job_free(struct snap_job *j)
{
	cJSON_Delete((cJSON *)j->c.meta);
	fr_proctab_free(&j->tasks);
	free(j->traces);
	fr_window_free(&j->win);	/* last: it gives the heap's free memory back */
	free(j);
}

/* The window of everything the ring holds, with the counters and tables
 * of that moment; the job's own copies of what changes as the main
 * thread drains on. */
/* The events of one trace: those labelled with its slot, and the marks
 * that carry its id. */
struct trace_sel {
	uint8_t id[16];
	int slot;	/* 0 when it labels no task */
	bool take;	/* taken out of the ring */
};

static bool of_trace(const void *rec, uint32_t len, void *arg)
{
	const struct trace_sel *t = arg;
	const struct fr_hdr *h = rec;
	const struct fr_mark *m = rec;

	if (t->slot && h->flags == t->slot)
		return true;
	return h->type == FR_EV_MARK && len >= FR_MARK_FIXED_SIZE && (m->mflags & FR_MARK_TRACE) &&
	       !memcmp(m->trace_id, t->id, 16);
}

static int snap_job_take(struct snap_job *j, struct fr_live *l, struct trace_sel *sel)
{
	struct fr_recorder *r = l->r;
	int err;

	fr_recorder_read_maps(r);
	if (sel) {
		err = fr_recorder_select(r, of_trace, sel, sel->take, &j->win);
	} else {
		fr_recorder_sync(r);
		pthread_mutex_lock(&r->lock);
		err = fr_window_collect(&r->ring, 0, UINT64_MAX, &j->win);
		pthread_mutex_unlock(&r->lock);
	}
	if (err)
		return err;
	/* nothing was drained since: this thread is the one that drains */
	fr_recorder_counters(r, &j->k);
	fr_recorder_snap_ctx(r, l->info, &j->c);
	if (!j->c.meta)
		return -ENOMEM;
	/* a slot may be reused while the writer runs: it gets its own table */
	if (j->c.trace_ids) {
		j->traces = malloc(FR_MAX_TRACES * 16);
		if (!j->traces)
			return -ENOMEM;
		memcpy(j->traces, r->trace_ids, FR_MAX_TRACES * 16);
		j->c.trace_ids = (const uint8_t (*)[16])j->traces;
	}
	err = fr_proctab_dup(&j->tasks, &r->tasks);
	j->c.tasks = &j->tasks;
	j->info = l->info;
	return err;
}

/* What the ring holds now, every event up to this moment included, as a
 * capture written to fd (taken over). The events are copied out under the
 * lock; the capture is written by a thread of its own while this one goes
 * on draining the BPF ring buffer, so a storm loses nothing meanwhile. */
static int snapshot_to(struct fr_live *l, int fd, struct trace_sel *sel,
		       struct fr_snapshot_result *res)
{
	struct snap_job *j = calloc(1, sizeof(*j));
	pthread_t th;
	int err;

	if (!j) {
		close(fd);
		return -ENOMEM;
	}
	err = snap_job_take(j, l, sel);
	if (err) {
		snap_job_free(j);
		close(fd);
		return err;
	}
	j->res = res;
	j->w.fd = -1;
	err = fr_capw_open(&j->w, fd);
	if (err) {
		fr_capw_close(&j->w);
	} else if (start_writer(&th, j)) {
		snap_writer(j);
		err = j->err;
	} else {
		while (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE))
			fr_recorder_idle(l->r, 5);
		pthread_join(th, NULL);
		err = j->err;
	}
	snap_job_free(j);
	return err;
}

static void do_snapshot(struct fr_live *l, const struct fr_ctl_req *q, int fd, cJSON *reply)
{
	struct trace_sel sel = { .take = q->clear };
	struct fr_snapshot_result res = { 0 };
	struct stat st;
	int flags, dfd, err;

	if (fd < 0) {
		fail(reply, "a snapshot needs a file descriptor sent along with the request");
		return;
	}
	flags = fcntl(fd, F_GETFL);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
		fail(reply, "a snapshot is written into a regular file open for writing");
		return;
	}
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0) {
		fail(reply, "dup: %s", strerror(errno));
		return;
	}
	if (q->has_trace) {
		memcpy(sel.id, q->trace_id, 16);
		sel.slot = fr_recorder_trace_slot(l->r, q->trace_id, false);
		if (sel.slot < 0)
			sel.slot = 0;
	}
	err = snapshot_to(l, dfd, q->has_trace ? &sel : NULL, &res);
	if (err) {
		fail(reply, "cannot write the snapshot: %s", strerror(-err));
		return;
	}
	l->snapshots++;
	cJSON_AddBoolToObject(reply, "ok", true);
	cJSON_AddNumberToObject(reply, "events", (double)res.events);
	cJSON_AddNumberToObject(reply, "raw_bytes", (double)res.raw_bytes);
	cJSON_AddNumberToObject(reply, "file_bytes", (double)res.file_bytes);
	if (q->clear)
		cJSON_AddNumberToObject(reply, "taken", (double)res.events);
}

int fr_live_snapshot_signal(struct fr_live *l)
{
	struct fr_snapshot_result res = { 0 };
	char name[256], full[4096], b[16];
	char *path = NULL;
	int fd, err;

	fr_live_default_name(l->name, name, sizeof(name));
	snprintf(full, sizeof(full), "%s/%s", l->snap_dir, name);
	fd = fr_create_numbered(full, false, &path);
	if (fd < 0) {
		fr_err("SIGUSR1: cannot create %s: %s", full, strerror(-fd));
		return fd;
	}
	err = snapshot_to(l, fd, NULL, &res);
	if (err) {
		fr_err("SIGUSR1: cannot write %s: %s; removed it", path, strerror(-err));
		unlink(path);
	} else {
		l->snapshots++;
		printf("%s\n", path);
		fflush(stdout);
		fr_info("SIGUSR1: wrote %s: %llu events, %s on disk", path,
			(unsigned long long)res.events, fr_fmt_bytes(res.file_bytes, b, sizeof(b)));
	}
	free(path);
	return err;
}

/* ---- the server ---- */

static void handle(void *ctx, const struct fr_ctl_req *q, int fd, const struct fr_ctl_peer *peer,
		   cJSON *reply)
{
	struct fr_live *l = ctx;

	switch (q->op) {
	case FR_CTL_HELLO:
		cJSON_AddBoolToObject(reply, "ok", true);
		cJSON_AddStringToObject(reply, "name", l->name);
		cJSON_AddStringToObject(reply, "kind", l->kind);
		cJSON_AddNumberToObject(reply, "pid", getpid());
		cJSON_AddStringToObject(reply, "version", FR_VERSION);
		break;
	case FR_CTL_MARK:
		do_mark(l, q, peer, reply);
		break;
	case FR_CTL_STATS:
		stats(l, reply);
		break;
	case FR_CTL_SNAPSHOT:
		do_snapshot(l, q, fd, reply);
		break;
	default:
		fr_live_ctl(l, q, reply);
		break;
	}
}

int fr_live_open(struct fr_live *l, const char *name, const char *kind,
		 const struct fr_snapshot_info *info, const char *output)
{
	char err[512], *copy;
	int ret;

	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->info = info;
	l->output = output;
	snprintf(l->name, sizeof(l->name), "%s", name);
	copy = strdup(output ? output : "./x");
	l->snap_dir = copy ? strdup(dirname(copy)) : NULL;
	free(copy);
	if (!l->snap_dir)
		return -ENOMEM;
	ret = fr_ctl_server_open(&l->srv, name, handle, l, err, sizeof(err));
	if (ret == -EADDRINUSE || ret == -EINVAL) {
		fr_err("%s", err);
		free(l->snap_dir);
		l->snap_dir = NULL;
		return ret;
	}
	if (ret) {
		/* recording matters more than being reachable */
		fr_warn("%s; recording without a control socket: mark, stats, dump --live and "
			"trigger --now cannot reach this recorder", err);
		return 0;
	}
	l->open = true;
	return 0;
}

int fr_live_start(struct fr_live *l, struct fr_recorder *r, const struct fr_stream *stream)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };

	l->r = r;
	if (!l->open)
		return 0;
	l->stream = stream;
	/* the recorder's wait wakes for clients too */
	if (epoll_ctl(r->rb.epfd, EPOLL_CTL_ADD, fr_ctl_server_fd(&l->srv), &ev)) {
		int ret = -errno;

		fr_err("cannot watch the control socket: %s", strerror(errno));
		return ret;
	}
	l->on = true;
	fr_vlog("control socket %s", l->srv.path);
	return 0;
}

void fr_live_service(struct fr_live *l)
{
	uint64_t now;

	if (!l->on)
		return;
	now = fr_boot_ns();
	if (now - l->cur_ns >= 1000000000ULL) {
		struct fr_counters k;

		/* rates are over the last one to two seconds */
		memcpy(l->prev, l->cur, sizeof(l->prev));
		l->prev_ns = l->cur_ns;
		fr_recorder_counters(l->r, &k);
		memcpy(l->cur, k.by_type, sizeof(l->cur));
		l->cur_ns = now;
	}
	fr_ctl_server_service(&l->srv);
}

void fr_live_close(struct fr_live *l)
{
	if (l->on)
		epoll_ctl(l->r->rb.epfd, EPOLL_CTL_DEL, fr_ctl_server_fd(&l->srv), NULL);
	if (l->open)
		fr_ctl_server_close(&l->srv);
	free(l->snap_dir);
	l->snap_dir = NULL;
	l->on = l->open = false;
}
