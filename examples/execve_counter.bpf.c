/* SPDX-License-Identifier: MIT */
/*
 * The execve counter: every execve system call of the traced command adds
 * one to slot 0 of exec_count_map. The same object runs in the kernel
 * (attached to the syscalls:sys_enter_execve tracepoint, it counts every
 * execve of the machine) and under `bpfx trace`, which counts those of
 * one command and its descendants:
 *
 *   clang -O2 -g -target bpf -c examples/execve_counter.bpf.c -o execve_counter.o
 *   bpfx trace execve_counter.o pinmaps demo -- sh script.sh
 *   bpfx map lookup pinned demo/exec_count_map key 0 0 0 0
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} exec_count_map SEC(".maps");

SEC("tp/syscalls/sys_enter_execve")
int count_execve(void *ctx)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&exec_count_map, &key);

	if (count)
		__sync_fetch_and_add(count, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
