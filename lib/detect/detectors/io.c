/* io.c: the io detector: the busiest disk's utilisation and average
 * request time over the last second (/proc/diskstats), and the 99th
 * percentile of the block requests recorded. On firing: requests by process
 * and device, with their latencies. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis/hist.h"
#include "base/util.h"
#include "capture/event.h"
#include "detect/engine.h"

struct disk_prev {
	char name[32];
	uint64_t ios, ticks, io_ticks;
	bool seen;
};

struct io {
	struct disk_prev disks[64];
	uint64_t disk_prev_ns;
	struct fr_hist h;	/* the completions since the last sample */
};

static void sample_disks(struct fr_sampler *smp, struct io *s, uint64_t now)
{
	static char buf[65536];
	char *line, *save;
	double best_util = -1, best_await = -1;
	char util_dev[32] = "", await_dev[32] = "";
	uint64_t dt = now - s->disk_prev_ns;
	bool have_prev = s->disk_prev_ns != 0;

	if (fr_read_small("/proc/diskstats", buf, sizeof(buf)) < 0)
		return;
	for (unsigned i = 0; i < FR_ARRAY_SIZE(s->disks); i++)
		s->disks[i].seen = false;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long f[11];
		char name[32];
		struct disk_prev *d = NULL, *free_slot = NULL;
		uint64_t ios, ticks;

		/* major minor name reads rmerged rsect rticks writes wmerged
		 * wsect wticks inflight io_ticks weighted */
		if (sscanf(line, " %*u %*u %31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   name, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
			   &f[10]) != 12)
			continue;
		/* whole disks only (partitions are in /sys/block/DISK/PART);
		 * no ram disks, and loop devices only when bound to a file:
		 * who reads an image waits on its disk as on any other */
		if (!strncmp(name, "ram", 3))
			continue;
		{
			char sys[96];

			snprintf(sys, sizeof(sys), "/sys/block/%s", name);
			for (char *c = sys + 11; *c; c++)
				if (*c == '/')
					*c = '!';
			if (!strncmp(name, "loop", 4))
				snprintf(sys + strlen(sys), sizeof(sys) - strlen(sys), "/loop/backing_file");
			if (access(sys, F_OK))
				continue;
		}
		ios = f[0] + f[4];
		ticks = f[3] + f[7];
		for (unsigned i = 0; i < FR_ARRAY_SIZE(s->disks); i++) {
			if (s->disks[i].name[0] && !strcmp(s->disks[i].name, name))
				d = &s->disks[i];
			else if (!s->disks[i].name[0] && !free_slot)
				free_slot = &s->disks[i];
		}
		if (!d) {
			if (!free_slot)
				continue;
			d = free_slot;
			snprintf(d->name, sizeof(d->name), "%s", name);
		} else if (f[9] < d->io_ticks || ios < d->ios || ticks < d->ticks) {
			/* counters went back: a new device under the old name */
		} else if (have_prev && dt) {
			double util = (f[9] - d->io_ticks) * 1e6 * 100.0 / dt;
			uint64_t dios = ios - d->ios;
			double await = dios ? (ticks - d->ticks) * 1e6 / dios : 0;

			if (util > 100)
				util = 100;
			if (util > best_util) {
				best_util = util;
				snprintf(util_dev, sizeof(util_dev), "%s", name);
			}
			if (await > best_await) {
				best_await = await;
				snprintf(await_dev, sizeof(await_dev), "%s", name);
			}
		}
		d->ios = ios;
		d->ticks = ticks;
		d->io_ticks = f[9];
		d->seen = true;
	}
	for (unsigned i = 0; i < FR_ARRAY_SIZE(s->disks); i++)
		if (!s->disks[i].seen)
			s->disks[i].name[0] = 0;
	if (best_util >= 0)
		fr_sampler_set(smp, FR_M_IO_UTIL, best_util, util_dev);
	if (best_await >= 0)
		fr_sampler_set(smp, FR_M_IO_AWAIT, best_await, await_dev);
	s->disk_prev_ns = now;
}

static void sample(struct fr_sampler *s, void *st, uint64_t now)
{
	struct io *io = st;

	if (fr_sampler_wants(s, FR_M_IO_UTIL) || fr_sampler_wants(s, FR_M_IO_AWAIT))
		sample_disks(s, io, now);
	fr_sampler_set(s, FR_M_IO_P99, (double)fr_hist_quantile(&io->h, 0.99), NULL);
	memset(&io->h, 0, sizeof(io->h));
}

static void event(struct fr_sampler *s, void *st, const void *rec, uint32_t len)
{
	const struct fr_block_rq *e = rec;
	struct io *io = st;

	(void)s;
	if (e->h.type == FR_EV_BLOCK_COMPLETE && len >= sizeof(*e) && e->latency_ns)
		fr_hist_add(&io->h, e->latency_ns);
}

static void ctx_finish(struct fr_firing *f, void *st, cJSON *ctx)
{
	cJSON *dev = f->env->devices ? f->env->devices() : NULL;

	(void)st;
	cJSON_AddItemToObject(ctx, "io", fr_ctx_io(f->env->recs, f->env->n, f->env->tasks, dev, 20));
	cJSON_Delete(dev);
}

const struct fr_detector fr_det_io = {
	.name = "io",
	.metrics = (const enum fr_metric[]){ FR_M_IO_UTIL, FR_M_IO_AWAIT, FR_M_IO_P99, FR_M_NONE },
	.groups = FR_GROUP_BLOCK,
	.context_help = "requests by process and device with their latencies",
	.state_size = sizeof(struct io),
	.sample = sample,
	.event = event,
	.ctx_finish = ctx_finish,
};
