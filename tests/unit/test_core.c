/* SPDX-License-Identifier: MIT */
/*
 * CO-RE relocations (loader/core.c) on hand-made BTF, without a kernel:
 * a local struct whose fields moved in the target, a member found through
 * an anonymous union, a flavored name, a bitfield, a missing field (0 for
 * an existence check, a poisoned instruction for an offset), type and
 * enumerator relocations, the three instruction shapes that get patched,
 * and malformed or ambiguous records refused. The same code is compared
 * with libbpf + the kernel's BTF by tests/object_progs/core_vmlinux.bpf.c.
 */
#include <errno.h>
#include <string.h>

#include "btf_build.h"
#include "loader/btf.h"
#include "loader/core.h"
#include "tcheck.h"

static struct bb lb, tb;
static uint8_t lraw[4096], traw[4096];
static struct btf *local, *target;

/* local: struct pkt___mine { int a; int b; char name[4]; int gone; };
 *        enum color { RED = 1, BLUE = 2 }; struct bits { unsigned x:3; } */
static void build_local(void)
{
	bb_init(&lb);
	uint32_t i = bb_int(&lb, "int", 4, BTF_INT_SIGNED, 32);             /* 1 */
	uint32_t c = bb_int(&lb, "char", 1, BTF_INT_CHAR, 8);               /* 2 */
	uint32_t arr = bb_array(&lb, c, i, 4);                              /* 3 */
	bb_struct(&lb, BTF_KIND_STRUCT, "pkt___mine", 0, 4, 16);            /* 4 */
	bb_member(&lb, "a", i, 0);
	bb_member(&lb, "b", i, 32);
	bb_member(&lb, "name", arr, 64);
	bb_member(&lb, "gone", i, 96);
	bb_type(&lb, "color", BTF_KIND_ENUM, 0, 2, 4);                      /* 5 */
	bb_enum_val(&lb, "RED", 1);
	bb_enum_val(&lb, "BLUE", 2);
	uint32_t u = bb_int(&lb, "unsigned int", 4, 0, 32);                 /* 6 */
	bb_struct(&lb, BTF_KIND_STRUCT, "bits", 1, 1, 4);                   /* 7 */
	bb_member(&lb, "x", u, 3u << 24 | 0);
	bb_struct(&lb, BTF_KIND_STRUCT, "nowhere", 0, 0, 4);                /* 8 */
	size_t n = bb_blob(&lb, lraw, sizeof(lraw));
	int err;
	local = btf_parse(lraw, n, NULL, &err);
}

/* target: struct pkt { long pad; union { int b; int alias; }; int a;
 *                      char name[8]; }; enum color { BLUE = 20, RED = 10, GREEN };
 *         struct bits { unsigned pad:5; unsigned x:3; } */
static void build_target(bool ambiguous)
{
	bb_init(&tb);
	uint32_t i = bb_int(&tb, "int", 4, BTF_INT_SIGNED, 32);             /* 1 */
	uint32_t l = bb_int(&tb, "long", 8, BTF_INT_SIGNED, 64);            /* 2 */
	uint32_t c = bb_int(&tb, "char", 1, BTF_INT_CHAR, 8);               /* 3 */
	uint32_t arr = bb_array(&tb, c, i, 8);                              /* 4 */
	uint32_t un = bb_struct(&tb, BTF_KIND_UNION, NULL, 0, 2, 4);        /* 5 */
	bb_member(&tb, "b", i, 0);
	bb_member(&tb, "alias", i, 0);
	bb_struct(&tb, BTF_KIND_STRUCT, "pkt", 0, 4, 24);                   /* 6 */
	bb_member(&tb, "pad", l, 0);
	bb_member(&tb, NULL, un, 64);
	bb_member(&tb, "a", i, 96);
	bb_member(&tb, "name", arr, 128);
	bb_type(&tb, "color", BTF_KIND_ENUM, 0, 3, 4);                      /* 7 */
	bb_enum_val(&tb, "BLUE", 20);
	bb_enum_val(&tb, "RED", 10);
	bb_enum_val(&tb, "GREEN", 30);
	uint32_t u = bb_int(&tb, "unsigned int", 4, 0, 32);                 /* 8 */
	bb_struct(&tb, BTF_KIND_STRUCT, "bits", 1, 2, 4);                   /* 9 */
	bb_member(&tb, "pad", u, 5u << 24 | 0);
	bb_member(&tb, "x", u, 3u << 24 | 5);
	if (ambiguous) {                                                    /* 10 */
		bb_struct(&tb, BTF_KIND_STRUCT, "pkt___v2", 0, 1, 4);
		bb_member(&tb, "a", i, 0);
	}
	size_t n = bb_blob(&tb, traw, sizeof(traw));
	int err;
	btf_free(target);
	target = btf_parse(traw, n, NULL, &err);
}

/* One relocation applied to `insn`; returns core_relocate's result. */
static int apply(struct bpf_insn *insn, size_t cnt, uint32_t type, const char *access,
		 uint32_t kind)
{
	/* the access string goes into the local string section */
	uint32_t off = bb_str(&lb, access);
	size_t n = bb_blob(&lb, lraw, sizeof(lraw));
	int err;
	btf_free(local);
	local = btf_parse(lraw, n, NULL, &err);
	struct bpf_core_relo r = { .insn_off = 0, .type_id = type, .access_str_off = off,
				   .kind = kind };
	return core_relocate(local, target, insn, cnt, &r, 1, NULL, "test");
}

