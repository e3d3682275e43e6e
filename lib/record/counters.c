/* counters.c: a recording's counters, maps and trace labels as JSON. */
#include <stdio.h>
#include <string.h>

#include "record/counters.h"

cJSON *fr_counters_json(const struct fr_counters *k)
{
	cJSON *c = cJSON_CreateObject();

	if (!c)
		return NULL;
	cJSON_AddNumberToObject(c, "received", (double)k->received);
	cJSON_AddNumberToObject(c, "marks", (double)k->marks);
	cJSON_AddNumberToObject(c, "dropped", (double)k->dropped);
	cJSON_AddNumberToObject(c, "overwritten", (double)k->overwritten);
	cJSON_AddNumberToObject(c, "overwritten_bytes", (double)k->overwritten_bytes);
	cJSON_AddNumberToObject(c, "malformed", (double)k->malformed);
	cJSON_AddNumberToObject(c, "follow_map_full", (double)k->follow_map_full);
	cJSON_AddNumberToObject(c, "inflight_map_full", (double)k->inflight_map_full);
	cJSON_AddNumberToObject(c, "inflight_unmatched", (double)k->inflight_unmatched);
	cJSON_AddNumberToObject(c, "traces_map_full", (double)k->traces_map_full);
	cJSON_AddNumberToObject(c, "tasks_evicted", (double)k->tasks_evicted);
	cJSON_AddNumberToObject(c, "tasks_held", (double)k->tasks_held);
	cJSON_AddNumberToObject(c, "traces_recycled", (double)k->traces_recycled);
	cJSON_AddNumberToObject(c, "traces_refused", (double)k->traces_refused);
	cJSON_AddNumberToObject(c, "stored", (double)k->stored);
	cJSON_AddNumberToObject(c, "stored_bytes", (double)k->stored_bytes);
	cJSON_AddNumberToObject(c, "ring_used_bytes", (double)k->ring_used_bytes);
	cJSON_AddNumberToObject(c, "cleared", (double)k->cleared);
	cJSON_AddNumberToObject(c, "resized", (double)k->resized);
	cJSON_AddNumberToObject(c, "taken", (double)k->taken);
	if (k->ring_file) {
		cJSON_AddNumberToObject(c, "file_overwritten", (double)k->file_overwritten);
		cJSON_AddNumberToObject(c, "file_overwritten_bytes", (double)k->file_overwritten_bytes);
		cJSON_AddNumberToObject(c, "unwritten", (double)k->unwritten);
		cJSON_AddNumberToObject(c, "late", (double)k->late);
		cJSON_AddNumberToObject(c, "file_cleared", (double)k->file_cleared);
	}
	return c;
}

cJSON *fr_maps_json(const struct fr_map_fill m[FR_NMAPS])
{
	cJSON *o = cJSON_CreateObject();

	for (unsigned i = 0; o && i < FR_NMAPS; i++) {
		cJSON *e = cJSON_AddObjectToObject(o, m[i].name ? m[i].name : "?");

		cJSON_AddNumberToObject(e, "entries", (double)m[i].entries);
		cJSON_AddNumberToObject(e, "max", (double)m[i].max);
		cJSON_AddNumberToObject(e, "misses", (double)m[i].misses);
	}
	return o;
}

cJSON *fr_traces_json(const uint8_t (*ids)[16], unsigned n)
{
	cJSON *o;

	if (!n || !ids)
		return NULL;
	o = cJSON_CreateObject();
	for (unsigned i = 0; o && i < n; i++) {
		char key[16], hex[33];

		snprintf(key, sizeof(key), "%u", i + 1);
		for (int b = 0; b < 16; b++)
			snprintf(hex + 2 * b, 3, "%02x", ids[i][b]);
		cJSON_AddStringToObject(o, key, hex);
	}
	return o;
}

void fr_timeline_groups(struct fr_timeline *t, uint64_t ts, unsigned groups)
{
	if (t->nchanges && t->changes[t->nchanges - 1].groups == groups)
		return;
	if (t->nchanges == FR_TL_MAX) {
		memmove(t->changes, t->changes + 1, (FR_TL_MAX - 1) * sizeof(t->changes[0]));
		t->nchanges--;
	}
	t->changes[t->nchanges].ts = ts;
	t->changes[t->nchanges++].groups = groups;
	t->changes_total++;
}

void fr_timeline_pause(struct fr_timeline *t, uint64_t from, uint64_t to)
{
	if (t->npauses == FR_TL_MAX) {
		memmove(t->pauses, t->pauses + 1, (FR_TL_MAX - 1) * sizeof(t->pauses[0]));
		t->npauses--;
	}
	t->pauses[t->npauses][0] = from;
	t->pauses[t->npauses++][1] = to;
	t->pauses_total++;
	t->paused_ns += to > from ? to - from : 0;
}

void fr_timeline_add_json(cJSON *e, const struct fr_timeline *t)
{
	cJSON *o, *a;

	if (!e || (!t->paused_since && !t->pauses_total && t->changes_total <= 1 && !t->clears &&
		   !t->resizes))
		return;
	o = cJSON_AddObjectToObject(e, "control");
	if (!o)
		return;
	cJSON_AddBoolToObject(o, "paused", t->paused_since != 0);
	if (t->paused_since)
		cJSON_AddNumberToObject(o, "paused_since", (double)t->paused_since);
	cJSON_AddNumberToObject(o, "pauses_total", (double)t->pauses_total);
	cJSON_AddNumberToObject(o, "paused_s", t->paused_ns / 1e9);
	a = cJSON_AddArrayToObject(o, "pauses");
	for (uint32_t i = 0; a && i < t->npauses; i++) {
		cJSON *p = cJSON_CreateArray();

		cJSON_AddItemToArray(p, cJSON_CreateNumber((double)t->pauses[i][0]));
		cJSON_AddItemToArray(p, cJSON_CreateNumber((double)t->pauses[i][1]));
		cJSON_AddItemToArray(a, p);
	}
	cJSON_AddNumberToObject(o, "group_changes_total", (double)t->changes_total);
	a = cJSON_AddArrayToObject(o, "groups");
	for (uint32_t i = 0; a && i < t->nchanges; i++) {
		cJSON *c = cJSON_CreateObject(), *g = cJSON_AddArrayToObject(c, "on");

		cJSON_AddNumberToObject(c, "from_ns", (double)t->changes[i].ts);
		for (size_t j = 0; j < fr_ngroups; j++)
			if (t->changes[i].groups & fr_groups[j].bit)
				cJSON_AddItemToArray(g, cJSON_CreateString(fr_groups[j].name));
		cJSON_AddItemToArray(a, c);
	}
	cJSON_AddNumberToObject(o, "clears", (double)t->clears);
	cJSON_AddNumberToObject(o, "resizes", (double)t->resizes);
}
