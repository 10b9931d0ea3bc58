/* SPDX-License-Identifier: MIT */
/* The interpreter's behaviours that instruction tests cannot show: the
 * helper API, call frames, checked-mode regions, the budget, packet loads,
 * concurrency, and load-time refusals. Instruction semantics are covered
 * by tests/asm, the conformance suite and the kernel differential tests.
 * Everything runs twice: in the interpreter, then in the JIT. */
#include <errno.h>
#include <linux/filter.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "tcheck.h"
#include "tinsn.h"
#include <bpfx/bpfx.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every test runs in the interpreter, then again in the JIT. */
static enum bpfx_exec_mode engine = BPFX_EXEC_INTERP;

static int run(const struct bpf_insn *p, size_t n, const struct bpfx_prog_opts *po,
	       struct bpfx_run_opts *ro, struct bpfx_run_result *res)
{
	int err = 0;
	struct bpfx_prog *prog;
	struct bpfx_run_opts plain = { .sz = sizeof(plain) };

	if (!ro)
		ro = &plain;
	ro->mode = engine;
	memset(res, 0, sizeof(*res));
	prog = bpfx_prog__new(p, n, po, &err);
	if (!prog)
		return err;
	err = bpfx_prog__run(prog, ro, res);
	bpfx_prog__free(prog);
	return err;
}

static uint64_t h_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		      struct bpfx_run_ctx *rc)
{
	uint64_t *user = bpfx_run_ctx__user(rc);
	if (user)
		*user += 1;
	return a + b + c + d + e;
}

static uint64_t h_stop(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct bpfx_run_ctx *rc)
{
	bpfx_run_ctx__stop(rc, a);
	return 0;
}

static uint8_t lent[16];
static uint64_t h_lend(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct bpfx_run_ctx *rc)
{
	return bpfx_run_ctx__add_region(rc, lent, sizeof(lent), a != 0) ? 0 : (uintptr_t)lent;
}

static void keep_log(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)level;
	snprintf(ctx, 256, "%s", msg);
}

static const struct bpfx_helper helpers[] = {
	{ .id = 100, .name = "sum", .fn = h_sum },
	{ .id = 101, .name = "stop", .fn = h_stop },
	{ .id = 102, .name = "lend", .fn = h_lend },
};

static void test_helpers(void)
{
	int rc;
	struct bpfx_prog_opts po = { .sz = sizeof(po), .helpers = helpers, .helper_cnt = 3 };
	struct bpfx_run_result res;
	uint64_t calls = 0;
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true, .user = &calls };

	struct bpf_insn sum[] = { MOV64_IMM(1, 1), MOV64_IMM(2, 2), MOV64_IMM(3, 3), MOV64_IMM(4, 4),
				  MOV64_IMM(5, 5), CALL(100), EXIT() };
	rc = run(sum, N(sum), &po, &ro, &res);
	CHECK(rc == 0 && res.r0 == 15 && calls == 1,
	      "helper gets r1-r5 and the user pointer: r0=%llu calls=%llu",
	      (unsigned long long)res.r0, (unsigned long long)calls);

	struct bpf_insn stop[] = { MOV64_IMM(1, 42), CALL(101), MOV64_IMM(0, 7), EXIT() };
	rc = run(stop, N(stop), &po, &ro, &res);
	CHECK(rc == 0 && res.r0 == 42, "helper stops the program");

	/* A helper lends memory: readable, and writable only when it says so. */
	struct bpf_insn lend_ro[] = { MOV64_IMM(1, 0), CALL(102), LDX(BPF_DW, 0, 0, 8), EXIT() };
	rc = run(lend_ro, N(lend_ro), &po, &ro, &res);
	CHECK(rc == 0, "read of lent memory: %s", res.fault_msg);
	struct bpf_insn lend_w[] = { MOV64_IMM(1, 0), CALL(102), ST(BPF_W, 0, 0, 1), EXIT() };
	rc = run(lend_w, N(lend_w), &po, &ro, &res);
	CHECK(rc == -EFAULT && res.fault_insn == 2,
	      "write to read-only lent memory refused");
	struct bpf_insn lend_oob[] = { MOV64_IMM(1, 1), CALL(102), LDX(BPF_DW, 0, 0, 9), EXIT() };
	rc = run(lend_oob, N(lend_oob), &po, &ro, &res);
	CHECK(rc == -EFAULT, "read past lent memory");

	/* Unknown helpers are refused at load, with the id. */
	char log[256] = "";
	po.log = keep_log;
	po.log_ctx = log;
	struct bpf_insn unknown[] = { MOV64_IMM(0, 0), CALL(999), EXIT() };
	int err = 0;
	struct bpfx_prog *p = bpfx_prog__new(unknown, N(unknown), &po, &err);
	CHECK(!p && err == -ENOENT, "unknown helper refused: err %d", err);
	CHECK(strstr(log, "insn 1") && strstr(log, "unknown#999"), "log names insn and id: %s", log);
	po.log = NULL;

	/* Without built-ins, bpf_ktime_get_ns (5) does not exist. */
	struct bpf_insn ktime[] = { CALL(BPF_FUNC_ktime_get_ns), EXIT() };
	struct bpfx_prog_opts none = { .sz = sizeof(none), .no_builtin_helpers = true };
	rc = run(ktime, N(ktime), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 > 0, "built-in ktime");
	rc = run(ktime, N(ktime), &none, &ro, &res);
	CHECK(rc == -ENOENT, "no built-ins");

	/* A forged map pointer never reaches the map code in checked mode. */
	struct bpf_insn forged[] = { MOV64_REG(1, 10), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -8),
				     CALL(BPF_FUNC_map_lookup_elem), EXIT() };
	rc = run(forged, N(forged), NULL, &ro, &res);
	CHECK(rc == -EFAULT && res.fault_insn == 3 && strstr(res.fault_msg, "not a map"),
	      "forged map pointer stopped: %d %s", rc, res.fault_msg);

	/* callx: a helper id in a register. */
	struct bpf_insn callx[] = { MOV64_IMM(1, 40), MOV64_IMM(2, 2), MOV64_IMM(3, 0), MOV64_IMM(4, 0),
				    MOV64_IMM(5, 0), MOV64_IMM(6, 100), RAW(0x8d, 6, 0, 0, 0), EXIT() };
	rc = run(callx, N(callx), &po, &ro, &res);
	CHECK(rc == 0 && res.r0 == 42, "callx to helper");
	callx[5] = MOV64_IMM(6, 555);
	rc = run(callx, N(callx), &po, &ro, &res);
	CHECK(rc == -EINVAL && res.fault_insn == 6,
	      "callx to unknown helper: %s", res.fault_msg);
}

