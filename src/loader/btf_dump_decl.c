/* SPDX-License-Identifier: MIT */
/*
 * The C dumper's declarations (see btf_dump_c.c): a type chain written as
 * a C declarator (`const int * const *(*name[4])(void)`), struct/union
 * bodies with the explicit padding that keeps their layout, enum bodies,
 * forward declarations and typedefs, byte for byte as libbpf's btf_dump
 * prints them (Linux 6.1.y).
 *
 * A declarator is built from a stack of the types on its chain: the chain
 * is pushed from the outermost type (the member's or typedef's type) down
 * to the base type (int, struct, typedef...), then popped: the base type
 * first, then pointers, qualifiers, arrays and function prototypes in the
 * order C syntax wants them. Chains nest (a prototype's parameters, an
 * anonymous struct's members) on the same shared stack, each on its own
 * frame of it (struct decl_view). Runs on validated BTF; a chain longer
 * than the number of types loops (through a FUNC_PROTO) and stops the dump.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader/btf_dump_c.h"
#include "util/alloc.h"

/* One chain's frame of the shared stack d->decls. */
struct decl_view {
	uint32_t start;            /* first entry of the frame */
	uint32_t cnt;              /* entries left in the frame */
};

static uint32_t view_top(const struct cdump *d, const struct decl_view *v)
{
	return d->decls[v->start + v->cnt - 1];
}

static int push_decl(struct cdump *d, uint32_t id)
{
	if (d->decl_cnt == d->decl_cap) {
		uint32_t cap = d->decl_cap ? d->decl_cap * 2 : 64;
		uint32_t *n = mem_realloc(d->decls, (size_t)cap * sizeof(*n));

		if (!n) {
			d->err = -ENOMEM;
			return d->err;
		}
		d->decls = n;
		d->decl_cap = cap;
	}
	d->decls[d->decl_cnt++] = id;
	return 0;
}

