/* runqueue.c: the runqueue detector: run-queue latency percentiles over
 * the last second, from the wakeups and switches recorded (the run-queue
 * tracker of analysis/runq.h), and the share of time runnable tasks spent
 * waiting, from the kernel's schedstat. On firing: who waited on the run
 * queue, how long, and who ran instead. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/hist.h"
#include "analysis/runq.h"
#include "base/log.h"
#include "base/util.h"
#include "capture/event.h"
#include "detect/engine.h"

/* runnable tasks whose wait is being timed, at most */
#define WAITING_MAX 65536

struct runqueue {
	struct fr_runq q;	/* bounded at WAITING_MAX; allocated on the first wait */
	struct fr_hist rq;	/* the waits that ended since the last sample */
	/* runqueue.wait: /proc/schedstat's sums last time */
	uint64_t sched_run_prev, sched_wait_prev;
	bool sched_prev_ok;
	/* --cgroup: each task's schedstat last time (tid -> index) */
	struct fr_tidmap cg_sched_idx;
	uint64_t (*cg_sched)[4];	/* run, wait, epoch, tid */
	uint32_t cg_sched_n, cg_sched_cap;
	uint64_t epoch;
	uint64_t cg_sched_forgotten;	/* tasks that left the cgroup (or exited) */
};

/* One task's schedstat since the last look: its run and wait deltas; 0, 0
 * the first time it is seen (a task that joins the cgroup brings no past). */
static void task_sched_delta(struct runqueue *s, uint32_t tid, uint64_t r, uint64_t w,
			     uint64_t *dr, uint64_t *dw)
{
	uint32_t i;

	*dr = *dw = 0;
	if (fr_tidmap_get(&s->cg_sched_idx, tid, &i)) {
		if (r >= s->cg_sched[i][0] && w >= s->cg_sched[i][1]) {
			*dr = r - s->cg_sched[i][0];
			*dw = w - s->cg_sched[i][1];
		}
	} else {
		if (s->cg_sched_n == s->cg_sched_cap) {
			uint32_t cap = s->cg_sched_cap ? s->cg_sched_cap * 2 : 256;
			void *v = realloc(s->cg_sched, cap * sizeof(*s->cg_sched));

			if (!v)
				return;
			s->cg_sched = v;
			s->cg_sched_cap = cap;
		}
		i = s->cg_sched_n;
		if (fr_tidmap_set(&s->cg_sched_idx, tid, i))
			return;
		s->cg_sched_n++;
	}
	s->cg_sched[i][0] = r;
	s->cg_sched[i][1] = w;
	s->cg_sched[i][2] = s->epoch;
	s->cg_sched[i][3] = tid;
}

/* The tasks not in the cgroup's list this time (gone, or moved out) are
 * forgotten: the table holds the cgroup's tasks and no more. */
static void forget_left_tasks(struct runqueue *s)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->cg_sched_n; i++)
		if (s->cg_sched[i][2] == s->epoch)
			n++;
	if (n == s->cg_sched_n)
		return;
	fr_tidmap_free(&s->cg_sched_idx);
	n = 0;
	for (uint32_t i = 0; i < s->cg_sched_n; i++) {
		if (s->cg_sched[i][2] != s->epoch)
			continue;
		memcpy(s->cg_sched[n], s->cg_sched[i], sizeof(s->cg_sched[0]));
		if (fr_tidmap_set(&s->cg_sched_idx, (uint32_t)s->cg_sched[n][3], n)) {
			/* out of memory: start over, every task new again */
			fr_tidmap_free(&s->cg_sched_idx);
			n = 0;
			break;
		}
		n++;
	}
	s->cg_sched_forgotten += s->cg_sched_n - n;
	s->cg_sched_n = n;
	if (s->cg_sched_cap > 256 && n * 4 < s->cg_sched_cap) {
		void *v = realloc(s->cg_sched, (s->cg_sched_cap / 2) * sizeof(*s->cg_sched));

		if (v) {
			s->cg_sched = v;
			s->cg_sched_cap /= 2;
		}
	}
}

