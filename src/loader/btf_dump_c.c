/* SPDX-License-Identifier: MIT */
/*
 * BTF as a C header, the way `bpftool btf dump file X format c` prints it
 * (bpftool 7.1 with the libbpf of Linux 6.1.y: libbpf's btf_dump, with
 * the Dec 2022 alignment and padding fixes, without enum mode()
 * attributes). Runs on validated BTF.
 *
 * For every type id in order, a topological sort (order_type) queues the
 * named definitions the type needs, in an order C accepts: what a
 * definition embeds comes first, what it only points to may be a forward
 * declaration. Then emit_type prints each queued type with the forward
 * declarations it still lacks. Declarators, struct/union/enum bodies and
 * padding are in btf_dump_decl.c.
 *
 * The algorithm is recursive like libbpf's, with a depth limit
 * (CDUMP_MAX_DEPTH) and an output limit so hostile BTF stops with an error
 * instead of exhausting the stack; chains that loop through a FUNC_PROTO
 * (legal BTF that libbpf would follow forever) stop the same way.
 * Known differences from bpftool: none on compiled objects and vmlinux
 * (tests/suites/btf.sh compares them byte for byte). Synthetic BTF that
 * nests deeper than CDUMP_MAX_DEPTH (vmlinux needs 16), loops through a
 * FUNC_PROTO, or asks for more than CDUMP_MAX_OUT of padding stops with
 * -ELOOP or -E2BIG and a truncated header, where libbpf would recurse on,
 * crash, or print gigabytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loader/btf_dump_c.h"
#include "util/alloc.h"

static const char TABS[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t";

const char *btf_cdump_pfx(int lvl)
{
	int n = (int)sizeof(TABS) - 1;
	return lvl >= n ? TABS : &TABS[n - lvl];
}

void btf_cdump_printf(struct cdump *d, const char *fmt, ...)
{
	va_list ap;

	if (d->err)
		return;
	va_start(ap, fmt);
	if (sb_vprintf(d->out, fmt, ap))
		d->err = -ENOMEM;
	va_end(ap);
	if (!d->err && d->out->len > CDUMP_MAX_OUT)
		d->err = -E2BIG;
}

bool btf_cdump_enter(struct cdump *d)
{
	if (d->err)
		return false;
	if (d->depth >= CDUMP_MAX_DEPTH) {
		d->err = -ELOOP;
		return false;
	}
	d->depth++;
	return true;
}

/* ------------------------------------------------------------------ */
/* Names                                                                */
/* ------------------------------------------------------------------ */

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int names_grow(struct cdump_names *m)
{
	uint32_t cap = m->cap ? m->cap * 2 : 256;
	const char **keys = mem_array(cap, sizeof(*keys));
	uint32_t *cnt = mem_array(cap, sizeof(*cnt));

	if (!keys || !cnt) {
		mem_free(keys);
		mem_free(cnt);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < m->cap; i++) {
		uint32_t j;

		if (!m->keys[i])
			continue;
		for (j = str_hash(m->keys[i]) & (cap - 1); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = m->keys[i];
		cnt[j] = m->cnt[i];
	}
	mem_free(m->keys);
	mem_free(m->cnt);
	m->keys = keys;
	m->cnt = cnt;
	m->cap = cap;
	return 0;
}

uint32_t btf_cdump_name_dups(struct cdump *d, struct cdump_names *m, const char *name)
{
	uint32_t j;

	if ((m->used + 1) * 2 > m->cap && names_grow(m)) {
		d->err = -ENOMEM;
		return 1;
	}
	for (j = str_hash(name) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1))
		if (!strcmp(m->keys[j], name))
			return ++m->cnt[j];
	m->keys[j] = name;
	m->used++;
	return m->cnt[j] = 1;
}

/* Forward declarations and enum forward declarations keep their name:
 * they may be repeated. Others take the next number of their name. */
