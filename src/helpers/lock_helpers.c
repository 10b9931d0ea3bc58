/* SPDX-License-Identifier: MIT */
/*
 * bpf_spin_lock and bpf_spin_unlock: the 4-byte struct bpf_spin_lock in a
 * map value (where the program's BTF put it; the program hands over its
 * address). Map values live in shared memory, so the lock works across
 * the threads and processes that use a pinned map.
 *
 * The lock word is 0 when free and the holder's thread id when held. A
 * waiter spins, then yields; after a while it checks whether the holder
 * still exists, and takes over the lock of a thread that died holding it
 * (a killed process must not wedge the map).
 *
 * The kernel's verifier keeps programs from taking two locks, from exiting
 * with one held and from unlocking one they do not hold; checked runs,
 * whose programs skipped it, are stopped with -EFAULT for each of those
 * (the last when the run ends).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "vm/vm.h"

#define SPINS_BEFORE_YIELD 128u
#define YIELDS_BEFORE_CHECK 1024u
#define CHECKED_LOCK_WAIT_NS (200ull * 1000000) /* checked runs wait at most 200 ms */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ volatile("" ::: "memory");
#endif
}

static bool holder_gone(uint32_t tid)
{
	return kill((pid_t)tid, 0) < 0 && errno == ESRCH;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Takes the lock, waiting at most max_ns (0: forever); -ETIMEDOUT when it
 * stayed held that long. */
static int spin_lock_for(uint32_t *lock, uint64_t max_ns)
{
	uint32_t me = (uint32_t)gettid();
	uint64_t deadline = 0;
	for (unsigned spins = 0;; spins++) {
		uint32_t cur = __atomic_load_n(lock, __ATOMIC_RELAXED);
		if (cur == 0 &&
		    __atomic_compare_exchange_n(lock, &cur, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 0;
		if (spins < SPINS_BEFORE_YIELD) {
			cpu_relax();
			continue;
		}
		sched_yield();
		if (spins % YIELDS_BEFORE_CHECK == 0 && cur && holder_gone(cur))
			__atomic_compare_exchange_n(lock, &cur, 0, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
		if (max_ns && spins % 64 == 0) {
			uint64_t now = mono_ns();
			if (!deadline)
				deadline = now + max_ns;
			else if (now > deadline)
				return -ETIMEDOUT;
		}
	}
}

void helper_spin_lock(uint32_t *lock)
{
	(void)spin_lock_for(lock, 0);
}

void helper_spin_unlock(uint32_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* Checked runs: the lock must be 4 aligned bytes the program may write. */
static uint32_t *lock_arg(struct bpfx_run_ctx *run, uint64_t p, const char *helper)
{
	if (!helper_mem_ok(run, p, 4, true, helper, "the lock"))
		return NULL;
	if (run->checked && (p & 3)) {
		bpfx_run_ctx__fault(run, -EFAULT, "%s: the lock at 0x%llx is not 4-byte aligned",
				    helper, (unsigned long long)p);
		return NULL;
	}
	return (uint32_t *)(uintptr_t)p;
}

static uint64_t h_spin_lock(uint64_t p, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct bpfx_run_ctx *run)
{
	uint32_t *lock = lock_arg(run, p, "bpf_spin_lock");
	if (!lock)
		return 0;
	if (run->checked && run->held_lock) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_spin_lock: a second lock while holding "
				    "one (the kernel allows one at a time)");
		return 0;
	}
	/* A checked (unverified) program may point at a word that is not a
	 * lock anyone will release: it must not wait forever. */
	if (spin_lock_for(lock, run->checked ? CHECKED_LOCK_WAIT_NS : 0)) {
		bpfx_run_ctx__fault(run, -EDEADLK, "bpf_spin_lock: the lock at 0x%llx stayed "
				    "held (by thread %u) for %llu ms", (unsigned long long)p,
				    __atomic_load_n(lock, __ATOMIC_RELAXED),
				    (unsigned long long)(CHECKED_LOCK_WAIT_NS / 1000000));
		return 0;
	}
	run->held_lock = lock;
	return 0;
}

static uint64_t h_spin_unlock(uint64_t p, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct bpfx_run_ctx *run)
{
	uint32_t *lock = lock_arg(run, p, "bpf_spin_unlock");
	if (!lock)
		return 0;
	if (run->checked && run->held_lock != lock) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_spin_unlock: the lock at 0x%llx is not held "
				    "by this program", (unsigned long long)p);
		return 0;
	}
	run->held_lock = NULL;
	helper_spin_unlock(lock);
	return 0;
}

/* Sorted by id. */
static const struct bpfx_helper lock_helpers[] = {
	{ BPF_FUNC_spin_lock, "bpf_spin_lock", h_spin_lock, BPFX_RET_VOID,
	  { BPFX_ARG_PTR_TO_SPIN_LOCK } },
	{ BPF_FUNC_spin_unlock, "bpf_spin_unlock", h_spin_unlock, BPFX_RET_VOID,
	  { BPFX_ARG_PTR_TO_SPIN_LOCK } },
};
HELPER_GROUP(helpers_lock_group, lock_helpers);
