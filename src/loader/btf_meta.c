/* SPDX-License-Identifier: MIT */
/*
 * Pass 2 of btf_parse(): the rules of each type record on its own (its
 * name, kind_flag, vlen, sizes, encodings) and the ranges of the type ids
 * and name offsets it holds. Runs once every record is indexed, so the
 * type count is known; the kinds of the referenced types are pass 3's
 * (btf_resolve.c).
 *
 * The rules are the kernel's check_meta rules (kernel/bpf/btf.c), with
 * these differences, because BTF from an object file is checked before a
 * loader fixes it up (libbpf accepts the same):
 *   - DATASEC may have size 0 (clang leaves section sizes and variable
 *     offsets to the loader); its variable layout is checked only when the
 *     size is set;
 *   - VAR and FUNC may have extern linkage (BTF_VAR_GLOBAL_EXTERN,
 *     BTF_FUNC_EXTERN), and DATASEC may list FUNCs (extern kfuncs, .ksyms);
 *   - DECL_TAG and TYPE_TAG may set kind_flag (attribute tags, newer BTF);
 * and one rule more: INT sizes are 1, 2, 4, 8 or 16.
 */
#include <errno.h>
#include <stdio.h>

#include "loader/btf_priv.h"

#define BAD(...)                                                \
	do {                                                    \
		log_msg(log, BPFX_LOG_ERROR, __VA_ARGS__);     \
		return -EINVAL;                                 \
	} while (0)

/* The kernel's BTF_INT_MASK: encoding, offset and bits fields. */
#define BTF_INT_USED 0x0fffffffu

struct rec {
	const struct btf *btf;
	uint32_t id;
	const struct btf_type *t;
	const char *kind;
	const struct log_sink *log;
};

static int check_name_off(const struct rec *r, const char *what, uint32_t off)
{
	const struct log_sink *log = r->log;

	if (!btf_str_ok(r->btf, off))
		BAD("type %u: %s %s name offset %u out of range (string section is %u bytes)",
		    r->id, r->kind, what, off, r->btf->hdr.str_len);
	return 0;
}

/* A type id held by the record: `what` says which field ("member 2"). */
static int check_ref(const struct rec *r, const char *what, uint32_t tid, bool void_ok)
{
	const struct log_sink *log = r->log;

	if (tid >= r->btf->type_cnt)
		BAD("type %u: %s %s type id %u out of range (type count %u)", r->id, r->kind, what,
		    tid, r->btf->type_cnt);
	if (!tid && !void_ok)
		BAD("type %u: %s %s type is void", r->id, r->kind, what);
	return 0;
}

/* name: 0 none allowed, 1 optional identifier, 2 required identifier,
 * 3 required non-empty string, 4 required section name, 5 anything. */
enum { N_NONE, N_OPT_IDENT, N_IDENT, N_NONEMPTY, N_SECTION, N_ANY };

static int check_common(const struct rec *r, int name_rule, bool vlen0, bool kflag_ok)
{
	const struct btf_type *t = r->t;
	const struct log_sink *log = r->log;
	const char *name;
	bool ok = true;

	if (check_name_off(r, "type", t->name_off))
		return -EINVAL;
	name = r->btf->strs + t->name_off;
	switch (name_rule) {
	case N_NONE: ok = !t->name_off; break;
	case N_OPT_IDENT: ok = !t->name_off || btf_name_is_ident(r->btf, t->name_off); break;
	case N_IDENT: ok = t->name_off && btf_name_is_ident(r->btf, t->name_off); break;
	case N_NONEMPTY: ok = name[0] != '\0'; break;
	case N_SECTION: ok = btf_name_is_section(r->btf, t->name_off); break;
	default: break;
	}
	if (!ok) {
		if (name_rule == N_NONE)
			BAD("type %u: %s must not have a name (has '%.64s')", r->id, r->kind, name);
		BAD("type %u: %s has an invalid name '%.64s'", r->id, r->kind, name);
	}
	if (vlen0 && btf_vlen(t))
		BAD("type %u: %s has vlen %u (must be 0)", r->id, r->kind, btf_vlen(t));
	if (!kflag_ok && btf_kflag(t))
		BAD("type %u: %s has kind_flag set", r->id, r->kind);
	return 0;
}

