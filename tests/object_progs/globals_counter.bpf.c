/* SPDX-License-Identifier: MIT */
/*
 * A syscall program over every kind of state an object can hold: a hash
 * map, an array map, .rodata, .data and .bss globals, a 5-argument static
 * subprogram and atomic adds. tests/tools/objdiff.c loads it into bpfx and
 * into the kernel and compares everything it leaves behind.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

const volatile __u64 scale = 3;   /* .rodata */
__u64 total = 100;                /* .data */
__u64 calls;                      /* .bss */

struct args {
	__u32 key;
	__u32 add;
	__u64 out;
};

static __attribute__((noinline)) __u64 mix(__u64 a, __u64 b, __u64 c, __u64 d, __u64 e)
{
	return a * 31 + b * 7 + c + (d ^ e);
}

SEC("syscall")
int count(struct args *ctx)
{
	__u32 k = ctx->key, bucket = ctx->key & 7;
	__u64 add = (__u64)ctx->add * scale;
	__u64 *v = bpf_map_lookup_elem(&counts, &k);

	if (v)
		__sync_fetch_and_add(v, add);
	else
		bpf_map_update_elem(&counts, &k, &add, BPF_NOEXIST);
	__u64 *h = bpf_map_lookup_elem(&hist, &bucket);
	if (h)
		__sync_fetch_and_add(h, 1);
	total += add;
	calls++;
	ctx->out = mix(total, calls, k, add, scale);
	return (int)(total & 0x7fffffff);
}

SEC("syscall")
int forget(struct args *ctx)
{
	__u32 k = ctx->key;
	return bpf_map_delete_elem(&counts, &k);
}

char LICENSE[] SEC("license") = "GPL";
