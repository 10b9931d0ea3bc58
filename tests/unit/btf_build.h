/* SPDX-License-Identifier: MIT */
/*
 * A tiny BTF blob builder for tests: type records and strings appended by
 * hand, then written out with a header. Used by test_btf.c (hostile and
 * valid blobs), test_fuzz_btf.c (seeds) and tests/tools/btf_dump.c (blobs
 * bpftool dumps for comparison). No validation: tests build broken BTF on
 * purpose. Capacities are fixed; exceeding one aborts the test.
 */
#ifndef BPFX_TESTS_BTF_BUILD_H
#define BPFX_TESTS_BTF_BUILD_H

#include <linux/btf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BB_WORDS (1u << 20)
#define BB_STRS (1u << 20)

struct bb {
	uint32_t w[BB_WORDS];      /* the type section, as words */
	uint32_t nw;
	char s[BB_STRS];           /* the string section */
	uint32_t ns;
	uint32_t next_id;          /* id the next bb_type gets */
};

static inline void bb_init(struct bb *b)
{
	b->nw = 0;
	b->s[0] = '\0';
	b->ns = 1;
	b->next_id = 1;
}

static inline uint32_t bb_str(struct bb *b, const char *s)
{
	size_t n;

	if (!s || !*s)
		return 0;
	/* reuse an existing copy, as a deduplicated table would (small
	 * tables only: the scan is linear) */
	for (uint32_t off = 1; b->ns < 8192 && off < b->ns; off += (uint32_t)strlen(b->s + off) + 1)
		if (!strcmp(b->s + off, s))
			return off;
	n = strlen(s) + 1;
	if (b->ns + n > BB_STRS)
		abort();
	memcpy(b->s + b->ns, s, n);
	b->ns += (uint32_t)n;
	return b->ns - (uint32_t)n;
}

static inline void bb_u32(struct bb *b, uint32_t v)
{
	if (b->nw >= BB_WORDS)
		abort();
	b->w[b->nw++] = v;
}

/* A btf_type: returns its id. size_type is the size or the type id. */
static inline uint32_t bb_type(struct bb *b, const char *name, int kind, int kflag,
			       uint32_t vlen, uint32_t size_type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, (uint32_t)kflag << 31 | (uint32_t)kind << 24 | vlen);
	bb_u32(b, size_type);
	return b->next_id++;
}

static inline uint32_t bb_int(struct bb *b, const char *name, uint32_t size, uint32_t enc,
			      uint32_t bits)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, 0, size);
	bb_u32(b, enc << 24 | bits);
	return id;
}

static inline uint32_t bb_ref(struct bb *b, int kind, const char *name, uint32_t type)
{
	return bb_type(b, name, kind, 0, 0, type);
}

static inline uint32_t bb_array(struct bb *b, uint32_t elem, uint32_t index, uint32_t n)
{
	uint32_t id = bb_type(b, NULL, BTF_KIND_ARRAY, 0, 0, 0);
	bb_u32(b, elem);
	bb_u32(b, index);
	bb_u32(b, n);
	return id;
}

/* Then vlen bb_member() calls. */
static inline uint32_t bb_struct(struct bb *b, int kind, const char *name, int kflag,
				 uint32_t vlen, uint32_t size)
{
	return bb_type(b, name, kind, kflag, vlen, size);
}

static inline void bb_member(struct bb *b, const char *name, uint32_t type, uint32_t off)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
	bb_u32(b, off);
}

/* Then vlen bb_enum_val() (or bb_enum64_val()) calls. */
static inline void bb_enum_val(struct bb *b, const char *name, int32_t val)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, (uint32_t)val);
}

static inline void bb_enum64_val(struct bb *b, const char *name, uint64_t val)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, (uint32_t)val);
	bb_u32(b, (uint32_t)(val >> 32));
}

/* Then vlen bb_param() calls. */
static inline uint32_t bb_proto(struct bb *b, uint32_t ret, uint32_t vlen)
{
	return bb_type(b, NULL, BTF_KIND_FUNC_PROTO, 0, vlen, ret);
}

static inline void bb_param(struct bb *b, const char *name, uint32_t type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
}

static inline uint32_t bb_func(struct bb *b, const char *name, uint32_t proto, uint32_t linkage)
{
	return bb_type(b, name, BTF_KIND_FUNC, 0, linkage, proto);
}

static inline uint32_t bb_var(struct bb *b, const char *name, uint32_t type, uint32_t linkage)
{
	uint32_t id = bb_type(b, name, BTF_KIND_VAR, 0, 0, type);
	bb_u32(b, linkage);
	return id;
}

/* Then vlen bb_secinfo() calls. */
static inline uint32_t bb_datasec(struct bb *b, const char *name, uint32_t vlen, uint32_t size)
{
	return bb_type(b, name, BTF_KIND_DATASEC, 0, vlen, size);
}

static inline void bb_secinfo(struct bb *b, uint32_t type, uint32_t off, uint32_t size)
{
	bb_u32(b, type);
	bb_u32(b, off);
	bb_u32(b, size);
}

static inline uint32_t bb_decl_tag(struct bb *b, const char *name, uint32_t type, int32_t idx)
{
	uint32_t id = bb_type(b, name, BTF_KIND_DECL_TAG, 0, 0, type);
	bb_u32(b, (uint32_t)idx);
	return id;
}

/* The blob: header (hdr_len 24), types, strings. Returns its size. */
static inline size_t bb_blob(const struct bb *b, uint8_t *out, size_t cap)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = b->nw * 4, .str_off = b->nw * 4, .str_len = b->ns,
	};
	size_t n = sizeof(h) + h.type_len + h.str_len;

	if (n > cap)
		abort();
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), b->w, h.type_len);
	memcpy(out + sizeof(h) + h.type_len, b->s, h.str_len);
	return n;
}

#endif /* BPFX_TESTS_BTF_BUILD_H */
