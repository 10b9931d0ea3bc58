/* SPDX-License-Identifier: MIT */
/*
 * The BTF module (src/loader/btf*.c) on blobs built by hand
 * (tests/unit/btf_build.h): a valid blob with every kind and the queries on
 * it; broken headers, string sections and records, each of which must be
 * refused with -EINVAL and a log line naming what is wrong (and the type
 * id); reference cycles, refused where the kernel refuses them; deep but
 * legal chains, accepted without recursion; and every allocation failing
 * in turn (DESIGN habit 6). BTF.ext is tested in test_btf_ext.c;
 * comparisons with bpftool on compiled objects are in tests/suites/btf.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_build.h"
#include "loader/btf.h"
#include "talloc.h"
#include "tcheck.h"
#include "tlog.h"
#include "util/strbuf.h"

static struct bb b;
static uint8_t blob[sizeof(b.w) + sizeof(b.s) + 64];
static size_t blob_len;

static void finish(void)
{
	blob_len = bb_blob(&b, blob, sizeof(blob));
}

static struct btf_header *hdr(void)
{
	return (struct btf_header *)blob;
}

static void expect_bad_data(const char *what, const void *data, size_t n, const char *want)
{
	struct btf *btf;
	int err = 0;

	t_last_log[0] = '\0';
	t_log_lines = 0;
	btf = btf_parse(data, n, &t_log_sink, &err);
	CHECK(!btf && err == -EINVAL, "%s: refused with -EINVAL (got %p, err %d)", what, (void *)btf,
	      err);
	CHECK(t_log_lines == 1 && strstr(t_last_log, want), "%s: one log line mentioning '%s' (got %u: "
	      "'%s')", what, want, t_log_lines, t_last_log);
	btf_free(btf);
}

/* The builder's types as they stand. */
static void expect_bad(const char *what, const char *want)
{
	finish();
	expect_bad_data(what, blob, blob_len, want);
}

static struct btf *parse_ok(const char *what)
{
	struct btf *btf;
	int err = 0;

	finish();
	t_last_log[0] = '\0';
	btf = btf_parse(blob, blob_len, &t_log_sink, &err);
	CHECK(btf && !err, "%s: accepted (err %d, log '%s')", what, err, t_last_log);
	return btf;
}

/* A fresh builder with type 1 = int. */
static uint32_t base(void)
{
	bb_init(&b);
	return bb_int(&b, "int", 4, BTF_INT_SIGNED, 32);
}

/* ------------------------------------------------------------------ */
/* A valid blob with every kind                                         */
/* ------------------------------------------------------------------ */

enum {
	T_INT = 1, T_PTR_NODE, T_NODE, T_NODE_T, T_CONST, T_VOLATILE, T_RESTRICT, T_ARR4,
	T_ARR34, T_UNION, T_LONG, T_ENUM, T_ENUM64, T_FWD, T_PROTO, T_FUNC, T_VAR, T_DATASEC,
	T_FLOAT, T_DECL_TAG, T_TYPE_TAG, T_PTR_TAG, T_BITS, T_VOID_PROTO, T_FN_PTR, T_CNT,
};

