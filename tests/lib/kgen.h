/* SPDX-License-Identifier: MIT */
/*
 * Random eBPF programs that the kernel verifier accepts, for differential
 * tests (tests/tools/kdiff.c). A program is a pure function of its seed
 * and the feature set: the same pair always gives the same instructions,
 * so a failure is reproduced from the seed alone.
 *
 * Shape of a program: every register r0-r9 and a 64-byte stack area are
 * initialised with "interesting" constants; a body of random ALU/ALU32
 * operations, forward conditional jumps (if and if/else blocks), stack
 * loads and stores and stack atomics follows; then every register and
 * stack slot is folded into r0 and the program exits. There are no loops
 * (all jumps go forward) and no calls, and nothing reads what was not
 * written first.
 */
#ifndef BPFX_TESTS_KGEN_H
#define BPFX_TESTS_KGEN_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Older UAPI headers lack the v4 sign-extending load mode. */
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif

/* Instruction groups a kernel may lack; the generator uses only those in
 * its feature mask. The v4 groups need Linux 6.6. */
enum kgen_feature {
	KGEN_F_SDIV = 1u << 0,    /* sdiv, smod (v4) */
	KGEN_F_MOVSX = 1u << 1,   /* movsx (v4) */
	KGEN_F_LDXS = 1u << 2,    /* sign-extending loads (v4) */
	KGEN_F_BSWAP = 1u << 3,   /* unconditional byte swaps (v4) */
	KGEN_F_JA32 = 1u << 4,    /* gotol, the 32-bit-offset jump (v4) */
	KGEN_F_ATOMIC = 1u << 5,  /* atomic add/or/and/xor (+fetch), xchg, cmpxchg */
	KGEN_F_COUNT = 6,
	KGEN_F_ALL = (1u << 6) - 1,
};

/* The largest program kgen_random_prog writes (plus one slot for
 * kgen_high_half). */
#define KGEN_MAX_INSNS 640

/* Stack bytes a random program uses: [r10 - 8 * KGEN_STACK_SLOTS, r10). */
#define KGEN_STACK_SLOTS 8

/* splitmix64: advances *state and returns the next pseudo-random value. */
uint64_t kgen_rand(uint64_t *state);

/* A 64-bit or 32-bit operand drawn mostly from boundary values (0, +-1,
 * INT32/INT64 limits, 0x80000000, 0xffffffff, shift widths, ...), the
 * rest at random. */
uint64_t kgen_value64(uint64_t *state);
int32_t kgen_value32(uint64_t *state);

/* Writes the program of `seed`, using only the instruction groups in
 * `features`, into out[0..KGEN_MAX_INSNS) and returns its length. Its last
 * instruction is its only exit. */
size_t kgen_random_prog(uint64_t seed, unsigned features, struct bpf_insn *out);

/* Copies prog (whose last instruction is its only exit) into out with
 * `r0 >>= 32` inserted before that exit, so the kernel's 32-bit test_run
 * result shows the high half. Jumps to the exit then land on the shift.
 * out must hold cnt + 1 instructions; returns cnt + 1. */
size_t kgen_high_half(const struct bpf_insn *prog, size_t cnt, struct bpf_insn *out);

/* Does every read in p (of a register, or of r10-based stack bytes)
 * follow a write on every path to it? Holds for every generated program;
 * the shrinker keeps it true, since both the kernel (privileged: r1 is its
 * context pointer, unwritten stack is readable) and bpfx would run such a
 * program, but give different answers of no interest. p must only jump
 * forward. */
bool kgen_reads_ok(const struct bpf_insn *p, size_t n);

/* Whether a shrunk candidate still shows what is being chased. */
typedef bool (*kgen_keep_fn)(const struct bpf_insn *p, size_t n, void *ctx);

/* Runs after a difference is found: shrinks p in place (forward jumps
 * only, at most KGEN_MAX_INSNS, last insn its exit) to fewer instructions
 * for which keep() still holds and kgen_reads_ok() too. Returns the new
 * length; a program that fails kgen_reads_ok() to begin with (say, reads
 * the context in r1) is left as it is. Calls keep() a few times per
 * instruction. */
size_t kgen_shrink(struct bpf_insn *p, size_t n, kgen_keep_fn keep, void *ctx);

/* A tiny program using the feature group `feature` (one KGEN_F_* bit), to
 * probe whether the kernel accepts it; out must hold 8 instructions.
 * Returns its length. */
size_t kgen_feature_sample(unsigned feature, struct bpf_insn *out);

/* "sdiv/smod", "movsx", ... for one KGEN_F_* bit. */
const char *kgen_feature_name(unsigned feature);

#endif
