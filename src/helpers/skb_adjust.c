/* SPDX-License-Identifier: MIT */
/*
 * Helpers that add or remove headers of a tc program's skb: VLAN tags
 * (the first pushed tag goes to the "hardware accelerated" __sk_buff
 * fields, each further push inserts the previous one into the frame, pops
 * undo that), room at the MAC or network layer (bpf_skb_adjust_room) and
 * a new MAC header in front
 * (bpf_skb_change_head). skbuff.c's and filter.c's rules and
 * errnos; the skb's headers are tracked as offsets from skb->data.
 * Called on the program's thread.
 */
#include <string.h>

#include "helpers/helpers.h"
#include "helpers/pkt_ctx.h"

#define VLAN_HLEN 4u
#define ETH_P_8021Q_BE 0x0081u          /* htons(0x8100), as stored */
#define ETH_P_8021AD_BE 0xa888u         /* htons(0x88a8) */
#define ETH_P_IP_BE 0x0008u
#define ETH_P_IPV6_BE 0xdd86u
#define ENOTSUPP_ 524                   /* the kernel's internal ENOTSUPP */

#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV6 (1ULL << 8)
#endif
#define ADJ_DECAP_MASK (BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_DECAP_L3_IPV6)
#define ADJ_ENCAP_MASK (BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 | \
			BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP | \
			BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(0xff))

