/* closest.c: how close the armed conditions are to firing; see closest.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "detect/closest.h"

double fr_cond_closeness(const struct fr_cond *c, bool valid, double v, uint64_t held)
{
	bool low = !c->rise && (c->cmp == FR_CMP_LT || c->cmp == FR_CMP_LE);
	bool holds = c->rise ? v >= c->threshold : fr_cmp_holds(c->cmp, v, c->threshold);
	double r;

	if (!valid)
		return -1;
	if (holds) {
		if (!c->for_ns)
			return 2;
		r = (double)held / (double)c->for_ns;
		return 1 + (r < 1 ? r : 1);
	}
	if (low)
		r = v > 0 && c->threshold > 0 ? c->threshold / v : 0;
	else
		r = c->threshold > 0 && v > 0 ? v / c->threshold : 0;
	/* short of the threshold: below 1, however near */
	return r < 0.9999 ? r : 0.9999;
}

/* ---- ordering ---- */

struct ref {
	unsigned armed, cond;	/* cond: FR_EXPR_MAX_CONDS for the whole expression */
	double closeness;
};

static int by_closeness(const void *x, const void *y)
{
	const struct ref *a = x, *b = y;

	if (a->closeness != b->closeness)
		return a->closeness > b->closeness ? -1 : 1;
	if (a->armed != b->armed)
		return a->armed < b->armed ? -1 : 1;
	return a->cond < b->cond ? -1 : a->cond > b->cond;
}

static double now_closeness(const struct fr_armed *a, unsigned i, uint64_t now)
{
	const struct fr_cond_state *st = &a->st[i];

	return fr_cond_closeness(&a->e->conds[i], st->valid, st->value,
				 st->since && now > st->since ? now - st->since : 0);
}

static double peak_closeness(const struct fr_armed *a, unsigned i)
{
	const struct fr_cond_state *st = &a->st[i];

	return fr_cond_closeness(&a->e->conds[i], st->peak_ok, st->peak, st->held_max);
}

/* The expressions, closest now first: an expression is as close as its
 * farthest condition. */
static unsigned order_exprs(const struct fr_engine *e, uint64_t now, struct ref *out)
{
	for (unsigned i = 0; i < e->narmed; i++) {
		const struct fr_armed *a = &e->armed[i];

		out[i] = (struct ref){ .armed = i, .cond = FR_EXPR_MAX_CONDS, .closeness = 3 };
		for (unsigned j = 0; j < a->e->n; j++) {
			double c = now_closeness(a, j, now);

			if (c < out[i].closeness)
				out[i].closeness = c;
		}
	}
	qsort(out, e->narmed, sizeof(*out), by_closeness);
	return e->narmed;
}

/* ---- the status line ---- */

/* "cpu.sys 63% [> 50% for 10s, 4s left]" */
static void cond_status(const struct fr_armed *a, unsigned i, uint64_t now, char *buf, size_t len)
{
	const struct fr_cond *c = &a->e->conds[i];
	const struct fr_cond_state *st = &a->st[i];
	char v[64], cs[160], left[32] = "";

	if (!st->valid)
		snprintf(v, sizeof(v), "-");
	else
		fr_fmt_value(c->kind, st->value, v, sizeof(v));
	fr_cond_format(c, cs, sizeof(cs));
	if (c->for_ns && st->since && now >= st->since) {
		uint64_t held = now - st->since;
		double rest = held < c->for_ns ? (c->for_ns - held) / 1e9 : 0;

		snprintf(left, sizeof(left), ", %.0fs left", rest);
	}
	snprintf(buf, len, "%s %s%s [%s%s]", c->name, c->rise && st->valid && st->value > 0 ? "+" : "",
		 v, cs + strlen(c->name) + 1, left);
}

void fr_engine_status(const struct fr_engine *e, uint64_t now, char *line, size_t len, int cols)
{
	struct ref order[FR_ENGINE_MAX_EXPRS];
	size_t max = cols > 1 && (size_t)cols <= len ? (size_t)cols - 1 : len - 1, n;
	unsigned k;

	n = (size_t)snprintf(line, len, "armed:");
	order_exprs(e, now, order);
	for (k = 0; k < e->narmed; k++) {
		const struct fr_armed *a = &e->armed[order[k].armed];
		char item[512] = "", part[256];
		/* room for the count of those left out after it: " +NN" */
		size_t need, reserve = k + 1 < e->narmed ? 4 : 0;

		for (unsigned j = 0; j < a->e->n; j++) {
			cond_status(a, j, now, part, sizeof(part));
			snprintf(item + strlen(item), sizeof(item) - strlen(item), "%s%s", j ? " and " : "", part);
		}
		need = strlen(item) + (k ? 3 : 1);
		if (k && n + need + reserve > max)
			break;
		/* the closest one is shown even when it is cut short, leaving
		 * room for the count of the others */
		n += (size_t)snprintf(line + n, len - n, "%s%s", k ? " | " : " ", item);
		if (n + reserve > max) {
			n = max > reserve ? max - reserve : max;
			k++;
			break;
		}
	}
	if (k < e->narmed && n + 4 <= max)
		snprintf(line + n, len - n, " +%u", e->narmed - k);
	line[max] = 0;
}

/* ---- the report ---- */

/* "95% for 10s", ">= 4", "2GB in 10s": the threshold as the report says it */
static void threshold_text(const struct fr_cond *c, char *buf, size_t len)
{
	char cs[160];
	const char *rest;

	fr_cond_format(c, cs, sizeof(cs));
	rest = cs + strlen(c->name) + 1;
	if (!strncmp(rest, "> ", 2))
		rest += 2;
	else if (!strncmp(rest, "rises ", 6))
		rest += 6;
	snprintf(buf, len, "%s", rest);
}