static const char *resolve_name(struct cdump *d, uint32_t id, struct cdump_names *m)
{
	const struct btf_type *t = btf_type_by_id(d->btf, id);
	const char *name = btf_name(d->btf, t->name_off);
	struct cdump_type *s = &d->ts[id];

	if (!t->name_off)
		return "";
	if (!s->dup) {
		if (btf_kind(t) == BTF_KIND_FWD || (btf_kind(t) == BTF_KIND_ENUM && !btf_vlen(t)))
			s->dup = 1;
		else
			s->dup = btf_cdump_name_dups(d, m, name);
	}
	if (s->dup == 1)
		return name;
	snprintf(d->name_buf, sizeof(d->name_buf), "%s___%u", name, s->dup);
	return d->name_buf;
}

const char *btf_cdump_type_name(struct cdump *d, uint32_t id)
{
	return resolve_name(d, id, &d->type_names);
}

const char *btf_cdump_ident_name(struct cdump *d, uint32_t id)
{
	return resolve_name(d, id, &d->ident_names);
}

/* ------------------------------------------------------------------ */
/* Sizes and alignment (libbpf's rules)                                 */
/* ------------------------------------------------------------------ */

/* libbpf's btf__resolve_size: at most 32 steps through modifiers, VARs and
 * arrays; -1 for what has no size. */
int64_t btf_cdump_resolve_size(struct cdump *d, uint32_t id)
{
	uint64_t nelems = 1;
	int64_t size = -1;

	for (int i = 0; i < 32 && id; i++) {
		const struct btf_type *t = btf_type_by_id(d->btf, id);

		switch (btf_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_DATASEC:
		case BTF_KIND_FLOAT:
			size = t->size;
			goto done;
		case BTF_KIND_PTR:
			size = d->ptr_sz;
			goto done;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		case BTF_KIND_ARRAY:
			if (nelems && btf_array(t)->nelems > UINT32_MAX / nelems)
				return -1;
			nelems *= btf_array(t)->nelems;
			id = btf_array(t)->type;
			break;
		default:
			return -1;
		}
	}
done:
	if (size < 0 || (nelems && (uint64_t)size > UINT32_MAX / nelems))
		return -1;
	return (int64_t)(nelems * (uint64_t)size);
}

static int struct_align(struct cdump *d, const struct btf_type *t)
{
	int max_align = 1;

	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		int a = btf_cdump_align_of(d, m->type);

		if (a <= 0)
			return a;
		if (a > max_align)
			max_align = a;
		/* a member off its natural alignment: the struct is packed */
		if (!btf_member_bitfield_size(t, i) && m->offset % (8u * a))
			return 1;
	}
	return t->size % max_align ? 1 : max_align;
}

/* libbpf's btf__align_of, memoized; 0 for kinds without alignment. */
int btf_cdump_align_of(struct cdump *d, uint32_t id)
{
	const struct btf_type *t = btf_type_by_id(d->btf, id);
	struct cdump_type *s = &d->ts[id];
	int a;

	if (s->align)
		return s->align < 0 ? 0 : s->align;
	if (!btf_cdump_enter(d))
		return 1;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		a = (int)(t->size < (uint32_t)d->ptr_sz ? t->size : (uint32_t)d->ptr_sz);
		break;
	case BTF_KIND_PTR:
		a = d->ptr_sz;
		break;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		a = btf_cdump_align_of(d, t->type);
		break;
	case BTF_KIND_ARRAY:
		a = btf_cdump_align_of(d, btf_array(t)->type);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		a = struct_align(d, t);
		break;
	default:
		a = 0;
		break;
	}
	btf_cdump_leave(d);
	if (!d->err)
		s->align = a > 0 ? a : -1;
	return a > 0 ? a : 0;
}

/* ------------------------------------------------------------------ */
/* Ordering                                                             */
/* ------------------------------------------------------------------ */

static int order_type(struct cdump *d, uint32_t id, bool through_ptr);

