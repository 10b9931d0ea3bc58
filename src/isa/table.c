/* SPDX-License-Identifier: MIT */
/*
 * The opcode table expanded into data, and the decoder.
 *
 * Decoding goes through a 256-entry index from opcode byte to the first
 * table entry with that byte; entries sharing a byte (sdiv/div, movsx/mov,
 * the byte swaps, the atomics, the three calls) are told apart by their
 * match field. The index is built from the table at compile time order by
 * a one-time initialiser, so the table stays the only list.
 */
#include <pthread.h>
#include <string.h>

#include "isa/isa.h"

const struct isa_info isa_table[ISA_OP_COUNT] = {
#define ISA_INFO(NAME, CODE, MATCH, VAL, SHAPE, SYM, CN) \
	[ISA_OP_##NAME] = { #NAME, CODE, MATCH, VAL, SHAPE, SYM, CN },
	ISA_OPCODES(ISA_INFO)
#undef ISA_INFO
};

/* For each opcode byte, the operations with that byte (at most 10: the
 * atomics of one width), terminated by -1. */
#define ISA_MAX_PER_CODE 12
static int16_t by_code[256][ISA_MAX_PER_CODE];
static pthread_once_t by_code_once = PTHREAD_ONCE_INIT;

static void build_index(void)
{
	memset(by_code, 0xff, sizeof(by_code)); /* every slot -1 */
	for (int op = 0; op < ISA_OP_COUNT; op++) {
		int16_t *slot = by_code[isa_table[op].code];
		while (*slot >= 0)
			slot++;
		*slot = (int16_t)op;
	}
}

int isa_decode(const struct bpf_insn *insn)
{
	pthread_once(&by_code_once, build_index);
	for (const int16_t *op = by_code[insn->code]; *op >= 0; op++) {
		const struct isa_info *info = &isa_table[*op];
		switch (info->match) {
		case M_ANY:
			return *op;
		case M_OFF:
			if (insn->off == info->val)
				return *op;
			break;
		case M_IMM:
			if (insn->imm == info->val)
				return *op;
			break;
		case M_SRC:
			if (insn->src_reg == info->val)
				return *op;
			break;
		}
	}
	return -1;
}

int64_t isa_branch_target(const struct bpf_insn *insn, int op, size_t pc)
{
	int shape = isa_table[op].shape;
	if (shape == SH_JA32 || op == ISA_OP_CALL_LOCAL)
		return (int64_t)pc + 1 + insn->imm;
	return (int64_t)pc + 1 + insn->off;
}
