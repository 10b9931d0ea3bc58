/* SPDX-License-Identifier: MIT */
/*
 * XDP: walks IPv6 extension headers (hop-by-hop, routing, destination
 * options, fragment) in a bounded loop, each step bounds-checked, and
 * counts the final upper-layer protocol per packet in an array map;
 * fragments are dropped, IPv4 passed, anything else aborted on short data.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} upper_proto SEC(".maps");

__u64 ext_headers_seen;

struct ext_hdr {
	__u8 next;
	__u8 len;      /* in 8-byte units, not counting the first 8 */
};

SEC("xdp")
int ipv6_walk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_DROP;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end)
		return XDP_ABORTED;
	__u8 next = ip6->nexthdr;
	void *p = ip6 + 1;
	for (int i = 0; i < 4; i++) {
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
		    next != IPPROTO_FRAGMENT)
			break;
		if (next == IPPROTO_FRAGMENT)
			return XDP_DROP;
		struct ext_hdr *h = p;
		if ((void *)(h + 1) > end)
			return XDP_ABORTED;
		next = h->next;
		p += 8 + h->len * 8;
		__sync_fetch_and_add(&ext_headers_seen, 1);
	}
	__u32 key = next;
	__u64 *count = bpf_map_lookup_elem(&upper_proto, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
