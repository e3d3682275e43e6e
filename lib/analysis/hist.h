/* hist.h: latency histograms, four buckets per power of two, so that a
 * percentile is within 19% of the truth and a histogram has a fixed size
 * whatever the number of samples. */
#ifndef FR_HIST_H
#define FR_HIST_H

#include <stdint.h>

#define FR_HIST_BUCKETS 256

struct fr_hist {
	uint64_t n, max, sum;
	uint32_t b[FR_HIST_BUCKETS];
};

void fr_hist_add(struct fr_hist *h, uint64_t v);
/* The value below which a share q (0-1) of the samples fall: the upper
 * edge of its bucket, never above max. 0 when empty. */
uint64_t fr_hist_quantile(const struct fr_hist *h, double q);

#endif
