/* SPDX-License-Identifier: MIT */
/*
 * Lowering of ALU, ALU64, neg, movsx, byte swaps and lddw. Runs in every
 * JIT pass. Semantics are the interpreter's (src/vm/interp_loop.h): 32-bit
 * forms zero-extend (x86's 32-bit operations do), shift counts are masked
 * to the width, division by zero gives 0, modulo by zero keeps the
 * dividend, INT_MIN s/ -1 = INT_MIN and INT_MIN s% -1 = 0.
 */
#include <errno.h>

#include <linux/bpf.h>

#include "isa/isa.h"
#include "jit/x86_64/lower.h"

static enum x86_shift shift_of(unsigned op)
{
	return op == BPF_LSH ? X86_SHL : op == BPF_RSH ? X86_SHR : X86_SAR;
}

static void lower_shift(struct x86_ctx *x, unsigned op, bool w, int d, int s, bool is_x,
			int32_t imm)
{
	struct jit_buf *b = x->b;
	enum x86_shift sh = shift_of(op);

	if (!is_x) {
		uint8_t cnt = (uint8_t)(imm & (w ? 63 : 31));
		if (cnt)
			x86_shift_ri(b, sh, w, d, cnt);
		else if (!w)
			x86_mov_rr(b, false, d, d);
		return;
	}
	if (x->bmi2) {
		x86_shiftx(b, sh, w, d, d, s); /* masks the count like eBPF */
		return;
	}
	/* Without BMI2 the count must be in cl (eBPF r4's register). */
	if (s == X86_RCX) {
		x86_shift_cl(b, sh, w, d);
	} else if (d == X86_RCX) {
		x86_mov_rr(b, true, X86_T1, X86_RCX);
		x86_mov_rr(b, true, X86_RCX, s);
		x86_shift_cl(b, sh, w, X86_T1);
		x86_mov_rr(b, true, X86_RCX, X86_T1);
	} else {
		x86_mov_rr(b, true, X86_T1, X86_RCX);
		x86_mov_rr(b, true, X86_RCX, s);
		x86_shift_cl(b, sh, w, d);
		x86_mov_rr(b, true, X86_RCX, X86_T1);
	}
	if (!w)
		x86_mov_rr(b, false, d, d); /* zero-extend even for a count of 0 */
}

/* Results that need no division: by zero, and signed by -1. */
static void div_by_zero(struct jit_buf *b, bool w, bool mod, int d)
{
	if (!mod)
		x86_alu_rr(b, X86_XOR, false, d, d);
	else if (!w)
		x86_mov_rr(b, false, d, d);
}

static void sdiv_by_negone(struct jit_buf *b, bool w, bool mod, int d)
{
	if (mod)
		x86_alu_rr(b, X86_XOR, false, d, d);
	else
		x86_grp3(b, X86_NEG, w, d);
}

/* d = d / T1 or d % T1 with rax and rdx (eBPF r0 and r3) preserved
 * unless one of them is d. */
static void divide(struct jit_buf *b, bool w, bool mod, bool sign, int d)
{
	if (d != X86_RAX)
		x86_push(b, X86_RAX);
	if (d != X86_RDX)
		x86_push(b, X86_RDX);
	if (d != X86_RAX)
		x86_mov_rr(b, true, X86_RAX, d);
	if (sign)
		x86_cqo(b, w);
	else
		x86_alu_rr(b, X86_XOR, false, X86_RDX, X86_RDX);
	x86_grp3(b, sign ? X86_IDIV : X86_DIV, w, X86_T1);
	x86_mov_rr(b, true, X86_T1, mod ? X86_RDX : X86_RAX);
	if (d != X86_RDX)
		x86_pop(b, X86_RDX);
	if (d != X86_RAX)
		x86_pop(b, X86_RAX);
	x86_mov_rr(b, true, d, X86_T1);
}

