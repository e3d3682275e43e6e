/* proctab.c: the process table a capture carries. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/event.h"
#include "capture/proctab.h"
#include "base/util.h"

void fr_proctab_free(struct fr_proctab *pt)
{
	for (uint32_t i = 0; i < pt->len; i++) {
		free(pt->v[i].cmdline);
		free(pt->v[i].renames);
	}
	free(pt->v);
	free(pt->missing);
	fr_tidmap_free(&pt->idx);
	memset(pt, 0, sizeof(*pt));
}

const struct fr_proc *fr_proctab_find(const struct fr_proctab *pt, uint32_t tid)
{
	uint32_t i;

	return fr_tidmap_get(&pt->idx, tid, &i) ? &pt->v[i] : NULL;
}

struct fr_proc *fr_proctab_get(struct fr_proctab *pt, uint32_t tid, bool create)
{
	uint32_t i;

	if (fr_tidmap_get(&pt->idx, tid, &i))
		return &pt->v[i];
	if (!create)
		return NULL;
	if (tid == pt->miss_tid)
		pt->miss_tid = 0;
	if (pt->len == pt->cap) {
		uint32_t ncap = pt->cap ? pt->cap * 2 : 256;
		struct fr_proc *n = realloc(pt->v, ncap * sizeof(*n));

		if (!n)
			return NULL;
		pt->v = n;
		pt->cap = ncap;
	}
	if (fr_tidmap_set(&pt->idx, tid, pt->len))
		return NULL;
	memset(&pt->v[pt->len], 0, sizeof(pt->v[0]));
	pt->v[pt->len].tid = tid;
	return &pt->v[pt->len++];
}

/* Quote an argument for a shell only when it needs it. */
static void append_arg(char **out, size_t *len, size_t *cap, const char *a, size_t n)
{
	bool plain = n > 0;

	for (size_t i = 0; i < n && plain; i++)
		plain = isalnum((unsigned char)a[i]) || strchr("-_./=:,+@%", a[i]);
	if (*len + 4 * n + 4 > *cap) {
		size_t ncap = (*len + 4 * n + 4) * 2;
		char *p = realloc(*out, ncap);

		if (!p)
			return;
		*out = p;
		*cap = ncap;
	}
	if (*len)
		(*out)[(*len)++] = ' ';
	if (plain) {
		memcpy(*out + *len, a, n);
		*len += n;
	} else {
		(*out)[(*len)++] = '\'';
		for (size_t i = 0; i < n; i++) {
			unsigned char c = a[i];

			if (c == '\'') {
				memcpy(*out + *len, "'\\''", 4);
				*len += 4;
			} else {
				(*out)[(*len)++] = (c < 0x20 || c == 0x7f) ? '?' : c;
			}
		}
		(*out)[(*len)++] = '\'';
	}
	(*out)[*len] = 0;
}

char *fr_args_to_line(const char *args, size_t len)
{
	char *out = NULL;
	size_t olen = 0, cap = 0;

	for (size_t i = 0; i < len;) {
		size_t n = strnlen(args + i, len - i);

		append_arg(&out, &olen, &cap, args + i, n);
		i += n + 1;
	}
	return out ? out : strdup("");
}

static void read_comm(const char *path, char comm[16])
{
	char buf[64];
	long n = fr_read_small(path, buf, sizeof(buf));

	if (n <= 0)
		return;
	buf[strcspn(buf, "\n")] = 0;
	snprintf(comm, 16, "%.15s", buf);
}

