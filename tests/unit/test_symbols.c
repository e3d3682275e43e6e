/* test_symbols.c: the symbolizer on this very process (a PIE executable,
 * libc, anonymous mappings, unmapped addresses), on the kernel when its
 * addresses can be read, and on damaged copies of this executable mapped by
 * a child, which must never crash it. Garbage (an address outside every
 * executable mapping, or outside the kernel's half) is told apart from code
 * of no known function. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/symbols.h"
#include "tap.h"

#define NVARIANTS 120

/* noinline and external, so that it is a symbol of its own, unrenamed */
__attribute__((noinline)) int symbols_test_target(int x);
__attribute__((noinline)) int symbols_test_target(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x * 3 + 1;
}

static int (*volatile target_ptr)(int) = symbols_test_target;

/* The frame at addr of pid as "func+0x1a (file)", and its status. */
static const char *user(struct fr_syms *s, uint32_t pid, uint64_t addr, char *buf, size_t len,
			enum fr_frame_status *st)
{
	struct fr_frame f;
	enum fr_frame_status r = fr_syms_user_frame(s, pid, addr, &f);

	if (st)
		*st = r;
	return fr_frame_name(&f, true, buf, len);
}

static const char *kern(struct fr_syms *s, uint64_t addr, char *buf, size_t len,
			enum fr_frame_status *st)
{
	struct fr_frame f;
	enum fr_frame_status r = fr_syms_kernel_frame(s, addr, &f);

	if (st)
		*st = r;
	return fr_frame_name(&f, true, buf, len);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* The file offset of addr in this process's executable mapping. */
static long self_file_offset(uintptr_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	long found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, off;

		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &off) == 3 && addr >= start &&
		    addr < end) {
			found = (long)(addr - start + off);
			break;
		}
	}
	fclose(f);
	return found;
}

static unsigned char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	unsigned char *b;

	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	b = malloc(st.st_size);
	if (b && read(fd, b, st.st_size) != st.st_size) {
		free(b);
		b = NULL;
	}
	close(fd);
	*len = st.st_size;
	return b;
}

static uint64_t rnd_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Variant v of the executable image img: 0 intact, then targeted damage to
 * the headers the parser reads, then random bytes over those headers and
 * the symbol tables. Returns the length to write. */
static size_t damage(unsigned char *img, size_t len, int v)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = NULL, *symtab = NULL;
	size_t nsh = 0;

	if (len >= sizeof(*eh) && eh->e_shoff < len && eh->e_shentsize == sizeof(*sh) &&
	    eh->e_shnum <= (len - eh->e_shoff) / sizeof(*sh)) {
		sh = (Elf64_Shdr *)(img + eh->e_shoff);
		nsh = eh->e_shnum;
		for (size_t i = 0; i < nsh; i++)
			if (sh[i].sh_type == SHT_SYMTAB)
				symtab = &sh[i];
	}
	switch (v) {
	case 0:
		return len;
	case 1:
		return 0;
	case 2:
		return 16;
	case 3:
		return sizeof(*eh);
	case 4:
		return len / 2;
	case 5:
		memcpy(img, "#!/bin/sh\nexit 0\n", 17);
		return len;
	case 6:
		eh->e_shoff = ~0ULL - 100;
		return len;
	case 7:
		eh->e_shstrndx = 0xfffe;
		eh->e_shnum = 0xfff0;
		return len;
	case 8:
		eh->e_phnum = 0xffff;	/* PN_XNUM: the count is in section 0 */
		if (sh)
			sh[0].sh_info = 0xffffffff;
		return len;
	case 9:
		eh->e_phoff = len - 8;
		return len;
	case 10:
		if (symtab)
			symtab->sh_link = 0xffff;
		return len;
	case 11:
		if (symtab)
			symtab->sh_size = ~0ULL / 2;
		return len;
	case 12:
		if (symtab)
			symtab->sh_offset = len - 8;
		return len;
	case 13:
		if (symtab)
			symtab->sh_entsize = 1;
		return len;
	case 14:
		if (symtab && symtab->sh_link < nsh)
			sh[symtab->sh_link].sh_size = ~0ULL / 4;
		return len;
	case 15:
		if (symtab && symtab->sh_link < nsh)
			sh[symtab->sh_link].sh_type = SHT_PROGBITS;
		return len;
	case 16:
		/* every name offset out of range */
		if (symtab && symtab->sh_offset < len && symtab->sh_size <= len - symtab->sh_offset)
			for (size_t o = 0; o + sizeof(Elf64_Sym) <= symtab->sh_size;
			     o += sizeof(Elf64_Sym))
				((Elf64_Sym *)(img + symtab->sh_offset + o))->st_name = 0xfffffff0;
		return len;
	case 17:
		/* every size and value absurd */
		if (symtab && symtab->sh_offset < len && symtab->sh_size <= len - symtab->sh_offset)
			for (size_t o = 0; o + sizeof(Elf64_Sym) <= symtab->sh_size;
			     o += sizeof(Elf64_Sym)) {
				Elf64_Sym *y = (Elf64_Sym *)(img + symtab->sh_offset + o);

				y->st_size = ~0ULL;
				y->st_value = ~0ULL - o;
			}
		return len;
	default: {
		/* the regions a parser reads: headers, section table, symbols */
		size_t lo[4] = { 0, eh->e_phoff, eh->e_shoff, symtab ? symtab->sh_offset : 0 };
		size_t sz[4] = { sizeof(*eh), (size_t)eh->e_phnum * eh->e_phentsize,
				 nsh * sizeof(*sh), symtab ? symtab->sh_size : 0 };
		int flips = 1 + (int)(rnd() % 24);

		for (int i = 0; i < flips; i++) {
			int r = (int)(rnd() % 4);

			if (!sz[r] || lo[r] >= len || sz[r] > len - lo[r])
				r = 0;
			img[lo[r] + rnd() % sz[r]] = (unsigned char)rnd();
		}
		return len;
	}
	}
}

