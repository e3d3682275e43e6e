/* event.c: event type table, record validation, and symbolic names. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "base/util.h"

const struct fr_group_info fr_groups[] = {
	{ "sched", FR_GROUP_SCHED, "sched_switch, sched_wakeup, sched_wakeup_new" },
	{ "process", FR_GROUP_PROCESS, "fork, exec (filename, arguments), exit (status)" },
	{ "syscalls", FR_GROUP_SYSCALLS, "every syscall entry and exit (number, return value)" },
	{ "block", FR_GROUP_BLOCK, "block request issue and completion (device, sector, bytes, latency)" },
};
const size_t fr_ngroups = FR_ARRAY_SIZE(fr_groups);

const char *fr_group_name(unsigned bit)
{
	for (size_t i = 0; i < fr_ngroups; i++)
		if (fr_groups[i].bit == bit)
			return fr_groups[i].name;
	return "?";
}

const char *fr_group_suggest(const char *name, size_t len)
{
	const char *best = NULL;
	unsigned bd = ~0u;

	for (size_t i = 0; i < fr_ngroups; i++) {
		unsigned d = fr_edit_distance(name, len, fr_groups[i].name);

		if (d < bd) {
			bd = d;
			best = fr_groups[i].name;
		}
	}
	if (fr_edit_distance(name, len, "all") < bd)
		return "all";
	return bd <= 2 && bd < len ? best : NULL;
}

int fr_groups_parse(const char *list, unsigned *mask, const char **bad, size_t *badlen)
{
	const char *p = list;

	*mask = 0;
	if (!list || !*list) {
		*bad = list ? list : "";
		*badlen = 0;
		return -EINVAL;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;

		if (n == 3 && !strncmp(p, "all", 3)) {
			*mask |= FR_GROUPS_ALL;
			found = true;
		}
		for (size_t i = 0; !found && i < fr_ngroups; i++) {
			if (strlen(fr_groups[i].name) == n && !strncmp(p, fr_groups[i].name, n)) {
				*mask |= fr_groups[i].bit;
				found = true;
			}
		}
		if (!found) {
			*bad = p;
			*badlen = n;
			return -EINVAL;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

#define T(type, name, group, s) [type] = { name, group, sizeof(s), sizeof(s) }
static const struct fr_type_info types[FR_EV_TYPE_MAX] = {
	/* ABI 1 records end before the runtime */
	[FR_EV_SCHED_SWITCH] = { "sched_switch", FR_GROUP_SCHED, FR_SCHED_SWITCH_V1_SIZE,
				 sizeof(struct fr_sched_switch) },
	T(FR_EV_SCHED_WAKEUP, "sched_wakeup", FR_GROUP_SCHED, struct fr_sched_wakeup),
	T(FR_EV_SCHED_WAKEUP_NEW, "sched_wakeup_new", FR_GROUP_SCHED, struct fr_sched_wakeup),
	T(FR_EV_PROC_FORK, "process_fork", FR_GROUP_PROCESS, struct fr_proc_fork),
	[FR_EV_PROC_EXEC] = { "process_exec", FR_GROUP_PROCESS, FR_EXEC_FIXED_SIZE,
			      sizeof(struct fr_proc_exec) },
	[FR_EV_PROC_EXIT] = { "process_exit", FR_GROUP_PROCESS, FR_PROC_EXIT_V1_SIZE,
			      sizeof(struct fr_proc_exit) },
	T(FR_EV_SYS_ENTER, "sys_enter", FR_GROUP_SYSCALLS, struct fr_sys_enter),
	T(FR_EV_SYS_EXIT, "sys_exit", FR_GROUP_SYSCALLS, struct fr_sys_exit),
	T(FR_EV_BLOCK_ISSUE, "block_issue", FR_GROUP_BLOCK, struct fr_block_rq),
	T(FR_EV_BLOCK_COMPLETE, "block_complete", FR_GROUP_BLOCK, struct fr_block_rq),
	T(FR_EV_OOM_KILL, "oom_kill", FR_GROUP_PROCESS, struct fr_oom_kill),
	/* not a probe group: marks are in every ring */
	[FR_EV_MARK] = { "mark", 0, FR_MARK_FIXED_SIZE + 8, FR_MARK_MAX_SIZE },
};
#undef T

_Static_assert(sizeof(struct fr_hdr) == 24, "fr_hdr is ABI");
_Static_assert(sizeof(struct fr_oom_kill) == 80, "oom_kill is ABI");
_Static_assert(FR_SCHED_SWITCH_V1_SIZE == __builtin_offsetof(struct fr_sched_switch, prev_runtime),
	       "sched_switch of ABI 1 is ABI");
_Static_assert(FR_PROC_EXIT_V1_SIZE == __builtin_offsetof(struct fr_proc_exit, runtime),
	       "process_exit of ABI 1 is ABI");
_Static_assert(FR_MARK_FIXED_SIZE == __builtin_offsetof(struct fr_mark, data),
	       "mark fixed part is ABI");
