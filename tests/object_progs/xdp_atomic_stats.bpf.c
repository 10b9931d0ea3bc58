/* SPDX-License-Identifier: MIT */
/* CFLAGS: -mcpu=v3 */
/*
 * XDP statistics with atomics: per-EtherType packet and byte counters
 * updated with fetch-and-add, exchange and compare-and-swap on a struct
 * value in a hash map, plus the largest frame seen (a cmpxchg loop).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct stats {
	__u64 packets;
	__u64 bytes;
	__u64 largest;
	__u64 last_len;
	__u32 flags;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u16);
	__type(value, struct stats);
} per_ethertype SEC(".maps");

SEC("xdp")
int atomic_stats(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	__u16 key = bpf_ntohs(eth->h_proto);
	__u64 len = end - data;
	struct stats *s = bpf_map_lookup_elem(&per_ethertype, &key);
	if (!s) {
		struct stats zero = {};
		bpf_map_update_elem(&per_ethertype, &key, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&per_ethertype, &key);
		if (!s)
			return XDP_ABORTED;
	}
	__sync_fetch_and_add(&s->packets, 1);
	__sync_fetch_and_add(&s->bytes, len);
	__sync_fetch_and_or(&s->flags, 1u << (len & 31));
	__atomic_exchange_n(&s->last_len, len, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 4; i++) {
		__u64 seen = s->largest;
		if (len <= seen || __sync_bool_compare_and_swap(&s->largest, seen, len))
			break;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