/* Wait share: /proc/schedstat (host) or each task's schedstat (cgroup). */
static void sample_wait(struct fr_sampler *smp, struct runqueue *s)
{
	uint64_t run = 0, wait = 0;

	if (smp->cgroup) {
		FILE *f = fopen(smp->cg_tasks, "re");
		char line[32], path[64], buf[128];
		uint64_t dr_sum = 0, dw_sum = 0;

		s->epoch++;
		while (f && fgets(line, sizeof(line), f)) {
			unsigned long long r, w;
			unsigned long tid = strtoul(line, NULL, 10);
			uint64_t dr, dw;

			snprintf(path, sizeof(path), "/proc/%lu/schedstat", tid);
			if (fr_read_small(path, buf, sizeof(buf)) > 0 &&
			    sscanf(buf, "%llu %llu", &r, &w) == 2) {
				task_sched_delta(s, (uint32_t)tid, r, w, &dr, &dw);
				dr_sum += dr;
				dw_sum += dw;
			}
		}
		if (f)
			fclose(f);
		forget_left_tasks(s);
		if (!f) {
			fr_sampler_unset(smp, FR_M_RUNQUEUE_WAIT);
		} else if (s->sched_prev_ok) {
			fr_sampler_set(smp, FR_M_RUNQUEUE_WAIT,
				       dr_sum + dw_sum ? 100.0 * dw_sum / (dr_sum + dw_sum) : 0, smp->cgroup);
		}
		s->sched_prev_ok = true;
		return;
	} else {
		/* a line per CPU and per scheduling domain: room for big hosts */
		static char buf[4 << 20];
		char *line, *save;

		if (fr_read_small("/proc/schedstat", buf, sizeof(buf)) < 0)
			return;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long f[9];

			/* cpuN yld_count 0 sched_count sched_goidle ttwu_count
			 * ttwu_local run_time wait_time timeslices */
			if (strncmp(line, "cpu", 3) ||
			    sscanf(line, "%*s %llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1],
				   &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8]) != 9)
				continue;
			run += f[6];
			wait += f[7];
		}
	}
	if (s->sched_prev_ok && run >= s->sched_run_prev && wait >= s->sched_wait_prev) {
		uint64_t dr = run - s->sched_run_prev, dw = wait - s->sched_wait_prev;

		fr_sampler_set(smp, FR_M_RUNQUEUE_WAIT, dr + dw ? 100.0 * dw / (dr + dw) : 0, NULL);
	} else {
		fr_sampler_unset(smp, FR_M_RUNQUEUE_WAIT);
	}
	s->sched_run_prev = run;
	s->sched_wait_prev = wait;
	s->sched_prev_ok = true;
}

static int init(struct fr_sampler *s, void *st)
{
	struct runqueue *r = st;

	fr_runq_init(&r->q, WAITING_MAX);
	if (fr_sampler_wants(s, FR_M_RUNQUEUE_WAIT) && !s->cgroup && access("/proc/schedstat", R_OK)) {
		fr_err("runqueue.wait needs /proc/schedstat (CONFIG_SCHEDSTATS): %s", strerror(errno));
		return -ENOENT;
	}
	return 0;
}

static void free_state(void *st)
{
	struct runqueue *r = st;

	fr_runq_free(&r->q);
	fr_tidmap_free(&r->cg_sched_idx);
	free(r->cg_sched);
}

static void event(struct fr_sampler *s, void *st, const void *rec, uint32_t len)
{
	struct runqueue *r = st;
	struct fr_runq_end end;

	if (fr_runq_event(&r->q, rec, len, &end) && fr_sampler_in_cgroup(s, end.tid))
		fr_hist_add(&r->rq, end.wait_ns);
}

static void sample(struct fr_sampler *s, void *st, uint64_t now)
{
	struct runqueue *r = st;

	(void)now;
	if (fr_sampler_wants(s, FR_M_RUNQUEUE_WAIT))
		sample_wait(s, r);
	fr_sampler_set(s, FR_M_RUNQUEUE_P50, (double)fr_hist_quantile(&r->rq, 0.5), NULL);
	fr_sampler_set(s, FR_M_RUNQUEUE_P99, (double)fr_hist_quantile(&r->rq, 0.99), NULL);
	fr_sampler_set(s, FR_M_RUNQUEUE_MAX, (double)r->rq.max, NULL);
	memset(&r->rq, 0, sizeof(r->rq));
}

static void stats(const struct fr_sampler *s, const void *st, cJSON *o)
{
	const struct runqueue *r = st;
	cJSON *x = cJSON_AddObjectToObject(o, "runnable");

	cJSON_AddNumberToObject(x, "entries", r->q.n);
	cJSON_AddNumberToObject(x, "max", WAITING_MAX);
	cJSON_AddNumberToObject(x, "forgotten", (double)r->q.forgotten);
	x = cJSON_AddObjectToObject(o, "cgroup_tasks");
	cJSON_AddNumberToObject(x, "entries", r->cg_sched_n);
	cJSON_AddNumberToObject(x, "members", (double)s->cg_members.len);
	cJSON_AddNumberToObject(x, "forgotten", (double)r->cg_sched_forgotten);
}

static void ctx_finish(struct fr_firing *f, void *st, cJSON *ctx)
{
	(void)st;
	cJSON_AddItemToObject(ctx, "runqueue", fr_ctx_runqueue(f->env->recs, f->env->n, f->env->tasks, 15));
}

const struct fr_detector fr_det_runqueue = {
	.name = "runqueue",
	.metrics = (const enum fr_metric[]){ FR_M_RUNQUEUE_P50, FR_M_RUNQUEUE_P99, FR_M_RUNQUEUE_MAX,
					      FR_M_RUNQUEUE_WAIT, FR_M_NONE },
	.groups = FR_GROUP_SCHED,
	.context_help = "who waited on the run queue, how long, and who ran instead",
	.state_size = sizeof(struct runqueue),
	.init = init,
	.free = free_state,
	.sample = sample,
	.event = event,
	.stats = stats,
	.ctx_finish = ctx_finish,
};
