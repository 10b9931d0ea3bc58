/* SPDX-License-Identifier: MIT */
/*
 * The disassembler prints every instruction as the kernel/bpftool and
 * llvm-objdump do: a hand-written table of both texts, the listing format
 * of bpfx_disasm(), and, when the tools are installed, the same
 * instructions compared against llvm-objdump-19 and against bpftool's
 * dump of programs loaded into the running kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers/names.h"
#include "isa/isa.h"
#include "tcheck.h"
#include "tinsn.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One instruction (two slots for lddw) and its two texts. */
struct dcase {
	struct bpf_insn in[2];
	const char *bpftool;
	const char *llvm;
};

#define LD64(dst, src, lo, hi) { RAW(0x18, dst, src, 0, (int)(lo)), RAW(0, 0, 0, 0, (int)(hi)) }
#define ONE(i) { i }

static const struct dcase cases[] = {
	/* ALU */
	{ ONE(MOV64_IMM(0, 0)), "r0 = 0", "r0 = 0x0" },
	{ ONE(RAW(0xb4, 0, 0, 0, 1)), "w0 = 1", "w0 = 0x1" },
	{ ONE(MOV64_IMM(0, -1)), "r0 = -1", "r0 = -0x1" },
	{ ONE(RAW(0xb4, 0, 0, 0, -1)), "w0 = -1", "w0 = -0x1" },
	{ ONE(ALU64_REG(BPF_ADD, 1, 2)), "r1 += r2", "r1 += r2" },
	{ ONE(ALU64_IMM(BPF_ADD, 0, INT32_MIN)), "r0 += -2147483648", "r0 += -0x80000000" },
	{ ONE(ALU64_IMM(BPF_ADD, 1, INT32_MAX)), "r1 += 2147483647", "r1 += 0x7fffffff" },
	{ ONE(ALU64_IMM(BPF_XOR, 7, -85)), "r7 ^= -85", "r7 ^= -0x55" },
	{ ONE(ALU64_REG(BPF_SUB, 1, 2)), "r1 -= r2", "r1 -= r2" },
	{ ONE(ALU64_REG(BPF_MOD, 1, 2)), "r1 %= r2", "r1 %= r2" },
	{ ONE(ALU64_IMM(BPF_AND, 1, 255)), "r1 &= 255", "r1 &= 0xff" },
	{ ONE(ALU64_REG(BPF_OR, 1, 2)), "r1 |= r2", "r1 |= r2" },
	{ ONE(ALU64_IMM(BPF_LSH, 7, 2)), "r7 <<= 2", "r7 <<= 0x2" },
	{ ONE(MOV64_REG(1, 2)), "r1 = r2", "r1 = r2" },
	{ ONE(ALU32_IMM(BPF_ARSH, 1, 3)), "w1 s>>= 3", "w1 s>>= 0x3" },
	{ ONE(ALU32_IMM(BPF_MUL, 7, 7)), "w7 *= 7", "w7 *= 0x7" },
	{ ONE(ALU32_IMM(BPF_RSH, 7, 3)), "w7 >>= 3", "w7 >>= 0x3" },
	{ ONE(ALU32_REG(BPF_ADD, 6, 7)), "w6 += w7", "w6 += w7" },
	{ ONE(ALU32_REG(BPF_ARSH, 1, 2)), "w1 s>>= w2", "w1 s>>= w2" },
	{ ONE(ALU32_REG(BPF_MOV, 1, 2)), "w1 = w2", "w1 = w2" },
	{ ONE(RAW(0x3f, 0, 1, 1, 0)), "r0 s/= r1", "r0 s/= r1" },
	{ ONE(RAW(0x97, 0, 0, 1, 3)), "r0 s%= 3", "r0 s%= 0x3" },
	{ ONE(RAW(0x3c, 1, 2, 1, 0)), "w1 s/= w2", "w1 s/= w2" },
	{ ONE(RAW(0x34, 1, 0, 1, 5)), "w1 s/= 5", "w1 s/= 0x5" },
	{ ONE(RAW(0x87, 0, 0, 0, 0)), "r0 = -r0", "r0 = -r0" },
	{ ONE(RAW(0x84, 0, 0, 0, 0)), "w0 = -w0", "w0 = -w0" },
	{ ONE(RAW(0xdc, 0, 0, 0, 16)), "r0 = be16 r0", "r0 = be16 r0" },
	{ ONE(RAW(0xd4, 0, 0, 0, 64)), "r0 = le64 r0", "r0 = le64 r0" },
	{ ONE(RAW(0xd7, 0, 0, 0, 32)), "r0 = bswap32 r0", "r0 = bswap32 r0" },
	{ ONE(RAW(0xbf, 0, 1, 8, 0)), "r0 = (s8)r1", "r0 = (s8)r1" },
	{ ONE(RAW(0xbf, 0, 1, 32, 0)), "r0 = (s32)r1", "r0 = (s32)r1" },
	{ ONE(RAW(0xbc, 0, 1, 16, 0)), "w0 = (s16)w1", "w0 = (s16)w1" },
	/* loads and stores */
	{ ONE(LDX(BPF_W, 0, 1, 4)), "r0 = *(u32 *)(r1 +4)", "r0 = *(u32 *)(r1 + 0x4)" },
	{ ONE(RAW(0x91, 0, 1, -2, 0)), "r0 = *(s8 *)(r1 -2)", "r0 = *(s8 *)(r1 - 0x2)" },
	{ ONE(LDX(BPF_DW, 0, 1, 0)), "r0 = *(u64 *)(r1 +0)", "r0 = *(u64 *)(r1 + 0x0)" },
	{ ONE(LDX(BPF_W, 0, 1, -32768)), "r0 = *(u32 *)(r1 -32768)", "r0 = *(u32 *)(r1 - 0x8000)" },
	{ ONE(LDX(BPF_B, 0, 1, 32767)), "r0 = *(u8 *)(r1 +32767)", "r0 = *(u8 *)(r1 + 0x7fff)" },
	{ ONE(RAW(0x81, 1, 2, 4, 0)), "r1 = *(s32 *)(r2 +4)", "r1 = *(s32 *)(r2 + 0x4)" },
	{ ONE(RAW(0x89, 1, 2, 4, 0)), "r1 = *(s16 *)(r2 +4)", "r1 = *(s16 *)(r2 + 0x4)" },
	{ ONE(STX(BPF_DW, 10, 1, -8)), "*(u64 *)(r10 -8) = r1", "*(u64 *)(r10 - 0x8) = r1" },
	{ ONE(STX(BPF_W, 10, 1, -8)), "*(u32 *)(r10 -8) = r1", "*(u32 *)(r10 - 0x8) = r1" },
	{ ONE(STX(BPF_H, 10, 1, -8)), "*(u16 *)(r10 -8) = r1", "*(u16 *)(r10 - 0x8) = r1" },
	{ ONE(ST(BPF_W, 10, -8, 5)), "*(u32 *)(r10 -8) = 5", "*(u32 *)(r10 - 0x8) = 0x5" },
	{ ONE(ST(BPF_W, 10, -8, -5)), "*(u32 *)(r10 -8) = -5", "*(u32 *)(r10 - 0x8) = -0x5" },
	{ ONE(ST(BPF_B, 10, 2, 128)), "*(u8 *)(r10 +2) = 128", "*(u8 *)(r10 + 0x2) = 0x80" },
	{ ONE(ST(BPF_DW, 10, 2, 1)), "*(u64 *)(r10 +2) = 1", "*(u64 *)(r10 + 0x2) = 0x1" },
	{ ONE(RAW(0x30, 0, 0, 0, 12)), "r0 = *(u8 *)skb[12]", "r0 = *(u8 *)skb[0xc]" },
	{ ONE(RAW(0x20, 0, 0, 0, -4)), "r0 = *(u32 *)skb[-4]", "r0 = *(u32 *)skb[-0x4]" },
	{ ONE(RAW(0x48, 0, 1, 0, 4)), "r0 = *(u16 *)skb[r1 + 4]", "r0 = *(u16 *)skb[r1 + 0x4]" },
	{ ONE(RAW(0x50, 0, 1, 0, 0)), "r0 = *(u8 *)skb[r1 + 0]", "r0 = *(u8 *)skb[r1]" },
	/* jumps */
	{ ONE(JMP_REG(BPF_JSGT, 1, 2, 3)), "if r1 s> r2 goto pc+3", "if r1 s> r2 goto +0x3" },
	{ ONE(RAW(0x16, 1, 0, -2, 5)), "if w1 == 0x5 goto pc-2", "if w1 == 0x5 goto -0x2" },
	{ ONE(JMP_IMM(BPF_JSET, 1, 8, 1)), "if r1 & 0x8 goto pc+1", "if r1 & 0x8 goto +0x1" },
	{ ONE(JMP_IMM(BPF_JGT, 1, -1, 1)), "if r1 > 0xffffffff goto pc+1", "if r1 > -0x1 goto +0x1" },
	{ ONE(JMP_IMM(BPF_JEQ, 1, INT32_MIN, 32767)), "if r1 == 0x80000000 goto pc+32767",
	  "if r1 == -0x80000000 goto +0x7fff" },
	{ ONE(JMP_REG(BPF_JSLE, 1, 2, 5)), "if r1 s<= r2 goto pc+5", "if r1 s<= r2 goto +0x5" },
	{ ONE(JMP_IMM(BPF_JSLE, 1, 0, 5)), "if r1 s<= 0x0 goto pc+5", "if r1 s<= 0x0 goto +0x5" },
	{ ONE(RAW(0xa6, 1, 0, 5, -1)), "if w1 < 0xffffffff goto pc+5", "if w1 < -0x1 goto +0x5" },
	{ ONE(RAW(0xae, 1, 2, 5, 0)), "if w1 < w2 goto pc+5", "if w1 < w2 goto +0x5" },
	{ ONE(JMP_IMM(BPF_JGE, 0, 4, 3)), "if r0 >= 0x4 goto pc+3", "if r0 >= 0x4 goto +0x3" },
	{ ONE(JA(5)), "goto pc+5", "goto +0x5" },
	{ ONE(JA(-32768)), "goto pc-32768", "goto -0x8000" },
	{ ONE(JA(0)), "goto pc+0", "goto +0x0" },
	{ ONE(RAW(0x06, 0, 0, 0, 5)), "gotol pc+5", "gotol +0x5" },
	{ ONE(RAW(0x06, 0, 0, 0, -5)), "gotol pc-5", "gotol -0x5" },
	{ ONE(RAW(0xe5, 0, 0, 2, 0)), "may_goto pc+2", "may_goto +0x2" },
	{ ONE(RAW(0xe5, 0, 0, -2, 0)), "may_goto pc-2", "may_goto -0x2" },
	{ ONE(EXIT()), "exit", "exit" },
	/* calls */
	{ ONE(CALL(5)), "call bpf_ktime_get_ns#5", "call 0x5" },
	{ ONE(CALL(1)), "call bpf_map_lookup_elem#1", "call 0x1" },
	{ ONE(CALL(12)), "call bpf_tail_call#12", "call 0xc" },
	{ ONE(CALL(9999)), "call unknown#9999", "call 0x270f" },
	{ ONE(CALL(-1)), "call unknown#-1", "call -0x1" },
	{ ONE(CALL_LOCAL(5)), "call pc+5", "call 0x5" },
	{ ONE(CALL_LOCAL(-5)), "call pc-5", "call -0x5" },
	{ ONE(RAW(0x85, 0, 2, 0, 5)), "call kernel-function#5", "call 0x5" },
	{ ONE(RAW(0x8d, 2, 0, 0, 0)), "callx r2", "callx r2" },
	/* lddw */
	{ LD64(1, 0, 0x55667788, 0x11223344), "r1 = 0x1122334455667788", "r1 = 0x1122334455667788 ll" },
	{ LD64(1, 0, -1, -1), "r1 = 0xffffffffffffffff", "r1 = -0x1 ll" },
	{ LD64(0, 0, 0, 0x80000000u), "r0 = 0x8000000000000000", "r0 = -0x8000000000000000 ll" },
	{ LD64(1, 0, 0x80000000u, 0), "r1 = 0x80000000", "r1 = 0x80000000 ll" },
	{ LD64(0, 0, 0, 0), "r0 = 0x0", "r0 = 0x0 ll" },
	{ LD64(1, 1, 5, 0), "r1 = map[fd:5]", "r1 = map[fd:5]" },
	{ LD64(1, 2, 5, 8), "r1 = map[fd:5][0]+8", "r1 = map[fd:5][0]+8" },
	{ LD64(1, 3, 7, 0), "r1 = btf_id[7]", "r1 = btf_id[7]" },
	{ LD64(1, 3, 7, 3), "r1 = btf_id[7][fd:3]", "r1 = btf_id[7][fd:3]" },
	{ LD64(1, 4, 3, 0), "r1 = subprog[+3]", "r1 = subprog[+3]" },
	{ LD64(1, 4, -3, 0), "r1 = subprog[-3]", "r1 = subprog[-3]" },
	{ LD64(1, 5, 2, 0), "r1 = map[idx:2]", "r1 = map[idx:2]" },
	{ LD64(1, 6, 2, 16), "r1 = map[idx:2]+16", "r1 = map[idx:2]+16" },
	/* atomics */
	{ ONE(RAW(0xdb, 10, 1, -8, 0x00)), "lock *(u64 *)(r10 -8) += r1", "lock *(u64 *)(r10 - 0x8) += r1" },
	{ ONE(RAW(0xc3, 10, 1, -8, 0x00)), "lock *(u32 *)(r10 -8) += r1", "lock *(u32 *)(r10 - 0x8) += r1" },
	{ ONE(RAW(0xdb, 10, 1, 0, 0x40)), "lock *(u64 *)(r10 +0) |= r1", "lock *(u64 *)(r10 + 0x0) |= r1" },
	{ ONE(RAW(0xdb, 10, 1, 0, 0x50)), "lock *(u64 *)(r10 +0) &= r1", "lock *(u64 *)(r10 + 0x0) &= r1" },
	{ ONE(RAW(0xdb, 10, 1, 0, 0xa0)), "lock *(u64 *)(r10 +0) ^= r1", "lock *(u64 *)(r10 + 0x0) ^= r1" },
	{ ONE(RAW(0xc3, 10, 1, 0, 0x50)), "lock *(u32 *)(r10 +0) &= r1", "lock *(u32 *)(r10 + 0x0) &= r1" },
	{ ONE(RAW(0xdb, 10, 1, -8, 0x01)), "r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)",
	  "r1 = atomic_fetch_add((u64 *)(r10 - 0x8), r1)" },
	{ ONE(RAW(0xc3, 10, 1, -8, 0x41)), "r1 = atomic_fetch_or((u32 *)(r10 -8), r1)",
	  "w1 = atomic_fetch_or((u32 *)(r10 - 0x8), w1)" },
	{ ONE(RAW(0xdb, 10, 1, 0, 0xa1)), "r1 = atomic64_fetch_xor((u64 *)(r10 +0), r1)",
	  "r1 = atomic_fetch_xor((u64 *)(r10 + 0x0), r1)" },
	{ ONE(RAW(0xdb, 10, 1, 0, 0x51)), "r1 = atomic64_fetch_and((u64 *)(r10 +0), r1)",
	  "r1 = atomic_fetch_and((u64 *)(r10 + 0x0), r1)" },
	{ ONE(RAW(0xc3, 10, 1, 0, 0x01)), "r1 = atomic_fetch_add((u32 *)(r10 +0), r1)",
	  "w1 = atomic_fetch_add((u32 *)(r10 + 0x0), w1)" },
	{ ONE(RAW(0xdb, 10, 1, -8, 0xe1)), "r1 = atomic64_xchg((u64 *)(r10 -8), r1)",
	  "r1 = xchg_64(r10 - 0x8, r1)" },
	{ ONE(RAW(0xdb, 10, 1, -8, 0xf1)), "r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)",
	  "r0 = cmpxchg_64(r10 - 0x8, r0, r1)" },
	{ ONE(RAW(0xc3, 10, 1, -8, 0xe1)), "r1 = atomic_xchg((u32 *)(r10 -8), r1)",
	  "w1 = xchg32_32(r10 - 0x8, w1)" },
	{ ONE(RAW(0xc3, 10, 1, -8, 0xf1)), "r0 = atomic_cmpxchg((u32 *)(r10 -8), r0, r1)",
	  "w0 = cmpxchg32_32(r10 - 0x8, w0, w1)" },
};

