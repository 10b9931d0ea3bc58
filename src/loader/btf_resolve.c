/* SPDX-License-Identifier: MIT */
/*
 * Pass 3 of btf_parse(): what records mean together. Runs after pass 2, so
 * every id a record holds is in range. In order:
 *   1. the kinds a reference may name (a FUNC names a FUNC_PROTO, a DATASEC
 *      lists VARs, nothing but a DATASEC names a VAR, ...);
 *   2. reference cycles, rejected where the kernel rejects them: a loop of
 *      pointers/typedefs/modifiers alone, or a struct/union/array that
 *      contains itself through typedefs/modifiers/arrays. A loop through a
 *      pointer *and* a struct/union/array, or through a FUNC_PROTO, is the
 *      normal `struct list { struct list *next; }` and is fine;
 *   3. resolved[]: each id with its typedefs/modifiers skipped;
 *   4. arr_size[]: array sizes (element types sized, index types plain ints,
 *      no overflow of 32 bits);
 *   5. the rules that need sizes: members inside their struct (the kernel's
 *      check_member rules), prototypes, variables, section layouts, tags.
 * Everything is iterative with explicit stacks of at most type_cnt entries,
 * so hostile chains and graphs cost linear time and memory.
 *
 * Kernel differences: no limit on the depth of a reference chain (the
 * kernel stops at 32, libbpf has none; a long legal chain is accepted);
 * and the order of type tags among modifiers is not checked.
 */
#include <errno.h>
#include <string.h>

#include "loader/btf_priv.h"
#include "util/alloc.h"

#define BAD(...)                                                \
	do {                                                    \
		log_msg(log, BPFX_LOG_ERROR, __VA_ARGS__);     \
		return -EINVAL;                                 \
	} while (0)

/* Scratch for the passes below: each array has type_cnt entries. */
struct scratch {
	uint32_t *stack;
	uint32_t *edge;
	uint8_t *mark;
};

static const struct btf_type *type_at(const struct btf *btf, uint32_t id)
{
	return btf_type_by_id(btf, id);
}

static const char *kind_of(const struct btf *btf, uint32_t id)
{
	return id ? btf_kind_str(btf_kind(type_at(btf, id))) : "void";
}

/* Kinds that are only ever the start of a reference: nothing but a
 * DATASEC (VAR, FUNC), a DECL_TAG's target and func_info (FUNC) names them. */
static bool is_source_only(const struct btf *btf, uint32_t id)
{
	switch (btf_kind(type_at(btf, id))) {
	case BTF_KIND_VAR:
	case BTF_KIND_DATASEC:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_FUNC:
		return id != 0;
	default:
		return false;
	}
}

static bool is_sized_kind(int kind)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_PTR:
	case BTF_KIND_ARRAY:
	case BTF_KIND_FLOAT:
		return true;
	default:
		return false;
	}
}

/* Size of resolved type r, which is_sized_kind() accepted; arrays need
 * arr_size[] filled. */
static uint32_t sized_size(const struct btf *btf, uint32_t r)
{
	const struct btf_type *t = type_at(btf, r);

	if (btf_kind(t) == BTF_KIND_PTR)
		return 8;
	if (btf_kind(t) == BTF_KIND_ARRAY)
		return btf->arr_size[r];
	return t->size;
}

static bool int_is_regular(const struct btf_type *t)
{
	uint32_t v = btf_int_data(t), bits = BTF_INT_BITS(v);

	return !(bits % 8) && !BTF_INT_OFFSET(v) &&
	       (bits == 8 || bits == 16 || bits == 32 || bits == 64 || bits == 128);
}

