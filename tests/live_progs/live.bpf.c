/* SPDX-License-Identifier: MIT */
/*
 * Programs for tests/suites/live.sh (bpfx on live interfaces): each
 * counts the ICMP echo requests and replies it sees in icmp_count (slot
 * 0: requests, 1: replies) and then passes them on (XDP_PASS, TC_ACT_OK)
 * or redirects them out of OUT_IFINDEX (given at compile time, the test's
 * veth). Frames that are not IPv4 ICMP pass uncounted.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef OUT_IFINDEX
#define OUT_IFINDEX 1
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} icmp_count SEC(".maps");

/* Counts an echo request (type 8) or reply (type 0) in [data, end). */
static __always_inline void count_icmp(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u8 *type = (__u8 *)(ip + 1);
	if ((void *)(type + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_ICMP || (*type != 0 && *type != 8))
		return;
	__u32 slot = *type == 0;
	__u64 *c = bpf_map_lookup_elem(&icmp_count, &slot);
	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("xdp")
int xdp_pass_count(struct xdp_md *ctx)
{
	count_icmp((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	return XDP_PASS;
}

SEC("xdp")
int xdp_redirect_out(struct xdp_md *ctx)
{
	count_icmp((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	return bpf_redirect(OUT_IFINDEX, 0);
}

SEC("tc")
int tc_ok_count(struct __sk_buff *skb)
{
	count_icmp((void *)(long)skb->data, (void *)(long)skb->data_end);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
