/* SPDX-License-Identifier: MIT */
/*
 * XDP: an Ethernet/VLAN/IPv4/IPv6/TCP/UDP parser with bounds checks, two
 * entry programs sharing a 5-argument static subprogram, per-protocol
 * counters (per-CPU array), a flow table (LRU hash), a .rodata port
 * table, .bss counters and a .data configuration word.
 */
#include "common.h"

struct flow_key {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flows SEC(".maps");

/* Well-known ports and the class the filter gives them. */
const volatile struct { __u16 port; __u8 cls; } port_class[8] = {
	{ 22, 1 }, { 53, 2 }, { 80, 3 }, { 443, 3 }, { 123, 2 }, { 25, 4 }, { 0, 0 }, { 0, 0 },
};

__u64 parsed_packets;
__u64 short_packets;
__u32 drop_class = 4;

/* Counts a flow; five arguments, kept out of line on purpose. */
static __noinline int account(struct flow_key *key, __u32 len, __u8 proto, __u16 sport,
			      __u16 dport)
{
	struct flow_stats *st, zero = {};

	key->proto = proto;
	key->sport = sport;
	key->dport = dport;
	st = bpf_map_lookup_elem(&flows, key);
	if (!st) {
		bpf_map_update_elem(&flows, key, &zero, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&flows, key);
		if (!st)
			return -1;
	}
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, len);
	return dport < 1024 ? dport : 0;
}

static __always_inline int parse_l4(void *l4, void *end, __u8 proto, __u16 *sport, __u16 *dport)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;
		if (!PKT_OK(th, sizeof(*th), end))
			return -1;
		*sport = bpf_ntohs(th->source);
		*dport = bpf_ntohs(th->dest);
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;
		if (!PKT_OK(uh, sizeof(*uh), end))
			return -1;
		*sport = bpf_ntohs(uh->source);
		*dport = bpf_ntohs(uh->dest);
	}
	return 0;
}

static __always_inline int parse(struct xdp_md *ctx, struct flow_key *key, __u8 *proto,
				 __u16 *sport, __u16 *dport)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u16 h_proto;
	void *l3;

	if (!PKT_OK(eth, sizeof(*eth), end))
		return -1;
	h_proto = eth->h_proto;
	l3 = eth + 1;
	if (h_proto == bpf_htons(ETH_P_8021Q)) {
		if (!PKT_OK(l3, 4, end))
			return -1;
		h_proto = *(__u16 *)(l3 + 2);
		l3 += 4;
	}
	if (h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;
		if (!PKT_OK(iph, sizeof(*iph), end) || iph->ihl < 5)
			return -1;
		key->saddr = iph->saddr;
		key->daddr = iph->daddr;
		*proto = iph->protocol;
		return parse_l4(l3 + iph->ihl * 4, end, *proto, sport, dport);
	}
	if (h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		if (!PKT_OK(ip6, sizeof(*ip6), end))
			return -1;
		key->saddr = ip6->saddr.in6_u.u6_addr32[3];
		key->daddr = ip6->daddr.in6_u.u6_addr32[3];
		*proto = ip6->nexthdr;
		return parse_l4(ip6 + 1, end, *proto, sport, dport);
	}
	return 1;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	struct flow_key key = {};
	__u16 sport = 0, dport = 0;
	__u8 proto = 0;
	__u32 idx;
	__u64 *cnt;

	if (parse(ctx, &key, &proto, &sport, &dport) < 0) {
		short_packets++;
		return XDP_PASS;
	}
	idx = proto;
	cnt = bpf_map_lookup_elem(&proto_count, &idx);
	if (cnt)
		*cnt += 1;
	parsed_packets++;
	account(&key, ctx->data_end - ctx->data, proto, sport, dport);
	return XDP_PASS;
}

SEC("xdp")
int xdp_filter(struct xdp_md *ctx)
{
	struct flow_key key = {};
	__u16 sport = 0, dport = 0;
	__u8 proto = 0;
	int port;

	if (parse(ctx, &key, &proto, &sport, &dport) != 0)
		return XDP_PASS;
	port = account(&key, ctx->data_end - ctx->data, proto, sport, dport);
	for (int i = 0; i < 8; i++)
		if (port_class[i].port == port && port_class[i].cls == drop_class)
			return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
