/* SPDX-License-Identifier: MIT */
/*
 * BTF.ext: the func_info, line_info and CO-RE relocation records of an
 * object file, per ELF section. Runs when the loader reads an object,
 * after its .BTF is parsed (the records name BTF strings and types).
 *
 * Layout (LLVM's, as libbpf reads it): a header (magic 0xeB9F, version 1,
 * flags 0, hdr_len, then offset/length pairs relative to the end of the
 * header for func_info, line_info and, when hdr_len allows, core_relo).
 * Each non-empty subsection is a u32 record size followed by blocks of
 * { u32 sec_name_off; u32 num_info; record[num_info] }.
 *
 * Everything is checked before use: header, alignment (the blob is
 * copied to an aligned buffer; offsets and record sizes are multiples of
 * 4), bounds, record sizes at least the UAPI structs, section names in
 * the BTF string table, and each record (func_info names a FUNC, insn_off
 * multiples of 8 and in order, line_info strings, CO-RE type ids, access
 * strings "N(:N)*" and kinds).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf.h"
#include "util/alloc.h"

#define BAD(...)                                                \
	do {                                                    \
		log_msg(log, BPFX_LOG_ERROR, __VA_ARGS__);     \
		return -EINVAL;                                 \
	} while (0)

/* LLVM's .BTF.ext header; core_relo_* exist when hdr_len covers them. */
struct ext_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_info_off;
	uint32_t func_info_len;
	uint32_t line_info_off;
	uint32_t line_info_len;
	uint32_t core_relo_off;
	uint32_t core_relo_len;
};

#define EXT_HDR_MIN 24u   /* up to line_info_len */
#define EXT_HDR_CORE 32u  /* with core_relo_off/len */

enum { EXT_FUNC, EXT_LINE, EXT_CORE, EXT_KINDS };

static const char *const sub_names[EXT_KINDS] = { "func_info", "line_info", "core_relo" };
static const uint32_t sub_min_rec[EXT_KINDS] = {
	sizeof(struct bpf_func_info), sizeof(struct bpf_line_info), sizeof(struct bpf_core_relo),
};

/* One { name, records } block of one subsection, before merging. */
struct ext_ent {
	const char *name;
	uint32_t order;            /* position of the block in the file */
	uint32_t sec;              /* merge_sections: its section's index */
	int kind;
	struct btf_ext_info info;
};

struct btf_ext {
	uint8_t *data;             /* owned copy; records point into it */
	size_t size;
	struct btf_ext_sec *secs;
	int sec_cnt;
};

struct ext_parse {
	const struct btf *btf;
	const struct log_sink *log;
	const uint8_t *body;       /* data after the header */
	size_t body_len;
	struct ext_ent *ents;
	uint32_t ent_cnt, ent_cap;
};

static int add_ent(struct ext_parse *p, const struct ext_ent *e)
{
	if (p->ent_cnt == p->ent_cap) {
		uint32_t cap = p->ent_cap ? p->ent_cap * 2 : 16;
		struct ext_ent *n = mem_realloc(p->ents, (size_t)cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->ents = n;
		p->ent_cap = cap;
	}
	p->ents[p->ent_cnt++] = *e;
	return 0;
}

static bool access_str_ok(const char *s)
{
	bool digit = false;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if (*s == ':' && digit)
			digit = false;
		else
			return false;
	}
	return digit;
}