static size_t case_slots(const struct dcase *c)
{
	return c->in[0].code == 0x18 ? 2 : 1;
}

static void test_cases(void)
{
	char buf[160];

	for (size_t i = 0; i < N(cases); i++) {
		const struct dcase *c = &cases[i];
		size_t slots = case_slots(c);
		int n = bpfx_disasm_insn(c->in, slots, 0, BPFX_SYNTAX_BPFTOOL, buf, sizeof(buf));
		CHECK(n == (int)slots && !strcmp(buf, c->bpftool),
		      "case %zu bpftool: got %d '%s', want '%s'", i, n, buf, c->bpftool);
		n = bpfx_disasm_insn(c->in, slots, 0, BPFX_SYNTAX_LLVM, buf, sizeof(buf));
		CHECK(n == (int)slots && !strcmp(buf, c->llvm),
		      "case %zu llvm: got %d '%s', want '%s'", i, n, buf, c->llvm);
	}
}

/* One instance of every operation of the table, with non-zero operands
 * where the shape has them (lddw: a plain 64-bit value; LD_IND: offset 0,
 * which is all LLVM can print). */
static struct dcase samples[ISA_OP_COUNT];

static void make_samples(void)
{
	for (int op = 0; op < ISA_OP_COUNT; op++) {
		const struct isa_info *f = &isa_table[op];
		struct bpf_insn in = RAW(f->code, 3, 4, -6, -7);

		switch (f->shape) {
		case SH_ALU_K: case SH_ST: in.src_reg = 0; in.off = 0; break;
		case SH_ALU_X: case SH_MOVSX: case SH_LDX: case SH_STX: case SH_ATOMIC:
			in.imm = 0; in.off = f->shape == SH_ALU_X || f->shape == SH_MOVSX ? 0 : -6;
			break;
		case SH_NEG: case SH_END: in = RAW(f->code, 3, 0, 0, 0); break;
		case SH_JA: case SH_MAY_GOTO: in = RAW(f->code, 0, 0, -6, 0); break;
		case SH_JA32: in = RAW(f->code, 0, 0, 0, -7); break;
		case SH_JMP_K: in.src_reg = 0; break;
		case SH_JMP_X: in.imm = 0; break;
		case SH_CALL: in = RAW(f->code, 0, 0, 0, 7); break;
		case SH_CALLX: in = RAW(f->code, 3, 0, 0, 0); break;
		case SH_EXIT: in = RAW(f->code, 0, 0, 0, 0); break;
		case SH_LDDW: in = RAW(f->code, 3, 0, 0, -7); break;
		case SH_LDABS: in = RAW(f->code, 0, 0, 0, 7); break;
		case SH_LDIND: in = RAW(f->code, 0, 4, 0, 0); break;
		}
		if (f->match == M_OFF)
			in.off = (int16_t)f->val;
		else if (f->match == M_IMM)
			in.imm = f->val;
		else if (f->match == M_SRC)
			in.src_reg = (uint8_t)f->val;
		samples[op] = (struct dcase){ .in = { in, RAW(0, 0, 0, 0, 3) } };
	}
}

