/* profile_agg.c: a profile's samples by function (see profile_agg.h).
 *
 * Every frame becomes a function id as it is added: (kernel or user, name,
 * module), the offset dropped, so that read_zero+0x77 and read_zero+0x72
 * are one function and the stacks made of them one stack. Self and total
 * are counted once everything is in, over every stack, so that they are
 * exact however few stacks the JSON keeps. Memory grows with the distinct
 * stacks and functions of one profile (bounded by the BPF maps), and is
 * freed with it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/profile_agg.h"

#define NO_ITEM UINT32_MAX

struct func {
	uint32_t name, module;	/* offsets in the names pool */
	uint32_t label;		/* as a stack's frame reads: "read (libc.so.6)" */
	bool kernel, known;
	uint64_t self, total;
	uint32_t seen;		/* the last stack counted in total, plus one */
};

struct stack {
	uint32_t pid, proc;
	char comm[16];
	uint64_t count;
	size_t frames;		/* its first function id in fids: kernel, then user */
	uint32_t nk, nu;
};

struct proc {
	uint32_t pid;
	char comm[16];		/* the first one added */
	uint64_t samples, kernel, user;
};

/* A function in one process. */
struct fproc {
	uint32_t func, proc;
	uint64_t self, total;
};

/* Open addressing, linear probing: item holds an index + 1, 0 when free. */
struct index {
	uint32_t *item;
	uint64_t *hash;
	size_t cap, n;
};

struct fr_pagg {
	fr_pagg_resolve resolve;
	void *ctx;
	char *names;
	size_t nlen, ncap;
	struct func *funcs;
	size_t nfuncs, capfuncs;
	struct index fidx;
	uint32_t *fids;		/* the stacks' frames */
	size_t nfids, capfids;
	struct stack *stacks;
	size_t nstacks, capstacks;
	struct index sidx;
	struct proc *procs;
	size_t nprocs, capprocs;
	struct index pidx;
	struct fproc *fps;
	size_t nfps, capfps;
	struct index fpidx;
	uint32_t *scratch;	/* one stack's function ids while it is added */
	size_t capscratch;
};

/* ---- small tools ---- */

static int grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp, *np;
	size_t nc = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	np = realloc(*p, nc * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV0 0xcbf29ce484222325ULL

/* Room for one more item, the table at most half full. */
static int index_reserve(struct index *ix)
{
	struct index nx;

	if ((ix->n + 1) * 2 <= ix->cap)
		return 0;
	nx.cap = ix->cap ? ix->cap * 2 : 256;
	nx.n = ix->n;
	nx.item = calloc(nx.cap, sizeof(*nx.item));
	nx.hash = calloc(nx.cap, sizeof(*nx.hash));
	if (!nx.item || !nx.hash) {
		free(nx.item);
		free(nx.hash);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ix->cap; i++) {
		size_t j;

		if (!ix->item[i])
			continue;
		for (j = ix->hash[i] & (nx.cap - 1); nx.item[j]; j = (j + 1) & (nx.cap - 1))
			;
		nx.item[j] = ix->item[i];
		nx.hash[j] = ix->hash[i];
	}
	free(ix->item);
	free(ix->hash);
	*ix = nx;
	return 0;
}

/* The slot of the item with hash h that eq says is key's, or the free
 * slot where it goes. The table has room (index_reserve). */
static uint32_t *index_slot(const struct index *ix, uint64_t h,
			    bool (*eq)(const struct fr_pagg *, uint32_t, const void *),
			    const struct fr_pagg *a, const void *key)
{
	for (size_t i = h & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1))
		if (!ix->item[i] || (ix->hash[i] == h && eq(a, ix->item[i] - 1, key)))
			return &ix->item[i];
}

static void index_set(struct index *ix, uint32_t *slot, uint64_t h, uint32_t item)
{
	*slot = item + 1;
	ix->hash[slot - ix->item] = h;
	ix->n++;
}

static void index_free(struct index *ix)
{
	free(ix->item);
	free(ix->hash);
}

