/* counters.c: a recording's counters, maps and trace labels as JSON. */
#include <stdio.h>

#include "record/counters.h"

cJSON *fr_counters_json(const struct fr_counters *k)
{
	cJSON *c = cJSON_CreateObject();

	if (!c)
		return NULL;
	cJSON_AddNumberToObject(c, "received", (double)k->received);
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
	if (k->ring_file) {
		cJSON_AddNumberToObject(c, "file_overwritten", (double)k->file_overwritten);
		cJSON_AddNumberToObject(c, "file_overwritten_bytes", (double)k->file_overwritten_bytes);
		cJSON_AddNumberToObject(c, "unwritten", (double)k->unwritten);
		cJSON_AddNumberToObject(c, "late", (double)k->late);
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
