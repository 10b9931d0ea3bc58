/* SPDX-License-Identifier: MIT */
/*
 * Text dumps of a parsed BTF in bpftool 7.1's formats: `bpftool btf dump
 * file X format raw` and its JSON form `bpftool -j btf dump file X`
 * (compact, not -p). Runs on validated BTF, so every id and name offset a
 * record holds is in range. Output is appended to a strbuf; its sticky
 * error is the result.
 */
#include <errno.h>
#include <inttypes.h>

#include "loader/btf.h"
#include "util/strbuf.h"

static const char *int_encoding(uint32_t enc)
{
	switch (enc) {
	case 0: return "(none)";
	case BTF_INT_SIGNED: return "SIGNED";
	case BTF_INT_CHAR: return "CHAR";
	case BTF_INT_BOOL: return "BOOL";
	default: return "UNKN";
	}
}

/* VAR and FUNC linkage share the values 0..2 and the words bpftool uses. */
static const char *linkage_str(uint32_t linkage)
{
	switch (linkage) {
	case 0: return "static";
	case 1: return "global";
	case 2: return "extern";
	default: return "(unknown)";
	}
}

/* bpftool's btf_str(): "(anon)" for offset 0. */
static const char *name_of(const struct btf *btf, uint32_t off)
{
	const char *s;

	if (!off)
		return "(anon)";
	s = btf_name(btf, off);
	return s ? s : "(invalid)";
}

/* Raw text or JSON: fields are " key=value" or ",\"key\":value". */
struct style {
	bool json;
};

static void field_u(struct strbuf *sb, const struct style *st, const char *key, uint64_t v)
{
	if (st->json)
		sb_printf(sb, ",\"%s\":%" PRIu64, key, v);
	else
		sb_printf(sb, " %s=%" PRIu64, key, v);
}

static void field_i(struct strbuf *sb, const struct style *st, const char *key, int64_t v)
{
	if (st->json)
		sb_printf(sb, ",\"%s\":%" PRId64, key, v);
	else
		sb_printf(sb, " %s=%" PRId64, key, v);
}

/* A JSON string with bpftool's json_writer escapes (no \uXXXX). */
static void json_str(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (; *s; s++) {
		switch (*s) {
		case '\t': sb_puts(sb, "\\t"); break;
		case '\n': sb_puts(sb, "\\n"); break;
		case '\r': sb_puts(sb, "\\r"); break;
		case '\f': sb_puts(sb, "\\f"); break;
		case '\b': sb_puts(sb, "\\b"); break;
		case '\\': sb_puts(sb, "\\\\"); break;
		case '"': sb_puts(sb, "\\\""); break;
		default: sb_putc(sb, *s); break;
		}
	}
	sb_putc(sb, '"');
}

static void field_s(struct strbuf *sb, const struct style *st, const char *key, const char *v)
{
	if (st->json) {
		sb_printf(sb, ",\"%s\":", key);
		json_str(sb, v);
	} else {
		sb_printf(sb, " %s=%s", key, v);
	}
}

/* Opens a member/value/param line (raw) or object (JSON). */
static void item_open(struct strbuf *sb, const struct style *st, uint32_t i)
{
	if (st->json)
		sb_puts(sb, i ? ",{" : "{");
	else
		sb_puts(sb, "\n\t");
}

static void item_name(struct strbuf *sb, const struct style *st, const char *name)
{
	if (st->json) {
		sb_puts(sb, "\"name\":");
		json_str(sb, name);
	} else {
		sb_printf(sb, "'%s'", name);
	}
}

static void list_open(struct strbuf *sb, const struct style *st, const char *key)
{
	if (st->json)
		sb_printf(sb, ",\"%s\":[", key);
}

static void list_close(struct strbuf *sb, const struct style *st)
{
	if (st->json)
		sb_putc(sb, ']');
}