static bool is_qualifier(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

/* Qualifiers right above a base type are written before it. */
static void emit_mods(struct cdump *d, struct decl_view *v)
{
	while (v->cnt) {
		const struct btf_type *t = btf_type_by_id(d->btf, view_top(d, v));

		switch (btf_kind(t)) {
		case BTF_KIND_VOLATILE: btf_cdump_printf(d, "volatile "); break;
		case BTF_KIND_CONST: btf_cdump_printf(d, "const "); break;
		case BTF_KIND_RESTRICT: btf_cdump_printf(d, "restrict "); break;
		default: return;
		}
		v->cnt--;
	}
}

/* Qualifiers of arrays and functions mean nothing in C: dropped. */
static void drop_mods(struct cdump *d, struct decl_view *v)
{
	while (v->cnt && is_qualifier(btf_type_by_id(d->btf, view_top(d, v))))
		v->cnt--;
}

static void emit_name(struct cdump *d, const char *name, bool last_was_ptr)
{
	btf_cdump_printf(d, "%s%s", name[0] && !last_was_ptr ? " " : "", name);
}

static void emit_chain(struct cdump *d, struct decl_view *v, const char *fname, int lvl);

static void emit_array(struct cdump *d, struct decl_view *v, const struct btf_type *t,
		       const char *fname, int lvl, bool last_was_ptr)
{
	bool multidim;

	drop_mods(d, v);
	if (!v->cnt) {
		emit_name(d, fname, last_was_ptr);
		btf_cdump_printf(d, "[%u]", btf_array(t)->nelems);
		return;
	}
	multidim = btf_kind(btf_type_by_id(d->btf, view_top(d, v))) == BTF_KIND_ARRAY;
	if (fname[0] && !last_was_ptr)
		btf_cdump_printf(d, " ");
	if (!multidim)
		btf_cdump_printf(d, "(");
	emit_chain(d, v, fname, lvl);
	if (!multidim)
		btf_cdump_printf(d, ")");
	btf_cdump_printf(d, "[%u]", btf_array(t)->nelems);
}

static void emit_proto(struct cdump *d, struct decl_view *v, const struct btf_type *t,
		       const char *fname, int lvl, bool last_was_ptr)
{
	const struct btf_param *p = btf_params(t);
	uint32_t vlen = btf_vlen(t);

	drop_mods(d, v);
	if (v->cnt) {
		btf_cdump_printf(d, " (");
		emit_chain(d, v, fname, lvl);
		btf_cdump_printf(d, ")");
	} else {
		emit_name(d, fname, last_was_ptr);
	}
	btf_cdump_printf(d, "(");
	/* no params, or clang's lone void param: (void) */
	if (!vlen || (vlen == 1 && !p[0].type)) {
		btf_cdump_printf(d, "void)");
		return;
	}
	for (uint32_t i = 0; i < vlen && !d->err; i++) {
		if (i)
			btf_cdump_printf(d, ", ");
		if (i == vlen - 1 && !p[i].type) {
			btf_cdump_printf(d, "...");
			break;
		}
		btf_cdump_emit_type_decl(d, p[i].type, btf_name(d->btf, p[i].name_off), lvl);
	}
	btf_cdump_printf(d, ")");
}

/* Pops the frame: the base type, then the declarator around fname. */
static void emit_chain_body(struct cdump *d, struct decl_view *v, const char *fname, int lvl)
{
	bool last_was_ptr = true;

	while (v->cnt && !d->err) {
		uint32_t id = d->decls[v->start + --v->cnt];
		const struct btf_type *t = btf_type_by_id(d->btf, id);
		int kind = btf_kind(t);

		if (!id) {
			emit_mods(d, v);
			btf_cdump_printf(d, "void");
			last_was_ptr = false;
			continue;
		}
		switch (kind) {
		case BTF_KIND_INT:
		case BTF_KIND_FLOAT:
			emit_mods(d, v);
			btf_cdump_printf(d, "%s", btf_name(d->btf, t->name_off));
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			emit_mods(d, v);
			if (!t->name_off)
				btf_cdump_emit_struct_def(d, id, t, lvl);
			else
				btf_cdump_emit_struct_fwd(d, id, t);
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			emit_mods(d, v);
			if (!t->name_off)
				btf_cdump_emit_enum_def(d, id, t, lvl);
			else
				btf_cdump_printf(d, "enum %s", btf_cdump_type_name(d, id));
			break;
		case BTF_KIND_FWD:
			emit_mods(d, v);
			btf_cdump_emit_fwd_def(d, id, t);
			break;
		case BTF_KIND_TYPEDEF:
			emit_mods(d, v);
			btf_cdump_printf(d, "%s", btf_cdump_ident_name(d, id));
			break;
		case BTF_KIND_PTR:
			btf_cdump_printf(d, "%s", last_was_ptr ? "*" : " *");
			break;
		case BTF_KIND_VOLATILE:
			btf_cdump_printf(d, " volatile");
			break;
		case BTF_KIND_CONST:
			btf_cdump_printf(d, " const");
			break;
		case BTF_KIND_RESTRICT:
			btf_cdump_printf(d, " restrict");
			break;
		case BTF_KIND_TYPE_TAG:
			emit_mods(d, v);
			btf_cdump_printf(d, " __attribute__((btf_type_tag(\"%s\")))",
				     btf_name(d->btf, t->name_off));
			break;
		case BTF_KIND_ARRAY:
			emit_array(d, v, t, fname, lvl, last_was_ptr);
			return;
		case BTF_KIND_FUNC_PROTO:
			emit_proto(d, v, t, fname, lvl, last_was_ptr);
			return;
		default:
			return;
		}
		last_was_ptr = kind == BTF_KIND_PTR;
	}
	emit_name(d, fname, last_was_ptr);
}

static void emit_chain(struct cdump *d, struct decl_view *v, const char *fname, int lvl)
{
	if (!btf_cdump_enter(d))
		return;
	emit_chain_body(d, v, fname, lvl);
	btf_cdump_leave(d);
}

void btf_cdump_emit_type_decl(struct cdump *d, uint32_t id, const char *fname, int lvl)
{
	struct decl_view v = { .start = d->decl_cnt };
	bool done = false;

	/* Push from the outer type down to the base type. */
	while (!done && !d->err) {
		const struct btf_type *t = btf_type_by_id(d->btf, id);

		if (push_decl(d, id))
			break;
		if (d->decl_cnt - v.start > btf_type_cnt(d->btf)) {
			d->err = -ELOOP;   /* the chain loops through a FUNC_PROTO */
			break;
		}
		if (!id)
			break;
		switch (btf_kind(t)) {
		case BTF_KIND_PTR:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_FUNC_PROTO:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		case BTF_KIND_ARRAY:
			id = btf_array(t)->type;
			break;
		default:
			done = true;
			break;
		}
	}
	if (!d->err) {
		v.cnt = d->decl_cnt - v.start;
		emit_chain(d, &v, fname, lvl);
	}
	d->decl_cnt = v.start;
}

/* ------------------------------------------------------------------ */
/* Definitions                                                          */
/* ------------------------------------------------------------------ */

void btf_cdump_emit_struct_fwd(struct cdump *d, uint32_t id, const struct btf_type *t)
{
	btf_cdump_printf(d, "%s%s", btf_kind(t) == BTF_KIND_STRUCT ? "struct" : "union",
		     t->name_off ? " " : "");
	btf_cdump_printf(d, "%s", btf_cdump_type_name(d, id));
}

void btf_cdump_emit_fwd_def(struct cdump *d, uint32_t id, const struct btf_type *t)
{
	const char *name = btf_cdump_type_name(d, id);

	btf_cdump_printf(d, "%s %s", btf_kflag(t) ? "union" : "struct", name);
}

void btf_cdump_emit_typedef_def(struct cdump *d, uint32_t id, const struct btf_type *t, int lvl)
{
	const char *name = btf_cdump_ident_name(d, id);
	char copy[sizeof(d->name_buf)];

	/* old GCC: a __gnuc_va_list typedef of void */
	if (!t->type && !strcmp(name, "__gnuc_va_list")) {
		btf_cdump_printf(d, "typedef __builtin_va_list __gnuc_va_list");
		return;
	}
	/* the name may live in d->name_buf, which the declarator reuses */
	snprintf(copy, sizeof(copy), "%s", name);
	btf_cdump_printf(d, "typedef ");
	btf_cdump_emit_type_decl(d, t->type, copy, lvl);
}

void btf_cdump_emit_enum_def(struct cdump *d, uint32_t id, const struct btf_type *t, int lvl)
{
	bool is64 = btf_kind(t) == BTF_KIND_ENUM64, sgn = btf_kflag(t);
	uint32_t vlen = btf_vlen(t);

	btf_cdump_printf(d, "enum%s", t->name_off ? " " : "");
	btf_cdump_printf(d, "%s", btf_cdump_type_name(d, id));
	if (!vlen)
		return;
	btf_cdump_printf(d, " {");
	for (uint32_t i = 0; i < vlen; i++) {
		uint32_t noff = is64 ? btf_enums64(t)[i].name_off : btf_enums(t)[i].name_off;
		const char *name = btf_name(d->btf, noff);
		uint32_t dup = btf_cdump_name_dups(d, &d->ident_names, name);
		uint64_t v64 = is64 ? btf_enum64_value(&btf_enums64(t)[i]) : 0;
		int32_t v32 = is64 ? 0 : btf_enums(t)[i].val;

		/* enumerators share the namespace of typedef names */
		btf_cdump_printf(d, "\n%s%s", btf_cdump_pfx(lvl + 1), name);
		if (dup > 1)
			btf_cdump_printf(d, "___%u", dup);
		if (is64)
			btf_cdump_printf(d, sgn ? " = %lldLL," : " = %lluULL,",
					 (unsigned long long)v64);
		else
			btf_cdump_printf(d, sgn ? " = %d," : " = %u,", v32);
	}
	btf_cdump_printf(d, "\n%s}", btf_cdump_pfx(lvl));
}

/* A struct is packed when a non-bitfield member is off its natural
 * alignment or its size is not a multiple of the largest one. */
static bool struct_is_packed(struct cdump *d, const struct btf_type *t)
{
	int max_align = 1;

	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		int a = btf_cdump_align_of(d, m->type);

		if (a && !btf_member_bitfield_size(t, i) && m->offset % (8u * a))
			return true;
		if (a > max_align)
			max_align = a;
	}
	return t->size % max_align != 0;
}

