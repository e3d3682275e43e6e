/* sampler.c: the metrics' values and the detectors' state; see
 * sampler.h. The cgroup a trigger watches is found here, once, for every
 * detector. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "capture/event.h"
#include "detect/sampler.h"

/* ---- the values ---- */

void fr_sampler_set(struct fr_sampler *s, enum fr_metric m, double v, const char *detail)
{
	if (!s->want[m])
		return;
	s->value[m] = v;
	s->valid[m] = true;
	snprintf(s->detail[m], sizeof(s->detail[m]), "%s", detail ? detail : "");
}

void fr_sampler_unset(struct fr_sampler *s, enum fr_metric m)
{
	s->valid[m] = false;
}

/* ---- cgroups ---- */

struct mounts {
	char v2[256], cpuacct[256], memory[256];
};

static void find_mounts(struct mounts *m)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[2048];

	memset(m, 0, sizeof(*m));
	while (f && fgets(line, sizeof(line), f)) {
		char mp[256], fstype[64], opts[512] = "";
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mp) != 1 ||
		    sscanf(dash + 3, "%63s %*s %511s", fstype, opts) < 1)
			continue;
		if (!strcmp(fstype, "cgroup2") && !m->v2[0]) {
			snprintf(m->v2, sizeof(m->v2), "%s", mp);
		} else if (!strcmp(fstype, "cgroup")) {
			/* the controllers are among the super options */
			char *save, *o;

			for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
				if (!strcmp(o, "cpuacct") && !m->cpuacct[0])
					snprintf(m->cpuacct, sizeof(m->cpuacct), "%s", mp);
				if (!strcmp(o, "memory") && !m->memory[0])
					snprintf(m->memory, sizeof(m->memory), "%s", mp);
			}
		}
	}
	if (f)
		fclose(f);
}

