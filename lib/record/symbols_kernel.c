/* symbols_kernel.c: kernel addresses named from /proc/kallsyms; see
 * symbols.c. */
#include <errno.h>
#include <unistd.h>

#include "record/symbols_impl.h"

/* ---- kernel ---- */

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->rank - (int)y->rank;
}

static void kernel_load(struct fr_syms *s)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char *line = NULL;
	size_t cap = 0, n = 0, alloc = 0;
	uint32_t last_mod = NO_MOD;
	bool any = false;

	free(s->ks);
	s->ks = NULL;
	s->nks = 0;
	pool_free(&s->kstr);
	s->k_loaded = true;
	s->k_loaded_ns = mono_ns();
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *p = line, *end, *name, *mod = NULL;
		uint64_t addr;
		char type;
		struct ksym *k;
		size_t nl;

		errno = 0;
		addr = strtoull(p, &end, 16);
		if (end == p || *end != ' ' || errno)
			continue;
		type = end[1];
		if (!type || end[2] != ' ')
			continue;
		if (addr)
			any = true;
		if (type != 'T' && type != 't' && type != 'W' && type != 'w')
			continue;
		name = end + 3;
		nl = strcspn(name, "\t\n");
		if (name[nl] == '\t')
			mod = name + nl + 1;
		name[nl] = '\0';
		if (!*name)
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 65536;
			struct ksym *nk = realloc(s->ks, na * sizeof(*nk));

			if (!nk)
				break;
			s->ks = nk;
			alloc = na;
		}
		k = &s->ks[n];
		k->addr = addr;
		k->rank = name_rank(name, type == 'T' ? STB_GLOBAL : type == 'W' || type == 'w'
								   ? STB_WEAK : STB_LOCAL);
		k->name = pool_add(&s->kstr, name, MAX_NAME);
		if (k->name == UINT32_MAX)
			break;
		k->mod = NO_MOD;
		/* "\t[ext4]": modules come in runs, so one copy per run */
		if (mod && *mod == '[') {
			mod++;
			mod[strcspn(mod, "]\n")] = '\0';
			if (last_mod != NO_MOD && !strcmp(s->kstr.buf + last_mod, mod))
				k->mod = last_mod;
			else
				k->mod = last_mod = pool_add(&s->kstr, mod, MAX_NAME);
		}
		n++;
	}
	free(line);
	fclose(f);
	/* without kptr access every address reads 0: nothing can be named */
	if (!any)
		n = 0;
	/* one symbol per address: the best-ranked alias, first after sorting */
	if (n) {
		size_t w = 1;

		qsort(s->ks, n, sizeof(*s->ks), ksym_cmp);
		for (size_t i = 1; i < n; i++)
			if (s->ks[i].addr != s->ks[w - 1].addr)
				s->ks[w++] = s->ks[i];
		n = w;
	}
	s->nks = n;
}

/* The last kernel symbol at or below addr, NULL if none is close enough. */
static const struct ksym *kernel_find(const struct fr_syms *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ks[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr - s->ks[lo - 1].addr >= KSYM_MAX_OFF)
		return NULL;
	return &s->ks[lo - 1];
}

/* The kernel's half of the address space: its top byte all ones on
 * x86-64 (4- and 5-level paging) and arm64 (48- and 52-bit). */
static bool kernel_half(uint64_t addr)
{
	return addr >> 56 == 0xff;
}

enum fr_frame_status fr_syms_kernel_frame(struct fr_syms *s, uint64_t addr, struct fr_frame *f)
{
	const struct ksym *k;

	frame_clear(f, true);
	if (!kernel_half(addr))
		return f->status = FR_FRAME_BAD;
	if (!s)
		return f->status;
	if (!s->k_loaded)
		kernel_load(s);
	k = kernel_find(s, addr);
	/* the core kernel's text never changes; modules and BPF programs
	 * may have since the table was read */
	if ((!k || k->mod != NO_MOD) && mono_ns() - s->k_loaded_ns > TTL_NS) {
		kernel_load(s);
		k = kernel_find(s, addr);
	}
	if (!k)
		return f->status;
	snprintf(f->func, sizeof(f->func), "%s", s->kstr.buf + k->name);
	if (k->mod != NO_MOD)
		snprintf(f->module, sizeof(f->module), "%s", s->kstr.buf + k->mod);
	f->off = addr - k->addr;
	return f->status = FR_FRAME_OK;
}
