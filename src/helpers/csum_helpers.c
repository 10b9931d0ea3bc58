/* SPDX-License-Identifier: MIT */
/*
 * Checksum helpers: the Internet checksum arithmetic of the kernel on
 * x86-64 (csum_partial's 32-bit partial sums, csum_fold), so results are
 * the kernel's bit for bit. Values handed in by programs (from, to,
 * seeds) are words as they lie in memory, like the kernel's __be32 and
 * __wsum arguments. test_run's skbs carry no checksum state
 * (CHECKSUM_NONE), which decides what l4_csum_replace's pseudo-header flag
 * and csum_update do.
 */
#include <string.h>

#include "helpers/helpers.h"
#include "helpers/pkt_ctx.h"

static uint32_t csum_add(uint32_t a, uint32_t b)
{
	a += b;
	return a + (a < b);
}

static uint16_t csum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* x86-64's csum_partial: 64-bit words added with end-around carry, the
 * trailing bytes zero-padded, folded to 32 bits; an odd start address
 * rotates the seed and swaps the bytes of the 16-bit result. */
static uint32_t csum_partial(const uint8_t *p, uint32_t len, uint32_t seed)
{
	bool odd = (uintptr_t)p & 1;
	uint64_t acc = seed, w;

	if (odd) {
		if (!len)
			return seed;
		acc = (seed >> 8) | (seed << 24);
		acc += (uint64_t)p[0] << 8;
		p++, len--;
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		acc += w;
		acc += acc < w;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		acc += w;
		acc += acc < w;
	}
	uint32_t r = csum_add((uint32_t)acc, (uint32_t)(acc >> 32));
	if (odd) {
		r = (uint16_t)~csum_fold(r);
		r = ((r >> 8) & 0xff) | ((r & 0xff) << 8);
	}
	return r;
}

/* csum_from32to16: the 32-bit sum folded to 16 bits, not inverted. */
static uint16_t csum_16(uint32_t sum)
{
	sum += (sum >> 16) | (sum << 16);
	return (uint16_t)(sum >> 16);
}

/* bpf_csum_diff(from, from_size, to, to_size, seed): the sum of the `to`
 * words less the `from` words, plus seed, folded to 16 bits (not
 * inverted). Since Linux 6.13 the sizes need not be multiples of 4. */
static uint64_t csum_diff(uint64_t from, uint64_t from_size, uint64_t to, uint64_t to_size,
			  uint64_t seed, struct bpfx_run_ctx *run)
{
	uint32_t fs = (uint32_t)from_size, ts = (uint32_t)to_size, sd = (uint32_t)seed;
	const uint8_t *f = (const uint8_t *)(uintptr_t)from, *t = (const uint8_t *)(uintptr_t)to;

	if (!helper_mem(run, from, fs, false, "bpf_csum_diff") ||
	    !helper_mem(run, to, ts, false, "bpf_csum_diff"))
		return 0;
	if (fs && ts)
		return csum_16(csum_add(csum_partial(t, ts, sd), ~csum_partial(f, fs, 0)));
	if (ts)
		return csum_16(csum_partial(t, ts, sd));
	if (fs)
		return csum_16(~csum_partial(f, fs, ~sd));
	return sd;
}

/* The 16-bit checksum at skb->data + offset, writable: offsets are even
 * and below 64 KiB, and the field lies in the packet (EFAULT). */
static int csum_field(struct pkt_skb *s, uint64_t offset, uint8_t **field)
{
	offset = (uint32_t)offset;
	if (offset > 0xffff || (offset & 1))
		return -EFAULT;
	if (offset + 2 > s->len)
		return -EFAULT;
	*field = s->data + offset;
	return 0;
}

/* Replaces `from` by `to` (sz bytes each, 0: `to` is a ready difference)
 * in the checksum at `field`. */
static int csum_replace(uint8_t *field, uint64_t from, uint64_t to, uint64_t sz)
{
	uint16_t sum;
	uint32_t diff[2] = { ~(uint32_t)from, (uint32_t)to };  /* aligned: csum_partial's even path */

	memcpy(&sum, field, 2);
	switch (sz) {
	case 0:
		if (from)
			return -EINVAL;
		sum = csum_fold(csum_add((uint32_t)to, ~(uint32_t)sum));
		break;
	case 2:
		diff[0] = ~(uint32_t)(uint16_t)from;
		diff[1] = (uint16_t)to;
		/* fallthrough */
	case 4:
		sum = csum_fold(csum_partial((const uint8_t *)diff, 8, ~(uint32_t)sum));
		break;
	default:
		return -EINVAL;
	}
	memcpy(field, &sum, 2);
	return 0;
}

static uint64_t l3_csum_replace(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t to,
				uint64_t flags, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_l3_csum_replace");
	uint8_t *field;
	if (!s)
		return 0;
	if (flags & ~(uint64_t)BPF_F_HDR_FIELD_MASK)
		return HELPER_ERR(-EINVAL);
	int err = csum_field(s, offset, &field);
	if (!err)
		err = csum_replace(field, from, to, flags & BPF_F_HDR_FIELD_MASK);
	return HELPER_ERR(err);
}