static uint32_t read_ppid(const char *dir)
{
	char path[96], buf[1024], *p;
	unsigned ppid = 0;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (fr_read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	/* comm may hold spaces and parentheses: skip to the last ')' */
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %*c %u", &ppid) != 1)
		ppid = 0;
	return ppid;
}

static void scan_process(struct fr_proctab *pt, uint32_t tgid)
{
	char dir[64], path[96], buf[4096];
	uint32_t ppid;
	DIR *d;
	struct dirent *de;
	long n;
	struct fr_proc *leader;

	snprintf(dir, sizeof(dir), "/proc/%u", tgid);
	leader = fr_proctab_get(pt, tgid, false);
	if (leader && leader->cmdline)
		return;	/* known already */
	ppid = read_ppid(dir);
	leader = fr_proctab_get(pt, tgid, true);
	if (!leader)
		return;
	leader->dirty = true;
	leader->tgid = tgid;
	if (ppid)
		leader->ppid = ppid;
	if (!leader->comm[0]) {
		snprintf(path, sizeof(path), "%s/comm", dir);
		read_comm(path, leader->comm);
	}
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	n = fr_read_small(path, buf, sizeof(buf));
	if (n > 0 && !leader->cmdline)
		leader->cmdline = fr_args_to_line(buf, n);

	snprintf(path, sizeof(path), "%s/task", dir);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		uint64_t tid;
		struct fr_proc *t;

		if (fr_parse_u64(de->d_name, 1, UINT32_MAX, &tid))
			continue;
		t = fr_proctab_get(pt, tid, true);
		if (!t)
			break;
		t->dirty = true;
		t->tgid = tgid;
		t->ppid = ppid;
		if (!t->comm[0]) {
			snprintf(path, sizeof(path), "%s/task/%u/comm", dir, (unsigned)tid);
			read_comm(path, t->comm);
		}
	}
	closedir(d);
}

int fr_proctab_scan(struct fr_proctab *pt)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		uint64_t pid;

		if (!fr_parse_u64(de->d_name, 1, UINT32_MAX, &pid))
			scan_process(pt, pid);
	}
	closedir(d);
	return 0;
}

static void add_rename(struct fr_proc *p, uint64_t ts, const char *comm)
{
	struct fr_rename *n;

	if (p->nrenames >= FR_MAX_RENAMES)
		return;
	/* the same exec noted twice (a batch written again) */
	if (p->nrenames && ts <= p->renames[p->nrenames - 1].ts)
		return;
	n = realloc(p->renames, (p->nrenames + 1) * sizeof(*n));
	if (!n)
		return;
	p->renames = n;
	n[p->nrenames].ts = ts;
	memcpy(n[p->nrenames].comm, comm, 16);
	n[p->nrenames].comm[15] = 0;
	p->nrenames++;
}

const char *fr_proc_comm_at(const struct fr_proc *p, uint64_t ts)
{
	const char *c = p->comm;

	for (uint32_t i = 0; i < p->nrenames && p->renames[i].ts <= ts; i++)
		c = p->renames[i].comm;
	return c;
}

static void seen(struct fr_proctab *pt, uint32_t tid, uint64_t ts)
{
	struct fr_proc *p;

	if (!tid)
		return;
	if (pt->hot && pt->hot_tid == tid) {
		p = &pt->v[pt->hot_idx];
		if (ts > p->last_ts)
			p->last_ts = ts;
		return;
	}
	if (tid == pt->miss_tid)
		return;
	p = fr_proctab_get(pt, tid, false);
	if (p) {
		pt->hot = true;	/* once seen, nothing but last_ts changes */
		pt->hot_tid = tid;
		pt->hot_idx = p - pt->v;
		if (!p->seen)
			p->dirty = true;
		p->seen = true;
		if (ts > p->last_ts)
			p->last_ts = ts;
	} else {
		pt->miss_tid = tid;
		if (!pt->missing || pt->nmissing >= FR_PROCTAB_MISSING)
			return;
		for (uint32_t i = 0; i < pt->nmissing; i++)
			if (pt->missing[i] == tid)
				return;
		pt->missing[pt->nmissing++] = tid;
	}
}

/* A new task took the tid of one that exited: what was known of the old
 * one is not the new one's. */
static void reuse(struct fr_proc *p)
{
	uint32_t tid = p->tid;

	free(p->cmdline);
	free(p->renames);
	memset(p, 0, sizeof(*p));
	p->tid = tid;
}

