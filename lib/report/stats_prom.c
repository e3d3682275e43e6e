/* stats_prom.c: the stats model as Prometheus metrics. Each family is one
 * row of families[]: where its series are in the model, their labels and
 * their figure; one writer prints every series. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "report/model.h"
#include "report/stats_render.h"
#include "base/util.h"

enum prom_unit {
	P_COUNT,	/* printed as an integer */
	P_SECONDS,	/* ns in the model, seconds in the metric */
};

enum prom_rows {
	ONE,		/* the object at .at is the one series */
	ITEMS,		/* each element of the array at .at, labelled from its members */
	MEMBERS,	/* each member of the object at .at (or .members of it), labelled by name */
};

struct prom_label {
	const char *name;
	const char *key;	/* the member of the row it comes from */
	bool number;
};

struct prom_family {
	const char *name, *type, *help;
	const char *at;		/* dotted path in the model */
	enum prom_rows rows;
	const char *const *members;	/* MEMBERS: only these, in this order */
	struct prom_label labels[2];	/* ITEMS; MEMBERS: the first one's name */
	const char *value;	/* the figure in a row; NULL: the row itself */
	enum prom_unit unit;
	bool summary;		/* quantiles, _sum and _count of a latency */
};

#define LABEL(n, k)	{ .name = (n), .key = (k) }
#define LABEL_NUM(n, k)	{ .name = (n), .key = (k), .number = true }

static const char *const lost_reasons[] = { "dropped", "overwritten", NULL };

static const struct prom_family families[] = {
	{ "capture_duration_seconds", "gauge", "Time between the first and the last event.",
	  "time", ONE, .value = "duration_ns", .unit = P_SECONDS },
	{ "events", "gauge", "Events in the capture, by type.",
	  "events.by_type", MEMBERS, .labels = { LABEL("type", NULL) } },
	{ "lost_events", "gauge", "Events lost: dropped (BPF buffer full), overwritten (ring full).",
	  "loss", MEMBERS, .members = lost_reasons, .labels = { LABEL("reason", NULL) } },
	{ "process_cpu_seconds", "gauge", "On-CPU time by process, from sched_switch.",
	  "cpu.processes", ITEMS, .labels = { LABEL_NUM("pid", "pid"), LABEL("comm", "comm") },
	  .value = "oncpu_ns", .unit = P_SECONDS },
	{ "process_context_switches", "gauge", "Context switches by process.",
	  "cpu.processes", ITEMS, .labels = { LABEL_NUM("pid", "pid"), LABEL("comm", "comm") },
	  .value = "switches" },
	{ "runqueue_latency_seconds", "summary", "Run-queue latency: wakeup or preemption to running.",
	  "runqueue", ONE, .summary = true },
	{ "offcpu_seconds", "gauge", "Off-CPU time of all tasks, by state.",
	  "offcpu", MEMBERS, .labels = { LABEL("state", NULL) }, .unit = P_SECONDS },
	{ "syscall_calls", "gauge", "System calls by name.",
	  "syscalls.by_name", ITEMS, .labels = { LABEL("syscall", "name") }, .value = "calls" },
	{ "syscall_errors", "gauge", "System calls that returned an error, by name.",
	  "syscalls.by_name", ITEMS, .labels = { LABEL("syscall", "name") }, .value = "errors" },
	{ "syscall_latency_seconds", "summary", "System call latency, entry to exit, by name.",
	  "syscalls.by_name", ITEMS, .labels = { LABEL("syscall", "name") }, .summary = true },
	{ "block_requests", "gauge", "Block requests completed, by device.",
	  "block.devices", ITEMS, .labels = { LABEL("device", "dev") }, .value = "requests" },
	{ "block_bytes", "gauge", "Bytes of the block requests completed, by device.",
	  "block.devices", ITEMS, .labels = { LABEL("device", "dev") }, .value = "bytes" },
	{ "block_latency_seconds", "summary", "Block request latency, issue to completion, by device.",
	  "block.devices", ITEMS, .labels = { LABEL("device", "dev") }, .summary = true },
};

