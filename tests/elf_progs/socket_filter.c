/* SPDX-License-Identifier: MIT */
/*
 * Socket filter: classic-style packet loads (LD_ABS/LD_IND through the
 * llvm builtins), keeps only TCP/UDP to port 53 or 443 from a .rodata
 * list, counts verdicts in an array map.
 *
 * EXPECT: "name":"port_filter","section":"socket","type":"socket_filter"
 * EXPECT: "name":"verdicts".*"type":"array"
 */
#include "common.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

const __u16 wanted_ports[2] = { 53, 443 };

static __always_inline int verdict(__u32 keep)
{
	__u64 *v = bpf_map_lookup_elem(&verdicts, &keep);

	if (v)
		__sync_fetch_and_add(v, 1);
	return keep ? -1 : 0;
}

SEC("socket")
int port_filter(struct __sk_buff *skb)
{
	__u32 ihl, dport;
	__u8 proto;

	if (load_half(skb, offsetof(struct ethhdr, h_proto)) != ETH_P_IP)
		return verdict(0);
	proto = load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol));
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return verdict(0);
	ihl = (load_byte(skb, ETH_HLEN) & 0x0f) << 2;
	dport = load_half(skb, ETH_HLEN + ihl + 2);
	for (int i = 0; i < 2; i++)
		if (dport == wanted_ports[i])
			return verdict(1);
	return verdict(0);
}

char LICENSE[] SEC("license") = "GPL";