static void lower_divmod(struct x86_ctx *x, bool w, bool mod, bool sign, int d, int s,
			 bool is_x, int32_t imm)
{
	struct jit_buf *b = x->b;

	if (!is_x) {
		uint64_t k = w ? (uint64_t)(int64_t)imm : (uint32_t)imm;
		if (k == 0)
			div_by_zero(b, w, mod, d);
		else if (sign && imm == -1)
			sdiv_by_negone(b, w, mod, d);
		else {
			x86_mov_ri(b, X86_T1, k);
			divide(b, w, mod, sign, d);
		}
		return;
	}
	x86_mov_rr(b, w, X86_T1, s);
	x86_test_rr(b, w, X86_T1, X86_T1);
	size_t to_zero = x86_jcc8_fwd(b, X86_CC_E);
	size_t to_negone = 0;
	if (sign) {
		x86_alu_ri(b, X86_CMP, w, X86_T1, -1);
		to_negone = x86_jcc8_fwd(b, X86_CC_E);
	}
	divide(b, w, mod, sign, d);
	size_t done1 = x86_jmp8_fwd(b);
	x86_patch8(b, to_zero);
	div_by_zero(b, w, mod, d);
	if (sign) {
		size_t done2 = x86_jmp8_fwd(b);
		x86_patch8(b, to_negone);
		sdiv_by_negone(b, w, mod, d);
		x86_patch8(b, done2);
	}
	x86_patch8(b, done1);
}

int x86_lower_alu(struct x86_ctx *x, const struct vm_insn *in)
{
	const struct isa_info *info = &isa_table[in->op];
	struct jit_buf *b = x->b;
	bool w = !isa_is_alu32(info->code);
	bool is_x = info->code & BPF_X;
	unsigned op = BPF_OP(info->code);
	int d = x86_reg_of[in->dst], s = x86_reg_of[in->src];
	int32_t imm = (int32_t)in->imm;

	switch (op) {
	case BPF_ADD: case BPF_SUB: case BPF_AND: case BPF_OR: case BPF_XOR: {
		enum x86_alu a = op == BPF_ADD ? X86_ADD : op == BPF_SUB ? X86_SUB :
				 op == BPF_AND ? X86_AND : op == BPF_OR ? X86_OR : X86_XOR;
		if (is_x)
			x86_alu_rr(b, a, w, d, s);
		else
			x86_alu_ri(b, a, w, d, imm);
		return 0;
	}
	case BPF_MOV:
		if (!is_x)
			x86_mov_ri(b, d, w ? (uint64_t)(int64_t)imm : (uint32_t)imm);
		else if (!w || d != s)
			x86_mov_rr(b, w, d, s);
		return 0;
	case BPF_MUL:
		if (is_x)
			x86_imul_rr(b, w, d, s);
		else
			x86_imul_rri(b, w, d, d, imm);
		return 0;
	case BPF_LSH: case BPF_RSH: case BPF_ARSH:
		lower_shift(x, op, w, d, s, is_x, imm);
		return 0;
	case BPF_DIV: case BPF_MOD:
		lower_divmod(x, w, op == BPF_MOD, info->val == 1, d, s, is_x, imm);
		return 0;
	}
	return -EFAULT; /* an ALU entry of the table this file does not know */
}

int x86_lower_neg(struct x86_ctx *x, const struct vm_insn *in)
{
	x86_grp3(x->b, X86_NEG, in->op == ISA_OP_NEG64, x86_reg_of[in->dst]);
	return 0;
}

int x86_lower_movsx(struct x86_ctx *x, const struct vm_insn *in)
{
	const struct isa_info *info = &isa_table[in->op];
	bool w = !isa_is_alu32(info->code);

	x86_movx_rr(x->b, (unsigned)info->val, true, w, x86_reg_of[in->dst], x86_reg_of[in->src]);
	return 0;
}

int x86_lower_end(struct x86_ctx *x, const struct vm_insn *in)
{
	const struct isa_info *info = &isa_table[in->op];
	struct jit_buf *b = x->b;
	int d = x86_reg_of[in->dst];
	bool to_le = info->code == (BPF_ALU | BPF_END | BPF_TO_LE); /* the host's order */

	switch (info->val) {
	case 16:
		if (!to_le)
			x86_rol16(b, d, 8);
		x86_movx_rr(b, 16, false, false, d, d);
		return 0;
	case 32:
		if (to_le)
			x86_mov_rr(b, false, d, d);
		else
			x86_bswap(b, false, d);
		return 0;
	case 64:
		if (!to_le)
			x86_bswap(b, true, d);
		return 0;
	}
	return -EFAULT;
}

int x86_lower_lddw(struct x86_ctx *x, const struct vm_insn *in)
{
	x86_mov_ri(x->b, x86_reg_of[in->dst], in->imm);
	return 0;
}
