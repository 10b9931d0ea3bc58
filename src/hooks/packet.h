/* SPDX-License-Identifier: MIT */
/*
 * Packet contexts: the one place that owns a packet while an XDP, tc or
 * socket filter program runs on it. An XDP buffer (struct pkt_xdp: the
 * kernel's xdp_buff with headroom, metadata, data, tailroom) and an skb
 * (struct pkt_skb: linear data with the __sk_buff fields the kernel's
 * test_run fills). BPF_PROG_TEST_RUN (api/prog_run.c) and the packet
 * runner of the CLI (bpfx_pkt_runner, hooks/runner.c) both use them, so a
 * packet run from a pcap file is exactly a test run.
 *
 * A context is made once (it maps its buffer below 4 GB, so the 32-bit
 * data/data_end/data_meta fields of xdp_md and __sk_buff are real
 * pointers for programs the verifier has not rewritten) and then loaded
 * with one packet after another on one thread. The packet helpers
 * (helpers/xdp_helpers.c, skb_helpers.c) find the context of the running
 * program through bpfx_run_ctx.hook and change it in place: the context
 * keeps the program's view (xdp_md / __sk_buff), the checked-mode regions
 * and the LD_ABS window in step with the buffer.
 */
#ifndef BPFX_HOOKS_PACKET_H
#define BPFX_HOOKS_PACKET_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

#include <bpfx/bpfx.h>

/* XDP's buffer geometry in the kernel's test_run: a 4 KiB frame, 256
 * bytes of headroom, skb_shared_info's 320 bytes kept free at the end,
 * and struct xdp_frame (40 bytes) reserved at the very start. */
#define PKT_XDP_FRAME 4096u
#define PKT_XDP_HEADROOM 256u
#define PKT_XDP_TAILROOM 320u
#define PKT_XDP_FRAME_HDR 40u
#define PKT_XDP_MAX_META 252u           /* aligned to 4, fits skb_shared_info.meta_len */
/* A frame longer than the linear buffer continues in fragments of a page
 * each (the kernel's multi-buffer XDP), at most MAX_SKB_FRAGS of them. */
#define PKT_XDP_MAX_FRAGS 17u
#define PKT_XDP_FRAG_SIZE 4096u
#define PKT_ETH_HLEN 14u

/* The skb's linear buffer: the kernel's test_run takes at most a page
 * (64 bytes of headroom, skb_shared_info at the end); programs may grow
 * it (to PKT_SKB_MAX_ALLOC, GSO skbs further): the buffer takes the
 * loopback device's MTU plus its header. */
#define PKT_SKB_PAD 64u
#define PKT_SKB_MAX_IN (4096u - PKT_SKB_PAD - PKT_XDP_TAILROOM)
#define PKT_SKB_MAX_LEN (65536u + PKT_ETH_HLEN)
/* What the skb helpers let a program grow it to: SKB_MAX_ALLOC, a
 * 16 KiB allocation less skb_shared_info (filter.c's BPF_SKB_MAX_LEN). */
#define PKT_SKB_MAX_ALLOC (16384u - PKT_XDP_TAILROOM)

enum pkt_kind { PKT_XDP = 1, PKT_SKB };

/* What bpfx_run_ctx.hook points at during a packet run: the first member
 * of both contexts, so helpers can tell which they were given. */
struct pkt_hook {
	enum pkt_kind kind;
};

struct pkt_xdp {
	struct pkt_hook hook;
	struct xdp_md md;              /* the program's view (read-only to it) */
	uint8_t *frame;                /* PKT_XDP_FRAME bytes below 4 GB (owned) */
	uint8_t *meta, *data, *end;    /* the linear buffer, inside frame */
	/* Fragments: frag i holds frag_len[i] bytes at frags + i * FRAG_SIZE
	 * (owned, in the same mapping); programs reach them only through
	 * helpers. out: the whole frame in one piece, for pkt_xdp_frame. */
	uint8_t *frags, *out;
	uint32_t nr_frags, frags_size;
	uint32_t frag_len[PKT_XDP_MAX_FRAGS];
	uint32_t redirect_ifindex;     /* the target bpf_redirect recorded */
	struct bpfx_region regions[2]; /* md; [meta, end) */
};

