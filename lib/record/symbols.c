/* symbols.c: address to function, module and offset for kernel and user
 * stacks, and whether the address is code at all.
 *
 * Kernel: the text symbols of /proc/kallsyms, sorted (symbols_kernel.c).
 * User: /proc/PID/maps gives the file and file offset behind an address; the
 * file's PT_LOAD headers turn that offset into the ELF virtual address its
 * symbols use, which works alike for executables (PIE or not) and shared
 * libraries. The file is opened from the process's root (containers), or
 * through /proc/PID/map_files (deleted files); stripped files are named
 * from their debug file under /usr/lib/debug/.build-id when there is one.
 * Symbol tables are cached per file (device and inode, as the maps show
 * them) and everything is bounded: processes, files, symbols. Only an
 * executable mapping holds a frame: anything else a stack holds was read
 * by an unwinder that lost its way.
 * The ELF files come from whatever runs on the machine, so nothing read from
 * them is trusted: every index and size is checked before use. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "record/symbols_impl.h"
struct fr_syms *fr_syms_new(void)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	return calloc(1, sizeof(struct fr_syms));
}

static void file_free(struct elf_file *f)
{
	free(f->syms);
	pool_free(&f->names);
	free(f);
}

static void files_reset(struct fr_syms *s)
{
	s->files_dropped += s->nfiles;
	for (unsigned b = 0; b < FILE_BUCKETS; b++) {
		while (s->files[b]) {
			struct elf_file *f = s->files[b];

			s->files[b] = f->next;
			file_free(f);
		}
	}
	s->nfiles = 0;
	s->total_syms = 0;
	s->total_names = 0;
}

static unsigned file_bucket(dev_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ ((uint64_t)dev << 32) ^ dev) * 0x9e3779b97f4a7c15ULL;

	return (unsigned)(h >> 56) % FILE_BUCKETS;
}

/* Open the file behind mapping m of pid, preferring the view from the
 * process's own root (containers); -1 when it cannot be. */
/* Open path if it is a regular file (inode ino, unless 0); -1 if not. It is
 * looked at before it is opened: the device files some processes map are
 * not to be opened by a bystander. */
