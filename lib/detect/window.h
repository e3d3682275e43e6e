/* window.h: the ring a trigger's window needs. A capture holds the events
 * from --pre before a firing to --post after it, and they must all still
 * be in the ring when it is written: at R bytes of events a second, a ring
 * of C bytes holds C / R seconds. Before the probes, the ring is made big
 * enough for the window at a floor rate; in the first second, the rate of
 * this machine is measured and the ring grows to twice that, said once on
 * stderr. A window no ring can hold here is refused with the size needed. */
#ifndef FR_WINDOW_H
#define FR_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "record/recorder.h"

/* the least rate of events a window is sized for, bytes/s */
#define FR_WINDOW_FLOOR_RATE (256u << 10)

struct fr_window_plan {
	uint64_t pre_ns, post_ns;
	uint64_t asked;		/* --buffer */
	uint64_t head0, t0;	/* the ring's head when the probes went on, and when */
	bool fitted;		/* the first second's rate was looked at */
};

/* The bytes a window of window_ns needs at rate bytes/s of events: twice
 * the rate, at least the floor. */
uint64_t fr_window_need(uint64_t window_ns, double rate);

/* Before the probes: the ring to make (--buffer, or more for the window
 * at the floor rate); 0 when no ring here can hold it (message printed). */
uint64_t fr_window_start_size(const struct fr_window_plan *p);

/* The probes are on: the rate is measured from here. */
void fr_window_start(struct fr_window_plan *p, const struct fr_ring *ring, uint64_t now);

/* A second or more after fr_window_start: grow r's ring with grow
 * (fr_recorder_grow_ring: cursor, a reader's position, moves with the
 * records) to what the rate seen needs, and say so once if it is bigger
 * than --buffer. 0; -E2BIG when no ring here can hold the window (message
 * printed); -ENOMEM. Once only: later calls do nothing. */
int fr_window_fit(struct fr_window_plan *p, struct fr_recorder *r, uint64_t *cursor, uint64_t now,
		  int (*grow)(struct fr_recorder *r, uint64_t cap, uint64_t *pos));

#endif
