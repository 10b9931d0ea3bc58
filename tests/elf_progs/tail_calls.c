/* SPDX-License-Identifier: MIT */
/*
 * Tail calls: a prog array initialised with program names (`__array(
 * values, int (void *))`, slots 0 and 2), an XDP dispatcher jumping
 * through it, stages that count in a per-CPU array.
 *
 * EXPECT: "name":"jump_table","real_name":"jump_table","kind":"btf","type":"prog_array","key_size":4,"value_size":4,"max_entries":8
 * EXPECT: "name":"jump_table".*"slots":\[\{"slot":0,"prog":"stage_parse"\},\{"slot":2,"prog":"stage_drop"\}\]
 * EXPECT: "name":"dispatch".*"kind":"map","map":"jump_table"
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} stage_hits SEC(".maps");

int stage_parse(struct xdp_md *ctx);
int stage_drop(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, int (void *));
} jump_table SEC(".maps") = {
	.values = { [0] = (void *)&stage_parse, [2] = (void *)&stage_drop },
};

static __always_inline void hit(__u32 stage)
{
	__u64 *v = bpf_map_lookup_elem(&stage_hits, &stage);
	if (v)
		*v += 1;
}

SEC("xdp")
int stage_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	hit(0);
	if (!PKT_OK(eth, sizeof(*eth), end))
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		bpf_tail_call(ctx, &jump_table, 2);
	return XDP_PASS;
}

SEC("xdp")
int stage_drop(struct xdp_md *ctx)
{
	hit(2);
	return XDP_DROP;
}

SEC("xdp")
int dispatch(struct xdp_md *ctx)
{
	hit(3);
	bpf_tail_call(ctx, &jump_table, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