/* Every operation of the table prints something that is not "invalid",
 * and decodes back to itself. */
static void test_every_op_prints(void)
{
	char buf[160];

	for (int op = 0; op < ISA_OP_COUNT; op++) {
		const struct bpf_insn *in = samples[op].in;
		CHECK(isa_decode(in) == op, "%s: sample decodes as %d", isa_table[op].name,
		      isa_decode(in));
		for (int s = 0; s < 2; s++) {
			int n = bpfx_disasm_insn(in, 2, 0, s, buf, sizeof(buf));
			CHECK(n >= 1 && buf[0] && !strstr(buf, "invalid"),
			      "%s syntax %d: %d '%s'", isa_table[op].name, s, n, buf);
		}
	}
}

static void test_invalid(void)
{
	struct bpf_insn bad[] = { RAW(0xff, 0, 0, 0, 0), RAW(0x18, 1, 0, 0, 1),
				  RAW(0xbf, 0, 1, 7, 0), RAW(0x18, 1, 9, 0, 1), RAW(0, 0, 0, 0, 0) };
	char buf[160], tiny[8];
	int n;

	n = bpfx_disasm_insn(bad, N(bad), 0, BPFX_SYNTAX_BPFTOOL, buf, sizeof(buf));
	CHECK(n == -EINVAL && strstr(buf, "invalid insn") && strstr(buf, "0xff"), "0xff: %d '%s'", n, buf);
	n = bpfx_disasm_insn(bad, 2, 1, BPFX_SYNTAX_BPFTOOL, buf, sizeof(buf));
	CHECK(n == -EINVAL && strstr(buf, "second slot"), "cut lddw: %d '%s'", n, buf);
	n = bpfx_disasm_insn(bad, N(bad), 2, BPFX_SYNTAX_LLVM, buf, sizeof(buf));
	CHECK(n == -EINVAL, "movsx off 7: %d '%s'", n, buf);
	n = bpfx_disasm_insn(bad, N(bad), 3, BPFX_SYNTAX_BPFTOOL, buf, sizeof(buf));
	CHECK(n == -EINVAL && strstr(buf, "source 9"), "lddw src 9: %d '%s'", n, buf);
	n = bpfx_disasm_insn(bad, N(bad), 5, BPFX_SYNTAX_BPFTOOL, buf, sizeof(buf));
	CHECK(n == -EINVAL, "index past the end: %d", n);
	n = bpfx_disasm_insn(NULL, 1, 0, BPFX_SYNTAX_BPFTOOL, buf, sizeof(buf));
	CHECK(n == -EINVAL, "NULL insns: %d", n);
	n = bpfx_disasm_insn(bad, N(bad), 0, (enum bpfx_syntax)7, buf, sizeof(buf));
	CHECK(n == -EINVAL, "unknown syntax: %d", n);

	/* truncation keeps the count and never overruns */
	struct bpf_insn at[] = { RAW(0xdb, 10, 1, -8, 0xf1) };
	memset(tiny, 'x', sizeof(tiny));
	n = bpfx_disasm_insn(at, 1, 0, BPFX_SYNTAX_BPFTOOL, tiny, 6);
	CHECK(n == 1 && !strcmp(tiny, "r0 = ") && tiny[6] == 'x', "truncated: %d '%.8s'", n, tiny);
	n = bpfx_disasm_insn(at, 1, 0, BPFX_SYNTAX_BPFTOOL, NULL, 0);
	CHECK(n == 1, "no buffer: %d", n);
}

