/* SPDX-License-Identifier: MIT */
/*
 * Tail-call chains and maps of maps, compiled by clang and run by
 * tests/tools/objdiff.c on its packets in bpfx and in the kernel.
 *
 * chain_entry resets the per-run counter and jumps to chain, which counts
 * and tail-calls itself while the counter is at most the packet's length
 * minus 20: with objdiff's frames that asks for 0 to 54 tail calls, so
 * chains end by themselves, at exactly 33 and by hitting the limit
 * (MAX_TAIL_CALL_CNT: at most 33 calls, the 34th falls through). The
 * return value is the number of runs of chain. Slot 1 of the jump table
 * stays empty: jumping there falls through.
 *
 * sub_tail tail-calls from a subprogram.
 *
 * count_in_tables finds an inner array through an array of maps and an
 * inner hash through a hash of maps, and counts packets by length in
 * them: the final maps are compared.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} chain_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seven_runs SEC(".maps");

int chain(struct xdp_md *ctx);
int seven(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [0] = (void *)&chain, [2] = (void *)&seven },
};

struct inner_arr {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner_arr by_len_a SEC(".maps"), by_len_b SEC(".maps");

struct inner_hash {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner_hash lens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_arr);
} arrays SEC(".maps") = {
	.values = { [0] = &by_len_a, [1] = &by_len_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_hash);
} hashes SEC(".maps") = {
	.values = { [3] = &lens },
};

static __always_inline __u64 pkt_len(struct xdp_md *ctx)
{
	return ctx->data_end - ctx->data;
}

SEC("xdp")
int chain(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *cnt = bpf_map_lookup_elem(&chain_state, &k);
	__u64 len = pkt_len(ctx);

	if (!cnt)
		return XDP_ABORTED;
	*cnt += 1;
	if (*cnt + 20 <= len)
		bpf_tail_call(ctx, &jumps, 0);
	return (int)*cnt;
}

SEC("xdp")
int chain_entry(struct xdp_md *ctx)
{
	__u32 k = 0, one = 1;
	__u64 *cnt = bpf_map_lookup_elem(&chain_state, &k);
	__u64 *runs = bpf_map_lookup_elem(&chain_state, &one);

	if (!cnt || !runs)
		return XDP_ABORTED;
	*cnt = 0;
	*runs += 1;
	bpf_tail_call(ctx, &jumps, 1);   /* empty: falls through */
	bpf_tail_call(ctx, &jumps, 0);
	return 1000;
}

SEC("xdp")
int count_in_tables(struct xdp_md *ctx)
{
	__u32 len = (__u32)pkt_len(ctx), which = len & 1, key = 3, slot = len & 3;
	__u64 one = 1, *v;
	void *inner = bpf_map_lookup_elem(&arrays, &which);

	if (!inner)
		return XDP_ABORTED;
	v = bpf_map_lookup_elem(inner, &slot);
	if (v)
		__sync_fetch_and_add(v, len);
	inner = bpf_map_lookup_elem(&hashes, &key);
	if (!inner)
		return XDP_DROP;
	v = bpf_map_lookup_elem(inner, &len);
	if (v)
		*v += 1;
	else
		bpf_map_update_elem(inner, &len, &one, BPF_NOEXIST);
	key = 2;
	return bpf_map_lookup_elem(&hashes, &key) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int seven(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *runs = bpf_map_lookup_elem(&seven_runs, &k);

	if (runs)
		*runs += 1;
	return 7;
}

/* A tail call from a subprogram: the target replaces the subprogram and
 * returns to its caller (the kernel's JIT; its interpreter refuses).
 * clang assumes jump() returns 1, so the target's work is seen in
 * seven_runs: one per run of seven on its own, one per sub_tail run that
 * reached it (objdiff's frames all have even lengths: all of them). */
static __attribute__((noinline)) int jump(struct xdp_md *ctx, __u32 slot)
{
	bpf_tail_call(ctx, &jumps, slot);
	return 1;
}

SEC("xdp")
int sub_tail(struct xdp_md *ctx)
{
	__u32 len = (__u32)pkt_len(ctx);

	/* slot 2 (seven) for even lengths, empty slot 3 for odd ones */
	return 100 * (len & 7) + jump(ctx, 2 + (len & 1));
}

char LICENSE[] SEC("license") = "GPL";
