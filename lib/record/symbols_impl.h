/* symbols_impl.h: what the parts of the symbolizer share (symbols.c:
 * processes and the file cache; symbols_elf.c: a file's symbol table;
 * symbols_kernel.c: kallsyms). Not for use outside them. */
#ifndef FR_SYMBOLS_IMPL_H
#define FR_SYMBOLS_IMPL_H

#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "record/symbols.h"

#define MAX_PIDS 256			/* processes whose mappings are kept */
#define MAX_MAPS 65536			/* mappings per process (vm.max_map_count) */
#define MAX_FILES 1024			/* symbol tables kept */
#define MAX_FILE_SYMS (2u << 20)	/* symbols kept from one file */
#define MAX_TOTAL_SYMS (4u << 20)	/* ... and from all of them */
#define MAX_TOTAL_NAMES (256u << 20)	/* bytes of their names */
#define MAX_LOADS 64			/* PT_LOAD headers kept per file */
#define MAX_NAME FR_FRAME_FUNC		/* longer symbol names are cut */
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
	uint16_t rank;		/* while sorting: which of the aliases to keep */
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
	bool exec;		/* mapped executable: a stack's frames are in one */
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

static inline void pool_free(struct pool *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

/* Append s (at most max bytes of it) and a NUL; the offset, or UINT32_MAX
 * when out of memory or room. */
static inline uint32_t pool_add(struct pool *p, const char *s, size_t max)
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
 * call (getpid rather than __getpid), global before weak before local, and
 * of equals the shorter (__x86_indirect_thunk_rax, not
 * __pi___x86_indirect_thunk_rax). */
static inline uint16_t name_rank(const char *name, int bind)
{
	unsigned u = 0;
	size_t n = strlen(name);

	while (name[u] == '_' && u < 8)
		u++;
	return (uint16_t)((u * 4 + (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2)) << 8 |
			  (n > 255 ? 255 : n));
}

static inline uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000 + (uint64_t)t.tv_nsec;
}

/* An unknown frame, to be filled in. */
static inline void frame_clear(struct fr_frame *f, bool kernel)
{
	f->status = FR_FRAME_UNKNOWN;
	f->kernel = kernel;
	f->off = 0;
	f->func[0] = f->module[0] = '\0';
}

/* Read f's loads and symbols from the open ELF file fd (of process pid,
 * whose root holds its debug file). */
void fr_syms_parse_elf(struct fr_syms *s, struct elf_file *f, int fd, uint32_t pid);

#endif
