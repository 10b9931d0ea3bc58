/* SPDX-License-Identifier: MIT */
/*
 * A tiny eBPF object builder for tests (test_elf.c, test_fuzz_elf.c):
 * a valid relocatable EM_BPF ELF assembled by hand from <elf.h> structs,
 * no compiler needed, that tests then break on purpose (in the spec
 * before eb_emit, or in the emitted bytes).
 *
 * The base object (eb_base), as clang would lay it out:
 *   .text    sub: r0 = r1; r0 += 1; exit                (global function)
 *   xdp      prog: r1 = map counters ll; r2 = &gvar ll; call sub;
 *                  r0 = 0; exit                          (entry program)
 *   .relxdp  R_BPF_64_64 counters @0, R_BPF_64_64 gvar @16,
 *            R_BPF_64_32 sub @32
 *   maps     counters: struct bpf_map_def { ARRAY, 4, 8, 4, 0 }
 *   .data    8 bytes, gvar at offset 4
 *   license  "GPL"
 *   .BTF     empty unless the test fills eb->btf (then named .BTF)
 *   version  absent unless the test sets eb->version_size
 *   .symtab  null, FILE, SECTION .text, SECTION .data | sub, prog,
 *            counters, gvar
 * Symbol names go through eb->sym_name (NULL keeps the raw st_name).
 */
#ifndef BPFX_TESTS_ELF_BUILD_H
#define BPFX_TESTS_ELF_BUILD_H

#include <elf.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef EM_BPF
#define EM_BPF 247
#endif

enum {
	EB_NULL, EB_STRTAB, EB_TEXT, EB_XDP, EB_RELXDP, EB_MAPS, EB_DATA, EB_LICENSE,
	EB_SYMTAB, EB_BTF, EB_VERSION, EB_SECS
};

enum { EB_SYM_SUB = 4, EB_SYM_PROG, EB_SYM_COUNTERS, EB_SYM_GVAR, EB_BASE_SYMS };

struct eb {
	struct bpf_insn text[64];
	int ntext;
	struct bpf_insn prog[64];
	int nprog;
	Elf64_Rel rel[32];
	int nrel;
	Elf64_Sym sym[32];
	const char *sym_name[32];
	int nsym;
	int first_global;
	uint8_t maps[128];
	int nmaps;
	uint8_t data[16];
	int ndata;
	uint8_t btf[8192];
	size_t nbtf;
	int version_size;              /* 0: no version section */
	const char *sec_name[EB_SECS]; /* NULL: the default name */
};

#define EB_INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						   .off = (o), .imm = (i) })

static inline Elf64_Sym eb_sym(int type, int bind, int shndx, uint64_t value, uint64_t size)
{
	Elf64_Sym s = { 0 };

	s.st_info = (unsigned char)ELF64_ST_INFO(bind, type);
	s.st_shndx = (uint16_t)shndx;
	s.st_value = value;
	s.st_size = size;
	return s;
}

static inline Elf64_Rel eb_rel(uint64_t off, uint32_t sym, uint32_t type)
{
	Elf64_Rel r = { off, ELF64_R_INFO(sym, type) };
	return r;
}

static inline void eb_base(struct eb *b)
{
	memset(b, 0, sizeof(*b));
	b->text[0] = EB_INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 0, 0);
	b->text[1] = EB_INSN(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1);
	b->text[2] = EB_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	b->ntext = 3;
	b->prog[0] = EB_INSN(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0);
	b->prog[1] = EB_INSN(0, 0, 0, 0, 0);
	b->prog[2] = EB_INSN(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, 0);
	b->prog[3] = EB_INSN(0, 0, 0, 0, 0);
	b->prog[4] = EB_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -1);
	b->prog[5] = EB_INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	b->prog[6] = EB_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	b->nprog = 7;
	b->rel[0] = eb_rel(0, EB_SYM_COUNTERS, 1);
	b->rel[1] = eb_rel(16, EB_SYM_GVAR, 1);
	b->rel[2] = eb_rel(32, EB_SYM_SUB, 10);
	b->nrel = 3;
	b->sym[1] = eb_sym(STT_FILE, STB_LOCAL, SHN_ABS, 0, 0);
	b->sym_name[1] = "t.c";
	b->sym[2] = eb_sym(STT_SECTION, STB_LOCAL, EB_TEXT, 0, 0);
	b->sym[3] = eb_sym(STT_SECTION, STB_LOCAL, EB_DATA, 0, 0);
	b->sym[EB_SYM_SUB] = eb_sym(STT_FUNC, STB_GLOBAL, EB_TEXT, 0, 24);
	b->sym_name[EB_SYM_SUB] = "sub";
	b->sym[EB_SYM_PROG] = eb_sym(STT_FUNC, STB_GLOBAL, EB_XDP, 0, 56);
	b->sym_name[EB_SYM_PROG] = "prog";
	b->sym[EB_SYM_COUNTERS] = eb_sym(STT_OBJECT, STB_GLOBAL, EB_MAPS, 0, 20);
	b->sym_name[EB_SYM_COUNTERS] = "counters";
	b->sym[EB_SYM_GVAR] = eb_sym(STT_OBJECT, STB_GLOBAL, EB_DATA, 4, 4);
	b->sym_name[EB_SYM_GVAR] = "gvar";
	b->nsym = EB_BASE_SYMS;
	b->first_global = EB_SYM_SUB;
	uint32_t def[5] = { BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0 };
	memcpy(b->maps, def, sizeof(def));
	b->nmaps = sizeof(def);
	b->ndata = 8;
	b->data[4] = 42;
}

