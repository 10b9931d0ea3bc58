/* SPDX-License-Identifier: MIT */
/*
 * Random instructions from the opcode table, fields mostly in range (so
 * most programs pass validation): the generator of the execution fuzz
 * test and of the verifier's soundness test. Header-only, deterministic
 * for a given state.
 */
#ifndef BPFX_TESTS_TGEN_H
#define BPFX_TESTS_TGEN_H

#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>

#include "isa/isa.h"

static inline uint64_t tgen_next(uint64_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return *rng;
}

/* A random instruction of a random operation, fields mostly in range. */
static inline void tgen_random_insn(uint64_t *rng, struct bpf_insn *in, size_t idx, size_t cnt)
{
	int op = (int)(tgen_next(rng) % ISA_OP_COUNT);
	const struct isa_info *info = &isa_table[op];

	memset(in, 0, sizeof(*in));
	in->code = info->code;
	in->dst_reg = tgen_next(rng) % 10;
	in->src_reg = tgen_next(rng) % 11;
	in->off = (int16_t)((tgen_next(rng) % 3 == 0) ? (int16_t)tgen_next(rng) : (int)(tgen_next(rng) % 64) - 32);
	in->imm = (tgen_next(rng) % 2) ? (int32_t)tgen_next(rng) : (int32_t)(tgen_next(rng) % 64) - 8;
	switch (info->match) {
	case M_OFF: in->off = (int16_t)info->val; break;
	case M_IMM: in->imm = info->val; break;
	case M_SRC: in->src_reg = (uint8_t)info->val; break;
	default: break;
	}
	int32_t rel = (int32_t)((int64_t)(tgen_next(rng) % cnt) - (int64_t)idx - 1);
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
		if (tgen_next(rng) % 4) {
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

#endif