static void build_all_kinds(void)
{
	base();
	bb_ref(&b, BTF_KIND_PTR, NULL, T_NODE);
	bb_struct(&b, BTF_KIND_STRUCT, "node", 0, 2, 16);
	bb_member(&b, "next", T_PTR_NODE, 0);
	bb_member(&b, "val", T_INT, 64);
	bb_ref(&b, BTF_KIND_TYPEDEF, "node_t", T_NODE);
	bb_ref(&b, BTF_KIND_CONST, NULL, T_NODE_T);
	bb_ref(&b, BTF_KIND_VOLATILE, NULL, T_CONST);
	bb_ref(&b, BTF_KIND_RESTRICT, NULL, T_PTR_NODE);
	bb_array(&b, T_INT, T_INT, 4);
	bb_array(&b, T_ARR4, T_INT, 3);
	bb_struct(&b, BTF_KIND_UNION, "u", 0, 2, 8);
	bb_member(&b, "i", T_INT, 0);
	bb_member(&b, "l", T_LONG, 0);
	bb_int(&b, "long", 8, BTF_INT_SIGNED, 64);
	bb_type(&b, "color", BTF_KIND_ENUM, 1, 2, 4);
	bb_enum_val(&b, "RED", -1);
	bb_enum_val(&b, "GREEN", 2);
	bb_type(&b, "big", BTF_KIND_ENUM64, 0, 1, 8);
	bb_enum64_val(&b, "HUGE", 1ull << 40);
	bb_type(&b, "later", BTF_KIND_FWD, 0, 0, 0);
	bb_proto(&b, T_INT, 2);
	bb_param(&b, "a", T_INT);
	bb_param(&b, "n", T_PTR_NODE);
	bb_func(&b, "fn", T_PROTO, BTF_FUNC_GLOBAL);
	bb_var(&b, "v", T_NODE, BTF_VAR_GLOBAL_ALLOCATED);
	bb_datasec(&b, ".data", 1, 0);
	bb_secinfo(&b, T_VAR, 0, 16);
	bb_type(&b, "double", BTF_KIND_FLOAT, 0, 0, 8);
	bb_decl_tag(&b, "tag", T_NODE, 1);
	bb_ref(&b, BTF_KIND_TYPE_TAG, "user", T_INT);
	bb_ref(&b, BTF_KIND_PTR, NULL, T_TYPE_TAG);
	bb_struct(&b, BTF_KIND_STRUCT, "bits", 1, 3, 8);
	bb_member(&b, "a", T_INT, 3u << 24 | 0);
	bb_member(&b, "b", T_INT, 5u << 24 | 3);
	bb_member(&b, "c", T_ENUM, 4u << 24 | 8);
	bb_proto(&b, 0, 0);
	bb_ref(&b, BTF_KIND_PTR, NULL, T_VOID_PROTO);
}

static void check_size(const struct btf *btf, uint32_t id, int want_err, uint64_t want)
{
	uint64_t sz = 0xdead;
	int err = btf_resolve_size(btf, id, &sz);

	CHECK(err == want_err && (err || sz == want), "resolve_size(%u): err %d size %llu, want "
	      "err %d size %llu", id, err, (unsigned long long)sz, want_err,
	      (unsigned long long)want);
}

