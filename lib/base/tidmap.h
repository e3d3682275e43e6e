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
/* Remove key; true when it was there. The table shrinks as it empties, so
 * a map that once held many keys does not keep their memory. */
bool fr_tidmap_del(struct fr_tidmap *m, uint32_t key);
/* Call cb(key, value) for every entry until it returns true, which removes
 * that entry; the walk goes on. Returns the number removed. */
size_t fr_tidmap_remove_if(struct fr_tidmap *m, bool (*cb)(uint32_t key, uint32_t value, void *arg),
			   void *arg);

#endif
