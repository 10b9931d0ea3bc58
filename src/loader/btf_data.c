/* SPDX-License-Identifier: MIT */
/*
 * Values formatted through their BTF type as compact JSON, with bpftool's
 * rules (its btf_dumper), so `bpfx map dump` prints what `bpftool map
 * dump` prints: integers in decimal (bitfields and 128-bit integers in
 * hex), chars as one-character strings, bools, enums by name, NUL-ended
 * char arrays as strings, structs and unions as objects, arrays as
 * arrays, global-data sections as {"<section>":[{"<var>":...},...]}.
 * Plain text (`map dump` without -j) differs in a few places: bitfields
 * and wide integers unquoted, non-printable chars as 0x.., pointers as %p.
 *
 * The data may be anything (a map's bytes): every read is checked against
 * its size first. Type chains are finite (btf_parse checked), but nesting
 * is limited anyway so hostile BTF cannot exhaust the stack.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader/btf.h"
#include "util/strbuf.h"

#define MAX_DEPTH 32

struct dumper {
	const struct btf *btf;
	const uint8_t *end;      /* one past the data */
	bool plain;
	struct strbuf *sb;
	bool need_comma[MAX_DEPTH + 2];
	int depth;
};

static bool have(const struct dumper *d, const uint8_t *p, uint64_t n)
{
	return p <= d->end && n <= (uint64_t)(d->end - p);
}

/* A value inside an object or array gets its separator. */
static void sep(struct dumper *d)
{
	if (d->need_comma[d->depth])
		sb_putc(d->sb, ',');
	d->need_comma[d->depth] = true;
}

static int open_(struct dumper *d, char c)
{
	if (d->depth >= MAX_DEPTH)
		return -E2BIG;
	sep(d);
	sb_putc(d->sb, c);
	d->need_comma[++d->depth] = false;
	return 0;
}

static void close_(struct dumper *d, char c)
{
	sb_putc(d->sb, c);
	d->depth--;
}

static void name(struct dumper *d, const char *n)
{
	sep(d);
	sb_putc(d->sb, '"');
	for (; *n; n++)
		sb_printf(d->sb, (unsigned char)*n < 0x20 || *n == '"' || *n == '\\' ? "\\u%04x" : "%c",
			  (unsigned char)*n);
	sb_puts(d->sb, "\":");
	d->need_comma[d->depth] = false; /* the value follows the name */
}

static void string(struct dumper *d, const char *s, size_t n)
{
	sep(d);
	sb_putc(d->sb, '"');
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			sb_printf(d->sb, "\\%c", c);
		else if (c < 0x20)
			sb_printf(d->sb, "\\u%04x", c);
		else
			sb_putc(d->sb, (char)c);
	}
	sb_putc(d->sb, '"');
}

/* A 128-bit number in hex: quoted in JSON, bare in plain text. */
static void hex128(struct dumper *d, uint64_t hi, uint64_t lo)
{
	const char *q = d->plain ? "" : "\"";
	sep(d);
	if (hi)
		sb_printf(d->sb, "%s0x%llx%016llx%s", q, (unsigned long long)hi,
			  (unsigned long long)lo, q);
	else
		sb_printf(d->sb, "%s0x%llx%s", q, (unsigned long long)lo, q);
}

/* nr_bits bits starting bit_off bits into p (little-endian). */
static int bitfield(struct dumper *d, const uint8_t *p, uint32_t bit_off, uint32_t nr_bits)
{
	p += bit_off / 8;
	bit_off %= 8;
	uint32_t bytes = (bit_off + nr_bits + 7) / 8;
	if (nr_bits > 128 || bytes > 16 || !have(d, p, bytes))
		return -EINVAL;
	uint8_t buf[16] = { 0 };
	memcpy(buf, p, bytes);
	unsigned __int128 v = 0;
	for (int i = 15; i >= 0; i--)
		v = v << 8 | buf[i];
	v >>= bit_off;
	if (nr_bits < 128)
		v &= ((unsigned __int128)1 << nr_bits) - 1;
	hex128(d, (uint64_t)(v >> 64), (uint64_t)v);
	return 0;
}