static void test_valid(void)
{
	static const char json_head[] = "{\"types\":[{\"id\":1,\"kind\":\"INT\",\"name\":\"int\","
		"\"size\":4,\"bits_offset\":0,\"nr_bits\":32,\"encoding\":\"SIGNED\"},";
	struct strbuf sb = { 0 };
	const struct btf_type *t;
	struct btf *btf;
	size_t raw_len;

	build_all_kinds();
	btf = parse_ok("every kind");
	if (!btf)
		return;
	CHECK(btf_type_cnt(btf) == T_CNT, "type count %u, want %u", btf_type_cnt(btf), T_CNT);
	CHECK(btf_kind(btf_type_by_id(btf, 0)) == BTF_KIND_UNKN, "id 0 is void");
	CHECK(!btf_type_by_id(btf, T_CNT), "id past the end is NULL");
	t = btf_type_by_id(btf, T_NODE);
	CHECK(btf_kind(t) == BTF_KIND_STRUCT && btf_vlen(t) == 2 &&
	      !strcmp(btf_name(btf, t->name_off), "node"), "struct node");
	CHECK(!strcmp(btf_name(btf, btf_members(t)[1].name_off), "val"), "member name");
	CHECK(!btf_name(btf, 1u << 20), "name offset out of range is NULL");
	t = btf_type_by_id(btf, T_BITS);
	CHECK(btf_member_bit_offset(t, 1) == 3 && btf_member_bitfield_size(t, 1) == 5,
	      "kind_flag bitfield accessors");
	CHECK(btf_skip_modifiers(btf, T_VOLATILE) == T_NODE, "skip volatile/const/typedef");
	CHECK(btf_skip_modifiers(btf, T_TYPE_TAG) == T_INT, "skip a type tag");
	CHECK(btf_skip_modifiers(btf, T_PTR_NODE) == T_PTR_NODE, "pointers are not skipped");
	check_size(btf, T_NODE, 0, 16);
	check_size(btf, T_VOLATILE, 0, 16);
	check_size(btf, T_ARR34, 0, 48);
	check_size(btf, T_PTR_NODE, 0, 8);
	check_size(btf, T_RESTRICT, 0, 8);
	check_size(btf, T_VAR, 0, 16);
	check_size(btf, T_ENUM64, 0, 8);
	check_size(btf, T_FLOAT, 0, 8);
	check_size(btf, T_DATASEC, 0, 0);
	check_size(btf, T_FWD, -EINVAL, 0);
	check_size(btf, T_PROTO, -EINVAL, 0);
	check_size(btf, T_FUNC, -EINVAL, 0);
	check_size(btf, 0, -EINVAL, 0);
	check_size(btf, T_CNT, -EINVAL, 0);
	CHECK(btf_find_by_name_kind(btf, "node", BTF_KIND_STRUCT) == T_NODE, "find struct node");
	CHECK(btf_find_by_name_kind(btf, "node", BTF_KIND_UNION) == -ENOENT, "no union node");
	CHECK(btf_find_by_name_kind(btf, "void", BTF_KIND_UNKN) == 0, "find void");
	CHECK(btf_raw_data(btf, &raw_len) && raw_len == blob_len &&
	      !memcmp(btf_raw_data(btf, NULL), blob, blob_len), "raw data is the blob");
	CHECK(!strcmp(btf_kind_str(BTF_KIND_ENUM64), "ENUM64") && !strcmp(btf_kind_str(99), "UNKNOWN"),
	      "kind names");

	CHECK(!btf_dump_raw_type(btf, T_NODE, &sb) &&
	      !strcmp(sb_str(&sb), "[3] STRUCT 'node' size=16 vlen=2\n\t'next' type_id=2 "
		      "bits_offset=0\n\t'val' type_id=1 bits_offset=64\n"), "raw dump of a struct: %s",
	      sb_str(&sb));
	sb_reset(&sb);
	CHECK(!btf_dump_raw_type(btf, T_VAR, &sb) &&
	      !strcmp(sb_str(&sb), "[17] VAR 'v' type_id=3, linkage=global\n"), "raw VAR: %s",
	      sb_str(&sb));
	sb_reset(&sb);
	CHECK(btf_dump_raw_type(btf, T_CNT, &sb) == -EINVAL, "raw dump of a bad id");
	CHECK(!btf_dump_raw(btf, &sb) && strstr(sb_str(&sb), "[13] ENUM64 'big' encoding=UNSIGNED "
	      "size=8 vlen=1\n\t'HUGE' val=1099511627776ULL\n"), "full raw dump");
	sb_reset(&sb);
	CHECK(!btf_dump_json(btf, &sb) && !strncmp(sb_str(&sb), json_head, strlen(json_head)) &&
	      strstr(sb_str(&sb), "{\"name\":\"RED\",\"val\":-1}") && sb.len > 3 &&
	      !strcmp(sb_str(&sb) + sb.len - 3, "]}\n"), "JSON dump");
	sb_reset(&sb);
	CHECK(!btf_dump_c(btf, &sb) && strstr(sb_str(&sb), "struct node {\n\tstruct node *next;\n"
	      "\tint val;\n};\n") && strstr(sb_str(&sb), "#endif /* __VMLINUX_H__ */\n"), "C dump: %s",
	      sb_str(&sb));
	sb_free(&sb);
	btf_free(btf);
	btf_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Headers and string sections                                          */
/* ------------------------------------------------------------------ */

static void with_header(const char *what, void (*patch)(void), const char *want)
{
	base();
	finish();
	patch();
	expect_bad_data(what, blob, blob_len, want);
}

static void p_magic(void) { hdr()->magic = 0x1234; }
static void p_big_endian(void) { hdr()->magic = 0x9feb; }
static void p_version(void) { hdr()->version = 2; }
static void p_flags(void) { hdr()->flags = 1; }
static void p_hdr_small(void) { hdr()->hdr_len = 16; }
static void p_hdr_big(void) { hdr()->hdr_len = (uint32_t)blob_len + 4; }
static void p_hdr_odd(void) { hdr()->hdr_len = 26; }
static void p_type_off(void) { hdr()->type_off = 2; }
static void p_type_len(void) { hdr()->type_len = 1000; }
static void p_str_off(void) { hdr()->str_off = 0xfffffff0u; }
static void p_overlap(void) { hdr()->str_off = 4; }
static void p_str_empty(void) { hdr()->str_len = 0; }
static void p_str_start(void) { blob[blob_len - hdr()->str_len] = 'x'; }
static void p_str_end(void) { blob[blob_len - 1] = 'x'; }

static void p_hdr_extra(void)
{
	/* a 28-byte header whose unknown field is not zero */
	memmove(blob + 28, blob + 24, blob_len - 24);
	memcpy(blob + 24, "\1\0\0\0", 4);
	blob_len += 4;
	hdr()->hdr_len = 28;
}

static void test_headers(void)
{
	expect_bad_data("empty data", blob, 0, "truncated");
	expect_bad_data("NULL data", NULL, 0, "truncated");
	base();
	finish();
	expect_bad_data("truncated header", blob, 10, "truncated");
	with_header("bad magic", p_magic, "bad magic 0x1234");
	with_header("big-endian magic", p_big_endian, "big-endian");
	with_header("version 2", p_version, "unsupported version 2");
	with_header("flags", p_flags, "unsupported flags");
	with_header("hdr_len too small", p_hdr_small, "hdr_len 16");
	with_header("hdr_len past the end", p_hdr_big, "hdr_len");
	with_header("hdr_len unaligned", p_hdr_odd, "hdr_len 26");
	with_header("unknown header field", p_hdr_extra, "unknown header byte 24");
	with_header("type_off unaligned", p_type_off, "type_off 2 is not 4-byte aligned");
	with_header("type section past the end", p_type_len, "type section at offset 0, 1000 bytes");
	with_header("string offset wraps", p_str_off, "string section at offset 4294967280");
	with_header("sections overlap", p_overlap, "overlap");
	with_header("string section empty", p_str_empty, "is empty");
	with_header("string section not starting with NUL", p_str_start, "does not start with \\0");
	with_header("string section not NUL-terminated", p_str_end, "not NUL-terminated");

	/* a header-only blob with an empty string table is fine: no types */
	bb_init(&b);
	{
		struct btf *btf = parse_ok("no types");
		CHECK(btf && btf_type_cnt(btf) == 1, "only void");
		btf_free(btf);
	}
}

/* ------------------------------------------------------------------ */
/* Records                                                              */
/* ------------------------------------------------------------------ */

static void test_records(void)
{
	base();
	finish();
	hdr()->type_len = 8;
	expect_bad_data("record truncated", blob, blob_len, "type 1: record truncated");

	base();
	b.w[1] |= 1u << 16;
	expect_bad("unused info bits", "type 1: info 0x01010000 has unused bits set");
	base();
	bb_type(&b, "x", 0, 0, 0, 0);
	expect_bad("kind 0", "type 2: unknown kind 0");
	base();
	bb_type(&b, "x", NR_BTF_KINDS, 0, 0, 0);
	expect_bad("kind 20", "type 2: unknown kind 20");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 100, 4);
	bb_member(&b, "a", 1, 0);
	expect_bad("vlen too large", "type 2: STRUCT with vlen 100 needs 1200 bytes");
	base();
	bb_type(&b, "e", BTF_KIND_ENUM, 0, 0xffff, 4);
	expect_bad("enum vlen too large", "type 2: ENUM with vlen 65535 needs");

	/* name offsets */
	base();
	b.w[0] = 999;
	expect_bad("type name offset", "type 1: INT type name offset 999 out of range");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 4);
	bb_member(&b, NULL, 1, 0);
	b.w[b.nw - 3] = 5000;
	expect_bad("member name offset", "type 2: STRUCT member 0 name offset 5000 out of range");
	base();
	bb_type(&b, "e", BTF_KIND_ENUM, 0, 1, 4);
	bb_enum_val(&b, "A", 1);
	b.w[b.nw - 2] = 777;
	expect_bad("enumerator name offset", "type 2: ENUM value 0 name offset 777");
	base();
	bb_proto(&b, 1, 1);
	bb_param(&b, "a", 1);
	b.w[b.nw - 2] = 1234;
	expect_bad("param name offset", "type 2: FUNC_PROTO param 0 name offset 1234");
}

