/* tidmap.h: an open-addressing hash from a 32-bit id (tid) to a 32-bit value. */
#ifndef FR_TIDMAP_H
#define FR_TIDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fr_tidmap {
	uint64_t *slots;	/* (key + 1) << 32 | value; 0 = empty */
	size_t cap;		/* power of two */
	size_t len;
};

void fr_tidmap_free(struct fr_tidmap *m);
/* 0 or -ENOMEM */
int fr_tidmap_set(struct fr_tidmap *m, uint32_t key, uint32_t value);
bool fr_tidmap_get(const struct fr_tidmap *m, uint32_t key, uint32_t *value);

#endif