static void test_listing(void)
{
	struct bpf_insn prog[] = {
		MOV64_IMM(0, 0), LDDW_LO(1, 0x1122334455667788ull), LDDW_HI(0x1122334455667788ull),
		RAW(0xff, 0, 0, 0, 0), EXIT(), RAW(0x18, 2, 0, 0, 7),
	};
	const char *want =
		"   0: (b7) r0 = 0\n"
		"   1: (18) r1 = 0x1122334455667788\n"
		"   3: (ff) invalid insn: unknown opcode 0xff\n"
		"   4: (95) exit\n"
		"   5: (18) invalid insn: lddw without its second slot\n";
	const char *want_ops =
		"   0: (b7) r0 = 0\n"
		"       b7 00 00 00 00 00 00 00\n"
		"   1: (18) r1 = 0x1122334455667788\n"
		"       18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11\n"
		"   3: (ff) invalid insn: unknown opcode 0xff\n"
		"       ff 00 00 00 00 00 00 00\n"
		"   4: (95) exit\n"
		"       95 00 00 00 00 00 00 00\n"
		"   5: (18) invalid insn: lddw without its second slot\n"
		"       18 02 00 00 07 00 00 00\n";
	int err = 0;
	char *s = bpfx_disasm(prog, N(prog), BPFX_SYNTAX_BPFTOOL, false, &err);

	CHECK(s && !strcmp(s, want), "listing:\n%s---want:\n%s", s ? s : "(null)", want);
	free(s);
	s = bpfx_disasm(prog, N(prog), BPFX_SYNTAX_BPFTOOL, true, &err);
	CHECK(s && !strcmp(s, want_ops), "opcodes:\n%s---want:\n%s", s ? s : "(null)", want_ops);
	free(s);
	s = bpfx_disasm(prog, 1, BPFX_SYNTAX_LLVM, false, &err);
	CHECK(s && !strcmp(s, "   0: (b7) r0 = 0x0\n"), "llvm listing '%s'", s ? s : "(null)");
	free(s);
	s = bpfx_disasm(prog, 0, BPFX_SYNTAX_BPFTOOL, false, &err);
	CHECK(s && !strcmp(s, ""), "empty listing");
	free(s);
	err = 0;
	s = bpfx_disasm(NULL, 3, BPFX_SYNTAX_BPFTOOL, false, &err);
	CHECK(!s && err == -EINVAL, "NULL program: %p %d", (void *)s, err);

	/* a long program grows the buffer many times; index width grows too */
	size_t cnt = 20000;
	struct bpf_insn *big = calloc(cnt, sizeof(*big));
	for (size_t i = 0; big && i < cnt; i++)
		big[i] = ALU64_IMM(BPF_ADD, i % 10, (int)i);
	s = big ? bpfx_disasm(big, cnt, BPFX_SYNTAX_BPFTOOL, true, &err) : NULL;
	CHECK(s && strstr(s, "19999: (07) r9 += 19999\n       07 09 00 00 1f 4e 00 00\n"),
	      "big listing tail");
	free(s);
	free(big);
}

