/* stats_model.c: the summary's tallies as the JSON model; see stats.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/headline.h"
#include "report/model.h"
#include "report/stats.h"
#include "report/stats_impl.h"
#include "base/util.h"

static const char *const off_names[OFF_N] = { "runnable", "sleeping", "dstate", "other" };

/* ---- the model ---- */

static cJSON *hist_json(const struct fr_hist *h, bool buckets)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "count", (double)h->n);
	cJSON_AddNumberToObject(o, "total_ns", (double)h->sum);
	cJSON_AddNumberToObject(o, "p50_ns", (double)fr_hist_quantile(h, 0.50));
	cJSON_AddNumberToObject(o, "p90_ns", (double)fr_hist_quantile(h, 0.90));
	cJSON_AddNumberToObject(o, "p99_ns", (double)fr_hist_quantile(h, 0.99));
	cJSON_AddNumberToObject(o, "max_ns", (double)h->max);
	if (buckets) {
		/* log2: [2^k, 2^(k+1)) ns, the empty ones left out */
		cJSON *a = cJSON_AddArrayToObject(o, "log2_histogram");
		uint64_t lg[65] = { 0 };

		for (unsigned b = 0; b < FR_HIST_BUCKETS; b++) {
			unsigned k = b < 4 ? (b > 1 ? 1u : 0u) : (b + 4) / 4;

			lg[k < 64 ? k : 64] += h->b[b];
		}
		for (unsigned k = 0; k < 64; k++) {
			cJSON *x;

			if (!lg[k])
				continue;
			x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "from_ns", k ? ldexp(1, (int)k) : 0);
			cJSON_AddNumberToObject(x, "to_ns", ldexp(1, (int)k + 1));
			cJSON_AddNumberToObject(x, "count", (double)lg[k]);
			cJSON_AddItemToArray(a, x);
		}
	}
	return o;
}

static const char *dev_name(const cJSON *devices, uint32_t d, char *buf, size_t len)
{
	const cJSON *n;

	snprintf(buf, len, "%u:%u", d >> 20, d & 0xfffff);
	n = cJSON_GetObjectItemCaseSensitive(devices, buf);
	if (cJSON_IsString(n) && n->valuestring)
		snprintf(buf, len, "%s", n->valuestring);
	return buf;
}

static int by_oncpu(const void *a, const void *b)
{
	const struct proc *x = *(struct proc *const *)a, *y = *(struct proc *const *)b;

	return x->oncpu < y->oncpu ? 1 : x->oncpu > y->oncpu ? -1 : (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

static int by_total(const void *a, const void *b)
{
	const struct sysc *x = *(struct sysc *const *)a, *y = *(struct sysc *const *)b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void model_events(const struct fr_stats *s, cJSON *m, double dur)
{
	cJSON *o, *a;

	cJSON_AddNumberToObject(m, "schema", FR_STATS_SCHEMA);
	o = cJSON_AddObjectToObject(m, "time");
	cJSON_AddNumberToObject(o, "first_ns", (double)s->first_ts);
	cJSON_AddNumberToObject(o, "last_ns", (double)s->last_ts);
	cJSON_AddNumberToObject(o, "duration_ns", dur);

	o = cJSON_AddObjectToObject(m, "events");
	cJSON_AddNumberToObject(o, "total", (double)s->events);
	a = cJSON_AddObjectToObject(o, "by_type");
	for (unsigned t = 1; t < FR_EV_TYPE_MAX; t++)
		if (s->by_type[t])
			cJSON_AddNumberToObject(a, fr_type_info(t)->name, (double)s->by_type[t]);
	if (s->by_type[FR_EV_TYPE_MAX])
		cJSON_AddNumberToObject(a, "unknown", (double)s->by_type[FR_EV_TYPE_MAX]);
	cJSON_AddNumberToObject(o, "crashes", (double)s->crashes);
	cJSON_AddNumberToObject(o, "oom_kills", (double)s->oom_kills);
	cJSON_AddItemToObject(o, "fatal", s->fatal ? cJSON_Duplicate(s->fatal, true) : cJSON_CreateArray());
}

/* what was lost, from the counters the recorder wrote */
static void affected(cJSON *a, const char *figures, const char *how)
{
	cJSON *x = cJSON_CreateObject();

	cJSON_AddStringToObject(x, "figures", figures);
	cJSON_AddStringToObject(x, "how", how);
	cJSON_AddItemToArray(a, x);
}

/* Which figures what was lost touches, and how. */
static void loss_affects(const struct fr_stats *s, const struct fr_capture *cap, cJSON *o)
{
	cJSON *a = cJSON_AddArrayToObject(o, "affected");
	double over = fr_jnum(o, "overwritten", 0) + fr_jnum(o, "file_overwritten", 0) +
		      fr_jnum(o, "unwritten", 0);

	if (cap && !cJSON_IsTrue(fr_jget(o, "counters_known")))
		affected(a, "all", "unknown: the recorder's counters are missing");
	if (fr_jnum(o, "dropped", 0) > 0) {
		affected(a, "counts, totals, latencies, waits",
			 "lower bounds, events are missing in the range");
		if (s->runtime_seen)
			affected(a, "time on CPU", "still exact, from the scheduler's own counts");
	}
	if (over > 0)
		affected(a, "all", "cover the time range kept, not the whole recording");
	if (cap && (!cap->end || cap->problems))
		affected(a, "all", "cover what could be read: the capture is damaged or incomplete");
}

static void model_loss(const struct fr_stats *s, const struct fr_capture *cap, cJSON *m)
{
	cJSON *o = cJSON_AddObjectToObject(m, "loss");
	const cJSON *e = cap ? (cap->end ? cap->end : cap->status) : NULL;
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "counters");
	static const char *const keys[] = { "dropped", "overwritten", "file_overwritten",
					    "unwritten", "malformed", "cleared", "resized",
					    "taken", "file_cleared" };

	for (unsigned i = 0; i < FR_ARRAY_SIZE(keys); i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(k, keys[i]);

		cJSON_AddNumberToObject(o, keys[i], cJSON_IsNumber(x) ? x->valuedouble : 0);
	}
	cJSON_AddBoolToObject(o, "counters_known", k != NULL);
	cJSON_AddBoolToObject(o, "complete", cap && cap->end && !cap->problems);
	loss_affects(s, cap, o);
	if (cap && cap->trigger)
		cJSON_AddItemToObject(m, "trigger", cJSON_Duplicate(cap->trigger, true));
	/* pauses and probe groups switched (flightrec ctl) */
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(e, "control")))
		cJSON_AddItemToObject(m, "control",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "control"), true));
}

