/* SPDX-License-Identifier: MIT */
/*
 * A small x86-64 instruction encoder: REX, ModRM/SIB, displacement and
 * immediate sizes. It knows machine instructions only, nothing of eBPF
 * (DESIGN.md habit 10). Every function appends one instruction to a
 * jit_buf. `w` selects the 64-bit operand size (REX.W); without it the
 * instruction is the 32-bit form, which zero-extends its register result.
 * Memory operands are [base + disp32] (no index).
 */
#ifndef BPFX_JIT_X86_64_EMIT_H
#define BPFX_JIT_X86_64_EMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "jit/jit.h"

enum x86_reg {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/* The arithmetic group "op r/m, r" / "op r/m, imm": the /digit values. */
enum x86_alu { X86_ADD = 0, X86_OR = 1, X86_AND = 4, X86_SUB = 5, X86_XOR = 6, X86_CMP = 7 };

/* Group 3 (F7 /n) and group 2 shifts (C1/D3 /n). */
enum x86_grp3 { X86_NOT = 2, X86_NEG = 3, X86_MUL = 4, X86_DIV = 6, X86_IDIV = 7 };
enum x86_shift { X86_ROL = 0, X86_ROR = 1, X86_SHL = 4, X86_SHR = 5, X86_SAR = 7 };

/* Condition codes (the low nibble of Jcc). */
enum x86_cc {
	X86_CC_B = 0x2, X86_CC_AE = 0x3, X86_CC_E = 0x4, X86_CC_NE = 0x5,
	X86_CC_BE = 0x6, X86_CC_A = 0x7, X86_CC_S = 0x8, X86_CC_NS = 0x9,
	X86_CC_L = 0xc, X86_CC_GE = 0xd, X86_CC_LE = 0xe, X86_CC_G = 0xf,
};

/* Register-register and register-immediate arithmetic. */
void x86_alu_rr(struct jit_buf *b, enum x86_alu op, bool w, int dst, int src);
void x86_alu_ri(struct jit_buf *b, enum x86_alu op, bool w, int dst, int32_t imm);
void x86_alu_mi(struct jit_buf *b, enum x86_alu op, bool w, int base, int32_t disp, int32_t imm);
void x86_alu_rm(struct jit_buf *b, enum x86_alu op, bool w, int dst, int base, int32_t disp);
/* op [base + disp], src, optionally lock-prefixed. */
void x86_alu_mr(struct jit_buf *b, enum x86_alu op, bool w, bool lock, int base, int32_t disp,
		int src);
void x86_test_rr(struct jit_buf *b, bool w, int dst, int src);
void x86_test_ri(struct jit_buf *b, bool w, int dst, int32_t imm);
void x86_mov_rr(struct jit_buf *b, bool w, int dst, int src);
/* dst = v in the shortest form (xor for 0, 32-bit mov when it fits). */
void x86_mov_ri(struct jit_buf *b, int dst, uint64_t v);
/* dst = v as a 32-bit mov (zero-extends; always 5 or 6 bytes). */
void x86_mov_ri32(struct jit_buf *b, int dst, uint32_t v);
void x86_imul_rr(struct jit_buf *b, bool w, int dst, int src);
void x86_imul_rri(struct jit_buf *b, bool w, int dst, int src, int32_t imm);
void x86_grp3(struct jit_buf *b, enum x86_grp3 op, bool w, int reg);
void x86_shift_ri(struct jit_buf *b, enum x86_shift op, bool w, int reg, uint8_t cnt);
void x86_shift_cl(struct jit_buf *b, enum x86_shift op, bool w, int reg);
/* BMI2 shlx/shrx/sarx: dst = src shifted by cnt (masked to the width). */
void x86_shiftx(struct jit_buf *b, enum x86_shift op, bool w, int dst, int src, int cnt);
void x86_rol16(struct jit_buf *b, int reg, uint8_t cnt);
void x86_bswap(struct jit_buf *b, bool w, int reg);
/* Register extension: bits 8/16/32 of src into dst, signed or not;
 * w: the 64-bit destination (sign extension only). */
void x86_movx_rr(struct jit_buf *b, unsigned bits, bool sign, bool w, int dst, int src);

/* Loads (size 1/2/4/8; zero- or sign-extended to 64 bits), stores, lea. */
void x86_load(struct jit_buf *b, unsigned size, bool sign, int dst, int base, int32_t disp);
void x86_store_r(struct jit_buf *b, unsigned size, int base, int32_t disp, int src);
void x86_store_i(struct jit_buf *b, unsigned size, int base, int32_t disp, int32_t imm);
void x86_lea(struct jit_buf *b, int dst, int base, int32_t disp);
/* lea dst, [rip + x] such that dst = the buffer position target. */
void x86_lea_rip(struct jit_buf *b, int dst, uint32_t target);

/* Atomics on [base + disp]. */
void x86_xadd_m(struct jit_buf *b, bool w, int base, int32_t disp, int src);
void x86_xchg_m(struct jit_buf *b, bool w, int base, int32_t disp, int src);
void x86_cmpxchg_m(struct jit_buf *b, bool w, int base, int32_t disp, int src);

void x86_push(struct jit_buf *b, int reg);
void x86_pop(struct jit_buf *b, int reg);
void x86_call_reg(struct jit_buf *b, int reg);
void x86_ret(struct jit_buf *b);
void x86_cqo(struct jit_buf *b, bool w); /* cqo (w) or cdq */

/* Control transfer to a buffer position, in the form asked for: rel8
 * (short_form; the caller knows it reaches, else the displacement is cut)
 * or rel32. */
void x86_jcc(struct jit_buf *b, enum x86_cc cc, uint32_t target, bool short_form);
void x86_jmp(struct jit_buf *b, uint32_t target, bool short_form);
void x86_call(struct jit_buf *b, uint32_t target);
/* Short forward branches inside one sequence: emit with a hole, patch
 * when the target is reached (at most 127 bytes ahead). */
size_t x86_jcc8_fwd(struct jit_buf *b, enum x86_cc cc);
size_t x86_jmp8_fwd(struct jit_buf *b);
void x86_patch8(struct jit_buf *b, size_t hole);

#endif /* BPFX_JIT_X86_64_EMIT_H */
