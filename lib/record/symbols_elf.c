/* symbols_elf.c: a mapped file's symbol table, from its .symtab or
 * .dynsym, or from its debug file by build id; see symbols.c. Nothing read
 * from the file is trusted: every index and size is checked before use. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "record/symbols_impl.h"

/* ---- ELF files ---- */

struct rsym {
	struct sym s;
	uint16_t rank;
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

void fr_syms_parse_elf(struct fr_syms *s, struct elf_file *f, int fd, uint32_t pid)
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