static void test_frames(void)
{
	int rc;
	struct bpfx_run_result res;
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true };

	/* main: r6 = r10; call f; r0 = r6 - r0 (f returns its r10) */
	struct bpf_insn fp[] = { MOV64_REG(6, 10), CALL_LOCAL(3), ALU64_REG(BPF_SUB, 6, 0),
				 MOV64_REG(0, 6), EXIT(), MOV64_REG(0, 10), EXIT() };
	rc = run(fp, N(fp), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == 512,
	      "callee frame 512 bytes below: %llu", (unsigned long long)res.r0);

	/* Recursion f(n) = n ? f(n - 1) : 9 from main: f(6) makes 8 frames
	 * (main + 7 calls, the kernel's MAX_CALL_FRAMES), f(7) one too many. */
	struct bpf_insn rec[] = { MOV64_IMM(1, 6), CALL_LOCAL(1), EXIT(),
				  JMP_IMM(BPF_JEQ, 1, 0, 2), ALU64_IMM(BPF_SUB, 1, 1), CALL_LOCAL(-3),
				  MOV64_IMM(0, 9), EXIT() };
	rc = run(rec, N(rec), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == 9, "8 frames: %s", res.fault_msg);
	rec[0] = MOV64_IMM(1, 7);
	rc = run(rec, N(rec), NULL, &ro, &res);
	CHECK(rc == -EFAULT && strstr(res.fault_msg, "8 frames"),
	      "9 frames refused: %s", res.fault_msg);
	ro.checked = false;
	rc = run(rec, N(rec), NULL, &ro, &res);
	CHECK(rc == -EFAULT, "depth limit holds in trusted mode too");

	/* lddw src=4 (function) then callx. */
	struct bpf_insn fn[] = { RAW(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, 3), RAW(0, 0, 0, 0, 0),
				 RAW(0x8d, 2, 0, 0, 0), EXIT(), MOV64_IMM(0, 77), EXIT() };
	rc = run(fn, N(fn), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == 77, "callx of a function: %s",
	      res.fault_msg);
}

