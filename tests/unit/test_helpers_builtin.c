/* SPDX-License-Identifier: MIT */
/* The helpers built into bpfx, called from programs: time moves forward on
 * the kernel's clocks, random numbers vary and stay 32-bit, the processor
 * id is a CPU of this machine; and the name table agrees with the ids. */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "helpers/names.h"
#include "tcheck.h"
#include "tinsn.h"

static uint64_t call(uint32_t id)
{
	struct bpf_insn p[] = { CALL((int)id), EXIT() };
	struct bpfx_run_result res;
	int err;
	struct bpfx_prog *prog = bpfx_prog__new(p, 2, NULL, &err);
	if (!CHECK(prog != NULL, "load call of helper %u: %d", id, err))
		return 0;
	err = bpfx_prog__run(prog, NULL, &res);
	CHECK(err == 0, "run helper %u: %d", id, err);
	bpfx_prog__free(prog);
	return res.r0;
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(void)
{
	uint64_t before = now_ns(CLOCK_MONOTONIC);
	uint64_t t1 = call(BPF_FUNC_ktime_get_ns), t2 = call(BPF_FUNC_ktime_get_ns);
	uint64_t after = now_ns(CLOCK_MONOTONIC);
	CHECK(before <= t1 && t1 <= t2 && t2 <= after, "ktime_get_ns is CLOCK_MONOTONIC");

	before = now_ns(CLOCK_BOOTTIME);
	uint64_t b = call(BPF_FUNC_ktime_get_boot_ns);
	CHECK(before <= b && b <= now_ns(CLOCK_BOOTTIME), "ktime_get_boot_ns is CLOCK_BOOTTIME");

	uint64_t r[16];
	int distinct = 0;
	for (int i = 0; i < 16; i++) {
		r[i] = call(BPF_FUNC_get_prandom_u32);
		CHECK(r[i] <= 0xffffffffull, "prandom is 32-bit: %llx", (unsigned long long)r[i]);
		bool seen = false;
		for (int j = 0; j < i; j++)
			seen |= r[j] == r[i];
		distinct += !seen;
	}
	CHECK(distinct >= 14, "prandom varies: %d distinct of 16", distinct);

	uint64_t cpu = call(BPF_FUNC_get_smp_processor_id);
	CHECK(cpu < (uint64_t)sysconf(_SC_NPROCESSORS_CONF), "processor id %llu",
	      (unsigned long long)cpu);

	/* The built-in table is sorted, named like the kernel, and complete. */
	size_t builtin_cnt;
	const struct bpfx_helper *builtin = helpers_builtin(&builtin_cnt);
	CHECK(builtin && builtin_cnt > 0, "built-in table");
	for (size_t i = 0; builtin && i < builtin_cnt; i++) {
		const struct bpfx_helper *h = &builtin[i];
		CHECK(i == 0 || builtin[i - 1].id < h->id, "table sorted (no duplicate id) at %zu", i);
		const char *kname = helper_name(h->id);
		CHECK(kname && !strcmp(kname, h->name), "helper %u named %s, kernel says %s", h->id,
		      h->name, kname ? kname : "?");
		CHECK(h->fn != NULL, "helper %u has a function", h->id);
	}
	return t_done("helpers_builtin");
}