static int check_int(const struct rec *r)
{
	const struct btf_type *t = r->t;
	const struct log_sink *log = r->log;
	uint32_t v = btf_int_data(t);
	uint32_t bits = BTF_INT_BITS(v) + BTF_INT_OFFSET(v);
	uint32_t enc = BTF_INT_ENCODING(v);

	if (check_common(r, N_ANY, true, false))
		return -EINVAL;
	if (v & ~BTF_INT_USED)
		BAD("type %u: INT data 0x%08x has unused bits set", r->id, v);
	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8 && t->size != 16)
		BAD("type %u: INT size %u (must be 1, 2, 4, 8 or 16)", r->id, t->size);
	if (bits > 128)
		BAD("type %u: INT bits_offset %u + nr_bits %u exceed 128", r->id, BTF_INT_OFFSET(v),
		    BTF_INT_BITS(v));
	if ((bits + 7) / 8 > t->size)
		BAD("type %u: INT bits_offset %u + nr_bits %u exceed its size %u", r->id,
		    BTF_INT_OFFSET(v), BTF_INT_BITS(v), t->size);
	if (enc && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR && enc != BTF_INT_BOOL)
		BAD("type %u: INT encoding 0x%x (one of SIGNED, CHAR, BOOL at most)", r->id, enc);
	return 0;
}

static int check_ref_kind(const struct rec *r)
{
	int kind = btf_kind(r->t);
	int rule = kind == BTF_KIND_TYPEDEF ? N_IDENT :
		   kind == BTF_KIND_TYPE_TAG ? N_NONEMPTY : N_NONE;

	if (check_common(r, rule, true, kind == BTF_KIND_TYPE_TAG))
		return -EINVAL;
	return check_ref(r, "target", r->t->type, true);
}

static int check_array(const struct rec *r)
{
	const struct btf_array *a = btf_array(r->t);
	const struct log_sink *log = r->log;

	if (check_common(r, N_NONE, true, false))
		return -EINVAL;
	if (r->t->size)
		BAD("type %u: ARRAY has size %u (must be 0)", r->id, r->t->size);
	if (check_ref(r, "element", a->type, false) || check_ref(r, "index", a->index_type, false))
		return -EINVAL;
	return 0;
}

static int check_composite(const struct rec *r)
{
	const struct btf_type *t = r->t;
	const struct log_sink *log = r->log;
	bool is_union = btf_kind(t) == BTF_KIND_UNION;
	uint32_t last = 0;
	char what[32];

	if (check_common(r, N_OPT_IDENT, false, true))
		return -EINVAL;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		uint32_t off = btf_member_bit_offset(t, i);

		snprintf(what, sizeof(what), "member %u", i);
		if (check_name_off(r, what, m->name_off) || check_ref(r, what, m->type, false))
			return -EINVAL;
		if (m->name_off && !btf_name_is_ident(r->btf, m->name_off))
			BAD("type %u: %s member %u has an invalid name '%.64s'", r->id, r->kind, i,
			    r->btf->strs + m->name_off);
		if (is_union && off)
			BAD("type %u: UNION member %u at bit offset %u (must be 0)", r->id, i, off);
		if (off < last)
			BAD("type %u: %s member %u at bit offset %u, before member %u at %u", r->id,
			    r->kind, i, off, i - 1, last);
		if ((off + 7ull) / 8 > t->size)
			BAD("type %u: %s member %u at bit offset %u is past the end (size %u)", r->id,
			    r->kind, i, off, t->size);
		last = off;
	}
	return 0;
}

static int check_enum(const struct rec *r)
{
	const struct btf_type *t = r->t;
	const struct log_sink *log = r->log;
	bool is64 = btf_kind(t) == BTF_KIND_ENUM64;
	char what[32];

	if (check_common(r, N_OPT_IDENT, false, true))
		return -EINVAL;
	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
		BAD("type %u: %s size %u (must be 1, 2, 4 or 8)", r->id, r->kind, t->size);
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		uint32_t off = is64 ? btf_enums64(t)[i].name_off : btf_enums(t)[i].name_off;

		snprintf(what, sizeof(what), "value %u", i);
		if (check_name_off(r, what, off))
			return -EINVAL;
		if (!off || !btf_name_is_ident(r->btf, off))
			BAD("type %u: %s value %u has an invalid name '%.64s'", r->id, r->kind, i,
			    r->btf->strs + off);
	}
	return 0;
}

static int check_fwd(const struct rec *r)
{
	const struct log_sink *log = r->log;

	if (check_common(r, N_IDENT, true, true))
		return -EINVAL;
	if (r->t->type)
		BAD("type %u: FWD has type %u (must be 0)", r->id, r->t->type);
	return 0;
}

static int check_func(const struct rec *r)
{
	const struct log_sink *log = r->log;

	if (check_common(r, N_IDENT, false, false))
		return -EINVAL;
	if (btf_vlen(r->t) > BTF_FUNC_EXTERN)
		BAD("type %u: FUNC linkage %u unknown (static 0, global 1, extern 2)", r->id,
		    btf_vlen(r->t));
	return check_ref(r, "prototype", r->t->type, false);
}