/* The records of one block: what each kind's fields must hold. */
static int check_records(const struct ext_parse *p, const struct ext_ent *e)
{
	const struct log_sink *log = p->log;
	const struct btf *btf = p->btf;
	uint32_t prev = 0;

	for (uint32_t i = 0; i < e->info.cnt; i++) {
		const uint32_t *r = (const uint32_t *)((const char *)e->info.recs +
							(size_t)i * e->info.rec_size);
		const char *what = sub_names[e->kind];

		if (r[0] % 8)
			BAD("BTF.ext %s '%s' record %u: insn_off %u is not a multiple of 8", what,
			    e->name, i, r[0]);
		if (i && (r[0] < prev || (e->kind == EXT_FUNC && r[0] == prev)))
			BAD("BTF.ext %s '%s' record %u: insn_off %u before the previous record's %u",
			    what, e->name, i, r[0], prev);
		prev = r[0];
		if (e->kind == EXT_FUNC) {
			const struct btf_type *t = btf_type_by_id(btf, r[1]);
			if (!t || btf_kind(t) != BTF_KIND_FUNC)
				BAD("BTF.ext func_info '%s' record %u: type id %u is not a FUNC (type "
				    "count %u)", e->name, i, r[1], btf_type_cnt(btf));
		} else if (e->kind == EXT_LINE) {
			if (!btf_name(btf, r[1]) || !btf_name(btf, r[2]))
				BAD("BTF.ext line_info '%s' record %u: file name offset %u or line offset "
				    "%u outside the BTF strings", e->name, i, r[1], r[2]);
		} else {
			const char *acc = btf_name(btf, r[2]);
			if (r[1] >= btf_type_cnt(btf))
				BAD("BTF.ext core_relo '%s' record %u: type id %u out of range (type "
				    "count %u)", e->name, i, r[1], btf_type_cnt(btf));
			if (!acc || !access_str_ok(acc))
				BAD("BTF.ext core_relo '%s' record %u: access string at %u is not "
				    "\"N(:N)*\"", e->name, i, r[2]);
			if (r[3] > BPF_CORE_TYPE_MATCHES)
				BAD("BTF.ext core_relo '%s' record %u: unknown kind %u", e->name, i, r[3]);
		}
	}
	return 0;
}

/* One subsection: its record size, then its blocks. */
static int parse_sub(struct ext_parse *p, int kind, uint32_t off, uint32_t len)
{
	const struct log_sink *log = p->log;
	const char *what = sub_names[kind];
	const uint8_t *cur, *end;
	uint32_t rec_size;
	int err;

	if (!len)
		return 0;
	if (off % 4 || (uint64_t)off + len > p->body_len)
		BAD("BTF.ext header: %s at offset %u, %u bytes, is unaligned or past the end (%zu "
		    "bytes after the header)", what, off, len, p->body_len);
	if (len < 4)
		BAD("BTF.ext %s: %u bytes, too short for its record size", what, len);
	cur = p->body + off;
	end = cur + len;
	rec_size = *(const uint32_t *)cur;
	cur += 4;
	if (rec_size < sub_min_rec[kind] || rec_size % 4)
		BAD("BTF.ext %s: record size %u (at least %u, a multiple of 4)", what, rec_size,
		    sub_min_rec[kind]);
	while (cur < end) {
		const uint32_t *h = (const uint32_t *)cur;
		struct ext_ent e = { .kind = kind, .order = p->ent_cnt };

		if ((size_t)(end - cur) < 8)
			BAD("BTF.ext %s: section header truncated at offset %zu", what,
			    (size_t)(cur - p->body));
		e.name = btf_name(p->btf, h[0]);
		if (!e.name || !*e.name)
			BAD("BTF.ext %s: section name offset %u outside the BTF strings or empty", what,
			    h[0]);
		if (!h[1])
			BAD("BTF.ext %s '%s': no records", what, e.name);
		if ((uint64_t)h[1] * rec_size > (size_t)(end - cur) - 8)
			BAD("BTF.ext %s '%s': %u records of %u bytes go past the end of the subsection",
			    what, e.name, h[1], rec_size);
		e.info.recs = cur + 8;
		e.info.cnt = h[1];
		e.info.rec_size = rec_size;
		err = check_records(p, &e);
		if (!err)
			err = add_ent(p, &e);
		if (err)
			return err;
		cur += 8 + (size_t)h[1] * rec_size;
	}
	return 0;
}

