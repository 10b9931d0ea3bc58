/* SPDX-License-Identifier: MIT */
/*
 * Helpers of tc programs and socket filters that read and change the
 * run's skb (struct pkt_skb of hooks/packet.h): offsets count from
 * skb->data (for tc the link-layer header, for socket filters the network
 * header), the buffer is always linear, and errnos follow
 * net/core/filter.c. Called on the program's thread.
 *
 * bpf_skb_load_bytes also serves programs run with a bare packet (the
 * LD_ABS window of bpfx_run_opts), so it reads the run's window, which
 * packet contexts keep equal to their data.
 */
#include <stdatomic.h>
#include <string.h>

#include "helpers/helpers.h"
#include "helpers/pkt_ctx.h"
#include "util/jhash.h"

/* bpf_skb_load_bytes(skb, offset, to, len): like the kernel, an offset or
 * length outside the packet zeroes `to` and returns -EFAULT. */
uint64_t helper_skb_load_bytes(uint64_t skb, uint64_t offset, uint64_t to, uint64_t len,
			       uint64_t r5, struct bpfx_run_ctx *run)
{
	(void)skb;
	if (!helper_mem(run, to, len, true, "bpf_skb_load_bytes"))
		return 0;
	uint64_t avail = run->pkt ? run->pkt_end - run->pkt : 0;
	if (offset > INT32_MAX || len > avail || offset > avail - len) {
		if (len)
			memset((void *)(uintptr_t)to, 0, len);
		return HELPER_ERR(-EFAULT);
	}
	if (len) /* a zero-length copy may name NULL on both sides */
		memcpy((void *)(uintptr_t)to, (const void *)(run->pkt + offset), len);
	return 0;
}

/* bpf_skb_load_bytes_relative(skb, offset, to, len, start): from the MAC
 * or the network header; like skb_load_bytes, a miss zeroes `to`. */
static uint64_t skb_load_bytes_relative(uint64_t ctx, uint64_t offset, uint64_t to, uint64_t len,
					uint64_t start, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_load_bytes_relative");
	if (!s || !helper_mem(run, to, (uint32_t)len, true, "bpf_skb_load_bytes_relative"))
		return 0;
	offset = (uint32_t)offset, len = (uint32_t)len;
	int64_t from = (uint32_t)start == BPF_HDR_START_MAC ? s->mac_off
		       : (uint32_t)start == BPF_HDR_START_NET ? s->net_off : -1000000;
	if (offset > 0xffff || from == -1000000 || from + (int64_t)offset + (int64_t)len > s->len) {
		memset((void *)(uintptr_t)to, 0, len);
		return HELPER_ERR(-EFAULT);
	}
	memcpy((void *)(uintptr_t)to, s->data + from + offset, len);
	return 0;
}

/* bpf_skb_change_type: only between host, broadcast, multicast and
 * otherhost. */
static uint64_t skb_change_type(uint64_t ctx, uint64_t type, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_change_type");
	if (!s)
		return 0;
	if (s->skb.pkt_type > 3 || (uint32_t)type > 3)
		return HELPER_ERR(-EINVAL);
	s->skb.pkt_type = (uint32_t)type;
	return 0;
}

/* bpf_csum_level: the skb's CHECKSUM_UNNECESSARY level (test_run's skbs
 * start with CHECKSUM_NONE). */
static uint64_t csum_level(uint64_t ctx, uint64_t level, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_csum_level");
	if (!s)
		return 0;
	switch (level) {
	case BPF_CSUM_LEVEL_INC:
		if (!s->csum_unnecessary)
			s->csum_unnecessary = true, s->csum_level = 0;
		else if (s->csum_level < 3)
			s->csum_level++;
		return 0;
	case BPF_CSUM_LEVEL_DEC:
		if (s->csum_unnecessary && !s->csum_level)
			s->csum_unnecessary = false;
		else if (s->csum_unnecessary)
			s->csum_level--;
		return 0;
	case BPF_CSUM_LEVEL_RESET:
		s->csum_unnecessary = false, s->csum_level = 0;
		return 0;
	case BPF_CSUM_LEVEL_QUERY:
		return s->csum_unnecessary ? s->csum_level : HELPER_ERR(-EACCES);
	default:
		return HELPER_ERR(-EINVAL);
	}
}

/* bpf_skb_store_bytes(skb, offset, from, len, flags): the written range
 * must lie in the packet (EFAULT). BPF_F_RECOMPUTE_CSUM has nothing to
 * update (test_run's skbs carry no checksum); BPF_F_INVALIDATE_HASH clears
 * the hash. */
