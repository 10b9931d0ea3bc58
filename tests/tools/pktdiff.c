/* SPDX-License-Identifier: MIT */
/*
 * pktdiff OBJ: runs every packet program (XDP, tc, socket filter) of OBJ
 * in bpfx and in the kernel (loaded with libbpf, used only to ask the
 * kernel) through BPF_PROG_TEST_RUN, on the same packets: nine frames
 * (IPv4 TCP/UDP, IPv6, VLAN, QinQ, ARP, tiny, large, a 9 KB jumbo for XDP fragments) times 96 parameter
 * sets carried in each packet's last 16 bytes (see
 * tests/packet_progs/ sources), with and without a user context. errno,
 * return value, output bytes and output context must be identical.
 * Then the contexts test_run refuses (bad xdp_md / __sk_buff fields, short
 * data, small output buffers): the same errnos. Without bpf(), only the
 * bpfx runs are checked (none may fault) and the comparison is skipped,
 * saying why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tcheck.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

#define NFRAMES 9
#define NPARAMS 96
#define MAX_PKT 9100

static uint8_t frames[NFRAMES][MAX_PKT];
static uint32_t frame_len[NFRAMES];

static uint16_t csum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4 header + L4 header + payload at p; returns the length. */
static uint32_t put_ipv4(uint8_t *p, uint8_t proto, uint32_t payload, bool udp_csum)
{
	uint32_t l4 = proto == 6 ? 20 : 8, tot = 20 + l4 + payload;
	memset(p, 0, tot);
	p[0] = 0x45, p[2] = (uint8_t)(tot >> 8), p[3] = (uint8_t)tot, p[5] = 7, p[8] = 64;
	p[9] = proto;
	p[12] = 10, p[15] = 1, p[16] = 10, p[19] = 2;
	for (uint32_t i = 0; i < payload; i++)
		p[20 + l4 + i] = (uint8_t)(i * 7 + 3);
	p[20] = 0x30, p[21] = 0x39, p[22] = 0, p[23] = 80;
	if (proto == 6)
		p[32] = 0x50, p[33] = 0x18;
	else
		p[24] = (uint8_t)((8 + payload) >> 8), p[25] = (uint8_t)(8 + payload);
	uint16_t c = csum16(p, 20, 0);
	p[10] = (uint8_t)(c >> 8), p[11] = (uint8_t)c;
	if (proto == 6 || udp_csum) {
		uint32_t ph = 10 + 1 + 10 + 2 + proto + l4 + payload;
		c = csum16(p + 20, l4 + payload, ph);
		p[20 + (proto == 6 ? 16 : 6)] = (uint8_t)(c >> 8);
		p[20 + (proto == 6 ? 17 : 7)] = (uint8_t)c;
	}
	return tot;
}

static void build_frames(void)
{
	static const uint8_t eth[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	for (int i = 0; i < NFRAMES; i++) {
		uint8_t *p = frames[i];
		uint32_t n = 14;
		memcpy(p, eth, 12);
		p[12] = 0x08, p[13] = 0x00;
		switch (i) {
		case 0: n += put_ipv4(p + 14, 6, 20, false); break;
		case 1: n += put_ipv4(p + 14, 17, 12, false); break;
		case 2: /* IPv6/TCP */
			p[12] = 0x86, p[13] = 0xdd;
			memset(p + 14, 0, 60);
			p[14] = 0x60, p[19] = 20, p[20] = 6, p[21] = 64, p[37] = 1, p[53] = 2;
			p[54] = 0x30, p[55] = 0x39, p[57] = 0x50, p[66] = 0x50;
			n += 60;
			break;
		case 3: /* VLAN 100, IPv4/UDP */
			p[12] = 0x81, p[13] = 0, p[14] = 0, p[15] = 100, p[16] = 8, p[17] = 0;
			n = 18 + put_ipv4(p + 18, 17, 20, true);
			break;
		case 4: /* QinQ 5/6, IPv4/ICMP */
			p[12] = 0x88, p[13] = 0xa8, p[14] = 0, p[15] = 5, p[16] = 0x81, p[17] = 0;
			p[18] = 0, p[19] = 6, p[20] = 8, p[21] = 0;
			n = 22 + put_ipv4(p + 22, 1, 24, false);
			break;
		case 5: p[12] = 8, p[13] = 6; memset(p + 14, 0x11, 28); n = 42; break; /* ARP */
		case 6: break;                                                  /* tiny */
		case 7: n += put_ipv4(p + 14, 17, 1360, true); break;           /* large */
		default: n += put_ipv4(p + 14, 17, 8950, true); break;          /* XDP fragments */
		}
		frame_len[i] = n + 16; /* the parameters go at the end */
	}
}

/* Values that sit on the helpers' boundaries (offsets of checksum
 * fields, the XDP frame's headroom and tailroom, 16-bit limits). */
static const int32_t vals[] = {
	0, 1, -1, 2, 3, 4, 8, 12, 14, 16, 20, 24, 28, 36, 40, 44, 50, 54, 70,
	-4, -8, -12, -14, -20, -32, -40, -64, -200, -215, -216, -217, -220, -256,
	100, 252, 255, 256, 1000, 3000, 3420, 3500, 4000, 0xffff, 0x10000, -100000,
	0x7fffffff, 0x12345678, (int32_t)0x80000000, 15900, 15974, 15975, 16064,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))
