/* SPDX-License-Identifier: MIT */
/*
 * The ELF object reader (loader module).
 *
 * elf_obj_open_mem() turns a relocatable eBPF object, as `clang -O2 -g
 * -target bpf` writes it, into a validated, self-contained description:
 * its entry programs, each already linked with the subprograms it calls,
 * the relocations still to apply to them, the maps the object declares
 * (BTF-defined, legacy `maps`, global data, .kconfig), its externs, BTF
 * and BTF.ext. Nothing is created: no map, no program, no descriptor. The
 * object layer consumes the description, creates the maps, patches the
 * recorded instructions and loads the programs.
 *
 * The rules follow libbpf 1.x (tools/lib/bpf/libbpf.c) where libbpf
 * defines them: object and internal map names, the section name table
 * (sec_names.c), which symbols are programs, how subprograms are appended
 * (depth first, each once per entry program), how func_info/line_info are
 * re-based, the order of maps. Where libbpf refuses an object this reader
 * may still accept it: legacy `maps` sections, static functions in program
 * sections (subprograms of that section), calls between functions of one
 * program section.
 *
 * Everything the description holds is owned by it and copied out of the
 * input (the input buffer may be freed at once). A description is
 * immutable after opening and may be read from any number of threads.
 *
 * Errors: NULL and *err = -ENOEXEC when the file is not a relocatable
 * 64-bit little-endian eBPF ELF, -EINVAL for a malformed or inconsistent
 * object (truncated, offsets out of range, bad relocation, unknown program
 * section, ...), -EOPNOTSUPP for well-formed things this reader does not
 * handle (unknown map definition field, multi-level map-in-map, static map
 * definition), -ENOMEM; with one log line at BPFX_LOG_ERROR that names the
 * file, the section and what is wrong, e.g.
 *   "prog.o: section 'xdp': size 13 is not a multiple of 8".
 */
#ifndef BPFX_LOADER_ELF_H
#define BPFX_LOADER_ELF_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

struct btf;
struct btf_ext;

/* Object, map and program names the kernel keeps: 15 chars + NUL. */
#define ELF_OBJ_NAME_LEN 16

/* Pinning values of a BTF map definition (libbpf's LIBBPF_PIN_*). */
enum elf_pinning {
	ELF_PIN_NONE = 0,
	ELF_PIN_BY_NAME = 1,
};

/* Where a map comes from. */
enum elf_map_kind {
	ELF_MAP_BTF,      /* SEC(".maps") definition, described by BTF */
	ELF_MAP_LEGACY,   /* SEC("maps") struct bpf_map_def (libbpf 0.x) */
	ELF_MAP_DATA,     /* .data, .data.*: initialised global variables */
	ELF_MAP_RODATA,   /* .rodata, .rodata.*: constants, frozen after init */
	ELF_MAP_BSS,      /* .bss, .bss.*: zeroed global variables */
	ELF_MAP_KCONFIG,  /* the externs of .kconfig, filled by the loader */
};

/* What BPF_MAP_CREATE needs, as the object declares it (no adjustment:
 * e.g. a ringbuf's max_entries is not rounded to the page size here). */
struct elf_map_def {
	uint32_t type;               /* enum bpf_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t numa_node;
	uint64_t map_extra;
	uint32_t pinning;            /* enum elf_pinning */
	uint32_t btf_key_type_id;    /* 0: none */
	uint32_t btf_value_type_id;  /* 0: none; a DATASEC for global data */
};

/* One initial element of a prog array or map-in-map (`__array(values,
 * ...)` initialised with `[slot] = &target`). */
struct elf_map_slot {
	uint32_t slot;               /* key */
	int32_t target;              /* index in obj->progs (prog array) or obj->maps */
};

struct elf_map {
	char *name;                  /* C name for BTF/legacy maps (the kernel keeps
				      * the first 15 chars); for internal maps the
				      * libbpf name, e.g. "myobj.rodata" (<= 15 chars) */
	char *real_name;             /* C name, or the ELF section (".rodata") */
	enum elf_map_kind kind;
	struct elf_map_def def;
	struct elf_map *inner;       /* map-in-map: the inner map template (name
				      * "<name>.inner", kind ELF_MAP_BTF); owned */
	bool frozen;                 /* .rodata, .kconfig: BPF_MAP_FREEZE after init */
	bool internal;               /* global data or .kconfig (kind >= ELF_MAP_DATA) */
	void *data;                  /* initial value of element 0 (def.value_size
				      * bytes) for .data/.rodata; NULL = all zero */
	struct elf_map_slot *slots;  /* initial elements, by slot; NULL if none */
	uint32_t slot_cnt;
	uint32_t sec_off;            /* offset of the definition in its section */
	uint32_t sec_size;           /* its size there (BTF maps: with the slots) */
	uint32_t btf_var_id;         /* BTF maps: its VAR in the .maps DATASEC */
};

