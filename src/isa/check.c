/* SPDX-License-Identifier: MIT */
/*
 * Structural validation of a raw program: what every consumer (the
 * interpreter, the JIT, the verifier) may assume of its input afterwards.
 *
 * Checks, instruction by instruction: the opcode exists, registers are in
 * range and r10 is never written, reserved fields are zero, branch and
 * call targets lie inside the program and never on the second slot of an
 * lddw, lddw is whole; and that the program is non-empty, not longer than
 * the kernel allows, and ends in exit or an unconditional jump (so the
 * interpreter can never run off the end). Value-dependent rules (division
 * by a zero immediate, shift counts) belong to the verifier.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "isa/isa.h"

static int fail(struct bpfx_isa_diag *diag, size_t idx, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct bpfx_isa_diag *diag, size_t idx, int err, const char *fmt, ...)
{
	if (diag) {
		va_list ap;
		va_start(ap, fmt);
		diag->insn = (int)idx;
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Which fields a shape requires to be zero. */
enum { Z_DST = 1, Z_SRC = 2, Z_OFF = 4, Z_IMM = 8 };

static unsigned reserved_fields(int shape)
{
	switch (shape) {
	case SH_ALU_K:    return Z_SRC;
	case SH_ALU_X:    return Z_IMM;
	case SH_NEG:      return Z_SRC | Z_IMM;
	case SH_MOVSX:    return Z_IMM;
	case SH_END:      return Z_SRC | Z_OFF;
	case SH_JA:       return Z_DST | Z_SRC | Z_IMM;
	case SH_JA32:     return Z_DST | Z_SRC | Z_OFF;
	case SH_JMP_K:    return Z_SRC;
	case SH_JMP_X:    return Z_IMM;
	case SH_CALL:     return Z_DST | Z_OFF;
	case SH_CALLX:    return Z_SRC | Z_OFF | Z_IMM;
	case SH_EXIT:     return Z_DST | Z_SRC | Z_OFF | Z_IMM;
	case SH_MAY_GOTO: return Z_DST | Z_SRC | Z_IMM;
	case SH_LDDW:     return Z_OFF;
	case SH_LDABS:    return Z_DST | Z_SRC | Z_OFF;
	case SH_LDIND:    return Z_DST | Z_OFF;
	case SH_LDX:      return Z_IMM;
	case SH_ST:       return Z_SRC;
	case SH_STX:      return Z_IMM;
	case SH_ATOMIC:   return 0;
	}
	return 0;
}

/* Shapes whose dst register is written (and so may not be r10). */
static bool writes_dst(int shape)
{
	switch (shape) {
	case SH_ALU_K: case SH_ALU_X: case SH_NEG: case SH_MOVSX: case SH_END:
	case SH_LDDW: case SH_LDX:
		return true;
	default:
		return false;
	}
}

static bool is_branch(int op, int shape)
{
	return shape == SH_JA || shape == SH_JA32 || shape == SH_JMP_K ||
	       shape == SH_JMP_X || shape == SH_MAY_GOTO || op == ISA_OP_CALL_LOCAL;
}

static int check_reserved(const struct bpf_insn *in, size_t i, int op,
			  struct bpfx_isa_diag *diag)
{
	unsigned z = reserved_fields(isa_table[op].shape);
	const char *field = NULL;

	if ((z & Z_DST) && in->dst_reg)
		field = "dst_reg";
	else if ((z & Z_SRC) && in->src_reg)
		field = "src_reg";
	else if ((z & Z_OFF) && in->off)
		field = "off";
	else if ((z & Z_IMM) && in->imm)
		field = "imm";
	if (field)
		return fail(diag, i, -EINVAL, "reserved field %s is not zero (opcode 0x%02x)",
			    field, in->code);
	return 0;
}

static int check_lddw(const struct bpf_insn *insns, size_t cnt, size_t i,
		      struct bpfx_isa_diag *diag)
{
	const struct bpf_insn *in = &insns[i];

	if (i + 1 >= cnt)
		return fail(diag, i, -EINVAL, "lddw cut in half: its second slot is missing");
	const struct bpf_insn *next = &insns[i + 1];
	if (next->code || next->dst_reg || next->src_reg || next->off)
		return fail(diag, i, -EINVAL,
			    "invalid lddw: the second slot must be all zero but imm");
	if (in->src_reg > BPF_PSEUDO_MAP_IDX_VALUE)
		return fail(diag, i, -EINVAL, "invalid lddw: unknown pseudo source %u",
			    in->src_reg);
	if (in->src_reg != 0 && in->src_reg != BPF_PSEUDO_MAP_VALUE &&
	    in->src_reg != BPF_PSEUDO_MAP_IDX_VALUE && in->src_reg != BPF_PSEUDO_BTF_ID &&
	    next->imm != 0)
		return fail(diag, i, -EINVAL,
			    "invalid lddw: pseudo source %u takes no second immediate",
			    in->src_reg);
	return 0;
}

int isa_check(const struct bpf_insn *insns, size_t cnt, struct bpfx_isa_diag *diag)
{
	if (diag) {
		diag->insn = -1;
		diag->msg[0] = '\0';
	}
	if (cnt == 0)
		return fail(diag, 0, -EINVAL, "empty program");
	if (cnt > BPFX_MAX_INSNS)
		return fail(diag, BPFX_MAX_INSNS, -E2BIG,
			    "program has %zu instructions, more than the limit of %u",
			    cnt, BPFX_MAX_INSNS);

	size_t last = 0; /* index of the last instruction start */
	for (size_t i = 0; i < cnt; i += isa_slots(&insns[i])) {
		const struct bpf_insn *in = &insns[i];
		int op = isa_decode(in);
		int err;

		last = i;
		if (op < 0)
			return fail(diag, i, -EINVAL, "unknown opcode 0x%02x%s", in->code,
				    in->code == 0 ? " (the second half of an lddw?)" : "");
		if (in->dst_reg > BPF_REG_10)
			return fail(diag, i, -EINVAL, "invalid register r%u", in->dst_reg);
		if (in->src_reg > BPF_REG_10 && isa_table[op].shape != SH_LDDW)
			return fail(diag, i, -EINVAL, "invalid register r%u", in->src_reg);
		err = check_reserved(in, i, op, diag);
		if (err)
			return err;
		int shape = isa_table[op].shape;
		if (writes_dst(shape) && in->dst_reg == BPF_REG_10)
			return fail(diag, i, -EINVAL, "frame pointer r10 is read only");
		if (shape == SH_LDDW && (err = check_lddw(insns, cnt, i, diag)))
			return err;
		if (is_branch(op, shape)) {
			int64_t t = isa_branch_target(in, op, i);
			if (t < 0 || t >= (int64_t)cnt)
				return fail(diag, i, -EINVAL, "jump out of range from insn %zu to %lld",
					    i, (long long)t);
			if (t > 0 && insns[t - 1].code == (BPF_LD | BPF_IMM | BPF_DW))
				return fail(diag, i, -EINVAL,
					    "jump from insn %zu into the middle of the lddw at %lld",
					    i, (long long)t - 1);
		}
	}

	int op = isa_decode(&insns[last]);
	if (op != ISA_OP_EXIT && op != ISA_OP_JA && op != ISA_OP_JA32)
		return fail(diag, last, -EINVAL, "last insn is not an exit or jmp");
	return 0;
}

int bpfx_isa_check(const struct bpf_insn *insns, size_t cnt, struct bpfx_isa_diag *diag)
{
	if (!insns && cnt)
		return -EINVAL;
	return isa_check(insns, cnt, diag);
}
