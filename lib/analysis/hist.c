/* hist.c: latency histograms; see hist.h. */
#include <math.h>

#include "analysis/hist.h"

static unsigned bucket_of(uint64_t v)
{
	unsigned lg, sub;

	if (v < 4)
		return (unsigned)v;
	lg = 63 - __builtin_clzll(v);
	sub = (v >> (lg - 2)) & 3;
	return lg * 4 + sub - 4;	/* lg >= 2: 4..251 */
}

static uint64_t bucket_top(unsigned b)
{
	unsigned lg, sub;

	if (b < 4)
		return b;
	lg = (b + 4) / 4;
	sub = (b + 4) % 4;
	if (lg >= 63)
		return UINT64_MAX;
	return ((4ULL + sub + 1) << (lg - 2)) - 1;
}

void fr_hist_add(struct fr_hist *h, uint64_t v)
{
	unsigned b = bucket_of(v);

	if (b >= FR_HIST_BUCKETS)
		b = FR_HIST_BUCKETS - 1;
	h->b[b]++;
	h->n++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

uint64_t fr_hist_quantile(const struct fr_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->n)
		return 0;
	rank = (uint64_t)ceil(q * h->n);
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < FR_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen >= rank) {
			uint64_t top = bucket_top(b);

			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}
