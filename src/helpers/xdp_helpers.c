/* SPDX-License-Identifier: MIT */
/*
 * The XDP helpers, with net/core/filter.c's bounds and errnos: they move
 * the metadata, data and end of the run's buffer (struct pkt_xdp) within
 * its 4 KiB frame and refresh the program's xdp_md. Called on the
 * program's thread during an XDP run; bpf_redirect serves tc runs too.
 */
#include <string.h>

#include "helpers/helpers.h"
#include "helpers/pkt_ctx.h"
#include "maps/map.h"

#define XDP_ABORTED_ 0
#define XDP_REDIRECT_ 4
#define TC_ACT_SHOT_ 2
#define TC_ACT_REDIRECT_ 7

/* bpf_xdp_adjust_head(xdp, delta): data moves by delta; the metadata
 * moves with it. Data may not reach into the xdp_frame reserve (plus the
 * metadata) nor leave less than an Ethernet header. */
static uint64_t xdp_adjust_head(uint64_t ctx, uint64_t delta, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_xdp *x = helper_xdp(run, ctx, "bpf_xdp_adjust_head");
	if (!x)
		return 0;
	intptr_t off = (int32_t)delta;
	size_t metalen = (size_t)(x->data - x->meta);
	intptr_t data = (intptr_t)x->data + off;
	if (data < (intptr_t)(x->frame + PKT_XDP_FRAME_HDR + metalen) ||
	    data > (intptr_t)x->end - (intptr_t)PKT_ETH_HLEN)
		return HELPER_ERR(-EINVAL);
	if (metalen)
		memmove(x->meta + off, x->meta, metalen);
	x->meta += off;
	x->data += off;
	pkt_xdp_sync(x);
	return 0;
}

/* bpf_xdp_adjust_meta(xdp, delta): the metadata grows (delta < 0) or
 * shrinks; at most 252 bytes, a multiple of 4 (EACCES otherwise). */
static uint64_t xdp_adjust_meta(uint64_t ctx, uint64_t delta, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_xdp *x = helper_xdp(run, ctx, "bpf_xdp_adjust_meta");
	if (!x)
		return 0;
	intptr_t meta = (intptr_t)x->meta + (int32_t)delta;
	if (meta < (intptr_t)(x->frame + PKT_XDP_FRAME_HDR) || meta > (intptr_t)x->data)
		return HELPER_ERR(-EINVAL);
	uintptr_t metalen = (uintptr_t)x->data - (uintptr_t)meta;
	if ((metalen & 3) || metalen > 255)
		return HELPER_ERR(-EACCES);
	x->meta = (uint8_t *)meta;
	pkt_xdp_sync(x);
	return 0;
}

/* bpf_xdp_frags_increase_tail / _shrink_tail: a fragmented frame grows
 * into its last fragment's page, and shrinks from the last fragment back,
 * dropping emptied fragments (and then the linear part's end). */
static int frags_tail(struct pkt_xdp *x, int32_t off)
{
	if (off >= 0) {
		uint32_t *last = &x->frag_len[x->nr_frags - 1];
		if ((uint32_t)off > PKT_XDP_FRAG_SIZE - *last)
			return -EINVAL;
		memset(x->frags + (x->nr_frags - 1) * PKT_XDP_FRAG_SIZE + *last, 0, (size_t)off);
		*last += (uint32_t)off;
		x->frags_size += (uint32_t)off;
		return 0;
	}
	int64_t left = -(int64_t)off;
	if (left > (int64_t)pkt_xdp_len(x) - (int64_t)PKT_ETH_HLEN)
		return -EINVAL;
	while (x->nr_frags && left > 0) {
		uint32_t *last = &x->frag_len[x->nr_frags - 1];
		uint32_t cut = left < *last ? (uint32_t)left : *last;
		*last -= cut;
		x->frags_size -= cut;
		left -= cut;
		if (*last)
			break;
		x->nr_frags--;
	}
	if (!x->nr_frags)
		x->end -= left;
	pkt_xdp_sync(x);
	return 0;
}

/* bpf_xdp_adjust_tail(xdp, delta): the end moves, not past the frame's
 * tailroom nor closer than an Ethernet header to data; grown bytes are
 * zeroed. */
static uint64_t xdp_adjust_tail(uint64_t ctx, uint64_t delta, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_xdp *x = helper_xdp(run, ctx, "bpf_xdp_adjust_tail");
	if (!x)
		return 0;
	if (x->nr_frags)
		return HELPER_ERR(frags_tail(x, (int32_t)delta));
	intptr_t off = (int32_t)delta;
	intptr_t end = (intptr_t)x->end + off;
	if (end > (intptr_t)(x->frame + PKT_XDP_FRAME - PKT_XDP_TAILROOM) ||
	    end < (intptr_t)(x->data + PKT_ETH_HLEN))
		return HELPER_ERR(-EINVAL);
	if (off > 0)
		memset(x->end, 0, (size_t)off);
	x->end = (uint8_t *)end;
	pkt_xdp_sync(x);
	return 0;
}

static uint64_t xdp_get_buff_len(uint64_t ctx, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_xdp *x = helper_xdp(run, ctx, "bpf_xdp_get_buff_len");
	return x ? pkt_xdp_len(x) : 0;
}

/* bpf_xdp_pointer's checks: EFAULT beyond 16 bits, EINVAL past the end. */
static int xdp_range(const struct pkt_xdp *x, uint64_t off, uint64_t len)
{
	off = (uint32_t)off, len = (uint32_t)len;
	if (off > 0xffff || len > 0xffff)
		return -EFAULT;
	if (off + len > pkt_xdp_len(x))
		return -EINVAL;
	return 0;
}

