/* SPDX-License-Identifier: MIT */
/* Misuse of the string, trace and callback helpers by unverified programs
 * in checked runs: every bad pointer stops the run with -EFAULT and says
 * which helper and argument, nothing crashes; callbacks keep the frame
 * limit and the instruction budget; and the kernel's own run-time answers
 * (an unreadable %s string prints as empty) hold in both kinds of run. */
#include <errno.h>
#include <string.h>

#include "tcheck.h"
#include "tinsn.h"
#include <bpfx/bpfx.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define BAD 0x1000                       /* never mapped in a process */
#define LD_FUNC(d, rel) RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_FUNC, 0, rel)
#define LD_HI0 RAW(0, 0, 0, 0, 0)
#define FP(d, off) MOV64_REG(d, 10), ALU64_IMM(BPF_ADD, d, off)
/* Stores the first 8 bytes of s at fp-8 (s padded with NULs). */
#define STR8(s) LDDW_LO(0, str8(s)), LDDW_HI(str8(s)), STX(BPF_DW, 10, 0, -8)

static uint64_t str8(const char *s)
{
	uint64_t v = 0;
	memcpy(&v, s, strnlen(s, 8));
	return v;
}

static uint8_t out[64];

/* Runs p (checked unless `trusted`) with r1 = out, out lent writable. */
static int run(const struct bpf_insn *p, size_t n, bool trusted, struct bpfx_run_result *res)
{
	int err = 0;
	struct bpfx_region r = { out, sizeof(out), true };
	struct bpfx_run_opts o = { .sz = sizeof(o), .r1 = (uintptr_t)out, .checked = !trusted,
				   .regions = &r, .region_cnt = 1 };
	memset(res, 0, sizeof(*res));
	memset(out, 0x55, sizeof(out));
	struct bpfx_prog *prog = bpfx_prog__new(p, n, NULL, &err);
	if (!CHECK(prog != NULL, "load: %d", err))
		return err;
	err = bpfx_prog__run(prog, &o, res);
	bpfx_prog__free(prog);
	return err;
}

/* The run must stop with -EFAULT and a reason naming `what`. */
static void expect_fault(const struct bpf_insn *p, size_t n, const char *what)
{
	struct bpfx_run_result res;
	int err = run(p, n, false, &res);
	CHECK(err == -EFAULT && strstr(res.fault_msg, what), "%s: err %d, \"%s\"", what, err,
	      res.fault_msg);
}

