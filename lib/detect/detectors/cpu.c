/* cpu.c: the cpu detector: CPU busy, user, system and iowait shares over
 * the last second, from /proc/stat or the cgroup's cpu accounting. On
 * firing: a CPU profile of the post-window and the top CPU users. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "detect/engine.h"

struct cpu {
	uint64_t prev[8];	/* user nice system idle iowait irq softirq steal */
	bool prev_ok;
	uint64_t cg_usage, cg_user, cg_sys, cg_ns;
	bool cg_ok;
};

static int init(struct fr_sampler *s, void *st)
{
	(void)st;
	if (!s->cgroup)
		return 0;
	if ((fr_sampler_wants(s, FR_M_CPU_USAGE) || fr_sampler_wants(s, FR_M_CPU_USER) ||
	     fr_sampler_wants(s, FR_M_CPU_SYS)) && !s->cg_cpu[0]) {
		fr_err("--cgroup %s: no CPU accounting for it (neither cgroup2 cpu.stat nor "
		       "cgroup v1 cpuacct)", s->cgroup);
		return -ENOENT;
	}
	if (fr_sampler_wants(s, FR_M_CPU_IOWAIT)) {
		fr_err("--cgroup: cpu.iowait is a host-wide figure; watch it without --cgroup");
		return -EINVAL;
	}
	return 0;
}

static void unset_all(struct fr_sampler *s)
{
	fr_sampler_unset(s, FR_M_CPU_USAGE);
	fr_sampler_unset(s, FR_M_CPU_USER);
	fr_sampler_unset(s, FR_M_CPU_SYS);
}

/* The cgroup's usage, user and system time in ns; false when gone. */
static bool read_cgroup(const struct fr_sampler *s, uint64_t *usage, uint64_t *user, uint64_t *sys)
{
	char buf[4096], p[600];
	long hz = sysconf(_SC_CLK_TCK);

	if (s->cg_cpu_v2) {
		if (fr_read_small(s->cg_cpu, buf, sizeof(buf)) < 0)
			return false;
		*usage = fr_keyed(buf, "usage_usec") * 1000ULL;
		*user = fr_keyed(buf, "user_usec") * 1000ULL;
		*sys = fr_keyed(buf, "system_usec") * 1000ULL;
		return true;
	}
	snprintf(p, sizeof(p), "%s/cpuacct.usage", s->cg_cpu);
	if (fr_read_small(p, buf, sizeof(buf)) < 0)
		return false;
	*usage = strtoull(buf, NULL, 10);
	snprintf(p, sizeof(p), "%s/cpuacct.stat", s->cg_cpu);
	if (fr_read_small(p, buf, sizeof(buf)) < 0)
		return false;
	*user = fr_keyed(buf, "user") * (1000000000ULL / (hz > 0 ? hz : 100));
	*sys = fr_keyed(buf, "system") * (1000000000ULL / (hz > 0 ? hz : 100));
	return true;
}

static void sample_cgroup(struct fr_sampler *s, struct cpu *c, uint64_t now)
{
	uint64_t usage, user, sys;

	if (!read_cgroup(s, &usage, &user, &sys)) {
		unset_all(s);
		c->cg_ok = false;
		return;
	}
	/* a counter that went back: the cgroup was made anew */
	if (c->cg_ok && (usage < c->cg_usage || user < c->cg_user || sys < c->cg_sys)) {
		c->cg_ok = false;
		unset_all(s);
	}
	if (c->cg_ok && now > c->cg_ns) {
		double cap = (double)(now - c->cg_ns) * sysconf(_SC_NPROCESSORS_ONLN) / 100.0;

		fr_sampler_set(s, FR_M_CPU_USAGE, (usage - c->cg_usage) / cap, s->cgroup);
		fr_sampler_set(s, FR_M_CPU_USER, (user - c->cg_user) / cap, s->cgroup);
		fr_sampler_set(s, FR_M_CPU_SYS, (sys - c->cg_sys) / cap, s->cgroup);
	}
	c->cg_usage = usage;
	c->cg_user = user;
	c->cg_sys = sys;
	c->cg_ns = now;
	c->cg_ok = true;
}

static void sample(struct fr_sampler *s, void *st, uint64_t now)
{
	struct cpu *c = st;
	char buf[4096];
	uint64_t v[8] = { 0 }, d[8], total = 0;

	if (s->cgroup) {
		sample_cgroup(s, c, now);
		return;
	}
	if (fr_read_small("/proc/stat", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "cpu %lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) < 4)
		return;
	for (int i = 0; i < 8; i++) {
		d[i] = v[i] >= c->prev[i] ? v[i] - c->prev[i] : 0;
		total += d[i];
	}
	if (c->prev_ok && total) {
		double t = total / 100.0;

		fr_sampler_set(s, FR_M_CPU_USAGE, (total - d[3] - d[4]) / t, NULL);
		fr_sampler_set(s, FR_M_CPU_USER, (d[0] + d[1]) / t, NULL);
		fr_sampler_set(s, FR_M_CPU_SYS, (d[2] + d[5] + d[6]) / t, NULL);
		fr_sampler_set(s, FR_M_CPU_IOWAIT, d[4] / t, NULL);
	}
	memcpy(c->prev, v, sizeof(v));
	c->prev_ok = true;
}

static void ctx_start(struct fr_firing *f, void *st)
{
	(void)st;
	f->have_before = !fr_pstats_read(&f->ps_before);
	fr_firing_profile(f, FR_PROFILE_CPU, 99, "CPU profile");
}

static void ctx_finish(struct fr_firing *f, void *st, cJSON *ctx)
{
	struct fr_pstats now;

	(void)st;
	if (f->have_before && !fr_pstats_read(&now)) {
		cJSON_AddItemToObject(ctx, "top_cpu", fr_ctx_top_cpu(&f->ps_before, &now, 15));
		fr_pstats_free(&now);
	}
}

const struct fr_detector fr_det_cpu = {
	.name = "cpu",
	.metrics = (const enum fr_metric[]){ FR_M_CPU_USAGE, FR_M_CPU_USER, FR_M_CPU_SYS,
					      FR_M_CPU_IOWAIT, FR_M_NONE },
	.context_help = "CPU profile by function (post-window); top CPU users",
	.state_size = sizeof(struct cpu),
	.init = init,
	.sample = sample,
	.ctx_start = ctx_start,
	.ctx_finish = ctx_finish,
};