struct eb_sec {
	const char *name;
	uint32_t type, link, info;
	uint64_t flags, entsize;
	const void *data;
	size_t size;
};

static inline void eb_sections(const struct eb *b, struct eb_sec *s)
{
	memset(s, 0, sizeof(*s) * EB_SECS);
	s[EB_STRTAB] = (struct eb_sec){ ".strtab", SHT_STRTAB, 0, 0, 0, 0, NULL, 0 };
	s[EB_TEXT] = (struct eb_sec){ ".text", SHT_PROGBITS, 0, 0, SHF_ALLOC | SHF_EXECINSTR, 0,
				      b->text, (size_t)b->ntext * 8 };
	s[EB_XDP] = (struct eb_sec){ "xdp", SHT_PROGBITS, 0, 0, SHF_ALLOC | SHF_EXECINSTR, 0,
				     b->prog, (size_t)b->nprog * 8 };
	s[EB_RELXDP] = (struct eb_sec){ ".relxdp", SHT_REL, EB_SYMTAB, EB_XDP, 0, sizeof(Elf64_Rel),
					b->rel, (size_t)b->nrel * sizeof(Elf64_Rel) };
	s[EB_MAPS] = (struct eb_sec){ "maps", SHT_PROGBITS, 0, 0, SHF_ALLOC | SHF_WRITE, 0, b->maps,
				      (size_t)b->nmaps };
	s[EB_DATA] = (struct eb_sec){ ".data", SHT_PROGBITS, 0, 0, SHF_ALLOC | SHF_WRITE, 0,
				      b->data, (size_t)b->ndata };
	s[EB_LICENSE] = (struct eb_sec){ "license", SHT_PROGBITS, 0, 0, SHF_ALLOC, 0, "GPL", 4 };
	s[EB_SYMTAB] = (struct eb_sec){ ".symtab", SHT_SYMTAB, EB_STRTAB, (uint32_t)b->first_global,
					0, sizeof(Elf64_Sym), NULL,
					(size_t)b->nsym * sizeof(Elf64_Sym) };
	s[EB_BTF] = (struct eb_sec){ b->nbtf ? ".BTF" : ".unused", SHT_PROGBITS, 0, 0, 0, 0,
				     b->btf, b->nbtf };
	s[EB_VERSION] = (struct eb_sec){ b->version_size ? "version" : ".unused2", SHT_PROGBITS,
					 0, 0, SHF_ALLOC, 0, "\x00\x01\x06\x00\x00\x00\x00\x00",
					 (size_t)b->version_size };
	for (int i = 0; i < EB_SECS; i++)
		if (b->sec_name[i])
			s[i].name = b->sec_name[i];
}

static inline size_t eb_align(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Writes the object into out (cap bytes); returns its size, 0 if cap is
 * too small. */
static inline size_t eb_emit(const struct eb *b, uint8_t *out, size_t cap)
{
	struct eb_sec s[EB_SECS];
	char str[2048];
	size_t nstr = 1, off = sizeof(Elf64_Ehdr);
	uint32_t name_off[EB_SECS] = { 0 };
	Elf64_Sym syms[32];

	eb_sections(b, s);
	str[0] = '\0';
	for (int i = 1; i < EB_SECS; i++) {
		name_off[i] = (uint32_t)nstr;
		nstr += (size_t)sprintf(str + nstr, "%s", s[i].name) + 1;
	}
	memcpy(syms, b->sym, sizeof(syms));
	for (int i = 0; i < b->nsym; i++)
		if (b->sym_name[i]) {
			syms[i].st_name = (uint32_t)nstr;
			nstr += (size_t)sprintf(str + nstr, "%s", b->sym_name[i]) + 1;
		}
	s[EB_STRTAB].data = str;
	s[EB_STRTAB].size = nstr;
	s[EB_SYMTAB].data = syms;
	memset(out, 0, cap);
	Elf64_Shdr sh[EB_SECS];
	memset(sh, 0, sizeof(sh));
	for (int i = 1; i < EB_SECS; i++) {
		off = eb_align(off);
		if (off + s[i].size > cap)
			return 0;
		if (s[i].size)
			memcpy(out + off, s[i].data, s[i].size);
		sh[i].sh_name = name_off[i];
		sh[i].sh_type = s[i].type;
		sh[i].sh_flags = s[i].flags;
		sh[i].sh_offset = off;
		sh[i].sh_size = s[i].size;
		sh[i].sh_link = s[i].link;
		sh[i].sh_info = s[i].info;
		sh[i].sh_addralign = 8;
		sh[i].sh_entsize = s[i].entsize;
		off += s[i].size;
	}
	off = eb_align(off);
	if (off + sizeof(sh) > cap)
		return 0;
	memcpy(out + off, sh, sizeof(sh));
	Elf64_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = EM_BPF;
	eh.e_version = EV_CURRENT;
	eh.e_shoff = off;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = EB_SECS;
	eh.e_shstrndx = EB_STRTAB;
	memcpy(out, &eh, sizeof(eh));
	return off + sizeof(sh);
}

/* The headers of an emitted image, for patching. */
static inline Elf64_Ehdr *eb_ehdr(uint8_t *img)
{
	return (Elf64_Ehdr *)img;
}

static inline Elf64_Shdr *eb_shdr(uint8_t *img, int idx)
{
	return (Elf64_Shdr *)(img + eb_ehdr(img)->e_shoff) + idx;
}

#endif /* BPFX_TESTS_ELF_BUILD_H */
