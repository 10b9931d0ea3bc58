/* SPDX-License-Identifier: MIT */
/*
 * A socket filter using maps defined the pre-BTF way, in SEC("maps") as
 * struct bpf_map_def (libbpf 1.x refuses these; bpfx reads them). The
 * kernel cannot be asked (bpftool refuses the object too).
 *
 * KERNEL: skip (libbpf 1.x refuses SEC("maps"))
 * EXPECT: "name":"pkt_len_hist","real_name":"pkt_len_hist","kind":"legacy","type":"array","key_size":4,"value_size":8,"max_entries":16
 * EXPECT: "name":"proto_seen","real_name":"proto_seen","kind":"legacy","type":"hash","key_size":2,"value_size":8,"max_entries":64,"flags":1
 * EXPECT: "name":"legacy_hist".*"relocs":\[\{"insn":[0-9]+,"kind":"map","map":"pkt_len_hist"
 */
#include "common.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") pkt_len_hist = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 16,
};

struct bpf_map_def SEC("maps") proto_seen = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u16),
	.value_size = sizeof(__u64),
	.max_entries = 64,
	.map_flags = BPF_F_NO_PREALLOC,
};

SEC("socket")
int legacy_hist(struct __sk_buff *skb)
{
	__u32 bucket = skb->len >> 7;
	__u16 proto = skb->protocol;
	__u64 *v, one = 1;

	if (bucket > 15)
		bucket = 15;
	v = bpf_map_lookup_elem(&pkt_len_hist, &bucket);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&proto_seen, &proto);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&proto_seen, &proto, &one, BPF_NOEXIST);
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