static void test_helper_names(void)
{
	CHECK(helper_name(1) && !strcmp(helper_name(1), "bpf_map_lookup_elem"), "id 1");
	CHECK(helper_name(5) && !strcmp(helper_name(5), "bpf_ktime_get_ns"), "id 5");
	CHECK(helper_name(BPF_FUNC_user_ringbuf_drain) &&
	      !strcmp(helper_name(BPF_FUNC_user_ringbuf_drain), "bpf_user_ringbuf_drain"), "id 209");
	CHECK(helper_name(211) && !strcmp(helper_name(211), "bpf_cgrp_storage_delete"), "id 211");
	CHECK(!helper_name(212) && !helper_name(100000), "unknown ids");
	int bad = 0;
	for (uint32_t id = 0; id < 212; id++) {
		const char *n = helper_name(id);
		if (!n || helper_id(n, strlen(n)) != (int)id)
			bad++;
	}
	CHECK(!bad, "%d helper ids do not map back from their names", bad);
	CHECK(helper_id("bpf_nothing", 11) == -1 && helper_id("bpf_map_lookup_elem", 7) == -1,
	      "helper_id of non-names");
}

/* ---- llvm-objdump cross-check ---- */

/* Runs cmd and returns its stdout (malloc'd), or NULL. */
static char *run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[4096];

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *p = realloc(out, cap);
			if (!p)
				break;
			out = p;
		}
		memcpy(out + len, chunk, n);
		len += n;
		out[len] = '\0';
	}
	if (pclose(f) != 0 || !out) {
		free(out);
		return NULL;
	}
	return out;
}