static void queue_add(struct cdump *d, uint32_t id)
{
	d->queue[d->queue_cnt++] = id;
}

static int order_composite(struct cdump *d, uint32_t id, const struct btf_type *t,
			   bool through_ptr)
{
	/* Only embedded or anonymous (so inline) structs are strong links. */
	if (through_ptr && t->name_off)
		return 0;
	d->ts[id].order = ORDERING;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		int err = order_type(d, btf_members(t)[i].type, false);
		if (err < 0)
			return err;
	}
	if (t->name_off)
		queue_add(d, id);
	d->ts[id].order = ORDERED;
	return 1;
}

static int order_proto(struct cdump *d, const struct btf_type *t, bool through_ptr)
{
	int err = order_type(d, t->type, through_ptr);
	bool strong;

	if (err < 0)
		return err;
	strong = err > 0;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		err = order_type(d, btf_params(t)[i].type, through_ptr);
		if (err < 0)
			return err;
		strong |= err > 0;
	}
	return strong;
}

static int order_kind(struct cdump *d, uint32_t id, const struct btf_type *t, bool through_ptr)
{
	struct cdump_type *s = &d->ts[id];
	int err;

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
		s->order = ORDERED;
		return 0;
	case BTF_KIND_PTR:
		err = order_type(d, t->type, true);
		s->order = ORDERED;
		return err;
	case BTF_KIND_ARRAY:
		return order_type(d, btf_array(t)->type, false);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return order_composite(d, id, t, through_ptr);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
		/* named or top-level anonymous enums are declarations */
		if (t->name_off || !s->referenced)
			queue_add(d, id);
		s->order = ORDERED;
		return 1;
	case BTF_KIND_TYPEDEF:
		err = order_type(d, t->type, through_ptr);
		if (err < 0)
			return err;
		if (through_ptr && !err)
			return 0;
		queue_add(d, id);
		s->order = ORDERED;
		return 1;
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return order_type(d, t->type, through_ptr);
	case BTF_KIND_FUNC_PROTO:
		return order_proto(d, t, through_ptr);
	default:   /* FUNC, VAR, DATASEC, DECL_TAG: nothing to declare */
		s->order = ORDERED;
		return 0;
	}
}

/* 1: id must be fully defined first (strong link); 0: a forward
 * declaration is enough (weak); <0: error. */
static int order_type(struct cdump *d, uint32_t id, bool through_ptr)
{
	const struct btf_type *t = btf_type_by_id(d->btf, id);
	struct cdump_type *s = &d->ts[id];
	int ret;

	if (s->order == ORDERED)
		return 1;
	if (s->order == ORDERING) {
		/* a loop a forward declaration resolves */
		if (btf_is_composite(t) && through_ptr && t->name_off)
			return 0;
		return -ELOOP;
	}
	if (!btf_cdump_enter(d))
		return d->err;
	ret = order_kind(d, id, t, through_ptr);
	btf_cdump_leave(d);
	return d->err ? d->err : ret;
}

/* ------------------------------------------------------------------ */
/* Emission                                                             */
/* ------------------------------------------------------------------ */

/* A compiler built-in: redefining it breaks the header. */
static bool is_blacklisted(struct cdump *d, const struct btf_type *t)
{
	return t->name_off && !strcmp(btf_name(d->btf, t->name_off), "__builtin_va_list");
}

/* GCC's internal Arm SIMD polynomial types, aliased to standard ones. */
static void emit_missing_alias(struct cdump *d, uint32_t id)
{
	static const char *const aliases[][2] = {
		{ "__Poly8_t", "unsigned char" },
		{ "__Poly16_t", "unsigned short" },
		{ "__Poly64_t", "unsigned long long" },
		{ "__Poly128_t", "unsigned __int128" },
	};
	const char *name = btf_cdump_type_name(d, id);

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (!strcmp(name, aliases[i][0])) {
			btf_cdump_printf(d, "typedef %s %s;\n\n", aliases[i][1], name);
			break;
		}
	}
}

