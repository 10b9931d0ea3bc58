/* SPDX-License-Identifier: MIT */
/*
 * kprobe/kretprobe pair timing do_unlinkat per thread (hash map keyed by
 * pid_tgid), reading arguments through PT_REGS (x86-64), with a
 * histogram of latencies in a .bss array.
 *
 * EXPECT: "name":"unlink_enter","section":"kprobe/do_unlinkat","type":"kprobe".*"attach_target":"do_unlinkat"
 * EXPECT: "name":"unlink_exit","section":"kretprobe/do_unlinkat","type":"kprobe".*"attach_target":"do_unlinkat"
 * EXPECT: "name":"kprobe.bss".*"value_size":128
 */
#include "common.h"
#include <asm/ptrace.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, __u64);
} start SEC(".maps");

__u64 latency_log2[16];

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(unlink_enter, int dfd, void *name)
{
	__u64 id = bpf_get_current_pid_tgid(), ts = bpf_ktime_get_ns();

	if (dfd < -100)
		return 0;
	bpf_map_update_elem(&start, &id, &ts, BPF_ANY);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(unlink_exit, long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *tsp, delta;
	__u32 slot = 0;

	tsp = bpf_map_lookup_elem(&start, &id);
	if (!tsp)
		return 0;
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&start, &id);
	while (delta > 1 && slot < 15) {
		delta >>= 1;
		slot++;
	}
	latency_log2[slot & 15]++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