static int check_func_proto(const struct rec *r)
{
	const struct btf_type *t = r->t;
	const struct log_sink *log = r->log;
	uint32_t vlen = btf_vlen(t);
	char what[32];

	if (check_common(r, N_NONE, false, false))
		return -EINVAL;
	if (check_ref(r, "return", t->type, true))
		return -EINVAL;
	for (uint32_t i = 0; i < vlen; i++) {
		const struct btf_param *p = &btf_params(t)[i];

		snprintf(what, sizeof(what), "param %u", i);
		if (check_name_off(r, what, p->name_off) || check_ref(r, what, p->type, true))
			return -EINVAL;
		if (!p->type && (i != vlen - 1 || p->name_off))
			BAD("type %u: FUNC_PROTO param %u is void (only an unnamed last param may "
			    "be: varargs)", r->id, i);
		if (p->name_off && !btf_name_is_ident(r->btf, p->name_off))
			BAD("type %u: FUNC_PROTO param %u has an invalid name '%.64s'", r->id, i,
			    r->btf->strs + p->name_off);
	}
	return 0;
}

static int check_var(const struct rec *r)
{
	const struct log_sink *log = r->log;
	uint32_t linkage = btf_var(r->t)->linkage;

	if (check_common(r, N_IDENT, true, false))
		return -EINVAL;
	if (linkage > BTF_VAR_GLOBAL_EXTERN)
		BAD("type %u: VAR linkage %u unknown (static 0, global 1, extern 2)", r->id, linkage);
	return check_ref(r, "variable", r->t->type, false);
}

/* Once the loader has set the section size, variables must lie inside
 * it, in order, without overlapping. */
static int check_datasec(const struct rec *r)
{
	const struct btf_type *t = r->t;
	const struct log_sink *log = r->log;
	uint64_t end = 0;
	char what[32];

	if (check_common(r, N_SECTION, false, false))
		return -EINVAL;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_var_secinfo *v = &btf_secinfos(t)[i];

		snprintf(what, sizeof(what), "variable %u", i);
		if (check_ref(r, what, v->type, false))
			return -EINVAL;
		if (!t->size)
			continue;
		if (v->offset < end || v->offset >= t->size)
			BAD("type %u: DATASEC variable %u at offset %u is outside the section (size %u) "
			    "or overlaps the one before", r->id, i, v->offset, t->size);
		if (!v->size || (uint64_t)v->offset + v->size > t->size)
			BAD("type %u: DATASEC variable %u: size %u at offset %u does not fit the section "
			    "(size %u)", r->id, i, v->size, v->offset, t->size);
		end = (uint64_t)v->offset + v->size;
	}
	return 0;
}

static int check_float(const struct rec *r)
{
	const struct log_sink *log = r->log;
	uint32_t sz = r->t->size;

	if (check_common(r, N_ANY, true, false))
		return -EINVAL;
	if (sz != 2 && sz != 4 && sz != 8 && sz != 12 && sz != 16)
		BAD("type %u: FLOAT size %u (must be 2, 4, 8, 12 or 16)", r->id, sz);
	return 0;
}

static int check_decl_tag(const struct rec *r)
{
	const struct log_sink *log = r->log;

	if (check_common(r, N_NONEMPTY, true, true))
		return -EINVAL;
	if (btf_decl_tag(r->t)->component_idx < -1)
		BAD("type %u: DECL_TAG component_idx %d (must be -1 or a member/param index)", r->id,
		    btf_decl_tag(r->t)->component_idx);
	return check_ref(r, "target", r->t->type, false);
}

static int check_record(const struct rec *r)
{
	switch (btf_kind(r->t)) {
	case BTF_KIND_INT: return check_int(r);
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG: return check_ref_kind(r);
	case BTF_KIND_ARRAY: return check_array(r);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: return check_composite(r);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: return check_enum(r);
	case BTF_KIND_FWD: return check_fwd(r);
	case BTF_KIND_FUNC: return check_func(r);
	case BTF_KIND_FUNC_PROTO: return check_func_proto(r);
	case BTF_KIND_VAR: return check_var(r);
	case BTF_KIND_DATASEC: return check_datasec(r);
	case BTF_KIND_FLOAT: return check_float(r);
	case BTF_KIND_DECL_TAG: return check_decl_tag(r);
	default: return -EINVAL;   /* pass 1 let no other kind through */
	}
}

int btf_check_records(const struct btf *btf, const struct log_sink *log)
{
	struct rec r = { .btf = btf, .log = log };
	int err;

	for (r.id = 1; r.id < btf->type_cnt; r.id++) {
		r.t = btf_type_by_id(btf, r.id);
		r.kind = btf_kind_str(btf_kind(r.t));
		err = check_record(&r);
		if (err)
			return err;
	}
	return 0;
}
