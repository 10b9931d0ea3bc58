/* SPDX-License-Identifier: MIT */
/*
 * An XDP program over the map types without a plain key: it files each
 * packet's ports in an LPM trie (prefix lengths from the port), looks up
 * a neighbouring key, keeps recent source addresses in a queue and
 * ports in a stack (pushes that overwrite or fail when full, pops and
 * peeks), and tests ports in a bloom filter. What every call returned is
 * written over the Ethernet addresses, so tests/tools/objdiff.c compares
 * all of it (and the trie's final contents) with the kernel, packet by
 * packet.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct lpm_key {
	__u32 prefixlen;
	__u8 data[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__type(key, struct lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} recent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 3);
	__type(value, __u16);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__type(value, __u32);
	__uint(map_extra, 3);
	__uint(map_flags, BPF_F_ZERO_SEED);
} seen SEC(".maps");

__u32 packets;

SEC("xdp")
int lpm_queue(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u8 *l4;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	l4 = (__u8 *)ip + ip->ihl * 4;
	if ((void *)(l4 + 4) > end)
		return XDP_DROP;

	__u32 n = ++packets;
	__u16 dport = (__u16)(l4[2] << 8 | l4[3]);
	struct lpm_key k = { 16 + dport % 17, { l4[0], l4[1], l4[2], l4[3] } };
	long upd = bpf_map_update_elem(&routes, &k, &n, n % 4 == 0 ? BPF_NOEXIST : BPF_ANY);
	struct lpm_key q = { 32, { l4[0], l4[1], l4[2], (__u8)(l4[3] ^ 1) } };
	__u32 *v = bpf_map_lookup_elem(&routes, &q);
	__u32 found = v ? *v : 0xffff;

	__u32 saddr = ip->saddr ^ n, head = 0;
	bpf_map_push_elem(&recent, &saddr, BPF_EXIST);
	long qr = bpf_map_peek_elem(&recent, &head);

	__u16 port = (__u16)(l4[0] << 8 | l4[1]), top = 0;
	long pushed = bpf_map_push_elem(&ports, &port, n & 1 ? BPF_EXIST : BPF_ANY);
	long sr = n % 3 == 0 ? bpf_map_pop_elem(&ports, &top) : bpf_map_peek_elem(&ports, &top);

	__u32 b = dport, c = dport + n % 2;
	bpf_map_push_elem(&seen, &b, BPF_ANY);
	long maybe = bpf_map_peek_elem(&seen, &c);

	eth->h_dest[0] = (__u8)found;
	eth->h_dest[1] = (__u8)(found >> 8);
	eth->h_dest[2] = (__u8)head;
	eth->h_dest[3] = (__u8)(head >> 24);
	eth->h_dest[4] = (__u8)qr;
	eth->h_dest[5] = (__u8)upd;
	eth->h_source[0] = (__u8)pushed;
	eth->h_source[1] = (__u8)sr;
	eth->h_source[2] = (__u8)top;
	eth->h_source[3] = (__u8)(top >> 8);
	eth->h_source[4] = (__u8)maybe;
	eth->h_source[5] = (__u8)n;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
