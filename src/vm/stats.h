/* SPDX-License-Identifier: MIT */
/*
 * Run statistics (BPF_ENABLE_STATS; src/vm/stats.c). Stats are on while
 * vm_stats_users > 0 (each open stats descriptor counts one). The run entry
 * tests vm_stats_on() once per run - one predictable branch when off - and
 * when on brackets the run with vm_stats_now() / vm_stats_add(), which adds
 * one run and its time to the program's run_cnt / run_time_ns.
 */
#ifndef BPFX_VM_STATS_H
#define BPFX_VM_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct bpfx_prog;

extern atomic_int vm_stats_users;

/* Called by vm_stats_add about every 100 ms when set, so that the owner of
 * the stats descriptors (api/stats.c) can notice closed ones and lower
 * vm_stats_users. */
extern void (*_Atomic vm_stats_check)(void);

static inline bool vm_stats_on(void)
{
	return __builtin_expect(atomic_load_explicit(&vm_stats_users, memory_order_relaxed) > 0, 0);
}

/* CLOCK_MONOTONIC in ns: a run's start. */
uint64_t vm_stats_now(void);

/* One run of prog that started at start_ns has ended. */
void vm_stats_add(const struct bpfx_prog *prog, uint64_t start_ns);

/* The program's counters, for bpf_prog_info. */
void vm_stats_get(const struct bpfx_prog *prog, uint64_t *run_cnt, uint64_t *run_time_ns);

#endif