static int32_t params[NPARAMS][4];

static void build_params(void)
{
	uint32_t seed = 12345;
	for (int i = 0; i < NPARAMS; i++) {
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			params[i][k] = vals[(seed >> 16) % NVALS];
		}
		/* p1 often selects modes and flags: small values. */
		params[i][1] = i < 48 ? i % 48 : (i % 3 == 0 ? 0x100 + i % 4 : params[i][1]);
		if (i < 16)
			params[i][0] = (int32_t[]){ 24, 40, 50, 70, 44, 54, 26, 0 }[i % 8];
	}
}

/* One run's record. */
struct run {
	int err;
	uint32_t retval, size_out, ctx_size_out;
	uint8_t out[16384];
	uint8_t ctx[256];
};

static const struct __sk_buff skb_ctx = {
	.mark = 7, .priority = 3, .ingress_ifindex = 1, .cb = { 1, 2, 3, 4, 5 },
	.tstamp = 1000, .gso_segs = 2, .gso_size = 100,
};

static void test_run(bpf_fn sys, int fd, const uint8_t *in, uint32_t len, const void *ctx,
		     uint32_t ctx_len, uint32_t out_len, struct run *r)
{
	memset(r, 0, sizeof(*r));
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)fd, .data_in = (uintptr_t)in,
				       .data_size_in = len, .data_out = (uintptr_t)r->out,
				       .data_size_out = out_len } };
	if (ctx) {
		t.test.ctx_in = (uintptr_t)ctx;
		t.test.ctx_size_in = ctx_len;
		t.test.ctx_out = (uintptr_t)r->ctx;
		t.test.ctx_size_out = ctx_len < sizeof(r->ctx) ? ctx_len : sizeof(r->ctx);
	}
	r->err = sys(BPF_PROG_TEST_RUN, &t, sizeof(t)) < 0 ? errno : 0;
	r->retval = t.test.retval;
	r->size_out = t.test.data_size_out;
	r->ctx_size_out = t.test.ctx_size_out;
}

static bool same(const struct run *a, const struct run *b)
{
	uint32_t n = a->size_out < sizeof(a->out) ? a->size_out : sizeof(a->out);
	return a->err == b->err && a->retval == b->retval && a->size_out == b->size_out &&
	       a->ctx_size_out == b->ctx_size_out && !memcmp(a->out, b->out, n) &&
	       !memcmp(a->ctx, b->ctx, sizeof(a->ctx));
}

static void show(const char *who, const struct run *r)
{
	fprintf(stderr, "    %-6s err %d ret 0x%x len %u ctx %u:", who, r->err, r->retval,
		r->size_out, r->ctx_size_out);
	for (uint32_t i = 0; i < r->size_out && i < 80; i++)
		fprintf(stderr, "%s%02x", i % 4 ? "" : " ", r->out[i]);
	fprintf(stderr, "\n           ctx:");
	for (uint32_t i = 0; i < r->ctx_size_out && i < sizeof(r->ctx); i++)
		fprintf(stderr, "%s%02x", i % 4 ? "" : " ", r->ctx[i]);
	fprintf(stderr, "\n");
}

