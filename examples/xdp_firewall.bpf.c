/* SPDX-License-Identifier: MIT */
/*
 * An XDP firewall: drops IPv4 packets whose source is on a blocklist,
 * counts packets per protocol, and answers ICMP echo requests itself
 * (echo reply sent back with XDP_TX). Everything else passes.
 *
 *   clang -O2 -g -target bpf -c xdp_firewall.bpf.c -o xdp_firewall.bpf.o
 *   bpfx xdp xdp_firewall.bpf.o --pcap in.pcap --out passed.pcap pinmaps fw
 *   bpfx map dump pinned fw/proto_count
 *
 * The blocklist is an LPM trie of source prefixes (struct lpm_v4: a
 * prefix length, then the address); a packet is dropped when its source
 * falls in any of them, the longest match deciding.
 * bpfx xdp loads the object fresh, so the program seeds the blocklist
 * from `blocked_sources` on its first packet; a deployment would fill the
 * map from user space instead.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* The ICMP header (<linux/icmp.h> pulls in libc's socket headers). */
struct icmphdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__u16 id;
	__u16 sequence;
};
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

/* An LPM trie key: bpf_lpm_trie_key's prefix length, then IPv4 data. */
struct lpm_v4 {
	__u32 prefixlen;
	__u32 addr;                    /* network order */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct lpm_v4);
	__type(value, __u32);          /* 1: blocked */
} blocklist SEC(".maps");

enum { CNT_TCP, CNT_UDP, CNT_ICMP, CNT_OTHER_IP, CNT_NON_IP, CNT_BLOCKED, CNT_ECHO_REPLIED, CNT_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);          /* packets, counted atomically */
} proto_count SEC(".maps");

/* 10.0.0.13/32, 10.0.0.42/32, 192.168.1.64/28 (addresses in network order). */
const volatile struct lpm_v4 blocked_sources[3] = {
	{ 32, 0x0d00000a }, { 32, 0x2a00000a }, { 28, 0x4001a8c0 },
};
__u32 seeded;

static __always_inline void count(__u32 what)
{
	__u64 *c = bpf_map_lookup_elem(&proto_count, &what);
	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline void seed_blocklist(void)
{
	__u32 one = 1;
	if (seeded)
		return;
	for (int i = 0; i < 3; i++) {
		struct lpm_v4 prefix = { blocked_sources[i].prefixlen, blocked_sources[i].addr };
		bpf_map_update_elem(&blocklist, &prefix, &one, BPF_ANY);
	}
	seeded = 1;
}

/* The blocklist lookup: the longest prefix that holds the address. */
static __always_inline int is_blocked(__u32 saddr)
{
	struct lpm_v4 key = { 32, saddr };
	return bpf_map_lookup_elem(&blocklist, &key) != NULL;
}

/* Turns an echo request into its reply in place: MACs and addresses
 * swapped, type 8 -> 0 with the checksum adjusted (RFC 1624). */
static __always_inline int echo_reply(struct ethhdr *eth, struct iphdr *ip, struct icmphdr *icmp)
{
	__u8 mac[ETH_ALEN];
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	__u32 a = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = a;
	ip->ttl = 64;
	/* The IP checksum: only the TTL changed (addresses swap in place). */
	ip->check = 0;
	__u32 sum = 0;
	__u16 *w = (__u16 *)ip;
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = ~sum;
	icmp->type = ICMP_ECHOREPLY;
	__u32 c = (__u16)~icmp->checksum + (__u16)~bpf_htons(ICMP_ECHO << 8) +
		  bpf_htons(ICMP_ECHOREPLY << 8);
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	icmp->checksum = ~c;
	return XDP_TX;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	seed_blocklist();
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP)) {
		count(CNT_NON_IP);
		return XDP_PASS;
	}
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5)
		return XDP_DROP;
	if (is_blocked(ip->saddr)) {
		count(CNT_BLOCKED);
		return XDP_DROP;
	}
	if (ip->protocol == IPPROTO_TCP) {
		count(CNT_TCP);
	} else if (ip->protocol == IPPROTO_UDP) {
		count(CNT_UDP);
	} else if (ip->protocol == IPPROTO_ICMP) {
		struct icmphdr *icmp = (void *)(ip + 1);
		count(CNT_ICMP);
		if ((void *)(icmp + 1) <= end && icmp->type == ICMP_ECHO) {
			count(CNT_ECHO_REPLIED);
			return echo_reply(eth, ip, icmp);
		}
	} else {
		count(CNT_OTHER_IP);
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