static bool is_vlan(uint32_t proto_be)
{
	return proto_be == ETH_P_8021Q_BE || proto_be == ETH_P_8021AD_BE;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* __vlan_insert_inner_tag: a tag (proto as stored, tci host order) after
 * the first mac_len - 2 bytes of the MAC header. */
static int insert_tag(struct pkt_skb *s, uint16_t proto, uint16_t tci)
{
	if (pkt_skb_headroom(s, VLAN_HLEN))
		return -ENOMEM;
	s->data -= VLAN_HLEN;
	s->len += VLAN_HLEN;
	/* The network header moves back with data (skb_vlan_push), so the
	 * next insertion goes right after the MAC addresses again. */
	if (s->mac_len > 2)
		memmove(s->data, s->data + VLAN_HLEN, s->mac_len - 2u);
	uint8_t *veth = s->data + s->mac_len - PKT_ETH_HLEN;
	memcpy(veth + 12, &proto, 2);
	veth[14] = (uint8_t)(tci >> 8), veth[15] = (uint8_t)tci;
	return 0;
}

static uint64_t skb_vlan_push(uint64_t ctx, uint64_t proto, uint64_t tci, uint64_t r4,
			      uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_vlan_push");
	if (!s)
		return 0;
	uint16_t p = (uint16_t)proto;
	if (!is_vlan(p))
		p = ETH_P_8021Q_BE;
	int err = 0;
	if (s->vlan_present) {
		if (s->mac_off != 0)
			err = -EINVAL; /* data must be at the MAC header */
		else if (!(err = insert_tag(s, s->vlan_proto, s->vlan_tci)))
			s->skb.protocol = s->vlan_proto;
	}
	if (!err) {
		s->vlan_present = true;
		s->vlan_proto = p;
		s->vlan_tci = (uint16_t)tci;
	}
	s->mac_len = (uint16_t)(s->net_off - s->mac_off);   /* skb_reset_mac_len */
	pkt_skb_sync(s, run);
	return HELPER_ERR(err);
}

/* __skb_vlan_pop: takes the outer tag out of the frame. */
static int pop_tag(struct pkt_skb *s, uint16_t *tci)
{
	if (s->mac_off != 0)
		return -EINVAL;
	if (s->len < PKT_ETH_HLEN + VLAN_HLEN)
		return -ENOMEM;
	*tci = get_be16(s->data + 14);
	uint16_t inner = get_be16(s->data + 16);
	memmove(s->data + VLAN_HLEN, s->data, 12);
	if (inner < 0x0600) /* vlan_set_encap_proto: 802.3 or 802.2 */
		inner = s->len >= 20 && s->data[18] == 0xff && s->data[19] == 0xff ? 0x0001 : 0x0004;
	s->skb.protocol = (uint32_t)((inner >> 8) | (inner & 0xff) << 8);
	s->data += VLAN_HLEN;
	s->len -= VLAN_HLEN;
	s->net_off -= VLAN_HLEN;
	if (s->net_off < (int32_t)PKT_ETH_HLEN)
		s->net_off = PKT_ETH_HLEN;
	s->mac_len = (uint16_t)(s->net_off - s->mac_off);
	return 0;
}

static int vlan_pop(struct pkt_skb *s)
{
	uint16_t tci;
	int err;

	if (s->vlan_present) {
		s->vlan_present = false;
	} else {
		if (!is_vlan(s->skb.protocol))
			return 0;
		if ((err = pop_tag(s, &tci)))
			return err;
	}
	/* The next tag in the frame becomes the accelerated one. */
	if (!is_vlan(s->skb.protocol))
		return 0;
	uint16_t proto = (uint16_t)s->skb.protocol;
	if ((err = pop_tag(s, &tci)))
		return err;
	s->vlan_present = true;
	s->vlan_proto = proto;
	s->vlan_tci = tci;
	return 0;
}

static uint64_t skb_vlan_pop(uint64_t ctx, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_vlan_pop");
	if (!s)
		return 0;
	int err = vlan_pop(s);
	pkt_skb_sync(s, run);
	return HELPER_ERR(err);
}

/* Inserts `n` zero bytes at `off` (bpf_skb_generic_push) or removes `n`
 * bytes there (bpf_skb_generic_pop); the headers move with data. */
static int room_grow(struct pkt_skb *s, uint32_t off, uint32_t n)
{
	if (pkt_skb_headroom(s, n))
		return -ENOMEM;
	s->data -= n;
	s->len += n;
	memmove(s->data, s->data + n, off);
	memset(s->data + off, 0, n);
	return 0;
}

static int room_shrink(struct pkt_skb *s, uint32_t off, uint32_t n)
{
	if (off + n > s->len)
		return -ENOMEM;
	memmove(s->data + n, s->data, off);
	s->data += n;
	s->len -= n;
	return 0;
}

/* bpf_skb_net_grow: room for an outer header. With an ENCAP_L3 flag the
 * skb becomes encapsulated (once: EALREADY after), its protocol the
 * outer one's; the inner headers' offsets are the kernel's bookkeeping
 * only, which no helper here reads. Without one, the L4/L2 flags are
 * ignored, as in the kernel. */
static int room_grow_encap(struct pkt_skb *s, uint32_t off, uint32_t n, uint64_t flags)
{
	const uint64_t l3 = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6;
	const uint64_t l4 = BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP;
	uint32_t inner_mac_len = (uint32_t)(flags >> BPF_ADJ_ROOM_ENCAP_L2_SHIFT) & 0xff;
	bool encap = flags & l3;

	if (encap) {
		if ((flags & l3) == l3 || (flags & l4) == l4 ||
		    ((flags & BPF_F_ADJ_ROOM_ENCAP_L2_ETH) && inner_mac_len < PKT_ETH_HLEN))
			return -EINVAL;
		if (s->encapsulation)
			return -EALREADY;
		if (inner_mac_len > n)
			return -EINVAL;
	}
	int err = room_grow(s, off, n);
	if (err || !encap)
		return err;
	s->encapsulation = true;
	if (s->skb.protocol == ETH_P_IP_BE && (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
		s->skb.protocol = ETH_P_IPV6_BE;
	else if (s->skb.protocol == ETH_P_IPV6_BE && (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
		s->skb.protocol = ETH_P_IP_BE;
	return 0;
}

/* bpf_skb_adjust_room(skb, len_diff, mode, flags). */
static uint64_t skb_adjust_room(uint64_t ctx, uint64_t len_diff, uint64_t mode, uint64_t flags,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_adjust_room");
	if (!s)
		return 0;
	int32_t diff = (int32_t)len_diff;
	uint32_t abs = diff < 0 ? 0u - (uint32_t)diff : (uint32_t)diff;
	bool shrink = diff < 0;
	uint32_t proto = s->skb.protocol;

	if (flags & ~(uint64_t)(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ENCAP_MASK | ADJ_DECAP_MASK |
				BPF_F_ADJ_ROOM_NO_CSUM_RESET))
		return HELPER_ERR(-EINVAL);
	if (abs > 0xfff)
		return HELPER_ERR(-EFAULT);
	if (proto != ETH_P_IP_BE && proto != ETH_P_IPV6_BE)
		return HELPER_ERR(-ENOTSUPP_);
	uint32_t base = proto == ETH_P_IP_BE ? 20 : 40, len_min = base;
	uint32_t off = (uint32_t)(s->net_off - s->mac_off);
	if ((uint32_t)mode == BPF_ADJ_ROOM_NET)
		off += base;
	else if ((uint32_t)mode != BPF_ADJ_ROOM_MAC)
		return HELPER_ERR(-ENOTSUPP_);
	if (flags & ADJ_DECAP_MASK) {
		if (!shrink || (flags & ADJ_DECAP_MASK) == ADJ_DECAP_MASK)
			return HELPER_ERR(-EINVAL);
		len_min = flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV4 ? 20 : 40;
	}
	uint32_t len_cur = s->len - (uint32_t)s->net_off;
	/* test_run's GSO skbs (a gso_size from ctx_in) have no GSO type:
	 * bpf_skb_net_grow/shrink refuse them. */
	bool gso = s->skb.gso_size != 0;
	if ((shrink && (abs >= len_cur || len_cur - abs < len_min)) ||
	    (!shrink && s->len + abs > PKT_SKB_MAX_ALLOC && !gso))
		return HELPER_ERR(-ENOTSUPP_);
	int err;
	if (shrink) {
		if (flags & ~(uint64_t)(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_DECAP_MASK |
					BPF_F_ADJ_ROOM_NO_CSUM_RESET))
			return HELPER_ERR(-EINVAL);
		if (gso)
			return HELPER_ERR(-ENOTSUPP_);
		err = room_shrink(s, off, abs);
		if (!err && (flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV4))
			s->skb.protocol = ETH_P_IP_BE;
		else if (!err && (flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV6))
			s->skb.protocol = ETH_P_IPV6_BE;
	} else {
		if (gso)
			return HELPER_ERR(-ENOTSUPP_);
		err = room_grow_encap(s, off, abs, flags);
	}
	if (!err && !(flags & BPF_F_ADJ_ROOM_NO_CSUM_RESET))
		s->csum_unnecessary = false, s->csum_level = 0;
	pkt_skb_sync(s, run);
	return HELPER_ERR(err);
}

/* bpf_skb_change_head(skb, head_room, flags): head_room zero bytes in
 * front, which become the MAC header; the network header and protocol
 * stay. At most SKB_MAX_ALLOC bytes in all unless GSO; a negative room
 * is EINVAL. */
static uint64_t skb_change_head(uint64_t ctx, uint64_t head_room, uint64_t flags, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_change_head");
	if (!s)
		return 0;
	uint32_t room = (uint32_t)head_room, new_len = s->len + room;
	if (flags || (int32_t)room < 0 || (!s->skb.gso_size && new_len > PKT_SKB_MAX_ALLOC) ||
	    new_len < s->len)
		return HELPER_ERR(-EINVAL);
	int err = pkt_skb_headroom(s, room);
	if (!err) {
		s->data -= room;
		s->len = new_len;
		memset(s->data, 0, room);
		s->net_off += (int32_t)room;
		s->mac_off = 0;
		s->mac_len = (uint16_t)s->net_off;
	}
	pkt_skb_sync(s, run);
	return HELPER_ERR(err);
}

/* bpf_skb_change_proto(skb, proto, flags): IPv4 <-> IPv6 groundwork: 20
 * zero bytes inserted after the MAC header (or removed there), the
 * protocol and a cleared hash; the program writes the new header (and
 * the Ethernet type) itself. Other pairs: ENOTSUPP. */
static uint64_t skb_change_proto(uint64_t ctx, uint64_t proto, uint64_t flags, uint64_t r4,
				 uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_change_proto");
	if (!s)
		return 0;
	if (flags)
		return HELPER_ERR(-EINVAL);
	uint32_t from = s->skb.protocol, to = (uint16_t)proto;
	uint32_t off = (uint32_t)(s->net_off - s->mac_off);
	int err;
	if (from == ETH_P_IP_BE && to == ETH_P_IPV6_BE)
		err = room_grow(s, off, 20);
	else if (from == ETH_P_IPV6_BE && to == ETH_P_IP_BE)
		err = room_shrink(s, off, 20);
	else
		err = -ENOTSUPP_;
	if (!err) {
		s->skb.protocol = to;
		s->skb.hash = 0;
		s->hash_fixed = false;
	}
	pkt_skb_sync(s, run);
	return HELPER_ERR(err);
}

/* Sorted by id. */
static const struct bpfx_helper adjust_helpers[] = {
	{ BPF_FUNC_skb_vlan_push, "bpf_skb_vlan_push", skb_vlan_push, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_skb_vlan_pop, "bpf_skb_vlan_pop", skb_vlan_pop, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX } },
	{ BPF_FUNC_skb_change_proto, "bpf_skb_change_proto", skb_change_proto, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_skb_change_head, "bpf_skb_change_head", skb_change_head, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_skb_adjust_room, "bpf_skb_adjust_room", skb_adjust_room, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
};
HELPER_GROUP(helpers_skb_adjust_group, adjust_helpers);
