/* SPDX-License-Identifier: MIT */
/*
 * The log the kernel's BTF verifier writes for BPF_BTF_LOAD at log level
 * 1 and above (kernel/bpf/btf.c, the *_log functions): the header fields,
 * then one line per type with its kind's details, members indented by a
 * tab. Called after btf_parse() accepted the blob, so every record and
 * name may be trusted. For a rejected blob the kernel logs the header and
 * the types it checked before the bad one; bpfx logs the header and its
 * own reason (btf_log_header + the parser's line).
 */
#include <string.h>

#include "loader/btf.h"
#include "util/strbuf.h"

void btf_log_header(const void *data, size_t size, struct strbuf *sb)
{
	struct btf_header h;
	if (size < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	sb_printf(sb, "magic: 0x%x\nversion: %u\nflags: 0x%x\nhdr_len: %u\n", h.magic, h.version,
		  h.flags, h.hdr_len);
	sb_printf(sb, "type_off: %u\ntype_len: %u\nstr_off: %u\nstr_len: %u\n", h.type_off,
		  h.type_len, h.str_off, h.str_len);
	sb_printf(sb, "btf_total_size: %zu\n", size);
}

static const char *name_or_anon(const struct btf *btf, uint32_t off)
{
	const char *n = btf_name(btf, off);
	return n && *n ? n : "(anon)";
}

static const char *int_encoding(uint32_t enc)
{
	switch (enc) {
	case BTF_INT_SIGNED: return "SIGNED";
	case BTF_INT_CHAR: return "CHAR";
	case BTF_INT_BOOL: return "BOOL";
	default: return "(none)";
	}
}

static void log_members(const struct btf *btf, const struct btf_type *t, struct strbuf *sb)
{
	const struct btf_member *m = btf_members(t);
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		sb_printf(sb, "\t%s type_id=%u ", btf_name(btf, m[i].name_off), m[i].type);
		if (btf_kflag(t))
			sb_printf(sb, "bitfield_size=%u bits_offset=%u\n", m[i].offset >> 24,
				  m[i].offset & 0xffffff);
		else
			sb_printf(sb, "bits_offset=%u\n", m[i].offset);
	}
}

static void log_enum(const struct btf *btf, const struct btf_type *t, struct strbuf *sb)
{
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		if (btf_kind(t) == BTF_KIND_ENUM) {
			const struct btf_enum *e = &btf_enums(t)[i];
			sb_printf(sb, btf_kflag(t) ? "\t%s val=%d\n" : "\t%s val=%u\n",
				  btf_name(btf, e->name_off), e->val);
		} else {
			const struct btf_enum64 *e = &btf_enums64(t)[i];
			uint64_t v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
			if (btf_kflag(t))
				sb_printf(sb, "\t%s val=%lld\n", btf_name(btf, e->name_off),
					  (long long)v);
			else
				sb_printf(sb, "\t%s val=%llu\n", btf_name(btf, e->name_off),
					  (unsigned long long)v);
		}
	}
}

/* "(1 a, 10 b)", "(void)", "(vararg)", "(1 a, vararg)". */
static void log_proto_args(const struct btf *btf, const struct btf_type *t, struct strbuf *sb)
{
	const struct btf_param *p = btf_params(t);
	uint32_t n = btf_vlen(t);
	sb_puts(sb, "args=(");
	if (!n)
		sb_puts(sb, "void");
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			sb_puts(sb, ", ");
		if (!p[i].type && i == n - 1)
			sb_puts(sb, "vararg");
		else
			sb_printf(sb, "%u %s", p[i].type, btf_name(btf, p[i].name_off));
	}
	sb_puts(sb, ")\n");
}