static int64_t roundup64(int64_t x, int64_t y)
{
	return (x + y - 1) / y * y;
}

/* Fills bits [cur, next) with unnamed bitfields, relying on the natural
 * alignment of `long`, `int`, `short` or `char` where the compiler would
 * pad anyway; `type: 0` forces alignment where it would not. */
static void emit_padding(struct cdump *d, int64_t cur, int64_t next, int next_align,
			 bool in_bitfield, int lvl)
{
	const struct { const char *name; int bits; } pads[] = {
		{ "long", d->ptr_sz * 8 }, { "int", 32 }, { "short", 16 }, { "char", 8 },
	};
	int64_t new_off = 0;
	int pad_bits = 0, i;
	const char *pad_type = NULL;

	if (cur >= next)
		return;
	if (next_align <= 0)
		next_align = 1;
	for (i = 0; i < 4; i++) {
		pad_bits = pads[i].bits;
		pad_type = pads[i].name;
		new_off = roundup64(cur, pad_bits);
		if (new_off <= next)
			break;
	}
	if (new_off > cur && new_off <= next) {
		if (in_bitfield || (new_off == next && roundup64(cur, next_align * 8) != new_off) ||
		    (new_off != next && next - new_off <= new_off - cur))
			btf_cdump_printf(d, "\n%s%s: %d;", btf_cdump_pfx(lvl), pad_type,
				     in_bitfield ? (int)(new_off - cur) : 0);
		cur = new_off;
	}
	while (cur != next && !d->err) {
		int64_t bits = next - cur < pad_bits ? next - cur : pad_bits;

		if (bits == pad_bits) {
			btf_cdump_printf(d, "\n%s%s: %d;", btf_cdump_pfx(lvl), pad_type, pad_bits);
			cur += bits;
			continue;
		}
		/* the remainder with the smallest type that holds it */
		for (i = 3; i >= 0; i--) {
			if (pads[i].bits < bits)
				continue;
			btf_cdump_printf(d, "\n%s%s: %d;", btf_cdump_pfx(lvl), pads[i].name,
					 (int)bits);
			cur += bits;
			break;
		}
	}
}

