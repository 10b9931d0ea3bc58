/* SPDX-License-Identifier: MIT */
/*
 * BTF parsing: the header, the string section, the index of type records,
 * and the queries. btf_parse() runs three passes before anyone sees the
 * result:
 *   1. here: header, strings, and a walk of the type section that checks
 *      each record's kind, info bits and length, and indexes it by id;
 *   2. btf_meta.c: the rules of each record on its own, and the ranges of
 *      the ids and name offsets it holds;
 *   3. btf_resolve.c: the kinds of referenced types, reference cycles,
 *      sizes, struct layouts.
 * No pass recurses: hostile input costs time and memory linear in its size.
 * Runs on the caller's thread; the result is immutable.
 *
 * Header rules are the kernel's (magic, version 1, flags 0, hdr_len at
 * least 24 with unknown header bytes zero, sections inside the data and
 * not overlapping, type section 4-byte aligned), except that gaps between
 * or after the sections are accepted, as libbpf accepts them; and one rule
 * more: hdr_len is a multiple of 4, so type records are aligned in memory.
 */
#include <errno.h>
#include <string.h>

#include "loader/btf_priv.h"
#include "util/alloc.h"

static const char *const kind_names[NR_BTF_KINDS] = {
	[BTF_KIND_UNKN] = "UNKNOWN",
	[BTF_KIND_INT] = "INT",
	[BTF_KIND_PTR] = "PTR",
	[BTF_KIND_ARRAY] = "ARRAY",
	[BTF_KIND_STRUCT] = "STRUCT",
	[BTF_KIND_UNION] = "UNION",
	[BTF_KIND_ENUM] = "ENUM",
	[BTF_KIND_FWD] = "FWD",
	[BTF_KIND_TYPEDEF] = "TYPEDEF",
	[BTF_KIND_VOLATILE] = "VOLATILE",
	[BTF_KIND_CONST] = "CONST",
	[BTF_KIND_RESTRICT] = "RESTRICT",
	[BTF_KIND_FUNC] = "FUNC",
	[BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
	[BTF_KIND_VAR] = "VAR",
	[BTF_KIND_DATASEC] = "DATASEC",
	[BTF_KIND_FLOAT] = "FLOAT",
	[BTF_KIND_DECL_TAG] = "DECL_TAG",
	[BTF_KIND_TYPE_TAG] = "TYPE_TAG",
	[BTF_KIND_ENUM64] = "ENUM64",
};

/* The bits of btf_type.info that mean something: vlen, kind, kind_flag. */
#define BTF_INFO_USED 0x9f00ffffu

static const struct btf_type void_type;

const char *btf_kind_str(int kind)
{
	if (kind < 0 || kind >= NR_BTF_KINDS)
		kind = BTF_KIND_UNKN;
	return kind_names[kind];
}

uint64_t btf_meta_size(int kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (uint64_t)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (uint64_t)vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return (uint64_t)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return (uint64_t)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (uint64_t)vlen * sizeof(struct btf_var_secinfo);
	default:
		return 0;
	}
}

/* A section [off, off+len) of the body (the bytes after the header). */
static int check_section(const char *what, uint32_t off, uint32_t len, size_t body,
			 const struct log_sink *log)
{
	if ((uint64_t)off + len > body) {
		log_msg(log, BPFX_LOG_ERROR, "BTF header: %s section at offset %u, %u bytes, "
			"goes past the end of the data (%zu bytes after the header)",
			what, off, len, body);
		return -EINVAL;
	}
	return 0;
}

