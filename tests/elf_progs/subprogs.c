/* SPDX-License-Identifier: MIT */
/*
 * Subprogram linking: a chain of static subprograms (a -> b -> c), one
 * shared by three entry programs, subprograms that touch maps and global
 * data (their relocations move with them), a global function, and calls
 * between .text functions that carry no relocation. Each entry program
 * gets each function it reaches appended once, depth first.
 *
 * EXPECT: "name":"entry_one".*"subprogs":\[\{"name":"step_a".*\},\{"name":"step_b".*\},\{"name":"step_c".*\}\]
 * EXPECT: "name":"entry_two".*"subprogs":\[\{"name":"step_c".*\}\]
 * EXPECT: "name":"entry_three".*"subprogs":\[\{"name":"global_mix".*\},\{"name":"step_b".*\},\{"name":"step_c".*\}\]
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

__u64 depth_total;

static __noinline __u64 step_c(__u64 x, __u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&calls, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
	depth_total += 3;
	return x * 3 + 1;
}

static __noinline __u64 step_b(__u64 x, __u32 slot)
{
	depth_total += 2;
	return step_c(x + 2, slot) ^ x;
}

static __noinline __u64 step_a(__u64 x, __u32 slot)
{
	return step_b(x << 1, slot + 1) + step_c(x, slot);
}

__noinline int global_mix(__u32 seed)
{
	return (int)(step_b(seed, 2) & 0x7fffffff);
}

SEC("tp/syscalls/sys_enter_getppid")
int entry_one(void *ctx)
{
	return (int)step_a(bpf_get_prandom_u32(), 0);
}

SEC("tp/syscalls/sys_enter_getuid")
int entry_two(void *ctx)
{
	return (int)step_c(bpf_get_prandom_u32(), 4);
}

SEC("tp/syscalls/sys_enter_getgid")
int entry_three(void *ctx)
{
	return global_mix(bpf_get_prandom_u32());
}

char LICENSE[] SEC("license") = "GPL";