/* A data symbol of an allocated, non-code section (global data, map
 * definitions, the license...), for the DATASEC fix-ups done before
 * loading BTF: sizes and offsets come from here. Only symbols that lie
 * inside their section are listed. */
struct elf_var {
	char *name;
	char *sec;                   /* its section's name */
	uint32_t sec_size;           /* and size (off + size <= sec_size) */
	int32_t map;                 /* index in obj->maps of its map (global data:
				      * the section's; .maps: its own), or -1 */
	uint32_t off;                /* byte offset in the section */
	uint32_t size;
	bool global;                 /* STB_GLOBAL or STB_WEAK */
	bool hidden;                 /* STV_HIDDEN or STV_INTERNAL */
};

enum elf_extern_kind {
	ELF_EXT_KCONFIG,             /* extern in .kconfig: a value of the kconfig map */
	ELF_EXT_KSYM,                /* extern in .ksyms: kernel variable or kfunc */
};

struct elf_extern {
	char *name;
	enum elf_extern_kind kind;
	bool is_func;                /* .ksyms function (kfunc) */
	bool is_weak;                /* may stay unresolved (value 0) */
	uint32_t btf_id;             /* its VAR or FUNC in obj->btf */
	uint32_t type_id;            /* variable type (modifiers skipped); 0 = void */
	uint32_t kcfg_off;           /* kconfig: offset in the kconfig map's value */
	uint32_t kcfg_size;          /* kconfig: size in bytes */
	uint32_t kcfg_align;         /* kconfig: alignment in bytes */
};

enum elf_reloc_kind {
	/* lddw: the address of a map; becomes src_reg BPF_PSEUDO_MAP_FD */
	ELF_RELOC_MAP,
	/* lddw: the address of byte `off` of element 0 of a map (global
	 * data, .kconfig); becomes BPF_PSEUDO_MAP_VALUE, imm2 = off */
	ELF_RELOC_MAP_VALUE,
	/* lddw: a .ksyms variable (BPF_PSEUDO_BTF_ID or its address) */
	ELF_RELOC_KSYM,
	/* call: a .ksyms function; becomes BPF_PSEUDO_KFUNC_CALL */
	ELF_RELOC_KFUNC,
};

/* What instruction `insn` of a linked program refers to. The instruction
 * is left as the object has it (imm 0, src_reg 0 for lddw). */
struct elf_reloc {
	uint32_t insn;               /* index in the program's final array */
	enum elf_reloc_kind kind;
	int32_t map;                 /* MAP, MAP_VALUE: index in obj->maps; else -1 */
	uint32_t off;                /* MAP_VALUE: byte offset in the value */
	int32_t ext;                 /* KSYM, KFUNC, and MAP_VALUE of .kconfig:
				      * index in obj->externs; else -1 */
};

/* A function appended to a program by linking. */
struct elf_subprog {
	char *name;
	uint32_t off;                /* first instruction in the final array */
	uint32_t cnt;
};

struct elf_prog {
	char *name;                  /* function name (the kernel keeps 15 chars) */
	char *sec_name;              /* ELF section, without a leading '?' */
	bool autoload;               /* false for SEC("?...") */
	bool global;                 /* STB_GLOBAL (false: static) */
	bool hidden;                 /* STV_HIDDEN/INTERNAL: its BTF FUNC may be
				      * marked static, like libbpf does */
	enum bpf_prog_type type;
	enum bpf_attach_type expected_attach_type;
	uint32_t prog_flags;         /* BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS */
	char *attach_target;         /* what follows "kind/" in the section name
				      * ("syscalls/sys_enter_execve", "do_unlinkat"),
				      * NULL when there is none */
	bool attach_btf;             /* attach_target names a kernel BTF object */

	struct bpf_insn *insns;      /* the program, then its subprograms */
	uint32_t insn_cnt;
	uint32_t own_insn_cnt;       /* instructions of the entry function itself */
	struct elf_subprog *subprogs; /* appended functions, in order */
	uint32_t subprog_cnt;
	struct elf_reloc *relocs;    /* sorted by insn */
	uint32_t reloc_cnt;

