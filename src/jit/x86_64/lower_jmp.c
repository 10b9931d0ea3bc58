/* SPDX-License-Identifier: MIT */
/*
 * Lowering of jumps, may_goto, calls and exit. Runs in every JIT pass.
 * Every instruction has a label (its index), so a branch is a jump to the
 * target's label; jit.c's passes settle the jump sizes.
 *
 * Calls: the program itself is entered with a native call, so exit is
 * always `ret`, at any depth. A bpf-to-bpf call pushes r10 and r6-r9,
 * moves r10 down one 512-byte frame and calls the target; the pops after
 * it restore the caller's registers, as the interpreter's frames do.
 */
#include <errno.h>

#include <linux/bpf.h>

#include "isa/isa.h"
#include "jit/x86_64/lower.h"

int x86_lower_ja(struct x86_ctx *x, const struct vm_insn *in)
{
	if (in->off != 1)
		x86_jmp_label(x, x->idx + (uint32_t)in->off);
	return 0;
}

static enum x86_cc cc_of(unsigned op)
{
	switch (op) {
	case BPF_JEQ: return X86_CC_E;
	case BPF_JGT: return X86_CC_A;
	case BPF_JGE: return X86_CC_AE;
	case BPF_JLT: return X86_CC_B;
	case BPF_JLE: return X86_CC_BE;
	case BPF_JSGT: return X86_CC_G;
	case BPF_JSGE: return X86_CC_GE;
	case BPF_JSLT: return X86_CC_L;
	case BPF_JSLE: return X86_CC_LE;
	default: return X86_CC_NE; /* JNE, JSET */
	}
}

int x86_lower_jcc(struct x86_ctx *x, const struct vm_insn *in)
{
	const struct isa_info *info = &isa_table[in->op];
	struct jit_buf *b = x->b;
	bool w = !isa_is_jmp32(info->code);
	bool is_x = info->code & BPF_X;
	unsigned op = BPF_OP(info->code);
	int d = x86_reg_of[in->dst], s = x86_reg_of[in->src];
	int32_t imm = (int32_t)in->imm;

	if (op == BPF_JSET) {
		if (is_x)
			x86_test_rr(b, w, d, s);
		else
			x86_test_ri(b, w, d, imm);
	} else if (is_x) {
		x86_alu_rr(b, X86_CMP, w, d, s);
	} else if (imm == 0) {
		x86_test_rr(b, w, d, d); /* same flags as cmp with 0 */
	} else {
		x86_alu_ri(b, X86_CMP, w, d, imm);
	}
	x86_jcc_label(x, cc_of(op), x->idx + (uint32_t)in->off);
	return 0;
}

/* Falls through while the run's may_goto counter (shared with the
 * interpreter: run->may_goto_left) lasts, jumps once it is spent. */
int x86_lower_may_goto(struct x86_ctx *x, const struct vm_insn *in)
{
	x86_alu_mi(x->b, X86_CMP, true, X86_CTX, RUN_OFF(may_goto_left), 0);
	x86_jcc_label(x, X86_CC_E, x->idx + (uint32_t)in->off);
	x86_alu_mi(x->b, X86_SUB, true, X86_CTX, RUN_OFF(may_goto_left), 1);
	return 0;
}

int x86_lower_call(struct x86_ctx *x, const struct vm_insn *in)
{
	switch (in->op) {
	case ISA_OP_CALL_HELPER:
		x86_call_helper(x, in->imm); /* pre-decoded: the function */
		return 0;
	case ISA_OP_CALL_LOCAL:
		x86_local_call(x, x->idx + (uint32_t)in->off, false);
		return 0;
	}
	return -EOPNOTSUPP; /* kfuncs: refused when the program was built */
}

/* callx: a function token (VM_FUNC_TAG | index) makes a local call
 * through the index table; anything else is a helper id, looked up at
 * run time by jit_callx_helper (which faults like the interpreter). */
int x86_lower_callx(struct x86_ctx *x, const struct vm_insn *in)
{
	struct jit_buf *b = x->b;
	int d = x86_reg_of[in->dst];

	x86_mov_rr(b, true, X86_T1, d);
	x86_mov_rr(b, true, X86_T2, X86_T1);
	x86_shift_ri(b, X86_SHR, true, X86_T2, 52);
	x86_alu_ri(b, X86_CMP, false, X86_T2, (int32_t)(VM_FUNC_TAG >> 52));
	size_t to_helper = x86_jcc8_fwd(b, X86_CC_NE);
	x86_shift_ri(b, X86_SHL, true, X86_T1, 12);
	x86_shift_ri(b, X86_SHR, true, X86_T1, 12);
	x86_alu_ri(b, X86_CMP, true, X86_T1, (int32_t)x->prog->cnt);
	x86_jcc_fault(x, X86_CC_AE, JIT_EXIT_BAD_CALLX, d);
	x86_lea_to(x, X86_T2, x->l_table);
	x86_shift_ri(b, X86_SHL, true, X86_T1, 2);
	x86_alu_rr(b, X86_ADD, true, X86_T1, X86_T2);
	x86_load(b, 4, false, X86_T1, X86_T1, 0);
	x86_lea_to(x, X86_T2, x->l_start);
	x86_alu_rr(b, X86_ADD, true, X86_T1, X86_T2);
	x86_local_call(x, 0, true);
	size_t done = x86_jmp8_fwd(b);
	x86_patch8(b, to_helper);
	x86_store_r(b, 8, X86_CTX, RUN_OFF(jit.aux), X86_T1);
	x86_call_helper(x, (uintptr_t)jit_callx_helper);
	x86_patch8(b, done);
	return 0;
}

int x86_lower_exit(struct x86_ctx *x, const struct vm_insn *in)
{
	x86_ret(x->b);
	return 0;
}