/* One packet: frame f with parameter set k; XDP with ctx gets 8 bytes of
 * metadata in front. Returns the length. */
static uint32_t make_packet(uint8_t *buf, int f, int k, bool meta)
{
	uint32_t off = meta ? 8 : 0;
	for (uint32_t i = 0; i < off; i++)
		buf[i] = (uint8_t)(0x10 + i);
	memcpy(buf + off, frames[f], frame_len[f] - 16);
	memcpy(buf + off + frame_len[f] - 16, params[k], 16);
	return off + frame_len[f];
}

struct sides {
	int mine, theirs;      /* program descriptors; theirs -1 without a kernel */
	uint32_t type;
};

static void diff_prog(const char *name, const struct sides *s)
{
	static uint8_t pkt[MAX_PKT + 64];
	static struct run a, b;
	int runs = 0, differ = 0, faults = 0;
	bool xdp = s->type == BPF_PROG_TYPE_XDP;

	for (int f = 0; f < NFRAMES; f++)
		for (int k = 0; k < NPARAMS; k++)
			for (int c = 0; c < 2; c++) {
				uint32_t len = make_packet(pkt, f, k, xdp && c);
				struct xdp_md md = { .data = 8, .data_end = len };
				const void *ctx = !c ? NULL : xdp ? (const void *)&md : &skb_ctx;
				uint32_t clen = xdp ? sizeof(md) : sizeof(skb_ctx);
				test_run(bpfx_bpf, s->mine, pkt, len, ctx, clen, sizeof(a.out), &a);
				runs++;
				faults += a.err == EFAULT;
				if (s->theirs < 0)
					continue;
				test_run(kbpf_sys, s->theirs, pkt, len, ctx, clen, sizeof(b.out), &b);
				if (same(&a, &b))
					continue;
				if (differ++ < 3) {
					fprintf(stderr, "  %s frame %d params %d %d %d %d ctx %d:\n",
						name, f, params[k][0], params[k][1], params[k][2],
						params[k][3], c);
					show("bpfx", &a);
					show("kernel", &b);
				}
			}
	CHECK(faults == 0, "%s: %d of %d bpfx runs faulted", name, faults, runs);
	if (s->theirs >= 0)
		CHECK(differ == 0, "%s: %d of %d runs differ from the kernel's", name, differ, runs);
}

/* Contexts and buffers test_run refuses, one program of each kind. */
static void diff_refusals(const struct sides *s)
{
	static struct run a, b;
	static uint8_t pkt[MAX_PKT + 64];
	bool xdp = s->type == BPF_PROG_TYPE_XDP;
	uint32_t len = make_packet(pkt, 0, 0, false);
	struct xdp_md x[] = {
		{ .data_end = len }, { .data_meta = 4, .data_end = len }, { .data_end = len - 1 },
		{ .data = 3, .data_end = len }, { .data = 12, .data_end = 8 },
		{ .data = 256, .data_end = len }, { .data_end = len, .egress_ifindex = 1 },
		{ .data_end = len, .rx_queue_index = 1 }, { .data_end = len, .ingress_ifindex = 1 },
		{ .data_end = len, .ingress_ifindex = 999 }, { .data = 4, .data_end = len },
	};
	struct __sk_buff k[] = {
		{ .mark = 1 }, { .len = 5 }, { .ifindex = 999 }, { .ifindex = 1, .priority = 9 },
		{ .wire_len = 10 }, { .wire_len = 70000 }, { .wire_len = 2000 },
		{ .gso_segs = 70000 }, { .hash = 1 }, { .tc_index = 1 }, { .data = 1 },
		{ .hwtstamp = 5, .gso_size = 9 }, { .napi_id = 1 },
	};
	size_t n = xdp ? sizeof(x) / sizeof(x[0]) : sizeof(k) / sizeof(k[0]);
	for (size_t i = 0; i < n + 6; i++) {
		const void *ctx = i < n ? (xdp ? (const void *)&x[i] : (const void *)&k[i]) : NULL;
		uint32_t clen = xdp ? sizeof(x[0]) : sizeof(k[0]), plen = len, olen = sizeof(a.out);
		if (i == n)
			plen = 14;                   /* just an Ethernet header */
		else if (i == n + 1)
			plen = 13;
		else if (i == n + 2)
			olen = 20;                   /* ENOSPC, the rest reported */
		else if (i == n + 3)
			plen = 4000;                 /* longer than a page */
		uint8_t big[512] = { 0 };
		if (i == n + 4 || i == n + 5) {      /* a larger context with a tail */
			memcpy(big, xdp ? (const void *)&x[0] : (const void *)&k[0], clen);
			big[300] = (uint8_t)(i == n + 5);
			ctx = big, clen = sizeof(big);
		}
		test_run(bpfx_bpf, s->mine, pkt, plen, ctx, clen, olen, &a);
		if (s->theirs < 0)
			continue;
		test_run(kbpf_sys, s->theirs, pkt, plen, ctx, clen, olen, &b);
		if (!CHECK(same(&a, &b), "%s refusal case %zu: bpfx err %d ret %u, kernel err %d "
			   "ret %u", xdp ? "xdp" : "skb", i, a.err, a.retval, b.err, b.retval)) {
			show("bpfx", &a);
			show("kernel", &b);
		}
	}
}

