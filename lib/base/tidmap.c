/* tidmap.c: an open-addressing hash from a 32-bit id to a 32-bit value. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/tidmap.h"

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

/* Rehash into ncap slots (a power of two, above len). */
static int resize(struct fr_tidmap *m, size_t ncap)
{
	uint64_t *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i])
			insert(n, ncap, m->slots[i]);
	free(m->slots);
	m->slots = n;
	m->cap = ncap;
	return 0;
}

int fr_tidmap_set(struct fr_tidmap *m, uint32_t key, uint32_t value)
{
	uint64_t v = ((uint64_t)key + 1) << 32 | value;

	if ((m->len + 1) * 4 > m->cap * 3 && resize(m, m->cap ? m->cap * 2 : 256))
		return -ENOMEM;
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

/* The slot holding key, or SIZE_MAX. */
static size_t find(const struct fr_tidmap *m, uint32_t key)
{
	uint64_t k = (uint64_t)key + 1;

	if (!m->cap)
		return SIZE_MAX;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i])
			return SIZE_MAX;
		if ((m->slots[i] >> 32) == k)
			return i;
	}
}

bool fr_tidmap_get(const struct fr_tidmap *m, uint32_t key, uint32_t *value)
{
	size_t i = find(m, key);

	if (i == SIZE_MAX)
		return false;
	*value = (uint32_t)m->slots[i];
	return true;
}

/* Linear probing: after emptying slot i, move back every later entry of the
 * run that no longer finds its way past the hole (Knuth's algorithm R). */
static void remove_at(struct fr_tidmap *m, size_t i)
{
	size_t j = i;

	m->slots[i] = 0;
	m->len--;
	for (;;) {
		size_t k;

		j = (j + 1) & (m->cap - 1);
		if (!m->slots[j])
			break;
		k = slot_of((uint32_t)((m->slots[j] >> 32) - 1), m->cap);
		/* the entry at j belongs at k: it stays unless the hole i lies
		 * cyclically between k and j */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j] = 0;
		i = j;
	}
}

/* Give memory back once the table is an eighth full; a failed shrink only
 * leaves it larger. */
static void maybe_shrink(struct fr_tidmap *m)
{
	size_t ncap = m->cap;

	if (m->cap <= 256 || m->len * 8 > m->cap)
		return;
	while (ncap > 256 && m->len * 4 < ncap)
		ncap /= 2;
	resize(m, ncap);
}

bool fr_tidmap_del(struct fr_tidmap *m, uint32_t key)
{
	size_t i = find(m, key);

	if (i == SIZE_MAX)
		return false;
	remove_at(m, i);
	maybe_shrink(m);
	return true;
}

size_t fr_tidmap_remove_if(struct fr_tidmap *m, bool (*cb)(uint32_t key, uint32_t value, void *arg),
			   void *arg)
{
	size_t n = 0;

	if (!m->cap)
		return 0;
	/* a removal can move a later entry back into the slot just emptied:
	 * look at the same slot again then; starting on an empty slot makes
	 * sure no run is entered in its middle, where a wrapped-around entry
	 * could move behind the walk */
	size_t start = 0;

	while (start < m->cap && m->slots[start])
		start++;
	if (start == m->cap)
		return 0;	/* cannot happen: the table is never full */
	for (size_t step = 1; step <= m->cap; step++) {
		size_t i = (start + step) & (m->cap - 1);

		while (m->slots[i] && cb((uint32_t)((m->slots[i] >> 32) - 1), (uint32_t)m->slots[i], arg)) {
			remove_at(m, i);
			n++;
		}
	}
	maybe_shrink(m);
	return n;
}