/* Step 1: the kinds of directly referenced types. */
static int check_ref_kinds_one(const struct btf *btf, uint32_t id, const struct log_sink *log)
{
	const struct btf_type *t = type_at(btf, id);
	const char *k = btf_kind_str(btf_kind(t));
	uint32_t vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
		if (is_source_only(btf, t->type))
			BAD("type %u: %s refers to type %u, a %s", id, k, t->type, kind_of(btf, t->type));
		return 0;
	case BTF_KIND_ARRAY:
		if (is_source_only(btf, btf_array(t)->type) ||
		    is_source_only(btf, btf_array(t)->index_type))
			BAD("type %u: ARRAY element %u (%s) or index %u (%s) is not a data type", id,
			    btf_array(t)->type, kind_of(btf, btf_array(t)->type),
			    btf_array(t)->index_type, kind_of(btf, btf_array(t)->index_type));
		return 0;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (uint32_t i = 0; i < vlen; i++)
			if (is_source_only(btf, btf_members(t)[i].type))
				BAD("type %u: %s member %u type %u is a %s", id, k, i,
				    btf_members(t)[i].type, kind_of(btf, btf_members(t)[i].type));
		return 0;
	case BTF_KIND_FUNC:
		if (btf_kind(type_at(btf, t->type)) != BTF_KIND_FUNC_PROTO)
			BAD("type %u: FUNC type %u is a %s, not a FUNC_PROTO", id, t->type,
			    kind_of(btf, t->type));
		return 0;
	case BTF_KIND_FUNC_PROTO:
		if (is_source_only(btf, t->type))
			BAD("type %u: FUNC_PROTO return type %u is a %s", id, t->type, kind_of(btf, t->type));
		for (uint32_t i = 0; i < vlen; i++)
			if (is_source_only(btf, btf_params(t)[i].type))
				BAD("type %u: FUNC_PROTO param %u type %u is a %s", id, i,
				    btf_params(t)[i].type, kind_of(btf, btf_params(t)[i].type));
		return 0;
	case BTF_KIND_DATASEC:
		for (uint32_t i = 0; i < vlen; i++) {
			int vk = btf_kind(type_at(btf, btf_secinfos(t)[i].type));
			if (vk != BTF_KIND_VAR && vk != BTF_KIND_FUNC)
				BAD("type %u: DATASEC variable %u type %u is a %s, not a VAR", id, i,
				    btf_secinfos(t)[i].type, kind_of(btf, btf_secinfos(t)[i].type));
		}
		return 0;
	default:
		return 0;
	}
}

/* In the pointer graph, PTRs and modifiers point to their target. */
static bool in_ptr_graph(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = type_at(btf, id);
	return id && (btf_kind(t) == BTF_KIND_PTR || btf_is_modifier(t));
}

/* Step 2a: every node has one successor, so a walk marking nodes with the
 * id it started from finds a loop when it meets its own mark. */
static int check_ptr_cycles(const struct btf *btf, struct scratch *s, const struct log_sink *log)
{
	uint32_t *mark = s->edge;

	memset(mark, 0, btf->type_cnt * sizeof(*mark));
	for (uint32_t id = 1; id < btf->type_cnt; id++) {
		uint32_t v = id;

		while (in_ptr_graph(btf, v) && !mark[v]) {
			mark[v] = id;
			v = type_at(btf, v)->type;
		}
		if (in_ptr_graph(btf, v) && mark[v] == id)
			BAD("type %u: reference cycle: the %s chain from type %u loops back to type %u "
			    "without a struct or union in between", v, kind_of(btf, v), id, v);
	}
	return 0;
}

/* In the containment graph, structs/unions point to their member types,
 * arrays to their element type, modifiers (not PTRs) to their target. */
static uint32_t contain_deg(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = type_at(btf, id);

	if (!id)
		return 0;
	if (btf_is_composite(t))
		return btf_vlen(t);
	return btf_kind(t) == BTF_KIND_ARRAY || btf_is_modifier(t) ? 1 : 0;
}

static uint32_t contain_succ(const struct btf *btf, uint32_t id, uint32_t i)
{
	const struct btf_type *t = type_at(btf, id);

	if (btf_is_composite(t))
		return btf_members(t)[i].type;
	return btf_kind(t) == BTF_KIND_ARRAY ? btf_array(t)->type : t->type;
}

/* Step 2b: depth-first search with an explicit stack; meeting a type that
 * is on the stack (mark 1) closes a loop. */
