/* SPDX-License-Identifier: MIT */
/*
 * Values formatted through BTF (btf_dump_data), against what bpftool's
 * map dump prints for the same types and bytes (its btf_dumper rules,
 * checked end to end against bpftool by tests/suites/map_dump.sh): signed
 * and unsigned integers, chars, bools, bitfields, enums by name, strings,
 * nested structs and arrays, 128-bit integers, and short data refused.
 */
#include <errno.h>
#include <string.h>

#include "btf_build.h"
#include "loader/btf.h"
#include "tcheck.h"
#include "util/strbuf.h"

static struct bb b;
static struct btf *btf;

static void expect(uint32_t id, const void *data, size_t size, bool plain, const char *want)
{
	struct strbuf sb = { 0 };
	int err = btf_dump_data(btf, id, data, size, plain, &sb);
	CHECK(!err && !strcmp(sb_str(&sb), want), "type %u%s: got '%s' (%d), want '%s'", id,
	      plain ? " (plain)" : "", sb_str(&sb), err, want);
	sb_free(&sb);
}

int main(void)
{
	static uint8_t blob[4096];
	bb_init(&b);
	uint32_t i32 = bb_int(&b, "int", 4, BTF_INT_SIGNED, 32);                 /* 1 */
	uint32_t u16 = bb_int(&b, "unsigned short", 2, 0, 16);                   /* 2 */
	uint32_t ch = bb_int(&b, "char", 1, BTF_INT_CHAR, 8);                    /* 3 */
	uint32_t bo = bb_int(&b, "_Bool", 1, BTF_INT_BOOL, 8);                   /* 4 */
	uint32_t name = bb_array(&b, ch, i32, 8);                                /* 5 */
	uint32_t en = bb_type(&b, "color", BTF_KIND_ENUM, 0, 2, 4);              /* 6 */
	bb_enum_val(&b, "RED", 0);
	bb_enum_val(&b, "BLUE", -1);
	uint32_t st = bb_struct(&b, BTF_KIND_STRUCT, "s", 1, 6, 24);             /* 7 */
	bb_member(&b, "n", i32, 0);
	bb_member(&b, "lo", u16, 3u << 24 | 32);
	bb_member(&b, "hi", u16, 5u << 24 | 35);
	bb_member(&b, "name", name, 64);
	bb_member(&b, "c", en, 128);
	bb_member(&b, "ok", bo, 160);
	uint32_t arr = bb_array(&b, st, i32, 2);                                 /* 8 */
	uint32_t i128 = bb_int(&b, "__int128", 16, BTF_INT_SIGNED, 128);         /* 9 */
	uint32_t td = bb_ref(&b, BTF_KIND_TYPEDEF, "color_t", en);               /* 10 */
	size_t len = bb_blob(&b, blob, sizeof(blob));
	int err;
	btf = btf_parse(blob, len, NULL, &err);
	if (!CHECK(btf != NULL, "blob parses: %d", err))
		return t_done("btf_data");

	int32_t minus = -42;
	expect(i32, &minus, 4, false, "-42");
	uint16_t big = 65535;
	expect(u16, &big, 2, false, "65535");
	expect(ch, "A", 1, false, "\"A\"");
	expect(ch, "\x01", 1, false, "\"\\u0001\"");
	expect(ch, "\x01", 1, true, "0x1");
	uint8_t yes = 1;
	expect(bo, &yes, 1, false, "true");
	expect(name, "eth0\0\0\0\0", 8, false, "\"eth0\"");
	expect(name, "\x01\x02\x03\x04\x05\x06\x07\x08", 8, false,
	       "[\"\\u0001\",\"\\u0002\",\"\\u0003\",\"\\u0004\",\"\\u0005\",\"\\u0006\","
	       "\"\\u0007\",\"\\u0008\"]");
	int32_t blue = -1, other = 7;
	expect(en, &blue, 4, false, "\"BLUE\"");
	expect(en, &other, 4, false, "7");
	expect(td, &blue, 4, false, "\"BLUE\"");

	uint8_t s[24] = { 0 };
	memcpy(s, &minus, 4);
	s[4] = 0x05 | 0x18 << 3;                 /* lo = 5 (3 bits), hi = 0x18 (5 bits) */
	memcpy(s + 8, "lo\0", 3);
	memcpy(s + 16, &blue, 4);
	s[20] = 1;
	expect(st, s, sizeof(s), false,
	       "{\"n\":-42,\"lo\":\"0x5\",\"hi\":\"0x18\",\"name\":\"lo\",\"c\":\"BLUE\",\"ok\":true}");
	expect(st, s, sizeof(s), true,
	       "{\"n\":-42,\"lo\":0x5,\"hi\":0x18,\"name\":\"lo\",\"c\":\"BLUE\",\"ok\":true}");
	uint8_t two[48] = { 0 };
	memcpy(two, s, 24);
	expect(arr, two, sizeof(two), false,
	       "[{\"n\":-42,\"lo\":\"0x5\",\"hi\":\"0x18\",\"name\":\"lo\",\"c\":\"BLUE\",\"ok\":true},"
	       "{\"n\":0,\"lo\":\"0x0\",\"hi\":\"0x0\",\"name\":\"\",\"c\":\"RED\",\"ok\":false}]");
	uint64_t wide[2] = { 0x1122334455667788ull, 0x99 };
	expect(i128, wide, 16, false, "\"0x991122334455667788\"");
	expect(i128, wide, 16, true, "0x991122334455667788");

	/* Too few bytes: refused, nothing written. */
	struct strbuf sb = { 0 };
	CHECK(btf_dump_data(btf, st, s, 20, false, &sb) == -EINVAL && !sb.len,
	      "20 bytes for a struct with a member at 20: EINVAL, no output");
	CHECK(btf_dump_data(btf, i32, s, 3, false, &sb) == -EINVAL, "3 bytes for an int");
	CHECK(btf_dump_data(btf, 99, s, 24, false, &sb) == -EINVAL, "no such type");
	sb_free(&sb);
	btf_free(btf);
	return t_done("btf_data");
}