static int cmp_ent_name(const void *a, const void *b)
{
	const struct ext_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_ent_order(const void *a, const void *b)
{
	const struct ext_ent *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Merges the blocks of the three subsections by section name: sorts them
 * by name, folds runs into sections, then orders sections by their first
 * block. A name twice in one subsection is an error. */
static int merge_sections(struct ext_parse *p, struct btf_ext *ext)
{
	const struct log_sink *log = p->log;
	struct btf_ext_sec *merged;
	struct ext_ent *lead;      /* the first block of each section */
	uint32_t n = 0;
	int err = 0;

	if (!p->ent_cnt)
		return 0;
	qsort(p->ents, p->ent_cnt, sizeof(*p->ents), cmp_ent_name);
	merged = mem_array(p->ent_cnt, sizeof(*merged));
	lead = mem_array(p->ent_cnt, sizeof(*lead));
	ext->secs = mem_array(p->ent_cnt, sizeof(*ext->secs));
	if (!merged || !lead || !ext->secs) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < p->ent_cnt; i++) {
		const struct ext_ent *e = &p->ents[i];
		struct btf_ext_info *slot;

		if (!i || strcmp(e->name, p->ents[i - 1].name)) {
			lead[n] = *e;
			lead[n].sec = n;
			merged[n++].name = e->name;
		}
		slot = e->kind == EXT_FUNC ? &merged[n - 1].func_info :
		       e->kind == EXT_LINE ? &merged[n - 1].line_info : &merged[n - 1].core_relo;
		if (slot->cnt) {
			log_msg(log, BPFX_LOG_ERROR, "BTF.ext %s: section '%s' appears twice",
				sub_names[e->kind], e->name);
			err = -EINVAL;
			goto out;
		}
		*slot = e->info;
	}
	qsort(lead, n, sizeof(*lead), cmp_ent_order);
	for (uint32_t i = 0; i < n; i++)
		ext->secs[i] = merged[lead[i].sec];
	ext->sec_cnt = (int)n;
out:
	mem_free(merged);
	mem_free(lead);
	return err;
}

static int check_ext_header(struct ext_header *h, const uint8_t *data, size_t size,
			    const struct log_sink *log)
{
	memset(h, 0, sizeof(*h));
	if (size < EXT_HDR_MIN)
		BAD("BTF.ext header truncated: %zu bytes, the header needs %u", size, EXT_HDR_MIN);
	memcpy(h, data, size < sizeof(*h) ? size : sizeof(*h));
	if (h->magic != BTF_MAGIC)
		BAD("BTF.ext header: bad magic 0x%04x (expected 0x%04x)", h->magic, BTF_MAGIC);
	if (h->version != BTF_VERSION)
		BAD("BTF.ext header: unsupported version %u", h->version);
	if (h->flags)
		BAD("BTF.ext header: unsupported flags 0x%x", h->flags);
	if (h->hdr_len < EXT_HDR_MIN || h->hdr_len > size || h->hdr_len % 4)
		BAD("BTF.ext header: hdr_len %u invalid (at least %u, a multiple of 4, at most the "
		    "data size %zu)", h->hdr_len, EXT_HDR_MIN, size);
	if (h->hdr_len < EXT_HDR_CORE)
		h->core_relo_off = h->core_relo_len = 0;
	return 0;
}

struct btf_ext *btf_ext_parse(const void *data, size_t size, const struct btf *btf,
			      const struct log_sink *log, int *err)
{
	struct ext_parse p = { .btf = btf, .log = log };
	struct btf_ext *ext = NULL;
	struct ext_header h;
	int ret;

	if (!btf || (!data && size)) {
		log_msg(log, BPFX_LOG_ERROR, "BTF.ext: no %s", btf ? "data" : "BTF to refer to");
		ret = -EINVAL;
		goto fail;
	}
	ret = check_ext_header(&h, data, size, log);
	if (ret)
		goto fail;
	ext = mem_zalloc(sizeof(*ext));
	if (!ext || !(ext->data = mem_alloc(size))) {
		ret = -ENOMEM;
		goto fail;
	}
	memcpy(ext->data, data, size);
	ext->size = size;
	p.body = ext->data + h.hdr_len;
	p.body_len = size - h.hdr_len;
	ret = parse_sub(&p, EXT_FUNC, h.func_info_off, h.func_info_len);
	if (!ret)
		ret = parse_sub(&p, EXT_LINE, h.line_info_off, h.line_info_len);
	if (!ret)
		ret = parse_sub(&p, EXT_CORE, h.core_relo_off, h.core_relo_len);
	if (!ret)
		ret = merge_sections(&p, ext);
	mem_free(p.ents);
	if (ret)
		goto fail;
	return ext;
fail:
	btf_ext_free(ext);
	if (err)
		*err = ret;
	return NULL;
}

void btf_ext_free(struct btf_ext *ext)
{
	if (!ext)
		return;
	mem_free(ext->secs);
	mem_free(ext->data);
	mem_free(ext);
}

int btf_ext_sec_cnt(const struct btf_ext *ext)
{
	return ext->sec_cnt;
}

const struct btf_ext_sec *btf_ext_sec(const struct btf_ext *ext, int idx)
{
	return idx >= 0 && idx < ext->sec_cnt ? &ext->secs[idx] : NULL;
}

const struct btf_ext_sec *btf_ext_find_sec(const struct btf_ext *ext, const char *name)
{
	for (int i = 0; i < ext->sec_cnt; i++)
		if (!strcmp(ext->secs[i].name, name))
			return &ext->secs[i];
	return NULL;
}
