/* SPDX-License-Identifier: MIT */
/*
 * The skb of tc programs and socket filters: a linear buffer below 4 GB,
 * large enough for every change a program may make (pushes into 64 KiB of
 * headroom, growth to the loopback device's MTU plus its header), and the
 * __sk_buff fields the kernel's bpf_prog_test_run_skb fills. Loaded once
 * per packet on the owning thread; skb helpers change data/len/headers and
 * call pkt_skb_sync.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hooks/packet.h"
#include "vm/vm.h"

#define PKT_SKB_HEAD (65536u + PKT_SKB_PAD)    /* where a loaded frame starts */
#define PKT_SKB_BUF (PKT_SKB_HEAD + PKT_SKB_MAX_LEN + 65536u)

int pkt_skb_init(struct pkt_skb *s)
{
	memset(s, 0, sizeof(*s));
	s->hook.kind = PKT_SKB;
	s->buf = pkt_low_alloc(PKT_SKB_BUF);
	return s->buf ? 0 : -ENOMEM;
}

void pkt_skb_fini(struct pkt_skb *s)
{
	if (!s)
		return;
	pkt_low_free(s->buf, PKT_SKB_BUF);
	s->buf = NULL;
}

int pkt_skb_headroom(struct pkt_skb *s, uint32_t n)
{
	return (size_t)(s->data - s->buf) >= n ? 0 : -ENOMEM;
}

int pkt_skb_tailroom(struct pkt_skb *s, uint32_t n)
{
	return (size_t)(s->buf + PKT_SKB_BUF - (s->data + s->len)) >= n ? 0 : -ENOMEM;
}

void pkt_skb_sync(struct pkt_skb *s, struct bpfx_run_ctx *run)
{
	uintptr_t d = (uintptr_t)s->data;

	s->skb.len = s->len;
	s->skb.data = (uint32_t)d;
	s->skb.data_meta = (uint32_t)d;
	s->skb.data_end = (uint32_t)(d + s->len);
	s->skb.vlan_present = s->vlan_present;
	s->skb.vlan_tci = s->vlan_present ? s->vlan_tci : 0;
	s->skb.vlan_proto = s->vlan_present ? s->vlan_proto : 0;
	s->regions[0] = (struct bpfx_region){ &s->skb, sizeof(s->skb), true };
	s->regions[1] = (struct bpfx_region){ s->data, s->len, true };
	if (run) {
		run->pkt = d;
		run->pkt_end = d + s->len;
		run->pkt_l2 = d + (uintptr_t)(intptr_t)s->mac_off;
		run->pkt_l3 = d + (uintptr_t)(intptr_t)s->net_off;
		run->pkt_lo = run->pkt < run->pkt_l2 ? run->pkt : run->pkt_l2;
		run->pkt_lo = run->pkt_lo < run->pkt_l3 ? run->pkt_lo : run->pkt_l3;
	}
}

/* eth_type_trans on the loopback device (address and broadcast address
 * 00:00:00:00:00:00 as test_run sees them; ff:ff:ff:ff:ff:ff is still
 * recognised as broadcast): the packet type and the protocol. */
static void eth_type_trans(struct pkt_skb *s, const uint8_t *mac)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t lo[6] = { 0 };
	uint16_t proto = (uint16_t)(mac[12] << 8 | mac[13]);

	if (!memcmp(mac, bcast, 6))
		s->skb.pkt_type = 1;       /* PACKET_BROADCAST */
	else if (mac[0] & 1)
		s->skb.pkt_type = 2;       /* PACKET_MULTICAST */
	else
		s->skb.pkt_type = memcmp(mac, lo, 6) ? 3 /* PACKET_OTHERHOST */ : 0;
	if (proto < 0x0600) /* 802.3 length: raw IPX (0xffff) or 802.2 LLC */
		proto = mac[14] == 0xff && mac[15] == 0xff ? 0x0001 : 0x0004;
	s->skb.protocol = (uint32_t)((proto >> 8) | (proto & 0xff) << 8); /* __be16 as stored */
}

static bool range_zero(const void *base, size_t from, size_t to)
{
	const uint8_t *p = base;
	for (size_t i = from; i < to; i++)
		if (p[i])
			return false;
	return true;
}

#define END(f) (offsetof(struct __sk_buff, f) + sizeof(((struct __sk_buff *)0)->f))
#define OFF(f) offsetof(struct __sk_buff, f)