static uint64_t skb_store_bytes(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t len,
				uint64_t flags, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_store_bytes");
	if (!s || !helper_mem(run, from, len, false, "bpf_skb_store_bytes"))
		return 0;
	if (flags & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
		return HELPER_ERR(-EINVAL);
	offset = (uint32_t)offset;
	if (offset > INT32_MAX || offset + (uint32_t)len > s->len)
		return HELPER_ERR(-EFAULT);
	memmove(s->data + offset, (const void *)(uintptr_t)from, (uint32_t)len);
	if (flags & BPF_F_INVALIDATE_HASH) {
		s->skb.hash = 0;
		s->hash_fixed = false;
	}
	return 0;
}

/* bpf_skb_pull_data(skb, len): makes len bytes (0: all) direct-access;
 * always true of a linear skb unless len is past its end (ENOMEM). */
static uint64_t skb_pull_data(uint64_t ctx, uint64_t len, uint64_t r3, uint64_t r4,
			      uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_pull_data");
	if (!s)
		return 0;
	if ((uint32_t)len > s->len)
		return HELPER_ERR(-ENOMEM);
	pkt_skb_sync(s, run);
	return 0;
}

/* bpf_skb_change_tail(skb, new_len, flags): no flags; not below the
 * network header, not above SKB_MAX_ALLOC; grown bytes are zero. */
static uint64_t skb_change_tail(uint64_t ctx, uint64_t new_len, uint64_t flags, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_skb_change_tail");
	if (!s)
		return 0;
	uint32_t n = (uint32_t)new_len;
	uint32_t min = s->net_off > 0 ? (uint32_t)s->net_off : 0;
	if (flags || n > PKT_SKB_MAX_ALLOC || n < min)
		return HELPER_ERR(-EINVAL);
	if (s->encapsulation)
		return HELPER_ERR(-524); /* ENOTSUPP */
	if (n > s->len) {
		if (pkt_skb_tailroom(s, n - s->len))
			return HELPER_ERR(-ENOMEM);
		memset(s->data + s->len, 0, n - s->len);
	}
	s->len = n;
	s->skb.gso_size = s->skb.gso_segs = 0; /* skb_gso_reset */
	pkt_skb_sync(s, run);
	return 0;
}

/* The flow hash bpfx gives an skb: jhash of the addresses, protocol and
 * ports (the kernel's flow dissector keys, with a fixed seed where the
 * kernel's is random per boot), never 0. */
static uint32_t flow_hash(const struct pkt_skb *s)
{
	const uint8_t *nh = s->data + s->net_off;
	uint32_t avail = s->net_off >= 0 && (uint32_t)s->net_off < s->len
			 ? s->len - (uint32_t)s->net_off : 0;
	uint8_t key[40] = { 0 };
	uint32_t klen = 4, l4 = 0;
	uint16_t proto = (uint16_t)s->skb.protocol;

	memcpy(key, &proto, 2);
	if (proto == 0x0008 && avail >= 20) {            /* IPv4 */
		memcpy(key + 4, nh + 12, 8);
		key[2] = nh[9];
		klen = 12;
		if (!(nh[6] & 0x3f) && !nh[7])                 /* not a fragment */
			l4 = (uint32_t)(nh[0] & 15) * 4;
	} else if (proto == 0xdd86 && avail >= 40) {     /* IPv6 */
		memcpy(key + 4, nh + 8, 32);
		key[2] = nh[6];
		klen = 36;
		l4 = 40;
	}
	if (l4 && (key[2] == 6 || key[2] == 17) && avail >= l4 + 4) {
		memcpy(key + klen, nh + l4, 4);
		klen += 4;
	}
	uint32_t h = jhash(key, klen, 0x62707866);
	return h ? h : 1;
}

static uint64_t get_hash_recalc(uint64_t ctx, uint64_t r2, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_get_hash_recalc");
	if (!s)
		return 0;
	if (!s->hash_fixed) {
		s->skb.hash = flow_hash(s);
		s->hash_fixed = true;
	}
	return s->skb.hash;
}

static uint64_t set_hash_invalid(uint64_t ctx, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_set_hash_invalid");
	if (s) {
		s->skb.hash = 0;
		s->hash_fixed = false;
	}
	return 0;
}

static uint64_t set_hash(uint64_t ctx, uint64_t hash, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct bpfx_run_ctx *run)
{
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_set_hash");
	if (s) {
		s->skb.hash = (uint32_t)hash;
		s->hash_fixed = true;
	}
	return 0;
}

/* Every test_run skb has a socket of its own; its cookie comes from one
 * process-wide counter on first use, like the kernel's sock_gen_cookie. */
static uint64_t get_socket_cookie(uint64_t ctx, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct bpfx_run_ctx *run)
{
	static _Atomic uint64_t next_cookie = 1;
	struct pkt_skb *s = helper_skb(run, ctx, "bpf_get_socket_cookie");
	if (!s)
		return 0;
	if (!s->cookie)
		s->cookie = atomic_fetch_add(&next_cookie, 1);
	return s->cookie;
}

#define CTX_ONLY { BPFX_ARG_PTR_TO_CTX }
#define CTX_INT { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING }

/* Sorted by id. */
static const struct bpfx_helper skb_helpers[] = {
	{ BPF_FUNC_skb_store_bytes, "bpf_skb_store_bytes", skb_store_bytes, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE,
	    BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes", helper_skb_load_bytes, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_UNINIT_MEM,
	    BPFX_ARG_CONST_SIZE } },
	{ BPF_FUNC_skb_change_type, "bpf_skb_change_type", skb_change_type, BPFX_RET_INTEGER,
	  CTX_INT },
	{ BPF_FUNC_get_hash_recalc, "bpf_get_hash_recalc", get_hash_recalc, BPFX_RET_INTEGER,
	  CTX_ONLY },
	{ BPF_FUNC_skb_change_tail, "bpf_skb_change_tail", skb_change_tail, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_skb_pull_data, "bpf_skb_pull_data", skb_pull_data, BPFX_RET_INTEGER, CTX_INT },
	{ BPF_FUNC_set_hash_invalid, "bpf_set_hash_invalid", set_hash_invalid, BPFX_RET_VOID,
	  CTX_ONLY },
	{ BPF_FUNC_get_socket_cookie, "bpf_get_socket_cookie", get_socket_cookie,
	  BPFX_RET_INTEGER, CTX_ONLY },
	{ BPF_FUNC_set_hash, "bpf_set_hash", set_hash, BPFX_RET_INTEGER, CTX_INT },
	{ BPF_FUNC_skb_load_bytes_relative, "bpf_skb_load_bytes_relative",
	  skb_load_bytes_relative, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_UNINIT_MEM,
	    BPFX_ARG_CONST_SIZE, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_csum_level, "bpf_csum_level", csum_level, BPFX_RET_INTEGER, CTX_INT },
};
HELPER_GROUP(helpers_skb_group, skb_helpers);
