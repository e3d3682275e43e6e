/* symbols.c: address to "function+offset" for kernel and user stacks.
 *
 * Kernel: the text symbols of /proc/kallsyms, sorted.
 * User: /proc/PID/maps gives the file and file offset behind an address; the
 * file's PT_LOAD headers turn that offset into the ELF virtual address its
 * symbols use, which works alike for executables (PIE or not) and shared
 * libraries. The file is opened from the process's root (containers), or
 * through /proc/PID/map_files (deleted files); stripped files are named
 * from their debug file under /usr/lib/debug/.build-id when there is one.
 * Symbol tables are cached per file (device and inode, as the maps show
 * them) and everything is bounded: processes, files, symbols.
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

#include "record/symbols.h"

#define MAX_PIDS 256			/* processes whose mappings are kept */
#define MAX_MAPS 65536			/* mappings per process (vm.max_map_count) */
#define MAX_FILES 1024			/* symbol tables kept */
#define MAX_FILE_SYMS (2u << 20)	/* symbols kept from one file */
#define MAX_TOTAL_SYMS (4u << 20)	/* ... and from all of them */
#define MAX_TOTAL_NAMES (256u << 20)	/* bytes of their names */
#define MAX_LOADS 64			/* PT_LOAD headers kept per file */
#define MAX_NAME 512			/* longer symbol names are cut */
#define MAX_PATH 4096
#define FILE_BUCKETS 256
/* kallsyms has no sizes: a function this far past its symbol is not in it */
#define KSYM_MAX_OFF (1u << 20)
/* One struct fr_syms may serve for a long time, while processes exec, map
 * libraries, exit and have their pids reused, files are replaced, modules
 * and BPF programs come and go: what was read is trusted this long, so that
 * the stacks of one profile are named in one pass without reading anything
 * twice, and the next profile sees the machine as it is then. */
#define TTL_NS (5ULL * 1000000000)

struct sym {
	uint64_t addr;
	uint32_t size;		/* 0: unknown, up to the next symbol */
	uint32_t name;		/* offset in the names pool */
};

/* A growable pool of NUL-terminated strings, addressed by offset. */
struct pool {
	char *buf;
	size_t len, cap;
};

struct ksym {
	uint64_t addr;
	uint32_t name;
	uint32_t mod;		/* offset of the module name, or NO_MOD */
	uint8_t rank;		/* while sorting: which of the aliases to keep */
};
#define NO_MOD UINT32_MAX

struct load {
	uint64_t off, filesz, vaddr;
};

struct elf_file {
	struct elf_file *next;	/* hash chain */
	dev_t dev;
	uint64_t ino;
	bool opened;		/* could be opened: mtime, ctime and size are known */
	bool ok;		/* and parsed (it may still have no symbols) */
	struct timespec mtime, ctime;
	off_t size;
	uint64_t checked_ns;	/* when it was last found to be the file mapped */
	unsigned nloads;
	struct load loads[MAX_LOADS];
	struct sym *syms;
	size_t nsyms;
	struct pool names;
};

struct map {
	uint64_t start, end, off;
	uint64_t ino;
	dev_t dev;
	uint32_t path;		/* offset in the process's pool, NO_PATH for none */
};
#define NO_PATH UINT32_MAX

struct proc {
	uint32_t pid;
	bool used;
	bool gone;		/* the maps could not be read */
	uint64_t tick;		/* last use, for eviction */
	uint64_t loaded_ns;
	struct map *maps;
	size_t nmaps;
	struct pool paths;
};

struct fr_syms {
	/* kernel */
	bool k_loaded;
	uint64_t k_loaded_ns;
	struct ksym *ks;
	size_t nks;
	struct pool kstr;
	/* user */
	struct proc procs[MAX_PIDS];
	uint64_t tick;
	struct proc *last;
	struct elf_file *files[FILE_BUCKETS];
	size_t nfiles, total_syms, total_names;
	uint64_t procs_evicted, files_dropped;
};

static void pool_free(struct pool *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

/* Append s (at most max bytes of it) and a NUL; the offset, or UINT32_MAX
 * when out of memory or room. */
static uint32_t pool_add(struct pool *p, const char *s, size_t max)
{
	size_t off = p->len, n = strnlen(s, max);

	if (p->len + n + 1 > UINT32_MAX - 1)
		return UINT32_MAX;
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		char *b;

		while (cap < p->len + n + 1)
			cap *= 2;
		b = realloc(p->buf, cap);
		if (!b)
			return UINT32_MAX;
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + off, s, n);
	p->buf[off + n] = '\0';
	p->len += n + 1;
	return off;
}

