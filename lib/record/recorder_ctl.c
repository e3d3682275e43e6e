/* recorder_ctl.c: a running recorder's controls: pause and resume, probe
 * groups switched on and off, the ring cleared, resized, or a trace's
 * records taken out. Each runs on the main thread between two drains. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "record/recorder_impl.h"
#include "record/snapshot.h"
#include "capture/event.h"

void fr_recorder_add_reader(struct fr_recorder *r, struct fr_ring_reader *rd)
{
	if (r->nreaders < sizeof(r->readers) / sizeof(r->readers[0]))
		r->readers[r->nreaders++] = rd;
}

/* Is probe i attached when the groups on are groups and not paused? */
static bool probe_on(const struct fr_recorder *r, unsigned i, unsigned groups)
{
	const struct fr_probe_def *d = r->probes[i].def;

	return d && (d->always || (!r->paused && (d->group & groups)));
}

/* Bring the probes to what groups and paused say: detach first (the
 * syscall batches taken once their probes are off), then attach. The
 * probes that could not be attached. */
static unsigned apply(struct fr_recorder *r, unsigned groups, const char *why_off)
{
	bool syscalls = probe_on(r, FR_PROBE_SYS_ENTER, groups);
	unsigned failed = 0;

	for (unsigned i = 0; i < fr_nprobes; i++) {
		if (!probe_on(r, i, groups)) {
			fr_recorder_detach_probe(r, i, why_off);
			r->probes[i].wanted = false;
		}
	}
	if (!syscalls) {
		fr_recorder_stop_batching(r);
		fr_recorder_collect_batches(r);
	}
	fr_recorder_set_emit(r);
	for (unsigned i = 0; i < fr_nprobes; i++) {
		if (!probe_on(r, i, groups))
			continue;
		r->probes[i].wanted = true;
		if (r->probes[i].method != FR_ATTACH_NONE && fr_recorder_attach_probe(r, i))
			failed++;
	}
	if (syscalls && r->probes[FR_PROBE_SYS_ENTER].attached)
		fr_recorder_start_batching(r);
	return failed;
}

int fr_recorder_pause(struct fr_recorder *r)
{
	if (r->paused)
		return -EALREADY;
	r->paused = true;
	apply(r, r->groups, "paused");
	/* what the probes sent before they went is in: the pause starts
	 * after it */
	fr_recorder_poll(r, 0);
	pthread_mutex_lock(&r->lock);
	r->tl.paused_since = fr_boot_ns();
	pthread_mutex_unlock(&r->lock);
	fr_info("paused: probes detached, the ring kept (%u events in it)",
		(unsigned)r->ring.records);
	return 0;
}

int fr_recorder_resume(struct fr_recorder *r, char *err, size_t errlen)
{
	uint64_t now;

	if (!r->paused)
		return -EALREADY;
	r->paused = false;
	now = fr_boot_ns();
	if (apply(r, r->groups, "paused") && r->nattached <= 2) {
		/* fork and exit alone: nothing of what was asked came back */
		snprintf(err, errlen, "no probe could be attached again (see the recorder's "
			 "messages); still paused");
		r->paused = true;
		apply(r, r->groups, "paused");
		return -EIO;
	}
	pthread_mutex_lock(&r->lock);
	fr_timeline_pause(&r->tl, r->tl.paused_since, now);
	r->tl.paused_since = 0;
	pthread_mutex_unlock(&r->lock);
	fr_info("resumed after %.1f s", (now - r->tl.pauses[r->tl.npauses - 1][0]) / 1e9);
	return 0;
}

/* Can a probe of these groups be attached on this kernel? The first
 * group that has none. */
static const char *group_without_probe(const struct fr_recorder *r, unsigned groups)
{
	for (size_t g = 0; g < fr_ngroups; g++) {
		bool any = false;

		if (!(groups & fr_groups[g].bit))
			continue;
		for (unsigned i = 0; i < fr_nprobes; i++)
			any |= r->probes[i].def && r->probes[i].def->group == fr_groups[g].bit &&
			       r->probes[i].method != FR_ATTACH_NONE;
		if (!any)
			return fr_groups[g].name;
	}
	return NULL;
}