const char *fr_cond_peak_line(const struct fr_armed *a, unsigned i, char *buf, size_t len, size_t max)
{
	const struct fr_cond *c = &a->e->conds[i];
	const struct fr_cond_state *st = &a->st[i];
	bool low = !c->rise && (c->cmp == FR_CMP_LT || c->cmp == FR_CMP_LE);
	double r = peak_closeness(a, i);
	char v[64], th[200], how[64] = "", what[96];

	threshold_text(c, th, sizeof(th));
	/* a bare count: fires on the first */
	if (c->kind == FR_KIND_COUNT && !c->rise && c->cmp == FR_CMP_GT && !c->threshold &&
	    !c->for_ns && (!st->peak_ok || st->peak <= 0)) {
		snprintf(buf, len, "%s: none", c->name);
		return buf;
	}
	if (!st->peak_ok) {
		snprintf(what, sizeof(what), "%s had no reading", c->name);
	} else {
		fr_fmt_value(c->kind, c->rise && st->peak < 0 ? 0 : st->peak, v, sizeof(v));
		snprintf(what, sizeof(what), "%s %s %s", c->name,
			 c->rise ? "rose" : low ? "fell to" : "peaked at", v);
		if (r >= 1 && c->for_ns)
			snprintf(how, sizeof(how), ": held %.0fs", st->held_max / 1e9);
		else if (r >= 1)
			snprintf(how, sizeof(how), ": reached it");
		else if (c->threshold > 0 && r > 0 && r < 0.005)
			snprintf(how, sizeof(how), ": <1%% of it");
		else if (c->threshold > 0)
			snprintf(how, sizeof(how), ": %.0f%% of it", r * 100 > 99 && r < 1 ? 99 : r * 100);
	}
	snprintf(buf, len, "%s (threshold %s)%s", what, th, how);
	/* a long expression: the threshold goes first, the figures stay */
	if (strlen(buf) > max)
		snprintf(buf, len, "%s%s", what, how);
	return buf;
}

void fr_engine_report_closest(const struct fr_engine *e, uint64_t now)
{
	struct ref order[FR_ENGINE_MAX_EXPRS * FR_EXPR_MAX_CONDS];
	unsigned n = 0;
	char line[512];

	for (unsigned i = 0; i < e->narmed; i++)
		for (unsigned j = 0; j < e->armed[i].e->n; j++)
			order[n++] = (struct ref){ i, j, peak_closeness(&e->armed[i], j) };
	qsort(order, n, sizeof(*order), by_closeness);
	fr_info("nothing fired in %.0fs; closest first:",
		e->armed_at && now > e->armed_at ? (now - e->armed_at) / 1e9 : 0.0);
	/* "flightrec:   " before each, within 80 columns */
	for (unsigned k = 0; k < n; k++)
		fr_info("  %s", fr_cond_peak_line(&e->armed[order[k].armed], order[k].cond, line,
						  sizeof(line), 80 - 13));
}

cJSON *fr_engine_armed_json(const struct fr_engine *e, uint64_t now)
{
	struct ref order[FR_ENGINE_MAX_EXPRS];
	cJSON *arr = cJSON_CreateArray();
	char buf[256];

	order_exprs(e, now, order);
	for (unsigned k = 0; k < e->narmed; k++) {
		const struct fr_armed *a = &e->armed[order[k].armed];
		cJSON *x = cJSON_CreateObject(), *conds;

		cJSON_AddStringToObject(x, "when", a->e->text);
		cJSON_AddNumberToObject(x, "closeness", order[k].closeness);
		conds = cJSON_AddArrayToObject(x, "conditions");
		for (unsigned j = 0; j < a->e->n; j++) {
			const struct fr_cond *c = &a->e->conds[j];
			const struct fr_cond_state *st = &a->st[j];
			cJSON *y = cJSON_CreateObject();

			cJSON_AddStringToObject(y, "condition", fr_cond_format(c, buf, sizeof(buf)));
			cJSON_AddStringToObject(y, "metric", c->name);
			cJSON_AddNumberToObject(y, "threshold", c->threshold);
			if (st->valid)
				cJSON_AddNumberToObject(y, "value", st->value);
			else
				cJSON_AddNullToObject(y, "value");
			cJSON_AddNumberToObject(y, "held_ns", st->since && now > st->since ? (double)(now - st->since) : 0);
			if (st->peak_ok)
				cJSON_AddNumberToObject(y, "peak", st->peak);
			else
				cJSON_AddNullToObject(y, "peak");
			cJSON_AddNumberToObject(y, "held_max_ns", (double)st->held_max);
			cJSON_AddNumberToObject(y, "closeness", now_closeness(a, j, now));
			cJSON_AddNumberToObject(y, "peak_closeness", peak_closeness(a, j));
			cJSON_AddItemToArray(conds, y);
		}
		cJSON_AddItemToArray(arr, x);
	}
	return arr;
}

cJSON *fr_engine_unfired_json(const struct fr_engine *e, uint64_t now)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "fired", false);
	cJSON_AddNumberToObject(o, "armed_ns",
				(double)(e->armed_at && now > e->armed_at ? now - e->armed_at : 0));
	cJSON_AddItemToObject(o, "armed", fr_engine_armed_json(e, now));
	return o;
}