/* Redirect maps get the loopback device at key 1 on both sides. */
static void fill_devmaps(struct bpfx_object *mine, struct bpf_object *theirs)
{
	uint32_t key = 1, dev = 1;
	for (size_t i = 0; i < bpfx_object__map_cnt(mine); i++) {
		struct bpfx_map *m = bpfx_object__map(mine, i);
		if (bpfx_map__type(m) != BPF_MAP_TYPE_DEVMAP)
			continue;
		union bpf_attr a = { .map_fd = (uint32_t)bpfx_map__fd(m), .key = (uintptr_t)&key,
				     .value = (uintptr_t)&dev };
		CHECK(bpfx_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)) == 0, "bpfx devmap update: %s",
		      strerror(errno));
		struct bpf_map *km = theirs ? bpf_object__find_map_by_name(theirs, bpfx_map__name(m))
					    : NULL;
		a.map_fd = km ? (uint32_t)bpf_map__fd(km) : 0;
		if (km)
			CHECK(kbpf_sys(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)) == 0,
			      "kernel devmap update: %s", strerror(errno));
	}
}

static bool is_packet_prog(uint32_t type)
{
	return type == BPF_PROG_TYPE_XDP || type == BPF_PROG_TYPE_SCHED_CLS ||
	       type == BPF_PROG_TYPE_SOCKET_FILTER;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pktdiff OBJ\n");
		return 2;
	}
	build_frames();
	build_params();
	int err = 0;
	struct bpfx_object_opts oo = { .sz = sizeof(oo) };
	struct bpfx_object *mine = bpfx_object__open(argv[1], &oo, &err);
	if (!CHECK(mine && !bpfx_object__load(mine), "bpfx loads %s (%d)", argv[1], err))
		return t_done("packets");
	const char *why = kbpf_unavailable();
	struct bpf_object *theirs = NULL;
	if (why) {
		t_skip("kernel comparison of %s: %s", argv[1], why);
	} else {
		libbpf_set_print(NULL);
		theirs = bpf_object__open_file(argv[1], NULL);
		if (!CHECK(theirs && !bpf_object__load(theirs), "the kernel loads %s", argv[1]))
			return t_done("packets");
	}
	fill_devmaps(mine, theirs);
	bool refused_xdp = false, refused_skb = false;
	for (size_t i = 0; i < bpfx_object__program_cnt(mine); i++) {
		struct bpfx_program *p = bpfx_object__program(mine, i);
		struct sides s = { bpfx_program__fd(p), -1, bpfx_program__type(p) };
		if (!is_packet_prog(s.type))
			continue;
		if (theirs) {
			struct bpf_program *kp =
				bpf_object__find_program_by_name(theirs, bpfx_program__name(p));
			s.theirs = kp ? bpf_program__fd(kp) : -1;
		}
		diff_prog(bpfx_program__name(p), &s);
		bool *done = s.type == BPF_PROG_TYPE_XDP ? &refused_xdp : &refused_skb;
		if (!*done && s.type != BPF_PROG_TYPE_SOCKET_FILTER) {
			diff_refusals(&s);
			*done = true;
		}
	}
	bpf_object__close(theirs);
	bpfx_object__close(mine);
	return t_done("packets");
}