/* Reads and checks the header of data[0..size) before anything is copied. */
static int check_header(struct btf_header *h, const uint8_t *data, size_t size,
			const struct log_sink *log)
{
	size_t body;

	if (size < sizeof(*h)) {
		log_msg(log, BPFX_LOG_ERROR, "BTF header truncated: %zu bytes, the header needs %zu",
			size, sizeof(*h));
		return -EINVAL;
	}
	memcpy(h, data, sizeof(*h));
	if (h->magic != BTF_MAGIC) {
		log_msg(log, BPFX_LOG_ERROR, "BTF header: bad magic 0x%04x (expected 0x%04x%s)",
			h->magic, BTF_MAGIC, h->magic == 0x9feb ? "; big-endian BTF is not supported" : "");
		return -EINVAL;
	}
	if (h->version != BTF_VERSION) {
		log_msg(log, BPFX_LOG_ERROR, "BTF header: unsupported version %u (expected %u)",
			h->version, BTF_VERSION);
		return -EINVAL;
	}
	if (h->flags) {
		log_msg(log, BPFX_LOG_ERROR, "BTF header: unsupported flags 0x%x", h->flags);
		return -EINVAL;
	}
	if (h->hdr_len < sizeof(*h) || h->hdr_len > size || h->hdr_len % 4) {
		log_msg(log, BPFX_LOG_ERROR, "BTF header: hdr_len %u invalid (at least %zu, a multiple "
			"of 4, at most the data size %zu)", h->hdr_len, sizeof(*h), size);
		return -EINVAL;
	}
	/* A longer header than ours is fine only if what we do not know is 0. */
	for (size_t i = sizeof(*h); i < h->hdr_len; i++) {
		if (data[i]) {
			log_msg(log, BPFX_LOG_ERROR, "BTF header: unknown header byte %zu is not zero", i);
			return -EINVAL;
		}
	}
	body = size - h->hdr_len;
	if (h->type_off % 4) {
		log_msg(log, BPFX_LOG_ERROR, "BTF header: type_off %u is not 4-byte aligned",
			h->type_off);
		return -EINVAL;
	}
	if (check_section("type", h->type_off, h->type_len, body, log) ||
	    check_section("string", h->str_off, h->str_len, body, log))
		return -EINVAL;
	if (h->type_len && h->str_len && h->type_off < h->str_off + (uint64_t)h->str_len &&
	    h->str_off < h->type_off + (uint64_t)h->type_len) {
		log_msg(log, BPFX_LOG_ERROR, "BTF header: type section [%u, %u) and string section "
			"[%u, %u) overlap", h->type_off, h->type_off + h->type_len, h->str_off,
			h->str_off + h->str_len);
		return -EINVAL;
	}
	return 0;
}

static int check_strings(const struct btf *btf, const struct log_sink *log)
{
	uint32_t len = btf->hdr.str_len;
	const char *why = NULL;

	if (!len)
		why = "is empty (it must hold at least the empty string)";
	else if (btf->strs[0])
		why = "does not start with \\0";
	else if (btf->strs[len - 1])
		why = "is not NUL-terminated";
	else if (len - 1 > BTF_MAX_NAME_OFFSET)
		why = "is larger than 16 MiB";
	if (why) {
		log_msg(log, BPFX_LOG_ERROR, "BTF string section (%u bytes) %s", len, why);
		return -EINVAL;
	}
	return 0;
}

/* The length of the record of type `id` at types[off], or -EINVAL after
 * logging why it is not a record: too short, unused info bits, unknown
 * kind, vlen data past the section. */
static int64_t record_len(const struct btf *btf, uint32_t id, uint32_t off,
			  const struct log_sink *log)
{
	uint32_t left = btf->hdr.type_len - off;
	const struct btf_type *t = (const void *)(btf->types + off);
	uint64_t meta;
	int kind;

	if (left < sizeof(*t)) {
		log_msg(log, BPFX_LOG_ERROR, "type %u: record truncated: %u bytes left in the type "
			"section, a btf_type needs %zu", id, left, sizeof(*t));
		return -EINVAL;
	}
	if (t->info & ~BTF_INFO_USED) {
		log_msg(log, BPFX_LOG_ERROR, "type %u: info 0x%08x has unused bits set", id, t->info);
		return -EINVAL;
	}
	kind = btf_kind(t);
	if (kind == BTF_KIND_UNKN || kind > BTF_KIND_MAX) {
		log_msg(log, BPFX_LOG_ERROR, "type %u: unknown kind %d", id, kind);
		return -EINVAL;
	}
	meta = btf_meta_size(kind, btf_vlen(t));
	if (meta > left - sizeof(*t)) {
		log_msg(log, BPFX_LOG_ERROR, "type %u: %s with vlen %u needs %llu bytes after its "
			"btf_type, only %zu left in the type section", id, btf_kind_str(kind),
			btf_vlen(t), (unsigned long long)meta, left - sizeof(*t));
		return -EINVAL;
	}
	return (int64_t)(sizeof(*t) + meta);
}

/* Walks the type section twice: to count the records (checking each),
 * then to record where each starts. */
static int index_types(struct btf *btf, const struct log_sink *log)
{
	uint32_t off = 0, cnt = 1;
	int64_t len;

	while (off < btf->hdr.type_len) {
		if (cnt > BTF_MAX_TYPE) {
			log_msg(log, BPFX_LOG_ERROR, "type %u: more types than the limit %u", cnt,
				BTF_MAX_TYPE);
			return -EINVAL;
		}
		len = record_len(btf, cnt, off, log);
		if (len < 0)
			return (int)len;
		off += (uint32_t)len;
		cnt++;
	}
	btf->type_cnt = cnt;
	btf->offs = mem_array(cnt, sizeof(*btf->offs));
	btf->resolved = mem_array(cnt, sizeof(*btf->resolved));
	btf->arr_size = mem_array(cnt, sizeof(*btf->arr_size));
	if (!btf->offs || !btf->resolved || !btf->arr_size)
		return -ENOMEM;
	off = 0;
	for (uint32_t id = 1; id < cnt; id++) {
		btf->offs[id] = off;
		off += (uint32_t)record_len(btf, id, off, NULL);
	}
	return 0;
}

