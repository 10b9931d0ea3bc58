/* SPDX-License-Identifier: MIT */
/*
 * A spin lock in memory shared between processes, whose word holds the
 * holder's pid: a process killed while holding it is noticed (the pid is
 * gone) and the lock taken over, so one dead producer cannot wedge the
 * others. For short critical sections only (a record's reservation).
 */
#ifndef BPFX_MAPS_SHM_LOCK_H
#define BPFX_MAPS_SHM_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The calling process's pid, cached per thread (reset in a forked child). */
uint32_t shm_self_pid(void);

/* Is the process `pid` gone? False for this process and for 0. */
bool shm_pid_dead(uint32_t pid);

void shm_lock(atomic_uint *lock);

static inline void shm_unlock(atomic_uint *lock)
{
	atomic_store_explicit(lock, 0, memory_order_release);
}

#endif