/* Write the variants under dir, map each in a child that then waits; the
 * symbolizer reads them through the child. */
static void malformed(struct fr_syms *s, uintptr_t target)
{
	char dir[] = "/tmp/frsymsXXXXXX", path[NVARIANTS + 1][64];
	unsigned char *orig, *img;
	size_t len, n;
	long foff = self_file_offset(target);
	int to_child[2], from_child[2];
	uint64_t addrs[NVARIANTS + 1];
	bool crashed = false, named = true, intact = false;
	pid_t pid;

	orig = read_all("/proc/self/exe", &len);
	if (!orig || foff < 0 || !mkdtemp(dir) || pipe(to_child) || pipe(from_child)) {
		ok(1, "damaged executables # skip cannot read or copy /proc/self/exe");
		free(orig);
		return;
	}
	img = malloc(len);
	/* the last, intact, is deleted while mapped */
	for (int v = 0; v <= NVARIANTS && img; v++) {
		int fd;

		memcpy(img, orig, len);
		n = v < NVARIANTS ? damage(img, len, v) : len;
		snprintf(path[v], sizeof(path[v]), "%s/v%03d", dir, v);
		fd = open(path[v], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, img, n) != (ssize_t)n) {
			ok(0, "write %s", path[v]);
			if (fd >= 0)
				close(fd);
			free(img);
			free(orig);
			return;
		}
		close(fd);
	}
	free(img);
	free(orig);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char c;

		for (int v = 0; v <= NVARIANTS; v++) {
			int fd = open(path[v], O_RDONLY);
			/* executable, as code is: frames are looked for there */
			void *p = fd < 0 ? MAP_FAILED
					 : mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);

			addrs[v] = p == MAP_FAILED ? 0 : (uint64_t)(uintptr_t)p + foff + 1;
			if (fd >= 0)
				close(fd);
		}
		if (write(from_child[1], addrs, sizeof(addrs)) != sizeof(addrs))
			_exit(1);
		close(to_child[1]);
		/* stay until the parent is done */
		while (read(to_child[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(to_child[0]);
	close(from_child[1]);
	if (pid < 0 || read(from_child[0], addrs, sizeof(addrs)) != sizeof(addrs)) {
		ok(0, "child mapping the damaged executables");
		crashed = true;
	}
	unlink(path[NVARIANTS]);
	for (int v = 0; !crashed && v < NVARIANTS; v++) {
		char buf[256], suffix[16];
		const char *r;

		if (!addrs[v])
			continue;
		r = user(s, pid, addrs[v], buf, sizeof(buf), NULL);
		snprintf(suffix, sizeof(suffix), "(v%03d)", v);
		if (!ends(r, suffix)) {
			named = false;
			printf("# variant %d: %s\n", v, r);
		}
		if (v == 0)
			intact = !strcmp(r, "symbols_test_target+0x1 (v000)");
		if (v == 0 && !intact)
			printf("# got %s\n", r);
	}
	if (!crashed) {
		char buf[256], want[64];

		ok(intact, "an intact copy mapped elsewhere: symbols_test_target+0x1 (v000)");
		/* reading a deleted file through /proc/PID/map_files takes root */
		user(s, pid, addrs[NVARIANTS], buf, sizeof(buf), NULL);
		snprintf(want, sizeof(want), "[unknown] (v%03d)", NVARIANTS);
		if (geteuid()) {
			ok(!strcmp(buf, want), "a deleted file, not readable: %s", buf);
		} else {
			snprintf(want, sizeof(want), "symbols_test_target+0x1 (v%03d)", NVARIANTS);
			ok(!strcmp(buf, want), "a deleted file: %s", buf);
		}
		ok(named, "%d damaged copies read without a crash, each named as its file",
		   NVARIANTS - 1);
	}
	close(to_child[1]);
	close(from_child[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	for (int v = 0; v <= NVARIANTS; v++)
		unlink(path[v]);
	rmdir(dir);
}

struct ktext {
	uint64_t addr;
	char name[128];
	char type;
	bool module;
};

static unsigned underscores(const char *s)
{
	unsigned u = 0;

	while (s[u] == '_')
		u++;
	return u;
}

static int ktext_cmp(const void *a, const void *b)
{
	const struct ktext *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void kernel(struct fr_syms *s)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	struct ktext *k = NULL;
	size_t n = 0, cap = 0;
	char line[512], buf[256];
	bool any = false;

	enum fr_frame_status st;

	kern(s, 1, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_BAD && !strcmp(buf, "[unknown]"), "kernel: 0x1 is garbage: %s", buf);
	kern(s, 0xbebebebebebebebeULL, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_BAD, "kernel: 0xbebebebebebebebe is garbage");
	kern(NULL, 0xffffffff81000000ULL, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_UNKNOWN && !strcmp(buf, "[unknown]"),
	   "kernel, no symbolizer: a kernel address is unknown: %s", buf);
	kern(NULL, 0x7f0000001000ULL, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_BAD, "kernel, no symbolizer: a user address is garbage");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char type, name[128];
		int pos = 0;

		if (sscanf(line, "%llx %c %127s%n", &a, &type, name, &pos) != 3)
			continue;
		any |= a != 0;
		if (!strchr("TtWw", type))
			continue;
		if (n == cap) {
			struct ktext *nk = realloc(k, (cap ? cap * 2 : 4096) * sizeof(*k));

			if (!nk)
				break;
			k = nk;
			cap = cap ? cap * 2 : 4096;
		}
		k[n].addr = a;
		snprintf(k[n].name, sizeof(k[n].name), "%s", name);
		k[n].module = strchr(line + pos, '[') != NULL;
		k[n].type = type;
		n++;
	}
	if (f)
		fclose(f);
	if (!any || !k) {
		ok(1, "kernel: a kallsyms address # skip addresses hidden or unreadable");
		free(k);
		return;
	}
	qsort(k, n, sizeof(*k), ktext_cmp);
	/* a core kernel function alone at its address, so no alias can win */
	for (size_t i = 1; i + 1 < n; i++) {
		char want[160];

		if (k[i].module || k[i].name[0] == '_' || k[i - 1].addr == k[i].addr ||
		    k[i + 1].addr <= k[i].addr + 1 || strlen(k[i].name) > 100)
			continue;
		snprintf(want, sizeof(want), "%s+0x1", k[i].name);
		kern(s, k[i].addr + 1, buf, sizeof(buf), &st);
		ok(st == FR_FRAME_OK && !strcmp(buf, want), "kernel: %s", buf);
		break;
	}
	/* two global names of one function, as many underscores: the shorter
	 * (__x86_indirect_thunk_rax, not __pi___x86_indirect_thunk_rax) */
	for (size_t i = 1; i + 2 < n; i++) {
		const struct ktext *x = &k[i], *y = &k[i + 1];
		const char *want;

		if (k[i - 1].addr == x->addr || y->addr != x->addr || k[i + 2].addr == x->addr ||
		    x->module || y->module || x->type != 'T' || y->type != 'T' ||
		    underscores(x->name) != underscores(y->name) || strlen(x->name) == strlen(y->name))
			continue;
		want = strlen(x->name) < strlen(y->name) ? x->name : y->name;
		kern(s, x->addr, buf, sizeof(buf), &st);
		ok(!strncmp(buf, want, strlen(want)) && !strcmp(buf + strlen(want), "+0x0"),
		   "kernel: of %s and %s, %s", x->name, y->name, buf);
		break;
	}
	free(k);
}

int main(void)
{
	struct fr_syms *s = fr_syms_new();
	char buf[256];
	void *anon, *anon_x, *getpid_addr;
	enum fr_frame_status st;
	struct fr_frame f;
	uintptr_t target = (uintptr_t)target_ptr;
	pid_t gone;

	ok(s != NULL, "fr_syms_new");
	if (!s)
		return tap_done();
	target_ptr(1);
	/* mapped before the first lookup reads this process's maps */
	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	anon_x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	user(s, getpid(), target + 1, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_OK && !strcmp(buf, "symbols_test_target+0x1 (test_symbols)"),
	   "own function: %s", buf);
	user(s, getpid(), target, buf, sizeof(buf), NULL);
	ok(!strcmp(buf, "symbols_test_target+0x0 (test_symbols)"), "own function, start: %s",
	   buf);
	fr_syms_user_frame(s, getpid(), target + 1, &f);
	ok(!strcmp(fr_frame_name(&f, false, buf, sizeof(buf)), "symbols_test_target (test_symbols)") &&
	   !strcmp(f.func, "symbols_test_target") && !strcmp(f.module, "test_symbols") &&
	   f.off == 1 && !f.kernel, "without the offset: %s", buf);

	getpid_addr = dlsym(RTLD_DEFAULT, "getpid");
	user(s, getpid(), (uintptr_t)getpid_addr, buf, sizeof(buf), NULL);
	ok(starts(buf, "getpid+0x0 (libc") && ends(buf, ")"), "libc function: %s", buf);

	user(s, getpid(), 16, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_BAD && !strcmp(buf, "[unknown]"), "unmapped: garbage, %s", buf);
	user(s, getpid(), 0xbebebebebebebebeULL, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_BAD, "0xbebebebebebebebe: garbage");

	if (anon != MAP_FAILED) {
		user(s, getpid(), (uintptr_t)anon + 8, buf, sizeof(buf), &st);
		ok(st == FR_FRAME_BAD, "anonymous, not executable: garbage, %s", buf);
	}
	if (anon_x != MAP_FAILED) {
		user(s, getpid(), (uintptr_t)anon_x + 8, buf, sizeof(buf), &st);
		ok(st == FR_FRAME_UNKNOWN && !strcmp(buf, "[unknown]"),
		   "anonymous, executable: unknown, %s", buf);
	} else {
		ok(1, "anonymous, executable # skip cannot map one");
	}
	/* data of the executable: mapped, not code */
	user(s, getpid(), (uintptr_t)&rnd_state, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_BAD, "the executable's data: garbage, %s", buf);

	fflush(stdout);
	gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	user(s, gone, target, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_LAST && !strcmp(buf, "[unknown]"), "a process gone: %s, the last frame",
	   buf);
	user(NULL, getpid(), target, buf, sizeof(buf), &st);
	ok(st == FR_FRAME_LAST, "no symbolizer: unknown, the last frame");

	ok(!strcmp(user(s, getpid(), target + 1, buf, 4, NULL), "sym"), "output cut to the buffer");
	ok(!strcmp(user(s, getpid(), 16, buf, 0, NULL), ""), "no buffer, no output");

	kernel(s);
	malformed(s, target);

	/* the cache of processes is bounded: many lookups of gone pids */
	for (uint32_t p = 0x3ffff000; p < 0x3ffff000 + 600; p++)
		user(s, p, target, buf, sizeof(buf), NULL);
	user(s, getpid(), target + 1, buf, sizeof(buf), NULL);
	ok(!strcmp(buf, "symbols_test_target+0x1 (test_symbols)"),
	   "still right after the process cache turned over: %s", buf);

	fr_syms_free(s);
	fr_syms_free(NULL);
	return tap_done();
}
