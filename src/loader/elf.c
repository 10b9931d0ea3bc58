/* SPDX-License-Identifier: MIT */
/*
 * The ELF object reader, first part: the file, its sections, symbols,
 * functions and entry programs, license, version and BTF; then the driver
 * that runs the other parts (elf_maps.c, elf_reloc.c, elf_link.c) and the
 * destructor.
 *
 * libelf gives the headers and pointers into our private copy of the
 * input; it checks little of what a hostile file may contain, so every
 * offset, size, index and string reference is checked here before any
 * other file of the reader uses it (see elf_priv.h for what they may then
 * assume).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/btf.h"
#include "loader/elf_priv.h"
#include "util/alloc.h"

int elf_fail(struct elf_ctx *c, int err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(c->log, BPFX_LOG_ERROR, "%s: %s", c->label, msg);
	return err;
}

void *elf_array_push(void **arr, uint32_t *cnt, size_t elem)
{
	uint32_t n = *cnt;

	/* capacity is implicit: the next power of two >= n (at least 4) */
	if (n == UINT32_MAX)
		return NULL;
	if (n < 4 ? n == 0 : (n & (n - 1)) == 0) {
		size_t cap = n < 4 ? 4 : (size_t)n * 2;
		void *p = mem_realloc(*arr, cap * elem);
		if (!p)
			return NULL;
		*arr = p;
	}
	char *e = (char *)*arr + (size_t)n * elem;
	memset(e, 0, elem);
	*cnt = n + 1;
	return e;
}

int elf_sym(struct elf_ctx *c, size_t idx, GElf_Sym *sym, const char **name)
{
	if (idx >= c->sym_cnt || !gelf_getsym(c->sym_data, (int)idx, sym))
		return -EINVAL;
	if (name) {
		*name = sym->st_name ? elf_strptr(c->elf, c->strtab, sym->st_name) : "";
		if (!*name)
			return -EINVAL;
	}
	return 0;
}

struct elf_func *elf_func_at(struct elf_ctx *c, int sec, uint64_t insn)
{
	size_t lo = 0, hi = c->func_cnt;

	/* funcs are sorted by (sec, off) and do not overlap */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct elf_func *f = &c->funcs[mid];
		if (f->sec < sec || (f->sec == sec && (uint64_t)f->off + f->cnt <= insn))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->func_cnt && c->funcs[lo].sec == sec && c->funcs[lo].off <= insn &&
	    insn < (uint64_t)c->funcs[lo].off + c->funcs[lo].cnt)
		return &c->funcs[lo];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Header and sections                                                  */
/* ------------------------------------------------------------------ */