static void test_refs(void)
{
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 2, 8);
	bb_member(&b, "a", 1, 0);
	bb_member(&b, "b", 99, 32);
	expect_bad("member type id", "type 2: STRUCT member 1 type id 99 out of range (type count 3)");
	base();
	bb_array(&b, 50, 1, 2);
	expect_bad("array element id", "type 2: ARRAY element type id 50 out of range");
	base();
	bb_array(&b, 1, 60, 2);
	expect_bad("array index id", "type 2: ARRAY index type id 60 out of range");
	base();
	bb_ref(&b, BTF_KIND_PTR, NULL, 7);
	expect_bad("pointer target id", "type 2: PTR target type id 7 out of range");
	base();
	bb_ref(&b, BTF_KIND_TYPEDEF, "t", 3);
	expect_bad("typedef target id", "type 2: TYPEDEF target type id 3 out of range");
	base();
	bb_proto(&b, 42, 0);
	expect_bad("proto return id", "type 2: FUNC_PROTO return type id 42");
	base();
	bb_proto(&b, 1, 2);
	bb_param(&b, "a", 1);
	bb_param(&b, "b", 1000);
	expect_bad("proto param id", "type 2: FUNC_PROTO param 1 type id 1000 out of range");
	base();
	bb_func(&b, "f", 9, 1);
	expect_bad("func proto id", "type 2: FUNC prototype type id 9 out of range");
	base();
	bb_var(&b, "v", 5, 1);
	expect_bad("var type id", "type 2: VAR variable type id 5 out of range");
	base();
	bb_datasec(&b, ".data", 1, 0);
	bb_secinfo(&b, 8, 0, 4);
	expect_bad("datasec entry id", "type 2: DATASEC variable 0 type id 8 out of range");
	base();
	bb_decl_tag(&b, "t", 4, -1);
	expect_bad("decl tag target id", "type 2: DECL_TAG target type id 4 out of range");
}

