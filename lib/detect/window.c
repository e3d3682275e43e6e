/* window.c: the ring a trigger's window needs; see window.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "detect/window.h"

#define RING_MAX (4ULL << 30)

uint64_t fr_window_need(uint64_t window_ns, double rate)
{
	double r = 2 * rate > FR_WINDOW_FLOOR_RATE ? 2 * rate : FR_WINDOW_FLOOR_RATE;
	double need = r * (double)window_ns / 1e9;

	/* and a little for the records in flight, rounded up to a megabyte */
	need += 1 << 20;
	return ((uint64_t)need + (1 << 20) - 1) & ~((1ULL << 20) - 1);
}

/* The most a ring may take here: what the ring allows, and half of the
 * memory available now. */
static uint64_t ring_limit(void)
{
	char buf[4096], *p;
	uint64_t lim = RING_MAX;

	if (fr_read_small("/proc/meminfo", buf, sizeof(buf)) > 0 && (p = strstr(buf, "MemAvailable:"))) {
		uint64_t half = strtoull(p + 13, NULL, 10) * 1024 / 2;

		if (half && half < lim)
			lim = half;
	}
	return lim;
}

/* "30s", "1h": as the options are usually given */
static const char *secs(uint64_t ns, char *buf, size_t len)
{
	if (ns && ns % 3600000000000ULL == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ns / 3600000000000ULL));
	else
		snprintf(buf, len, "%gs", ns / 1e9);
	return buf;
}

static void refuse(const struct fr_window_plan *p, uint64_t need, double rate)
{
	double r = 2 * rate > FR_WINDOW_FLOOR_RATE ? 2 * rate : FR_WINDOW_FLOOR_RATE;
	char a[16], b[16], c[16], d[16], e[16];

	fr_err("--pre %s and --post %s need a %s ring at %s/s;", secs(p->pre_ns, a, sizeof(a)),
	       secs(p->post_ns, b, sizeof(b)), fr_fmt_bytes(need, c, sizeof(c)),
	       fr_fmt_bytes((uint64_t)r, d, sizeof(d)));
	fr_err("the most here is %s: give a shorter --pre or --post", fr_fmt_bytes(ring_limit(), e, sizeof(e)));
}

uint64_t fr_window_start_size(const struct fr_window_plan *p)
{
	uint64_t need = fr_window_need(p->pre_ns + p->post_ns, 0);

	if (need <= p->asked)
		return p->asked;
	if (need > ring_limit()) {
		refuse(p, need, 0);
		return 0;
	}
	return need;
}

void fr_window_start(struct fr_window_plan *p, const struct fr_ring *ring, uint64_t now)
{
	p->head0 = ring->head;
	p->t0 = now;
	p->fitted = false;
}

int fr_window_fit(struct fr_window_plan *p, struct fr_recorder *r, uint64_t *cursor, uint64_t now,
		  int (*grow)(struct fr_recorder *r, uint64_t cap, uint64_t *pos))
{
	struct fr_ring *ring = &r->ring;
	double rate;
	uint64_t need;
	char a[16], b[16], c[16], d[16], e[16];
	int err;

	if (p->fitted || now < p->t0 + 1000000000ULL)
		return 0;
	p->fitted = true;
	if (r->rebuilds) {
		/* resized by hand (ctl resize) or a trace taken out: its size
		 * is the operator's, and its positions started again */
		fr_vlog("the ring was rebuilt by request: the window's fit is skipped");
		return 0;
	}
	rate = (double)(ring->head - p->head0) * 1e9 / (double)(now - p->t0);
	need = fr_window_need(p->pre_ns + p->post_ns, rate);
	fr_vlog("events at %s/s in the first second: the window needs a %s ring",
		fr_fmt_bytes((uint64_t)rate, a, sizeof(a)), fr_fmt_bytes(need, b, sizeof(b)));
	if (need > ring->cap) {
		if (need > ring_limit()) {
			refuse(p, need, rate);
			return -E2BIG;
		}
		err = grow(r, need, cursor);
		if (err) {
			fr_err("cannot grow the ring to %s: %s", fr_fmt_bytes(need, a, sizeof(a)), strerror(-err));
			return err;
		}
	}
	if (ring->cap <= p->asked)
		return 0;
	fr_info("the ring grows from %s to %s to hold --pre %s and --post %s",
		fr_fmt_bytes(p->asked, a, sizeof(a)), fr_fmt_bytes(ring->cap, b, sizeof(b)),
		secs(p->pre_ns, c, sizeof(c)), secs(p->post_ns, d, sizeof(d)));
	if (2 * rate > FR_WINDOW_FLOOR_RATE)
		fr_info("  at %s/s, twice the rate of events of the first second",
			fr_fmt_bytes((uint64_t)(2 * rate), e, sizeof(e)));
	else
		fr_info("  at %s/s, the least rate assumed (the first second had %s/s)",
			fr_fmt_bytes(FR_WINDOW_FLOOR_RATE, e, sizeof(e)), fr_fmt_bytes((uint64_t)rate, a, sizeof(a)));
	return 0;
}