	/* From BTF.ext, re-based to insns; NULL/0 when absent. insn_off is
	 * in instructions for func_info and line_info and in bytes for
	 * core_relos, as BPF_PROG_LOAD takes them. CO-RE relocations are
	 * recorded, not resolved. */
	struct bpf_func_info *func_info;
	uint32_t func_info_cnt;
	struct bpf_line_info *line_info;
	uint32_t line_info_cnt;
	struct bpf_core_relo *core_relos;
	uint32_t core_relo_cnt;
};

struct elf_obj {
	char name[ELF_OBJ_NAME_LEN];   /* "xdp_parser" for xdp_parser.bpf.o */
	char *license;                 /* "" when the object has none */
	uint32_t kern_version;         /* "version" section, 0 when absent */
	struct btf *btf;               /* NULL without a .BTF section */
	struct btf_ext *btf_ext;       /* NULL without .BTF.ext */
	struct elf_prog *progs;        /* entry programs, by section then offset */
	uint32_t prog_cnt;
	struct elf_map *maps;          /* legacy, BTF (by offset), data (by section),
					* kconfig */
	uint32_t map_cnt;
	struct elf_extern *externs;    /* kconfig (by alignment, size, name), ksyms */
	uint32_t extern_cnt;
	int32_t kconfig_map;           /* index of the kconfig map, -1 */
	struct elf_var *vars;
	uint32_t var_cnt;
};

/* Parses buf[0..size); obj_name names the object (its first 15 chars are
 * kept, as libbpf's object_name option; NULL: libbpf's "%lx-%lx" of the
 * buffer's address and size) and labels log lines. */
struct elf_obj *elf_obj_open_mem(const void *buf, size_t size, const char *obj_name,
				 const struct log_sink *log, int *err);
/* Reads and parses a file; the object is named after the file as libbpf
 * names it (elf_obj_name_from_path) and log lines start with the path.
 * -ENOENT etc. when the file cannot be read. */
struct elf_obj *elf_obj_open_file(const char *path, const struct log_sink *log, int *err);
/* NULL-safe. */
void elf_obj_free(struct elf_obj *obj);

/* libbpf's object name of a file: the basename up to its first '.',
 * truncated to 15 chars ("/x/xdp_parser.bpf.o" -> "xdp_parser"). */
void elf_obj_name_from_path(const char *path, char name[ELF_OBJ_NAME_LEN]);
/* libbpf's name of the internal map of section sec_name (".rodata",
 * ".data.custom", ".kconfig") in an object named obj_name. */
void elf_internal_map_name(const char *obj_name, const char *sec_name,
			   char name[ELF_OBJ_NAME_LEN]);

/* The object's BTF as BPF_BTF_LOAD wants it (btf_fixup.c): a mem_alloc'd
 * copy with data sections sized and their variables placed, as libbpf
 * fixes it up. obj->btf must not be NULL. 0 or -ENOMEM. */
int elf_btf_for_load(const struct elf_obj *obj, void **blob, size_t *size);

/* Lookups; -1 when absent. */
int elf_obj_find_map(const struct elf_obj *obj, const char *name);
int elf_obj_find_prog(const struct elf_obj *obj, const char *name);

/* ------------------------------------------------------------------ */
/* Section names (sec_names.c)                                          */
/* ------------------------------------------------------------------ */

/* What a program section name says, libbpf's SEC() conventions. */
struct elf_sec_def {
	enum bpf_prog_type type;
	enum bpf_attach_type expected_attach_type;
	uint32_t prog_flags;         /* BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS */
	const char *attach_target;   /* points into the name; NULL when none */
	bool attach_btf;             /* target is a kernel BTF name */
};

/* Looks sec_name up (without a leading '?'). Returns 0, or -ENOENT when
 * no entry of the table matches. */
int elf_sec_def_find(const char *sec_name, struct elf_sec_def *def);

/* bpftool's names: "xdp", "sched_cls"; "lru_hash", "prog_array";
 * "cgroup_inet_ingress". NULL for unknown values. */
const char *elf_prog_type_str(uint32_t type);
const char *elf_map_type_str(uint32_t type);
const char *elf_attach_type_str(uint32_t type);

#endif /* BPFX_LOADER_ELF_H */
