/* SPDX-License-Identifier: MIT */
/*
 * BPF_PROG_TEST_RUN: runs a loaded program once (or `repeat` times) on
 * input the caller gives, with the context the program type expects, and
 * reports what the kernel reports. Program types get their context as the
 * hooks come; today: BPF_PROG_TYPE_SYSCALL, whose context is plain user
 * memory (ctx_in), written back after the run like the kernel does;
 * XDP, tc (SCHED_CLS, SCHED_ACT) and socket filters over data_in.
 * Runs are checked until the verifier exists.
 *
 * Packets live in the contexts of hooks/packet.h (the same the packet
 * runner uses): placed below 4 GB so the 32-bit data/data_end/data_meta
 * fields of xdp_md and __sk_buff are real pointers for unmodified
 * programs. (The kernel's verifier rewrites those loads to 64-bit ones;
 * bpfx's will too, and this placement then stops mattering.) Checked mode
 * bounds every access to the packet and the context.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>

#include "api/cmds.h"
#include "api/prog_obj.h"
#include "hooks/packet.h"
#include "util/alloc.h"
#include "vm/vm.h"

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* The kernel's bpf_prog_test_run_syscall. */
static int run_syscall(struct prog_obj *p, union bpf_attr *attr)
{
	uint32_t size = attr->test.ctx_size_in;
	void *ctx = NULL;

	if (attr->test.data_in || attr->test.data_out || attr->test.ctx_out ||
	    attr->test.duration || attr->test.repeat || attr->test.flags ||
	    attr->test.data_size_in || attr->test.data_size_out || attr->test.ctx_size_out)
		return -EINVAL;
	if (size > UINT16_MAX)
		return -EINVAL;
	if (size) {
		if (!attr->test.ctx_in)
			return -EINVAL;
		if (!(ctx = mem_alloc(size)))
			return -ENOMEM;
		memcpy(ctx, uptr(attr->test.ctx_in), size);
	}
	struct bpfx_region region = { ctx, size, true };
	struct bpfx_run_opts ro = {
		.sz = sizeof(ro), .r1 = (uintptr_t)ctx, .checked = true,
		.regions = ctx ? &region : NULL, .region_cnt = ctx ? 1 : 0,
	};
	struct bpfx_run_result res;
	int err = bpfx_prog__run(p->prog, &ro, &res);
	if (!err) {
		attr->test.retval = (uint32_t)res.r0;
		if (size)
			memcpy(uptr(attr->test.ctx_in), ctx, size);
	}
	mem_free(ctx);
	return err;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The kernel's bpf_test_finish: data_out (ENOSPC when it is too small, the
 * rest still reported), sizes, retval, duration. */
static int finish(union bpf_attr *attr, const void *data, uint32_t size, uint32_t retval,
		  uint32_t duration)
{
	int err = 0;
	uint32_t copy = size;

	if (attr->test.data_out) {
		if (attr->test.data_size_out && attr->test.data_size_out < copy) {
			copy = attr->test.data_size_out;
			err = -ENOSPC;
		}
		memcpy(uptr(attr->test.data_out), data, copy);
	}
	attr->test.data_size_out = size;
	attr->test.retval = retval;
	attr->test.duration = duration;
	return err;
}

/* The kernel's bpf_ctx_init: no context unless ctx_in or ctx_out is
 * given; then `max` zeroed bytes with ctx_in copied over them (a larger
 * ctx_in must have a zero tail, E2BIG otherwise, and at most a page). */
static int ctx_init(const union bpf_attr *attr, void *ctx, uint32_t max, bool *have)
{
	uint32_t size = attr->test.ctx_size_in;

	*have = attr->test.ctx_in || attr->test.ctx_out;
	memset(ctx, 0, max);
	if (!attr->test.ctx_in)
		return 0;
	if (size > 4096)
		return -E2BIG;
	const uint8_t *in = uptr(attr->test.ctx_in);
	for (uint32_t i = max; i < size; i++)
		if (in[i])
			return -E2BIG;
	memcpy(ctx, in, size < max ? size : max);
	return 0;
}

/* The kernel's bpf_ctx_finish: ctx_out (ENOSPC when too small). */
static int ctx_finish(union bpf_attr *attr, const void *ctx, uint32_t size)
{
	int err = 0;
	uint32_t copy = size;

	if (!attr->test.ctx_out)
		return 0;
	if (copy > attr->test.ctx_size_out) {
		copy = attr->test.ctx_size_out;
		err = -ENOSPC;
	}
	memcpy(uptr(attr->test.ctx_out), ctx, copy);
	attr->test.ctx_size_out = size;
	return err;
}

/* The kernel's bpf_prog_test_run_xdp, without live frames: ctx_in may
 * carry metadata (xdp_md.data bytes at the start of data_in) and end the
 * linear part early; what follows goes to fragments. */