static void test_checked(void)
{
	int rc;
	struct bpfx_run_result res;
	uint8_t mem[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct bpfx_region reg = { mem, sizeof(mem), false };
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true, .r1 = (uintptr_t)mem,
				    .regions = &reg, .region_cnt = 1 };

	struct bpf_insn rd[] = { LDX(BPF_W, 0, 1, 4), EXIT() };
	rc = run(rd, N(rd), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == 0x08070605, "read in region");
	rd[0] = LDX(BPF_W, 0, 1, 5);
	rc = run(rd, N(rd), NULL, &ro, &res);
	CHECK(rc == -EFAULT && res.fault_insn == 0, "read past end");
	rd[0] = LDX(BPF_W, 0, 1, -1);
	rc = run(rd, N(rd), NULL, &ro, &res);
	CHECK(rc == -EFAULT, "read before start");
	struct bpf_insn wr[] = { ST(BPF_B, 1, 0, 9), MOV64_IMM(0, 0), EXIT() };
	rc = run(wr, N(wr), NULL, &ro, &res);
	CHECK(rc == -EFAULT && strstr(res.fault_msg, "write"),
	      "write to read-only region: %s", res.fault_msg);
	reg.writable = true;
	rc = run(wr, N(wr), NULL, &ro, &res);
	CHECK(rc == 0 && mem[0] == 9, "write to writable region");

	/* Stack: the whole area of the 8 frames, nothing above r10. */
	struct bpf_insn st[] = { ST(BPF_DW, 10, -4096, 1), LDX(BPF_DW, 0, 10, -4096), EXIT() };
	rc = run(st, N(st), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == 1, "bottom of the stack area");
	st[0] = ST(BPF_DW, 10, -4097, 1);
	rc = run(st, N(st), NULL, &ro, &res);
	CHECK(rc == -EFAULT, "below the stack area");
	st[0] = ST(BPF_B, 10, 0, 1);
	rc = run(st, N(st), NULL, &ro, &res);
	CHECK(rc == -EFAULT, "at r10 (above the stack)");

	/* A pointer made from a scalar reaches nothing. */
	struct bpf_insn wild[] = { LDDW_LO(1, 0x400000ull), LDDW_HI(0x400000ull), LDX(BPF_B, 0, 1, 0), EXIT() };
	rc = run(wild, N(wild), NULL, &ro, &res);
	CHECK(rc == -EFAULT && res.fault_insn == 2, "wild pointer");

	/* Budget: an infinite loop stops with -ELOOP at the loop. */
	struct bpf_insn loop[] = { MOV64_IMM(0, 0), JA(-1), EXIT() };
	ro.insn_budget = 1000000;
	rc = run(loop, N(loop), NULL, &ro, &res);
	CHECK(rc == -ELOOP && res.fault_insn == 1 &&
	      res.insns == 1000000, "budget: err insn %d, %llu insns", res.fault_insn,
	      (unsigned long long)res.insns);
}