/* convert___skb_to_skb's rule: only these fields may be set. */
static int check_ctx(const struct __sk_buff *c)
{
	if (!range_zero(c, 0, OFF(mark)) || !range_zero(c, END(mark), OFF(priority)) ||
	    !range_zero(c, END(ifindex), OFF(cb)) || !range_zero(c, END(cb), OFF(tstamp)) ||
	    !range_zero(c, END(gso_segs), OFF(gso_size)) ||
	    !range_zero(c, END(gso_size), OFF(hwtstamp)) ||
	    !range_zero(c, END(hwtstamp), sizeof(*c)))
		return -EINVAL;
	return 0;
}

static int apply_ctx(struct pkt_skb *s, const struct __sk_buff *c)
{
	int err = check_ctx(c);
	if (err)
		return err;
	s->skb.mark = c->mark;
	s->skb.priority = c->priority;
	s->skb.ingress_ifindex = c->ingress_ifindex;
	s->skb.tstamp = c->tstamp;
	memcpy(s->skb.cb, c->cb, sizeof(s->skb.cb));
	if (c->wire_len && (c->wire_len < s->len || c->wire_len > 65536))
		return -EINVAL;
	s->skb.wire_len = c->wire_len ? c->wire_len : s->len;
	if (c->gso_segs > 65535)
		return -EINVAL;
	s->skb.gso_segs = c->gso_segs;
	s->skb.gso_size = c->gso_size;
	s->skb.hwtstamp = c->hwtstamp;
	return 0;
}

int pkt_skb_load(struct pkt_skb *s, const void *in, uint32_t size, bool l2,
		 const struct __sk_buff *ctx)
{
	if (size < PKT_ETH_HLEN || size > PKT_SKB_MAX_IN)
		return -EINVAL;
	/* Another device than the loopback: bpfx has none. */
	if (ctx && ctx->ifindex > 1)
		return -ENODEV;
	uint8_t *mac = s->buf + PKT_SKB_HEAD;
	memcpy(mac, in, size);
	memset(&s->skb, 0, sizeof(s->skb));
	eth_type_trans(s, mac);
	s->skb.ifindex = 1;
	s->l2 = l2;
	s->data = l2 ? mac : mac + PKT_ETH_HLEN;
	s->len = l2 ? size : size - PKT_ETH_HLEN;
	s->mac_off = l2 ? 0 : -(int32_t)PKT_ETH_HLEN;
	s->net_off = l2 ? (int32_t)PKT_ETH_HLEN : 0;
	s->mac_len = 0;
	s->hash_fixed = s->vlan_present = false;
	s->vlan_proto = s->vlan_tci = 0;
	s->cookie = 0;
	s->csum_unnecessary = false;
	s->encapsulation = false;
	s->csum_level = 0;
	s->redirect_ifindex = s->redirect_flags = 0;
	if (size == PKT_ETH_HLEN)
		return -EINVAL; /* nothing after the Ethernet header */
	/* An IPv4 or IPv6 frame must hold its network header. */
	if ((s->skb.protocol == 0x0008 && size < PKT_ETH_HLEN + 20) ||
	    (s->skb.protocol == 0xdd86 && size < PKT_ETH_HLEN + 40))
		return -EINVAL;
	if (ctx) {
		int err = apply_ctx(s, ctx);
		if (err)
			return err;
	}
	pkt_skb_sync(s, NULL);
	return 0;
}

int pkt_skb_run(struct pkt_skb *s, const struct bpfx_prog *prog, struct bpfx_run_result *res)
{
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .r1 = (uintptr_t)&s->skb, .checked = true,
				    .regions = s->regions, .region_cnt = 2, .pkt = s->data,
				    .pkt_len = s->len, .pkt_l2 = s->data + s->mac_off,
				    .pkt_l3 = s->data + s->net_off };
	return vm_run_hook(prog, &ro, &s->hook, res);
}

void pkt_skb_frame(struct pkt_skb *s, const uint8_t **data, uint32_t *len)
{
	if (s->l2) {
		*data = s->data;
		*len = s->len;
		return;
	}
	/* test_run pushes a zeroed link-layer header back for socket filters. */
	memset(s->data - PKT_ETH_HLEN, 0, PKT_ETH_HLEN);
	*data = s->data - PKT_ETH_HLEN;
	*len = s->len + PKT_ETH_HLEN;
}

void pkt_skb_ctx_out(const struct pkt_skb *s, const struct __sk_buff *in, struct __sk_buff *out)
{
	*out = *in;
	out->mark = s->skb.mark;
	out->priority = s->skb.priority;
	out->ingress_ifindex = s->skb.ingress_ifindex;
	out->ifindex = 1;
	out->tstamp = s->skb.tstamp;
	memcpy(out->cb, s->skb.cb, sizeof(out->cb));
	out->wire_len = s->skb.wire_len;
	out->gso_segs = s->skb.gso_segs;
	out->hwtstamp = s->skb.hwtstamp;
}
