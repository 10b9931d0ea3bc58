/* SPDX-License-Identifier: MIT */
/*
 * The other system-call contexts, for tests/suites/trace.sh: sys_exit
 * (ret), raw_syscalls (id, args) and raw_tp (pt_regs read through
 * bpf_probe_read_kernel, the syscall id), all counting execve.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sys_exit_ctx {
	__u64 ent;
	int nr;
	long ret;
};

struct raw_syscalls_enter {
	unsigned short common_type;
	unsigned char common_flags, common_preempt_count;
	int common_pid;
	long id;
	unsigned long args[6];
};

/* The kernel's struct pt_regs on x86-64. */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di,
		orig_ax, ip, cs, flags, sp, ss;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} cnt SEC(".maps");  /* 0 exits, 1 failed exits, 2 last ret, 3 raw_syscalls, 4 raw_tp,
		      * 5 raw_tp regs->di == raw_syscalls args[0], 6 argv non-NULL,
		      * 7 nr. The common fields (offsets 0-7) are off limits to
		      * tracepoint programs: the kernel's verifier refuses them. */

/* Set by tests/tools/ktrace in the kernel (see task_probe.bpf.c). */
const volatile __u32 target_tgid = 0;

static int ignored(void)
{
	return target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid;
}

static void add(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&cnt, &k);
	if (p)
		__sync_fetch_and_add(p, v);
}

static void set(__u32 k, __u64 v)
{
	bpf_map_update_elem(&cnt, &k, &v, BPF_ANY);
}

SEC("tp/syscalls/sys_exit_execve")
int on_exit(struct sys_exit_ctx *ctx)
{
	if (ignored())
		return 0;
	add(0, 1);
	if (ctx->ret < 0)
		add(1, 1);
	set(2, ctx->ret);
	set(7, ctx->nr);
	return 0;
}

__u64 last_filename;

SEC("tp/raw_syscalls/sys_enter")
int on_raw_enter(struct raw_syscalls_enter *ctx)
{
	if (ctx->id != 59 || ignored())
		return 0;
	add(3, 1);
	last_filename = ctx->args[0];
	if (ctx->args[1])
		add(6, 1); /* argv */
	return 0;
}

SEC("raw_tp/sys_enter")
int on_rawtp_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	unsigned long di = 0;

	if (ctx->args[1] != 59 || ignored())
		return 0;
	add(4, 1);
	bpf_probe_read_kernel(&di, sizeof(di), &regs->di);
	if (di == last_filename)
		add(5, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