/* Kind-specific rules, one broken record at a time (type 2 unless said):
 * ints, references, arrays. */
static void test_kinds_scalar(void)
{
	base();
	bb_int(&b, "i", 3, 0, 8);
	expect_bad("int size 3", "type 2: INT size 3");
	base();
	bb_int(&b, "i", 2, 0, 17);
	expect_bad("int bits > size", "exceed its size 2");
	base();
	bb_int(&b, "i", 4, 3, 32);
	expect_bad("int encoding", "type 2: INT encoding 0x3");
	base();
	bb_int(&b, "i", 16, 0, 129);
	expect_bad("int bits > 128", "exceed 128");
	base();
	b.w[3] |= 0x10000000;
	expect_bad("int data bits", "type 1: INT data 0x11000020 has unused bits set");
	base();
	bb_type(&b, "i", BTF_KIND_INT, 1, 0, 4);
	bb_u32(&b, 32);
	expect_bad("int kind_flag", "type 2: INT has kind_flag set");
	base();
	bb_ref(&b, BTF_KIND_PTR, "p", 1);
	expect_bad("named pointer", "type 2: PTR must not have a name");
	base();
	bb_ref(&b, BTF_KIND_TYPEDEF, NULL, 1);
	expect_bad("anonymous typedef", "type 2: TYPEDEF has an invalid name");
	base();
	bb_ref(&b, BTF_KIND_TYPEDEF, "9lives", 1);
	expect_bad("typedef name not an identifier", "invalid name '9lives'");
	base();
	bb_type(&b, NULL, BTF_KIND_CONST, 0, 1, 1);
	expect_bad("const with vlen", "type 2: CONST has vlen 1");
	base();
	bb_ref(&b, BTF_KIND_TYPE_TAG, NULL, 1);
	expect_bad("type tag without a name", "type 2: TYPE_TAG has an invalid name");
	base();
	bb_array(&b, 1, 1, 2);
	b.w[b.nw - 4] = 8;
	expect_bad("array with size", "type 2: ARRAY has size 8");
	base();
	bb_array(&b, 0, 1, 2);
	expect_bad("array of void", "type 2: ARRAY element type is void");
	base();
	bb_type(&b, "l", BTF_KIND_FLOAT, 0, 0, 8);
	bb_array(&b, 1, 2, 4);
	expect_bad("array index not an int", "type 3: ARRAY index type 2 (FLOAT) is not a plain integer");
	base();
	bb_array(&b, 1, 1, 0x20000000);
	bb_array(&b, 2, 1, 8);
	expect_bad("array larger than 4 GiB", "type 3: ARRAY of 8 elements of 2147483648 bytes");
}