static void bad_pointers(void)
{
	/* bpf_snprintf: output, format (unterminated at the stack's top),
	 * arguments. */
	struct bpf_insn out_bad[] = { STR8("x"), MOV64_IMM(1, BAD), MOV64_IMM(2, 8), FP(3, -8),
				      MOV64_IMM(4, 0), MOV64_IMM(5, 0), CALL(BPF_FUNC_snprintf),
				      EXIT() };
	expect_fault(out_bad, N(out_bad), "bpf_snprintf: the output");
	struct bpf_insn fmt_open[] = { STR8("abcdefgh"), FP(1, -64), MOV64_IMM(2, 16), FP(3, -8),
				       MOV64_IMM(4, 0), MOV64_IMM(5, 0), CALL(BPF_FUNC_snprintf),
				       EXIT() };
	expect_fault(fmt_open, N(fmt_open), "bpf_snprintf: the string");
	struct bpf_insn args_bad[] = { STR8("%d"), FP(1, -64), MOV64_IMM(2, 16), FP(3, -8),
				       MOV64_IMM(4, BAD), MOV64_IMM(5, 8), CALL(BPF_FUNC_snprintf),
				       EXIT() };
	expect_fault(args_bad, N(args_bad), "bpf_snprintf: the arguments");
	/* bpf_strncmp: either string. */
	struct bpf_insn s1_bad[] = { STR8("ab"), MOV64_IMM(1, BAD), MOV64_IMM(2, 4), FP(3, -8),
				     CALL(BPF_FUNC_strncmp), EXIT() };
	expect_fault(s1_bad, N(s1_bad), "bpf_strncmp: s1");
	struct bpf_insn s2_bad[] = { STR8("ab"), FP(1, -8), MOV64_IMM(2, 4), MOV64_IMM(3, BAD),
				     CALL(BPF_FUNC_strncmp), EXIT() };
	expect_fault(s2_bad, N(s2_bad), "bpf_strncmp: the string");
	/* bpf_strtol / bpf_strtoul: the string, the result, its alignment. */
	struct bpf_insn buf_bad[] = { MOV64_IMM(1, BAD), MOV64_IMM(2, 4), MOV64_IMM(3, 0),
				      FP(4, -16), CALL(BPF_FUNC_strtol), EXIT() };
	expect_fault(buf_bad, N(buf_bad), "bpf_strtol: the string");
	struct bpf_insn res_bad[] = { STR8("12"), FP(1, -8), MOV64_IMM(2, 2), MOV64_IMM(3, 0),
				      MOV64_IMM(4, BAD), CALL(BPF_FUNC_strtoul), EXIT() };
	expect_fault(res_bad, N(res_bad), "bpf_strtoul: the result");
	struct bpf_insn res_odd[] = { STR8("12"), FP(1, -8), MOV64_IMM(2, 2), MOV64_IMM(3, 0),
				      FP(4, -15), CALL(BPF_FUNC_strtol), EXIT() };
	expect_fault(res_odd, N(res_odd), "not 8-byte aligned");
	/* bpf_trace_printk / bpf_trace_vprintk: format, size past the stack,
	 * arguments. */
	struct bpf_insn tp_bad[] = { MOV64_IMM(1, BAD), MOV64_IMM(2, 4),
				     CALL(BPF_FUNC_trace_printk), EXIT() };
	expect_fault(tp_bad, N(tp_bad), "bpf_trace_printk: the format");
	struct bpf_insn tp_long[] = { STR8("hi"), FP(1, -8), MOV64_IMM(2, 16),
				      CALL(BPF_FUNC_trace_printk), EXIT() };
	expect_fault(tp_long, N(tp_long), "bpf_trace_printk: the format");
	struct bpf_insn tvp_bad[] = { STR8("%d"), FP(1, -8), MOV64_IMM(2, 3), MOV64_IMM(3, BAD),
				      MOV64_IMM(4, 8), CALL(BPF_FUNC_trace_vprintk), EXIT() };
	expect_fault(tvp_bad, N(tvp_bad), "bpf_trace_vprintk: the arguments");
	/* Map helpers: r1 must be a map of the program. */
	struct bpf_insn each_bad[] = { MOV64_IMM(1, BAD), MOV64_IMM(2, 0), MOV64_IMM(3, 0),
				       MOV64_IMM(4, 0), CALL(BPF_FUNC_for_each_map_elem), EXIT() };
	expect_fault(each_bad, N(each_bad), "bpf_for_each_map_elem: R1");
	struct bpf_insn pcpu_bad[] = { FP(2, -8), MOV64_IMM(1, BAD), MOV64_IMM(3, 0),
				       CALL(BPF_FUNC_map_lookup_percpu_elem), EXIT() };
	expect_fault(pcpu_bad, N(pcpu_bad), "bpf_map_lookup_percpu_elem: R1");
	/* A buffer that starts on the stack but is longer than the whole
	 * stack (the size is compared before address arithmetic that would
	 * wrap): found by the exec fuzzer. */
	struct bpf_insn past_stack[] = { FP(1, -8), MOV64_IMM(2, 8192), MOV64_IMM(3, 0),
					 CALL(BPF_FUNC_probe_read), EXIT() };
	expect_fault(past_stack, N(past_stack), "bpf_probe_read: R1 (8192 bytes");
	struct bpf_insn comm_long[] = { FP(1, -16), MOV64_IMM(2, 4097),
					CALL(BPF_FUNC_get_current_comm), EXIT() };
	expect_fault(comm_long, N(comm_long), "bpf_get_current_comm: R1 (4097 bytes");
}

/* "<%s>" of an unreadable pointer: the kernel prints "<>" and returns 3;
 * so does bpfx, checked or trusted (no crash). */
static void unreadable_string(void)
{
	struct bpf_insn p[] = {
		MOV64_REG(6, 1), STR8("<%s>"), MOV64_IMM(0, BAD), STX(BPF_DW, 10, 0, -16),
		MOV64_REG(1, 6), MOV64_IMM(2, 16), FP(3, -8), FP(4, -16), MOV64_IMM(5, 8),
		CALL(BPF_FUNC_snprintf), EXIT(),
	};
	for (int trusted = 0; trusted <= 1; trusted++) {
		struct bpfx_run_result res;
		int err = run(p, N(p), trusted, &res);
		CHECK(err == 0 && res.r0 == 3 && !strcmp((char *)out, "<>"),
		      "%s: <%%s> of a bad pointer: err %d r0 %lld \"%.8s\"",
		      trusted ? "trusted" : "checked", err, (long long)res.r0, (char *)out);
	}
}

