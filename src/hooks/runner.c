/* SPDX-License-Identifier: MIT */
/*
 * bpfx_pkt_runner: a packet program and one packet context of
 * hooks/packet.h, reused frame after frame. Each frame is loaded and run
 * exactly as BPF_PROG_TEST_RUN does without a user context, so a pcap run
 * is a sequence of test runs. Owned and used by one thread at a time.
 */
#include <errno.h>
#include <string.h>

#include "api/obj.h"
#include "api/prog_obj.h"
#include "hooks/packet.h"
#include "util/alloc.h"
#include "vm/vm.h"

struct bpfx_pkt_runner {
	struct prog_obj *prog;         /* one reference */
	uint32_t type;
	union {
		struct pkt_xdp xdp;
		struct pkt_skb skb;
	} ctx;
};

static bool is_skb_type(uint32_t type)
{
	return type == BPF_PROG_TYPE_SCHED_CLS || type == BPF_PROG_TYPE_SCHED_ACT ||
	       type == BPF_PROG_TYPE_SOCKET_FILTER;
}

struct bpfx_pkt_runner *bpfx_pkt_runner__new(int prog_fd, int *err)
{
	int e = 0;
	struct obj *o = fd_get(prog_fd, OBJ_PROG, &e);
	struct bpfx_pkt_runner *r = NULL;

	if (!o)
		goto fail;
	struct prog_obj *p = (struct prog_obj *)o;
	if (p->type != BPF_PROG_TYPE_XDP && !is_skb_type(p->type)) {
		e = -EINVAL;
		goto fail;
	}
	if (!(r = mem_zalloc(sizeof(*r)))) {
		e = -ENOMEM;
		goto fail;
	}
	r->prog = p;
	r->type = p->type;
	e = p->type == BPF_PROG_TYPE_XDP ? pkt_xdp_init(&r->ctx.xdp) : pkt_skb_init(&r->ctx.skb);
	if (e) {
		mem_free(r);
		r = NULL;
		goto fail;
	}
	return r;
fail:
	if (o)
		obj_put(o);
	if (err)
		*err = e;
	return NULL;
}

void bpfx_pkt_runner__free(struct bpfx_pkt_runner *r)
{
	if (!r)
		return;
	if (r->type == BPF_PROG_TYPE_XDP)
		pkt_xdp_fini(&r->ctx.xdp);
	else
		pkt_skb_fini(&r->ctx.skb);
	obj_put(&r->prog->obj);
	mem_free(r);
}

enum bpf_prog_type bpfx_pkt_runner__prog_type(const struct bpfx_pkt_runner *r)
{
	return (enum bpf_prog_type)r->type;
}

static int run_xdp(struct bpfx_pkt_runner *r, const void *frame, uint32_t len,
		   struct bpfx_run_result *vr, struct bpfx_pkt_result *res)
{
	struct pkt_xdp *x = &r->ctx.xdp;
	int err = pkt_xdp_load(x, frame, len, NULL);
	if (!err)
		err = pkt_xdp_run(x, r->prog->prog, vr);
	res->data = pkt_xdp_frame(x, x->data, &res->len);
	res->redirect_ifindex = x->redirect_ifindex;
	return err;
}

static int run_skb(struct bpfx_pkt_runner *r, const void *frame, uint32_t len,
		   struct bpfx_run_result *vr, struct bpfx_pkt_result *res)
{
	struct pkt_skb *s = &r->ctx.skb;
	int err = pkt_skb_load(s, frame, len, r->type != BPF_PROG_TYPE_SOCKET_FILTER, NULL);
	if (!err)
		err = pkt_skb_run(s, r->prog->prog, vr);
	if (!err)
		pkt_skb_frame(s, &res->data, &res->len);
	res->redirect_ifindex = s->redirect_ifindex;
	return err;
}

int bpfx_pkt_runner__run(struct bpfx_pkt_runner *r, const void *frame, uint32_t len,
			 struct bpfx_pkt_result *res)
{
	struct bpfx_run_result vr;

	if (!r || !res || (!frame && len))
		return -EINVAL;
	/* Per frame: only what the result needs, no clearing of the whole. */
	vr.r0 = 0;
	vr.fault_msg[0] = '\0';
	res->data = NULL;
	res->len = 0;
	int err = r->type == BPF_PROG_TYPE_XDP ? run_xdp(r, frame, len, &vr, res)
					       : run_skb(r, frame, len, &vr, res);
	res->verdict = (uint32_t)vr.r0;
	res->fault_msg[0] = '\0';
	if (err) {
		memcpy(res->fault_msg, vr.fault_msg, sizeof(res->fault_msg));
		res->data = NULL;
		res->len = 0;
	}
	return err;
}
