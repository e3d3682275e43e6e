/* symbols.h: names for the addresses in the profiler's stacks: kernel
 * addresses from /proc/kallsyms, user addresses from the ELF symbol tables
 * of the files a process has mapped. Everything is read lazily and cached
 * within fixed bounds; what was read is trusted for a few seconds, so one
 * struct fr_syms can serve many profiles over a long run. */
#ifndef FR_SYMBOLS_H
#define FR_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fr_syms;

/* NULL when out of memory. */
struct fr_syms *fr_syms_new(void);
void fr_syms_free(struct fr_syms *s);

/* What one address of a stack turned out to be. */
enum fr_frame_status {
	FR_FRAME_OK,		/* in a known function */
	FR_FRAME_UNKNOWN,	/* code, but of no known function (module when known) */
	FR_FRAME_LAST,		/* unknown, and what follows cannot be checked either
				 * (the process is gone): the stack ends after it */
	FR_FRAME_BAD,		/* not code: outside every executable mapping, or not
				 * a kernel address; a stack unwound past a function
				 * without frame pointers reads such garbage, and
				 * ends before it */
};

#define FR_FRAME_FUNC 512	/* longer function names are cut */
#define FR_FRAME_MODULE 256

struct fr_frame {
	enum fr_frame_status status;
	bool kernel;
	uint64_t off;			/* from the function's start */
	char func[FR_FRAME_FUNC];	/* "" unless FR_FRAME_OK */
	/* a kernel module ("ext4"), the base name of a mapped file
	 * ("libc.so.6"), the name of a mapping of no file ("[vdso]"); ""
	 * for the core kernel, or when not known */
	char module[FR_FRAME_MODULE];
};

/* Name a kernel address from /proc/kallsyms: FR_FRAME_OK, FR_FRAME_UNKNOWN
 * for an address in the kernel's half of the address space that no symbol
 * covers (or when kallsyms shows no addresses: kernel.kptr_restrict, or
 * not root), FR_FRAME_BAD for any other. s may be NULL (nothing named). */
enum fr_frame_status fr_syms_kernel_frame(struct fr_syms *s, uint64_t addr, struct fr_frame *f);

/* Name an address of process pid from the ELF symbols of the file mapped
 * there: FR_FRAME_OK; FR_FRAME_UNKNOWN in an executable mapping whose file
 * has no symbol for it, or of no file ("[vdso]", anonymous); FR_FRAME_BAD
 * outside every executable mapping; FR_FRAME_LAST when the process is gone
 * or s is NULL. Stripped files are named from their separate debug file
 * (/usr/lib/debug/.build-id/) when one is installed. */
enum fr_frame_status fr_syms_user_frame(struct fr_syms *s, uint32_t pid, uint64_t addr,
					struct fr_frame *f);

/* A frame as people read it, into buf: "func" and "func [module]" in the
 * kernel, "func (file)" in user space, "[unknown]" for the function when it
 * is not known; with offset, "func+0x1a". Returns buf. */
const char *fr_frame_name(const struct fr_frame *f, bool offset, char *buf, size_t len);

/* What the caches hold, their bounds, and what went to keep them: the
 * least recently used process first; every file at once when a bound on
 * files, symbols or names is reached. */
struct fr_syms_stats {
	uint64_t procs, procs_max, files, files_max, symbols, name_bytes;
	uint64_t procs_evicted, files_dropped;
};
void fr_syms_stats(const struct fr_syms *s, struct fr_syms_stats *st);

#endif