static uint64_t xdp_load_bytes(uint64_t ctx, uint64_t off, uint64_t buf, uint64_t len,
			       uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_xdp *x = helper_xdp(run, ctx, "bpf_xdp_load_bytes");
	if (!x || !helper_mem(run, buf, (uint32_t)len, true, "bpf_xdp_load_bytes"))
		return 0;
	int err = xdp_range(x, off, len);
	if (err)
		return HELPER_ERR(err);
	pkt_xdp_copy(x, (uint32_t)off, (void *)(uintptr_t)buf, (uint32_t)len, false);
	return 0;
}

static uint64_t xdp_store_bytes(uint64_t ctx, uint64_t off, uint64_t buf, uint64_t len,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_xdp *x = helper_xdp(run, ctx, "bpf_xdp_store_bytes");
	if (!x || !helper_mem(run, buf, (uint32_t)len, false, "bpf_xdp_store_bytes"))
		return 0;
	int err = xdp_range(x, off, len);
	if (err)
		return HELPER_ERR(err);
	pkt_xdp_copy(x, (uint32_t)off, (void *)(uintptr_t)buf, (uint32_t)len, true);
	return 0;
}

/* bpf_redirect(ifindex, flags): records the target. XDP: any flag aborts;
 * tc: only BPF_F_INGRESS is allowed, else the packet is shot. */
static uint64_t redirect(uint64_t ifindex, uint64_t flags, uint64_t r3, uint64_t r4,
			 uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_hook *h = run->hook;
	if (h && h->kind == PKT_XDP) {
		if (flags)
			return XDP_ABORTED_;
		((struct pkt_xdp *)((char *)h - offsetof(struct pkt_xdp, hook)))->redirect_ifindex =
			(uint32_t)ifindex;
		return XDP_REDIRECT_;
	}
	if (h && h->kind == PKT_SKB) {
		struct pkt_skb *s = (struct pkt_skb *)((char *)h - offsetof(struct pkt_skb, hook));
		if (flags & ~(uint64_t)BPF_F_INGRESS)
			return TC_ACT_SHOT_;
		s->redirect_ifindex = (uint32_t)ifindex;
		s->redirect_flags = (uint32_t)flags;
		return TC_ACT_REDIRECT_;
	}
	bpfx_run_ctx__fault(run, -EINVAL, "bpf_redirect: called outside a packet run");
	return 0;
}

/* bpf_redirect_map(map, key, flags) on a DEVMAP: the entry's device
 * becomes the target and the verdict XDP_REDIRECT; an empty or missing
 * entry gives the low two bits of flags (a fallback action) unless
 * BPF_F_BROADCAST; flags beyond those are an abort. */
static uint64_t redirect_map(uint64_t r1, uint64_t key, uint64_t flags, uint64_t r4,
			     uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = (struct map *)(uintptr_t)r1;
	const uint64_t actions = 3; /* XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX */
	struct pkt_hook *h = run->hook;

	if (!vm_prog_owns(run->prog, m) || m->type != BPF_MAP_TYPE_DEVMAP) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_redirect_map: R1 (0x%llx) is not a devmap "
				    "of this program", (unsigned long long)r1);
		return 0;
	}
	if (!h || h->kind != PKT_XDP) {
		bpfx_run_ctx__fault(run, -EINVAL, "bpf_redirect_map: called outside an XDP run");
		return 0;
	}
	if (flags & ~(actions | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS))
		return XDP_ABORTED_;
	uint32_t k = (uint32_t)key;
	const struct bpf_devmap_val *v = m->ops->lookup(m, &k);
	if (!v && !(flags & BPF_F_BROADCAST))
		return flags & actions;
	((struct pkt_xdp *)((char *)h - offsetof(struct pkt_xdp, hook)))->redirect_ifindex =
		v ? v->ifindex : 0;
	return XDP_REDIRECT_;
}

#define CTX_INT { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING }

/* Sorted by id. */
static const struct bpfx_helper xdp_helpers[] = {
	{ BPF_FUNC_redirect, "bpf_redirect", redirect, BPFX_RET_INTEGER,
	  { BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_xdp_adjust_head, "bpf_xdp_adjust_head", xdp_adjust_head, BPFX_RET_INTEGER,
	  CTX_INT },
	{ BPF_FUNC_redirect_map, "bpf_redirect_map", redirect_map, BPFX_RET_INTEGER,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_xdp_adjust_meta, "bpf_xdp_adjust_meta", xdp_adjust_meta, BPFX_RET_INTEGER,
	  CTX_INT },
	{ BPF_FUNC_xdp_adjust_tail, "bpf_xdp_adjust_tail", xdp_adjust_tail, BPFX_RET_INTEGER,
	  CTX_INT },
	{ BPF_FUNC_xdp_get_buff_len, "bpf_xdp_get_buff_len", xdp_get_buff_len, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX } },
	{ BPF_FUNC_xdp_load_bytes, "bpf_xdp_load_bytes", xdp_load_bytes, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_UNINIT_MEM,
	    BPFX_ARG_CONST_SIZE } },
	{ BPF_FUNC_xdp_store_bytes, "bpf_xdp_store_bytes", xdp_store_bytes, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE } },
};
HELPER_GROUP(helpers_xdp_group, xdp_helpers);
