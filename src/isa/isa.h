/* SPDX-License-Identifier: MIT */
/*
 * Internal view of the instruction set: what the opcode table says about
 * one operation, and the decoder that finds the operation of a raw
 * instruction. Pure functions over constant data; safe from any thread.
 */
#ifndef BPFX_ISA_ISA_H
#define BPFX_ISA_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfx/bpfx.h>

#include "isa/opcodes.h"

struct isa_info {
	const char *name;       /* "ADD64_K" */
	uint8_t code;           /* opcode byte */
	uint8_t match;          /* enum isa_match */
	int32_t val;            /* value of the matched field */
	uint8_t shape;          /* enum isa_shape */
	const char *sym;        /* bpftool operator / keyword */
	const char *cname;      /* conformance-dialect mnemonic */
};

/* The table, indexed by enum isa_op. */
extern const struct isa_info isa_table[ISA_OP_COUNT];

/* The operation of a raw instruction, or -1 when the opcode (with its
 * discriminating field) is unknown. Does not check reserved fields. */
int isa_decode(const struct bpf_insn *insn);

/* Properties derived from the opcode byte. */
static inline bool isa_is_alu32(uint8_t code) { return (code & 0x07) == BPF_ALU; }
static inline bool isa_is_jmp32(uint8_t code) { return (code & 0x07) == BPF_JMP32; }

/* Access width in bytes of a load, store or atomic (BPF_SIZE field). */
static inline unsigned isa_mem_size(uint8_t code)
{
	switch (code & 0x18) {
	case BPF_W: return 4;
	case BPF_H: return 2;
	case BPF_B: return 1;
	default: return 8;
	}
}

/* Number of raw slots the instruction occupies (2 for lddw). */
static inline unsigned isa_slots(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;
}

/* Full structural check of a program; see bpfx_isa_check(). */
int isa_check(const struct bpf_insn *insns, size_t cnt, struct bpfx_isa_diag *diag);

/* Jump target of a branch or local call at index pc, as an instruction
 * index (may be out of range; isa_check rejects that). Only meaningful for
 * SH_JA, SH_JA32, SH_JMP_K, SH_JMP_X, SH_MAY_GOTO and CALL_LOCAL. */
int64_t isa_branch_target(const struct bpf_insn *insn, int op, size_t pc);

#endif /* BPFX_ISA_ISA_H */
