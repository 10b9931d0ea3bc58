/* SPDX-License-Identifier: MIT */
/*
 * XDP split into subprograms: a 5-argument static function called from
 * two places, a chain of three calls deep, and one whose stack frame is
 * large, with results kept in a hash map keyed by the computed digest.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} digests SEC(".maps");

static __noinline __u32 mix5(__u32 a, __u32 b, __u32 c, __u32 d, __u32 e)
{
	__u32 h = 2166136261u;
	h = (h ^ a) * 16777619u;
	h = (h ^ b) * 16777619u;
	h = (h ^ c) * 16777619u;
	h = (h ^ d) * 16777619u;
	return (h ^ e) * 16777619u;
}

static __noinline __u32 fold(const __u8 *p, int n)
{
	volatile __u8 scratch[128];
	__u32 acc = 0;
	for (int i = 0; i < 24 && i < n; i++) {
		scratch[i] = p[i];
		acc = mix5(acc, scratch[i], i, n, 7);
	}
	return acc;
}

static __noinline __u32 digest(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 24 > end)
		return mix5(0, 0, 0, 0, (__u32)(end - data));
	return fold(data, 24);
}

SEC("xdp")
int subprog_digest(struct xdp_md *ctx)
{
	__u32 d = digest(ctx), seen = 1;
	__u32 *count = bpf_map_lookup_elem(&digests, &d);
	if (count)
		(*count)++;
	else
		bpf_map_update_elem(&digests, &d, &seen, BPF_ANY);
	return d & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