static int check_header(struct elf_ctx *c)
{
	GElf_Ehdr eh;

	if (c->size < EI_NIDENT || memcmp(c->image, ELFMAG, SELFMAG) != 0)
		return elf_fail(c, -ENOEXEC, "not an ELF file");
	if ((unsigned char)c->image[EI_CLASS] != ELFCLASS64)
		return elf_fail(c, -ENOEXEC, "not a 64-bit ELF file (class %u)",
				(unsigned char)c->image[EI_CLASS]);
	if ((unsigned char)c->image[EI_DATA] != ELFDATA2LSB)
		return elf_fail(c, -ENOEXEC, "not a little-endian ELF file (data encoding %u)",
				(unsigned char)c->image[EI_DATA]);
	c->elf = elf_memory(c->image, c->size);
	if (!c->elf || elf_kind(c->elf) != ELF_K_ELF || !gelf_getehdr(c->elf, &eh))
		return elf_fail(c, -EINVAL, "malformed ELF header: %s", elf_errmsg(-1));
	if (eh.e_type != ET_REL)
		return elf_fail(c, -ENOEXEC, "not a relocatable object (e_type %u)", eh.e_type);
	/* very old LLVM wrote EM_NONE, libbpf accepts it too */
	if (eh.e_machine != EM_BPF && eh.e_machine != EM_NONE)
		return elf_fail(c, -ENOEXEC, "not an eBPF object (e_machine %u, expected %u)",
				eh.e_machine, EM_BPF);
	if (elf_getshdrnum(c->elf, &c->sec_cnt) || c->sec_cnt == 0)
		return elf_fail(c, -EINVAL, "cannot read the section headers: %s", elf_errmsg(-1));
	size_t shstrndx;
	if (elf_getshdrstrndx(c->elf, &shstrndx) || shstrndx == 0 || shstrndx >= c->sec_cnt)
		return elf_fail(c, -EINVAL, "no section name table");
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(c->elf, shstrndx);
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_STRTAB ||
	    sh.sh_offset > c->size || sh.sh_size > c->size - sh.sh_offset ||
	    !elf_rawdata(scn, NULL))
		return elf_fail(c, -EINVAL, "section name table %zu is invalid", shstrndx);
	c->secs = mem_array(c->sec_cnt, sizeof(*c->secs));
	return c->secs ? 0 : -ENOMEM;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static enum elf_sec_kind classify(const struct elf_sec *s)
{
	const char *n = s->name;
	uint32_t type = s->shdr.sh_type;

	if (type == SHT_SYMTAB)
		return ELF_SEC_SYMTAB;
	if (type == SHT_PROGBITS && strcmp(n, ".maps") == 0)
		return ELF_SEC_MAPS;
	if (type == SHT_PROGBITS && strcmp(n, "maps") == 0)
		return ELF_SEC_LEGACY_MAPS;
	if (type == SHT_PROGBITS && s->size > 0 && (s->shdr.sh_flags & SHF_EXECINSTR))
		return ELF_SEC_CODE;
	if (type == SHT_PROGBITS && s->size > 0 &&
	    (strcmp(n, ".data") == 0 || has_prefix(n, ".data.")))
		return ELF_SEC_DATA;
	if (type == SHT_PROGBITS && s->size > 0 &&
	    (strcmp(n, ".rodata") == 0 || has_prefix(n, ".rodata.")))
		return ELF_SEC_RODATA;
	if (type == SHT_NOBITS && (strcmp(n, ".bss") == 0 || has_prefix(n, ".bss.")))
		return ELF_SEC_BSS;
	return ELF_SEC_OTHER;
}

/* Reads section idx's header, name and bytes; runs before any other use. */
static int load_section(struct elf_ctx *c, size_t idx)
{
	struct elf_sec *s = &c->secs[idx];
	size_t shstrndx;
	Elf_Scn *scn = elf_getscn(c->elf, idx);

	s->map = -1;
	if (!scn || !gelf_getshdr(scn, &s->shdr))
		return elf_fail(c, -EINVAL, "section %zu: unreadable header", idx);
	elf_getshdrstrndx(c->elf, &shstrndx);
	s->name = elf_strptr(c->elf, shstrndx, s->shdr.sh_name);
	if (!s->name)
		return elf_fail(c, -EINVAL, "section %zu: name offset %u outside the name table",
				idx, (unsigned)s->shdr.sh_name);
	s->size = s->shdr.sh_size;
	if (s->shdr.sh_type == SHT_NOBITS || s->size == 0)
		return 0;
	if (s->shdr.sh_offset > c->size || s->size > c->size - s->shdr.sh_offset)
		return elf_fail(c, -EINVAL,
				"section '%s': offset %llu + size %zu is past the end of the file "
				"(%zu bytes)", s->name, (unsigned long long)s->shdr.sh_offset,
				s->size, c->size);
	Elf_Data *d = elf_rawdata(scn, NULL);
	if (!d || d->d_size != s->size || !d->d_buf)
		return elf_fail(c, -EINVAL, "section '%s': unreadable data: %s", s->name,
				elf_errmsg(-1));
	s->data = d->d_buf;
	return 0;
}