int fr_recorder_set_groups(struct fr_recorder *r, unsigned on, unsigned off, unsigned *changed,
			   char *err, size_t errlen)
{
	unsigned groups;
	const char *none = group_without_probe(r, on);

	/* a list (all) takes the groups this kernel has; one group alone
	 * that it has not is refused */
	for (size_t g = 0; none && g < fr_ngroups; g++) {
		if ((on & fr_groups[g].bit) && on != fr_groups[g].bit &&
		    group_without_probe(r, fr_groups[g].bit)) {
			fr_warn("group %s: no probe this kernel can attach; skipped", fr_groups[g].name);
			on &= ~fr_groups[g].bit;
		}
		none = on ? group_without_probe(r, on) : NULL;
	}
	groups = (r->groups | on) & ~off;
	*changed = groups ^ r->groups;
	if (none) {
		snprintf(err, errlen, "no probe of group %s can be attached on this kernel "
			 "(stats shows why)", none);
		return -EOPNOTSUPP;
	}
	if (!groups) {
		snprintf(err, errlen, "that would leave no probe group on; pause the recorder "
			 "instead (flightrec ctl pause)");
		return -ENOENT;
	}
	if (!*changed)
		return 0;
	/* first: fork and exit records follow r->groups */
	r->groups = groups;
	apply(r, groups, "disabled");
	pthread_mutex_lock(&r->lock);
	fr_timeline_groups(&r->tl, fr_boot_ns(), groups);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

uint64_t fr_recorder_clear(struct fr_recorder *r)
{
	uint64_t n;

	pthread_mutex_lock(&r->lock);
	n = fr_ring_clear_counted(&r->ring, r->readers, r->nreaders);
	/* nothing held names a task any more: the sweep is due */
	r->swept_head = UINT64_MAX;
	r->swept_overwritten = UINT64_MAX;
	r->tl.clears++;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* ---- a rebuild of the ring (resize, a trace taken out) ---- */

/* What the stash may hold while the ring is rebuilt: at 2 million events a
 * second, a few seconds of them. */
#define STASH_MAX (256ULL << 20)

struct rebuild {
	struct fr_recorder *r;
	uint64_t cap;
	bool (*keep)(const void *rec, uint32_t len, void *ctx);
	void *ctx;
	int err;
	int done;
};

static void *rebuild_thread(void *arg)
{
	struct rebuild *b = arg;
	struct fr_recorder *r = b->r;

	pthread_mutex_lock(&r->lock);
	b->err = fr_ring_rebuild(&r->ring, b->cap, b->keep, b->ctx, r->readers, r->nreaders);
	/* positions started again at 0 */
	r->rebuilds += !b->err;
	r->swept_head = UINT64_MAX;
	r->swept_overwritten = UINT64_MAX;
	pthread_mutex_unlock(&r->lock);
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Rebuild the ring (fr_ring_rebuild) in a thread of its own while this one
 * goes on draining the BPF ring buffer into the stash, so that a busy
 * machine loses nothing meanwhile; then the stash goes into the new ring,
 * after what it kept. */
static int rebuild(struct fr_recorder *r, uint64_t cap,
		   bool (*keep)(const void *rec, uint32_t len, void *ctx), void *ctx)
{
	struct rebuild b = { r, cap, keep, ctx, 0, 0 };
	sigset_t all, old;
	pthread_t th;
	int err;

	r->stash.cap = STASH_MAX;
	r->stash.buf = mmap(NULL, r->stash.cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	if (r->stash.buf == MAP_FAILED) {
		r->stash.buf = NULL;
		rebuild_thread(&b);
		return b.err;
	}
	r->stash.len = 0;
	r->stash.records = 0;
	r->stash.on = true;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&th, NULL, rebuild_thread, &b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		r->stash.on = false;
		rebuild_thread(&b);
	} else {
		while (!__atomic_load_n(&b.done, __ATOMIC_ACQUIRE))
			fr_recorder_poll(r, 2);
		pthread_join(th, NULL);
		r->stash.on = false;
	}
	pthread_mutex_lock(&r->lock);
	for (size_t off = 0; off < r->stash.len;) {
		const struct fr_hdr *h = (const void *)(r->stash.buf + off);

		fr_ring_put(&r->ring, h, h->size);
		off += h->size;
	}
	pthread_mutex_unlock(&r->lock);
	munmap(r->stash.buf, r->stash.cap);
	r->stash.buf = NULL;
	r->stash.len = 0;
	return b.err;
}

int fr_recorder_resize(struct fr_recorder *r, uint64_t cap, uint64_t *discarded)
{
	uint64_t before;
	int err;

	before = r->ring.resized;
	err = rebuild(r, cap, NULL, NULL);
	*discarded = r->ring.resized - before;
	if (!err) {
		pthread_mutex_lock(&r->lock);
		r->tl.resizes++;
		pthread_mutex_unlock(&r->lock);
	}
	return err;
}

/* The records that stay when those keep selects are taken out. */
struct refuse {
	bool (*keep)(const void *rec, uint32_t len, void *ctx);
	void *ctx;
};

static bool refused(const void *rec, uint32_t len, void *arg)
{
	const struct refuse *f = arg;

	return !f->keep(rec, len, f->ctx);
}

int fr_recorder_select(struct fr_recorder *r, bool (*keep)(const void *rec, uint32_t len, void *ctx),
		       void *ctx, bool take, struct fr_window *win)
{
	struct refuse f = { keep, ctx };
	int err;

	/* everything up to the request is in the ring first */
	fr_recorder_sync(r);
	pthread_mutex_lock(&r->lock);
	err = fr_window_collect_if(&r->ring, 0, UINT64_MAX, keep, ctx, win);
	pthread_mutex_unlock(&r->lock);
	/* nothing came into the ring since (this thread drains): a copy of
	 * the ring without them (the ring's size again, for a moment) */
	if (!err && take && win->n) {
		err = rebuild(r, r->ring.cap, refused, &f);
		if (err)
			fr_window_free(win);
	}
	return err;
}
