/* SPDX-License-Identifier: MIT */
/*
 * xdp_parse: what an XDP filter does with one packet: Ethernet, an
 * optional 802.1Q/802.1ad tag, IPv4 (version, IHL, header checksum,
 * fragments), then ICMP echo or the UDP/TCP ports, every header checked
 * against the end of the packet before it is read. Returns the verdict
 * (XDP_DROP 1, XDP_PASS 2, XDP_TX 3) in the low byte and a mix of the
 * parsed fields above it. The harness feeds a 98-byte ICMP echo request
 * (what `ping` sends); an echo request gets XDP_TX.
 */
#include "bench_prog.h"

#define V_DROP 1u
#define V_PASS 2u
#define V_TX 3u

#define ETH_HLEN 14
#define ETH_P_IP 0x0800u
#define ETH_P_8021Q 0x8100u
#define ETH_P_8021AD 0x88a8u
#define IP_MIN_HLEN 20

/* The verdict with the fields folded in above it. */
ALWAYS_INLINE u64 verdict_mix(u32 verdict, u64 fields)
{
	fields *= 0x9e3779b97f4a7c15ull;
	return (fields ^ fields >> 29) << 8 | verdict;
}

/* The IPv4 header checksum of the fixed 20 bytes: 0xffff when valid. */
ALWAYS_INLINE u32 ip_csum20(const u8 *ip)
{
	u32 sum = 0;

	for (int i = 0; i < IP_MIN_HLEN; i += 2)
		sum += be16_at(ip + i);
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

/* Layer 4 of an unfragmented IPv4 packet at l4, of protocol proto. */
ALWAYS_INLINE u64 parse_l4(const u8 *l4, const u8 *end, u32 proto, u64 fields)
{
	if (proto == 1) {                       /* ICMP */
		if (l4 + 8 > end)
			return V_DROP;
		fields ^= (u64)be16_at(l4 + 4) << 16 | be16_at(l4 + 6);
		if (l4[0] == 8 && l4[1] == 0)   /* echo request: answer it */
			return verdict_mix(V_TX, fields);
		return verdict_mix(V_PASS, fields);
	}
	if (proto == 17) {                      /* UDP */
		if (l4 + 8 > end)
			return V_DROP;
		fields ^= (u64)be16_at(l4) << 16 | be16_at(l4 + 2);
		return verdict_mix(be16_at(l4 + 2) == 53 ? V_DROP : V_PASS, fields);
	}
	if (proto == 6) {                       /* TCP */
		if (l4 + 20 > end)
			return V_DROP;
		fields ^= (u64)be16_at(l4) << 16 | be16_at(l4 + 2);
		fields ^= (u64)l4[13] << 40;    /* flags */
		return verdict_mix(V_PASS, fields);
	}
	return verdict_mix(V_PASS, fields);
}

ALWAYS_INLINE u64 xdp_parse_body(const u8 *data, const u8 *end)
{
	const u8 *p = data;
	u64 fields = 0;
	u32 proto, ihl;

	if (p + ETH_HLEN > end)
		return V_DROP;
	proto = be16_at(p + 12);
	fields = (u64)be16_at(p + 10) << 32 | be32_at(p + 6);      /* source MAC */
	p += ETH_HLEN;
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		if (p + 4 > end)
			return V_DROP;
		fields ^= (u64)(be16_at(p) & 0xfff) << 48;          /* VLAN id */
		proto = be16_at(p + 2);
		p += 4;
	}
	if (proto != ETH_P_IP)
		return verdict_mix(V_PASS, fields);
	if (p + IP_MIN_HLEN > end)
		return V_DROP;
	ihl = (p[0] & 0xf) * 4u;
	if (p[0] >> 4 != 4 || ihl < IP_MIN_HLEN || ip_csum20(p) != 0xffff)
		return V_DROP;
	fields ^= (u64)be32_at(p + 12) << 24 ^ be32_at(p + 16);     /* addresses */
	fields += (u64)p[8] << 56 | (u64)be16_at(p + 2) << 8;       /* ttl, length */
	if (be16_at(p + 6) & 0x3fff)                                /* a fragment */
		return verdict_mix(V_PASS, fields);
	return parse_l4(p + ihl, end, p[9], fields);
}

#ifndef BENCH_KERNEL
BENCH_ENTRY(xdp_parse)
{
	const u8 *p = mem;

	return xdp_parse_body(p, p + len);
}
#else
BENCH_XDP(xdp_parse)
{
	return (u32)xdp_parse_body(XDP_DATA(ctx), XDP_END(ctx));
}
BENCH_LICENSE;
#endif
