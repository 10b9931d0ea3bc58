/* SPDX-License-Identifier: MIT */
/*
 * The numeric abstract value of a scalar (or of a pointer's variable
 * offset): a tnum plus signed and unsigned ranges of the 64-bit value and
 * of its low 32 bits, kept consistent with each other the way the
 * kernel's reg_bounds_sync does. Pure functions; every result contains
 * every concrete result (tests/unit/test_vfy_bounds.c checks that
 * exhaustively over small values).
 */
#ifndef BPFX_VERIFIER_BOUNDS_H
#define BPFX_VERIFIER_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

#include "verifier/tnum.h"

struct bounds {
	struct tnum var_off;
	int64_t smin, smax;
	uint64_t umin, umax;
	int32_t s32_min, s32_max;
	uint32_t u32_min, u32_max;
};

struct bounds bounds_const(uint64_t v);
struct bounds bounds_unknown(void);
/* Tightens every part from the others; the result has the same members. */
void bounds_sync(struct bounds *b);
/* Empty (no concrete value): only after a branch refinement that cannot
 * happen. */
bool bounds_empty(const struct bounds *b);
bool bounds_is_const(const struct bounds *b);
bool bounds_contains(const struct bounds *b, uint64_t x);
/* Is every member of cur a member of old? (state pruning) */
bool bounds_in(const struct bounds *old, const struct bounds *cur);
/* Zero-extends the low 32 bits (every ALU32 result, 32-bit loads). */
void bounds_zext32(struct bounds *b);
/* Only the low `size` bytes are known to be set: a load of that size. */
struct bounds bounds_of_load(unsigned size);

/* dst = dst OP src, for the BPF_ALU/BPF_ALU64 operation `op` (BPF_ADD...,
 * BPF_MOV excluded; BPF_NEG takes no src) on 64 or 32 bits. Shifts by a
 * non-constant or out-of-range amount and unknown operations give an
 * unknown result. */
struct bounds bounds_alu(uint8_t op, struct bounds dst, struct bounds src, bool alu32);
/* Sign extension of the low `bits` (8, 16, 32) bits to 64 (alu32: to 32
 * then zero-extended): MOVSX. */
struct bounds bounds_sext(struct bounds b, unsigned bits, bool alu32);
/* Byte swap / conversion (BPF_END) to `bits`: exact for constants. */
struct bounds bounds_bswap(struct bounds b, unsigned bits, bool to_be_swap);

/* Is the conditional jump `op` (BPF_JEQ...) on (a, b) always taken (1),
 * never (0), or either (-1)? */
int bounds_branch_taken(uint8_t op, const struct bounds *a, const struct bounds *b, bool is32);
/* Narrows a and b to the values for which `a op b` holds (taken) or does
 * not (!taken). Returns false when no values remain. */
bool bounds_refine(uint8_t op, bool taken, struct bounds *a, struct bounds *b, bool is32);

#endif