struct btf *btf_parse(const void *data, size_t size, const struct log_sink *log, int *err)
{
	struct btf_header h;
	struct btf *btf = NULL;
	int ret;

	if (!data && size) {
		log_msg(log, BPFX_LOG_ERROR, "BTF: no data (NULL, %zu bytes)", size);
		ret = -EINVAL;
		goto fail;
	}
	ret = check_header(&h, data, size, log);
	if (ret)
		goto fail;
	btf = mem_zalloc(sizeof(*btf));
	if (!btf || !(btf->data = mem_alloc(size))) {
		ret = -ENOMEM;
		goto fail;
	}
	memcpy(btf->data, data, size);
	btf->size = size;
	btf->hdr = h;
	btf->types = btf->data + h.hdr_len + h.type_off;
	btf->strs = (const char *)btf->data + h.hdr_len + h.str_off;
	ret = check_strings(btf, log);
	if (!ret)
		ret = index_types(btf, log);
	if (!ret)
		ret = btf_check_records(btf, log);
	if (!ret)
		ret = btf_check_refs(btf, log);
	if (ret)
		goto fail;
	return btf;
fail:
	btf_free(btf);
	if (err)
		*err = ret;
	return NULL;
}

void btf_free(struct btf *btf)
{
	if (!btf)
		return;
	mem_free(btf->data);
	mem_free(btf->offs);
	mem_free(btf->resolved);
	mem_free(btf->arr_size);
	mem_free(btf);
}

const void *btf_raw_data(const struct btf *btf, size_t *size)
{
	if (size)
		*size = btf->size;
	return btf->data;
}

uint32_t btf_type_cnt(const struct btf *btf)
{
	return btf->type_cnt;
}

const struct btf_type *btf_type_by_id(const struct btf *btf, uint32_t id)
{
	if (id >= btf->type_cnt)
		return NULL;
	if (id == 0)
		return &void_type;
	return (const struct btf_type *)(btf->types + btf->offs[id]);
}

const char *btf_name(const struct btf *btf, uint32_t name_off)
{
	return btf_str_ok(btf, name_off) ? btf->strs + name_off : NULL;
}

static bool ident_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.')
		return true;
	return !first && c >= '0' && c <= '9';
}

/* The string section ends with a NUL, so these scans stop inside it. */
bool btf_name_is_ident(const struct btf *btf, uint32_t off)
{
	const char *s = btf->strs + off;

	if (!ident_char(s[0], true))
		return false;
	for (size_t i = 1; s[i]; i++) {
		if (i >= BTF_NAME_MAX || !ident_char(s[i], false))
			return false;
	}
	return true;
}

bool btf_name_is_section(const struct btf *btf, uint32_t off)
{
	const char *s = btf->strs + off;

	if (!s[0])
		return false;
	for (size_t i = 0; s[i]; i++) {
		if (i >= BTF_NAME_MAX || s[i] < 0x20 || s[i] > 0x7e)
			return false;
	}
	return true;
}

uint32_t btf_skip_modifiers(const struct btf *btf, uint32_t id)
{
	return id < btf->type_cnt ? btf->resolved[id] : id;
}

int btf_resolve_size(const struct btf *btf, uint32_t id, uint64_t *size)
{
	const struct btf_type *t;

	if (id >= btf->type_cnt)
		return -EINVAL;
	id = btf->resolved[id];
	t = btf_type_by_id(btf, id);
	if (btf_kind(t) == BTF_KIND_VAR) {
		id = btf->resolved[t->type];
		t = btf_type_by_id(btf, id);
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FLOAT:
	case BTF_KIND_DATASEC:
		*size = t->size;
		return 0;
	case BTF_KIND_PTR:
		*size = 8;
		return 0;
	case BTF_KIND_ARRAY:
		*size = btf->arr_size[id];
		return 0;
	default:
		return -EINVAL;
	}
}

int32_t btf_find_by_name_kind(const struct btf *btf, const char *name, int kind)
{
	if (kind == BTF_KIND_UNKN && !strcmp(name, "void"))
		return 0;
	for (uint32_t id = 1; id < btf->type_cnt; id++) {
		const struct btf_type *t = btf_type_by_id(btf, id);
		if (btf_kind(t) == kind && !strcmp(btf->strs + t->name_off, name))
			return (int32_t)id;
	}
	return -ENOENT;
}
