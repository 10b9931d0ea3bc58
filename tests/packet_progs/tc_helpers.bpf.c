/* SPDX-License-Identifier: MIT */
/*
 * tc and socket filter programs that exercise one skb helper each,
 * driven by four 32-bit parameters in the last 16 bytes of the packet
 * (p[0..3], little endian; tests/tools/pktdiff.c builds the packets).
 * Helper results are packed into the return value and into cb[], which
 * test_run's ctx_out shows; pktdiff compares everything with the kernel.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PARAMS(skb, p)                                                  \
	__s32 p[4];                                                     \
	if (bpf_skb_load_bytes(skb, skb->len - 16, p, 16))             \
		return 1000

static __always_inline __u32 pack(long a, long b, long c)
{
	return (__u32)(a & 0xff) | (__u32)(b & 0xff) << 8 | (__u32)(c & 0xff) << 16;
}

SEC("tc")
int tc_store(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u8 buf[24] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };
	__u64 flags = p[1] & 3;
	if (p[1] & 4)
		flags |= 8;
	long a = bpf_skb_store_bytes(skb, p[0], buf, 4, flags);
	long b = bpf_skb_store_bytes(skb, p[2], buf, 24, 0);
	return pack(a, b, skb->hash != 0);
}

/* Checksum fields: p0 the offset, p1 picks the size (0, 2, 4, or a bad
 * one) and flags, p2/p3 the old and new values. */
SEC("tc")
int tc_l3(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u64 sizes[4] = { 0, 2, 4, 3 };
	__u64 flags = sizes[p[1] & 3];
	__u64 from = flags ? (__u32)p[2] : 0;
	long a = bpf_l3_csum_replace(skb, p[0], from, (__u32)p[3], flags);
	long b = bpf_l3_csum_replace(skb, p[0], 0, 0, p[1] & 0x100 ? 16 : 0);
	return pack(a, b, 0);
}

SEC("tc")
int tc_l4(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u64 sizes[4] = { 0, 2, 4, 3 };
	__u64 flags = sizes[p[1] & 3];
	__u64 from = flags ? (__u32)p[2] : 0;
	if (p[1] & 4)
		flags |= BPF_F_PSEUDO_HDR;
	if (p[1] & 8)
		flags |= BPF_F_MARK_MANGLED_0;
	if (p[1] & 0x10)
		flags |= BPF_F_MARK_ENFORCE;
	if (p[1] & 0x20)
		flags |= 0x800;
	long a = bpf_l4_csum_replace(skb, p[0], from, (__u32)p[3], flags);
	return pack(a, 0, 0);
}

SEC("tc")
int tc_csum_diff(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u32 a[10], b[10];
	if (bpf_skb_load_bytes(skb, 0, a, 40) || bpf_skb_load_bytes(skb, 4, b, 40))
		return 1001;
	a[0] ^= p[0];
	b[1] ^= p[1];
	__s64 r1 = bpf_csum_diff(a, 4, b, 4, p[2]);
	__s64 r2 = bpf_csum_diff(a, 20, b, 20, 0);
	__s64 r3 = bpf_csum_diff(0, 0, b, 40, p[3]);
	__s64 r4 = bpf_csum_diff(a, 40, 0, 0, p[3]);
	__s64 r5 = bpf_csum_diff(a, 6, b, 4, 0);
	__s64 r6 = bpf_csum_diff(a, 12, b, 36, p[0]);
	skb->cb[0] = r1;
	skb->cb[1] = r2;
	skb->cb[2] = r3;
	skb->cb[3] = r4;
	skb->cb[4] = r6;
	return r1 ^ r2 ^ r3 ^ r4 ^ r5 ^ r6 ^ bpf_csum_update(skb, p[0]);
}

SEC("tc")
int tc_tail(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	long a = bpf_skb_change_tail(skb, skb->len + p[0], p[1] & 1);
	long b = bpf_skb_pull_data(skb, p[2]);
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 20 <= end)
		*(__u8 *)(data + 19) = 0x77;
	return pack(a, b, skb->len);
}

