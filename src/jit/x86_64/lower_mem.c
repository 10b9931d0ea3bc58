/* SPDX-License-Identifier: MIT */
/*
 * Lowering of loads, stores, legacy packet loads and atomics. Runs in
 * every JIT pass. In checked code every access first goes through
 * x86_addr_checked (the address ends in r11, verified), exactly where the
 * checked interpreter calls vm_access_ok, and atomics then check their
 * alignment like the interpreter does.
 */
#include <errno.h>

#include <linux/bpf.h>

#include "isa/isa.h"
#include "jit/x86_64/lower.h"

/* The memory operand of an access of size bytes at reg + off. */
static void operand(struct x86_ctx *x, int reg, int32_t off, unsigned size, bool write,
		    int *base, int32_t *disp)
{
	if (!x->checked) {
		*base = reg;
		*disp = off;
		return;
	}
	x86_addr_checked(x, reg, off, size, write);
	*base = X86_T1;
	*disp = 0;
}

int x86_lower_ldx(struct x86_ctx *x, const struct vm_insn *in)
{
	uint8_t code = isa_table[in->op].code;
	unsigned size = isa_mem_size(code);
	int base;
	int32_t disp;

	operand(x, x86_reg_of[in->src], in->off, size, false, &base, &disp);
	x86_load(x->b, size, BPF_MODE(code) == 0x80 /* BPF_MEMSX */, x86_reg_of[in->dst], base, disp);
	return 0;
}

int x86_lower_st(struct x86_ctx *x, const struct vm_insn *in)
{
	const struct isa_info *info = &isa_table[in->op];
	unsigned size = isa_mem_size(info->code);
	int base;
	int32_t disp;

	operand(x, x86_reg_of[in->dst], in->off, size, true, &base, &disp);
	if (info->shape == SH_ST)
		x86_store_i(x->b, size, base, disp, (int32_t)in->imm);
	else
		x86_store_r(x->b, size, base, disp, x86_reg_of[in->src]);
	return 0;
}

/* LD_ABS / LD_IND: r0 = the packet's bytes at the offset, through the
 * packet thunk (vm_ld_pkt); outside the packet the program ends, r0 = 0. */
int x86_lower_ldpkt(struct x86_ctx *x, const struct vm_insn *in)
{
	const struct isa_info *info = &isa_table[in->op];
	struct jit_buf *b = x->b;

	if (info->shape == SH_LDABS) {
		x86_mov_ri32(b, X86_T1, (uint32_t)in->imm);
	} else {
		x86_mov_rr(b, false, X86_T1, x86_reg_of[in->src]);
		x86_alu_ri(b, X86_ADD, false, X86_T1, (int32_t)in->imm);
	}
	x86_mov_ri32(b, X86_T2, isa_mem_size(info->code));
	x86_call_to(x, x->l_pkt_thunk);
	x86_test_rr(b, true, X86_RAX, X86_RAX);
	x86_jcc_fault(x, X86_CC_S, JIT_EXIT_PKT, -1);
	return 0;
}

/* fetch_or / fetch_and / fetch_xor: a cmpxchg loop on [T1]. rax (r0) is
 * cmpxchg's comparand, so it is saved; when src is r0 its value is the
 * saved copy on the stack. src receives the old value. */
static void fetch_loop(struct jit_buf *b, enum x86_alu op, bool w, int s)
{
	x86_push(b, X86_RAX);
	x86_load(b, w ? 8 : 4, false, X86_RAX, X86_T1, 0);
	size_t retry = b->len;
	x86_mov_rr(b, w, X86_T2, X86_RAX);
	if (s == X86_RAX)
		x86_alu_rm(b, op, w, X86_T2, X86_RSP, 0);
	else
		x86_alu_rr(b, op, w, X86_T2, s);
	x86_cmpxchg_m(b, w, X86_T1, 0, X86_T2);
	x86_jcc(b, X86_CC_NE, (uint32_t)retry, true);
	if (s == X86_RAX) {
		x86_alu_ri(b, X86_ADD, true, X86_RSP, 8);
	} else {
		x86_mov_rr(b, w, s, X86_RAX);
		x86_pop(b, X86_RAX);
	}
}

int x86_lower_atomic(struct x86_ctx *x, const struct vm_insn *in)
{
	const struct isa_info *info = &isa_table[in->op];
	struct jit_buf *b = x->b;
	bool w = info->code == (BPF_STX | BPF_ATOMIC | BPF_DW);
	unsigned size = w ? 8 : 4;
	int s = x86_reg_of[in->src];

	if (x->checked) {
		x86_addr_checked(x, x86_reg_of[in->dst], in->off, size, true);
		x86_test_ri(b, false, X86_T1, (int32_t)size - 1);
		x86_jcc_fault(x, X86_CC_NE, JIT_EXIT_MISALIGNED, X86_T1);
	} else {
		x86_lea(b, X86_T1, x86_reg_of[in->dst], in->off);
	}
	switch (info->val) {
	case BPF_ADD: x86_alu_mr(b, X86_ADD, w, true, X86_T1, 0, s); return 0;
	case BPF_OR:  x86_alu_mr(b, X86_OR, w, true, X86_T1, 0, s); return 0;
	case BPF_AND: x86_alu_mr(b, X86_AND, w, true, X86_T1, 0, s); return 0;
	case BPF_XOR: x86_alu_mr(b, X86_XOR, w, true, X86_T1, 0, s); return 0;
	case BPF_ADD | BPF_FETCH: x86_xadd_m(b, w, X86_T1, 0, s); return 0;
	case BPF_OR | BPF_FETCH:  fetch_loop(b, X86_OR, w, s); return 0;
	case BPF_AND | BPF_FETCH: fetch_loop(b, X86_AND, w, s); return 0;
	case BPF_XOR | BPF_FETCH: fetch_loop(b, X86_XOR, w, s); return 0;
	case BPF_XCHG: x86_xchg_m(b, w, X86_T1, 0, s); return 0;
	case BPF_CMPXCHG:
		x86_cmpxchg_m(b, w, X86_T1, 0, s);
		if (!w) /* a successful 32-bit cmpxchg leaves rax's upper half */
			x86_mov_rr(b, false, X86_RAX, X86_RAX);
		return 0;
	}
	return -EFAULT;
}