static void callbacks(void)
{
	struct bpfx_run_result res;

	/* A token that is no function of the program. */
	struct bpf_insn bad_fn[] = { MOV64_IMM(1, 3), MOV64_IMM(2, 0x1234), MOV64_IMM(3, 0),
				     MOV64_IMM(4, 0), CALL(BPF_FUNC_loop), EXIT() };
	expect_fault(bad_fn, N(bad_fn), "is not a function of the program");

	/* Counts and the context: the callback adds i to *ctx (the caller's
	 * stack) and stops at i == 5; r0 = calls * 1000 + sum. */
	struct bpf_insn count[] = {
		/* 0 */ ST(BPF_DW, 10, -8, 0), MOV64_IMM(1, 100), LD_FUNC(2, 9), LD_HI0,
		/* 4 */ FP(3, -8), MOV64_IMM(4, 0), CALL(BPF_FUNC_loop),
		/* 8 */ ALU64_IMM(BPF_MUL, 0, 1000), LDX(BPF_DW, 1, 10, -8), ALU64_REG(BPF_ADD, 0, 1),
		/* 11 */ EXIT(),
		/* 12: the callback (i, ctx) */
		LDX(BPF_DW, 3, 2, 0), ALU64_REG(BPF_ADD, 3, 1), STX(BPF_DW, 2, 3, 0),
		MOV64_IMM(0, 0), JMP_IMM(BPF_JLT, 1, 5, 1), MOV64_IMM(0, 1), EXIT(),
	};
	count[2].imm = 12 - 3; /* lddw at 2: target = 2 + 1 + imm */
	for (int trusted = 0; trusted <= 1; trusted++) {
		int err = run(count, N(count), trusted, &res);
		CHECK(err == 0 && res.r0 == 6 * 1000 + 15, "bpf_loop stops after 6 calls, sum 15: "
		      "err %d r0 %llu (%s)", err, (unsigned long long)res.r0, res.fault_msg);
	}
	/* Flags and the limit: -EINVAL; (u32)-E2BIG, as the kernel's inlined
	 * loop gives it. */
	count[1] = MOV64_IMM(1, 3), count[6] = MOV64_IMM(4, 1);
	CHECK(run(count, N(count), false, &res) == 0 && res.r0 == (uint64_t)-EINVAL * 1000,
	      "flags 1: r0 %lld", (long long)res.r0);
	count[6] = MOV64_IMM(4, 0);
	count[1] = MOV64_IMM(1, (1 << 23) + 1);
	CHECK(run(count, N(count), false, &res) == 0 &&
	      res.r0 == (uint64_t)(uint32_t)-E2BIG * 1000, "too many: r0 %llu",
	      (unsigned long long)res.r0);

	/* A callback that loops on itself runs out of frames. */
	struct bpf_insn deep[] = {
		MOV64_IMM(1, 1), LD_FUNC(2, 4), LD_HI0, MOV64_IMM(3, 0), MOV64_IMM(4, 0),
		CALL(BPF_FUNC_loop), EXIT(),
		/* 7: the callback calls bpf_loop(1, itself) */
		MOV64_IMM(1, 1), LD_FUNC(2, -3), LD_HI0, MOV64_IMM(3, 0), MOV64_IMM(4, 0),
		CALL(BPF_FUNC_loop), EXIT(),
	};
	deep[1].imm = 7 - 2, deep[8].imm = 7 - 9;
	int err = run(deep, N(deep), false, &res);
	CHECK(err == -EFAULT && strstr(res.fault_msg, "deeper than 8 frames"),
	      "recursive callbacks: %d \"%s\"", err, res.fault_msg);

	/* 2^23 calls of a 2-instruction callback exceed the checked budget. */
	struct bpf_insn spin[] = {
		MOV64_IMM(1, 1 << 23), LD_FUNC(2, 5), LD_HI0, MOV64_IMM(3, 0), MOV64_IMM(4, 0),
		CALL(BPF_FUNC_loop), EXIT(), MOV64_IMM(0, 0), EXIT(),
	};
	err = run(spin, N(spin), false, &res);
	CHECK(err == -ELOOP, "budget across callbacks: %d \"%s\"", err, res.fault_msg);

	/* A fault inside the callback stops the whole run and says where. */
	struct bpf_insn oops[] = {
		MOV64_IMM(1, 1), LD_FUNC(2, 5), LD_HI0, MOV64_IMM(3, 0), MOV64_IMM(4, 0),
		CALL(BPF_FUNC_loop), EXIT(), MOV64_IMM(1, BAD), LDX(BPF_DW, 0, 1, 0), EXIT(),
	};
	err = run(oops, N(oops), false, &res);
	CHECK(err == -EFAULT && strstr(res.fault_msg, "in callback, insn 8"),
	      "fault in a callback: %d \"%s\"", err, res.fault_msg);
}

/* A checked program locking a word nobody will release ("held by thread
 * 1", init, which lives on) stops instead of waiting forever - the
 * fuzzer's `r2 = 93; callx r2` on a word holding 4. */
static void lock_never_released(void)
{
	struct bpf_insn p[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = 1, .imm = 1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2, .imm = BPF_FUNC_spin_lock },
		{ .code = BPF_JMP | BPF_CALL | BPF_X, .dst_reg = 2 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpfx_run_result res;
	int err = run(p, 4, false, &res);
	CHECK(err == -EDEADLK && strstr(res.fault_msg, "stayed held"), "stuck lock: err %d, \"%s\"",
	      err, res.fault_msg);
}

int main(void)
{
	bad_pointers();
	unreadable_string();
	callbacks();
	lock_never_released();
	return t_done("helpers_checked");
}
