/* control_text.c: what a recording's controls did, as dump --info and
 * stats print it: pauses (the gaps in its time range), the probe groups
 * switched on and off, the events taken out on request. */
#include <stdio.h>
#include <string.h>

#include "report/info.h"
#include "report/model.h"
#include "report/render.h"
#include "base/util.h"

/* "HH:MM:SS.mmm" of ts, without the day */
static const char *clock_of(const struct fr_decoder *d, uint64_t ts, char *buf, size_t len)
{
	char t[64];

	fr_render_time(d, ts, t, sizeof(t));
	/* to the millisecond: HH:MM:SS.mmm */
	snprintf(buf, len, "%.12s", strlen(t) > 11 && t[10] == ' ' ? t + 11 : t);
	return buf;
}

static void add(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n < len)
		snprintf(buf + n, len - n, "%s", s);
}

void fr_print_control(FILE *out, const cJSON *ctl, const cJSON *counters,
		      const struct fr_decoder *d, int label)
{
	char line[2048], item[192], t[64], b[32];
	const cJSON *x;

	if (cJSON_IsTrue(fr_jget(ctl, "paused"))) {
		snprintf(line, sizeof(line), "written while paused: nothing was recorded after %s",
			 clock_of(d, fr_jcount(ctl, "paused_since"), t, sizeof(t)));
		fr_info_wrapped(out, "paused:", label, line, d->wide);
	}
	if (fr_jnum(ctl, "pauses_total", 0) > 0) {
		double n = fr_jnum(ctl, "pauses_total", 0);
		int shown = 0;

		snprintf(line, sizeof(line), "%.0f time%s, %s in all, no events then:", n,
			 n == 1 ? "" : "s",
			 fr_fmt_duration((uint64_t)(fr_jnum(ctl, "paused_s", 0) * 1e9), b, sizeof(b)));
		cJSON_ArrayForEach(x, fr_jget(ctl, "pauses")) {
			const cJSON *a = cJSON_GetArrayItem(x, 0), *z = cJSON_GetArrayItem(x, 1);
			uint64_t from = cJSON_IsNumber(a) && a->valuedouble > 0 ? (uint64_t)a->valuedouble : 0;
			uint64_t to = cJSON_IsNumber(z) && z->valuedouble > 0 ? (uint64_t)z->valuedouble : 0;

			snprintf(item, sizeof(item), "%s %s for %s", shown++ ? "," : "",
				 clock_of(d, from, t, sizeof(t)),
				 fr_fmt_duration(to > from ? to - from : 0, b, sizeof(b)));
			add(line, sizeof(line), item);
		}
		if (n > shown) {
			snprintf(item, sizeof(item), " (and %.0f earlier)", n - shown);
			add(line, sizeof(line), item);
		}
		fr_info_wrapped(out, "pauses:", label, line, d->wide);
	}
	if (fr_jnum(ctl, "group_changes_total", 0) > 1) {
		line[0] = 0;
		cJSON_ArrayForEach(x, fr_jget(ctl, "groups")) {
			const cJSON *g;
			char names[96] = "";

			cJSON_ArrayForEach(g, fr_jget(x, "on"))
				if (cJSON_IsString(g)) {
					add(names, sizeof(names), names[0] ? "," : "");
					add(names, sizeof(names), g->valuestring);
				}
			snprintf(item, sizeof(item), "%s%s from %s", line[0] ? "; " : "",
				 names[0] ? names : "none",
				 clock_of(d, fr_jcount(x, "from_ns"), t, sizeof(t)));
			add(line, sizeof(line), item);
		}
		fr_info_wrapped(out, "groups:", label, line, d->wide);
	}
	if (fr_jnum(counters, "cleared", 0) || fr_jnum(counters, "resized", 0) ||
	    fr_jnum(counters, "taken", 0) || fr_jnum(counters, "file_cleared", 0)) {
		snprintf(line, sizeof(line), "%.0f events cleared, %.0f discarded by a resize, %.0f taken "
			 "with a trace (on request)", fr_jnum(counters, "cleared", 0) +
			 fr_jnum(counters, "file_cleared", 0), fr_jnum(counters, "resized", 0),
			 fr_jnum(counters, "taken", 0));
		fr_info_wrapped(out, "removed:", label, line, d->wide);
	}
}
