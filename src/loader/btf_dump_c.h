/* SPDX-License-Identifier: MIT */
/*
 * Shared state of the C dumper (btf_dump_c.c: ordering, emission, driver;
 * btf_dump_decl.c: declarations, struct/enum bodies, padding). Lives for
 * one btf_dump_c() call.
 */
#ifndef BPFX_LOADER_BTF_DUMP_C_H
#define BPFX_LOADER_BTF_DUMP_C_H

#include "loader/btf.h"
#include "util/strbuf.h"

/* Deeper nesting than this (types inside types, declarators inside
 * declarators) stops the dump with -ELOOP: only hostile BTF gets there
 * (vmlinux nests < 20), and it keeps the C stack bounded. */
#define CDUMP_MAX_DEPTH 256
/* A dump bigger than this stops with -E2BIG: hostile struct sizes ask for
 * gigabytes of padding lines (vmlinux.h is under 3 MiB). */
#define CDUMP_MAX_OUT (32u << 20)

enum { NOT_ORDERED, ORDERING, ORDERED };
enum { NOT_EMITTED, EMITTING, EMITTED };

struct cdump_type {
	uint8_t order;             /* topological sort state */
	uint8_t emit;              /* emission state */
	bool fwd_emitted;          /* forward declaration (or typedef) printed */
	bool referenced;           /* some other type names it */
	uint32_t dup;              /* 0: name not resolved yet; n: n-th of its name */
	int32_t align;             /* 0: not computed yet; -1: none; else bytes */
};

/* Counts of names seen, keyed by the BTF's own strings. */
struct cdump_names {
	const char **keys;
	uint32_t *cnt;
	uint32_t cap, used;
};

struct cdump {
	const struct btf *btf;
	struct strbuf *out;
	struct cdump_type *ts;     /* per type id */
	uint32_t *queue;           /* ids to emit for the current root */
	uint32_t queue_cnt;
	uint32_t *decls;           /* shared stack of declarator chains */
	uint32_t decl_cnt, decl_cap;
	struct cdump_names type_names;  /* struct/union/enum tags */
	struct cdump_names ident_names; /* typedefs and enumerators */
	int ptr_sz;
	int depth;
	int err;                   /* sticky: -ENOMEM, -ELOOP, -E2BIG */
	char name_buf[256];
};

/* Depth accounting for recursive emitters; false when the dump must stop. */
bool btf_cdump_enter(struct cdump *d);
static inline void btf_cdump_leave(struct cdump *d)
{
	d->depth--;
}

void btf_cdump_printf(struct cdump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Indentation for nesting level lvl (at most 13 tabs, like libbpf). */
const char *btf_cdump_pfx(int lvl);

/* Names as printed: struct/union/enum tags and typedef names, with a
 * ___N suffix for the N-th distinct type of the same name. */
const char *btf_cdump_type_name(struct cdump *d, uint32_t id);
const char *btf_cdump_ident_name(struct cdump *d, uint32_t id);
/* Counts one more occurrence of name; returns the new count. */
uint32_t btf_cdump_name_dups(struct cdump *d, struct cdump_names *m, const char *name);

/* libbpf's btf__align_of and btf__resolve_size (pointer size ptr_sz). */
int btf_cdump_align_of(struct cdump *d, uint32_t id);
int64_t btf_cdump_resolve_size(struct cdump *d, uint32_t id);

/* btf_dump_decl.c */
void btf_cdump_emit_type_decl(struct cdump *d, uint32_t id, const char *fname, int lvl);
void btf_cdump_emit_struct_fwd(struct cdump *d, uint32_t id, const struct btf_type *t);
void btf_cdump_emit_struct_def(struct cdump *d, uint32_t id, const struct btf_type *t, int lvl);
void btf_cdump_emit_enum_def(struct cdump *d, uint32_t id, const struct btf_type *t, int lvl);
void btf_cdump_emit_fwd_def(struct cdump *d, uint32_t id, const struct btf_type *t);
void btf_cdump_emit_typedef_def(struct cdump *d, uint32_t id, const struct btf_type *t, int lvl);

#endif /* BPFX_LOADER_BTF_DUMP_C_H */