SEC("tc")
int tc_hash(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u32 before = skb->hash;
	if (p[1] & 1)
		bpf_set_hash(skb, p[0]);
	if (p[1] & 2)
		bpf_set_hash_invalid(skb);
	__u32 h = bpf_get_hash_recalc(skb);
	__u32 h2 = bpf_get_hash_recalc(skb);
	/* A computed flow hash is the kernel's secret: compare only that
	 * there is one and that it is stable. */
	if (!(p[1] & 1) || (p[1] & 2))
		return before | (h != 0) << 1 | (h == h2) << 2 | (skb->hash == h) << 3;
	return h ^ before ^ (h == h2) ^ skb->hash;
}

/* p0's bits pick up to four pushes or pops; the tags come from p1. */
SEC("tc")
int tc_vlan(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u32 r = 0;
	for (int i = 0; i < 4; i++) {
		int op = (p[0] >> (2 * i)) & 3;
		long e = 0;
		if (op == 1)
			e = bpf_skb_vlan_push(skb, bpf_htons(0x8100), p[1] + i);
		else if (op == 2)
			e = bpf_skb_vlan_push(skb, p[2] & 1 ? bpf_htons(0x88a8) : 0x1234, p[1] - i);
		else if (op == 3)
			e = bpf_skb_vlan_pop(skb);
		r = r << 8 | (e & 0xff);
	}
	skb->cb[0] = skb->vlan_present;
	skb->cb[1] = skb->vlan_tci;
	skb->cb[2] = skb->vlan_proto;
	skb->cb[3] = skb->protocol;
	skb->cb[4] = skb->len;
	return r;
}

SEC("tc")
int tc_room(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u64 flagset[8] = { 0, BPF_F_ADJ_ROOM_FIXED_GSO, BPF_F_ADJ_ROOM_NO_CSUM_RESET,
			     1ull << 7, 1ull << 8, 1ull << 12, 3ull << 7, 0 };
	long a = bpf_skb_adjust_room(skb, p[0], p[1] & 3, flagset[p[2] & 7]);
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 40 <= end)
		*(__u8 *)(data + 39) ^= 0xff;
	skb->cb[0] = skb->protocol;
	skb->cb[1] = skb->len;
	return pack(a, 0, 0);
}

SEC("tc")
int tc_misc(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u64 c1 = bpf_get_socket_cookie(skb), c2 = bpf_get_socket_cookie(skb);
	skb->cb[0] = c1 != 0 && c1 == c2;
	skb->cb[1] = bpf_redirect(p[0], p[1] & 3);
	return bpf_redirect(p[0], p[1] & 1);
}

/* IPv4 <-> IPv6: p1 picks the target protocol and flags. */
SEC("tc")
int tc_proto(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u16 protos[4] = { bpf_htons(0x86dd), bpf_htons(0x0800), bpf_htons(0x0806), 0 };
	if (p[1] & 8)
		bpf_set_hash(skb, 77);
	long a = bpf_skb_change_proto(skb, protos[p[1] & 3], p[1] & 4 ? 1 : 0);
	long b = bpf_skb_change_proto(skb, protos[(p[1] >> 4) & 3], 0);
	skb->cb[0] = skb->protocol;
	skb->cb[1] = skb->len;
	skb->cb[2] = skb->hash;
	return pack(a, b, 0);
}

/* ECN: p0 picks the TOS/traffic-class ECN bits first. */
SEC("tc")
int tc_ecn(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u8 b = p[0] & 0xff;
	if (p[1] & 1)
		bpf_skb_store_bytes(skb, 15, &b, 1, 0);
	if (p[1] & 2)
		bpf_skb_vlan_pop(skb);
	long a = bpf_skb_ecn_set_ce(skb);
	long c = bpf_skb_ecn_set_ce(skb);
	return pack(a, c, 0);
}