static int open_regular(const char *path, uint64_t ino)
{
	struct stat st;
	int fd;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || (ino && st.st_ino != ino))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (ino && st.st_ino != ino)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_mapped(uint32_t pid, const struct map *m, const char *path)
{
	static const char deleted[] = " (deleted)";
	const size_t dl = sizeof(deleted) - 1;
	char p[MAX_PATH + 64], real[MAX_PATH + 1];
	size_t n = strlen(path);
	bool named;
	int fd;

	if (n >= sizeof(real))
		return -1;
	memcpy(real, path, n + 1);
	/* deleted, or never had a name (memfd:): only map_files reaches it */
	named = real[0] == '/' && strncmp(real, "/memfd:", 7);
	if (n > dl && !strcmp(real + n - dl, deleted))
		named = false;
	/* a name may now be another file (upgraded, replaced): the inode says
	 * whether it is still the one mapped */
	if (named) {
		snprintf(p, sizeof(p), "/proc/%u/root%s", pid, real);
		if ((fd = open_regular(p, m->ino)) >= 0)
			return fd;
	}
	/* the mapped file itself, whatever its name (needs CAP_SYS_ADMIN) */
	snprintf(p, sizeof(p), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, pid, m->start, m->end);
	if ((fd = open_regular(p, 0)) >= 0)
		return fd;
	return named ? open_regular(real, m->ino) : -1;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static void file_unlink(struct fr_syms *s, struct elf_file **pp)
{
	struct elf_file *f = *pp;

	*pp = f->next;
	s->nfiles--;
	s->total_syms -= f->nsyms;
	s->total_names -= f->names.len;
	file_free(f);
}

/* The symbol table of the file behind m, from the cache or read now; a file
 * that cannot be read is remembered as such. NULL only when out of memory. */
static struct elf_file *file_get(struct fr_syms *s, uint32_t pid, const struct map *m,
				 const char *path)
{
	unsigned b = file_bucket(m->dev, m->ino);
	struct elf_file *f, **pp;
	uint64_t now = mono_ns();
	struct stat st;
	bool have_st;
	int fd;

	for (pp = &s->files[b]; (f = *pp); pp = &f->next)
		if (f->dev == m->dev && f->ino == m->ino)
			break;
	if (f && now - f->checked_ns < TTL_NS)
		return f;
	fd = open_mapped(pid, m, path);
	have_st = fd >= 0 && !fstat(fd, &st);
	if (f) {
		/* the inode may since hold other contents (rewritten in place,
		 * or its number reused after a delete) */
		if (fd < 0 || (f->opened && have_st && same_time(&f->mtime, &st.st_mtim) &&
			       same_time(&f->ctime, &st.st_ctim) && f->size == st.st_size)) {
			f->checked_ns = now;
			if (fd >= 0)
				close(fd);
			return f;
		}
		file_unlink(s, pp);
	}
	/* simplest bound: start over; a profile's stacks touch few files */
	if (s->nfiles >= MAX_FILES || s->total_syms >= MAX_TOTAL_SYMS ||
	    s->total_names >= MAX_TOTAL_NAMES)
		files_reset(s);
	f = calloc(1, sizeof(*f));
	if (!f) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	f->dev = m->dev;
	f->ino = m->ino;
	f->checked_ns = now;
	if (have_st) {
		f->opened = true;
		f->mtime = st.st_mtim;
		f->ctime = st.st_ctim;
		f->size = st.st_size;
		fr_syms_parse_elf(s, f, fd, pid);
	}
	if (fd >= 0)
		close(fd);
	f->next = s->files[b];
	s->files[b] = f;
	s->nfiles++;
	return f;
}

/* The symbol holding ELF virtual address va, and its offset in it. */
static const struct sym *file_lookup(const struct elf_file *f, uint64_t va, uint64_t *off)
{
	size_t lo = 0, hi = f->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->syms[mid].addr <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* sizes known: the address must be inside; a few symbols back in case
	 * one encloses another. Size unknown: up to the next symbol. */
	for (size_t i = lo, back = 0; i > 0 && back < 4; i--, back++) {
		const struct sym *y = &f->syms[i - 1];

		if (!y->size) {
			if (back)
				break;
			*off = va - y->addr;
			return y;
		}
		if (va - y->addr < y->size) {
			*off = va - y->addr;
			return y;
		}
	}
	return NULL;
}

/* ---- processes ---- */

static void proc_clear(struct proc *p)
{
	free(p->maps);
	pool_free(&p->paths);
	memset(p, 0, sizeof(*p));
}

static void proc_load(struct proc *p, uint32_t pid)
{
	char path[64], *line = NULL;
	size_t cap = 0, alloc = 0;
	uint32_t last = NO_PATH;
	FILE *fp;

	p->pid = pid;
	p->used = true;
	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	fp = fopen(path, "re");
	if (!fp) {
		p->gone = true;
		return;
	}
	while (getline(&line, &cap, fp) > 0 && p->nmaps < MAX_MAPS) {
		uint64_t start, end, off, ino;
		unsigned maj, min;
		char perms[8], *name;
		struct map *m;
		int pos = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &start, &end, perms, &off, &maj, &min, &ino, &pos) < 7 || !pos ||
		    end <= start)
			continue;
		name = line + pos;
		name[strcspn(name, "\n")] = '\0';
		if (p->nmaps == alloc) {
			size_t na = alloc ? alloc * 2 : 256;
			struct map *nm = realloc(p->maps, na * sizeof(*nm));

			if (!nm)
				break;
			p->maps = nm;
			alloc = na;
		}
		m = &p->maps[p->nmaps];
		*m = (struct map){ start, end, off, ino, makedev(maj, min), NO_PATH, perms[2] == 'x' };
		if (*name) {
			/* a file's mappings come together: keep its name once */
			if (last != NO_PATH && !strcmp(p->paths.buf + last, name))
				m->path = last;
			else
				m->path = last = pool_add(&p->paths, name, MAX_PATH);
		}
		p->nmaps++;
	}
	free(line);
	fclose(fp);
	/* the kernel lists them in order; make sure before searching */
	for (size_t i = 1; i < p->nmaps; i++) {
		if (p->maps[i].start < p->maps[i - 1].end) {
			p->nmaps = i;
			break;
		}
	}
}

static struct proc *proc_get(struct fr_syms *s, uint32_t pid)
{
	struct proc *p, *victim = NULL;

	uint64_t now = mono_ns();