/* bpf_l4_csum_replace: as l3's, plus BPF_F_MARK_MANGLED_0 (a zero UDP
 * checksum means "none" and stays 0; a result of 0 becomes 0xffff);
 * BPF_F_PSEUDO_HDR changes nothing without checksum state. */
static uint64_t l4_csum_replace(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t to,
				uint64_t flags, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_l4_csum_replace");
	uint8_t *field;
	if (!s)
		return 0;
	if (flags & ~(uint64_t)(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR |
				BPF_F_HDR_FIELD_MASK | BPF_F_IPV6))
		return HELPER_ERR(-EINVAL);
	int err = csum_field(s, offset, &field);
	if (err)
		return HELPER_ERR(err);
	bool mmzero = flags & BPF_F_MARK_MANGLED_0;
	if (mmzero && !(flags & BPF_F_MARK_ENFORCE) && !field[0] && !field[1])
		return 0;
	err = csum_replace(field, from, to, flags & BPF_F_HDR_FIELD_MASK);
	if (!err && mmzero && !field[0] && !field[1])
		field[0] = field[1] = 0xff;
	return HELPER_ERR(err);
}

/* bpf_csum_update: only for CHECKSUM_COMPLETE skbs, which test_run never
 * makes: -ENOTSUPP (524), like the kernel's. */
static uint64_t csum_update(uint64_t ctx, uint64_t csum, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct bpfx_run_ctx *run)
{
	if (!helper_skb(run, ctx, "bpf_csum_update"))
		return 0;
	return HELPER_ERR(-524);
}

/* vlan_get_protocol: the protocol after the VLAN tags in the frame
 * (walked from mac_len, or the end of the Ethernet header), 0 when they
 * run past the packet or nest deeper than 8; as stored. */
static uint32_t proto_past_vlans(const struct pkt_skb *s)
{
	uint32_t type = s->skb.protocol;
	if (type != 0x0081 && type != 0xa888)
		return type;
	uint32_t depth = s->mac_len ? s->mac_len - 4u : PKT_ETH_HLEN;
	for (int left = 8; type == 0x0081 || type == 0xa888; depth += 4) {
		if (depth + 4 > s->len || !--left)
			return 0;
		type = (uint32_t)(s->data[depth + 2] | s->data[depth + 3] << 8);
	}
	return type;
}

/* bpf_skb_ecn_set_ce: marks Congestion Experienced in an ECN-capable
 * IPv4 (fixing the header checksum incrementally, as IP_ECN_set_ce) or
 * IPv6 header at the network header. 1 when marked (or already CE), 0
 * for a packet that is not ECN-capable or not IP. VLAN tags in the frame
 * decide the protocol, but the header changed is still the one at the
 * network header (which test_run leaves at the first tag), as in the
 * kernel. */
static uint64_t skb_ecn_set_ce(uint64_t ctx, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_ecn_set_ce");
	if (!s)
		return 0;
	uint32_t proto = proto_past_vlans(s), hlen = proto == 0x0008 ? 20 : proto == 0xdd86 ? 40 : 0;
	int64_t room = (int64_t)s->len - s->net_off;
	if (!hlen || s->len < hlen || s->net_off < 0 || room < hlen)
		return 0;
	uint8_t *ip = s->data + s->net_off;
	if (hlen == 20) {
		uint32_t ecn = (ip[1] + 1u) & 3;
		if (!(ecn & 2))
			return !ecn;
		/* The checksum gains htons(0xFFFB) + htons(ecn), one's
		 * complement (csum16_add), on words as stored. */
		uint16_t check, add = (uint16_t)(0xfbffu + (ecn << 8));
		memcpy(&check, ip + 10, 2);
		uint16_t sum = (uint16_t)(check + add);
		sum = (uint16_t)(sum + (sum < add));
		memcpy(ip + 10, &sum, 2);
		ip[1] |= 3;
		return 1;
	}
	uint8_t tc = (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4);
	if (!(tc & 3))
		return 0;
	ip[1] |= 0x30;                        /* ECN CE: bits 20-21 of the first word */
	return 1;
}

#define CSUM_ARGS { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING, \
		    BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING }

/* Sorted by id. */
static const struct bpfx_helper csum_helpers[] = {
	{ BPF_FUNC_l3_csum_replace, "bpf_l3_csum_replace", l3_csum_replace, BPFX_RET_INTEGER,
	  CSUM_ARGS },
	{ BPF_FUNC_l4_csum_replace, "bpf_l4_csum_replace", l4_csum_replace, BPFX_RET_INTEGER,
	  CSUM_ARGS },
	{ BPF_FUNC_csum_diff, "bpf_csum_diff", csum_diff, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE_OR_ZERO, BPFX_ARG_PTR_TO_MEM,
	    BPFX_ARG_CONST_SIZE_OR_ZERO, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_csum_update, "bpf_csum_update", csum_update, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_skb_ecn_set_ce, "bpf_skb_ecn_set_ce", skb_ecn_set_ce, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX } },
};
HELPER_GROUP(helpers_csum_group, csum_helpers);