/* A label's value, quoted and escaped as the exposition format wants */
static void prom_quote(FILE *out, const char *v)
{
	fputc('"', out);
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

/* The labels of one series: names and values */
struct prom_set {
	unsigned n;
	const char *name[3];
	const char *value[3];
	char num[2][32];
};

/* The one writer of a series: flightrec_NAME{labels} VALUE */
static void prom_series(FILE *out, const char *name, const char *suffix, const struct prom_set *l,
			double v, enum prom_unit unit)
{
	fprintf(out, "flightrec_%s%s", name, suffix);
	for (unsigned i = 0; i < l->n; i++) {
		fprintf(out, "%c%s=", i ? ',' : '{', l->name[i]);
		prom_quote(out, l->value[i]);
	}
	if (l->n)
		fputc('}', out);
	if (unit == P_SECONDS)
		fprintf(out, " %.9g\n", v / 1e9);
	else
		fprintf(out, " %.0f\n", v);
}

/* A latency: its quantiles, then the total time and the count */
static void prom_summary(FILE *out, const struct prom_family *f, struct prom_set *l, const cJSON *h)
{
	static const struct { const char *q, *k; } qs[] = {
		{ "0.5", "p50_ns" }, { "0.9", "p90_ns" }, { "0.99", "p99_ns" }, { "1", "max_ns" } };

	for (unsigned i = 0; i < FR_ARRAY_SIZE(qs); i++) {
		if (!fr_jget(h, qs[i].k))
			continue;
		l->name[l->n] = "quantile";
		l->value[l->n++] = qs[i].q;
		prom_series(out, f->name, "", l, fr_jnum(h, qs[i].k, 0), P_SECONDS);
		l->n--;
	}
	prom_series(out, f->name, "_sum", l, fr_jnum(h, "total_ns", 0), P_SECONDS);
	prom_series(out, f->name, "_count", l, fr_jnum(h, "count", 0), P_COUNT);
}

/* One row of a family: its labels, then its series */
static void prom_row(FILE *out, const struct prom_family *f, const cJSON *row, const char *member)
{
	struct prom_set l = { 0 };

	if (member) {
		l.name[l.n] = f->labels[0].name;
		l.value[l.n++] = member;
	}
	for (unsigned i = 0; f->rows == ITEMS && i < FR_ARRAY_SIZE(f->labels) && f->labels[i].name; i++) {
		l.name[l.n] = f->labels[i].name;
		if (f->labels[i].number) {
			snprintf(l.num[i], sizeof(l.num[i]), "%.0f", fr_jnum(row, f->labels[i].key, 0));
			l.value[l.n++] = l.num[i];
		} else {
			l.value[l.n++] = cJSON_GetStringValue(fr_jget(row, f->labels[i].key));
		}
	}
	if (f->summary)
		prom_summary(out, f, &l, row);
	else
		prom_series(out, f->name, "", &l, f->value ? fr_jnum(row, f->value, 0) :
			    cJSON_IsNumber(row) ? row->valuedouble : 0, f->unit);
}

/* The object at a dotted path of the model */
static const cJSON *at(const cJSON *m, const char *path)
{
	char key[64];

	while (m && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		m = fr_jget(m, key);
		path += n + (path[n] == '.');
	}
	return m;
}

void fr_stats_prom(FILE *out, const cJSON *m)
{
	for (unsigned i = 0; i < FR_ARRAY_SIZE(families); i++) {
		const struct prom_family *f = &families[i];
		const cJSON *x = at(m, f->at), *r;

		fprintf(out, "# HELP flightrec_%s %s\n# TYPE flightrec_%s %s\n", f->name, f->help,
			f->name, f->type);
		if (f->rows == ONE)
			prom_row(out, f, x, NULL);
		else if (f->members)
			for (const char *const *k = f->members; *k; k++)
				prom_row(out, f, fr_jget(x, *k), *k);
		else
			cJSON_ArrayForEach(r, x)
				prom_row(out, f, r, f->rows == MEMBERS ? r->string : NULL);
	}
}
