/* SPDX-License-Identifier: MIT */
/* bpf_spin_lock / bpf_spin_unlock: programs on several threads and in two
 * processes update one shared value under the lock and no update is lost;
 * a process that dies holding the lock does not wedge it; and checked runs
 * stop what the kernel's verifier would refuse (two locks, unlocking a
 * lock not held, ending with one held, bad pointers). The values the
 * kernel gives are compared by tests/suites/helpers.sh (lock.bpf.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "tcheck.h"
#include "tinsn.h"
#include <bpfx/bpfx.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ROUNDS 20000
#define THREADS 4

/* The shared value: { u32 lock; u32 pad; u64 count } */
struct locked {
	uint32_t lock;
	uint32_t pad;
	uint64_t count;
};

static struct locked *shared;

/* r1 = &value: lock; count = count + 1 (a plain load and store: only the
 * lock makes it safe); unlock. */
static const struct bpf_insn bump[] = {
	MOV64_REG(6, 1),
	CALL(BPF_FUNC_spin_lock),
	LDX(BPF_DW, 0, 6, 8), ALU64_IMM(BPF_ADD, 0, 1), STX(BPF_DW, 6, 0, 8),
	MOV64_REG(1, 6), CALL(BPF_FUNC_spin_unlock),
	MOV64_IMM(0, 0), EXIT(),
};

static int run_on(const struct bpf_insn *p, size_t n, void *value, struct bpfx_run_result *res)
{
	int err = 0;
	struct bpfx_region r = { value, sizeof(struct locked), true };
	struct bpfx_run_opts o = { .sz = sizeof(o), .r1 = (uintptr_t)value, .checked = true,
				   .regions = &r, .region_cnt = 1 };
	struct bpfx_prog *prog = bpfx_prog__new(p, n, NULL, &err);
	if (!prog)
		return err;
	err = bpfx_prog__run(prog, &o, res);
	bpfx_prog__free(prog);
	return err;
}

static void *bumper(void *arg)
{
	struct bpfx_run_result res;
	int err = 0;
	struct bpfx_prog *prog = bpfx_prog__new(bump, N(bump), NULL, &err);
	struct bpfx_region r = { shared, sizeof(*shared), true };
	struct bpfx_run_opts o = { .sz = sizeof(o), .r1 = (uintptr_t)shared, .checked = true,
				   .regions = &r, .region_cnt = 1 };
	for (int i = 0; prog && i < ROUNDS; i++)
		err |= bpfx_prog__run(prog, &o, &res);
	bpfx_prog__free(prog);
	return (void *)(intptr_t)(prog ? err : -1);
}

static void concurrent(void)
{
	pthread_t th[THREADS];
	pid_t child = fork(); /* a second process on the same shared memory */
	if (child == 0)
		_exit(bumper(NULL) != NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, bumper, NULL);
	bool ok = true;
	for (int i = 0; i < THREADS; i++) {
		void *rv;
		pthread_join(th[i], &rv);
		ok &= rv == NULL;
	}
	int status = 0;
	waitpid(child, &status, 0);
	CHECK(ok && WIFEXITED(status) && WEXITSTATUS(status) == 0, "all runs succeeded");
	CHECK(shared->count == (uint64_t)(THREADS + 1) * ROUNDS && shared->lock == 0,
	      "%d threads and a process: count %llu of %d, lock word %u", THREADS,
	      (unsigned long long)shared->count, (THREADS + 1) * ROUNDS, shared->lock);
}

/* A process killed while it holds the lock: the next taker takes it over. */
static void dead_holder(void)
{
	pid_t child = fork();
	if (child == 0) {
		helper_spin_lock(&shared->lock);
		_exit(0); /* dies holding it */
	}
	waitpid(child, NULL, 0);
	CHECK(shared->lock == (uint32_t)child, "the dead child holds the lock: %u", shared->lock);
	struct bpfx_run_result res;
	uint64_t before = shared->count;
	int err = run_on(bump, N(bump), shared, &res);
	CHECK(err == 0 && shared->count == before + 1 && shared->lock == 0,
	      "taken over from a dead holder: err %d", err);
}

static void misuse(void)
{
	struct bpfx_run_result res;
	struct locked v = { 0 };

	struct bpf_insn twice[] = { MOV64_REG(6, 1), CALL(BPF_FUNC_spin_lock), MOV64_REG(1, 6),
				    ALU64_IMM(BPF_ADD, 1, 4), CALL(BPF_FUNC_spin_lock),
				    MOV64_IMM(0, 0), EXIT() };
	int err = run_on(twice, N(twice), &v, &res);
	CHECK(err == -EFAULT && strstr(res.fault_msg, "second lock") && v.lock == 0,
	      "two locks: %d \"%s\", lock word %u", err, res.fault_msg, v.lock);

	struct bpf_insn not_held[] = { CALL(BPF_FUNC_spin_unlock), MOV64_IMM(0, 0), EXIT() };
	err = run_on(not_held, N(not_held), &v, &res);
	CHECK(err == -EFAULT && strstr(res.fault_msg, "not held"), "unlock not held: %d \"%s\"",
	      err, res.fault_msg);

	struct bpf_insn kept[] = { CALL(BPF_FUNC_spin_lock), MOV64_IMM(0, 0), EXIT() };
	err = run_on(kept, N(kept), &v, &res);
	CHECK(err == -EFAULT && strstr(res.fault_msg, "ended holding") && v.lock == 0,
	      "ends holding the lock: %d \"%s\", lock word %u", err, res.fault_msg, v.lock);

	struct bpf_insn bad[] = { MOV64_IMM(1, 0x1000), CALL(BPF_FUNC_spin_lock), MOV64_IMM(0, 0),
				  EXIT() };
	err = run_on(bad, N(bad), &v, &res);
	CHECK(err == -EFAULT && strstr(res.fault_msg, "bpf_spin_lock: the lock"),
	      "lock outside the program's memory: %d \"%s\"", err, res.fault_msg);

	struct bpf_insn odd[] = { ALU64_IMM(BPF_ADD, 1, 2), CALL(BPF_FUNC_spin_lock),
				  MOV64_IMM(0, 0), EXIT() };
	err = run_on(odd, N(odd), &v, &res);
	CHECK(err == -EFAULT && strstr(res.fault_msg, "aligned"), "misaligned lock: %d \"%s\"", err,
	      res.fault_msg);
}

int main(void)
{
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!CHECK(shared != MAP_FAILED, "shared memory"))
		return t_done("helpers_lock");
	concurrent();
	dead_holder();
	misuse();
	munmap(shared, 4096);
	return t_done("helpers_lock");
}
