/* SPDX-License-Identifier: MIT */
/*
 * What the task helpers say at each execve, for tests/suites/trace.sh:
 * the filename (bpf_probe_read_user_str of args[0]), pid/tgid, uid/gid and
 * comm of the calling task. Every execve overwrites the record, so the
 * maps end with the last one; `n` counts them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The context of tp/syscalls/sys_enter_*: 8 bytes of trace entry, the
 * syscall number, the arguments. */
struct sys_enter_ctx {
	__u64 ent;
	int nr;
	__u64 args[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 12);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");   /* 0 pid_tgid, 1 uid_gid, 2 str ret, 3 count, 4 nr, 5 filename ptr,
			* 6-7 edge cases, 8 cgroup id, 9-10 ancestors 0 and 1,
			* 11 ns_current_pid_tgid in no namespace */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, char[64]);
} strs SEC(".maps");   /* 0 filename, 1 comm, 2-3 edge cases */

/* Set by tests/tools/ktrace in the kernel, where the tracepoint fires for
 * every process; 0 under bpfx trace, which runs it for the command only. */
const volatile __u32 target_tgid = 0;

static int ignored(void)
{
	return target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid;
}

static void set(__u32 k, __u64 v)
{
	bpf_map_update_elem(&vals, &k, &v, BPF_ANY);
}

/* Return values and buffer contents at the edges, compared with the
 * kernel's: a truncated string, a short comm, unreadable user, kernel and
 * non-canonical addresses, size 0. Into strs[2..3] and vals[6..7] (the
 * string buffers start as 0xaa bytes). */
static void edge_cases(struct sys_enter_ctx *ctx)
{
	__u32 k2 = 2, k3 = 3;
	char *a = bpf_map_lookup_elem(&strs, &k2), *b = bpf_map_lookup_elem(&strs, &k3);
	long r1, r2, r3, r4;

	if (!a || !b)
		return;
	__builtin_memset(a, 0xaa, 64);
	__builtin_memset(b, 0xaa, 64);
	r1 = bpf_probe_read_user_str(a, 5, (const void *)ctx->args[0]);
	bpf_get_current_comm(a + 8, 3);
	r2 = bpf_probe_read_user(a + 16, 8, (const void *)8);
	r3 = bpf_probe_read_user_str(a + 32, 8, (const void *)8);
	r4 = bpf_probe_read_kernel(b, 8, (const void *)0x8000000000000000ull); /* non-canonical */
	set(7, bpf_probe_read_kernel_str(b + 16, 8, (const void *)8));
	set(6, (__u64)(r1 & 0xffff) | (__u64)(r2 & 0xffff) << 16 | (__u64)(r3 & 0xffff) << 32 |
		       (__u64)(r4 & 0xffff) << 48);
	if (bpf_probe_read_user_str(b + 24, 0, (const void *)ctx->args[0]) == 0)
		b[32] = 1;
	set(8, bpf_get_current_cgroup_id());
	set(9, bpf_get_current_ancestor_cgroup_id(0));
	set(10, bpf_get_current_ancestor_cgroup_id(1));
	struct bpf_pidns_info ns;
	set(11, bpf_get_ns_current_pid_tgid(0, 0, &ns, sizeof(ns)));
}

SEC("tp/syscalls/sys_enter_execve")
int on_execve(struct sys_enter_ctx *ctx)
{
	__u32 k0 = 0, k1 = 1, k3 = 3;
	char *name = bpf_map_lookup_elem(&strs, &k0), *comm = bpf_map_lookup_elem(&strs, &k1);
	__u64 *n = bpf_map_lookup_elem(&vals, &k3);

	if (ignored() || !name || !comm || !n)
		return 0;
	set(2, bpf_probe_read_user_str(name, 64, (const void *)ctx->args[0]));
	bpf_get_current_comm(comm, 16);
	set(0, bpf_get_current_pid_tgid());
	set(1, bpf_get_current_uid_gid());
	set(4, ctx->nr);
	set(5, ctx->args[0]);
	__sync_fetch_and_add(n, 1);
	edge_cases(ctx);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