/* Which of several names for one address to show: the one a person would
 * call (getpid rather than __getpid), global before weak before local. */
static uint8_t name_rank(const char *name, int bind)
{
	unsigned u = 0;

	while (name[u] == '_' && u < 8)
		u++;
	return (uint8_t)(u * 4 + (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2));
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000 + (uint64_t)t.tv_nsec;
}

static const char *hex(uint64_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64, addr);
	return buf;
}

struct fr_syms *fr_syms_new(void)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	return calloc(1, sizeof(struct fr_syms));
}

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

const char *fr_syms_kernel(struct fr_syms *s, uint64_t addr, char *buf, size_t len)
{
	const struct ksym *k;

	if (!buf || !len)
		return "";
	if (!s)
		return hex(addr, buf, len);
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
		return hex(addr, buf, len);
	if (k->mod != NO_MOD)
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", s->kstr.buf + k->name, addr - k->addr,
			 s->kstr.buf + k->mod);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, s->kstr.buf + k->name, addr - k->addr);
	return buf;
}

/* ---- ELF files ---- */

struct rsym {
	struct sym s;
	uint8_t rank;
};

static int rsym_cmp(const void *a, const void *b)
{
	const struct rsym *x = a, *y = b;

	if (x->s.addr != y->s.addr)
		return x->s.addr < y->s.addr ? -1 : 1;
	if (x->rank != y->rank)
		return (int)x->rank - (int)y->rank;
	/* of two equal names, the one that knows its size */
	return (x->s.size < y->s.size) - (x->s.size > y->s.size);
}

/* The function symbols of one symbol table section into f. 0 or -errno. */
static int load_symtab(struct fr_syms *s, struct elf_file *f, Elf *e, Elf_Scn *scn,
		       const GElf_Shdr *sh)
{
	size_t shnum, room, n = 0, alloc = 0;
	struct rsym *rs = NULL;
	Elf_Scn *strscn;
	GElf_Shdr strsh;
	Elf_Data *d;
	int err = 0;

	if (elf_getshdrnum(e, &shnum) || sh->sh_link == 0 || sh->sh_link >= shnum)
		return -EINVAL;
	strscn = elf_getscn(e, sh->sh_link);
	if (!strscn || !gelf_getshdr(strscn, &strsh) || strsh.sh_type != SHT_STRTAB)
		return -EINVAL;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || !d->d_size)
		return -EINVAL;
	room = MAX_TOTAL_SYMS - s->total_syms;
	if (room > MAX_FILE_SYMS)
		room = MAX_FILE_SYMS;

	/* gelf_getsym checks the index against the data's size */
	for (int i = 1; n < room && s->total_names + f->names.len < MAX_TOTAL_NAMES; i++) {
		GElf_Sym sym;
		const char *name;
		int type;

		if (!gelf_getsym(d, i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		if (sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 1024;
			struct rsym *nr = realloc(rs, na * sizeof(*nr));

			if (!nr) {
				err = -ENOMEM;
				break;
			}
			rs = nr;
			alloc = na;
		}
		rs[n].s.addr = sym.st_value;
		rs[n].s.size = sym.st_size > UINT32_MAX ? UINT32_MAX : (uint32_t)sym.st_size;
		rs[n].s.name = pool_add(&f->names, name, MAX_NAME);
		if (rs[n].s.name == UINT32_MAX) {
			err = -ENOMEM;
			break;
		}
		rs[n].rank = name_rank(name, GELF_ST_BIND(sym.st_info));
		n++;
	}
	if (n) {
		size_t w = 1;

		qsort(rs, n, sizeof(*rs), rsym_cmp);
		for (size_t i = 1; i < n; i++)
			if (rs[i].s.addr != rs[w - 1].s.addr)
				rs[w++] = rs[i];
		f->syms = malloc(w * sizeof(*f->syms));
		if (f->syms) {
			for (size_t i = 0; i < w; i++)
				f->syms[i] = rs[i].s;
			f->nsyms = w;
			s->total_syms += w;
			s->total_names += f->names.len;
		} else {
			err = -ENOMEM;
		}
	}
	free(rs);
	if (!f->nsyms)
		pool_free(&f->names);
	return err;
}

/* The first section of type type, and its header. */
static Elf_Scn *find_section(Elf *e, GElf_Word type, GElf_Shdr *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, out) && out->sh_type == type)
			return scn;
	return NULL;
}

