/* SPDX-License-Identifier: MIT */
/* The helpers built into bpfx, called from programs: time moves forward on
 * the kernel's clocks, random numbers vary and stay 32-bit, the processor
 * id is a CPU of this machine; and the name table agrees with the ids. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "helpers/names.h"
#include "kbpf.h"
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

/* The low 32 bits of what the kernel's helper `id` returns now (test_run
 * hands back r0's low half), or -errno. */
static int64_t kernel_call(uint32_t id)
{
	struct bpf_insn p[] = { CALL((int)id), EXIT() };
	char log[512];
	uint32_t ret;
	int fd = kbpf_prog_load(BPF_PROG_TYPE_SYSCALL, p, 2, log, sizeof(log));
	if (fd < 0)
		return fd;
	union bpf_attr a = { .test = { .prog_fd = (uint32_t)fd } };
	int err = kbpf_sys(BPF_PROG_TEST_RUN, &a, sizeof(a));
	ret = a.test.retval;
	close(fd);
	return err < 0 ? -errno : (int64_t)ret;
}

static int numa_nodes(void)
{
	DIR *d = opendir("/sys/devices/system/node");
	int n = 0;
	if (!d)
		return 1;
	for (struct dirent *e; (e = readdir(d));)
		n += !strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9';
	closedir(d);
	return n ? n : 1;
}

/* The clocks and ids of the catalogue added for issue #4: coarse and
 * TAI clocks between readings of the same clocks, jiffies64 and the NUMA
 * node as the kernel's own helpers return them at the same moment
 * (BPF_PROG_TEST_RUN of a syscall program), the processor id the
 * thread's runner slot. */
static void host_helpers(void)
{
	uint64_t before = now_ns(CLOCK_MONOTONIC_COARSE);
	uint64_t coarse = call(BPF_FUNC_ktime_get_coarse_ns);
	CHECK(before <= coarse && coarse <= now_ns(CLOCK_MONOTONIC_COARSE),
	      "ktime_get_coarse_ns is CLOCK_MONOTONIC_COARSE");
	before = now_ns(CLOCK_TAI);
	uint64_t tai = call(BPF_FUNC_ktime_get_tai_ns);
	CHECK(before <= tai && tai <= now_ns(CLOCK_TAI), "ktime_get_tai_ns is CLOCK_TAI");

	/* jiffies count HZ (250) per second of the monotonic clock. */
	uint64_t j1 = call(BPF_FUNC_jiffies64);
	struct timespec pause = { 0, 200000000 };
	nanosleep(&pause, NULL);
	uint64_t j2 = call(BPF_FUNC_jiffies64);
	CHECK(j2 - j1 >= 45 && j2 - j1 <= 250, "200 ms (or a little more) are ~50 jiffies at "
	      "HZ=250: %llu", (unsigned long long)(j2 - j1));

	int nodes = numa_nodes();
	CHECK(call(BPF_FUNC_get_numa_node_id) < (uint64_t)nodes, "numa node below %d", nodes);

	/* The runner slot: the same for every call on this thread. */
	uint64_t slot = call(BPF_FUNC_get_smp_processor_id);
	CHECK(call(BPF_FUNC_get_smp_processor_id) == slot,
	      "processor id is this thread's runner slot: %llu", (unsigned long long)slot);

	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of jiffies64 and the NUMA node: %s", why);
		return;
	}
	/* The same clock as the kernel's jiffies, within a few ticks. */
	uint64_t mine = call(BPF_FUNC_jiffies64);
	int64_t kj = kernel_call(BPF_FUNC_jiffies64);
	uint64_t mine_after = call(BPF_FUNC_jiffies64);
	int32_t lo = (int32_t)((uint32_t)kj - (uint32_t)mine);
	int32_t hi = (int32_t)((uint32_t)mine_after - (uint32_t)kj);
	CHECK(kj >= 0 && lo >= -2 && hi >= -2, "jiffies64: kernel %lld between bpfx's %u and %u "
	      "(low 32 bits, 2 ticks of slack)", (long long)kj, (uint32_t)mine,
	      (uint32_t)mine_after);
	if (nodes == 1) {
		int64_t kn = kernel_call(BPF_FUNC_get_numa_node_id);
		CHECK(kn == (int64_t)call(BPF_FUNC_get_numa_node_id), "numa node: kernel %lld",
		      (long long)kn);
	}
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
	host_helpers();
	return t_done("helpers_builtin");
}
