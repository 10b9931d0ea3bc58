/* SPDX-License-Identifier: MIT */
/*
 * Helpers that need nothing but the host: time, randomness, the runner
 * slot. Called from the interpreter on the program's thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "vm/slot.h"

/* The kernel's HZ, for bpf_jiffies64: 250, the CONFIG_HZ of Debian's and
 * most distributions' kernels (of this machine's too); BPFX_HZ overrides
 * it, read once. User space cannot read CONFIG_HZ (sysconf's clock ticks
 * are USER_HZ, always 100). */
#define HOST_DEFAULT_HZ 250u

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

/* bpf_get_smp_processor_id: the calling thread's runner slot, the "CPU"
 * whose value per-CPU maps give it (DESIGN: Running). */
static uint64_t h_get_smp_processor_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				       uint64_t e, struct bpfx_run_ctx *run)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	return vm_slot();
}

/* bpf_get_numa_node_id: the NUMA node of the CPU the thread runs on. */
static uint64_t h_get_numa_node_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				   uint64_t e, struct bpfx_run_ctx *run)
{
	unsigned cpu = 0, node = 0;
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	if (syscall(SYS_getcpu, &cpu, &node, NULL) < 0)
		return 0;
	return node;
}

/* bpf_ktime_get_coarse_ns: the tick-granular monotonic clock. */
static uint64_t h_ktime_get_coarse_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				      uint64_t e, struct bpfx_run_ctx *run)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

/* bpf_ktime_get_tai_ns: CLOCK_TAI. */
static uint64_t h_ktime_get_tai_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				   uint64_t e, struct bpfx_run_ctx *run)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	return clock_ns(CLOCK_TAI);
}

/* Any thread may be first: each computes the same value. */
static unsigned host_hz(void)
{
	static unsigned hz;
	unsigned v = __atomic_load_n(&hz, __ATOMIC_RELAXED);
	if (!v) {
		const char *env = getenv("BPFX_HZ");
		long e = env ? strtol(env, NULL, 10) : 0;
		v = e > 0 && e <= 10000 ? (unsigned)e : HOST_DEFAULT_HZ;
		__atomic_store_n(&hz, v, __ATOMIC_RELAXED);
	}
	return v;
}

/* Jiffies at monotonic time ns, counted from INITIAL_JIFFIES (5 minutes
 * before the 32-bit counter wraps) at monotonic time 0. */
static uint64_t ticks_at(uint64_t ns, unsigned hz)
{
	uint64_t initial = (uint32_t)(-300 * (int32_t)hz);
	return initial + ns / 1000000000ull * hz + ns % 1000000000ull * hz / 1000000000ull;
}

/* The kernel starts its tick a little after the monotonic clock (34 ticks
 * on this machine); /proc/timer_list (root only) shows both clocks at one
 * moment, so the difference is measured once per process when it can be. */
static int64_t jiffies_skew;
static pthread_once_t skew_once = PTHREAD_ONCE_INIT;

static void measure_skew(void)
{
	char buf[8192];
	unsigned long long now = 0, jif = 0;
	FILE *f = fopen("/proc/timer_list", "re");
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f) && (!now || !jif)) {
		if (!now && sscanf(buf, "now at %llu nsecs", &now) == 1)
			continue;
		if (!jif)
			sscanf(buf, "jiffies: %llu", &jif);
	}
	fclose(f);
	if (now && jif)
		jiffies_skew = (int64_t)(jif - ticks_at(now, host_hz()));
}

/* bpf_jiffies64: the kernel's jiffies_64, which count HZ per second of
 * the monotonic clock (not while suspended). */
static uint64_t h_jiffies64(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			    struct bpfx_run_ctx *run)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
	pthread_once(&skew_once, measure_skew);
	return ticks_at(clock_ns(CLOCK_MONOTONIC), host_hz()) + (uint64_t)jiffies_skew;
}

/* Sorted by id. */
static const struct bpfx_helper host_helpers[] = {
	{ BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns", h_ktime_get_ns, BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32", h_get_prandom_u32,
	  BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_get_smp_processor_id, "bpf_get_smp_processor_id", h_get_smp_processor_id,
	  BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_get_numa_node_id, "bpf_get_numa_node_id", h_get_numa_node_id,
	  BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_jiffies64, "bpf_jiffies64", h_jiffies64, BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_ktime_get_boot_ns, "bpf_ktime_get_boot_ns", h_ktime_get_boot_ns,
	  BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns", h_ktime_get_coarse_ns,
	  BPFX_RET_INTEGER, { 0 } },
	{ BPF_FUNC_ktime_get_tai_ns, "bpf_ktime_get_tai_ns", h_ktime_get_tai_ns,
	  BPFX_RET_INTEGER, { 0 } },
};
HELPER_GROUP(helpers_host_group, host_helpers);
