/* SPDX-License-Identifier: MIT */
/*
 * Deterministic run of the fuzz target tests/fuzz/fuzz_exec.c on programs
 * generated from the opcode table (so most pass validation and reach the
 * checked interpreter), with pointer-ish registers, from fixed seeds. Under
 * `make test SANITIZE=1` any access escaping checked mode is an ASan error.
 * Checks: nothing crashes, a good share of programs is valid and runs, and
 * faults are reported with an instruction index inside the program.
 */
#include <stdio.h>

#include "../fuzz/fuzz_exec.c"

#include "isa/isa.h"
#include "tcheck.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A random instruction of a random operation, fields mostly in range. */
static void random_insn(struct bpf_insn *in, size_t idx, size_t cnt)
{
	int op = (int)(next() % ISA_OP_COUNT);
	const struct isa_info *info = &isa_table[op];

	memset(in, 0, sizeof(*in));
	in->code = info->code;
	in->dst_reg = next() % 10;
	in->src_reg = next() % 11;
	in->off = (int16_t)((next() % 3 == 0) ? (int16_t)next() : (int)(next() % 64) - 32);
	in->imm = (next() % 2) ? (int32_t)next() : (int32_t)(next() % 64) - 8;
	switch (info->match) {
	case M_OFF: in->off = (int16_t)info->val; break;
	case M_IMM: in->imm = info->val; break;
	case M_SRC: in->src_reg = (uint8_t)info->val; break;
	default: break;
	}
	int32_t rel = (int32_t)((int64_t)(next() % cnt) - (int64_t)idx - 1);
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
		if (next() % 4) {
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

int main(void)
{
	enum { PROGRAMS = 20000, MAX_LEN = 24 };
	uint8_t buf[32 + MAX_LEN * 8];
	unsigned valid = 0, ran_clean = 0, faulted = 0, bad_reports = 0;

	for (int n = 0; n < PROGRAMS; n++) {
		size_t cnt = 2 + next() % (MAX_LEN - 1);
		struct bpf_insn *p = (struct bpf_insn *)(buf + 32);
		for (size_t i = 0; i < 32; i++)
			buf[i] = (uint8_t)next();
		for (size_t i = 0; i < cnt; i++)
			random_insn(&p[i], i, cnt);
		p[cnt - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };

		/* The fuzz target itself: must not crash. */
		fuzz_exec_one(buf, 32 + cnt * 8);

		/* And the same program, observed. */
		int err;
		struct bpfx_prog *prog = bpfx_prog__new(p, cnt, NULL, &err);
		if (!prog)
			continue;
		valid++;
		struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true, .insn_budget = 10000 };
		struct bpfx_run_result res;
		err = bpfx_prog__run(prog, &ro, &res);
		if (err == 0)
			ran_clean++;
		else if (res.fault_insn >= 0 && (size_t)res.fault_insn < cnt && res.fault_msg[0])
			faulted++;
		else if (bad_reports++ < 5)
			fprintf(stderr, "program %d: fault at %d (%s)\n", n, res.fault_insn, res.fault_msg);
		bpfx_prog__free(prog);
	}
	printf("%u generated programs: %u valid, %u ran to exit, %u stopped by checked mode\n",
	       PROGRAMS, valid, ran_clean, faulted);
	CHECK(bad_reports == 0, "every stop names an instruction of the program and a reason "
	      "(%u did not)", bad_reports);
	CHECK(valid > PROGRAMS / 2, "enough programs are valid to exercise the interpreter (%u)", valid);
	CHECK(ran_clean > 0 && faulted > 0, "both outcomes seen");
	return t_done("fuzz_exec");
}