static void dump_members(const struct btf *btf, const struct btf_type *t, struct strbuf *sb,
			 const struct style *st)
{
	list_open(sb, st, "members");
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		uint32_t bits = btf_member_bitfield_size(t, i);

		item_open(sb, st, i);
		item_name(sb, st, name_of(btf, m->name_off));
		if (st->json) {
			sb_printf(sb, ",\"type_id\":%u,\"bits_offset\":%u", m->type,
				  btf_member_bit_offset(t, i));
			if (bits)
				sb_printf(sb, ",\"bitfield_size\":%u", bits);
			sb_putc(sb, '}');
		} else {
			sb_printf(sb, " type_id=%u bits_offset=%u", m->type,
				  btf_member_bit_offset(t, i));
			if (bits)
				sb_printf(sb, " bitfield_size=%u", bits);
		}
	}
	list_close(sb, st);
}

/* ENUM values: signed (kind_flag) print as int, unsigned as u32 in the
 * raw form; JSON prints bpftool's uint64 of the sign-extended value. */
static void dump_enum(const struct btf *btf, const struct btf_type *t, struct strbuf *sb,
		      const struct style *st)
{
	bool is64 = btf_kind(t) == BTF_KIND_ENUM64, sgn = btf_kflag(t);

	list_open(sb, st, "values");
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		uint32_t noff = is64 ? btf_enums64(t)[i].name_off : btf_enums(t)[i].name_off;
		uint64_t v = is64 ? btf_enum64_value(&btf_enums64(t)[i]) :
				    (uint64_t)(int64_t)btf_enums(t)[i].val;

		item_open(sb, st, i);
		item_name(sb, st, name_of(btf, noff));
		if (st->json)
			sb_printf(sb, sgn ? ",\"val\":%" PRId64 "}" : ",\"val\":%" PRIu64 "}", v);
		else if (is64)
			sb_printf(sb, sgn ? " val=%" PRId64 "LL" : " val=%" PRIu64 "ULL", v);
		else
			sb_printf(sb, sgn ? " val=%d" : " val=%u", (uint32_t)v);
	}
	list_close(sb, st);
}

static void dump_params(const struct btf *btf, const struct btf_type *t, struct strbuf *sb,
			const struct style *st)
{
	list_open(sb, st, "params");
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_param *p = &btf_params(t)[i];

		item_open(sb, st, i);
		item_name(sb, st, name_of(btf, p->name_off));
		if (st->json)
			sb_printf(sb, ",\"type_id\":%u}", p->type);
		else
			sb_printf(sb, " type_id=%u", p->type);
	}
	list_close(sb, st);
}

static void dump_secinfos(const struct btf *btf, const struct btf_type *t, struct strbuf *sb,
			  const struct style *st)
{
	list_open(sb, st, "vars");
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_var_secinfo *v = &btf_secinfos(t)[i];
		const struct btf_type *vt = btf_type_by_id(btf, v->type);

		if (st->json) {
			sb_printf(sb, "%s{\"type_id\":%u,\"offset\":%u,\"size\":%u}", i ? "," : "",
				  v->type, v->offset, v->size);
			continue;
		}
		sb_printf(sb, "\n\ttype_id=%u offset=%u size=%u", v->type, v->offset, v->size);
		if (vt)
			sb_printf(sb, " (%s '%s')", btf_kind_str(btf_kind(vt)),
				  name_of(btf, vt->name_off));
	}
	list_close(sb, st);
}