/* Append s to the names pool; its offset, or NO_ITEM. */
static uint32_t name_add(struct fr_pagg *a, const char *s)
{
	size_t n = strlen(s) + 1, off = a->nlen;

	if (off + n > UINT32_MAX - 1 || grow(&a->names, &a->ncap, off + n, 1))
		return NO_ITEM;
	memcpy(a->names + off, s, n);
	a->nlen += n;
	return (uint32_t)off;
}

/* ---- functions ---- */

struct func_key {
	bool kernel;
	const char *name, *module;
};

static bool func_eq(const struct fr_pagg *a, uint32_t i, const void *k)
{
	const struct func *f = &a->funcs[i];
	const struct func_key *key = k;

	return f->kernel == key->kernel && !strcmp(a->names + f->name, key->name) &&
	       !strcmp(a->names + f->module, key->module);
}

/* The id of frame fr's function, added when new; NO_ITEM when out of memory. */
static uint32_t func_id(struct fr_pagg *a, bool kernel, const struct fr_frame *fr)
{
	struct func_key k = { kernel, fr->func[0] ? fr->func : "[unknown]", fr->module };
	uint64_t h = fnv(fnv(fnv(FNV0, &kernel, 1), k.name, strlen(k.name)), k.module,
			 strlen(k.module));
	char label[FR_FRAME_FUNC + FR_FRAME_MODULE + 8];
	struct fr_frame named;
	struct func *f;
	uint32_t *slot;

	if (index_reserve(&a->fidx))
		return NO_ITEM;
	slot = index_slot(&a->fidx, h, func_eq, a, &k);
	if (*slot)
		return *slot - 1;
	if (a->nfuncs >= NO_ITEM - 1 || grow(&a->funcs, &a->capfuncs, a->nfuncs + 1, sizeof(*f)))
		return NO_ITEM;
	f = &a->funcs[a->nfuncs];
	memset(f, 0, sizeof(*f));
	f->kernel = kernel;
	f->known = fr->func[0] != '\0';
	named = *fr;
	named.kernel = kernel;
	f->name = name_add(a, k.name);
	f->module = name_add(a, k.module);
	f->label = name_add(a, fr_frame_name(&named, false, label, sizeof(label)));
	if (f->name == NO_ITEM || f->module == NO_ITEM || f->label == NO_ITEM)
		return NO_ITEM;
	index_set(&a->fidx, slot, h, (uint32_t)a->nfuncs);
	return (uint32_t)a->nfuncs++;
}

/* One stack's function ids into out (room for n); their number, or -ENOMEM. */
static long stack_ids(struct fr_pagg *a, bool kernel, uint32_t pid, const uint64_t *ips,
		      unsigned n, uint32_t *out)
{
	struct fr_frame fr;
	long m = 0;

	for (unsigned i = 0; i < n && ips[i]; i++) {
		enum fr_frame_status st = a->resolve(a->ctx, kernel, pid, ips[i], &fr);
		uint32_t id;

		if (st == FR_FRAME_BAD) {
			if (i)
				break;
			/* the address sampled: the sample is somewhere */
			fr.func[0] = fr.module[0] = '\0';
			st = FR_FRAME_LAST;
		}
		if (st != FR_FRAME_OK)
			fr.func[0] = '\0';
		id = func_id(a, kernel, &fr);
		if (id == NO_ITEM)
			return -ENOMEM;
		/* addresses of no known function say nothing apart */
		if (!(st != FR_FRAME_OK && m && out[m - 1] == id))
			out[m++] = id;
		if (st == FR_FRAME_LAST)
			break;
	}
	return m;
}

/* ---- stacks and processes ---- */

struct stack_key {
	uint32_t pid;
	const char *comm;
	const uint32_t *ids;
	uint32_t nk, nu;
};

static bool stack_eq(const struct fr_pagg *a, uint32_t i, const void *k)
{
	const struct stack *s = &a->stacks[i];
	const struct stack_key *key = k;

	return s->pid == key->pid && s->nk == key->nk && s->nu == key->nu &&
	       !strcmp(s->comm, key->comm) &&
	       !memcmp(a->fids + s->frames, key->ids, (size_t)(s->nk + s->nu) * sizeof(uint32_t));
}