/* Structs and unions: member order, offsets, sizes, names, types. */
static void test_kinds_struct(void)
{
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 2, 8);
	bb_member(&b, "a", 1, 32);
	bb_member(&b, "b", 1, 0);
	expect_bad("members out of order", "type 2: STRUCT member 1 at bit offset 0, before member 0");
	base();
	bb_struct(&b, BTF_KIND_UNION, "u", 0, 1, 8);
	bb_member(&b, "a", 1, 32);
	expect_bad("union member offset", "type 2: UNION member 0 at bit offset 32 (must be 0)");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 4);
	bb_member(&b, "a", 1, 64);
	expect_bad("member past the end", "type 2: STRUCT member 0 at bit offset 64 is past the end");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 4);
	bb_member(&b, "a", 1, 8);
	expect_bad("member overflows the struct", "type 2: STRUCT member 0 (bits 8..40) does not fit");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 4);
	bb_member(&b, "a", 0, 0);
	expect_bad("void member", "type 2: STRUCT member 0 type is void");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 4);
	bb_member(&b, "bad name", 1, 0);
	expect_bad("member name", "type 2: STRUCT member 0 has an invalid name 'bad name'");
	base();
	bb_ref(&b, BTF_KIND_PTR, NULL, 1);
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 16);
	bb_member(&b, "p", 2, 4);
	expect_bad("pointer member not byte aligned", "type 3: STRUCT member 0 at bit offset 4 is not "
		   "byte aligned");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 1, 1, 4);
	bb_member(&b, "a", 1, 33u << 24);
	expect_bad("bitfield too wide", "type 2: STRUCT member 0 bitfield of 33 bits is wider");
	base();
	bb_type(&b, "f", BTF_KIND_FWD, 0, 0, 0);
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 4);
	bb_member(&b, "a", 2, 0);
	expect_bad("member of an incomplete type", "type 3: STRUCT member 0 type 2 (FWD) has no size");
	base();
	bb_proto(&b, 1, 0);
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 8);
	bb_member(&b, "f", 2, 0);
	expect_bad("member of a function type", "type 3: STRUCT member 0 type 2 (FUNC_PROTO) has no size");
	base();
	bb_var(&b, "v", 1, 1);
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 8);
	bb_member(&b, "x", 2, 0);
	expect_bad("member of a VAR", "type 3: STRUCT member 0 type 2 is a VAR");
}

/* Enums, FWD, FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG. */
static void test_kinds_other(void)
{
	base();
	bb_type(&b, "e", BTF_KIND_ENUM, 0, 1, 3);
	bb_enum_val(&b, "A", 1);
	expect_bad("enum size 3", "type 2: ENUM size 3");
	base();
	bb_type(&b, "e", BTF_KIND_ENUM, 0, 1, 4);
	bb_enum_val(&b, NULL, 1);
	expect_bad("anonymous enumerator", "type 2: ENUM value 0 has an invalid name");
	base();
	bb_type(&b, "f", BTF_KIND_FWD, 0, 0, 1);
	expect_bad("fwd with a type", "type 2: FWD has type 1");
	base();
	bb_func(&b, "f", 1, 1);
	expect_bad("func of an int", "type 2: FUNC type 1 is a INT, not a FUNC_PROTO");
	base();
	bb_proto(&b, 1, 0);
	bb_func(&b, "f", 2, 3);
	expect_bad("func linkage", "type 3: FUNC linkage 3 unknown");
	base();
	bb_proto(&b, 1, 2);
	bb_param(&b, NULL, 0);
	bb_param(&b, "x", 1);
	expect_bad("void param in the middle", "type 2: FUNC_PROTO param 0 is void");
	base();
	bb_type(&b, "f", BTF_KIND_FWD, 0, 0, 0);
	bb_proto(&b, 2, 0);
	expect_bad("proto returning a fwd", "type 3: FUNC_PROTO return type 2 (FWD) has no size");
	base();
	bb_var(&b, "v", 1, 3);
	expect_bad("var linkage", "type 2: VAR linkage 3 unknown");
	base();
	bb_type(&b, "f", BTF_KIND_FWD, 0, 0, 0);
	bb_var(&b, "v", 2, 1);
	expect_bad("var of a fwd", "type 3: VAR type 2 (FWD) has no size");
	base();
	bb_datasec(&b, ".data", 1, 0);
	bb_secinfo(&b, 1, 0, 4);
	expect_bad("datasec of an int", "type 2: DATASEC variable 0 type 1 is a INT, not a VAR");
	base();
	bb_var(&b, "v", 1, 1);
	bb_datasec(&b, NULL, 1, 0);
	bb_secinfo(&b, 2, 0, 4);
	expect_bad("datasec without a name", "type 3: DATASEC has an invalid name");
	base();
	bb_var(&b, "v", 1, 1);
	bb_var(&b, "w", 1, 1);
	bb_datasec(&b, ".data", 2, 8);
	bb_secinfo(&b, 2, 0, 4);
	bb_secinfo(&b, 3, 2, 4);
	expect_bad("datasec overlap", "type 4: DATASEC variable 1 at offset 2");
	base();
	bb_var(&b, "v", 1, 1);
	bb_datasec(&b, ".data", 1, 8);
	bb_secinfo(&b, 2, 0, 2);
	expect_bad("datasec entry smaller than its var", "type 3: DATASEC variable 0 has size 2");
	base();
	bb_type(&b, "f", BTF_KIND_FLOAT, 0, 0, 3);
	expect_bad("float size", "type 2: FLOAT size 3");
	base();
	bb_decl_tag(&b, "t", 1, -1);
	expect_bad("decl tag on an int", "type 2: DECL_TAG target 1 is a INT");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 4);
	bb_member(&b, "a", 1, 0);
	bb_decl_tag(&b, "t", 2, 1);
	expect_bad("decl tag component", "type 3: DECL_TAG component_idx 1 past the 1 members");
	base();
	bb_decl_tag(&b, "t", 1, -2);
	expect_bad("decl tag component -2", "type 2: DECL_TAG component_idx -2");
}