void fr_proctab_learn(struct fr_proctab *pt, const void *rec)
{
	const struct fr_hdr *h = rec;
	struct fr_proc *p;

	switch (h->type) {
	case FR_EV_PROC_FORK: {
		const struct fr_proc_fork *e = rec;

		p = fr_proctab_get(pt, e->child_tid, true);
		if (p && p->exit_ts && p->exit_ts <= h->ts) {
			reuse(p);
			pt->hot = false;
			pt->evicted++;
		}
		if (p && !p->tgid) {
			p->dirty = true;
			p->tgid = e->child_tgid ? e->child_tgid : e->child_tid;
			p->ppid = e->child_tgid == h->tgid ? 0 : h->tgid;
			memcpy(p->comm, e->child_comm, sizeof(p->comm));
			p->comm[15] = 0;
		}
		break;
	}
	case FR_EV_PROC_EXEC: {
		const struct fr_proc_exec *e = rec;

		p = fr_proctab_get(pt, h->tgid, true);
		if (p) {
			if (!p->tgid)
				p->tgid = h->tgid;
			if (!p->comm[0])
				memcpy(p->comm, e->comm, sizeof(p->comm)), p->comm[15] = 0;
			if (!p->cmdline && e->args_len)
				p->cmdline = fr_args_to_line(e->data + e->filename_len, e->args_len);
			add_rename(p, h->ts, e->comm);
			/* a thread that execs takes the leader's tid, whose exit
			 * was just recorded: the process lives on */
			p->exit_ts = 0;
			p->dirty = true;
		}
		break;
	}
	case FR_EV_PROC_EXIT:
		p = fr_proctab_get(pt, h->tid, false);
		if (p && p->exit_ts < h->ts)
			p->exit_ts = h->ts;
		break;
	}
}

unsigned fr_rec_tids(const void *rec, uint32_t out[4])
{
	const struct fr_hdr *h = rec;
	unsigned n = 0;

	switch (h->type) {
	case FR_EV_PROC_FORK:
		if (h->size >= sizeof(struct fr_proc_fork))
			out[n++] = ((const struct fr_proc_fork *)rec)->child_tid;
		break;
	case FR_EV_SCHED_SWITCH:
		if (h->size >= FR_SCHED_SWITCH_V1_SIZE)
			out[n++] = ((const struct fr_sched_switch *)rec)->next_tid;
		break;
	case FR_EV_SCHED_WAKEUP:
	case FR_EV_SCHED_WAKEUP_NEW:
		if (h->size >= sizeof(struct fr_sched_wakeup))
			out[n++] = ((const struct fr_sched_wakeup *)rec)->waker_tid;
		break;
	}
	out[n++] = h->tid;
	if (h->tgid != h->tid)
		out[n++] = h->tgid;
	return n;
}

void fr_proctab_note(struct fr_proctab *pt, const void *rec)
{
	const struct fr_hdr *h = rec;

	fr_proctab_learn(pt, rec);
	switch (h->type) {
	case FR_EV_PROC_FORK:
		seen(pt, ((const struct fr_proc_fork *)rec)->child_tid, h->ts);
		break;
	case FR_EV_SCHED_SWITCH:
		seen(pt, ((const struct fr_sched_switch *)rec)->next_tid, h->ts);
		break;
	case FR_EV_SCHED_WAKEUP:
	case FR_EV_SCHED_WAKEUP_NEW:
		seen(pt, ((const struct fr_sched_wakeup *)rec)->waker_tid, h->ts);
		break;
	}
	seen(pt, h->tid, h->ts);
	seen(pt, h->tgid, h->ts);
}

static cJSON *proc_json(const struct fr_proc *p, size_t *est)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "tid", p->tid);
	cJSON_AddNumberToObject(o, "tgid", p->tgid);
	if (p->ppid)
		cJSON_AddNumberToObject(o, "ppid", p->ppid);
	cJSON_AddStringToObject(o, "comm", p->comm);
	*est += 64;
	if (p->cmdline) {
		cJSON_AddStringToObject(o, "cmdline", p->cmdline);
		*est += strlen(p->cmdline) + 16;
	}
	if (p->nrenames) {
		cJSON *r = cJSON_AddArrayToObject(o, "renames");

		for (uint32_t k = 0; k < p->nrenames; k++) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddNumberToObject(e, "ts", (double)p->renames[k].ts);
			cJSON_AddStringToObject(e, "comm", p->renames[k].comm);
			cJSON_AddItemToArray(r, e);
		}
		*est += 48 * p->nrenames;
	}
	return o;
}