static bool proc_eq(const struct fr_pagg *a, uint32_t i, const void *k)
{
	return a->procs[i].pid == *(const uint32_t *)k;
}

static uint32_t proc_id(struct fr_pagg *a, uint32_t pid, const char *comm)
{
	uint64_t h = fnv(FNV0, &pid, sizeof(pid));
	struct proc *p;
	uint32_t *slot;

	if (index_reserve(&a->pidx))
		return NO_ITEM;
	slot = index_slot(&a->pidx, h, proc_eq, a, &pid);
	if (*slot)
		return *slot - 1;
	if (grow(&a->procs, &a->capprocs, a->nprocs + 1, sizeof(*p)))
		return NO_ITEM;
	p = &a->procs[a->nprocs];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	memcpy(p->comm, comm, strlen(comm) + 1);
	index_set(&a->pidx, slot, h, (uint32_t)a->nprocs);
	return (uint32_t)a->nprocs++;
}

int fr_pagg_add(struct fr_pagg *a, uint32_t pid, const char *comm, uint64_t count,
		const uint64_t *kips, unsigned nk, const uint64_t *uips, unsigned nu)
{
	struct stack_key k = { pid, NULL, NULL, 0, 0 };
	char cm[16];
	long n;
	uint64_t h;
	uint32_t *slot, proc;
	struct stack *s;

	snprintf(cm, sizeof(cm), "%s", comm ? comm : "");
	k.comm = cm;
	if (grow(&a->scratch, &a->capscratch, (size_t)nk + nu + 1, sizeof(*a->scratch)))
		return -ENOMEM;
	if ((n = stack_ids(a, true, pid, kips, nk, a->scratch)) < 0)
		return -ENOMEM;
	k.nk = (uint32_t)n;
	if ((n = stack_ids(a, false, pid, uips, nu, a->scratch + k.nk)) < 0)
		return -ENOMEM;
	k.nu = (uint32_t)n;
	k.ids = a->scratch;
	h = fnv(fnv(fnv(FNV0, &pid, sizeof(pid)), cm, strlen(cm)), a->scratch,
		(size_t)(k.nk + k.nu) * sizeof(uint32_t));
	h = fnv(h, &k.nk, sizeof(k.nk));
	if (index_reserve(&a->sidx))
		return -ENOMEM;
	slot = index_slot(&a->sidx, h, stack_eq, a, &k);
	if (*slot) {
		a->stacks[*slot - 1].count += count;
		return 0;
	}
	proc = proc_id(a, pid, cm);
	if (proc == NO_ITEM || grow(&a->stacks, &a->capstacks, a->nstacks + 1, sizeof(*s)) ||
	    grow(&a->fids, &a->capfids, a->nfids + k.nk + k.nu, sizeof(*a->fids)))
		return -ENOMEM;
	s = &a->stacks[a->nstacks];
	*s = (struct stack){ .pid = pid, .proc = proc, .count = count, .frames = a->nfids,
			     .nk = k.nk, .nu = k.nu };
	memcpy(s->comm, cm, sizeof(cm));
	memcpy(a->fids + a->nfids, a->scratch, (size_t)(k.nk + k.nu) * sizeof(uint32_t));
	a->nfids += k.nk + k.nu;
	index_set(&a->sidx, slot, h, (uint32_t)a->nstacks++);
	return 0;
}

/* ---- counting ---- */

struct fproc_key {
	uint32_t func, proc;
};

static bool fproc_eq(const struct fr_pagg *a, uint32_t i, const void *k)
{
	const struct fproc_key *key = k;

	return a->fps[i].func == key->func && a->fps[i].proc == key->proc;
}

static struct fproc *fproc_get(struct fr_pagg *a, uint32_t func, uint32_t proc)
{
	struct fproc_key k = { func, proc };
	uint64_t h = fnv(FNV0, &k, sizeof(k));
	uint32_t *slot;