static int check_contain_cycles(const struct btf *btf, struct scratch *s,
				const struct log_sink *log)
{
	uint32_t depth;

	memset(s->mark, 0, btf->type_cnt);
	for (uint32_t root = 1; root < btf->type_cnt; root++) {
		if (s->mark[root] || !contain_deg(btf, root))
			continue;
		depth = 0;
		s->stack[depth] = root;
		s->edge[depth++] = 0;
		s->mark[root] = 1;
		while (depth) {
			uint32_t u = s->stack[depth - 1], i = s->edge[depth - 1], v;

			if (i == contain_deg(btf, u)) {
				s->mark[u] = 2;
				depth--;
				continue;
			}
			s->edge[depth - 1]++;
			v = contain_succ(btf, u, i);
			if (s->mark[v] == 1)
				BAD("type %u: reference cycle: %s %u contains itself (through type %u) "
				    "without a pointer in between", v, kind_of(btf, v), v, u);
			if (s->mark[v] || !contain_deg(btf, v))
				continue;
			s->mark[v] = 1;
			s->stack[depth] = v;
			s->edge[depth++] = 0;
		}
	}
	return 0;
}

/* Step 3: the end of each modifier chain; chains are acyclic by now. */
static void resolve_modifiers(struct btf *btf, struct scratch *s)
{
	uint32_t *res = btf->resolved;

	for (uint32_t id = 0; id < btf->type_cnt; id++)
		res[id] = id && btf_is_modifier(type_at(btf, id)) ? UINT32_MAX : id;
	for (uint32_t id = 1; id < btf->type_cnt; id++) {
		uint32_t depth = 0, v = id, end;

		while (res[v] == UINT32_MAX) {
			s->stack[depth++] = v;
			v = type_at(btf, v)->type;
		}
		end = res[v];
		while (depth)
			res[s->stack[--depth]] = end;
	}
}

/* The size of array id from its element's, which is known (mark 2). */
static int size_array(struct btf *btf, uint32_t id, const struct log_sink *log)
{
	const struct btf_array *a = btf_array(type_at(btf, id));
	uint32_t e = btf->resolved[a->type], idx = btf->resolved[a->index_type];
	const struct btf_type *et = type_at(btf, e), *it = type_at(btf, idx);
	uint64_t esz;

	if (!idx || btf_kind(it) != BTF_KIND_INT || !int_is_regular(it))
		BAD("type %u: ARRAY index type %u (%s) is not a plain integer", id, a->index_type,
		    kind_of(btf, idx));
	if (!e || !is_sized_kind(btf_kind(et)))
		BAD("type %u: ARRAY element type %u (%s) has no size", id, a->type, kind_of(btf, e));
	if (btf_kind(et) == BTF_KIND_INT && !int_is_regular(et))
		BAD("type %u: ARRAY of bitfield integer type %u", id, a->type);
	esz = sized_size(btf, e);
	if (a->nelems && esz > UINT32_MAX / a->nelems)
		BAD("type %u: ARRAY of %u elements of %llu bytes is larger than 4 GiB", id, a->nelems,
		    (unsigned long long)esz);
	btf->arr_size[id] = (uint32_t)(esz * a->nelems);
	return 0;
}

/* Step 4: arrays of arrays are sized innermost first. */
static int size_arrays(struct btf *btf, struct scratch *s, const struct log_sink *log)
{
	memset(s->mark, 0, btf->type_cnt);
	for (uint32_t id = 1; id < btf->type_cnt; id++) {
		uint32_t depth = 0, v = id;

		while (btf_kind(type_at(btf, v)) == BTF_KIND_ARRAY && v && !s->mark[v]) {
			s->stack[depth++] = v;
			v = btf->resolved[btf_array(type_at(btf, v))->type];
		}
		while (depth) {
			v = s->stack[--depth];
			if (size_array(btf, v, log))
				return -EINVAL;
			s->mark[v] = 2;
		}
	}
	return 0;
}

/* The kernel's check_member / check_kflag_member rules for member i of
 * struct/union id, whose type resolves to r. */
