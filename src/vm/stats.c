/* SPDX-License-Identifier: MIT */
/* Run statistics: see vm/stats.h. Counters are atomics in the program
 * (mutable through a const program: they are not its code). */
#include <time.h>

#include "vm/stats.h"
#include "vm/vm.h"

atomic_int vm_stats_users;
void (*_Atomic vm_stats_check)(void);

uint64_t vm_stats_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vm_stats_add(const struct bpfx_prog *prog, uint64_t start_ns)
{
	static _Atomic uint64_t next_check;
	struct bpfx_prog *p = (struct bpfx_prog *)prog;
	uint64_t end = vm_stats_now();

	atomic_fetch_add_explicit(&p->run_cnt, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->run_time_ns, end - start_ns, memory_order_relaxed);
	void (*check)(void) = atomic_load_explicit(&vm_stats_check, memory_order_relaxed);
	if (check && end >= atomic_load_explicit(&next_check, memory_order_relaxed)) {
		atomic_store_explicit(&next_check, end + 100000000ull, memory_order_relaxed);
		check();
	}
}

void vm_stats_get(const struct bpfx_prog *prog, uint64_t *run_cnt, uint64_t *run_time_ns)
{
	*run_cnt = atomic_load_explicit(&prog->run_cnt, memory_order_relaxed);
	*run_time_ns = atomic_load_explicit(&prog->run_time_ns, memory_order_relaxed);
}
