/* SPDX-License-Identifier: MIT */
/*
 * tc: a classifier that parses Ethernet/IPv4/UDP with direct packet
 * access and bpf_skb_load_bytes, marks packets from a .rodata DSCP table
 * and counts them per class in a hash map with a struct key; a global
 * (not static) subprogram in .text, verified on its own by the kernel; a
 * legacy "classifier" section and an "action" program.
 *
 * EXPECT: "name":"tc_mark".*"section":"tc","type":"sched_cls"
 * EXPECT: "name":"tc_mark".*"subprogs":\[\{"name":"classify"
 * EXPECT: "name":"cls_legacy".*"section":"classifier","type":"sched_cls"
 * EXPECT: "name":"act_count".*"section":"action","type":"sched_act"
 * EXPECT: "name":"class_stats".*"type":"hash","key_size":8,"value_size":16
 */
#include "common.h"

struct class_key {
	__u32 ifindex;
	__u8 dscp;
	__u8 cls;
	__u16 pad;
};

struct class_val {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct class_key);
	__type(value, struct class_val);
} class_stats SEC(".maps");

/* DSCP -> traffic class (0: best effort). */
const __u8 dscp_class[64] = {
	[46] = 3, [34] = 2, [36] = 2, [38] = 2, [26] = 2, [18] = 1, [10] = 1, [8] = 1,
};

__u64 seen_bytes;

/* Global: the kernel verifies it separately, with only its argument types. */
__noinline int classify(struct __sk_buff *skb, __u32 dscp)
{
	struct class_key key = { .ifindex = skb->ifindex, .dscp = dscp & 63 };
	struct class_val *v, zero = {};

	key.cls = dscp_class[key.dscp];
	v = bpf_map_lookup_elem(&class_stats, &key);
	if (!v) {
		bpf_map_update_elem(&class_stats, &key, &zero, BPF_ANY);
		return key.cls;
	}
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, skb->len);
	return key.cls;
}

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	int cls;

	if (!PKT_OK(iph, sizeof(*iph), end) || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0; /* TC_ACT_OK */
	cls = classify(skb, iph->tos >> 2);
	skb->priority = cls;
	seen_bytes += skb->len;
	return 0;
}

SEC("classifier")
int cls_legacy(struct __sk_buff *skb)
{
	__u8 tos;

	if (bpf_skb_load_bytes(skb, ETH_HLEN + 1, &tos, 1) < 0)
		return -1; /* TC_ACT_UNSPEC */
	return classify(skb, tos >> 2) == 3 ? 1 : -1;
}

SEC("action")
int act_count(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&seen_bytes, skb->len);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
