/* SPDX-License-Identifier: MIT */
/*
 * SEC("?...") marks a program not loaded by default (libbpf's
 * autoload = false); the section name is kept without the '?'. Static
 * functions in a program section are that section's subprograms (libbpf
 * refuses them), called without relocation.
 *
 * KERNEL: skip (bpftool loadall cannot pin a program it did not load)
 * EXPECT: "name":"maybe_later","section":"tp/sched/sched_switch","type":"tracepoint".*"autoload":false
 * EXPECT: "name":"always","section":"tp/sched/sched_wakeup","type":"tracepoint".*"autoload":true.*"subprogs":\[\{"name":"local_helper"
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} switches SEC(".maps");

static __always_inline int bump(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&switches, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

SEC("?tp/sched/sched_switch")
int maybe_later(void *ctx)
{
	return bump(0);
}

/* In the program's own section, called without a relocation. */
static __noinline __attribute__((section("tp/sched/sched_wakeup"))) int local_helper(__u32 k)
{
	return bump(k);
}

SEC("tp/sched/sched_wakeup")
int always(void *ctx)
{
	return local_helper(1);
}

char LICENSE[] SEC("license") = "GPL";