/* ------------------------------------------------------------------ */
/* Cycles and deep chains                                               */
/* ------------------------------------------------------------------ */

static void test_cycles(void)
{
	struct strbuf sb = { 0 };
	struct btf *btf;
	int err;

	base();
	bb_ref(&b, BTF_KIND_TYPEDEF, "A", 3);
	bb_ref(&b, BTF_KIND_TYPEDEF, "B", 2);
	expect_bad("typedef A -> typedef B -> A", "type 2: reference cycle: the TYPEDEF chain");
	base();
	bb_ref(&b, BTF_KIND_PTR, NULL, 2);
	expect_bad("pointer to itself", "type 2: reference cycle");
	base();
	bb_ref(&b, BTF_KIND_CONST, NULL, 3);
	bb_ref(&b, BTF_KIND_PTR, NULL, 4);
	bb_ref(&b, BTF_KIND_VOLATILE, NULL, 2);
	expect_bad("const -> ptr -> volatile -> const", "reference cycle");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 4);
	bb_member(&b, "self", 2, 0);
	expect_bad("struct containing itself", "type 2: reference cycle: STRUCT 2 contains itself");
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 8);
	bb_member(&b, "arr", 3, 0);
	bb_array(&b, 4, 1, 2);
	bb_ref(&b, BTF_KIND_TYPEDEF, "s_t", 2);
	expect_bad("struct -> array -> typedef -> struct", "contains itself");

	/* legal: struct s { s_t *next; } with typedef struct s s_t */
	base();
	bb_struct(&b, BTF_KIND_STRUCT, "s", 0, 1, 8);
	bb_member(&b, "next", 4, 0);
	bb_ref(&b, BTF_KIND_TYPEDEF, "s_t", 2);
	bb_ref(&b, BTF_KIND_PTR, NULL, 3);
	btf = parse_ok("struct -> ptr -> typedef -> struct");
	btf_free(btf);

	/* legal for the kernel, endless for a naive C printer: a pointer to a
	 * prototype whose parameter and return type are that pointer */
	base();
	bb_ref(&b, BTF_KIND_PTR, NULL, 3);
	bb_proto(&b, 2, 1);
	bb_param(&b, "f", 2);
	bb_struct(&b, BTF_KIND_STRUCT, "holder", 0, 1, 8);
	bb_member(&b, "fn", 2, 0);
	btf = parse_ok("ptr -> proto -> ptr");
	if (btf) {
		err = btf_dump_c(btf, &sb);
		CHECK(err == -ELOOP, "C dump of a prototype loop stops with -ELOOP (got %d)", err);
		sb_reset(&sb);
		CHECK(!btf_dump_raw(btf, &sb), "raw dump of a prototype loop");
	}
	btf_free(btf);
	sb_free(&sb);
}