static const char *strip_mount(const char *path, const char *mnt)
{
	size_t n = strlen(mnt);

	if (!n || strncmp(path, mnt, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path + n;
}

static bool exists(const char *dir, const char *rel, const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s/%s/%s", dir, rel, file);
	return access(out, R_OK) == 0;
}

static int cgroup_init(struct fr_sampler *s, const char *cg)
{
	struct mounts m;
	const char *rel = cg;
	char path[512];
	bool v1;

	find_mounts(&m);
	v1 = cg[0] == '/' && !strip_mount(cg, m.v2);
	if (cg[0] == '/') {
		const char *mnts[] = { m.v2, m.cpuacct, m.memory };

		rel = NULL;
		for (unsigned i = 0; i < 3 && !rel; i++)
			rel = strip_mount(cg, mnts[i]);
		if (!rel) {
			fr_err("--cgroup %s: not under a cgroup mount (%s%s%s); give a directory "
			       "under one, or a path relative to them", cg,
			       m.v2[0] ? m.v2 : "no cgroup2", m.cpuacct[0] ? ", " : "", m.cpuacct);
			return -EINVAL;
		}
	}
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	/* a path names its hierarchy; a bare name prefers cgroup2 */
	if (m.v2[0] && (!v1 || strip_mount(cg, m.v2)) &&
	    exists(m.v2, rel, "cpu.stat", path, sizeof(path))) {
		snprintf(s->cg_cpu, sizeof(s->cg_cpu), "%s", path);
		s->cg_cpu_v2 = true;
	} else if (m.cpuacct[0] && exists(m.cpuacct, rel, "cpuacct.stat", path, sizeof(path))) {
		snprintf(s->cg_cpu, sizeof(s->cg_cpu), "%s/%s", m.cpuacct, rel);
	}
	if (m.v2[0] && exists(m.v2, rel, "memory.stat", path, sizeof(path))) {
		snprintf(s->cg_mem, sizeof(s->cg_mem), "%s", path);
		s->cg_mem_v2 = true;
	} else if (m.memory[0] && exists(m.memory, rel, "memory.stat", path, sizeof(path))) {
		snprintf(s->cg_mem, sizeof(s->cg_mem), "%s", path);
	}
	if (!(m.v2[0] && exists(m.v2, rel, "cgroup.threads", s->cg_tasks, sizeof(s->cg_tasks))) &&
	    !(m.cpuacct[0] && exists(m.cpuacct, rel, "tasks", s->cg_tasks, sizeof(s->cg_tasks))) &&
	    !(m.memory[0] && exists(m.memory, rel, "tasks", s->cg_tasks, sizeof(s->cg_tasks)))) {
		fr_err("--cgroup %s: no such cgroup (looked under %s%s%s%s%s)", cg,
		       m.v2[0] ? m.v2 : "", m.cpuacct[0] ? ", " : "", m.cpuacct,
		       m.memory[0] ? ", " : "", m.memory);
		return -ENOENT;
	}
	return 0;
}

/* The cgroup's tasks, read at most once a second. */
static void cgroup_members(struct fr_sampler *s, uint64_t now)
{
	FILE *f;
	char line[32];

	if (s->cg_tids_ok && now - s->cg_members_at < 1000000000ULL)
		return;
	fr_tidmap_free(&s->cg_members);
	s->cg_members_at = now;
	f = fopen(s->cg_tasks, "re");
	s->cg_tids_ok = f != NULL;
	while (f && fgets(line, sizeof(line), f))
		fr_tidmap_set(&s->cg_members, (uint32_t)strtoul(line, NULL, 10), 1);
	if (f)
		fclose(f);
}

bool fr_sampler_in_cgroup(const struct fr_sampler *s, uint32_t tid)
{
	uint32_t v;

	return !s->cgroup || (s->cg_tids_ok && fr_tidmap_get(&s->cg_members, tid, &v));
}

long long fr_keyed(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

/* ---- the detectors ---- */

int fr_sampler_init(struct fr_sampler *s, const bool want[FR_M_COUNT], const char *cgroup)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->want, want, sizeof(s->want));
	s->cgroup = cgroup;
	for (unsigned m = 0; m < FR_M_COUNT; m++) {
		enum fr_det d = fr_metric_detector((enum fr_metric)m);

		if (want[m] && d < FR_DET_COUNT)
			s->armed[d] = true;
	}
	/* every detector's state, armed or not: live stats show them all */
	for (unsigned d = 0; d < FR_DET_COUNT; d++) {
		size_t n = fr_detectors[d]->state_size;

		if (n && !(s->state[d] = calloc(1, n))) {
			fr_err("out of memory");
			return -ENOMEM;
		}
	}
	if (cgroup) {
		int err = cgroup_init(s, cgroup);

		if (err)
			return err;
	}
	for (unsigned d = 0; d < FR_DET_COUNT; d++) {
		int err;

		if (s->armed[d] && fr_detectors[d]->init &&
		    (err = fr_detectors[d]->init(s, s->state[d])))
			return err;
	}
	return 0;
}

void fr_sampler_free(struct fr_sampler *s)
{
	for (unsigned d = 0; d < FR_DET_COUNT; d++) {
		if (s->state[d] && fr_detectors[d]->free)
			fr_detectors[d]->free(s->state[d]);
		free(s->state[d]);
		s->state[d] = NULL;
	}
	fr_tidmap_free(&s->cg_members);
}

unsigned fr_sampler_groups(const struct fr_sampler *s)
{
	unsigned g = 0;

	for (unsigned m = 0; m < FR_M_COUNT; m++) {
		enum fr_det d = fr_metric_detector((enum fr_metric)m);

		if (s->want[m] && fr_metric_defs[m].from_events && d < FR_DET_COUNT)
			g |= fr_detectors[d]->groups;
	}
	return g;
}

void fr_sampler_sample(struct fr_sampler *s, uint64_t now)
{
	if (s->cgroup)
		cgroup_members(s, now);
	for (unsigned d = 0; d < FR_DET_COUNT; d++)
		if (s->armed[d] && fr_detectors[d]->sample)
			fr_detectors[d]->sample(s, s->state[d], now);
	s->at_ns = now;
}

void fr_sampler_sample_events(struct fr_sampler *s)
{
	for (unsigned d = 0; d < FR_DET_COUNT; d++)
		if (s->armed[d] && fr_detectors[d]->sample_events)
			fr_detectors[d]->sample_events(s, s->state[d]);
	s->fatal_pending = false;
}

void fr_sampler_event(struct fr_sampler *s, const void *rec, uint32_t len)
{
	const struct fr_hdr *h = rec;

	if (len < sizeof(*h))
		return;
	if (h->type == FR_EV_PROC_FORK && s->cgroup) {
		const struct fr_proc_fork *e = rec;

		/* born in the cgroup: a member before the next read of its
		 * task list, so a short-lived crash is not missed */
		if (len >= sizeof(*e) && e->child_tid && fr_sampler_in_cgroup(s, h->tid))
			fr_tidmap_set(&s->cg_members, e->child_tid, 1);
	}
	for (unsigned d = 0; d < FR_DET_COUNT; d++)
		if (s->armed[d] && fr_detectors[d]->event)
			fr_detectors[d]->event(s, s->state[d], rec, len);
}

void fr_sampler_stats(const struct fr_sampler *s, cJSON *o)
{
	for (unsigned d = 0; d < FR_DET_COUNT; d++)
		if (fr_detectors[d]->stats)
			fr_detectors[d]->stats(s, s->state[d], o);
}
