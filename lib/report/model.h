/* model.h: reading the JSON a capture holds (its meta and trigger records)
 * and the models built from it (stats, --info): a member that is missing
 * or of another type reads as the default, so that a damaged or crafted
 * capture prints what it can and never crashes a reader. */
#ifndef FR_MODEL_H
#define FR_MODEL_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

static inline const cJSON *fr_jget(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static inline const char *fr_jstr(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *v = fr_jget(o, k);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

static inline double fr_jnum(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = fr_jget(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A count, a size or a time: never negative, never past what a uint64_t
 * holds (the conversion would be undefined). */
static inline uint64_t fr_jcount(const cJSON *o, const char *k)
{
	double v = fr_jnum(o, k, 0);

	return v > 0 && v < 1.8e19 ? (uint64_t)v : 0;
}

/* A frame as captures write it ("func+0x1a (file)", "func [mod]", or an
 * address in captures made before frames were named by function): the
 * length of its function's name, 0 for an address. */
static inline size_t fr_frame_name_len(const char *f)
{
	if (!f || !*f || !strncmp(f, "0x", 2))
		return 0;
	return strcspn(f, "+ ");
}

#endif
