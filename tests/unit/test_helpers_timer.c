/* SPDX-License-Identifier: MIT */
/* Timers beyond what tests/suites/helpers.sh compares with the kernel
 * (timer.bpf.c: errnos, callback arguments, re-arming, -EDEADLK): the
 * callback runs on the timer thread and writes the map; a timer dies with
 * its map or its program (closing both while one is armed leaves nothing
 * to fire on freed memory: the sanitizer build checks); and checked runs
 * stop a bad timer pointer or a callback that is no function. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tbpf.h"
#include "tcheck.h"
#include "tinsn.h"
#include <bpfx/bpfx.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LD_MAP(d, fd) RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_FD, 0, fd), RAW(0, 0, 0, 0, 0)
#define LD_FUNC(d, rel) RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_FUNC, 0, rel), RAW(0, 0, 0, 0, 0)

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* An array of one 32-byte value: { struct bpf_timer; u64 fired }. */
static int value_map(void)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 32,
			     .max_entries = 1 };
	return t_sys(BPF_MAP_CREATE, &a);
}

/* A syscall program that arms value 0's timer to fire after `ns`; the
 * callback adds 1 to the value's second word and the key + 10 to its
 * third. */
static int timer_prog(int map, int32_t ns)
{
	struct bpf_insn p[] = {
		/* 0 */ ST(BPF_W, 10, -4, 0), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		/* 3 */ LD_MAP(1, map), CALL(BPF_FUNC_map_lookup_elem),
		/* 6 */ JMP_IMM(BPF_JEQ, 0, 0, 14), MOV64_REG(6, 0),
		/* 8 */ MOV64_REG(1, 6), LD_MAP(2, map), MOV64_IMM(3, 1), CALL(BPF_FUNC_timer_init),
		/* 13 */ MOV64_REG(1, 6), LD_FUNC(2, 0), CALL(BPF_FUNC_timer_set_callback),
		/* 17 */ MOV64_REG(1, 6), MOV64_IMM(2, ns), MOV64_IMM(3, 0),
		/* 20 */ CALL(BPF_FUNC_timer_start),
		/* 21 */ MOV64_IMM(0, 0), EXIT(),
		/* 23: callback (map, key, value) */
		LDX(BPF_DW, 4, 3, 16), ALU64_IMM(BPF_ADD, 4, 1), STX(BPF_DW, 3, 4, 16),
		LDX(BPF_W, 4, 2, 0), ALU64_IMM(BPF_ADD, 4, 10), STX(BPF_DW, 3, 4, 24),
		MOV64_IMM(0, 0), EXIT(),
	};
	p[14].imm = 23 - 15; /* lddw at 14: target = 14 + 1 + imm */
	static const char gpl[] = "GPL";
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SYSCALL, .insns = (uintptr_t)p,
			     .insn_cnt = N(p), .license = (uintptr_t)gpl,
			     .prog_flags = BPF_F_SLEEPABLE };
	return t_sys(BPF_PROG_LOAD, &a);
}

static int run_prog(int fd)
{
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)fd } };
	int err = t_sys(BPF_PROG_TEST_RUN, &t);
	return err ? err : (int)t.test.retval;
}

static void fires(void)
{
	int map = value_map(), prog = timer_prog(map, 1000000);
	if (!CHECK(map >= 0 && prog >= 0, "map %d, program %d", map, prog))
		return;
	CHECK(run_prog(prog) == 0, "arms the timer");
	uint64_t v[4] = { 0 };
	uint32_t k = 0;
	for (int i = 0; i < 100 && v[2] == 0; i++) {
		pause_ms(10);
		union bpf_attr l = { .map_fd = (uint32_t)map, .key = (uintptr_t)&k,
				     .value = (uintptr_t)v };
		t_sys(BPF_MAP_LOOKUP_ELEM, &l);
	}
	CHECK(v[2] == 1 && v[3] == 10, "the callback ran once on the timer thread: fired %llu, "
	      "key+10 %llu", (unsigned long long)v[2], (unsigned long long)v[3]);
	close(prog);
	close(map);
}

/* Armed for 50 ms, then the program and the map go: nothing fires. */
static void dies_with_its_objects(void)
{
	int map = value_map(), prog = timer_prog(map, 50000000);
	if (!CHECK(map >= 0 && prog >= 0, "map %d, program %d", map, prog))
		return;
	CHECK(run_prog(prog) == 0, "arms the timer");
	close(prog);
	close(map);
	pause_ms(100);
	CHECK(true, "closing an armed timer's program and map");
}

static void checked_misuse(void)
{
	struct bpfx_run_result res;
	int err = 0;
	struct bpf_insn bad[] = { MOV64_IMM(1, 0x1000), CALL(BPF_FUNC_timer_start), EXIT() };
	struct bpfx_prog *p = bpfx_prog__new(bad, N(bad), NULL, &err);
	struct bpfx_run_opts o = { .sz = sizeof(o), .checked = true };
	err = p ? bpfx_prog__run(p, &o, &res) : err;
	CHECK(err == -EFAULT && strstr(res.fault_msg, "bpf_timer_start: the timer"),
	      "timer outside the program's memory: %d \"%s\"", err, res.fault_msg);
	bpfx_prog__free(p);

	struct bpf_insn no_fn[] = { MOV64_REG(1, 10), ALU64_IMM(BPF_ADD, 1, -16),
				    MOV64_IMM(2, 77), CALL(BPF_FUNC_timer_set_callback), EXIT() };
	p = bpfx_prog__new(no_fn, N(no_fn), NULL, &err);
	err = p ? bpfx_prog__run(p, &o, &res) : err;
	CHECK(err == -EFAULT && strstr(res.fault_msg, "is not a function"),
	      "callback that is no function: %d \"%s\"", err, res.fault_msg);
	bpfx_prog__free(p);
}

/* A child forked after the parent's timer thread started has its own. */
static void fires_in_child(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		fires();
		_exit(t_done("helpers_timer child") ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "timers in a forked child");
}

int main(void)
{
	fires();
	fires_in_child();
	dies_with_its_objects();
	checked_misuse();
	return t_done("helpers_timer");
}