/* The fields after "[id] KIND 'name'" (or "id", "kind", "name"). */
static void dump_fields(const struct btf *btf, const struct btf_type *t, struct strbuf *sb,
			const struct style *st)
{
	uint32_t v;

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		v = btf_int_data(t);
		field_u(sb, st, "size", t->size);
		field_u(sb, st, "bits_offset", BTF_INT_OFFSET(v));
		field_u(sb, st, "nr_bits", BTF_INT_BITS(v));
		field_s(sb, st, "encoding", int_encoding(BTF_INT_ENCODING(v)));
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_TYPE_TAG:
		field_u(sb, st, "type_id", t->type);
		break;
	case BTF_KIND_ARRAY:
		field_u(sb, st, "type_id", btf_array(t)->type);
		field_u(sb, st, "index_type_id", btf_array(t)->index_type);
		field_u(sb, st, "nr_elems", btf_array(t)->nelems);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		field_u(sb, st, "size", t->size);
		field_u(sb, st, "vlen", btf_vlen(t));
		dump_members(btf, t, sb, st);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		field_s(sb, st, "encoding", btf_kflag(t) ? "SIGNED" : "UNSIGNED");
		field_u(sb, st, "size", t->size);
		field_u(sb, st, "vlen", btf_vlen(t));
		dump_enum(btf, t, sb, st);
		break;
	case BTF_KIND_FWD:
		field_s(sb, st, "fwd_kind", btf_kflag(t) ? "union" : "struct");
		break;
	case BTF_KIND_FUNC:
		field_u(sb, st, "type_id", t->type);
		field_s(sb, st, "linkage", linkage_str(btf_vlen(t)));
		break;
	case BTF_KIND_FUNC_PROTO:
		field_u(sb, st, "ret_type_id", t->type);
		field_u(sb, st, "vlen", btf_vlen(t));
		dump_params(btf, t, sb, st);
		break;
	case BTF_KIND_VAR:
		/* bpftool's raw form has a comma here */
		if (st->json)
			field_u(sb, st, "type_id", t->type);
		else
			sb_printf(sb, " type_id=%u,", t->type);
		field_s(sb, st, "linkage", linkage_str(btf_var(t)->linkage));
		break;
	case BTF_KIND_DATASEC:
		field_u(sb, st, "size", t->size);
		field_u(sb, st, "vlen", btf_vlen(t));
		dump_secinfos(btf, t, sb, st);
		break;
	case BTF_KIND_FLOAT:
		field_u(sb, st, "size", t->size);
		break;
	case BTF_KIND_DECL_TAG:
		field_u(sb, st, "type_id", t->type);
		field_i(sb, st, "component_idx", btf_decl_tag(t)->component_idx);
		break;
	default:
		break;
	}
}

static void dump_one(const struct btf *btf, uint32_t id, struct strbuf *sb, const struct style *st)
{
	const struct btf_type *t = btf_type_by_id(btf, id);
	const char *kind = btf_kind_str(btf_kind(t));

	if (st->json) {
		sb_printf(sb, "{\"id\":%u,\"kind\":\"%s\",\"name\":", id, kind);
		json_str(sb, name_of(btf, t->name_off));
	} else {
		sb_printf(sb, "[%u] %s '%s'", id, kind, name_of(btf, t->name_off));
	}
	dump_fields(btf, t, sb, st);
	sb_puts(sb, st->json ? "}" : "\n");
}

int btf_dump_raw_type(const struct btf *btf, uint32_t id, struct strbuf *out)
{
	static const struct style raw = { .json = false };

	if (id >= btf_type_cnt(btf))
		return -EINVAL;
	dump_one(btf, id, out, &raw);
	return sb_error(out);
}

int btf_dump_raw(const struct btf *btf, struct strbuf *out)
{
	static const struct style raw = { .json = false };

	for (uint32_t id = 1; id < btf_type_cnt(btf) && !sb_error(out); id++)
		dump_one(btf, id, out, &raw);
	return sb_error(out);
}

int btf_dump_json(const struct btf *btf, struct strbuf *out)
{
	static const struct style json = { .json = true };

	sb_puts(out, "{\"types\":[");
	for (uint32_t id = 1; id < btf_type_cnt(btf) && !sb_error(out); id++) {
		if (id > 1)
			sb_putc(out, ',');
		dump_one(btf, id, out, &json);
	}
	sb_puts(out, "]}\n");
	return sb_error(out);
}