static int dump_int(struct dumper *d, const struct btf_type *t, uint32_t bit_off,
		    const uint8_t *p)
{
	uint32_t info = btf_int_data(t), bits = BTF_INT_BITS(info);
	if (!bits)
		return -EINVAL;
	if (bit_off || BTF_INT_OFFSET(info) || bits % 8 || (bits > 64 && bits != 128))
		return bitfield(d, p, bit_off + BTF_INT_OFFSET(info), bits);
	if (!have(d, p, bits / 8))
		return -EINVAL;
	if (bits == 128) {
		uint64_t lo, hi;
		memcpy(&lo, p, 8), memcpy(&hi, p + 8, 8);
		hex128(d, hi, lo);
		return 0;
	}
	uint64_t u = 0;
	memcpy(&u, p, bits / 8);
	int shift = 64 - (int)bits;
	sep(d);
	switch (BTF_INT_ENCODING(info)) {
	case BTF_INT_SIGNED:
		sb_printf(d->sb, "%lld", (long long)(int64_t)(u << shift) >> shift);
		break;
	case BTF_INT_CHAR: {
		char c = (char)p[0];
		if (isprint((unsigned char)c))
			sb_printf(d->sb, c == '"' || c == '\\' ? "\"\\%c\"" : "\"%c\"", c);
		else
			sb_printf(d->sb, d->plain ? "0x%hhx" : "\"\\u00%02hhx\"", (unsigned char)c);
		break;
	}
	case BTF_INT_BOOL:
		sb_puts(d->sb, p[0] ? "true" : "false");
		break;
	default:
		sb_printf(d->sb, "%llu", (unsigned long long)u);
	}
	return 0;
}

static int dump_type(struct dumper *d, uint32_t id, uint32_t bit_off, const uint8_t *p);

static int dump_struct(struct dumper *d, const struct btf_type *t, const uint8_t *p)
{
	const struct btf_member *m = btf_members(t);
	int err = open_(d, '{');
	for (uint32_t i = 0; !err && i < btf_vlen(t); i++) {
		uint32_t off = m[i].offset, size = 0;
		if (btf_kflag(t))
			size = BTF_MEMBER_BITFIELD_SIZE(off), off = BTF_MEMBER_BIT_OFFSET(off);
		name(d, btf_name(d->btf, m[i].name_off));
		d->need_comma[d->depth] = false;
		if (size)
			err = bitfield(d, p, off, size);
		else
			err = dump_type(d, m[i].type, off % 8, p + off / 8);
	}
	if (!err)
		close_(d, '}');
	return err;
}

/* bpftool's is_str_array: chars (not through a typedef), printable up to
 * a NUL inside the array. */
static bool is_string(const struct dumper *d, const struct btf_array *a, const uint8_t *p)
{
	const struct btf_type *e = btf_type_by_id(d->btf, a->type);
	while (e && btf_is_modifier(e) && btf_kind(e) != BTF_KIND_TYPEDEF)
		e = btf_type_by_id(d->btf, e->type);
	if (!a->nelems || !e || btf_kind(e) != BTF_KIND_INT || e->size != 1)
		return false;
	if (BTF_INT_ENCODING(btf_int_data(e)) != BTF_INT_CHAR &&
	    strcmp(btf_name(d->btf, e->name_off), "char"))
		return false;
	for (uint32_t i = 0; i < a->nelems && have(d, p + i, 1); i++) {
		if (!p[i])
			return true;
		if (p[i] <= 0x1f || p[i] >= 0x7f)
			return false;
	}
	return false;
}

