/* SPDX-License-Identifier: MIT */
/* The opcode table is consistent: every entry decodes back to itself, no
 * two entries claim the same encoding, and every byte the kernel knows as
 * an opcode class appears where expected. */
#include <string.h>

#include "isa/isa.h"
#include "tcheck.h"

static struct bpf_insn example_of(int op)
{
	const struct isa_info *in = &isa_table[op];
	struct bpf_insn x = { .code = in->code };
	switch (in->match) {
	case M_OFF: x.off = (int16_t)in->val; break;
	case M_IMM: x.imm = in->val; break;
	case M_SRC: x.src_reg = (uint8_t)in->val; break;
	default: break;
	}
	return x;
}

int main(void)
{
	int collisions = 0;

	for (int op = 0; op < ISA_OP_COUNT; op++) {
		struct bpf_insn x = example_of(op);
		CHECK(isa_decode(&x) == op, "%s decodes as %d", isa_table[op].name, isa_decode(&x));
		CHECK(isa_table[op].sym && isa_table[op].cname && isa_table[op].name,
		      "%s has all its names", isa_table[op].name);
		for (int other = op + 1; other < ISA_OP_COUNT; other++) {
			const struct isa_info *a = &isa_table[op], *b = &isa_table[other];
			bool same = a->code == b->code && a->match == b->match && a->val == b->val;
			if (same && ++collisions)
				CHECK(0, "%s and %s share an encoding", a->name, b->name);
		}
	}
	CHECK(collisions == 0, "no two operations share an encoding");
	/* Opcode bytes that must not decode: the kernel rejects them too. */
	static const uint8_t unknown[] = { 0x00, 0x01, 0x38, 0x8c, 0x8e, 0x96, 0xdf, 0xf5, 0xff };
	for (size_t i = 0; i < sizeof(unknown); i++) {
		struct bpf_insn x = { .code = unknown[i] };
		CHECK(isa_decode(&x) < 0, "opcode 0x%02x decodes", unknown[i]);
	}
	/* Discriminating fields outside the table do not decode. */
	struct bpf_insn div_off2 = { .code = 0x3f, .off = 2 };
	struct bpf_insn movsx_16_32 = { .code = 0xbc, .off = 32 };
	struct bpf_insn be_128 = { .code = 0xdc, .imm = 128 };
	struct bpf_insn atomic_bad = { .code = 0xdb, .imm = 0x02 };
	struct bpf_insn call_src3 = { .code = 0x85, .src_reg = 3 };
	CHECK(isa_decode(&div_off2) < 0, "div with off 2");
	CHECK(isa_decode(&movsx_16_32) < 0, "32-bit movsx from 32 bits");
	CHECK(isa_decode(&be_128) < 0, "be128");
	CHECK(isa_decode(&atomic_bad) < 0, "atomic op 0x02");
	CHECK(isa_decode(&call_src3) < 0, "call with src 3");
	CHECK(ISA_OP_COUNT > 150, "table has %d operations", ISA_OP_COUNT);
	return t_done("isa_table");
}
