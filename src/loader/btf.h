/* SPDX-License-Identifier: MIT */
/*
 * BTF, the BPF Type Format: parsing, validation and queries (loader module).
 *
 * btf_parse() copies a raw BTF blob (an ELF .BTF section, a file like
 * /sys/kernel/btf/vmlinux, what BPF_BTF_LOAD receives) and validates all of
 * it before returning: header, string section, every type record with its
 * kind-specific rules, every type reference, and reference cycles. After
 * that, every query below may trust the data: type ids inside records are
 * in range, name offsets point into the string section, and chains of
 * typedefs/modifiers end. The rules are the kernel's (kernel/bpf/btf.c),
 * relaxed where clang's output for an object file legitimately differs
 * from what the kernel is finally given (see the comment at the top of
 * btf_meta.c). A `struct btf` is immutable after parsing and may be read
 * from any number of threads.
 *
 * BTF.ext (btf_ext_parse) is the companion section of an object file:
 * per ELF section, the func_info, line_info and CO-RE relocation records.
 *
 * The dumps (btf_dump_raw/json/c) print what `bpftool btf dump file X
 * format raw|c` and `bpftool -j btf dump ...` print (bpftool 7.1).
 *
 * Errors follow DESIGN: pointer-returning functions store a negative errno
 * in *err and return NULL; ints return 0 or -errno. Every rejection logs one
 * line that names the type id and what is wrong.
 */
#ifndef BPFX_LOADER_BTF_H
#define BPFX_LOADER_BTF_H

#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

struct btf;
struct btf_ext;
struct strbuf;

/* ------------------------------------------------------------------ */
/* Parsing                                                              */
/* ------------------------------------------------------------------ */

/* Copies data[0..size) and validates it. Returns the parsed BTF, or NULL
 * with *err = -EINVAL (the reason goes to log) or -ENOMEM. */
struct btf *btf_parse(const void *data, size_t size, const struct log_sink *log, int *err);
/* NULL-safe. */
void btf_free(struct btf *btf);

/* The parsed BTF inside the public wrapper (bpfx_btf__parse_file...). */
struct bpfx_btf;
const struct btf *btf_of_public(const struct bpfx_btf *b);

/* The blob as given to btf_parse (the BTF's own copy). */
const void *btf_raw_data(const struct btf *btf, size_t *size);

/* The kernel's BTF_LOAD log (btf_log.c): the header fields of a blob of
 * `size` bytes (nothing when it is shorter than a header), and, for a
 * parsed BTF, the header and one entry per type, as the kernel writes
 * them at log level 1 - up to type bad_id, when not 0, whose line ends
 * with `msg` instead (the kernel's log of a rejected blob). */
void btf_log_header(const void *data, size_t size, struct strbuf *sb);
void btf_log_types(const struct btf *btf, uint32_t bad_id, const char *msg, struct strbuf *sb);

/* A value of type `type_id` held in data[0..size), as compact JSON
 * appended to sb, formatted like bpftool's map dumps (btf_data.c); plain:
 * the variant of `map dump` without -j. -EINVAL when the data is too
 * short for the type or the type has no format (nothing is appended). */
int btf_dump_data(const struct btf *btf, uint32_t type_id, const void *data, size_t size,
		  bool plain, struct strbuf *sb);

/* What BPF_BTF_LOAD refuses beyond btf_parse's rules (extern linkage,
 * unsized or non-variable data sections: fine in an object file, fixed
 * by a loader): the first offending type id and the kernel's complaint in
 * *msg, or 0. */
uint32_t btf_check_loadable(const struct btf *btf, const char **msg);

/* ------------------------------------------------------------------ */
/* Queries                                                              */
/* ------------------------------------------------------------------ */

/* Number of type ids, including void (id 0): valid ids are 0..cnt-1. */
uint32_t btf_type_cnt(const struct btf *btf);
/* The type record, or NULL when id is out of range. Id 0 (void) returns an
 * all-zero record (kind 0, "UNKNOWN"). */
const struct btf_type *btf_type_by_id(const struct btf *btf, uint32_t id);
/* The string at name_off ("" for 0), or NULL when out of range. */
const char *btf_name(const struct btf *btf, uint32_t name_off);
/* The kind's name as bpftool prints it: "INT", "STRUCT", ...; "UNKNOWN"
 * for 0 and out-of-range kinds. */
const char *btf_kind_str(int kind);

/* Skips typedef, const, volatile, restrict and type tags. */
uint32_t btf_skip_modifiers(const struct btf *btf, uint32_t id);
/* The size in bytes of an object of type id: through modifiers and VARs,
 * arrays (nelems * elem), pointers (8), and the sized kinds (INT, ENUM,
 * ENUM64, STRUCT, UNION, FLOAT, DATASEC). -EINVAL for void, FWD, FUNC,
 * FUNC_PROTO, DECL_TAG and out-of-range ids. */
int btf_resolve_size(const struct btf *btf, uint32_t id, uint64_t *size);
/* The first type of that kind and name (linear scan), or -ENOENT. */
int32_t btf_find_by_name_kind(const struct btf *btf, const char *name, int kind);

static inline int btf_kind(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}

static inline uint32_t btf_vlen(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}

static inline bool btf_kflag(const struct btf_type *t)
{
	return BTF_INFO_KFLAG(t->info);
}

