/* SPDX-License-Identifier: MIT */
/*
 * Internals of the BTF parser shared by btf.c (header, strings, record
 * index, queries), btf_meta.c (per-record rules) and btf_resolve.c
 * (references, cycles, sizes). Not for other modules: use btf.h.
 */
#ifndef BPFX_LOADER_BTF_PRIV_H
#define BPFX_LOADER_BTF_PRIV_H

#include "loader/btf.h"

struct btf {
	uint8_t *data;             /* owned copy of the blob (malloc-aligned) */
	size_t size;
	struct btf_header hdr;     /* its first 24 bytes */
	const uint8_t *types;      /* type section, 4-byte aligned, in data */
	const char *strs;          /* string section, in data */
	uint32_t type_cnt;         /* ids 0..type_cnt-1 (0 is void) */
	uint32_t *offs;            /* offs[id]: offset of record id in types */
	uint32_t *resolved;        /* resolved[id]: id after btf_skip_modifiers */
	uint32_t *arr_size;        /* arr_size[id]: byte size of ARRAY id, else 0 */
};

/* The kernel's limit on identifier length (KSYM_NAME_LEN). */
#define BTF_NAME_MAX 512

/* Name rules of kernel/bpf/btf.c: a C identifier (letters, digits, '_',
 * also '.'), and a section name (printable, non-empty). Assume the offset
 * is inside the string section (checked first). */
bool btf_name_is_ident(const struct btf *btf, uint32_t off);
bool btf_name_is_section(const struct btf *btf, uint32_t off);
static inline bool btf_str_ok(const struct btf *btf, uint32_t off)
{
	return off < btf->hdr.str_len;
}

/* Extra bytes after the btf_type of a record of that kind and vlen. */
uint64_t btf_meta_size(int kind, uint32_t vlen);

/* Pass 2, once every record is indexed: the rules of each record alone
 * and the ranges (not yet the kinds) of the ids it names (btf_meta.c). */
int btf_check_records(const struct btf *btf, const struct log_sink *log);
/* Pass 3: kinds of referenced types, cycles, resolution of modifier
 * chains and array sizes, member layout (btf_resolve.c). Fills resolved
 * and arr_size. */
int btf_check_refs(struct btf *btf, const struct log_sink *log);

#endif /* BPFX_LOADER_BTF_PRIV_H */