void btf_cdump_emit_struct_def(struct cdump *d, uint32_t id, const struct btf_type *t, int lvl)
{
	bool is_struct = btf_kind(t) == BTF_KIND_STRUCT, packed, prev_bitfield = false;
	int align = btf_cdump_align_of(d, id);
	uint32_t vlen = btf_vlen(t);
	int64_t off = 0;

	if (!btf_cdump_enter(d))
		return;
	packed = is_struct && struct_is_packed(d, t);
	btf_cdump_printf(d, "%s%s", is_struct ? "struct" : "union", t->name_off ? " " : "");
	btf_cdump_printf(d, "%s {", btf_cdump_type_name(d, id));
	for (uint32_t i = 0; i < vlen && !d->err; i++) {
		const struct btf_member *m = &btf_members(t)[i];
		int64_t m_off = btf_member_bit_offset(t, i), m_sz = btf_member_bitfield_size(t, i);
		int m_align = packed ? 1 : btf_cdump_align_of(d, m->type);

		emit_padding(d, off, m_off, m_align, prev_bitfield && m_sz, lvl + 1);
		btf_cdump_printf(d, "\n%s", btf_cdump_pfx(lvl + 1));
		btf_cdump_emit_type_decl(d, m->type, btf_name(d->btf, m->name_off), lvl + 1);
		if (m_sz) {
			btf_cdump_printf(d, ": %d", (int)m_sz);
			off = m_off + m_sz;
			prev_bitfield = true;
		} else {
			m_sz = btf_cdump_resolve_size(d, m->type);
			off = m_off + (m_sz > 0 ? m_sz : 0) * 8;
			prev_bitfield = false;
		}
		btf_cdump_printf(d, ";");
	}
	if (is_struct)
		emit_padding(d, off, (int64_t)t->size * 8, align, false, lvl + 1);
	/* `struct empty {}` stays on one line */
	if (vlen || t->size)
		btf_cdump_printf(d, "\n%s}", btf_cdump_pfx(lvl));
	else
		btf_cdump_printf(d, "}");
	if (packed)
		btf_cdump_printf(d, " __attribute__((packed))");
	btf_cdump_leave(d);
}