static void test_deep(void)
{
	enum { DEPTH = 20000 };
	struct strbuf sb = { 0 };
	struct btf *btf;
	uint32_t id;
	uint64_t sz;

	/* ids rising along the chain: each step refers to an earlier type */
	base();
	id = 1;
	for (int i = 0; i < DEPTH; i++) {
		char name[16];
		snprintf(name, sizeof(name), "t%d", i);
		id = bb_ref(&b, i % 3 ? BTF_KIND_CONST : BTF_KIND_TYPEDEF, i % 3 ? NULL : name, id);
	}
	btf = parse_ok("20000 typedefs and qualifiers");
	if (btf) {
		CHECK(btf_skip_modifiers(btf, id) == 1, "the chain resolves to int");
		CHECK(!btf_resolve_size(btf, id, &sz) && sz == 4, "size through the chain");
		CHECK(!btf_dump_c(btf, &sb) && strstr(sb_str(&sb), "typedef const const t19995 t19998;"),
		      "C dump of a long chain walked from its end");
	}
	btf_free(btf);
	sb_reset(&sb);

	/* ids falling along the chain: a dump starting at id 2 must follow it
	 * all, past the C dumper's depth limit */
	base();
	for (uint32_t i = 0; i < DEPTH; i++) {
		char name[16];
		snprintf(name, sizeof(name), "u%u", i);
		bb_ref(&b, BTF_KIND_TYPEDEF, name, i == DEPTH - 1 ? 1 : i + 3);
	}
	btf = parse_ok("20000 typedefs, each naming the next id");
	if (btf) {
		CHECK(btf_skip_modifiers(btf, 2) == 1, "the forward chain resolves to int");
		CHECK(btf_dump_c(btf, &sb) == -ELOOP, "C dump stops at its depth limit");
		sb_reset(&sb);
		CHECK(!btf_dump_raw(btf, &sb), "raw dump of the forward chain");
	}
	btf_free(btf);
	sb_reset(&sb);

	base();
	id = 1;
	for (int i = 0; i < DEPTH; i++) {
		uint32_t s = bb_struct(&b, BTF_KIND_STRUCT, NULL, 0, 1, 4);
		bb_member(&b, "in", id, 0);
		id = bb_array(&b, s, 1, 1);
	}
	btf = parse_ok("20000 nested structs and arrays");
	if (btf)
		CHECK(!btf_resolve_size(btf, id, &sz) && sz == 4, "nested size %llu",
		      (unsigned long long)sz);
	btf_free(btf);

	base();
	bb_struct(&b, BTF_KIND_STRUCT, "wide", 0, 0xffff, 0xffff * 4);
	for (uint32_t i = 0; i < 0xffff; i++)
		bb_member(&b, NULL, 1, i * 32);
	btf = parse_ok("65535 members");
	if (btf)
		CHECK(!btf_dump_raw(btf, &sb) && !btf_dump_c(btf, &sb), "dumps of a wide struct");
	btf_free(btf);
	sb_free(&sb);
}

/* ------------------------------------------------------------------ */
/* Allocation failures                                                  */
/* ------------------------------------------------------------------ */



/* Runs op with allocation n failing, for every n it makes: each must fail
 * with -ENOMEM and leave nothing allocated. */
static void fail_each(const char *what, int (*op)(void))
{
	long total;
	int err;

	t_fail_at = -1;
	t_alloc_count = t_alloc_live = 0;
	err = op();
	total = t_alloc_count;
	CHECK(!err && t_alloc_live == 0 && total > 0, "%s: succeeds with %ld allocations (err %d, %ld live)",
	      what, total, err, t_alloc_live);
	for (long n = 0; n < total; n++) {
		t_fail_at = n;
		t_alloc_count = t_alloc_live = 0;
		err = op();
		if (!CHECK(err == -ENOMEM && t_alloc_live == 0, "%s: allocation %ld failing: err %d, %ld blocks "
			   "left", what, n, err, t_alloc_live))
			break;
	}
	t_fail_at = -1;
}

static int op_parse(void)
{
	int err = 0;
	struct btf *btf = btf_parse(blob, blob_len, NULL, &err);

	btf_free(btf);
	return btf ? 0 : err;
}

static struct btf *dump_btf;

static int op_dump(int (*dump)(const struct btf *, struct strbuf *))
{
	struct strbuf sb = { 0 };
	int err = dump(dump_btf, &sb);

	sb_free(&sb);
	return err;
}

static int op_dump_raw(void) { return op_dump(btf_dump_raw); }
static int op_dump_json(void) { return op_dump(btf_dump_json); }
static int op_dump_c(void) { return op_dump(btf_dump_c); }

static void test_alloc_fail(void)
{
	build_all_kinds();
	dump_btf = parse_ok("every kind, for the dumps");
	bpfx_set_allocator(t_failing_realloc, NULL);
	fail_each("btf_parse", op_parse);
	if (dump_btf) {
		fail_each("btf_dump_raw", op_dump_raw);
		fail_each("btf_dump_json", op_dump_json);
		fail_each("btf_dump_c", op_dump_c);
	}
	bpfx_set_allocator(NULL, NULL);
	btf_free(dump_btf);
}

int main(void)
{
	test_valid();
	test_headers();
	test_records();
	test_refs();
	test_kinds_scalar();
	test_kinds_struct();
	test_kinds_other();
	test_cycles();
	test_deep();
	test_alloc_fail();
	return t_done("btf");
}
