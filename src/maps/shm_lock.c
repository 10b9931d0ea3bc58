/* SPDX-License-Identifier: MIT */
/* Process-shared spin locks that survive their holder's death: see
 * maps/shm_lock.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "maps/shm_lock.h"

#define SPINS_BEFORE_CHECK 4096u

static __thread uint32_t self_pid;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* In a forked child, whose only thread is the one that forked. */
static void forget_pid(void)
{
	self_pid = 0;
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_pid);
}

uint32_t shm_self_pid(void)
{
	if (!self_pid) {
		pthread_once(&atfork_once, register_atfork);
		self_pid = (uint32_t)getpid();
	}
	return self_pid;
}

bool shm_pid_dead(uint32_t pid)
{
	return pid && pid != shm_self_pid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Spins, yields after a while, and takes the lock over from a dead holder. */
void shm_lock(atomic_uint *lock)
{
	uint32_t self = shm_self_pid();

	for (uint32_t spins = 0;; spins++) {
		unsigned int holder = 0;
		if (atomic_compare_exchange_weak_explicit(lock, &holder, self, memory_order_acquire,
							  memory_order_relaxed))
			return;
		if (spins % SPINS_BEFORE_CHECK == SPINS_BEFORE_CHECK - 1) {
			if (shm_pid_dead(holder))
				atomic_compare_exchange_strong(lock, &holder, 0);
			sched_yield();
		}
	}
}