	if (index_reserve(&a->fpidx))
		return NULL;
	slot = index_slot(&a->fpidx, h, fproc_eq, a, &k);
	if (*slot)
		return &a->fps[*slot - 1];
	if (grow(&a->fps, &a->capfps, a->nfps + 1, sizeof(*a->fps)))
		return NULL;
	a->fps[a->nfps] = (struct fproc){ func, proc, 0, 0 };
	index_set(&a->fpidx, slot, h, (uint32_t)a->nfps);
	return &a->fps[a->nfps++];
}

/* Self and total of every function, per process too, over every stack. */
static int count_all(struct fr_pagg *a)
{
	for (size_t i = 0; i < a->nstacks; i++) {
		const struct stack *s = &a->stacks[i];
		const uint32_t *ids = a->fids + s->frames;
		struct proc *p = &a->procs[s->proc];
		struct fproc *fp;

		p->samples += s->count;
		if (s->nk)
			p->kernel += s->count;
		else if (s->nu)
			p->user += s->count;
		if (s->nk + s->nu) {
			a->funcs[ids[0]].self += s->count;
			if (!(fp = fproc_get(a, ids[0], s->proc)))
				return -ENOMEM;
			fp->self += s->count;
		}
		/* a function is in a sample once, however deep it recurses */
		for (uint32_t j = 0; j < s->nk + s->nu; j++) {
			struct func *f = &a->funcs[ids[j]];

			if (f->seen == i + 1)
				continue;
			f->seen = (uint32_t)(i + 1);
			f->total += s->count;
			if (!(fp = fproc_get(a, ids[j], s->proc)))
				return -ENOMEM;
			fp->total += s->count;
		}
	}
	return 0;
}

struct fr_pagg *fr_pagg_new(fr_pagg_resolve resolve, void *ctx)
{
	struct fr_pagg *a = calloc(1, sizeof(*a));

	if (a) {
		a->resolve = resolve;
		a->ctx = ctx;
	}
	return a;
}

void fr_pagg_free(struct fr_pagg *a)
{
	if (!a)
		return;
	free(a->names);
	free(a->funcs);
	index_free(&a->fidx);
	free(a->fids);
	free(a->stacks);
	index_free(&a->sidx);
	free(a->procs);
	index_free(&a->pidx);
	free(a->fps);
	index_free(&a->fpidx);
	free(a->scratch);
	free(a);
}

/* ---- the JSON ---- */

/* Percent of total to a tenth. */
static double pct(uint64_t x, uint64_t total)
{
	return total ? round(x * 1000.0 / total) / 10 : 0;
}

static int cmp_u64(uint64_t x, uint64_t y)
{
	return (x < y) - (x > y);	/* larger first */
}

static int stack_cmp(const void *x, const void *y, void *arg)
{
	const struct fr_pagg *a = arg;
	const struct stack *s = &a->stacks[*(const uint32_t *)x], *t = &a->stacks[*(const uint32_t *)y];
	int c = cmp_u64(s->count, t->count);

	if (c)
		return c;
	if (s->pid != t->pid)
		return s->pid < t->pid ? -1 : 1;
	return (*(const uint32_t *)x > *(const uint32_t *)y) - (*(const uint32_t *)x < *(const uint32_t *)y);
}

static int proc_cmp(const void *x, const void *y, void *arg)
{
	const struct fr_pagg *a = arg;
	const struct proc *p = &a->procs[*(const uint32_t *)x], *q = &a->procs[*(const uint32_t *)y];
	int c = cmp_u64(p->samples, q->samples);

	return c ? c : (p->pid > q->pid) - (p->pid < q->pid);
}

/* Hottest first: by self, then total, kernel first, then by name. */
static int func_cmp(const void *x, const void *y, void *arg)
{
	const struct fr_pagg *a = arg;
	const struct func *f = &a->funcs[*(const uint32_t *)x], *g = &a->funcs[*(const uint32_t *)y];
	int c = cmp_u64(f->self, g->self);

	if (!c)
		c = cmp_u64(f->total, g->total);
	if (!c)
		c = (int)g->kernel - (int)f->kernel;
	if (!c)
		c = strcmp(a->names + f->label, a->names + g->label);
	return c;
}