static int check_member_layout(const struct btf *btf, uint32_t id, uint32_t i, uint32_t r,
			       const struct log_sink *log)
{
	const struct btf_type *t = type_at(btf, id), *mt = type_at(btf, r);
	uint64_t off = btf_member_bit_offset(t, i);
	uint32_t bits = btf_member_bitfield_size(t, i);
	const char *k = btf_kind_str(btf_kind(t));
	int mk = btf_kind(mt);
	uint64_t end_bits;

	if (mk == BTF_KIND_INT && (!btf_kflag(t) || bits)) {
		uint32_t v = btf_int_data(mt), nr = BTF_INT_BITS(v);

		if (btf_kflag(t) && !int_is_regular(mt))
			BAD("type %u: %s bitfield member %u has bitfield integer type %u", id, k, i, r);
		if (!btf_kflag(t))
			off += BTF_INT_OFFSET(v);
		else if (bits > nr)
			BAD("type %u: %s member %u bitfield of %u bits is wider than its type (%u bits)",
			    id, k, i, bits, nr);
		else
			nr = bits;
		if (nr + off % 8 > 128)
			BAD("type %u: %s member %u bitfield spans more than 128 bits", id, k, i);
		end_bits = (uint64_t)off + nr;
	} else if ((mk == BTF_KIND_ENUM || mk == BTF_KIND_ENUM64) && bits) {
		if (bits > mt->size * 8)
			BAD("type %u: %s member %u bitfield of %u bits is wider than its enum (%u bytes)",
			    id, k, i, bits, mt->size);
		end_bits = (uint64_t)off + bits;
	} else {
		if (bits)
			BAD("type %u: %s member %u is a bitfield of non-integer type %u (%s)", id, k, i,
			    r, kind_of(btf, r));
		if (off % 8)
			BAD("type %u: %s member %u at bit offset %llu is not byte aligned", id, k, i,
			    (unsigned long long)off);
		if (mk == BTF_KIND_FLOAT && off % ((mt->size < 8 ? mt->size : 8) * 8))
			BAD("type %u: %s member %u: FLOAT at bit offset %llu is not aligned", id, k, i,
			    (unsigned long long)off);
		end_bits = (uint64_t)off + (uint64_t)sized_size(btf, r) * 8;
	}
	if ((end_bits + 7) / 8 > t->size)
		BAD("type %u: %s member %u (bits %llu..%llu) does not fit in the %s size %u", id, k,
		    i, (unsigned long long)off, (unsigned long long)end_bits, k, t->size);
	return 0;
}

static int check_members(const struct btf *btf, uint32_t id, const struct log_sink *log)
{
	const struct btf_type *t = type_at(btf, id);

	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		uint32_t mid = btf_members(t)[i].type, r = btf->resolved[mid];

		if (!r || !is_sized_kind(btf_kind(type_at(btf, r))))
			BAD("type %u: %s member %u type %u (%s) has no size", id,
			    btf_kind_str(btf_kind(t)), i, mid, kind_of(btf, r));
		if (check_member_layout(btf, id, i, r, log))
			return -EINVAL;
	}
	return 0;
}

static int check_proto(const struct btf *btf, uint32_t id, const struct log_sink *log)
{
	const struct btf_type *t = type_at(btf, id);
	uint32_t r = btf->resolved[t->type];

	if (t->type && !is_sized_kind(btf_kind(type_at(btf, r))))
		BAD("type %u: FUNC_PROTO return type %u (%s) has no size", id, t->type,
		    kind_of(btf, r));
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		uint32_t p = btf_params(t)[i].type;

		r = btf->resolved[p];
		if (p && !is_sized_kind(btf_kind(type_at(btf, r))))
			BAD("type %u: FUNC_PROTO param %u type %u (%s) has no size", id, i, p,
			    kind_of(btf, r));
	}
	return 0;
}

/* A variable has a sized type; an extern one may also be void or a
 * forward declaration (typeless and incomplete ksyms, resolved later). */