/* Instruction texts of `llvm-objdump -d` for the cases (in order),
 * each line "<idx>:\t<text>"; NULL when the tools are missing. */
static char *llvm_dump(const struct dcase *list, size_t cnt, const char *mcpu)
{
	char path[] = "/tmp/bpfx_disasm_XXXXXX";
	char cmd[512];
	int fd = mkstemp(path);
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "w")))
		return NULL;
	fprintf(f, "\t.text\n");
	for (size_t i = 0; i < cnt; i++) {
		const unsigned char *b = (const unsigned char *)list[i].in;
		fprintf(f, "\t.byte");
		for (size_t j = 0; j < 8 * case_slots(&list[i]); j++)
			fprintf(f, "%s0x%02x", j ? ", " : " ", b[j]);
		fprintf(f, "\n");
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "llvm-mc-19 -triple bpfel -filetype=obj %s -o %s.o 2>/dev/null && "
		 "llvm-objdump-19 -d --no-show-raw-insn %s %s.o; rm -f %s.o",
		 path, path, mcpu, path, path);
	char *out = run(cmd);
	unlink(path);
	return out;
}

/* The text llvm-objdump printed for the instruction at slot `at`. */
static bool llvm_line(const char *dump, size_t at, char *text, size_t n)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "\n%8zu:\t", at);
	if (!(p = strstr(dump, key)))
		return false;
	p += strlen(key);
	size_t len = strcspn(p, "\n");
	const char *ann = memmem(p, len, " <.text", 7);   /* branch target annotation */
	if (ann)
		len = (size_t)(ann - p);
	snprintf(text, n, "%.*s", (int)len, p);
	return true;
}

/* Compares our LLVM text of each instruction of list with llvm-objdump's;
 * returns how many were compared. */
static int compare_llvm(const char *what, const struct dcase *list, size_t cnt)
{
	char *plain = llvm_dump(list, cnt, ""), *v3 = llvm_dump(list, cnt, "--mcpu=v3");
	char got[160], want[160];
	size_t at = 0;
	int compared = 0;

	if (!plain || !v3) {
		t_skip("llvm-mc-19 could not assemble the %s", what);
		goto out;
	}
	for (size_t i = 0; i < cnt; at += case_slots(&list[i]), i++) {
		const struct bpf_insn *in = list[i].in;
		bool atomic32 = in->code == 0xc3 && (in->imm & BPF_FETCH);
		/* LLVM has no text for these; our forms are documented deviations */
		if ((in->code == 0x18 && in->src_reg) || ((in->code & 0xe7) == 0x40 && in->imm))
			continue;
		bpfx_disasm_insn(in, case_slots(&list[i]), 0, BPFX_SYNTAX_LLVM, got, sizeof(got));
		bool ok = llvm_line(atomic32 ? v3 : plain, at, want, sizeof(want));
		/* plain llvm-objdump only knows 32-bit "lock +="; we print the
		 * other 32-bit lock operations the same way */
		if (ok && !strcmp(want, "<unknown>") && in->code == 0xc3)
			continue;
		CHECK(ok && !strcmp(got, want), "llvm-objdump, %s %zu: we print '%s', it prints '%s'",
		      what, i, got, ok ? want : "(nothing)");
		compared++;
	}
out:
	free(plain);
	free(v3);
	return compared;
}

static void test_llvm_objdump(void)
{
	if (access("/usr/bin/llvm-objdump-19", X_OK) || access("/usr/bin/llvm-mc-19", X_OK)) {
		t_skip("llvm-objdump-19/llvm-mc-19 not installed: LLVM syntax not cross-checked");
		return;
	}
	int n = compare_llvm("cases", cases, N(cases));
	CHECK(n > 80, "compared %d cases with llvm-objdump", n);
	n = compare_llvm("samples", samples, N(samples));
	CHECK(n > ISA_OP_COUNT - 10, "compared %d samples with llvm-objdump", n);
}