static int32_t mov_result(uint32_t type, const char *access, uint32_t kind, int32_t local_val)
{
	struct bpf_insn in = { .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = local_val };
	int err = apply(&in, 1, type, access, kind);
	return err ? -1000 + err : in.imm;
}

int main(void)
{
	build_local();
	build_target(false);
	if (!CHECK(local && target, "the BTF builds"))
		return t_done("core");

	/* fields that moved: b into an anonymous union at 8, a to 12 */
	CHECK(mov_result(4, "0:1", BPF_CORE_FIELD_BYTE_OFFSET, 4) == 8, "b: offset 8");
	CHECK(mov_result(4, "0:0", BPF_CORE_FIELD_BYTE_OFFSET, 0) == 12, "a: offset 12");
	CHECK(mov_result(4, "0:2", BPF_CORE_FIELD_BYTE_SIZE, 4) == 8, "name grew to 8 bytes");
	CHECK(mov_result(4, "0:2:3", BPF_CORE_FIELD_BYTE_OFFSET, 11) == 19, "name[3] at 16+3");
	CHECK(mov_result(4, "0:3", BPF_CORE_FIELD_EXISTS, 1) == 0, "gone does not exist");
	CHECK(mov_result(4, "0:1", BPF_CORE_FIELD_EXISTS, 1) == 1, "b exists");
	CHECK(mov_result(4, "0:1", BPF_CORE_FIELD_SIGNED, 1) == 1, "b is signed");
	CHECK(mov_result(4, "1:0", BPF_CORE_FIELD_BYTE_OFFSET, 16) == 36, "pointer index 1");
	/* a bitfield that moved from bit 0 to bit 5 */
	CHECK(mov_result(7, "0:0", BPF_CORE_FIELD_LSHIFT_U64, 61) == 56, "x: lshift 64-8");
	CHECK(mov_result(7, "0:0", BPF_CORE_FIELD_RSHIFT_U64, 61) == 61, "x: rshift 61");
	/* types and enumerators */
	CHECK(mov_result(4, "0", BPF_CORE_TYPE_SIZE, 16) == 24, "pkt is 24 bytes there");
	CHECK(mov_result(4, "0", BPF_CORE_TYPE_EXISTS, 1) == 1, "pkt exists (flavor dropped)");
	CHECK(mov_result(8, "0", BPF_CORE_TYPE_EXISTS, 1) == 0, "nowhere does not");
	CHECK(mov_result(4, "0", BPF_CORE_TYPE_ID_TARGET, 4) == 6, "pkt's target id");
	CHECK(mov_result(4, "0", BPF_CORE_TYPE_ID_LOCAL, 4) == 4, "pkt's local id");
	CHECK(mov_result(5, "1", BPF_CORE_ENUMVAL_VALUE, 2) == 20, "BLUE is 20 there");
	CHECK(mov_result(5, "0", BPF_CORE_ENUMVAL_EXISTS, 1) == 1, "RED exists");

	/* a load's offset; lddw's 64-bit immediate */
	struct bpf_insn ldx = { .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 0, .src_reg = 1, .off = 4 };
	CHECK(apply(&ldx, 1, 4, "0:1", BPF_CORE_FIELD_BYTE_OFFSET) == 0 && ldx.off == 8,
	      "ldx offset patched: %d", ldx.off);
	struct bpf_insn ld64[2] = { { .code = BPF_LD | BPF_IMM | BPF_DW, .imm = 4 }, { 0 } };
	CHECK(apply(ld64, 2, 4, "0", BPF_CORE_TYPE_ID_TARGET) == 0 && ld64[0].imm == 6 &&
	      ld64[1].imm == 0, "lddw patched: %d", ld64[0].imm);

	/* a missing field's offset: the instruction is poisoned */
	struct bpf_insn p = { .code = BPF_LDX | BPF_MEM | BPF_W, .off = 12 };
	CHECK(apply(&p, 1, 4, "0:3", BPF_CORE_FIELD_BYTE_OFFSET) == 0 &&
	      p.code == (BPF_JMP | BPF_CALL) && p.imm == CORE_POISON_IMM, "poisoned");

	/* refused: an instruction that does not hold the local value, bad
	 * access strings, an index past the struct */
	CHECK(mov_result(4, "0:1", BPF_CORE_FIELD_BYTE_OFFSET, 5) == -1000 - EINVAL,
	      "imm disagreeing with the local layout");
	CHECK(mov_result(4, "0:x", BPF_CORE_FIELD_BYTE_OFFSET, 4) == -1000 - EINVAL, "bad access");
	CHECK(mov_result(4, "0:9", BPF_CORE_FIELD_BYTE_OFFSET, 4) == -1000 - EINVAL, "no member 9");
	CHECK(mov_result(4, "", BPF_CORE_FIELD_BYTE_OFFSET, 4) == -1000 - EINVAL, "empty access");

	/* two candidates that disagree */
	build_target(true);
	CHECK(mov_result(4, "0:0", BPF_CORE_FIELD_BYTE_OFFSET, 0) == -1000 - EINVAL, "ambiguous");

	btf_free(local);
	btf_free(target);
	return t_done("core");
}