static inline bool btf_is_modifier(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

static inline bool btf_is_composite(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION;
}

/* The data following a record, by kind (the caller knows the kind). */
static inline uint32_t btf_int_data(const struct btf_type *t)
{
	return *(const uint32_t *)(t + 1);
}

static inline const struct btf_array *btf_array(const struct btf_type *t)
{
	return (const struct btf_array *)(t + 1);
}

static inline const struct btf_member *btf_members(const struct btf_type *t)
{
	return (const struct btf_member *)(t + 1);
}

static inline const struct btf_enum *btf_enums(const struct btf_type *t)
{
	return (const struct btf_enum *)(t + 1);
}

static inline const struct btf_enum64 *btf_enums64(const struct btf_type *t)
{
	return (const struct btf_enum64 *)(t + 1);
}

static inline const struct btf_param *btf_params(const struct btf_type *t)
{
	return (const struct btf_param *)(t + 1);
}

static inline const struct btf_var *btf_var(const struct btf_type *t)
{
	return (const struct btf_var *)(t + 1);
}

static inline const struct btf_var_secinfo *btf_secinfos(const struct btf_type *t)
{
	return (const struct btf_var_secinfo *)(t + 1);
}

static inline const struct btf_decl_tag *btf_decl_tag(const struct btf_type *t)
{
	return (const struct btf_decl_tag *)(t + 1);
}

static inline uint64_t btf_enum64_value(const struct btf_enum64 *e)
{
	return (uint64_t)e->val_hi32 << 32 | e->val_lo32;
}

/* Member i of a STRUCT/UNION: its bit offset and bitfield size (0 when it
 * is not a bitfield, or when the record has no kind_flag). */
static inline uint32_t btf_member_bit_offset(const struct btf_type *t, uint32_t i)
{
	uint32_t off = btf_members(t)[i].offset;
	return btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(off) : off;
}

static inline uint32_t btf_member_bitfield_size(const struct btf_type *t, uint32_t i)
{
	uint32_t off = btf_members(t)[i].offset;
	return btf_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(off) : 0;
}

/* ------------------------------------------------------------------ */
/* BTF.ext                                                              */
/* ------------------------------------------------------------------ */

/* One kind of records of one ELF section: `cnt` records of `rec_size`
 * bytes (at least the UAPI struct size, a multiple of 4) from `recs`. The
 * leading fields are the UAPI struct (bpf_func_info, bpf_line_info,
 * bpf_core_relo); insn_off is in bytes, as in an object file. */
struct btf_ext_info {
	const void *recs;          /* NULL when cnt is 0 */
	uint32_t cnt;
	uint32_t rec_size;
};

struct btf_ext_sec {
	const char *name;          /* ELF section name, e.g. "xdp" */
	struct btf_ext_info func_info;
	struct btf_ext_info line_info;
	struct btf_ext_info core_relo;
};

/* Copies and validates data[0..size) against btf (whose strings the
 * records name; btf must outlive the result). NULL and *err = -EINVAL
 * (reason logged) or -ENOMEM. */
struct btf_ext *btf_ext_parse(const void *data, size_t size, const struct btf *btf,
			      const struct log_sink *log, int *err);
void btf_ext_free(struct btf_ext *ext);

/* Sections in order of first appearance (func_info, then line_info, then
 * core_relo subsections). */
int btf_ext_sec_cnt(const struct btf_ext *ext);
const struct btf_ext_sec *btf_ext_sec(const struct btf_ext *ext, int idx);
/* NULL when the section has no records. */
const struct btf_ext_sec *btf_ext_find_sec(const struct btf_ext *ext, const char *name);

static inline const struct bpf_func_info *btf_ext_func_info(const struct btf_ext_info *i,
							    uint32_t n)
{
	return (const struct bpf_func_info *)((const char *)i->recs + (size_t)n * i->rec_size);
}

static inline const struct bpf_line_info *btf_ext_line_info(const struct btf_ext_info *i,
							    uint32_t n)
{
	return (const struct bpf_line_info *)((const char *)i->recs + (size_t)n * i->rec_size);
}

static inline const struct bpf_core_relo *btf_ext_core_relo(const struct btf_ext_info *i,
							    uint32_t n)
{
	return (const struct bpf_core_relo *)((const char *)i->recs + (size_t)n * i->rec_size);
}

/* ------------------------------------------------------------------ */
/* Dumps, in bpftool 7.1's formats                                      */
/* ------------------------------------------------------------------ */

/* `bpftool btf dump file X format raw`: one "[id] KIND 'name' ..." line
 * (plus indented member lines) per type, ids 1..cnt-1. */
int btf_dump_raw(const struct btf *btf, struct strbuf *out);
/* One type of it, with its trailing newline (bpftool's root_id form). */
int btf_dump_raw_type(const struct btf *btf, uint32_t id, struct strbuf *out);
/* `bpftool -j btf dump file X`: {"types":[{...},...]} plus a newline. */
int btf_dump_json(const struct btf *btf, struct strbuf *out);
/* `bpftool btf dump file X format c`: the vmlinux.h-style header.
 * -ELOOP when types nest deeper than the dumper follows (256 levels) or
 * a declarator loops through a FUNC_PROTO, -E2BIG past 32 MiB of output
 * (absurd struct sizes): synthetic BTF only; the output is then
 * incomplete. */
int btf_dump_c(const struct btf *btf, struct strbuf *out);

#endif /* BPFX_LOADER_BTF_H */