static int func_total_cmp(const void *x, const void *y, void *arg)
{
	const struct fr_pagg *a = arg;
	const struct func *f = &a->funcs[*(const uint32_t *)x], *g = &a->funcs[*(const uint32_t *)y];
	int c = cmp_u64(f->total, g->total);

	return c ? c : func_cmp(x, y, arg);
}

/* By function, then hottest first within it. */
static int fproc_cmp(const void *x, const void *y, void *arg)
{
	const struct fproc *p = x, *q = y;
	const struct fr_pagg *a = arg;
	int c;

	if (p->func != q->func)
		return p->func < q->func ? -1 : 1;
	if ((c = cmp_u64(p->self, q->self)) || (c = cmp_u64(p->total, q->total)))
		return c;
	return (a->procs[p->proc].pid > a->procs[q->proc].pid) -
	       (a->procs[p->proc].pid < a->procs[q->proc].pid);
}

static cJSON *stack_frames(const struct fr_pagg *a, const uint32_t *ids, uint32_t n)
{
	cJSON *arr = cJSON_CreateArray();

	for (uint32_t i = 0; arr && i < n; i++)
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(a->names + a->funcs[ids[i]].label))) {
			cJSON_Delete(arr);
			return NULL;
		}
	return arr;
}

static int stacks_json(struct fr_pagg *a, unsigned max, cJSON *j, uint64_t *other)
{
	uint32_t *order = malloc((a->nstacks ? a->nstacks : 1) * sizeof(*order));
	cJSON *arr = cJSON_AddArrayToObject(j, "stacks");
	int err = 0;

	*other = 0;
	if (!order || !arr) {
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->nstacks; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, a->nstacks, sizeof(*order), stack_cmp, a);
	for (size_t i = 0; i < a->nstacks; i++) {
		const struct stack *s = &a->stacks[order[i]];
		cJSON *o, *k, *u;

		if (i >= max) {
			*other += s->count;
			continue;
		}
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			err = -ENOMEM;
			break;
		}
		cJSON_AddNumberToObject(o, "pid", s->pid);
		cJSON_AddStringToObject(o, "comm", s->comm);
		cJSON_AddNumberToObject(o, "count", (double)s->count);
		k = stack_frames(a, a->fids + s->frames, s->nk);
		u = stack_frames(a, a->fids + s->frames + s->nk, s->nu);
		if (!cJSON_AddItemToObject(o, "kernel", k) || !cJSON_AddItemToObject(o, "user", u)) {
			cJSON_Delete(k);
			cJSON_Delete(u);
			err = -ENOMEM;
			break;
		}
	}
	free(order);
	return err;
}

static int procs_json(struct fr_pagg *a, uint64_t samples, cJSON *j)
{
	uint32_t *order = malloc((a->nprocs ? a->nprocs : 1) * sizeof(*order));
	cJSON *arr = cJSON_AddArrayToObject(j, "processes");

	if (!order || !arr) {
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->nprocs; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, a->nprocs, sizeof(*order), proc_cmp, a);
	for (size_t i = 0; i < a->nprocs && i < FR_PAGG_PROCS; i++) {
		const struct proc *p = &a->procs[order[i]];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			free(order);
			return -ENOMEM;
		}
		cJSON_AddNumberToObject(o, "pid", p->pid);
		cJSON_AddStringToObject(o, "comm", p->comm);
		cJSON_AddNumberToObject(o, "samples", (double)p->samples);
		cJSON_AddNumberToObject(o, "percent", pct(p->samples, samples));
		cJSON_AddNumberToObject(o, "kernel_samples", (double)p->kernel);
		cJSON_AddNumberToObject(o, "user_samples", (double)p->user);
	}
	free(order);
	return 0;
}

