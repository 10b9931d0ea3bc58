/* SPDX-License-Identifier: MIT */
/*
 * Tracepoints: execve entries and process exits reported through a ring
 * buffer, a raw tracepoint counting syscalls per id, both tracepoint
 * section spellings.
 *
 * EXPECT: "name":"on_execve","section":"tp/syscalls/sys_enter_execve","type":"tracepoint".*"attach_target":"syscalls/sys_enter_execve"
 * EXPECT: "name":"on_exit","section":"tracepoint/sched/sched_process_exit","type":"tracepoint".*"attach_target":"sched/sched_process_exit"
 * EXPECT: "name":"on_sys_enter","section":"raw_tp/sys_enter","type":"raw_tracepoint".*"attach_target":"sys_enter"
 * EXPECT: "name":"events","real_name":"events","kind":"btf","type":"ringbuf","key_size":0,"value_size":0,"max_entries":65536
 */
#include "common.h"

struct event {
	__u32 pid;
	__u32 kind;
	__u64 ts;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u64);
} syscalls SEC(".maps");

static __always_inline int report(__u32 kind)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->kind = kind;
	e->ts = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int on_execve(void *ctx)
{
	return report(1);
}

SEC("tracepoint/sched/sched_process_exit")
int on_exit(void *ctx)
{
	return report(2);
}

/* raw_tp args: struct pt_regs *regs, long id */
SEC("raw_tp/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 id = ctx->args[1];
	__u64 *v = bpf_map_lookup_elem(&syscalls, &id);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