cJSON *fr_proctab_json_chunk(struct fr_proctab *pt, enum fr_pt_select sel, uint32_t *cursor,
			     size_t max_bytes, bool written)
{
	cJSON *arr = cJSON_CreateArray();
	size_t est = 0;

	if (!arr)
		return NULL;
	for (; *cursor < pt->len && est < max_bytes; (*cursor)++) {
		struct fr_proc *p = &pt->v[*cursor];
		cJSON *o;

		if (sel != FR_PT_ALL && !p->seen)
			continue;
		if (sel == FR_PT_DIRTY && !p->dirty)
			continue;
		o = proc_json(p, &est);
		if (!o) {
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddItemToArray(arr, o);
		if (written)
			p->dirty = false;
	}
	return arr;
}

cJSON *fr_proctab_to_json(const struct fr_proctab *pt, bool seen_only)
{
	uint32_t cursor = 0;

	return fr_proctab_json_chunk((struct fr_proctab *)pt, seen_only ? FR_PT_SEEN : FR_PT_ALL,
				     &cursor, SIZE_MAX, false);
}

int fr_proctab_scan_tid(struct fr_proctab *pt, uint32_t tid)
{
	char path[96], buf[2048], *t;
	unsigned long long tgid;
	struct fr_proc *leader, *p;

	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	if (fr_read_small(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	t = strstr(buf, "\nTgid:");
	if (!t || sscanf(t + 6, "%llu", &tgid) != 1 || !tgid || tgid > UINT32_MAX)
		return -ENOENT;
	leader = fr_proctab_get(pt, tgid, false);
	if (!leader || !leader->cmdline)
		scan_process(pt, tgid);
	leader = fr_proctab_get(pt, tgid, false);
	p = fr_proctab_get(pt, tid, false);
	if (!p) {
		p = fr_proctab_get(pt, tid, true);
		if (!p)
			return -ENOMEM;
		p->tgid = tgid;
		p->ppid = leader ? leader->ppid : 0;
		snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", (unsigned)tgid, tid);
		read_comm(path, p->comm);
		p->dirty = true;
	}
	return 0;
}

/* Keep the entries keep() says to keep, in their order; count the others
 * as evicted. The number forgotten, or -ENOMEM with nothing changed. */
static long compact(struct fr_proctab *pt, bool (*keep)(const struct fr_proc *p, void *arg), void *arg)
{
	struct fr_tidmap idx = { 0 };
	uint32_t n = 0;
	bool *k;
	long gone;

	if (!pt->len)
		return 0;
	k = malloc(pt->len * sizeof(*k));
	if (!k)
		return -ENOMEM;
	/* the new index first, so that running out of memory changes nothing */
	for (uint32_t i = 0; i < pt->len; i++) {
		k[i] = keep(&pt->v[i], arg);
		if (k[i] && fr_tidmap_set(&idx, pt->v[i].tid, n++)) {
			fr_tidmap_free(&idx);
			free(k);
			return -ENOMEM;
		}
	}
	n = 0;
	for (uint32_t i = 0; i < pt->len; i++) {
		struct fr_proc *p = &pt->v[i];

		if (k[i]) {
			pt->v[n++] = *p;
		} else {
			free(p->cmdline);
			free(p->renames);
		}
	}
	free(k);
	gone = (long)(pt->len - n);
	fr_tidmap_free(&pt->idx);
	pt->idx = idx;
	pt->len = n;
	pt->hot = false;
	pt->miss_tid = 0;
	pt->evicted += gone;
	/* a table that emptied gives its memory back */
	if (pt->cap > 256 && (uint64_t)n * 4 < pt->cap) {
		uint32_t ncap = pt->cap;
		struct fr_proc *v;

		while (ncap > 256 && (uint64_t)n * 2 < ncap)
			ncap /= 2;
		v = realloc(pt->v, (size_t)ncap * sizeof(*v));
		if (v) {
			pt->v = v;
			pt->cap = ncap;
		}
	}
	return gone;
}

static bool seen_since(const struct fr_proc *p, void *arg)
{
	return p->seen && p->last_ts >= *(const uint64_t *)arg;
}

void fr_proctab_scan_missing(struct fr_proctab *pt, uint64_t ts)
{
	for (uint32_t i = 0; i < pt->nmissing; i++) {
		struct fr_proc *p;

		if (fr_proctab_scan_tid(pt, pt->missing[i]))
			continue;
		p = fr_proctab_get(pt, pt->missing[i], false);
		if (p) {
			p->seen = p->dirty = true;
			p->last_ts = ts;
		}
	}
	pt->nmissing = 0;
	pt->miss_tid = 0;
	pt->hot = false;
}

int fr_proctab_prune(struct fr_proctab *pt, uint64_t min_ts)
{
	long n = compact(pt, seen_since, &min_ts);

	return n < 0 ? (int)n : 0;
}

static bool task_alive(uint32_t tid);

static bool seen_since_or_alive(const struct fr_proc *p, void *arg)
{
	if (p->seen && p->last_ts >= *(const uint64_t *)arg)
		return true;
	return !p->exit_ts && task_alive(p->tid);
}

long fr_proctab_forget(struct fr_proctab *pt, uint64_t min_ts)
{
	return compact(pt, seen_since_or_alive, &min_ts);
}

static bool task_alive(uint32_t tid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%u", tid);
	return !access(path, F_OK);
}

static bool marked_or_alive(const struct fr_proc *p, void *arg)
{
	if (p->mark == *(const uint32_t *)arg)
		return true;
	return !p->exit_ts && task_alive(p->tid);
}

long fr_proctab_evict_unmarked(struct fr_proctab *pt, uint32_t mark)
{
	return compact(pt, marked_or_alive, &mark);
}

struct fr_proc *fr_proctab_copy_in(struct fr_proctab *dst, const struct fr_proc *src)
{
	struct fr_proc *p = fr_proctab_get(dst, src->tid, true);

	if (!p)
		return NULL;
	free(p->cmdline);
	free(p->renames);
	*p = *src;
	p->cmdline = NULL;
	p->renames = NULL;
	p->nrenames = 0;
	p->seen = false;
	p->dirty = true;
	if (src->cmdline)
		p->cmdline = strdup(src->cmdline);
	if (src->nrenames) {
		p->renames = malloc(src->nrenames * sizeof(*p->renames));
		if (p->renames) {
			memcpy(p->renames, src->renames, src->nrenames * sizeof(*p->renames));
			p->nrenames = src->nrenames;
		}
	}
	return p;
}

int fr_proctab_dup(struct fr_proctab *dst, const struct fr_proctab *src)
{
	for (uint32_t i = 0; i < src->len; i++)
		if (!fr_proctab_copy_in(dst, &src->v[i]))
			return -ENOMEM;
	return 0;
}

int fr_proctab_from_json(struct fr_proctab *pt, const cJSON *arr)
{
	const cJSON *o;

	if (!cJSON_IsArray(arr))
		return -EINVAL;
	cJSON_ArrayForEach(o, arr) {
		const cJSON *tid = cJSON_GetObjectItemCaseSensitive(o, "tid");
		const cJSON *tgid = cJSON_GetObjectItemCaseSensitive(o, "tgid");
		const cJSON *ppid = cJSON_GetObjectItemCaseSensitive(o, "ppid");
		const cJSON *comm = cJSON_GetObjectItemCaseSensitive(o, "comm");
		const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(o, "cmdline");
		struct fr_proc *p;

		if (!cJSON_IsNumber(tid) || tid->valuedouble < 0 || tid->valuedouble > UINT32_MAX)
			continue;
		p = fr_proctab_get(pt, (uint32_t)tid->valuedouble, true);
		if (!p)
			return -ENOMEM;
		if (cJSON_IsNumber(tgid) && tgid->valuedouble >= 0 && tgid->valuedouble <= UINT32_MAX)
			p->tgid = (uint32_t)tgid->valuedouble;
		if (cJSON_IsNumber(ppid) && ppid->valuedouble >= 0 && ppid->valuedouble <= UINT32_MAX)
			p->ppid = (uint32_t)ppid->valuedouble;
		if (cJSON_IsString(comm))
			snprintf(p->comm, sizeof(p->comm), "%s", comm->valuestring);
		if (cJSON_IsString(cmd) && !p->cmdline)
			p->cmdline = strdup(cmd->valuestring);
		{
			const cJSON *r, *rs = cJSON_GetObjectItemCaseSensitive(o, "renames");
			uint64_t prev = 0;

			if (!cJSON_IsArray(rs))
				rs = NULL;
			cJSON_ArrayForEach(r, rs) {
				const cJSON *ts = cJSON_GetObjectItemCaseSensitive(r, "ts");
				const cJSON *c = cJSON_GetObjectItemCaseSensitive(r, "comm");
				char name[16];

				/* kept only in time order, the order lookups rely on */
				if (!cJSON_IsNumber(ts) || !cJSON_IsString(c) || ts->valuedouble < prev ||
				    ts->valuedouble >= 1.8e19)
					continue;
				prev = (uint64_t)ts->valuedouble;
				snprintf(name, sizeof(name), "%.15s", c->valuestring);
				add_rename(p, prev, name);
			}
		}
		p->seen = true;
	}
	return 0;
}