/* ---- the kernel and bpftool ---- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int load_filter(const struct bpf_insn *insns, size_t cnt)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t)"GPL";
	return (int)sys_bpf(BPF_PROG_LOAD, &a);
}

/* The program as the kernel keeps it (after its rewrites), and its id. */
static struct bpf_insn *xlated(int fd, size_t *cnt, uint32_t *id)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	struct bpf_insn *x;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) || !info.xlated_prog_len)
		return NULL;
	*id = info.id;
	*cnt = info.xlated_prog_len / sizeof(*x);
	x = calloc(*cnt, sizeof(*x));
	if (!x)
		return NULL;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = (uint32_t)(*cnt * sizeof(*x));
	info.xlated_prog_insns = (uintptr_t)x;
	a.info.info_len = sizeof(info);
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a)) {
		free(x);
		return NULL;
	}
	return x;
}

/* Compares bpftool's line for every xlated instruction with ours, except
 * calls (bpftool names the kernel address the kernel put there) and map
 * references (the kernel turned fds into ids). */
static void compare_with_bpftool(const char *what, const struct bpf_insn *prog, size_t cnt,
				 int min_lines)
{
	int fd = load_filter(prog, cnt), matched = 0;
	struct bpf_insn *x = NULL;
	char cmd[96], buf[160], *out = NULL;
	size_t xcnt = 0;
	uint32_t id = 0;

	if (fd < 0) {
		static char log[1 << 16];
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		a.insns = (uintptr_t)prog;
		a.insn_cnt = (uint32_t)cnt;
		a.license = (uintptr_t)"GPL";
		a.log_buf = (uintptr_t)log; a.log_size = sizeof(log); a.log_level = 1;
		sys_bpf(BPF_PROG_LOAD, &a);
		fprintf(stderr, "%s\n", log);
		t_skip("the kernel refused the %s program (%s)", what, strerror(errno));
		return;
	}
	x = xlated(fd, &xcnt, &id);
	snprintf(cmd, sizeof(cmd), "bpftool prog dump xlated id %u 2>/dev/null", id);
	out = x ? run(cmd) : NULL;
	if (!CHECK(out, "%s: no xlated dump from the kernel or bpftool", what))
		goto done;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned idx, code;
		int pos = 0;
		if (sscanf(line, " %u: (%x) %n", &idx, &code, &pos) != 2 || !pos)
			continue;
		if (!CHECK(idx < xcnt && code == x[idx].code, "%s: bpftool line '%s'", what, line))
			continue;
		int op = isa_decode(&x[idx]);
		if (op < 0 || isa_table[op].shape == SH_CALL ||
		    (isa_table[op].shape == SH_LDDW && x[idx].src_reg))
			continue;
		bpfx_disasm_insn(x, xcnt, idx, BPFX_SYNTAX_BPFTOOL, buf, sizeof(buf));
		CHECK(!strcmp(buf, line + pos), "%s insn %u: we print '%s', bpftool '%s'", what, idx,
		      buf, line + pos);
		matched++;
	}
	CHECK(matched >= min_lines, "%s: only %d lines compared with bpftool", what, matched);
done:
	free(out);
	free(x);
	close(fd);
}

/* A socket filter using most classic instructions on values the verifier
 * cannot predict (so it keeps every branch); the kernel rewrites the
 * context load and the divisions, which changes nothing here since we
 * compare on the rewritten program. */