/* The GNU build id of e as hex into hex; false when it has none. */
static bool build_id(Elf *e, char *hex, size_t len)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *d;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		/* gelf_getnote checks each note against the data's size */
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const unsigned char *id = (const unsigned char *)d->d_buf + doff;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + noff, "GNU", 4) ||
			    nh.n_descsz < 2 || nh.n_descsz * 2 + 1 > len)
				continue;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", id[i]);
			return true;
		}
	}
	return false;
}

/* Stripped files (libc, say) may have their symbols installed apart, in
 * /usr/lib/debug/.build-id/ab/cdef....debug (Debian's -dbg and -dbgsym
 * packages): the same addresses, with every local function named. Looked
 * for in the process's root first, then in ours. */
static void load_debug_file(struct fr_syms *s, struct elf_file *f, Elf *e, uint32_t pid)
{
	char id[129], path[MAX_PATH];

	if (!build_id(e, id, sizeof(id)))
		return;
	for (int root = 0; root < 2 && !f->nsyms; root++) {
		GElf_Shdr sh;
		Elf_Scn *scn;
		Elf *de;
		int fd;

		if (root)
			snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", id,
				 id + 2);
		else
			snprintf(path, sizeof(path),
				 "/proc/%u/root/usr/lib/debug/.build-id/%.2s/%s.debug", pid, id,
				 id + 2);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		de = elf_begin(fd, ELF_C_READ, NULL);
		if (de && elf_kind(de) == ELF_K_ELF && (scn = find_section(de, SHT_SYMTAB, &sh)))
			load_symtab(s, f, de, scn, &sh);
		elf_end(de);
		close(fd);
	}
}

static void parse_elf(struct fr_syms *s, struct elf_file *f, int fd, uint32_t pid)
{
	/* ELF_C_READ reads what is asked for with pread: no mapping that a
	 * file truncated under us could turn into SIGBUS */
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	GElf_Shdr sh;
	Elf_Scn *scn;
	GElf_Ehdr eh;
	size_t nph;

	if (!e)
		return;
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || elf_getphdrnum(e, &nph))
		goto out;
	for (size_t i = 0; i < nph && f->nloads < MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		f->loads[f->nloads++] = (struct load){ ph.p_offset, ph.p_filesz, ph.p_vaddr };
	}
	/* .symtab has the local functions too; stripped files keep .dynsym */
	if ((scn = find_section(e, SHT_SYMTAB, &sh)))
		load_symtab(s, f, e, scn, &sh);
	if (!f->nsyms)
		load_debug_file(s, f, e, pid);
	if (!f->nsyms && (scn = find_section(e, SHT_DYNSYM, &sh)))
		load_symtab(s, f, e, scn, &sh);
	f->ok = true;
out:
	elf_end(e);
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
		parse_elf(s, f, fd, pid);
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
		*m = (struct map){ start, end, off, ino, makedev(maj, min), NO_PATH };
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

const char *fr_syms_user(struct fr_syms *s, uint32_t pid, uint64_t addr, char *buf, size_t len)
{
	const struct map *m;
	const struct elf_file *f;
	const struct sym *y;
	const char *path, *base;
	struct proc *p;
	uint64_t foff, off = 0;
	size_t bl;

	if (!buf || !len)
		return "";
	if (!s || !pid)
		return hex(addr, buf, len);
	p = proc_get(s, pid);
	if (p->gone || !(m = map_find(p, addr)))
		return hex(addr, buf, len);
	if (m->path == NO_PATH) {
		snprintf(buf, len, "0x%" PRIx64 " ([anon])", addr);
		return buf;
	}
	path = p->paths.buf + m->path;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	/* the name it had is the one that means something */
	bl = strlen(base);
	if (bl > 10 && !strcmp(base + bl - 10, " (deleted)"))
		bl -= 10;
	/* [vdso], [heap], [stack]...: no file to read */
	if (path[0] != '/' || !m->ino) {
		snprintf(buf, len, "0x%" PRIx64 " (%.*s)", addr, (int)bl, base);
		return buf;
	}
	f = file_get(s, pid, m, path);
	y = NULL;
	if (f && f->ok && f->nsyms) {
		foff = addr - m->start + m->off;
		for (unsigned i = 0; i < f->nloads; i++) {
			const struct load *l = &f->loads[i];

			if (foff >= l->off && foff - l->off < l->filesz) {
				y = file_lookup(f, foff - l->off + l->vaddr, &off);
				break;
			}
		}
	}
	if (y)
		snprintf(buf, len, "%s+0x%" PRIx64 " (%.*s)", f->names.buf + y->name, off,
			 (int)bl, base);
	else
		snprintf(buf, len, "0x%" PRIx64 " (%.*s)", addr, (int)bl, base);
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