_Static_assert(FR_EXEC_FIXED_SIZE == __builtin_offsetof(struct fr_proc_exec, data),
	       "exec fixed part is ABI");

const struct fr_type_info *fr_type_info(unsigned type)
{
	if (type == 0 || type >= FR_EV_TYPE_MAX)
		return NULL;
	return &types[type];
}

uint64_t fr_event_runtime(const struct fr_hdr *h)
{
	if (h->type == FR_EV_SCHED_SWITCH && h->size >= sizeof(struct fr_sched_switch))
		return ((const struct fr_sched_switch *)h)->prev_runtime;
	if (h->type == FR_EV_PROC_EXIT && h->size >= sizeof(struct fr_proc_exit))
		return ((const struct fr_proc_exit *)h)->runtime;
	return 0;
}

unsigned fr_type_by_name(const char *name, size_t len)
{
	for (unsigned t = 1; t < FR_EV_TYPE_MAX; t++)
		if (strlen(types[t].name) == len && !strncmp(types[t].name, name, len))
			return t;
	return 0;
}

bool fr_event_valid(const void *rec, size_t len)
{
	const struct fr_hdr *h = rec;
	const struct fr_type_info *ti;

	if (len < sizeof(*h) || h->size != len || (len & 7))
		return false;
	ti = fr_type_info(h->type);
	if (!ti || h->size < ti->min_size || h->size > ti->max_size)
		return false;
	if (h->type == FR_EV_PROC_EXEC) {
		const struct fr_proc_exec *e = rec;

		if (e->filename_len > FR_PATH_LEN || e->args_len > FR_ARGS_LEN ||
		    ((FR_EXEC_FIXED_SIZE + e->filename_len + e->args_len + 7u) & ~7u) != h->size)
			return false;
	}
	if (h->type == FR_EV_MARK)
		return fr_mark_valid(rec);
	return true;
}

bool fr_mark_valid(const struct fr_mark *m)
{
	const char *p = m->data, *end;
	uint64_t need = (uint64_t)FR_MARK_FIXED_SIZE + m->name_len + m->meta_len;

	if (!m->name_len || ((need + 7) & ~7ULL) != m->h.size)
		return false;
	/* a span's begin or end is a trace's, and not both */
	if ((m->mflags & (FR_MARK_BEGIN | FR_MARK_END)) &&
	    (!(m->mflags & FR_MARK_TRACE) || (m->mflags & FR_MARK_BEGIN && m->mflags & FR_MARK_END)))
		return false;
	/* the name: no NUL before its last byte, which is one */
	if (strnlen(p, m->name_len) != m->name_len - 1u)
		return false;
	p += m->name_len;
	end = p + m->meta_len;
	for (unsigned i = 0; i < 2u * m->nmeta; i++) {
		size_t n = strnlen(p, (size_t)(end - p));

		if (p + n == end || (!n && !(i & 1)))
			return false;	/* unterminated, or an empty key */
		p += n + 1;
	}
	return p == end;
}

const char *fr_syscall_name(const char *arch, long id)
{
	if (arch && strcmp(arch, "x86_64"))
		return NULL;
	if (id < 0 || (unsigned long)id >= fr_syscalls_x86_64_count)
		return NULL;
	return fr_syscalls_x86_64[id];
}

const char *fr_errno_name(long err)
{
	if (err <= 0 || err > 4095)
		return NULL;
	return strerrorname_np((int)err);
}

const char *fr_signal_name(int sig)
{
	static __thread char buf[16];
	const char *abbrev;

	if (sig <= 0 || sig >= 65)
		return NULL;
	abbrev = sigabbrev_np(sig);
	if (!abbrev)
		return NULL;
	snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	return buf;
}

static uint64_t ts_at(const uint8_t *base, uint32_t off)
{
	return ((const struct fr_hdr *)(base + off))->ts;
}

static int cmp_ts(const void *a, const void *b, void *base)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t tx = ts_at(base, x), ty = ts_at(base, y);

	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x < y ? -1 : x > y;	/* keep arrival order for equal times */
}

/* Events arrive nearly in time order (CPUs race only by microseconds), so an
 * insertion sort finishes in about one pass; give up on it for a real mess. */
void fr_sort_by_ts(uint32_t *idx, size_t n, const uint8_t *base)
{
	uint64_t moves = 0, budget = 16 * (uint64_t)n + 1024;

	for (size_t i = 1; i < n; i++) {
		uint32_t v = idx[i];
		uint64_t t = ts_at(base, v);
		size_t j = i;

		while (j > 0 && ts_at(base, idx[j - 1]) > t) {
			idx[j] = idx[j - 1];
			j--;
			if (++moves > budget) {
				idx[j] = v;
				qsort_r(idx, n, sizeof(*idx), cmp_ts, (void *)base);
				return;
			}
		}
		idx[j] = v;
	}
}
