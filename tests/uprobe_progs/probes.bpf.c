/* SPDX-License-Identifier: MIT */
/*
 * Uprobes on tests/uprobe_progs/target (tests/suites/uprobe.sh): counts
 * and arguments at entry (PT_REGS_PARM1..6), results at return
 * (PT_REGS_RC), bpf_get_func_ip at both, a string read from the task, a
 * libc function (LIBC is
 * the library's path, given at compile time), calls from two threads.
 * Everything lands in the array `stats`, one u64 per slot.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

enum { ADD6_CALLS, ADD6_ARGSUM, ADD6_RETSUM, FACT_CALLS, FACT_RETS, FACT_MAXRET, GETPID_CALLS,
       BUMP_CALLS, BUMP_RETS, SLEN_RET, ADD6_FUNC_IP, ADD6_RET_FUNC_IP, NSTATS };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NSTATS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[32]);
} str SEC(".maps");

static __always_inline void add(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&stats, &k);
	if (p)
		__sync_fetch_and_add(p, v);
}

SEC("uprobe//proc/self/exe:add6")
int add6_entry(struct pt_regs *ctx)
{
	long a = PT_REGS_PARM1(ctx), b = PT_REGS_PARM2(ctx), c = PT_REGS_PARM3(ctx);
	long d = PT_REGS_PARM4(ctx), e = PT_REGS_PARM5(ctx);
	long f = ctx->r9; /* the sixth argument (libbpf 1.1 has no PT_REGS_PARM6) */

	add(ADD6_CALLS, 1);
	__u32 k = ADD6_FUNC_IP;
	__u64 ip = bpf_get_func_ip(ctx), *slot = bpf_map_lookup_elem(&stats, &k);
	if (slot)
		*slot = ip == PT_REGS_IP(ctx) ? ip : 1; /* the probed address, as ctx->ip */
	/* the same weights as add6 itself: the sum of results, from the arguments */
	add(ADD6_ARGSUM, a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f);
	return 0;
}

SEC("uretprobe//proc/self/exe:add6")
int BPF_KRETPROBE(add6_exit, long ret)
{
	__u32 k = ADD6_RET_FUNC_IP;
	__u64 *slot = bpf_map_lookup_elem(&stats, &k);

	if (slot)
		*slot = bpf_get_func_ip(ctx); /* the function's address, not where it returns */
	add(ADD6_RETSUM, ret);
	return 0;
}

SEC("uprobe//proc/self/exe:fact")
int BPF_KPROBE(fact_entry, int n)
{
	add(FACT_CALLS, 1);
	return 0;
}

SEC("uretprobe//proc/self/exe:fact")
int BPF_KRETPROBE(fact_exit, int ret)
{
	__u32 k = FACT_MAXRET;
	__u64 *max = bpf_map_lookup_elem(&stats, &k);
	add(FACT_RETS, 1);
	if (max && (__u64)ret > *max)
		*max = ret;
	return 0;
}

SEC("uprobe//proc/self/exe:slen")
int BPF_KPROBE(slen_entry, const char *s)
{
	__u32 k = 0;
	char *buf = bpf_map_lookup_elem(&str, &k);
	if (buf)
		bpf_probe_read_user_str(buf, 32, s);
	return 0;
}

SEC("uretprobe//proc/self/exe:slen")
int BPF_KRETPROBE(slen_exit, long ret)
{
	add(SLEN_RET, ret);
	return 0;
}

SEC("uprobe/" LIBC ":getpid")
int BPF_KPROBE(getpid_entry)
{
	add(GETPID_CALLS, 1);
	return 0;
}

SEC("uprobe//proc/self/exe:bump")
int BPF_KPROBE(bump_entry, int x)
{
	add(BUMP_CALLS, 1);
	return 0;
}

SEC("uretprobe//proc/self/exe:bump")
int BPF_KRETPROBE(bump_exit, int ret)
{
	add(BUMP_RETS, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