static cJSON *func_json(const struct fr_pagg *a, uint32_t id, uint64_t samples)
{
	const struct func *f = &a->funcs[id];
	cJSON *o = cJSON_CreateObject(), *procs;
	size_t lo = 0, hi = a->nfps;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "function", a->names + f->name);
	if (a->names[f->module])
		cJSON_AddStringToObject(o, "module", a->names + f->module);
	else if (f->kernel && f->known)
		cJSON_AddStringToObject(o, "module", "vmlinux");
	else
		cJSON_AddNullToObject(o, "module");
	cJSON_AddBoolToObject(o, "kernel", f->kernel);
	cJSON_AddNumberToObject(o, "self", (double)f->self);
	cJSON_AddNumberToObject(o, "self_percent", pct(f->self, samples));
	cJSON_AddNumberToObject(o, "total", (double)f->total);
	cJSON_AddNumberToObject(o, "total_percent", pct(f->total, samples));
	procs = cJSON_AddArrayToObject(o, "processes");
	if (!procs) {
		cJSON_Delete(o);
		return NULL;
	}
	/* fps is sorted by function: the first of this one */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->fps[mid].func < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, n = 0; i < a->nfps && a->fps[i].func == id && n < FR_PAGG_FUNC_PROCS;
	     i++, n++) {
		const struct proc *p = &a->procs[a->fps[i].proc];
		cJSON *x = cJSON_CreateObject();

		if (!x || !cJSON_AddItemToArray(procs, x)) {
			cJSON_Delete(x);
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddNumberToObject(x, "pid", p->pid);
		cJSON_AddStringToObject(x, "comm", p->comm);
		cJSON_AddNumberToObject(x, "self", (double)a->fps[i].self);
		cJSON_AddNumberToObject(x, "total", (double)a->fps[i].total);
	}
	return o;
}

/* The top half of FR_PAGG_FUNCS by self (some self at all), and by total. */
static int funcs_json(struct fr_pagg *a, uint64_t samples, cJSON *j)
{
	uint32_t *order = malloc((a->nfuncs ? a->nfuncs : 1) * sizeof(*order));
	bool *chosen = calloc(a->nfuncs ? a->nfuncs : 1, sizeof(*chosen));
	cJSON *arr = cJSON_AddArrayToObject(j, "functions");
	size_t n = 0, m = 0;
	int err = 0;

	if (!order || !chosen || !arr) {
		err = -ENOMEM;
		goto out;
	}
	qsort_r(a->fps, a->nfps, sizeof(*a->fps), fproc_cmp, a);
	for (size_t i = 0; i < a->nfuncs; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, a->nfuncs, sizeof(*order), func_cmp, a);
	for (size_t i = 0; i < a->nfuncs && n < FR_PAGG_FUNCS / 2 && a->funcs[order[i]].self; i++, n++)
		chosen[order[i]] = true;
	qsort_r(order, a->nfuncs, sizeof(*order), func_total_cmp, a);
	for (size_t i = 0; i < a->nfuncs && i < FR_PAGG_FUNCS / 2; i++)
		chosen[order[i]] = true;
	for (size_t i = 0; i < a->nfuncs; i++)
		if (chosen[i])
			order[m++] = (uint32_t)i;
	qsort_r(order, m, sizeof(*order), func_cmp, a);
	for (size_t i = 0; i < m; i++) {
		cJSON *o = func_json(a, order[i], samples);

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			err = -ENOMEM;
			break;
		}
	}
out:
	free(order);
	free(chosen);
	return err;
}

int fr_pagg_json(struct fr_pagg *a, uint64_t lost, unsigned max_stacks, cJSON *j)
{
	uint64_t samples = lost, kernel = 0, user = 0, other;
	cJSON *n;

	if (count_all(a))
		return -ENOMEM;
	for (size_t i = 0; i < a->nprocs; i++) {
		samples += a->procs[i].samples;
		kernel += a->procs[i].kernel;
		user += a->procs[i].user;
	}
	cJSON_AddNumberToObject(j, "samples", (double)samples);
	cJSON_AddNumberToObject(j, "kernel_samples", (double)kernel);
	cJSON_AddNumberToObject(j, "user_samples", (double)user);
	/* filled in once the stacks are sorted */
	n = cJSON_AddNumberToObject(j, "other_samples", 0);
	if (!n || procs_json(a, samples, j) || funcs_json(a, samples, j) ||
	    stacks_json(a, max_stacks, j, &other))
		return -ENOMEM;
	cJSON_SetNumberValue(n, (double)other);
	return 0;
}