/* A type met again while it is being emitted: a forward declaration (or
 * the typedef itself) breaks the loop, unless it is the struct we are in. */
static void emit_again(struct cdump *d, uint32_t id, const struct btf_type *t, uint32_t cont_id)
{
	struct cdump_type *s = &d->ts[id];

	if (s->fwd_emitted)
		return;
	if (btf_is_composite(t)) {
		if (id == cont_id || !t->name_off)
			return;
		btf_cdump_emit_struct_fwd(d, id, t);
		btf_cdump_printf(d, ";\n\n");
		s->fwd_emitted = true;
	} else if (btf_kind(t) == BTF_KIND_TYPEDEF) {
		if (!is_blacklisted(d, t)) {
			btf_cdump_emit_typedef_def(d, id, t, 0);
			btf_cdump_printf(d, ";\n\n");
		}
		s->fwd_emitted = true;
	}
}

static void emit_type(struct cdump *d, uint32_t id, uint32_t cont_id);

static void emit_composite(struct cdump *d, uint32_t id, const struct btf_type *t,
			   uint32_t cont_id)
{
	struct cdump_type *s = &d->ts[id];
	bool top = cont_id == 0;

	s->emit = EMITTING;
	/* A definition (top level, or anonymous so inline) needs what its
	 * members name; otherwise a forward declaration is enough. */
	if (top || !t->name_off) {
		uint32_t cont = t->name_off ? id : cont_id;
		for (uint32_t i = 0; i < btf_vlen(t); i++)
			emit_type(d, btf_members(t)[i].type, cont);
	} else if (!s->fwd_emitted && id != cont_id) {
		btf_cdump_emit_struct_fwd(d, id, t);
		btf_cdump_printf(d, ";\n\n");
		s->fwd_emitted = true;
	}
	if (top) {
		btf_cdump_emit_struct_def(d, id, t, 0);
		btf_cdump_printf(d, ";\n\n");
		s->emit = EMITTED;
	} else {
		s->emit = NOT_EMITTED;
	}
}

static void emit_kind(struct cdump *d, uint32_t id, const struct btf_type *t, uint32_t cont_id)
{
	struct cdump_type *s = &d->ts[id];

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		emit_missing_alias(d, id);
		s->emit = EMITTED;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (!cont_id) {
			btf_cdump_emit_enum_def(d, id, t, 0);
			btf_cdump_printf(d, ";\n\n");
		}
		s->emit = EMITTED;
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		emit_type(d, t->type, cont_id);
		break;
	case BTF_KIND_ARRAY:
		emit_type(d, btf_array(t)->type, cont_id);
		break;
	case BTF_KIND_FWD:
		btf_cdump_emit_fwd_def(d, id, t);
		btf_cdump_printf(d, ";\n\n");
		s->emit = EMITTED;
		break;
	case BTF_KIND_TYPEDEF:
		s->emit = EMITTING;
		emit_type(d, t->type, id);
		/* someone needs it as a forward declaration by now */
		if (!s->fwd_emitted && !is_blacklisted(d, t)) {
			btf_cdump_emit_typedef_def(d, id, t, 0);
			btf_cdump_printf(d, ";\n\n");
		}
		s->emit = EMITTED;
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		emit_composite(d, id, t, cont_id);
		break;
	case BTF_KIND_FUNC_PROTO:
		emit_type(d, t->type, cont_id);
		for (uint32_t i = 0; i < btf_vlen(t); i++)
			emit_type(d, btf_params(t)[i].type, cont_id);
		break;
	default:
		break;
	}
}

/* Prints id's definition if it is top level (cont_id 0), after whatever it
 * needs; inside struct cont_id, only the forward declarations it needs. */
