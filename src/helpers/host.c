/* SPDX-License-Identifier: MIT */
/*
 * Helpers that need nothing but the host: time, randomness, the runner
 * slot. Called from the interpreter on the program's thread.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "helpers/helpers.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* bpf_ktime_get_ns: CLOCK_MONOTONIC, as in the kernel. */
static uint64_t h_ktime_get_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			       struct bpfx_run_ctx *run)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	return clock_ns(CLOCK_MONOTONIC);
}

/* bpf_ktime_get_boot_ns: CLOCK_BOOTTIME. */
static uint64_t h_ktime_get_boot_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				    uint64_t e, struct bpfx_run_ctx *run)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	return clock_ns(CLOCK_BOOTTIME);
}

/* bpf_get_prandom_u32: a per-thread xorshift generator seeded from the
 * clock and the thread's stack address; not for cryptography (neither is
 * the kernel's). */
static uint64_t h_get_prandom_u32(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				  uint64_t e, struct bpfx_run_ctx *run)
{
	static __thread uint64_t state;
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	if (!state)
		state = clock_ns(CLOCK_MONOTONIC) ^ (uintptr_t)&state ^ 0x9e3779b97f4a7c15ull;
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 16);
}

/* bpf_get_smp_processor_id: until runner slots exist, the CPU the thread
 * is on. */
static uint64_t h_get_smp_processor_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				       uint64_t e, struct bpfx_run_ctx *run)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	int cpu = sched_getcpu();
	return cpu < 0 ? 0 : (uint64_t)cpu;
}

/* Sorted by id. */
static const struct bpfx_helper host_helpers[] = {
	{ BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns", h_ktime_get_ns, BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32", h_get_prandom_u32,
	  BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_get_smp_processor_id, "bpf_get_smp_processor_id", h_get_smp_processor_id,
	  BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_ktime_get_boot_ns, "bpf_ktime_get_boot_ns", h_ktime_get_boot_ns,
	  BPFX_RET_INTEGER, { 0 } },
};
HELPER_GROUP(helpers_host_group, host_helpers);