static int check_var_type(const struct btf *btf, uint32_t id, const struct log_sink *log)
{
	const struct btf_type *t = type_at(btf, id);
	uint32_t r = btf->resolved[t->type];
	int rk = btf_kind(type_at(btf, r));
	bool ext = btf_var(t)->linkage == BTF_VAR_GLOBAL_EXTERN;

	if (r && is_sized_kind(rk))
		return 0;
	if (ext && (!r || rk == BTF_KIND_FWD))
		return 0;
	BAD("type %u: VAR type %u (%s) has no size", id, t->type, kind_of(btf, r));
}

static int check_datasec_sizes(const struct btf *btf, uint32_t id, const struct log_sink *log)
{
	const struct btf_type *t = type_at(btf, id);
	uint64_t sz;

	if (!t->size)
		return 0;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_var_secinfo *v = &btf_secinfos(t)[i];

		if (btf_kind(type_at(btf, v->type)) != BTF_KIND_VAR ||
		    btf_resolve_size(btf, v->type, &sz))
			continue;
		if (v->size < sz)
			BAD("type %u: DATASEC variable %u has size %u, smaller than its type (%llu)", id,
			    i, v->size, (unsigned long long)sz);
	}
	return 0;
}

static int check_decl_tag_target(const struct btf *btf, uint32_t id, const struct log_sink *log)
{
	const struct btf_type *t = type_at(btf, id), *tt = type_at(btf, t->type);
	int32_t idx = btf_decl_tag(t)->component_idx;
	int tk = btf_kind(tt);
	uint32_t vlen;

	if (!btf_is_composite(tt) && tk != BTF_KIND_VAR && tk != BTF_KIND_FUNC &&
	    tk != BTF_KIND_TYPEDEF)
		BAD("type %u: DECL_TAG target %u is a %s (struct, union, var, func or typedef only)",
		    id, t->type, kind_of(btf, t->type));
	if (idx == -1)
		return 0;
	if (tk == BTF_KIND_VAR || tk == BTF_KIND_TYPEDEF)
		BAD("type %u: DECL_TAG component_idx %d on a %s", id, idx, btf_kind_str(tk));
	vlen = tk == BTF_KIND_FUNC ? btf_vlen(type_at(btf, tt->type)) : btf_vlen(tt);
	if ((uint32_t)idx >= vlen)
		BAD("type %u: DECL_TAG component_idx %d past the %u members/params of type %u", id,
		    idx, vlen, t->type);
	return 0;
}

/* Step 5. */
static int check_semantics(const struct btf *btf, const struct log_sink *log)
{
	for (uint32_t id = 1; id < btf->type_cnt; id++) {
		int err = 0;

		switch (btf_kind(type_at(btf, id))) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION: err = check_members(btf, id, log); break;
		case BTF_KIND_FUNC_PROTO: err = check_proto(btf, id, log); break;
		case BTF_KIND_VAR: err = check_var_type(btf, id, log); break;
		case BTF_KIND_DATASEC: err = check_datasec_sizes(btf, id, log); break;
		case BTF_KIND_DECL_TAG: err = check_decl_tag_target(btf, id, log); break;
		default: break;
		}
		if (err)
			return err;
	}
	return 0;
}

int btf_check_refs(struct btf *btf, const struct log_sink *log)
{
	struct scratch s;
	int err = 0;

	for (uint32_t id = 1; id < btf->type_cnt && !err; id++)
		err = check_ref_kinds_one(btf, id, log);
	if (err)
		return err;
	s.stack = mem_array(btf->type_cnt, sizeof(*s.stack));
	s.edge = mem_array(btf->type_cnt, sizeof(*s.edge));
	s.mark = mem_alloc(btf->type_cnt);
	if (!s.stack || !s.edge || !s.mark) {
		err = -ENOMEM;
		goto out;
	}
	err = check_ptr_cycles(btf, &s, log);
	if (!err)
		err = check_contain_cycles(btf, &s, log);
	if (!err) {
		resolve_modifiers(btf, &s);
		err = size_arrays(btf, &s, log);
	}
	if (!err)
		err = check_semantics(btf, log);
out:
	mem_free(s.stack);
	mem_free(s.edge);
	mem_free(s.mark);
	return err;
}
