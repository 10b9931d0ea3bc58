/* SPDX-License-Identifier: MIT */
/* Counts getppid calls (tests/trace_progs/threads.c): all of them, those
 * of threads other than their process's leader, and the exits. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");  /* 0 entries, 1 entries from non-leader threads, 2 exits */

static void add(__u32 k)
{
	__u64 *p = bpf_map_lookup_elem(&calls, &k);
	if (p)
		__sync_fetch_and_add(p, 1);
}

SEC("tp/syscalls/sys_enter_getppid")
int enter(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	add(0);
	if ((__u32)id != (__u32)(id >> 32))
		add(1);
	return 0;
}

SEC("tp/syscalls/sys_exit_getppid")
int exit_(void *ctx)
{
	add(2);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