static const struct bpf_insn kprog_classic[] = {
	LDX(BPF_W, 7, 1, 0), MOV64_REG(2, 7), ALU32_REG(BPF_MOV, 4, 7), MOV64_IMM(3, 7),
	ALU64_REG(BPF_ADD, 2, 3), ALU64_IMM(BPF_SUB, 2, 1), ALU64_REG(BPF_MUL, 2, 3),
	ALU64_IMM(BPF_DIV, 2, 3), ALU64_IMM(BPF_MOD, 2, 5), ALU64_IMM(BPF_OR, 2, 16),
	ALU64_REG(BPF_AND, 2, 7), ALU64_IMM(BPF_LSH, 2, 2), ALU64_IMM(BPF_RSH, 2, 1),
	ALU64_IMM(BPF_ARSH, 2, 1), ALU64_IMM(BPF_XOR, 2, -85), ALU64_REG(BPF_DIV, 2, 3),
	ALU32_REG(BPF_ADD, 4, 3), ALU32_IMM(BPF_SUB, 4, 2), ALU32_IMM(BPF_MUL, 4, 3),
	ALU32_IMM(BPF_OR, 4, 1), ALU32_IMM(BPF_AND, 4, 255), ALU32_IMM(BPF_LSH, 4, 1),
	ALU32_IMM(BPF_RSH, 4, 1), ALU32_IMM(BPF_ARSH, 4, 1), ALU32_REG(BPF_XOR, 4, 3),
	ALU32_IMM(BPF_MOV, 6, -1), RAW(0x87, 2, 0, 0, 0), RAW(0x84, 4, 0, 0, 0),
	RAW(0xdc, 2, 0, 0, 16), RAW(0xdc, 2, 0, 0, 64), RAW(0xd4, 4, 0, 0, 32),
	STX(BPF_DW, 10, 2, -8), STX(BPF_W, 10, 4, -12), STX(BPF_H, 10, 3, -14),
	STX(BPF_B, 10, 3, -15), ST(BPF_DW, 10, -24, 42), ST(BPF_W, 10, -28, -5),
	ST(BPF_H, 10, -30, 7), ST(BPF_B, 10, -31, 1), LDX(BPF_DW, 5, 10, -8),
	LDX(BPF_W, 5, 10, -12), LDX(BPF_H, 5, 10, -14), LDX(BPF_B, 5, 10, -15),
	LDDW_LO(1, 0x1122334455667788ull), LDDW_HI(0x1122334455667788ull),
	LDDW_LO(8, 0xfffffffffffffff0ull), LDDW_HI(0xfffffffffffffff0ull),
	RAW(0xdb, 10, 1, -8, 0x00), RAW(0xdb, 10, 1, -8, 0x40), RAW(0xdb, 10, 1, -8, 0x50),
	RAW(0xdb, 10, 1, -8, 0xa0), RAW(0xc3, 10, 1, -12, 0x00), RAW(0xdb, 10, 1, -8, 0x01),
	RAW(0xc3, 10, 1, -12, 0x41), RAW(0xdb, 10, 1, -8, 0xe1), RAW(0xdb, 10, 1, -8, 0x51),
	RAW(0xdb, 10, 1, -8, 0xa1), MOV64_IMM(0, 0), RAW(0xdb, 10, 1, -8, 0xf1),
	JMP_IMM(BPF_JEQ, 2, 5, 1), MOV64_IMM(0, 1), JMP_REG(BPF_JNE, 2, 7, 1), MOV64_IMM(0, 2),
	JMP_IMM(BPF_JGT, 2, 100, 1), MOV64_IMM(0, 3), JMP_REG(BPF_JGE, 2, 7, 1), MOV64_IMM(0, 4),
	JMP_IMM(BPF_JSET, 2, 8, 1), MOV64_IMM(0, 5), JMP_IMM(BPF_JSGT, 2, -5, 1), MOV64_IMM(0, 6),
	JMP_REG(BPF_JSGE, 2, 7, 1), MOV64_IMM(0, 7), JMP_IMM(BPF_JLT, 2, 9, 1), MOV64_IMM(0, 8),
	JMP_REG(BPF_JLE, 2, 7, 1), MOV64_IMM(0, 9), JMP_IMM(BPF_JSLT, 2, -9, 1), MOV64_IMM(0, 10),
	JMP_REG(BPF_JSLE, 2, 7, 1), MOV64_IMM(0, 11), RAW(0x16, 4, 0, 1, 5), MOV64_IMM(0, 12),
	RAW(0x5e, 4, 7, 1, 0), MOV64_IMM(0, 13), RAW(0xa6, 4, 0, 1, -1), MOV64_IMM(0, 14),
	RAW(0x66, 4, 0, 1, -3), MOV64_IMM(0, 15),
	JMP_IMM(BPF_JEQ, 7, 7, 2), MOV64_IMM(0, 16), JA(1), MOV64_IMM(0, 17), EXIT(),
};

/* The v4 additions; bpftool prints them only from v7.5 (kernel 6.9). */
static const struct bpf_insn kprog_v4[] = {
	LDX(BPF_W, 7, 1, 0), MOV64_IMM(3, 7), RAW(0x3f, 7, 3, 1, 0), RAW(0x97, 7, 0, 1, 3),
	RAW(0xbf, 2, 7, 8, 0), RAW(0xbf, 2, 7, 32, 0), RAW(0xbc, 4, 7, 16, 0),
	STX(BPF_DW, 10, 7, -8), RAW(0x91, 5, 10, -8, 0), RAW(0x89, 5, 10, -8, 0),
	RAW(0x81, 5, 10, -8, 0), RAW(0xd7, 2, 0, 0, 32), RAW(0xd7, 2, 0, 0, 64),
	MOV64_IMM(0, 0), JMP_IMM(BPF_JEQ, 7, 7, 2), MOV64_IMM(0, 1), RAW(0x06, 0, 0, 0, 1),
	MOV64_IMM(0, 2), EXIT(),
};

static void test_kernel_bpftool(void)
{
	struct bpf_insn tiny[] = { MOV64_IMM(0, 0), EXIT() };
	char *ver = run("bpftool version 2>/dev/null");
	int major = 0, minor = 0, fd;

	if (!ver || sscanf(ver, "bpftool v%d.%d", &major, &minor) != 2) {
		t_skip("bpftool not installed: bpftool syntax not checked against the kernel");
		free(ver);
		return;
	}
	free(ver);
	fd = load_filter(tiny, N(tiny));
	if (fd < 0) {
		t_skip("bpf(BPF_PROG_LOAD) unavailable (%s): no kernel comparison", strerror(errno));
		return;
	}
	close(fd);
	compare_with_bpftool("classic", kprog_classic, N(kprog_classic), 80);
	if (major > 7 || (major == 7 && minor >= 5))
		compare_with_bpftool("v4", kprog_v4, N(kprog_v4), 15);
	else
		t_skip("bpftool v%d.%d predates the v4 instructions: v4 texts not compared", major,
		       minor);
}

int main(void)
{
	make_samples();
	test_cases();
	test_every_op_prints();
	test_invalid();
	test_listing();
	test_helper_names();
	test_llvm_objdump();
	test_kernel_bpftool();
	return t_done("disasm");
}