/* The kind's details after "[id] KIND name ". */
static void log_details(const struct btf *btf, const struct btf_type *t, struct strbuf *sb)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t d = btf_int_data(t);
		sb_printf(sb, "size=%u bits_offset=%u nr_bits=%u encoding=%s\n", t->size,
			  BTF_INT_OFFSET(d), BTF_INT_BITS(d), int_encoding(BTF_INT_ENCODING(d)));
		break;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		sb_printf(sb, "type_id=%u index_type_id=%u nr_elems=%u\n", a->type, a->index_type,
			  a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		sb_printf(sb, "size=%u vlen=%u\n", t->size, btf_vlen(t));
		log_members(btf, t, sb);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		sb_printf(sb, "size=%u vlen=%u\n", t->size, btf_vlen(t));
		log_enum(btf, t, sb);
		break;
	case BTF_KIND_FWD:
		sb_puts(sb, btf_kflag(t) ? "union\n" : "struct\n");
		break;
	case BTF_KIND_FUNC_PROTO:
		sb_printf(sb, "return=%u ", t->type);
		log_proto_args(btf, t, sb);
		break;
	case BTF_KIND_VAR:
		sb_printf(sb, "type_id=%u linkage=%u\n", t->type, *(const uint32_t *)(t + 1));
		break;
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = (const struct btf_var_secinfo *)(t + 1);
		sb_printf(sb, "size=%u vlen=%u\n", t->size, btf_vlen(t));
		for (uint32_t i = 0; i < btf_vlen(t); i++)
			sb_printf(sb, "\t type_id=%u offset=%u size=%u\n", v[i].type, v[i].offset,
				  v[i].size);
		break;
	}
	case BTF_KIND_FLOAT:
		sb_printf(sb, "size=%u\n", t->size);
		break;
	case BTF_KIND_DECL_TAG:
		sb_printf(sb, "type=%u component_idx=%d\n", t->type,
			  *(const int32_t *)(t + 1));
		break;
	default: /* PTR, TYPEDEF, modifiers, FUNC, TYPE_TAG */
		sb_printf(sb, "type_id=%u\n", t->type);
	}
}

void btf_log_types(const struct btf *btf, uint32_t bad_id, const char *msg, struct strbuf *sb)
{
	size_t size;
	const void *raw = btf_raw_data(btf, &size);
	btf_log_header(raw, size, sb);
	for (uint32_t id = 1; id < btf_type_cnt(btf); id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		sb_printf(sb, "[%u] %s %s ", id, btf_kind_str(btf_kind(t)),
			  name_or_anon(btf, t->name_off));
		if (id != bad_id) {
			log_details(btf, t, sb);
			continue;
		}
		/* The bad type's first line, then the complaint, and the end. */
		size_t start = sb->len;
		log_details(btf, t, sb);
		const char *nl = sb->buf ? strchr(sb->buf + start, '\n') : NULL;
		if (nl)
			sb->len = (size_t)(nl - sb->buf), sb->buf[sb->len] = '\0';
		sb_printf(sb, " %s\n", msg);
		return;
	}
}

/* The kernel's rules for BTF given to BPF_BTF_LOAD that btf_parse relaxes
 * for object files (see btf_meta.c): no extern functions or variables,
 * sized data sections holding only variables. */
uint32_t btf_check_loadable(const struct btf *btf, const char **msg)
{
	for (uint32_t id = 1; id < btf_type_cnt(btf); id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		switch (btf_kind(t)) {
		case BTF_KIND_FUNC:
			if (btf_vlen(t) > BTF_FUNC_GLOBAL)
				return *msg = "Invalid func linkage", id;
			break;
		case BTF_KIND_VAR: {
			uint32_t linkage = *(const uint32_t *)(t + 1);
			if (linkage != BTF_VAR_STATIC && linkage != BTF_VAR_GLOBAL_ALLOCATED)
				return *msg = "Linkage not supported", id;
			break;
		}
		case BTF_KIND_DATASEC: {
			const struct btf_var_secinfo *v = (const struct btf_var_secinfo *)(t + 1);
			if (!t->size)
				return *msg = "size == 0", id;
			for (uint32_t i = 0; i < btf_vlen(t); i++)
				if (btf_kind(btf_type_by_id(btf, v[i].type)) != BTF_KIND_VAR)
					return *msg = "Not a VAR kind member", id;
			break;
		}
		}
	}
	return 0;
}