	s->tick++;
	if (s->last && s->last->used && s->last->pid == pid) {
		victim = s->last;
	} else {
		for (unsigned i = 0; i < MAX_PIDS; i++) {
			p = &s->procs[i];
			if (p->used && p->pid == pid) {
				victim = p;
				break;
			}
			/* a free slot, else the least recently used */
			if (!victim || (victim->used && (!p->used || p->tick < victim->tick)))
				victim = p;
		}
	}
	/* maps read a while ago may be another program's now (exec, pid
	 * reuse), or miss what was mapped since */
	if (!victim->used || victim->pid != pid || now - victim->loaded_ns > TTL_NS) {
		if (victim->used && victim->pid != pid)
			s->procs_evicted++;
		proc_clear(victim);
		proc_load(victim, pid);
		victim->loaded_ns = now;
	}
	victim->tick = s->tick;
	return s->last = victim;
}

static const struct map *map_find(const struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < p->maps[lo - 1].end)
		return &p->maps[lo - 1];
	return NULL;
}

/* The symbol of file f at file offset foff, and its offset in it. */
static const struct sym *file_sym(const struct elf_file *f, uint64_t foff, uint64_t *off)
{
	if (!f || !f->ok || !f->nsyms)
		return NULL;
	for (unsigned i = 0; i < f->nloads; i++) {
		const struct load *l = &f->loads[i];

		if (foff >= l->off && foff - l->off < l->filesz)
			return file_lookup(f, foff - l->off + l->vaddr, off);
	}
	return NULL;
}

enum fr_frame_status fr_syms_user_frame(struct fr_syms *s, uint32_t pid, uint64_t addr,
					struct fr_frame *fr)
{
	const struct elf_file *f;
	const struct sym *y;
	const struct map *m;
	const char *path, *base;
	struct proc *p;
	size_t bl;

	frame_clear(fr, false);
	/* nothing to check the frames against */
	if (!s || !pid)
		return fr->status = FR_FRAME_LAST;
	p = proc_get(s, pid);
	if (p->gone)
		return fr->status = FR_FRAME_LAST;
	if (!(m = map_find(p, addr)) || !m->exec)
		return fr->status = FR_FRAME_BAD;
	/* anonymous: JIT code, say */
	if (m->path == NO_PATH)
		return fr->status;
	path = p->paths.buf + m->path;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	/* the name it had is the one that means something */
	bl = strlen(base);
	if (bl > 10 && !strcmp(base + bl - 10, " (deleted)"))
		bl -= 10;
	snprintf(fr->module, sizeof(fr->module), "%.*s", (int)bl, base);
	/* [vdso], [vsyscall]...: no file to read */
	if (path[0] != '/' || !m->ino)
		return fr->status;
	f = file_get(s, pid, m, path);
	y = file_sym(f, addr - m->start + m->off, &fr->off);
	if (!y)
		return fr->status;
	snprintf(fr->func, sizeof(fr->func), "%s", f->names.buf + y->name);
	return fr->status = FR_FRAME_OK;
}

const char *fr_frame_name(const struct fr_frame *f, bool offset, char *buf, size_t len)
{
	const char *fn = f->func[0] ? f->func : "[unknown]";
	char off[24] = "";

	if (!buf || !len)
		return "";
	if (offset && f->func[0])
		snprintf(off, sizeof(off), "+0x%" PRIx64, f->off);
	if (!f->module[0])
		snprintf(buf, len, "%s%s", fn, off);
	else
		snprintf(buf, len, f->kernel ? "%s%s [%s]" : "%s%s (%s)", fn, off, f->module);
	return buf;
}

void fr_syms_free(struct fr_syms *s)
{
	if (!s)
		return;
	free(s->ks);
	pool_free(&s->kstr);
	for (unsigned i = 0; i < MAX_PIDS; i++)
		proc_clear(&s->procs[i]);
	files_reset(s);
	free(s);
}

void fr_syms_stats(const struct fr_syms *s, struct fr_syms_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	for (unsigned i = 0; i < MAX_PIDS; i++)
		st->procs += s->procs[i].used;
	st->procs_max = MAX_PIDS;
	st->files = s->nfiles;
	st->files_max = MAX_FILES;
	st->symbols = s->total_syms + s->nks;
	st->name_bytes = s->total_names + s->kstr.len;
	st->procs_evicted = s->procs_evicted;
	st->files_dropped = s->files_dropped;
}