static void emit_type(struct cdump *d, uint32_t id, uint32_t cont_id)
{
	const struct btf_type *t = btf_type_by_id(d->btf, id);
	struct cdump_type *s = &d->ts[id];

	if (s->emit == EMITTED || d->err)
		return;
	if (s->emit == EMITTING) {
		emit_again(d, id, t, cont_id);
		return;
	}
	if (!btf_cdump_enter(d))
		return;
	emit_kind(d, id, t, cont_id);
	btf_cdump_leave(d);
}

/* ------------------------------------------------------------------ */
/* Driver                                                               */
/* ------------------------------------------------------------------ */

static void mark_referenced(struct cdump *d, const struct btf_type *t)
{
	uint32_t vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		d->ts[t->type].referenced = true;
		break;
	case BTF_KIND_ARRAY:
		d->ts[btf_array(t)->index_type].referenced = true;
		d->ts[btf_array(t)->type].referenced = true;
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (uint32_t i = 0; i < vlen; i++)
			d->ts[btf_members(t)[i].type].referenced = true;
		break;
	case BTF_KIND_FUNC_PROTO:   /* the parameters, not the return type */
		for (uint32_t i = 0; i < vlen; i++)
			d->ts[btf_params(t)[i].type].referenced = true;
		break;
	case BTF_KIND_DATASEC:
		for (uint32_t i = 0; i < vlen; i++)
			d->ts[btf_secinfos(t)[i].type].referenced = true;
		break;
	default:
		break;
	}
}

/* libbpf's pointer size: that of an integer named like `long`, else 8. */
static int pointer_size(const struct btf *btf)
{
	static const char *const longs[] = {
		"long", "long int", "int long", "unsigned long", "long unsigned",
		"unsigned long int", "unsigned int long", "long unsigned int",
		"long int unsigned", "int unsigned long", "int long unsigned",
	};

	for (uint32_t id = 1; id < btf_type_cnt(btf); id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);

		if (btf_kind(t) != BTF_KIND_INT || (t->size != 4 && t->size != 8))
			continue;
		for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
			if (!strcmp(btf_name(btf, t->name_off), longs[i]))
				return (int)t->size;
	}
	return 8;
}

static int cdump_init(struct cdump *d, const struct btf *btf, struct strbuf *out)
{
	uint32_t cnt = btf_type_cnt(btf);

	memset(d, 0, sizeof(*d));
	d->btf = btf;
	d->out = out;
	d->ptr_sz = pointer_size(btf);
	d->ts = mem_array(cnt, sizeof(*d->ts));
	d->queue = mem_array(cnt, sizeof(*d->queue));
	if (!d->ts || !d->queue)
		return -ENOMEM;
	d->ts[0].order = ORDERED;   /* void needs nothing */
	d->ts[0].emit = EMITTED;
	for (uint32_t id = 1; id < cnt; id++)
		mark_referenced(d, btf_type_by_id(btf, id));
	return 0;
}

static void cdump_fini(struct cdump *d)
{
	mem_free(d->ts);
	mem_free(d->queue);
	mem_free(d->decls);
	mem_free(d->type_names.keys);
	mem_free(d->type_names.cnt);
	mem_free(d->ident_names.keys);
	mem_free(d->ident_names.cnt);
}

int btf_dump_c(const struct btf *btf, struct strbuf *out)
{
	struct cdump d;
	int err;

	err = cdump_init(&d, btf, out);
	if (err)
		goto out;
	btf_cdump_printf(&d, "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
		     "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push "
		     "(__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n");
	for (uint32_t id = 1; id < btf_type_cnt(btf) && !d.err; id++) {
		d.queue_cnt = 0;
		err = order_type(&d, id, false);
		if (err < 0)
			goto out;
		for (uint32_t i = 0; i < d.queue_cnt; i++)
			emit_type(&d, d.queue[i], 0);
	}
	btf_cdump_printf(&d, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n"
		     "#endif\n\n#endif /* __VMLINUX_H__ */\n");
	err = d.err;
out:
	cdump_fini(&d);
	return err ? err : sb_error(out);
}
