/* SPDX-License-Identifier: MIT */
/*
 * Tristate numbers, the kernel's bit-level abstract domain: a 64-bit value
 * whose bits are known (mask bit 0, the bit is in `value`) or unknown
 * (mask bit 1, value bit 0). Pure functions on small structs; every
 * operation's result contains every concrete result of its inputs'
 * members (tests/unit/test_vfy_tnum.c checks that exhaustively on small
 * widths).
 */
#ifndef BPFX_VERIFIER_TNUM_H
#define BPFX_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct tnum {
	uint64_t value;
	uint64_t mask;
};

#define TNUM(v, m) ((struct tnum){ (v), (m) })
static const struct tnum tnum_unknown = { 0, UINT64_MAX };

static inline struct tnum tnum_const(uint64_t v) { return TNUM(v, 0); }
static inline bool tnum_is_const(struct tnum a) { return !a.mask; }
static inline bool tnum_is_unknown(struct tnum a) { return !~a.mask; }
static inline bool tnum_equals_const(struct tnum a, uint64_t v) { return !a.mask && a.value == v; }
/* Is the concrete value x a member of a? */
static inline bool tnum_contains(struct tnum a, uint64_t x) { return (x & ~a.mask) == a.value; }
static inline uint64_t tnum_umin(struct tnum a) { return a.value; }
static inline uint64_t tnum_umax(struct tnum a) { return a.value | a.mask; }

/* The smallest tnum holding every value of [min, max] (unsigned). */
struct tnum tnum_range(uint64_t min, uint64_t max);
struct tnum tnum_lshift(struct tnum a, uint8_t shift);
struct tnum tnum_rshift(struct tnum a, uint8_t shift);
/* Arithmetic right shift of a `insn_bitness`-bit (32 or 64) value. */
struct tnum tnum_arshift(struct tnum a, uint8_t shift, uint8_t insn_bitness);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_neg(struct tnum a);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
/* The values in both a and b (a and b must intersect). */
struct tnum tnum_intersect(struct tnum a, struct tnum b);
/* Truncation to `size` bytes (1, 2, 4 or 8). */
struct tnum tnum_cast(struct tnum a, uint8_t size);
/* Is every member of b a member of a? */
bool tnum_in(struct tnum a, struct tnum b);
/* The low 32 bits; the high 32 bits replaced by 0 / by b's low half. */
static inline struct tnum tnum_subreg(struct tnum a) { return tnum_cast(a, 4); }
struct tnum tnum_clear_subreg(struct tnum a);
struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg);
/* Formats like the kernel's log: "(0x0; 0xff)". */
int tnum_sbin(char *buf, int size, struct tnum a);

#endif