struct pkt_skb {
	struct pkt_hook hook;
	struct __sk_buff skb;          /* the program's view */
	uint8_t *buf;                  /* PKT_SKB_BUF bytes below 4 GB (owned) */
	uint8_t *data;                 /* skb->data: the MAC header for tc */
	uint32_t len;                  /* skb->len (the buffer is always linear) */
	int32_t mac_off, net_off;      /* headers, relative to data */
	uint16_t mac_len;              /* skb->mac_len */
	bool l2;                       /* tc (data at the MAC header), else a socket filter */
	bool hash_fixed;               /* a hash was computed or set (sw/l4 hash) */
	bool vlan_present;
	uint16_t vlan_proto;           /* big-endian, as stored */
	uint16_t vlan_tci;
	bool csum_unnecessary;         /* ip_summed: CHECKSUM_UNNECESSARY, else NONE */
	bool encapsulation;            /* adjust_room added an outer L3 header */
	uint8_t csum_level;
	uint64_t cookie;               /* the socket's cookie, 0 until asked */
	uint32_t redirect_ifindex;
	uint32_t redirect_flags;
	struct bpfx_region regions[2]; /* skb; [data, data + len) */
};

/* Memory for a context's buffer: `size` bytes whose addresses fit in 32
 * bits, or NULL. Freed with pkt_low_free. */
void *pkt_low_alloc(size_t size);
void pkt_low_free(void *p, size_t size);

/* ---- XDP (hooks/packet_xdp.c) ---- */

int pkt_xdp_init(struct pkt_xdp *x);
void pkt_xdp_fini(struct pkt_xdp *x);

/* Loads one packet as the kernel's bpf_prog_test_run_xdp does: `ctx`
 * (NULL: none) is a user xdp_md whose data is the metadata length at the
 * start of `in` and data_end the end of the linear part (the rest goes to
 * fragments, as does what the linear buffer cannot hold), data_meta 0, no
 * egress ifindex. -EINVAL for what the kernel refuses, -ENODEV for an
 * ifindex bpfx lacks, -ENOMEM beyond 17 fragments. */
int pkt_xdp_load(struct pkt_xdp *x, const void *in, uint32_t size, const struct xdp_md *ctx);

/* Runs prog on the loaded packet (checked). Returns 0 or a negative errno. */
int pkt_xdp_run(struct pkt_xdp *x, const struct bpfx_prog *prog, struct bpfx_run_result *res);

/* The xdp_md test_run hands back: data and data_end relative to the
 * metadata, the rest as given. */
void pkt_xdp_ctx_out(const struct pkt_xdp *x, const struct xdp_md *in, struct xdp_md *out);

/* After a helper moved meta/data/end: refresh md and the regions. */
void pkt_xdp_sync(struct pkt_xdp *x);

/* The frame from `from` (meta or data) to the end of the last fragment,
 * in one piece (x->out when there are fragments). */
const uint8_t *pkt_xdp_frame(struct pkt_xdp *x, const uint8_t *from, uint32_t *len);

/* Bytes of the whole frame from data (linear part and fragments), and
 * copies between it and `buf` (to_frame: into the frame); the range must
 * lie inside. */
uint32_t pkt_xdp_len(const struct pkt_xdp *x);
void pkt_xdp_copy(struct pkt_xdp *x, uint32_t off, void *buf, uint32_t len, bool to_frame);

/* ---- skb: tc and socket filters (hooks/packet_skb.c) ---- */

int pkt_skb_init(struct pkt_skb *s);
void pkt_skb_fini(struct pkt_skb *s);

/* Loads one frame as bpf_prog_test_run_skb does: eth_type_trans on the
 * loopback device, the Ethernet header pushed back for tc (l2), then the
 * user's __sk_buff (ctx, NULL: none) with the fields the kernel accepts
 * (mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len,
 * gso_segs, gso_size, hwtstamp; anything else non-zero is -EINVAL). */
int pkt_skb_load(struct pkt_skb *s, const void *in, uint32_t size, bool l2,
		 const struct __sk_buff *ctx);

int pkt_skb_run(struct pkt_skb *s, const struct bpfx_prog *prog, struct bpfx_run_result *res);

/* After the run: the frame test_run reports (a socket filter's Ethernet
 * header pushed back, zeroed) and the __sk_buff it writes back. */
void pkt_skb_frame(struct pkt_skb *s, const uint8_t **data, uint32_t *len);
void pkt_skb_ctx_out(const struct pkt_skb *s, const struct __sk_buff *in, struct __sk_buff *out);

/* After a helper changed data/len/headers: refresh the view, regions and
 * the LD_ABS window of `run` (NULL: none). */
void pkt_skb_sync(struct pkt_skb *s, struct bpfx_run_ctx *run);

/* Makes room for `n` more bytes before data (-ENOMEM when the buffer has
 * none left) or after data + len (beyond PKT_SKB_MAX_LEN: -ENOMEM). */
int pkt_skb_headroom(struct pkt_skb *s, uint32_t n);
int pkt_skb_tailroom(struct pkt_skb *s, uint32_t n);

#endif /* BPFX_HOOKS_PACKET_H */