static void test_ldabs(void)
{
	int rc;
	uint8_t pkt[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	struct bpfx_run_result res;
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true, .pkt = pkt, .pkt_len = 6 };

	struct bpf_insn w[] = { RAW(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 1), EXIT() };
	rc = run(w, N(w), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == 0x22334455, "ld_abs w big-endian");
	struct bpf_insn h[] = { MOV64_IMM(1, 2), RAW(BPF_LD | BPF_IND | BPF_H, 0, 1, 0, 2), EXIT() };
	rc = run(h, N(h), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == 0x5566, "ld_ind h");
	struct bpf_insn oob[] = { MOV64_IMM(0, 5), RAW(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 3),
				  MOV64_IMM(0, 9), EXIT() };
	rc = run(oob, N(oob), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == 0, "ld_abs past the end exits 0");

	/* Header-relative offsets: a 4-byte link-layer header before pkt. */
	uint8_t frame[10] = { 0xa0, 0xa1, 0xa2, 0xa3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	struct bpfx_run_opts ro2 = { .sz = sizeof(ro2), .checked = true, .pkt = frame + 4,
				     .pkt_len = 6, .pkt_l2 = frame };
	struct bpf_insn ll[] = { RAW(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, SKF_LL_OFF + 3), EXIT() };
	rc = run(ll, N(ll), NULL, &ro2, &res);
	CHECK(rc == 0 && res.r0 == 0xa311, "SKF_LL_OFF reads across into the packet: %llx",
	      (unsigned long long)res.r0);
	struct bpf_insn net[] = { RAW(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, SKF_NET_OFF + 5), EXIT() };
	rc = run(net, N(net), NULL, &ro2, &res);
	CHECK(rc == 0 && res.r0 == 0x66, "SKF_NET_OFF defaults to the packet start");
	struct bpf_insn before[] = { RAW(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, SKF_NET_OFF - 1),
				     MOV64_IMM(0, 1), EXIT() };
	rc = run(before, N(before), NULL, &ro2, &res);
	CHECK(rc == 0 && res.r0 == 0, "below SKF_NET_OFF is the link-layer range, outside it 0");
	struct bpf_insn ll_end[] = { RAW(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, SKF_LL_OFF + 7),
				     MOV64_IMM(0, 1), EXIT() };
	rc = run(ll_end, N(ll_end), NULL, &ro2, &res);
	CHECK(rc == 0 && res.r0 == 0, "SKF_LL_OFF read past the end exits 0");
}

static void test_refusals(void)
{
	int rc;
	struct bpfx_run_result res;
	struct bpfx_run_opts ro = { .sz = sizeof(ro) };
	struct bpf_insn kfunc[] = { RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1234), EXIT() };
	rc = run(kfunc, N(kfunc), NULL, &ro, &res);
	CHECK(rc == -EOPNOTSUPP, "kfunc refused");
	struct bpf_insn map[] = { RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 3), RAW(0, 0, 0, 0, 0),
				  MOV64_IMM(0, 0), EXIT() };
	rc = run(map, N(map), NULL, &ro, &res);
	CHECK(rc == -EOPNOTSUPP, "map reference refused");

	/* Options: an unknown non-zero tail is refused, a zero one accepted. */
	struct { struct bpfx_run_opts o; uint64_t future; } big = { { .sz = sizeof(big) }, 1 };
	struct bpf_insn ret[] = { MOV64_IMM(0, 3), EXIT() };
	rc = run(ret, N(ret), NULL, &big.o, &res);
	CHECK(rc == -EINVAL, "unknown options field set");
	big.future = 0;
	rc = run(ret, N(ret), NULL, &big.o, &res);
	CHECK(rc == 0 && res.r0 == 3, "unknown options field zero");
	rc = run(ret, N(ret), NULL, NULL, &res);
	CHECK(rc == 0 && res.r0 == 3, "NULL options");
}

/* Several threads run one program that atomically adds to shared memory. */
struct thread_arg {
	struct bpfx_prog *prog;
	uint64_t *counter;
	int rc;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	struct bpfx_region reg = { a->counter, 8, true };
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true, .r1 = (uintptr_t)a->counter,
				    .regions = &reg, .region_cnt = 1, .mode = engine };
	for (int i = 0; i < 2000 && a->rc == 0; i++)
		a->rc = bpfx_prog__run(a->prog, &ro, NULL);
	return NULL;
}

static void test_threads(void)
{
	/* 100 x lock *(u64 *)(r1 + 0) += 1 */
	struct bpf_insn p[103];
	p[0] = MOV64_IMM(2, 1);
	for (int i = 1; i <= 100; i++)
		p[i] = RAW(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_ADD);
	p[101] = MOV64_IMM(0, 0);
	p[102] = EXIT();
	int err;
	struct bpfx_prog *prog = bpfx_prog__new(p, N(p), NULL, &err);
	uint64_t counter = 0;
	struct thread_arg args[4];
	pthread_t t[4];
	if (!CHECK(prog != NULL, "load atomic program"))
		return;
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ prog, &counter, 0 };
		pthread_create(&t[i], NULL, thread_main, &args[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK(args[i].rc == 0, "thread %d run failed", i);
	}
	CHECK(counter == 4 * 2000 * 100, "atomic adds from 4 threads: %llu",
	      (unsigned long long)counter);
	bpfx_prog__free(prog);
}

static void test_may_goto(void)
{
	int rc;
	/* r0 counts iterations of a loop whose only exit is may_goto. */
	struct bpf_insn p[] = { MOV64_IMM(0, 0), RAW(0xe5, 0, 0, 2, 0), ALU64_IMM(BPF_ADD, 0, 1), JA(-3),
				EXIT() };
	struct bpfx_run_result res;
	struct bpfx_run_opts ro = { .sz = sizeof(ro) };
	rc = run(p, N(p), NULL, &ro, &res);
	CHECK(rc == 0 && res.r0 == (1u << 23),
	      "may_goto allows 2^23 iterations: %llu", (unsigned long long)res.r0);
}

int main(void)
{
	for (int pass = 0; pass < 2; pass++) {
		engine = pass ? BPFX_EXEC_JIT : BPFX_EXEC_INTERP;
		test_helpers();
		test_frames();
		test_checked();
		test_ldabs();
		test_refusals();
		test_threads();
		test_may_goto();
	}
	return t_done("interp");
}
