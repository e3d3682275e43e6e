/* headline.c: the findings of a capture; see headline.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "report/headline.h"
#include "report/model.h"
#include "base/utf8.h"
#include "base/util.h"

/* One line being written: appends never overflow, the end is cut. */
struct line {
	char b[320];
	size_t n;
	size_t lead;	/* the finding starts here, after what fired */
};

__attribute__((format(printf, 2, 3))) static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (l->n >= sizeof(l->b) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(l->b + l->n, sizeof(l->b) - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n = l->n + (size_t)k < sizeof(l->b) ? l->n + (size_t)k : sizeof(l->b) - 1;
}

/* A name from the capture, with no control bytes: '?' for each. */
static void put_name(struct line *l, const char *s)
{
	for (; s && *s && l->n < sizeof(l->b) - 1; s++)
		l->b[l->n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	l->b[l->n] = 0;
}

static const char *str(const cJSON *o, const char *k)
{
	return fr_jstr(o, k, "?");
}

/* "dd[77]": the name and the pid */
static void put_task(struct line *l, const cJSON *t)
{
	put_name(l, str(t, "comm"));
	put(l, "[%.0f]", fr_jnum(t, "pid", 0));
}

static const char *dur(uint64_t ns, char *b, size_t len)
{
	return fr_fmt_duration(ns, b, len);
}

static cJSON *add(cJSON *list, const char *kind, const struct line *l, cJSON *figures)
{
	cJSON *f = cJSON_CreateObject();

	if (!f) {
		cJSON_Delete(figures);
		return NULL;
	}
	cJSON_AddStringToObject(f, "kind", kind);
	cJSON_AddStringToObject(f, "text", l->b);
	/* the part after what fired: what trigger's firing line shows */
	if (l->lead && l->lead <= l->n)
		cJSON_AddStringToObject(f, "finding", l->b + l->lead);
	cJSON_AddItemToObject(f, "figures", figures ? figures : cJSON_CreateObject());
	cJSON_AddItemToArray(list, f);
	return f;
}

static cJSON *dup(const cJSON *x)
{
	return x ? cJSON_Duplicate(x, true) : cJSON_CreateNull();
}

/* ---- from a trigger record's context ---- */

#define MAX_FUNCS 64
#define MAX_STACKS 200

struct func {
	char name[96];
	bool kernel;
	double samples;
};

/* "read_zero+0x77 [kernel]" -> "read_zero"; an address -> "[unknown]" */
static void func_name(const char *frame, char *out, size_t len)
{
	size_t n = fr_frame_name_len(frame);

	if (!n) {
		snprintf(out, len, "[unknown]");
		return;
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, frame, n);
	out[n] = 0;
}

static struct func *func_of(struct func *fs, unsigned *n, const char *name, bool kernel)
{
	for (unsigned i = 0; i < *n; i++)
		if (fs[i].kernel == kernel && !strcmp(fs[i].name, name))
			return &fs[i];
	if (*n == MAX_FUNCS)
		return NULL;
	snprintf(fs[*n].name, sizeof(fs[*n].name), "%s", name);
	fs[*n].kernel = kernel;
	fs[*n].samples = 0;
	return &fs[(*n)++];
}

static int by_samples(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	return x->samples < y->samples ? 1 : x->samples > y->samples ? -1 : 0;
}

/* The functions the samples of process pid were in (the leaf of each
 * stack, kernel first), hottest first: the profile's own table when it has
 * one. Another process's functions are not the hot one's. */
static unsigned hot_functions(const cJSON *prof, double pid, struct func *fs)
{
	const cJSON *fn = fr_jget(prof, "functions"), *s, *p;
	unsigned n = 0, i = 0;

	if (cJSON_IsArray(fn)) {
		cJSON_ArrayForEach(s, fn) {
			double self = 0;

			if (n == MAX_FUNCS)
				break;
			cJSON_ArrayForEach(p, fr_jget(s, "processes"))
				if (fr_jnum(p, "pid", -1) == pid)
					self += fr_jnum(p, "self", 0);
			if (self <= 0)
				continue;
			snprintf(fs[n].name, sizeof(fs[n].name), "%s", str(s, "function"));
			fs[n].kernel = cJSON_IsTrue(fr_jget(s, "kernel"));
			fs[n++].samples = self;
		}
	} else {
		cJSON_ArrayForEach(s, fr_jget(prof, "stacks")) {
			const cJSON *k = fr_jget(s, "kernel"), *u = fr_jget(s, "user");
			bool kernel = cJSON_GetArraySize(k) > 0;
			const cJSON *leaf = cJSON_GetArrayItem(kernel ? k : u, 0);
			char name[96];
			struct func *f;

			/* the writer keeps 200 stacks: a crafted record's more are not read */
			if (i++ == MAX_STACKS)
				break;
			if (!cJSON_IsString(leaf) || fr_jnum(s, "pid", -1) != pid)
				continue;
			func_name(leaf->valuestring, name, sizeof(name));
			if ((f = func_of(fs, &n, name, kernel)))
				f->samples += fr_jnum(s, "count", 0);
		}
	}
	qsort(fs, n, sizeof(*fs), by_samples);
	return n;
}

/* The process most samples were in: the profile's own table when it has
 * one, hottest first. */
static const cJSON *hot_process(const cJSON *prof, double *samples)
{
	const cJSON *s, *best = NULL;
	double best_n = 0;

	if ((s = cJSON_GetArrayItem(fr_jget(prof, "processes"), 0))) {
		*samples = fr_jnum(s, "samples", 0);
		return s;
	}

	/* the writer keeps 200 stacks: a crafted record's more are not read */
	unsigned i = 0;

	cJSON_ArrayForEach(s, fr_jget(prof, "stacks")) {
		double n = 0;
		const cJSON *t;
		unsigned j = 0;

		if (i++ == MAX_STACKS)
			break;
		cJSON_ArrayForEach(t, fr_jget(prof, "stacks")) {
			if (j++ == MAX_STACKS)
				break;
			if (fr_jnum(t, "pid", -1) == fr_jnum(s, "pid", -2))
				n += fr_jnum(t, "count", 0);
		}
		if (n > best_n) {
			best_n = n;
			best = s;
		}
	}
	*samples = best_n;
	return best;
}

static void cpu_finding(cJSON *list, const cJSON *prof, struct line *l)
{
	struct func fs[MAX_FUNCS];
	double total = fr_jnum(prof, "samples", 0), in_proc;
	const cJSON *p = hot_process(prof, &in_proc);
	unsigned n = p ? hot_functions(prof, fr_jnum(p, "pid", -1), fs) : 0;
	cJSON *fig = cJSON_CreateObject(), *a;

	if (!p || total <= 0) {
		put(l, "no profile samples");
		add(list, "cpu", l, fig);
		return;
	}
	put(l, "%.0f%% of samples in ", 100 * in_proc / total);
	put_task(l, p);
	cJSON_AddNumberToObject(fig, "samples", total);
	cJSON_AddNumberToObject(fig, "pid", fr_jnum(p, "pid", 0));
	cJSON_AddStringToObject(fig, "comm", str(p, "comm"));
	cJSON_AddNumberToObject(fig, "process_samples", in_proc);
	a = cJSON_AddArrayToObject(fig, "functions");
	for (unsigned i = 0; i < n && i < 3; i++) {
		cJSON *f = cJSON_CreateObject();

		put(l, "%s%.0f%% in ", i ? ", " : ": ", 100 * fs[i].samples / total);
		put_name(l, fs[i].name);
		if (fs[i].kernel)
			put(l, " [kernel]");
		cJSON_AddStringToObject(f, "function", fs[i].name);
		cJSON_AddBoolToObject(f, "kernel", fs[i].kernel);
		cJSON_AddNumberToObject(f, "samples", fs[i].samples);
		cJSON_AddNumberToObject(f, "share", fs[i].samples / total);
		cJSON_AddItemToArray(a, f);
	}
	add(list, "cpu", l, fig);
}

/* Where a task in D state waits: its wchan, else its stack's leaf. */
static const char *waits_in(const cJSON *t)
{
	const cJSON *leaf = cJSON_GetArrayItem(fr_jget(t, "stack"), 0);

	return fr_jstr(t, "wchan", cJSON_IsString(leaf) ? leaf->valuestring : "?");
}

struct in_d {
	const cJSON *task;
	double ns;	/* in D state this long, 0 when not said */
	unsigned i;	/* its place in the context */
};

/* the longest in D first; the context's order between equals */
static int by_time_in_d(const void *a, const void *b)
{
	const struct in_d *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Tasks in D state grouped by where they wait, each group once, the one
 * waiting longest first (where the firing timed them): "3 tasks in D
 * state: tar[4] 12s, cp[5] in fuse_wait; dd[6] in io_schedule". */
static void dstate_finding(cJSON *list, const cJSON *ds, struct line *l)
{
	const char *where[8];
	unsigned count[8] = { 0 }, ng = 0, n = (unsigned)cJSON_GetArraySize(ds), k = 0;
	const cJSON *t;
	struct in_d *order = calloc(n ? n : 1, sizeof(*order));
	cJSON *fig = cJSON_CreateObject(), *groups;

	if (!order) {
		cJSON_Delete(fig);
		return;
	}
	cJSON_ArrayForEach(t, ds) {
		double ns = fr_jnum(t, "in_d_ns", 0);

		if (k == n)
			break;
		/* a crafted capture's time is kept to a day */
		order[k] = (struct in_d){ t, ns > 0 ? (ns < 864e11 ? ns : 864e11) : 0, k };
		k++;
	}
	qsort(order, k, sizeof(*order), by_time_in_d);
	put(l, "%u task%s in D state", n, n == 1 ? "" : "s");
	for (unsigned i = 0; i < k; i++) {
		const char *w = waits_in(order[i].task);
		unsigned g = 0;

		while (g < ng && strcmp(where[g], w))
			g++;
		if (g == ng && ng < 8)
			where[ng++] = w;
		if (g < ng)
			count[g]++;
	}
	groups = cJSON_AddArrayToObject(fig, "groups");
	for (unsigned g = 0; g < ng; g++) {
		char name[96], b[32];
		cJSON *x = cJSON_CreateObject(), *tasks;
		unsigned shown = 0;

		func_name(where[g], name, sizeof(name));
		cJSON_AddStringToObject(x, "where", name);
		cJSON_AddNumberToObject(x, "count", count[g]);
		tasks = cJSON_AddArrayToObject(x, "tasks");
		put(l, "%s", g ? "; " : ": ");
		for (unsigned i = 0; i < k; i++) {
			t = order[i].task;
			if (strcmp(waits_in(t), where[g]))
				continue;
			if (shown < 3) {
				put(l, "%s", shown ? ", " : "");
				put_task(l, t);
				if (order[i].ns >= 1e9)
					put(l, " %s", dur((uint64_t)order[i].ns, b, sizeof(b)));
			}
			shown++;
			cJSON_AddItemToArray(tasks, dup(t));
		}
		if (shown > 3)
			put(l, " and %u more", shown - 3);
		put(l, " in ");
		put_name(l, name);
		cJSON_AddItemToArray(groups, x);
	}
	free(order);
	cJSON_AddNumberToObject(fig, "tasks", n);
	add(list, "dstate", l, fig);
}

static void runqueue_finding(cJSON *list, const cJSON *rq, struct line *l)
{
	const cJSON *w = cJSON_GetArrayItem(fr_jget(rq, "waiters"), 0);
	const cJSON *i = cJSON_GetArrayItem(fr_jget(rq, "interferers"), 0);
	cJSON *fig = cJSON_CreateObject();
	char b1[32], b2[32];

	if (!w) {
		put(l, "no task waited on the run queue in the window");
		add(list, "runqueue", l, fig);
		return;
	}
	put(l, "%d tasks waited; ", cJSON_GetArraySize(fr_jget(rq, "waiters")));
	put_task(l, w);
	put(l, " %s in %.0f waits, max %s", dur(fr_jcount(w, "wait_ns"), b1, sizeof(b1)),
	    fr_jnum(w, "waits", 0), dur(fr_jcount(w, "max_wait_ns"), b2, sizeof(b2)));
	cJSON_AddItemToObject(fig, "waiter", dup(w));
	if (i) {
		put(l, "; ran instead: ");
		put_task(l, i);
		put(l, " %s", dur(fr_jcount(i, "while_others_waited_ns"), b1, sizeof(b1)));
		cJSON_AddItemToObject(fig, "ran_instead", dup(i));
	}
	add(list, "runqueue", l, fig);
}

static void memburst_finding(cJSON *list, const cJSON *ctx, struct line *l)
{
	const cJSON *g = fr_jget(ctx, "top_growers"), *p;
	double secs = fr_jnum(ctx, "growth_since_ns", 0) / 1e9;
	cJSON *fig = cJSON_CreateObject();
	unsigned n = 0;
	char b1[32], b2[32], b3[32];

	cJSON_ArrayForEach(p, g) {
		if (n++ == 2)
			break;
		put(l, "%s", n > 1 ? "; " : "");
		put_task(l, p);
		put(l, " grew %s to %s", fr_fmt_bytes(fr_jcount(p, "growth_bytes"), b1, sizeof(b1)),
		    fr_fmt_bytes(fr_jcount(p, "rss_bytes"), b2, sizeof(b2)));
		if (secs > 0)
			put(l, " (%s/s)", fr_fmt_bytes((uint64_t)(fr_jnum(p, "growth_bytes", 0) / secs),
						       b3, sizeof(b3)));
	}
	if (!n)
		put(l, "no process grew");
	cJSON_AddItemToObject(fig, "top_growers", dup(g));
	cJSON_AddNumberToObject(fig, "over_ns", fr_jnum(ctx, "growth_since_ns", 0));
	add(list, "memburst", l, fig);
}

static void io_finding(cJSON *list, const cJSON *io, struct line *l)
{
	const cJSON *p, *worst = NULL;
	cJSON *fig = cJSON_CreateObject();
	char b1[32], b2[32];

	cJSON_ArrayForEach(p, io)
		if (!worst || fr_jnum(p, "max_ns", 0) > fr_jnum(worst, "max_ns", 0))
			worst = p;
	if (!worst) {
		put(l, "no block request completed in the window");
		add(list, "io", l, fig);
		return;
	}
	put_name(l, str(worst, "dev"));
	put(l, ": ");
	put_task(l, worst);
	put(l, " %.0f requests, p99 %s, slowest %s", fr_jnum(worst, "requests", 0),
	    dur(fr_jcount(worst, "p99_ns"), b1, sizeof(b1)), dur(fr_jcount(worst, "max_ns"), b2, sizeof(b2)));
	if (cJSON_GetArraySize(io) > 1)
		put(l, " (%d more)", cJSON_GetArraySize(io) - 1);
	cJSON_AddItemToObject(fig, "slowest", dup(worst));
	add(list, "io", l, fig);
}

static void fatal_finding(cJSON *list, const cJSON *x, struct line *l)
{
	const cJSON *c;
	cJSON *fig = dup(x);
	bool oom = !fr_jstr(x, "signal", NULL);
	unsigned n = 0;
	char b1[32];

	put_task(l, x);
	if (oom) {
		put(l, " killed by the OOM killer");
		if (fr_jget(x, "anon_rss_kb"))
			put(l, " (anon RSS %s)", fr_fmt_bytes(fr_jcount(x, "anon_rss_kb") * 1024, b1, sizeof(b1)));
	} else {
		put(l, " killed by %s", str(x, "signal"));
	}
	/* the same call again and again once: "getppid x7" */
	cJSON_ArrayForEach(c, fr_jget(x, "last_syscalls")) {
		const char *err = fr_jstr(c, "error", NULL);
		unsigned same = 1;

		while (c->next && !strcmp(str(c->next, "syscall"), str(c, "syscall")) &&
		       !err == !fr_jstr(c->next, "error", NULL) &&
		       (!err || !strcmp(err, fr_jstr(c->next, "error", ""))))
			c = c->next, same++;
		put(l, "%s", n++ ? ", " : "; last calls: ");
		put_name(l, str(c, "syscall"));
		if (err) {
			put(l, " ");
			put_name(l, err);
		}
		if (same > 1)
			put(l, " x%u", same);
	}
	if (fr_jnum(x, "syscall_errors", 0))
		put(l, "; %.0f failed calls", fr_jnum(x, "syscall_errors", 0));
	add(list, oom ? "oom" : "crash", l, fig);
}

/* "cpu.usage = 97% (> 95% for 10s): " then the context's finding */
static void from_trigger(cJSON *list, const cJSON *t)
{
	const cJSON *ctx = fr_jget(t, "context"), *x;
	struct line l = { .n = 0 };
	const char *metric = str(t, "metric");

	put_name(&l, metric);
	put(&l, " = ");
	put_name(&l, str(t, "value_text"));
	if (!strncmp(metric, "psi.", 4))
		put(&l, " (%s pressure)", strstr(metric, ".full") ? "full" : "some");
	put(&l, ": ");
	l.lead = l.n;
	if ((x = fr_jget(ctx, "fatal")))
		fatal_finding(list, x, &l);
	else if ((x = fr_jget(ctx, "dstate")))
		dstate_finding(list, x, &l);
	else if ((x = fr_jget(ctx, "runqueue")))
		runqueue_finding(list, x, &l);
	else if (fr_jget(ctx, "top_growers"))
		memburst_finding(list, ctx, &l);
	else if ((x = fr_jget(ctx, "io")))
		io_finding(list, x, &l);
	else if ((x = fr_jget(ctx, "profile")))
		cpu_finding(list, x, &l);
	else {
		put(&l, "no context was collected");
		add(list, str(t, "detector"), &l, NULL);
	}
}

/* ---- from the stats model of a plain recording ---- */

static void top_cpu(cJSON *list, const cJSON *m)
{
	const cJSON *p = cJSON_GetArrayItem(fr_jget(fr_jget(m, "cpu"), "processes"), 0);
	struct line l = { .n = 0 };
	char b1[32];

	if (!p || !fr_jnum(p, "oncpu_ns", 0))
		return;
	put(&l, "top CPU ");
	put_task(&l, p);
	put(&l, " %s, %.1f%% of one CPU", dur(fr_jcount(p, "oncpu_ns"), b1, sizeof(b1)),
	    fr_jnum(p, "cpu_percent", 0));
	add(list, "cpu", &l, dup(p));
}

static void worst_wait(cJSON *list, const cJSON *m)
{
	const cJSON *rq = fr_jget(m, "runqueue"), *p, *worst = NULL;
	struct line l = { .n = 0 };
	cJSON *fig;
	char b1[32], b2[32];

	if (!fr_jnum(rq, "count", 0))
		return;
	cJSON_ArrayForEach(p, fr_jget(fr_jget(m, "cpu"), "processes"))
		if (fr_jnum(fr_jget(p, "runqueue"), "max_ns", 0) >
		    (worst ? fr_jnum(fr_jget(worst, "runqueue"), "max_ns", 0) : 0))
			worst = p;
	put(&l, "longest run-queue wait %s", dur(fr_jcount(rq, "max_ns"), b1, sizeof(b1)));
	if (worst) {
		put(&l, ", ");
		put_task(&l, worst);
	}
	put(&l, "; p99 %s of %.0f waits", dur(fr_jcount(rq, "p99_ns"), b2, sizeof(b2)),
	    fr_jnum(rq, "count", 0));
	fig = cJSON_CreateObject();
	cJSON_AddNumberToObject(fig, "max_ns", fr_jnum(rq, "max_ns", 0));
	cJSON_AddNumberToObject(fig, "p99_ns", fr_jnum(rq, "p99_ns", 0));
	cJSON_AddNumberToObject(fig, "count", fr_jnum(rq, "count", 0));
	if (worst) {
		cJSON_AddNumberToObject(fig, "pid", fr_jnum(worst, "pid", 0));
		cJSON_AddStringToObject(fig, "comm", str(worst, "comm"));
	}
	add(list, "runqueue", &l, fig);
}

static void slowest_syscall(cJSON *list, const cJSON *m)
{
	const cJSON *sc = fr_jget(m, "syscalls"), *s, *worst = NULL;
	struct line l = { .n = 0 };
	char b1[32], b2[32];

	cJSON_ArrayForEach(s, fr_jget(sc, "by_name"))
		if (fr_jnum(s, "max_ns", 0) > (worst ? fr_jnum(worst, "max_ns", 0) : 0))
			worst = s;
	if (!worst)
		return;
	put(&l, "slowest system call ");
	put_name(&l, str(worst, "name"));
	put(&l, " %s (p99 %s of %.0f calls)", dur(fr_jcount(worst, "max_ns"), b1, sizeof(b1)),
	    dur(fr_jcount(worst, "p99_ns"), b2, sizeof(b2)), fr_jnum(worst, "calls", 0));
	if (fr_jnum(sc, "errors", 0))
		put(&l, "; %.0f calls failed", fr_jnum(sc, "errors", 0));
	add(list, "syscalls", &l, dup(worst));
}

static void busiest_device(cJSON *list, const cJSON *m)
{
	const cJSON *d, *best = NULL;
	struct line l = { .n = 0 };
	char b1[32], b2[32];

	cJSON_ArrayForEach(d, fr_jget(fr_jget(m, "block"), "devices"))
		if (fr_jnum(d, "requests", 0) > (best ? fr_jnum(best, "requests", 0) : 0))
			best = d;
	if (!best)
		return;
	put(&l, "busiest device ");
	put_name(&l, str(best, "dev"));
	put(&l, " %.0f requests, %s, p99 %s", fr_jnum(best, "requests", 0),
	    fr_fmt_bytes(fr_jcount(best, "bytes"), b1, sizeof(b1)),
	    dur(fr_jcount(best, "p99_ns"), b2, sizeof(b2)));
	add(list, "io", &l, dup(best));
}

static void fatal_events(cJSON *list, const cJSON *m)
{
	const cJSON *ev = fr_jget(m, "events"), *f;
	double crashes = fr_jnum(ev, "crashes", 0), ooms = fr_jnum(ev, "oom_kills", 0);
	struct line l = { .n = 0 };
	unsigned n = 0;

	if (!crashes && !ooms)
		return;
	put(&l, "%.0f crashed, %.0f killed by the OOM killer", crashes, ooms);
	cJSON_ArrayForEach(f, fr_jget(ev, "fatal")) {
		if (n++ == 3)
			break;
		put(&l, "%s", n > 1 ? ", " : ": ");
		put_task(&l, f);
		put(&l, " ");
		put_name(&l, fr_jstr(f, "signal", "OOM"));
	}
	add(list, crashes ? "crash" : "oom", &l, dup(fr_jget(ev, "fatal")));
}

/* ---- lost data ---- */

static void lost(cJSON *list, const cJSON *loss, bool complete)
{
	double dropped = fr_jnum(loss, "dropped", 0), malformed = fr_jnum(loss, "malformed", 0);
	double over = fr_jnum(loss, "overwritten", 0) + fr_jnum(loss, "file_overwritten", 0) +
		      fr_jnum(loss, "unwritten", 0);
	struct line l = { .n = 0 };
	cJSON *fig;

	if (!dropped && !over && !malformed && complete)
		return;
	if (dropped)
		put(&l, "%.0f events dropped (BPF buffer full): counts and times are lower bounds", dropped);
	else if (malformed || !complete)
		put(&l, "the capture is damaged or incomplete: figures cover what could be read");
	else
		put(&l, "%.0f oldest events overwritten: figures cover the time range kept", over);
	fig = cJSON_CreateObject();
	cJSON_AddNumberToObject(fig, "dropped", dropped);
	cJSON_AddNumberToObject(fig, "overwritten", over);
	cJSON_AddNumberToObject(fig, "malformed", malformed);
	cJSON_AddBoolToObject(fig, "complete", complete);
	add(list, "loss", &l, fig);
}

cJSON *fr_headline(const cJSON *trigger, const cJSON *model, const cJSON *loss)
{
	cJSON *list = cJSON_CreateArray();
	const cJSON *ml = fr_jget(model, "loss");

	if (!list)
		return NULL;
	if (cJSON_IsObject(trigger)) {
		from_trigger(list, trigger);
	} else if (model) {
		top_cpu(list, model);
		worst_wait(list, model);
		slowest_syscall(list, model);
		busiest_device(list, model);
	}
	/* a crash that fired is the finding already */
	if (model && !fr_jget(fr_jget(trigger, "context"), "fatal"))
		fatal_events(list, model);
	if (ml)
		lost(list, ml, cJSON_IsTrue(fr_jget(ml, "complete")));
	else if (loss)
		lost(list, loss, !cJSON_IsFalse(fr_jget(loss, "complete")));
	/* names from the capture are any bytes, and cuts may split one */
	fr_json_sanitize(list);
	return list;
}

cJSON *fr_capture_headline(const struct fr_capture *cap)
{
	const cJSON *e = cap->end ? cap->end : cap->status;
	cJSON *loss = cJSON_Duplicate(fr_jget(e, "counters"), true), *h;

	if (!loss)
		loss = cJSON_CreateObject();
	cJSON_AddBoolToObject(loss, "complete", cap->end && !cap->problems);
	h = fr_headline(cap->trigger, NULL, loss);
	cJSON_Delete(loss);
	return h;
}

void fr_headline_text(FILE *out, const cJSON *headline, const char *prefix, unsigned width)
{
	const cJSON *f;
	size_t pl = strlen(prefix);

	cJSON_ArrayForEach(f, headline) {
		const char *t = str(f, "text");
		size_t n = strlen(t);

		fputs(prefix, out);
		if (width && pl + n > width && width > pl + 3) {
			size_t cut = width - pl - 3;

			while (cut && ((unsigned char)t[cut] & 0xc0) == 0x80)
				cut--;	/* not inside a UTF-8 character */
			fprintf(out, "%.*s...\n", (int)cut, t);
		} else
			fprintf(out, "%s\n", t);
	}
}