static int dump_array(struct dumper *d, const struct btf_type *t, const uint8_t *p)
{
	const struct btf_array *a = btf_array(t);
	if (is_string(d, a, p)) {
		string(d, (const char *)p, a->nelems);
		return 0;
	}
	uint64_t esize;
	int err = btf_resolve_size(d->btf, a->type, &esize);
	if (err || (err = open_(d, '[')))
		return err;
	for (uint32_t i = 0; !err && i < a->nelems; i++)
		err = dump_type(d, a->type, 0, p + i * esize);
	if (!err)
		close_(d, ']');
	return err;
}

/* An enum's value by name, else as a signed number. */
static int dump_enum(struct dumper *d, const struct btf_type *t, const uint8_t *p)
{
	if ((t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8) || !have(d, p, t->size))
		return -EINVAL;
	uint64_t u = 0;
	memcpy(&u, p, t->size);
	int shift = 64 - 8 * (int)t->size;
	int64_t v = (int64_t)(u << shift) >> shift;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		int64_t e = btf_kind(t) == BTF_KIND_ENUM
				    ? (int64_t)(int32_t)btf_enums(t)[i].val
				    : (int64_t)((uint64_t)btf_enums64(t)[i].val_hi32 << 32 |
						btf_enums64(t)[i].val_lo32);
		uint32_t name_off = btf_kind(t) == BTF_KIND_ENUM ? btf_enums(t)[i].name_off
								 : btf_enums64(t)[i].name_off;
		if (e == v) {
			const char *n = btf_name(d->btf, name_off);
			string(d, n, strlen(n));
			return 0;
		}
	}
	sep(d);
	sb_printf(d->sb, "%lld", (long long)v);
	return 0;
}

static int dump_datasec(struct dumper *d, const struct btf_type *t, const uint8_t *p)
{
	const struct btf_var_secinfo *v = (const struct btf_var_secinfo *)(t + 1);
	int err = open_(d, '{');
	if (err)
		return err;
	name(d, btf_name(d->btf, t->name_off));
	if ((err = open_(d, '[')))
		return err;
	for (uint32_t i = 0; !err && i < btf_vlen(t); i++)
		err = dump_type(d, v[i].type, 0, p + v[i].offset);
	if (err)
		return err;
	close_(d, ']');
	close_(d, '}');
	return 0;
}

static int dump_type(struct dumper *d, uint32_t id, uint32_t bit_off, const uint8_t *p)
{
	const struct btf_type *t = btf_type_by_id(d->btf, id);
	int err;

	if (!t || d->depth >= MAX_DEPTH)
		return -EINVAL;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return dump_int(d, t, bit_off, p);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return dump_struct(d, t, p);
	case BTF_KIND_ARRAY:
		return dump_array(d, t, p);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return dump_enum(d, t, p);
	case BTF_KIND_PTR: {
		uint64_t v;
		if (!have(d, p, 8))
			return -EINVAL;
		memcpy(&v, p, 8);
		sep(d);
		if (d->plain)
			sb_printf(d->sb, v ? "0x%llx" : "(nil)", (unsigned long long)v);
		else
			sb_printf(d->sb, "%llu", (unsigned long long)v);
		return 0;
	}
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return dump_type(d, btf_skip_modifiers(d->btf, id), bit_off, p);
	case BTF_KIND_VAR:
		if ((err = open_(d, '{')))
			return err;
		name(d, btf_name(d->btf, t->name_off));
		if ((err = dump_type(d, t->type, bit_off, p)))
			return err;
		close_(d, '}');
		return 0;
	case BTF_KIND_DATASEC:
		return dump_datasec(d, t, p);
	default: /* void, FWD, FUNC, FLOAT...: bpftool has no format for them */
		return -EINVAL;
	}
}

int btf_dump_data(const struct btf *btf, uint32_t type_id, const void *data, size_t size,
		  bool plain, struct strbuf *sb)
{
	struct dumper d = { .btf = btf, .end = (const uint8_t *)data + size, .plain = plain,
			    .sb = sb };
	size_t start = sb->len;
	int err = dump_type(&d, type_id, 0, data);
	if (err && sb->buf) {
		sb->len = start;
		sb->buf[start] = '\0';
	}
	return err ? err : sb_error(sb);
}
