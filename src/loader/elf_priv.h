/* SPDX-License-Identifier: MIT */
/*
 * Between the files of the ELF object reader (elf.c, elf_maps.c,
 * elf_reloc.c, elf_link.c): the parse context that lives for one
 * elf_obj_open_mem() call. Everything in it points into libelf's view of
 * a private copy of the input, validated by elf.c before the other files
 * look at it: section data lies inside the image, symbol names are
 * NUL-terminated strings of the string table, symbol section indices are
 * valid or special, function symbols are 8-byte aligned, non-empty and
 * inside their section, and functions of one section do not overlap.
 */
#ifndef BPFX_LOADER_ELF_PRIV_H
#define BPFX_LOADER_ELF_PRIV_H

#include <gelf.h>
#include <libelf.h>

#include "loader/elf.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def). */
#define ELF_R_BPF_NONE 0
#define ELF_R_BPF_64_64 1          /* lddw imm pair: 64-bit address */
#define ELF_R_BPF_64_ABS64 2       /* 64-bit data */
#define ELF_R_BPF_64_ABS32 3       /* 32-bit data */
#define ELF_R_BPF_64_NODYLD32 4    /* 32-bit data, no dynamic linking (.BTF.ext) */
#define ELF_R_BPF_64_32 10         /* call imm: instruction offset */

#define ELF_INSN_SZ 8

enum elf_sec_kind {
	ELF_SEC_OTHER = 0,     /* ignored */
	ELF_SEC_CODE,          /* SHF_EXECINSTR PROGBITS */
	ELF_SEC_DATA,          /* .data, .data.* */
	ELF_SEC_RODATA,        /* .rodata, .rodata.* */
	ELF_SEC_BSS,           /* .bss, .bss.* */
	ELF_SEC_MAPS,          /* .maps */
	ELF_SEC_LEGACY_MAPS,   /* maps */
	ELF_SEC_REL,           /* SHT_REL for a code section or .maps */
	ELF_SEC_SYMTAB,
};

struct elf_sec {
	const char *name;      /* libelf's section name string */
	GElf_Shdr shdr;
	const uint8_t *data;   /* NULL for NOBITS and empty sections; 8-byte
				* aligned for code sections */
	void *copy;            /* our aligned copy of a misaligned code section */
	size_t size;           /* sh_size */
	enum elf_sec_kind kind;
	int rel;               /* index of the SHT_REL section for it, or 0 */
	int map;               /* internal/legacy map of this section, or -1 */
	struct elf_rel *rels;  /* CODE: resolved relocations, sorted by insn */
	uint32_t rel_cnt;
};

/* A function symbol of a code section. */
struct elf_func {
	const char *name;
	int sec;
	uint32_t off;          /* first instruction, in the section */
	uint32_t cnt;          /* instructions */
	bool global;
	bool hidden;
	int prog;              /* index in obj->progs when an entry program, else -1 */
};

enum elf_rel_kind {
	ELF_REL_CALL,          /* call of a function: target (sec, byte off) */
	ELF_REL_FUNC_ADDR,     /* lddw of a function address (callback) */
	ELF_REL_MAP,           /* lddw of a map */
	ELF_REL_MAP_VALUE,     /* lddw into global data */
	ELF_REL_KSYM,          /* lddw of a .ksyms variable */
	ELF_REL_KCONFIG,       /* lddw of a .kconfig variable */
	ELF_REL_KFUNC,         /* call of a .ksyms function */
};

/* One relocation of a code section, resolved by elf_reloc.c. */
struct elf_rel {
	uint32_t insn;         /* instruction index in the section */
	uint32_t idx;          /* position in the REL section (for messages) */
	enum elf_rel_kind kind;
	int sec;               /* CALL/FUNC_ADDR: the target's section */
	uint64_t target;       /* CALL/FUNC_ADDR: target instruction in sec */
	int map;               /* MAP/MAP_VALUE/KCONFIG: map index */
	uint32_t off;          /* MAP_VALUE/KCONFIG: byte offset in the value */
	int ext;               /* KSYM/KCONFIG/KFUNC: extern index */
};

struct elf_named {
	const char *name;
	uint32_t sym;
};

struct elf_ctx {
	const char *label;              /* file or object name for log lines */
	const struct log_sink *log;
	Elf *elf;
	char *image;                    /* our copy of the input */
	size_t size;
	size_t sec_cnt;
	struct elf_sec *secs;           /* [sec_cnt], index 0 unused */
	int symtab;                     /* SHT_SYMTAB section */
	int strtab;                     /* its string table */
	int text;                       /* .text, or 0 */
	int maps_sec;                   /* .maps, or 0 */
	int legacy_maps_sec;            /* maps, or 0 */
	int btf_sec, btf_ext_sec;       /* .BTF, .BTF.ext, or 0 */
	Elf_Data *sym_data;
	size_t sym_cnt;
	struct elf_named *objects;      /* STT_OBJECT symbols by name (elf_find_object) */
	uint32_t object_cnt;
	uint32_t btf_maps_begin;        /* obj->maps[begin, end): the BTF maps, */
	uint32_t btf_maps_end;          /* by offset, not overlapping */
	struct elf_func *funcs;         /* sorted by (sec, off) */
	uint32_t func_cnt;
	struct elf_obj *obj;            /* being filled */
};

/* Logs "label: <message>" at error level and returns err. */
int elf_fail(struct elf_ctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Symbol idx (valid: < sym_cnt) and its name ("" for none). */
int elf_sym(struct elf_ctx *c, size_t idx, GElf_Sym *sym, const char **name);
/* The first STT_OBJECT symbol named `name` (in section shndx unless it is
 * negative; global or weak only if global), or -1. */
long elf_find_object(struct elf_ctx *c, const char *name, int shndx, bool global,
		     GElf_Sym *sym);
/* The function of section sec containing instruction insn, or NULL. */
struct elf_func *elf_func_at(struct elf_ctx *c, int sec, uint64_t insn);
/* Appends one zeroed element to a mem_* array, growing it by doubling;
 * returns the new element or NULL (-ENOMEM, array unchanged). */
void *elf_array_push(void **arr, uint32_t *cnt, size_t elem);

/* elf_maps.c: maps of every kind, externs and the kconfig map, .rel.maps. */
int elf_collect_maps(struct elf_ctx *c);
int elf_add_kconfig_map(struct elf_ctx *c, uint32_t size);
int elf_collect_map_slots(struct elf_ctx *c);
void elf_map_clear(struct elf_map *map);

/* elf_reloc.c: externs (then the kconfig map), and the relocations of
 * every code section, resolved. */
int elf_collect_externs(struct elf_ctx *c);
int elf_collect_relocs(struct elf_ctx *c);

/* elf_link.c: the final instruction array of every entry program. */
int elf_link_progs(struct elf_ctx *c);

#endif /* BPFX_LOADER_ELF_PRIV_H */