/* adjust_room with the encapsulation flags, twice, then change_tail. */
SEC("tc")
int tc_encap(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u64 l3[4] = { 0, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4, BPF_F_ADJ_ROOM_ENCAP_L3_IPV6,
			BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 };
	__u64 l4[4] = { 0, BPF_F_ADJ_ROOM_ENCAP_L4_GRE, BPF_F_ADJ_ROOM_ENCAP_L4_UDP,
			BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP };
	__u64 l2[4] = { 0, BPF_F_ADJ_ROOM_ENCAP_L2(14), BPF_F_ADJ_ROOM_ENCAP_L2(14) |
			BPF_F_ADJ_ROOM_ENCAP_L2_ETH, BPF_F_ADJ_ROOM_ENCAP_L2(8) |
			BPF_F_ADJ_ROOM_ENCAP_L2_ETH };
	__u64 flags = l3[p[1] & 3] | l4[(p[1] >> 2) & 3] | l2[(p[1] >> 4) & 3];
	long a = bpf_skb_adjust_room(skb, p[0] & 0x3f, p[2] & 1, flags);
	skb->cb[0] = skb->protocol;
	long b = bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4);
	long c = bpf_skb_change_tail(skb, skb->len, 0);
	skb->cb[1] = skb->protocol;
	skb->cb[2] = skb->len;
	return pack(a, b, c);
}

/* change_head, change_type, load_bytes_relative, csum_level (with
 * adjust_room resetting it). */
SEC("tc")
int tc_more(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u8 b[8] = { 0 };
	long a = bpf_skb_load_bytes_relative(skb, p[2] & 0x1ffff, b, 8, p[3] & 3);
	skb->cb[0] = b[0] | b[7] << 8 | (__u32)a << 16;
	long t = bpf_skb_change_type(skb, p[1] & 7);
	skb->cb[1] = skb->pkt_type | (__u32)t << 8;
	__u64 lv = (p[3] >> 4) & 7;
	long c1 = bpf_csum_level(skb, lv), c2 = bpf_csum_level(skb, BPF_CSUM_LEVEL_INC);
	long c3 = bpf_csum_level(skb, lv), c4 = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	if (p[1] & 8)
		bpf_skb_adjust_room(skb, 4, BPF_ADJ_ROOM_MAC, p[1] & 16 ? BPF_F_ADJ_ROOM_NO_CSUM_RESET : 0);
	long c5 = bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY);
	skb->cb[2] = pack(c1, c2, c3) | (__u32)(c4 & 0xf) << 24 | (__u32)(c5 & 0xf) << 28;
	long h = bpf_skb_change_head(skb, p[0], p[1] & 32 ? 1 : 0);
	skb->cb[3] = skb->len;
	skb->cb[4] = skb->protocol;
	b[0] = 0;
	long a2 = bpf_skb_load_bytes_relative(skb, 0, b, 4, BPF_HDR_START_NET);
	return pack(h, a2, b[0]);
}

/* The __sk_buff test_run builds, and fields the program may write. */
SEC("tc")
int tc_ctx(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	skb->cb[0] = skb->len | skb->pkt_type << 16 | skb->ifindex << 24;
	skb->cb[1] = skb->protocol | skb->ingress_ifindex << 16;
	skb->cb[2] = skb->mark ^ skb->priority ^ skb->wire_len << 8;
	skb->cb[3] = skb->gso_segs ^ skb->gso_size << 4 ^ (__u32)skb->tstamp;
	skb->cb[4] = (skb->data_end - skb->data) | (skb->data - skb->data_meta) << 16;
	skb->mark += p[0];
	skb->priority ^= p[1];
	skb->tc_index = p[2];
	skb->tstamp += p[3];
	return skb->vlan_present | skb->queue_mapping << 1 | skb->napi_id << 2 | skb->hash << 3;
}

SEC("socket")
int sk_ctx(struct __sk_buff *skb)
{
	PARAMS(skb, p);
	__u8 b[4];
	long e = bpf_skb_load_bytes(skb, p[0], b, 4);
	skb->cb[0] = skb->len | skb->pkt_type << 16;
	skb->cb[1] = skb->protocol | skb->ifindex << 16;
	skb->cb[2] = e;
	skb->cb[3] = b[0] | b[3] << 8;
	return skb->len - (p[1] & 63);
}

char _license[] SEC("license") = "GPL";