static cJSON *proc_json(const struct fr_stats *s, const struct proc *p, struct fr_proctab *pt,
			double dur)
{
	struct fr_proc *fp = fr_proctab_get(pt, p->tgid, false);
	cJSON *x = cJSON_CreateObject(), *off;
	const char *comm = fp ? fr_proc_comm_at(fp, s->last_ts) : NULL;
	uint32_t ti;

	if ((!comm || !*comm) && fr_tidmap_get(&s->tidx, p->tgid, &ti))
		comm = s->tasks[ti].comm;
	cJSON_AddNumberToObject(x, "pid", p->tgid);
	cJSON_AddStringToObject(x, "comm", comm && *comm ? comm : "?");
	cJSON_AddNumberToObject(x, "oncpu_ns", (double)p->oncpu);
	cJSON_AddNumberToObject(x, "cpu_percent", dur > 0 ? round(1000.0 * p->oncpu / dur) / 10 : 0);
	cJSON_AddNumberToObject(x, "switches", (double)p->switches);
	cJSON_AddNumberToObject(x, "involuntary", (double)p->preempted);
	cJSON_AddNumberToObject(x, "syscalls", (double)p->syscalls);
	cJSON_AddNumberToObject(x, "syscall_errors", (double)p->errors);
	off = cJSON_AddObjectToObject(x, "offcpu_ns");
	for (int k = 0; k < OFF_N; k++)
		cJSON_AddNumberToObject(off, off_names[k], (double)p->off[k]);
	if (p->rq)
		cJSON_AddItemToObject(x, "runqueue", hist_json(p->rq, true));
	return x;
}

/* per-process CPU, the run queue and off-CPU time */
static void model_cpu(struct fr_stats *s, cJSON *m, struct fr_proctab *pt, unsigned top, double dur)
{
	struct proc **pv = malloc((s->nprocs ? s->nprocs : 1) * sizeof(*pv));
	cJSON *o = cJSON_AddObjectToObject(m, "cpu"), *a;
	uint64_t cpu_total = 0;

	if (pv) {
		uint32_t n = 0, beside = 0;

		for (uint32_t i = 0; i < s->nprocs; i++) {
			if (!s->procs[i].tgid || !(s->procs[i].oncpu || s->procs[i].switches ||
						  s->procs[i].syscalls))
				continue;
			/* seen only switching with recorded tasks: partial */
			if (!s->procs[i].recorded) {
				beside++;
				continue;
			}
			cpu_total += s->procs[i].oncpu;
			pv[n++] = &s->procs[i];
		}
		qsort(pv, n, sizeof(*pv), by_oncpu);
		cJSON_AddNumberToObject(o, "total_ns", (double)cpu_total);
		cJSON_AddNumberToObject(o, "processes_seen", n);
		cJSON_AddNumberToObject(o, "processes_left_out", beside);
		a = cJSON_AddArrayToObject(o, "processes");
		for (uint32_t i = 0; i < n && i < top; i++)
			cJSON_AddItemToArray(a, proc_json(s, pv[i], pt, dur));
		free(pv);
	}
	cJSON_AddItemToObject(m, "runqueue", hist_json(&s->rq, true));
	o = cJSON_AddObjectToObject(m, "offcpu");
	for (int k = 0; k < OFF_N; k++)
		cJSON_AddNumberToObject(o, off_names[k], (double)s->off[k]);
	cJSON_AddNumberToObject(o, "open_at_end", (double)s->off_open);
}