/* Classifies sections; REL sections by what they apply to. */
static int load_sections(struct elf_ctx *c)
{
	int err;

	for (size_t i = 1; i < c->sec_cnt; i++) {
		struct elf_sec *s = &c->secs[i];
		if ((err = load_section(c, i)))
			return err;
		s->kind = classify(s);
		if (s->kind == ELF_SEC_SYMTAB) {
			if (c->symtab)
				return elf_fail(c, -EINVAL, "more than one symbol table");
			c->symtab = (int)i;
		} else if (s->kind == ELF_SEC_CODE) {
			if (s->size % ELF_INSN_SZ)
				return elf_fail(c, -EINVAL, "section '%s': size %zu is not a multiple "
						"of %d", s->name, s->size, ELF_INSN_SZ);
			if (strcmp(s->name, ".text") == 0)
				c->text = (int)i;
			/* instructions are read in place: keep them aligned */
			if ((uintptr_t)s->data % ELF_INSN_SZ) {
				if (!(s->copy = mem_alloc(s->size)))
					return -ENOMEM;
				memcpy(s->copy, s->data, s->size);
				s->data = s->copy;
			}
		} else if (s->kind == ELF_SEC_MAPS) {
			c->maps_sec = (int)i;
		} else if (s->kind == ELF_SEC_LEGACY_MAPS) {
			c->legacy_maps_sec = (int)i;
		} else if (strcmp(s->name, ".BTF") == 0 || strcmp(s->name, ".BTF.ext") == 0) {
			if (s->shdr.sh_type != SHT_PROGBITS)
				return elf_fail(c, -EINVAL, "section '%s': type %u, expected PROGBITS",
						s->name, (unsigned)s->shdr.sh_type);
			*(s->name[4] ? &c->btf_ext_sec : &c->btf_sec) = (int)i;
		}
	}
	for (size_t i = 1; i < c->sec_cnt; i++) {
		struct elf_sec *s = &c->secs[i];
		uint32_t type = s->shdr.sh_type;
		if (type != SHT_REL && type != SHT_RELA)
			continue;
		size_t t = s->shdr.sh_info;
		if (t == 0 || t >= c->sec_cnt)
			return elf_fail(c, -EINVAL, "section '%s': applies to section %zu of %zu",
					s->name, t, c->sec_cnt);
		if (c->secs[t].kind != ELF_SEC_CODE && c->secs[t].kind != ELF_SEC_MAPS)
			continue;   /* debug info, BTF: nothing to do */
		if (type == SHT_RELA)
			return elf_fail(c, -EINVAL, "section '%s': RELA relocations for '%s' are "
					"not supported", s->name, c->secs[t].name);
		if (s->shdr.sh_entsize != sizeof(Elf64_Rel) || s->size % sizeof(Elf64_Rel))
			return elf_fail(c, -EINVAL, "section '%s': entry size %llu and size %zu do not "
					"make %zu-byte records", s->name,
					(unsigned long long)s->shdr.sh_entsize, s->size,
					sizeof(Elf64_Rel));
		if (s->shdr.sh_link != (uint32_t)c->symtab || !c->symtab)
			return elf_fail(c, -EINVAL, "section '%s': symbol table %u is not the object's",
					s->name, (unsigned)s->shdr.sh_link);
		if (c->secs[t].rel)
			return elf_fail(c, -EINVAL, "section '%s': second relocation section for '%s'",
					s->name, c->secs[t].name);
		s->kind = ELF_SEC_REL;
		c->secs[t].rel = (int)i;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Symbols and functions                                                */
/* ------------------------------------------------------------------ */

static int check_symbol(struct elf_ctx *c, size_t i)
{
	GElf_Sym sym;
	const char *name;

	if (!gelf_getsym(c->sym_data, (int)i, &sym))
		return elf_fail(c, -EINVAL, "symbol %zu: unreadable", i);
	name = sym.st_name ? elf_strptr(c->elf, c->strtab, sym.st_name) : "";
	if (!name)
		return elf_fail(c, -EINVAL, "symbol %zu: name offset %u outside the string table",
				i, (unsigned)sym.st_name);
	if (sym.st_shndx >= c->sec_cnt && sym.st_shndx < SHN_LORESERVE)
		return elf_fail(c, -EINVAL, "symbol %zu '%s': section %u of %zu", i, name,
				(unsigned)sym.st_shndx, c->sec_cnt);
	if (sym.st_shndx == SHN_XINDEX)
		return elf_fail(c, -EINVAL, "symbol %zu '%s': extended section indices are not "
				"supported", i, name);
	if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx >= SHN_LORESERVE ||
	    c->secs[sym.st_shndx].kind != ELF_SEC_CODE)
		return 0;

	const struct elf_sec *s = &c->secs[sym.st_shndx];
	if (!name[0])
		return elf_fail(c, -EINVAL, "section '%s': function symbol %zu has no name",
				s->name, i);
	if (sym.st_value % ELF_INSN_SZ || sym.st_size % ELF_INSN_SZ || sym.st_size == 0 ||
	    sym.st_value > s->size || sym.st_size > s->size - sym.st_value)
		return elf_fail(c, -EINVAL, "section '%s': function '%s' at offset %llu size %llu "
				"is misaligned, empty or outside the section (%zu bytes)",
				s->name, name, (unsigned long long)sym.st_value,
				(unsigned long long)sym.st_size, s->size);
	struct elf_func *f = elf_array_push((void **)&c->funcs, &c->func_cnt, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->name = name;
	f->sec = sym.st_shndx;
	f->off = (uint32_t)(sym.st_value / ELF_INSN_SZ);
	f->cnt = (uint32_t)(sym.st_size / ELF_INSN_SZ);
	f->global = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
	f->hidden = GELF_ST_VISIBILITY(sym.st_other) == STV_HIDDEN ||
		    GELF_ST_VISIBILITY(sym.st_other) == STV_INTERNAL;
	f->prog = -1;
	return 0;
}

static int cmp_named(const void *a, const void *b)
{
	const struct elf_named *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	return d ? d : x->sym < y->sym ? -1 : x->sym > y->sym;
}

long elf_find_object(struct elf_ctx *c, const char *name, int shndx, bool global,
		     GElf_Sym *sym)
{
	uint32_t lo = 0, hi = c->object_cnt;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strcmp(c->objects[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->object_cnt && !strcmp(c->objects[lo].name, name); lo++) {
		if (elf_sym(c, c->objects[lo].sym, sym, NULL))
			return -1;
		if ((shndx < 0 || sym->st_shndx == shndx) &&
		    (!global || GELF_ST_BIND(sym->st_info) != STB_LOCAL))
			return c->objects[lo].sym;
	}
	return -1;
}

/* Indexes the named STT_OBJECT symbols for elf_find_object. */
static int index_objects(struct elf_ctx *c)
{
	for (size_t i = 0; i < c->sym_cnt; i++) {
		GElf_Sym sym;
		const char *name;
		if (elf_sym(c, i, &sym, &name))
			return -EINVAL;
		if (GELF_ST_TYPE(sym.st_info) != STT_OBJECT || !name[0])
			continue;
		struct elf_named *n = elf_array_push((void **)&c->objects, &c->object_cnt,
						     sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->name = name;
		n->sym = (uint32_t)i;
	}
	if (c->object_cnt)
		qsort(c->objects, c->object_cnt, sizeof(*c->objects), cmp_named);
	return 0;
}

static int cmp_funcs(const void *a, const void *b)
{
	const struct elf_func *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int load_symbols(struct elf_ctx *c)
{
	int err;

	if (!c->symtab)
		return elf_fail(c, -EINVAL, "no symbol table (stripped object?)");
	struct elf_sec *s = &c->secs[c->symtab];
	c->strtab = (int)s->shdr.sh_link;
	if (c->strtab <= 0 || (size_t)c->strtab >= c->sec_cnt ||
	    c->secs[c->strtab].shdr.sh_type != SHT_STRTAB)
		return elf_fail(c, -EINVAL, "section '%s': string table %d is invalid", s->name,
				c->strtab);
	if (s->shdr.sh_entsize != sizeof(Elf64_Sym) || s->size % sizeof(Elf64_Sym))
		return elf_fail(c, -EINVAL, "section '%s': size %zu is not a multiple of %zu",
				s->name, s->size, sizeof(Elf64_Sym));
	c->sym_cnt = s->size / sizeof(Elf64_Sym);
	if (c->sym_cnt) {
		c->sym_data = elf_getdata(elf_getscn(c->elf, c->symtab), NULL);
		if (!c->sym_data || c->sym_data->d_size != s->size)
			return elf_fail(c, -EINVAL, "section '%s': unreadable", s->name);
	}
	for (size_t i = 0; i < c->sym_cnt; i++)
		if ((err = check_symbol(c, i)))
			return err;
	if ((err = index_objects(c)))
		return err;
	if (c->func_cnt)
		qsort(c->funcs, c->func_cnt, sizeof(*c->funcs), cmp_funcs);
	for (size_t i = 1; i < c->func_cnt; i++) {
		struct elf_func *a = &c->funcs[i - 1], *b = &c->funcs[i];
		if (a->sec == b->sec && a->off + a->cnt > b->off)
			return elf_fail(c, -EINVAL, "section '%s': functions '%s' and '%s' overlap",
					c->secs[a->sec].name, a->name, b->name);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Entry programs                                                       */
/* ------------------------------------------------------------------ */

static int add_prog(struct elf_ctx *c, struct elf_func *f)
{
	struct elf_obj *obj = c->obj;
	const char *sec = c->secs[f->sec].name;
	struct elf_sec_def def;
	bool autoload = sec[0] != '?';

	if (!autoload)
		sec++;
	if (elf_sec_def_find(sec, &def))
		return elf_fail(c, -EINVAL, "section '%s': program '%s': unknown program type "
				"(no SEC() name of libbpf's table matches)", sec, f->name);
	struct elf_prog *p = elf_array_push((void **)&obj->progs, &obj->prog_cnt, sizeof(*p));
	if (!p)
		return -ENOMEM;
	f->prog = (int)obj->prog_cnt - 1;
	p->autoload = autoload;
	p->global = f->global;
	p->hidden = f->hidden;
	p->type = def.type;
	p->expected_attach_type = def.expected_attach_type;
	p->prog_flags = def.prog_flags;
	p->attach_btf = def.attach_btf;
	p->name = mem_strdup(f->name);
	p->sec_name = mem_strdup(sec);
	if (!p->name || !p->sec_name)
		return -ENOMEM;
	if (def.attach_target && !(p->attach_target = mem_strdup(def.attach_target)))
		return -ENOMEM;
	return 0;
}

/* Every global function outside .text is an entry program; static ones
 * there are subprograms of their section (libbpf refuses them). */
static int collect_progs(struct elf_ctx *c)
{
	int err;

	for (size_t i = 0; i < c->func_cnt; i++) {
		struct elf_func *f = &c->funcs[i];
		if (f->sec == c->text || !f->global)
			continue;
		if ((err = add_prog(c, f)))
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* License, version, BTF                                                */
/* ------------------------------------------------------------------ */

static int collect_misc(struct elf_ctx *c)
{
	struct elf_obj *obj = c->obj;
	const struct elf_sec *lic = NULL, *ver = NULL;

	for (size_t i = 1; i < c->sec_cnt; i++) {
		if (strcmp(c->secs[i].name, "license") == 0)
			lic = &c->secs[i];
		else if (strcmp(c->secs[i].name, "version") == 0)
			ver = &c->secs[i];
	}
	size_t len = 0;
	if (lic && lic->data)
		len = strnlen((const char *)lic->data, lic->size);
	obj->license = mem_alloc(len + 1);
	if (!obj->license)
		return -ENOMEM;
	if (len)
		memcpy(obj->license, lic->data, len);
	obj->license[len] = '\0';
	if (ver) {
		if (ver->size != sizeof(uint32_t) || !ver->data)
			return elf_fail(c, -EINVAL, "section 'version': size %zu, expected 4",
					ver->size);
		memcpy(&obj->kern_version, ver->data, sizeof(uint32_t));
	}
	return 0;
}

/* The BTF module's lines, prefixed with the file and the section. */
struct sec_log {
	struct log_sink sink;
	const struct elf_ctx *c;
	const char *sec;
};

static void sec_log_fn(void *ctx, enum bpfx_log_level level, const char *msg)
{
	const struct sec_log *l = ctx;

	log_msg(l->c->log, level, "%s: section '%s': %s", l->c->label, l->sec, msg);
}

static int load_btf(struct elf_ctx *c)
{
	struct sec_log l = { { sec_log_fn, &l }, c, ".BTF" };
	const struct elf_sec *s;
	int err = 0;

	if (!c->btf_sec) {
		if (c->btf_ext_sec)
			log_msg(c->log, BPFX_LOG_WARN, "%s: .BTF.ext without .BTF, ignored", c->label);
		return 0;
	}
	s = &c->secs[c->btf_sec];
	c->obj->btf = btf_parse(s->data ? s->data : (const void *)"", s->size, &l.sink, &err);
	if (!c->obj->btf)
		return err;
	if (!c->btf_ext_sec)
		return 0;
	s = &c->secs[c->btf_ext_sec];
	l.sec = ".BTF.ext";
	c->obj->btf_ext = btf_ext_parse(s->data ? s->data : (const void *)"", s->size,
					c->obj->btf, &l.sink, &err);
	return c->obj->btf_ext ? 0 : err;
}

/* ------------------------------------------------------------------ */
/* Global-data variables                                                */
/* ------------------------------------------------------------------ */

/* Symbols of data: those of the allocated, non-code sections (global
 * data, map definitions, the license...), each with its section. */
static int collect_vars(struct elf_ctx *c)
{
	struct elf_obj *obj = c->obj;

	for (size_t i = 0; i < c->sym_cnt; i++) {
		GElf_Sym sym;
		const char *name;
		if (elf_sym(c, i, &sym, &name))
			return -EINVAL;
		if (GELF_ST_TYPE(sym.st_info) != STT_OBJECT || !name[0] ||
		    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE ||
		    sym.st_shndx >= c->sec_cnt)
			continue;
		const struct elf_sec *sec = &c->secs[sym.st_shndx];
		bool maps = sec->kind == ELF_SEC_MAPS || sec->kind == ELF_SEC_LEGACY_MAPS;
		if (!maps && ((sec->shdr.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) != SHF_ALLOC))
			continue;
		/* only symbols inside their section: consumers may trust them */
		if (sec->size > UINT32_MAX || sym.st_value > sec->size ||
		    sym.st_size > sec->size - sym.st_value)
			continue;
		struct elf_var *v = elf_array_push((void **)&obj->vars, &obj->var_cnt, sizeof(*v));
		if (!v || !(v->name = mem_strdup(name)) || !(v->sec = mem_strdup(sec->name)))
			return -ENOMEM;
		v->map = maps ? elf_obj_find_map(obj, name) : sec->map;
		v->sec_size = (uint32_t)sec->size;
		v->off = (uint32_t)sym.st_value;
		v->size = (uint32_t)sym.st_size;
		v->global = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
		v->hidden = GELF_ST_VISIBILITY(sym.st_other) == STV_HIDDEN ||
			    GELF_ST_VISIBILITY(sym.st_other) == STV_INTERNAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Opening and freeing                                                  */
/* ------------------------------------------------------------------ */

static int parse(struct elf_ctx *c)
{
	int err;

	if ((err = check_header(c)) || (err = load_sections(c)) || (err = load_symbols(c)) ||
	    (err = collect_misc(c)) || (err = load_btf(c)) || (err = collect_progs(c)) ||
	    (err = elf_collect_maps(c)) || (err = elf_collect_externs(c)) ||
	    (err = elf_collect_relocs(c)) || (err = elf_collect_map_slots(c)) ||
	    (err = elf_link_progs(c)) || (err = collect_vars(c)))
		return err;
	return 0;
}

static void ctx_free(struct elf_ctx *c)
{
	if (c->secs)
		for (size_t i = 0; i < c->sec_cnt; i++) {
			mem_free(c->secs[i].rels);
			mem_free(c->secs[i].copy);
		}
	mem_free(c->secs);
	mem_free(c->funcs);
	mem_free(c->objects);
	if (c->elf)
		elf_end(c->elf);
	mem_free(c->image);
}

static struct elf_obj *open_mem(const void *buf, size_t size, const char *name,
				const char *label, const struct log_sink *log, int *err)
{
	struct elf_ctx c = { .label = label, .log = log };
	int e;

	if (!buf && size) {
		e = -EINVAL;
		goto out;
	}
	elf_version(EV_CURRENT);
	c.obj = mem_zalloc(sizeof(*c.obj));
	c.image = mem_alloc(size);
	if (!c.obj || !c.image) {
		e = -ENOMEM;
		goto out;
	}
	if (size)
		memcpy(c.image, buf, size);
	c.size = size;
	c.obj->kconfig_map = -1;
	snprintf(c.obj->name, sizeof(c.obj->name), "%s", name);
	e = parse(&c);
out:
	ctx_free(&c);
	if (e) {
		elf_obj_free(c.obj);
		c.obj = NULL;
	}
	if (err)
		*err = e;
	return c.obj;
}

struct elf_obj *elf_obj_open_mem(const void *buf, size_t size, const char *obj_name,
				 const struct log_sink *log, int *err)
{
	char tmp[2 * sizeof(long) * 2 + 2];

	if (!obj_name) {
		/* libbpf's default for objects opened from memory */
		snprintf(tmp, sizeof(tmp), "%lx-%lx", (unsigned long)(uintptr_t)buf,
			 (unsigned long)size);
		obj_name = tmp;
	}
	return open_mem(buf, size, obj_name, obj_name, log, err);
}

void elf_obj_name_from_path(const char *path, char name[ELF_OBJ_NAME_LEN])
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	size_t n = strcspn(base, ".");
	if (n > ELF_OBJ_NAME_LEN - 1)
		n = ELF_OBJ_NAME_LEN - 1;
	memcpy(name, base, n);
	name[n] = '\0';
}

struct elf_obj *elf_obj_open_file(const char *path, const struct log_sink *log, int *err)
{
	char name[ELF_OBJ_NAME_LEN];
	struct stat st;
	struct elf_obj *obj = NULL;
	void *buf = NULL;
	int e = 0, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		e = -errno;
		log_msg(log, BPFX_LOG_ERROR, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = -EINVAL;
		log_msg(log, BPFX_LOG_ERROR, "%s: not a regular file", path);
		goto out;
	}
	buf = mem_alloc((size_t)st.st_size);
	if (!buf) {
		e = -ENOMEM;
		goto out;
	}
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = read(fd, (char *)buf + done, (size_t)(st.st_size - done));
		if (n <= 0) {
			e = n < 0 ? -errno : -EIO;
			log_msg(log, BPFX_LOG_ERROR, "%s: read failed", path);
			goto out;
		}
		done += n;
	}
	elf_obj_name_from_path(path, name);
	obj = open_mem(buf, (size_t)st.st_size, name, path, log, &e);
out:
	if (fd >= 0)
		close(fd);
	mem_free(buf);
	if (err)
		*err = e;
	return obj;
}

static void prog_clear(struct elf_prog *p)
{
	mem_free(p->name);
	mem_free(p->sec_name);
	mem_free(p->attach_target);
	mem_free(p->insns);
	for (uint32_t i = 0; i < p->subprog_cnt; i++)
		mem_free(p->subprogs[i].name);
	mem_free(p->subprogs);
	mem_free(p->relocs);
	mem_free(p->func_info);
	mem_free(p->line_info);
	mem_free(p->core_relos);
}

void elf_obj_free(struct elf_obj *obj)
{
	if (!obj)
		return;
	for (uint32_t i = 0; i < obj->prog_cnt; i++)
		prog_clear(&obj->progs[i]);
	mem_free(obj->progs);
	for (uint32_t i = 0; i < obj->map_cnt; i++)
		elf_map_clear(&obj->maps[i]);
	mem_free(obj->maps);
	for (uint32_t i = 0; i < obj->extern_cnt; i++)
		mem_free(obj->externs[i].name);
	mem_free(obj->externs);
	for (uint32_t i = 0; i < obj->var_cnt; i++) {
		mem_free(obj->vars[i].name);
		mem_free(obj->vars[i].sec);
	}
	mem_free(obj->vars);
	btf_ext_free(obj->btf_ext);
	btf_free(obj->btf);
	mem_free(obj->license);
	mem_free(obj);
}

int elf_obj_find_map(const struct elf_obj *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->map_cnt; i++)
		if (strcmp(obj->maps[i].name, name) == 0)
			return (int)i;
	return -1;
}

int elf_obj_find_prog(const struct elf_obj *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->prog_cnt; i++)
		if (strcmp(obj->progs[i].name, name) == 0)
			return (int)i;
	return -1;
}
