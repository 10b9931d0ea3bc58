/* SPDX-License-Identifier: MIT */
/*
 * The XDP buffer: one 4 KiB frame below 4 GB, laid out like the kernel's
 * test_run frame (xdp_frame reserve, headroom, metadata, data, tailroom
 * for skb_shared_info). Loaded once per packet on the owning thread; the
 * XDP helpers move meta/data/end and call pkt_xdp_sync.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "hooks/packet.h"
#include "vm/vm.h"

void *pkt_low_alloc(size_t size)
{
	void *p = MAP_FAILED;
#ifdef MAP_32BIT
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		 -1, 0);
#endif
	if (p == MAP_FAILED)
		return NULL;
	if ((uintptr_t)p + size > 0xffffffffull) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

void pkt_low_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

int pkt_xdp_init(struct pkt_xdp *x)
{
	memset(x, 0, sizeof(*x));
	x->hook.kind = PKT_XDP;
	x->frame = pkt_low_alloc(PKT_XDP_FRAME);
	return x->frame ? 0 : -ENOMEM;
}

void pkt_xdp_fini(struct pkt_xdp *x)
{
	if (!x)
		return;
	pkt_low_free(x->frame, PKT_XDP_FRAME);
	x->frame = NULL;
}

void pkt_xdp_sync(struct pkt_xdp *x)
{
	x->md.data_meta = (uint32_t)(uintptr_t)x->meta;
	x->md.data = (uint32_t)(uintptr_t)x->data;
	x->md.data_end = (uint32_t)(uintptr_t)x->end;
	x->regions[0] = (struct bpfx_region){ &x->md, sizeof(x->md), false };
	x->regions[1] = (struct bpfx_region){ x->meta, (size_t)(x->end - x->meta), true };
}

/* xdp_convert_md_to_buff's checks. bpfx's only network device is the
 * loopback device (1), with one receive queue; any other index names no
 * device (ENODEV). A data_end before the end of the input asks for
 * fragments, which bpfx does not build (EOPNOTSUPP). */
static int check_md(const struct xdp_md *ctx, uint32_t size)
{
	if (ctx->data_meta || ctx->data_end > size || ctx->data > ctx->data_end ||
	    (ctx->data & 3) || ctx->data > PKT_XDP_MAX_META)
		return -EINVAL;
	if (ctx->data_end < size)
		return -EOPNOTSUPP;
	if (ctx->egress_ifindex)
		return -EINVAL;
	if (!ctx->ingress_ifindex && ctx->rx_queue_index)
		return -EINVAL;
	if (ctx->ingress_ifindex > 1)
		return -ENODEV;
	if (ctx->ingress_ifindex && ctx->rx_queue_index)
		return -EINVAL;
	return 0;
}

int pkt_xdp_load(struct pkt_xdp *x, const void *in, uint32_t size, const struct xdp_md *ctx)
{
	uint32_t metalen = 0;

	if (ctx) {
		int err = check_md(ctx, size);
		if (err)
			return err;
		metalen = ctx->data;
	}
	/* The metadata comes out of the headroom; the frame's end is fixed. */
	uint32_t headroom = PKT_XDP_HEADROOM - metalen;
	if (size < PKT_ETH_HLEN)
		return -EINVAL;
	if (size > PKT_XDP_FRAME - headroom - PKT_XDP_TAILROOM)
		return -EOPNOTSUPP; /* the kernel's fragments: not built */
	x->meta = x->frame + headroom;
	x->data = x->meta + metalen;
	x->end = x->meta + size;
	memcpy(x->meta, in, size);
	x->md = (struct xdp_md){ .ingress_ifindex = 1 }; /* the loopback device's queue 0 */
	x->redirect_ifindex = 0;
	pkt_xdp_sync(x);
	return 0;
}

int pkt_xdp_run(struct pkt_xdp *x, const struct bpfx_prog *prog, struct bpfx_run_result *res)
{
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .r1 = (uintptr_t)&x->md, .checked = true,
				    .regions = x->regions, .region_cnt = 2 };
	return vm_run_hook(prog, &ro, &x->hook, res);
}

void pkt_xdp_ctx_out(const struct pkt_xdp *x, const struct xdp_md *in, struct xdp_md *out)
{
	*out = *in;
	out->data = (uint32_t)(x->data - x->meta);
	out->data_end = (uint32_t)(x->end - x->meta);
}
