/* tidmap.c: an open-addressing hash from a 32-bit id to a 32-bit value. */
#include <errno.h>
#include <stdlib.h>

#include "tidmap.h"

static size_t slot_of(uint32_t key, size_t cap)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
}

void fr_tidmap_free(struct fr_tidmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

static void insert(uint64_t *slots, size_t cap, uint64_t v)
{
	size_t i = slot_of((uint32_t)((v >> 32) - 1), cap);

	while (slots[i] && (slots[i] >> 32) != (v >> 32))
		i = (i + 1) & (cap - 1);
	slots[i] = v;
}

int fr_tidmap_set(struct fr_tidmap *m, uint32_t key, uint32_t value)
{
	uint64_t v = ((uint64_t)key + 1) << 32 | value;

	if ((m->len + 1) * 4 > m->cap * 3) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		uint64_t *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i])
				insert(n, ncap, m->slots[i]);
		free(m->slots);
		m->slots = n;
		m->cap = ncap;
	}
	{
		size_t i = slot_of(key, m->cap);

		while (m->slots[i] && (m->slots[i] >> 32) != (v >> 32))
			i = (i + 1) & (m->cap - 1);
		if (!m->slots[i])
			m->len++;
		m->slots[i] = v;
	}
	return 0;
}

bool fr_tidmap_get(const struct fr_tidmap *m, uint32_t key, uint32_t *value)
{
	uint64_t k = (uint64_t)key + 1;

	if (!m->cap)
		return false;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i])
			return false;
		if ((m->slots[i] >> 32) == k) {
			*value = (uint32_t)m->slots[i];
			return true;
		}
	}
}
