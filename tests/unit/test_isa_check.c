/* SPDX-License-Identifier: MIT */
/* The validator refuses every kind of malformed program with the index of
 * the first bad instruction and a reason, and accepts well-formed ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "tcheck.h"
#include "tinsn.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_reject(const char *what, const struct bpf_insn *p, size_t n, int idx,
			  const char *needle)
{
	struct bpfx_isa_diag d;
	int err = bpfx_isa_check(p, n, &d);
	CHECK(err == -EINVAL, "%s: err %d", what, err);
	CHECK(d.insn == idx, "%s: reported insn %d, want %d (%s)", what, d.insn, idx, d.msg);
	CHECK(strstr(d.msg, needle) != NULL, "%s: message '%s' lacks '%s'", what, d.msg, needle);
}

static void expect_accept(const char *what, const struct bpf_insn *p, size_t n)
{
	struct bpfx_isa_diag d;
	int err = bpfx_isa_check(p, n, &d);
	CHECK(err == 0 && d.insn == -1, "%s: rejected at %d: %s", what, d.insn, d.msg);
}

int main(void)
{
	struct bpf_insn ok[] = { MOV64_IMM(0, 1), JMP_IMM(BPF_JEQ, 0, 1, 1), MOV64_IMM(0, 2), EXIT() };
	expect_accept("simple", ok, N(ok));

	struct bpf_insn lddw[] = { LDDW_LO(0, 0x1122334455667788ull), LDDW_HI(0x1122334455667788ull), EXIT() };
	expect_accept("lddw", lddw, N(lddw));

	struct bpf_insn unknown[] = { MOV64_IMM(0, 0), RAW(0xff, 0, 0, 0, 0), EXIT() };
	expect_reject("unknown opcode", unknown, N(unknown), 1, "unknown opcode 0xff");

	struct bpf_insn badreg[] = { MOV64_REG(0, 11), EXIT() };
	expect_reject("register 11", badreg, N(badreg), 0, "invalid register r11");

	struct bpf_insn r10w[] = { MOV64_IMM(10, 0), EXIT() };
	expect_reject("write r10", r10w, N(r10w), 0, "read only");

	struct bpf_insn ldx10[] = { LDX(BPF_DW, 10, 1, 0), EXIT() };
	expect_reject("load into r10", ldx10, N(ldx10), 0, "read only");

	struct bpf_insn reserved[] = { RAW(BPF_ALU64 | BPF_ADD | BPF_K, 0, 3, 0, 1), EXIT() };
	expect_reject("reserved src", reserved, N(reserved), 0, "reserved field src_reg");

	struct bpf_insn exit_imm[] = { RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 7) };
	expect_reject("exit with imm", exit_imm, N(exit_imm), 0, "reserved field imm");

	struct bpf_insn far[] = { JA(5), EXIT() };
	expect_reject("jump past the end", far, N(far), 0, "jump out of range");

	struct bpf_insn back[] = { JMP_IMM(BPF_JEQ, 1, 0, -3), EXIT() };
	expect_reject("jump before the start", back, N(back), 0, "jump out of range");

	struct bpf_insn into[] = { JA(1), LDDW_LO(0, 1), LDDW_HI(1), EXIT() };
	expect_reject("jump into lddw", into, N(into), 0, "middle of the lddw");

	struct bpf_insn cut[] = { MOV64_IMM(0, 0), LDDW_LO(0, 1) };
	expect_reject("lddw cut in half", cut, N(cut), 1, "cut in half");

	struct bpf_insn bad_second[] = { LDDW_LO(0, 1), RAW(0x07, 0, 0, 0, 0), EXIT() };
	expect_reject("lddw second slot", bad_second, N(bad_second), 0, "second slot");

	struct bpf_insn fall[] = { MOV64_IMM(0, 0) };
	expect_reject("no exit", fall, N(fall), 0, "last insn is not an exit");

	struct bpf_insn call_far[] = { CALL_LOCAL(10), EXIT() };
	expect_reject("local call out of range", call_far, N(call_far), 0, "jump out of range");

	struct bpfx_isa_diag d;
	CHECK(bpfx_isa_check(ok, 0, &d) == -EINVAL && strstr(d.msg, "empty"), "empty program");

	/* The kernel's size limit: one past it is E2BIG, without reading it. */
	size_t big = BPFX_MAX_INSNS + 1;
	struct bpf_insn *huge = calloc(big, sizeof(*huge));
	if (CHECK(huge != NULL, "allocate %zu insns", big)) {
		for (size_t i = 0; i < big; i++)
			huge[i] = MOV64_IMM(0, 0);
		huge[big - 1] = EXIT();
		CHECK(bpfx_isa_check(huge, big, &d) == -E2BIG, "more than 1M insns");
		CHECK(bpfx_isa_check(huge + 1, big - 1, &d) == 0, "exactly 1M insns: %s", d.msg);
		free(huge);
	}

	/* Every single-byte opcode with all other fields zero: the validator
	 * never crashes and agrees with the decoder on what is unknown. */
	for (int code = 0; code < 256; code++) {
		struct bpf_insn p[3] = { RAW(code, 0, 0, 0, 0), RAW(0, 0, 0, 0, 0), EXIT() };
		int err = bpfx_isa_check(p, 3, &d);
		if (isa_decode(&p[0]) < 0)
			CHECK(err == -EINVAL && d.insn == 0, "opcode 0x%02x accepted", code);
	}
	return t_done("isa_check");
}
