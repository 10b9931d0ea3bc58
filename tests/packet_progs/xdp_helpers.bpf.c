/* SPDX-License-Identifier: MIT */
/*
 * XDP programs that exercise one packet helper each, driven by four
 * 32-bit parameters in the last 16 bytes of the packet (p[0..3], little
 * endian; tests/tools/pktdiff.c builds the packets). Run in bpfx and in
 * the kernel by pktdiff: return values, output bytes and contexts must be
 * identical. Return values pack helper results so that every errno shows.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PARAMS(ctx, p)                                                        \
	__s32 p[4];                                                           \
	if (bpf_xdp_load_bytes(ctx, bpf_xdp_get_buff_len(ctx) - 16, p, 16)) \
		return 1000

static __always_inline __u32 pack(long a, long b, long c)
{
	return (__u32)(a & 0xff) | (__u32)(b & 0xff) << 8 | (__u32)(c & 0xff) << 16;
}

SEC("xdp")
int xdp_head(struct xdp_md *ctx)
{
	PARAMS(ctx, p);
	long r = bpf_xdp_adjust_head(ctx, p[0]);
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 1 <= end)
		*(__u8 *)data = 0xaa;
	return pack(r, bpf_xdp_get_buff_len(ctx), 0);
}

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	PARAMS(ctx, p);
	long r = bpf_xdp_adjust_meta(ctx, p[1]);
	void *meta = (void *)(long)ctx->data_meta, *data = (void *)(long)ctx->data;
	if (meta + 4 <= data)
		*(__u32 *)meta = 0xdeadbeef;
	return pack(r, data - meta, 0);
}

SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	PARAMS(ctx, p);
	long r = bpf_xdp_adjust_tail(ctx, p[2]);
	return pack(r, bpf_xdp_get_buff_len(ctx), bpf_xdp_get_buff_len(ctx) >> 8);
}

/* Metadata, head and tail together: the metadata must move with data. */
SEC("xdp")
int xdp_all(struct xdp_md *ctx)
{
	PARAMS(ctx, p);
	long a = bpf_xdp_adjust_meta(ctx, p[1] & ~3);
	void *meta = (void *)(long)ctx->data_meta, *data = (void *)(long)ctx->data;
	if (meta + 8 <= data)
		*(__u64 *)meta = 0x0102030405060708ull;
	long b = bpf_xdp_adjust_head(ctx, p[0]);
	long c = bpf_xdp_adjust_tail(ctx, p[2]);
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	__u32 metalen = data - meta;
	return pack(a, b, c) | metalen << 24;
}

SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
	PARAMS(ctx, p);
	__u8 buf[64] = { 0 };
	long a = bpf_xdp_load_bytes(ctx, p[0], buf, 8);
	long b = bpf_xdp_load_bytes(ctx, p[1], buf + 8, 1);
	buf[9] ^= 0x5a;
	long c = bpf_xdp_store_bytes(ctx, p[2], buf, 16);
	long d = bpf_xdp_store_bytes(ctx, p[3], buf, 64);
	long e = bpf_xdp_load_bytes(ctx, p[3], buf, 64);
	return pack(a, b, c) | (__u32)((d & 0xf) | (e & 0xf) << 4) << 24;
}

SEC("xdp")
int xdp_redir(struct xdp_md *ctx)
{
	PARAMS(ctx, p);
	return bpf_redirect(p[0], p[1] & 1);
}

/* Redirect targets: pktdiff puts the loopback device (1) at key 1. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

SEC("xdp")
int xdp_redir_map(struct xdp_md *ctx)
{
	PARAMS(ctx, p);
	__u64 flags = p[1] & 3;
	if (p[1] & 4)
		flags |= BPF_F_BROADCAST;
	if (p[1] & 8)
		flags |= BPF_F_EXCLUDE_INGRESS;
	if (p[1] & 16)
		flags |= 0x100;
	__u32 key = p[0] & 7;
	__u32 *dev = bpf_map_lookup_elem(&devs, &key);
	return bpf_redirect_map(&devs, p[0] & 0xff, flags) | (dev ? *dev << 8 : 0xff00);
}

/* The context test_run builds: ifindex, queue, metadata length. */
SEC("xdp")
int xdp_ctx(struct xdp_md *ctx)
{
	PARAMS(ctx, p);
	__u32 meta = ctx->data - ctx->data_meta;
	if (p[3] & 1)
		bpf_xdp_adjust_meta(ctx, -8);
	return ctx->ingress_ifindex | ctx->rx_queue_index << 8 | meta << 16;
}

char _license[] SEC("license") = "GPL";
