/* SPDX-License-Identifier: MIT */
/*
 * tc: per-source-address packet and byte counters in a hash map, read
 * from the __sk_buff (len, protocol) and from the packet with
 * bpf_skb_load_bytes; mail (TCP port 25) is shot, the rest passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct counters {
	__u64 packets;
	__u64 bytes;
	__u32 last_len;
	__u16 last_dport;
	__u8 last_proto;
	__u8 shot;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct counters);
} by_source SEC(".maps");

SEC("tc")
int count_bytes(struct __sk_buff *skb)
{
	struct iphdr ip;
	__u16 ports[2];

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return TC_ACT_OK;
	__u32 key = ip.saddr;
	struct counters *c = bpf_map_lookup_elem(&by_source, &key);
	if (!c) {
		struct counters zero = {};
		bpf_map_update_elem(&by_source, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&by_source, &key);
		if (!c)
			return TC_ACT_OK;
	}
	c->packets++;
	c->bytes += skb->len;
	c->last_len = skb->len;
	c->last_proto = ip.protocol;
	if (ip.protocol == IPPROTO_TCP &&
	    !bpf_skb_load_bytes(skb, ETH_HLEN + ip.ihl * 4, ports, sizeof(ports))) {
		c->last_dport = bpf_ntohs(ports[1]);
		if (c->last_dport == 25) {
			c->shot++;
			return TC_ACT_SHOT;
		}
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