/* syscalls by total time */
static void model_syscalls(const struct fr_stats *s, cJSON *m, const char *arch, unsigned top)
{
	struct sysc **sv = malloc((MAX_SYSCALLS + 1) * sizeof(*sv));
	cJSON *o = cJSON_AddObjectToObject(m, "syscalls"), *a;
	uint64_t sys_count = 0, sys_err = 0;
	unsigned n = 0;

	if (!sv)
		return;
	for (unsigned i = 0; i <= MAX_SYSCALLS; i++)
		if (s->sys[i].count) {
			sys_count += s->sys[i].count;
			sys_err += s->sys[i].errors;
			sv[n++] = &s->sys[i];
		}
	qsort(sv, n, sizeof(*sv), by_total);
	cJSON_AddNumberToObject(o, "count", (double)sys_count);
	cJSON_AddNumberToObject(o, "errors", (double)sys_err);
	cJSON_AddNumberToObject(o, "unpaired", (double)s->sys_unpaired);
	a = cJSON_AddArrayToObject(o, "by_name");
	for (unsigned i = 0; i < n && i < top; i++) {
		long id = sv[i] - s->sys;
		const char *name = id < MAX_SYSCALLS ? fr_syscall_name(arch, id) : "other";
		char buf[32];
		cJSON *x = hist_json(&sv[i]->h, false);

		if (!name) {
			snprintf(buf, sizeof(buf), "syscall_%ld", id);
			name = buf;
		}
		cJSON_AddStringToObject(x, "name", name);
		/* every call, the timed ones in the percentiles */
		cJSON_AddNumberToObject(x, "calls", (double)sv[i]->count);
		cJSON_AddNumberToObject(x, "errors", (double)sv[i]->errors);
		cJSON_AddItemToArray(a, x);
	}
	free(sv);
}

static void model_block(const struct fr_stats *s, cJSON *m, const cJSON *devices, double dur)
{
	cJSON *o = cJSON_AddObjectToObject(m, "block");
	cJSON *a = cJSON_AddArrayToObject(o, "devices");

	for (unsigned i = 0; i < s->ndevs; i++) {
		const struct dev *d = &s->devs[i];
		cJSON *x = hist_json(&d->h, true);
		char buf[64];

		cJSON_AddStringToObject(x, "dev", dev_name(devices, d->dev, buf, sizeof(buf)));
		cJSON_AddNumberToObject(x, "requests", (double)d->requests);
		cJSON_AddNumberToObject(x, "bytes", (double)d->bytes);
		cJSON_AddNumberToObject(x, "read_bytes", (double)d->rbytes);
		cJSON_AddNumberToObject(x, "write_bytes", (double)d->wbytes);
		cJSON_AddNumberToObject(x, "errors", (double)d->errors);
		cJSON_AddNumberToObject(x, "iops", dur > 0 ? round(d->requests / (dur / 1e9) * 10) / 10 : 0);
		cJSON_AddItemToArray(a, x);
	}
}

cJSON *fr_stats_model(struct fr_stats *s, const struct fr_capture *cap, struct fr_proctab *pt,
		      unsigned top)
{
	cJSON *m = cJSON_CreateObject();
	const cJSON *meta = cap ? cap->meta : NULL;
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(meta, "host");
	const cJSON *arch = cJSON_GetObjectItemCaseSensitive(host, "arch");
	double dur = s->last_ts > s->first_ts ? (double)(s->last_ts - s->first_ts) : 0;

	fr_stats_finish(s, pt);
	model_events(s, m, dur);
	model_loss(s, cap, m);
	model_cpu(s, m, pt, top, dur);
	model_syscalls(s, m, cJSON_IsString(arch) ? arch->valuestring : NULL, top);
	model_block(s, m, cJSON_GetObjectItemCaseSensitive(meta, "devices"), dur);
	/* marks: the first ones, with their time; how many in all */
	if (s->marks) {
		cJSON_AddItemToObject(m, "marks", s->marks);
		s->marks = NULL;
	} else {
		cJSON_AddArrayToObject(m, "marks");
	}
	cJSON_AddNumberToObject(m, "marks_total", (double)s->nmarks);
	cJSON_AddItemToObject(m, "headline", fr_headline(fr_jget(m, "trigger"), m, NULL));
	return m;
}

