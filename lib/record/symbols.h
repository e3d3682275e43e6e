/* symbols.h: names for the addresses in the profiler's stacks: kernel
 * addresses from /proc/kallsyms, user addresses from the ELF symbol tables
 * of the files a process has mapped. Everything is read lazily and cached
 * within fixed bounds; what was read is trusted for a few seconds, so one
 * struct fr_syms can serve many profiles over a long run. */
#ifndef FR_SYMBOLS_H
#define FR_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct fr_syms;

/* NULL when out of memory. */
struct fr_syms *fr_syms_new(void);
void fr_syms_free(struct fr_syms *s);

/* "func+0x1a", or "func+0x1a [module]" in a module, into buf; "0xffff..."
 * when unknown, or when kallsyms shows no addresses (kernel.kptr_restrict,
 * or not root). Returns buf. */
const char *fr_syms_kernel(struct fr_syms *s, uint64_t addr, char *buf, size_t len);

/* "func+0x1a (libc.so.6)" for an address in process pid; "0x55... (file)"
 * when the file mapped there has no symbol for it ("[anon]", "[vdso]", ...
 * for mappings of no file); "0x..." when nothing is mapped there or the
 * process is gone. Stripped files are named from their separate debug file
 * (/usr/lib/debug/.build-id/) when one is installed. Returns buf. */
const char *fr_syms_user(struct fr_syms *s, uint32_t pid, uint64_t addr, char *buf, size_t len);

/* What the caches hold, their bounds, and what went to keep them: the
 * least recently used process first; every file at once when a bound on
 * files, symbols or names is reached. */
struct fr_syms_stats {
	uint64_t procs, procs_max, files, files_max, symbols, name_bytes;
	uint64_t procs_evicted, files_dropped;
};
void fr_syms_stats(const struct fr_syms *s, struct fr_syms_stats *st);

#endif
