/* SPDX-License-Identifier: MIT */
/* Random programs from the opcode table (see progen.h). */
#include <string.h>

#include "isa/isa.h"
#include "progen.h"

uint64_t progen_next(struct progen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

/* A random instruction of a random operation, fields mostly in range. */
void progen_insn(struct progen *g, struct bpf_insn *in, size_t idx, size_t cnt)
{
	int op = (int)(progen_next(g) % ISA_OP_COUNT);
	const struct isa_info *info = &isa_table[op];

	memset(in, 0, sizeof(*in));
	in->code = info->code;
	in->dst_reg = progen_next(g) % 10;
	in->src_reg = progen_next(g) % 11;
	in->off = (int16_t)((progen_next(g) % 3 == 0) ? (int16_t)progen_next(g)
						     : (int)(progen_next(g) % 64) - 32);
	in->imm = (progen_next(g) % 2) ? (int32_t)progen_next(g)
				       : (int32_t)(progen_next(g) % 64) - 8;
	switch (info->match) {
	case M_OFF: in->off = (int16_t)info->val; break;
	case M_IMM: in->imm = info->val; break;
	case M_SRC: in->src_reg = (uint8_t)info->val; break;
	default: break;
	}
	int32_t rel = (int32_t)((int64_t)(progen_next(g) % cnt) - (int64_t)idx - 1);
	switch (info->shape) {
	case SH_ALU_K: case SH_JMP_K: case SH_ST: case SH_END:
		in->src_reg = info->match == M_SRC ? in->src_reg : 0;
		break;
	case SH_ALU_X: case SH_MOVSX: case SH_JMP_X: case SH_LDX: case SH_STX:
		in->imm = info->match == M_IMM ? in->imm : 0;
		break;
	case SH_NEG:
		in->src_reg = 0;
		in->imm = 0;
		break;
	case SH_CALL:
		in->dst_reg = 0;
		in->off = 0;
		in->imm = op == ISA_OP_CALL_LOCAL ? rel : BPF_FUNC_ktime_get_ns;
		break;
	case SH_LDDW: case SH_LDABS: case SH_LDIND: case SH_CALLX: case SH_JA32:
		/* rarely valid as generated; the validator's refusals are
		 * tested elsewhere, so make most of them plain moves */
		if (progen_next(g) % 4) {
			in->code = BPF_ALU64 | BPF_MOV | BPF_K;
			in->src_reg = 0;
			in->off = 0;
		}
		break;
	default:
		break;
	}
	if (info->shape == SH_END)
		in->off = 0;
	if (info->shape == SH_JA || info->shape == SH_JMP_K || info->shape == SH_JMP_X)
		in->off = (int16_t)rel;
	if (info->shape == SH_JA) {
		in->dst_reg = in->src_reg = 0;
		in->imm = 0;
	}
}

