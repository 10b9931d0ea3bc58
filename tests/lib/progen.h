/* SPDX-License-Identifier: MIT */
/*
 * Random programs from the opcode table, mostly valid (fields in range,
 * branches inside the program), for the checked-mode fuzz test and the
 * JIT's differential test. Deterministic for a given seed.
 */
#ifndef BPFX_TESTS_PROGEN_H
#define BPFX_TESTS_PROGEN_H

#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

struct progen {
	uint64_t rng; /* xorshift state, never 0 */
};

uint64_t progen_next(struct progen *g);
/* A random instruction of a random operation at idx of a cnt-long program. */
void progen_insn(struct progen *g, struct bpf_insn *in, size_t idx, size_t cnt);

#endif /* BPFX_TESTS_PROGEN_H */
