/* SPDX-License-Identifier: MIT */
/*
 * The XDP buffer: one 4 KiB frame below 4 GB, laid out like the kernel's
 * test_run frame (xdp_frame reserve, headroom, metadata, data, tailroom
 * for skb_shared_info), and the page-sized fragments of a longer frame
 * (multi-buffer XDP), which only helpers reach. Loaded once per packet on
 * the owning thread; the XDP helpers move meta/data/end or change the
 * fragments and call pkt_xdp_sync.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
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

/* One mapping: the frame, the fragments, and room for the whole frame
 * in one piece. */
#define PKT_XDP_FRAGS_BYTES (PKT_XDP_MAX_FRAGS * PKT_XDP_FRAG_SIZE)
#define PKT_XDP_MAPPING (PKT_XDP_FRAME + 2 * PKT_XDP_FRAGS_BYTES + PKT_XDP_FRAME)

/* Each XDP test run needs a frame mapping, and mapping and unmapping one
 * (with its page faults) cost ~12 us, far more than a run. A thread keeps
 * the last mapping it freed and takes it back for its next run; it is
 * unmapped when the thread exits. */
static __thread uint8_t *cached_mapping;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static bool cache_ok;

static void cache_release(void *mapping)
{
	pkt_low_free(mapping, PKT_XDP_MAPPING);
}

static void cache_setup(void)
{
	cache_ok = pthread_key_create(&cache_key, cache_release) == 0;
}

static uint8_t *mapping_get(void)
{
	uint8_t *m = cached_mapping;
	if (!m)
		return pkt_low_alloc(PKT_XDP_MAPPING);
	cached_mapping = NULL;
	pthread_setspecific(cache_key, NULL);
	return m;
}

/* A kept mapping must look fresh where a program can see it: the frame's
 * headroom and tailroom read as zeros, as in the kernel's zeroed test_run
 * buffer (helpers zero-fill what they grow, and fragments are read only
 * within the lengths loaded, so those need no clearing). */
static void mapping_put(uint8_t *m)
{
	pthread_once(&cache_once, cache_setup);
	if (cached_mapping || !cache_ok || pthread_setspecific(cache_key, m)) {
		pkt_low_free(m, PKT_XDP_MAPPING);
		return;
	}
	memset(m, 0, PKT_XDP_FRAME);
	cached_mapping = m;
}

int pkt_xdp_init(struct pkt_xdp *x)
{
	memset(x, 0, sizeof(*x));
	x->hook.kind = PKT_XDP;
	x->frame = mapping_get();
	if (!x->frame)
		return -ENOMEM;
	x->frags = x->frame + PKT_XDP_FRAME;
	x->out = x->frags + PKT_XDP_FRAGS_BYTES;
	return 0;
}

void pkt_xdp_fini(struct pkt_xdp *x)
{
	if (!x || !x->frame)
		return;
	mapping_put(x->frame);
	x->frame = NULL;
}

uint32_t pkt_xdp_len(const struct pkt_xdp *x)
{
	return (uint32_t)(x->end - x->data) + x->frags_size;
}

void pkt_xdp_copy(struct pkt_xdp *x, uint32_t off, void *buf, uint32_t len, bool to_frame)
{
	uint8_t *b = buf;
	uint32_t lin = (uint32_t)(x->end - x->data);

	for (uint32_t i = 0; len; i++) {
		uint8_t *part = i ? x->frags + (i - 1) * PKT_XDP_FRAG_SIZE : x->data;
		uint32_t size = i ? x->frag_len[i - 1] : lin;
		if (off >= size) {
			off -= size;
			continue;
		}
		uint32_t n = size - off < len ? size - off : len;
		if (to_frame)
			memmove(part + off, b, n);
		else
			memmove(b, part + off, n);
		b += n, len -= n, off = 0;
	}
}

const uint8_t *pkt_xdp_frame(struct pkt_xdp *x, const uint8_t *from, uint32_t *len)
{
	uint32_t lin = (uint32_t)(x->end - from);
	*len = lin + x->frags_size;
	if (!x->nr_frags)
		return from;
	memcpy(x->out, from, lin);
	for (uint32_t i = 0, off = lin; i < x->nr_frags; off += x->frag_len[i++])
		memcpy(x->out + off, x->frags + i * PKT_XDP_FRAG_SIZE, x->frag_len[i]);
	return x->out;
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
 * device (ENODEV). */
static int check_md(const struct xdp_md *ctx, uint32_t size)
{
	if (ctx->data_meta || ctx->data_end > size || ctx->data > ctx->data_end ||
	    (ctx->data & 3) || ctx->data > PKT_XDP_MAX_META)
		return -EINVAL;
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

/* What does not fit the linear part goes to page-sized fragments. */
static int load_frags(struct pkt_xdp *x, const uint8_t *in, uint32_t size)
{
	x->nr_frags = x->frags_size = 0;
	while (size) {
		if (x->nr_frags == PKT_XDP_MAX_FRAGS)
			return -ENOMEM;
		uint32_t n = size < PKT_XDP_FRAG_SIZE ? size : PKT_XDP_FRAG_SIZE;
		memcpy(x->frags + x->nr_frags * PKT_XDP_FRAG_SIZE, in, n);
		x->frag_len[x->nr_frags++] = n;
		x->frags_size += n;
		in += n, size -= n;
	}
	return 0;
}

int pkt_xdp_load(struct pkt_xdp *x, const void *in, uint32_t size, const struct xdp_md *ctx)
{
	uint32_t metalen = 0, linear = size;

	if (ctx) {
		int err = check_md(ctx, size);
		if (err)
			return err;
		metalen = ctx->data;
		linear = ctx->data_end;
	}
	/* The metadata comes out of the headroom; the frame's end is fixed. */
	uint32_t headroom = PKT_XDP_HEADROOM - metalen;
	uint32_t max = PKT_XDP_FRAME - headroom - PKT_XDP_TAILROOM;
	if (linear > max)
		linear = max;
	if (linear < PKT_ETH_HLEN)
		return -EINVAL;
	x->meta = x->frame + headroom;
	x->data = x->meta + metalen;
	x->end = x->meta + linear;
	memcpy(x->meta, in, linear);
	int err = load_frags(x, (const uint8_t *)in + linear, size - linear);
	if (err)
		return err;
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