static int run_xdp(struct prog_obj *p, union bpf_attr *attr)
{
	uint32_t repeat = attr->test.repeat ? attr->test.repeat : 1;
	struct xdp_md ctx;
	struct pkt_xdp x;
	bool have_ctx;
	int err;

	if (p->expected_attach_type == BPF_XDP_DEVMAP || p->expected_attach_type == BPF_XDP_CPUMAP)
		return -EINVAL;
	if (attr->test.flags & ~(uint32_t)BPF_F_TEST_XDP_LIVE_FRAMES)
		return -EINVAL;
	if (attr->test.flags & BPF_F_TEST_XDP_LIVE_FRAMES)
		return -EOPNOTSUPP; /* live frames need a network stack to send to */
	if (attr->test.batch_size)
		return -EINVAL;
	if ((err = ctx_init(attr, &ctx, sizeof(ctx), &have_ctx)))
		return err;
	if (!attr->test.data_in)
		return -EINVAL;
	if ((err = pkt_xdp_init(&x)))
		return err;
	err = pkt_xdp_load(&x, uptr(attr->test.data_in), attr->test.data_size_in,
			   have_ctx ? &ctx : NULL);
	struct bpfx_run_result res;
	uint64_t total = 0;
	/* Like the kernel, repeated runs share the buffer: a program that
	 * changes its packet sees its own changes the next time. Like its
	 * bpf_test_timer, the clock is read around the loop, not each run
	 * (on a VM a clock read costs as much as a short program). */
	uint64_t start = now_ns();
	for (uint32_t i = 0; i < repeat && !err; i++)
		err = pkt_xdp_run(&x, p->prog, &res);
	total = now_ns() - start;
	if (!err) {
		uint32_t len;
		const uint8_t *frame = pkt_xdp_frame(&x, x.meta, &len);
		err = finish(attr, frame, len, (uint32_t)res.r0, (uint32_t)(total / repeat));
	}
	if (!err && have_ctx) {
		struct xdp_md out;
		pkt_xdp_ctx_out(&x, &ctx, &out);
		err = ctx_finish(attr, &out, sizeof(out));
	}
	pkt_xdp_fini(&x);
	return err;
}

/* The kernel's bpf_prog_test_run_skb: eth_type_trans pulls the Ethernet
 * header (tc programs get it pushed back: they see the frame from its
 * link-layer header; socket filters from the network header, where
 * LD_ABS offset 0 reads); ctx_in sets the fields the kernel lets it. */
static int run_skb(struct prog_obj *p, union bpf_attr *attr, bool l2)
{
	uint32_t repeat = attr->test.repeat ? attr->test.repeat : 1;
	struct __sk_buff ctx;
	struct pkt_skb s;
	bool have_ctx;
	int err;

	if (attr->test.flags || attr->test.cpu || attr->test.batch_size)
		return -EINVAL;
	if (!attr->test.data_in || attr->test.data_size_in < PKT_ETH_HLEN ||
	    attr->test.data_size_in > PKT_SKB_MAX_IN)
		return -EINVAL;
	if ((err = ctx_init(attr, &ctx, sizeof(ctx), &have_ctx)))
		return err;
	if ((err = pkt_skb_init(&s)))
		return err;
	err = pkt_skb_load(&s, uptr(attr->test.data_in), attr->test.data_size_in, l2,
			   have_ctx ? &ctx : NULL);
	struct bpfx_run_result res;
	uint64_t total = 0;
	uint64_t start = now_ns();
	for (uint32_t i = 0; i < repeat && !err; i++)
		err = pkt_skb_run(&s, p->prog, &res);
	total = now_ns() - start;
	if (!err) {
		const uint8_t *frame;
		uint32_t len;
		pkt_skb_frame(&s, &frame, &len);
		err = finish(attr, frame, len, (uint32_t)res.r0, (uint32_t)(total / repeat));
	}
	if (!err && have_ctx) {
		struct __sk_buff out;
		pkt_skb_ctx_out(&s, &ctx, &out);
		err = ctx_finish(attr, &out, sizeof(out));
	}
	pkt_skb_fini(&s);
	return err;
}

int cmd_prog_test_run(union bpf_attr *attr)
{
	int err = 0;
	struct obj *o = fd_get((int)attr->test.prog_fd, OBJ_PROG, &err);

	if (!o)
		return err;
	struct prog_obj *p = (struct prog_obj *)o;
	if (attr->test.flags & ~(uint32_t)(BPF_F_TEST_RUN_ON_CPU | BPF_F_TEST_XDP_LIVE_FRAMES))
		err = -EINVAL;
	else if (p->type == BPF_PROG_TYPE_SYSCALL)
		err = run_syscall(p, attr);
	else if (p->type == BPF_PROG_TYPE_XDP)
		err = run_xdp(p, attr);
	else if (p->type == BPF_PROG_TYPE_SCHED_CLS || p->type == BPF_PROG_TYPE_SCHED_ACT)
		err = run_skb(p, attr, true);
	else if (p->type == BPF_PROG_TYPE_SOCKET_FILTER)
		err = run_skb(p, attr, false);
	else
		err = -EOPNOTSUPP; /* other program types: their contexts come with the hooks */
	obj_put(o);
	return err;
}
