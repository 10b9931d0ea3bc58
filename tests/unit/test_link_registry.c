/* SPDX-License-Identifier: MIT */
/*
 * What the hook layer will ask: link_attached_progs() for XDP, TCX and
 * raw tracepoint links (which are not compared with the kernel: nothing
 * is attached to a real device there), through create, update, detach and
 * close; plus the XDP and TCX attribute answers bpfx gives.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "api/link_obj.h"
#include "api/obj.h"
#include "tcheck.h"
#include "tinsn.h"

static int load(uint32_t type)
{
	struct bpf_insn p[] = { MOV64_IMM(0, 2), EXIT() };
	union bpf_attr a = { .prog_type = type, .insn_cnt = 2, .insns = (uintptr_t)p,
			     .license = (uintptr_t)"GPL" };
	return bpfx_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

static int link_create(int prog, uint32_t ifindex, uint32_t at)
{
	union bpf_attr a = { .link_create = { .prog_fd = prog, .target_ifindex = ifindex,
					      .attach_type = at } };
	int fd = bpfx_bpf(BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

static struct obj *prog_obj_of(int fd)
{
	int err;
	struct obj *o = fd_get(fd, OBJ_PROG, &err);
	obj_put(o); /* the descriptor keeps it alive: only its address matters */
	return o;
}

/* Whether (type, target) has exactly the programs of fds[0..n), in order. */
static bool attached(uint32_t type, uint64_t target, const int *fds, int n)
{
	struct prog_obj *progs[4];
	int got = link_attached_progs(type, target, progs, 4);
	bool same = got == n;
	for (int i = 0; i < got && i < 4; i++) {
		same = same && i < n && (struct obj *)progs[i] == prog_obj_of(fds[i]);
		obj_put((struct obj *)progs[i]);
	}
	return same;
}

static uint32_t xdp_ifindex(int link)
{
	struct bpf_link_info info;
	memset(&info, 0, sizeof(info));
	union bpf_attr a = { .info = { .bpf_fd = link, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	return bpfx_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) ? ~0u : info.xdp.ifindex;
}

static void xdp(void)
{
	int p1 = load(BPF_PROG_TYPE_XDP), p2 = load(BPF_PROG_TYPE_XDP);
	int l = link_create(p1, 1, BPF_XDP);
	CHECK(l >= 0, "XDP link on lo: %d", l);
	CHECK(link_create(p2, 1, BPF_XDP) == -EBUSY, "a second XDP link on lo: EBUSY");
	CHECK(link_create(p2, 0x7ffffff0, BPF_XDP) == -EINVAL, "no such device: EINVAL");
	CHECK(attached(BPF_XDP, 1, &p1, 1) && xdp_ifindex(l) == 1, "lo runs p1");
	union bpf_attr u = { .link_update = { .link_fd = l, .new_prog_fd = p2 } };
	CHECK(bpfx_bpf(BPF_LINK_UPDATE, &u, sizeof(u)) == 0 && attached(BPF_XDP, 1, &p2, 1),
	      "after LINK_UPDATE lo runs p2");
	union bpf_attr d = { .link_detach = { .link_fd = l } };
	CHECK(bpfx_bpf(BPF_LINK_DETACH, &d, sizeof(d)) == 0 && attached(BPF_XDP, 1, NULL, 0) &&
	      xdp_ifindex(l) == 0, "detached: nothing on lo, ifindex 0");
	int l2 = link_create(p1, 1, BPF_XDP);
	CHECK(l2 >= 0 && attached(BPF_XDP, 1, &p1, 1), "lo free again after detach");
	close(l2);
	fd_sweep();
	CHECK(attached(BPF_XDP, 1, NULL, 0), "closing the last descriptor frees the link");
	close(l);
	close(p1);
	close(p2);
}

static void tcx(void)
{
	int p[2] = { load(BPF_PROG_TYPE_SCHED_CLS), load(BPF_PROG_TYPE_SCHED_CLS) };
	int l1 = link_create(p[0], 1, BPF_TCX_INGRESS), l2 = link_create(p[1], 1, BPF_TCX_INGRESS);
	CHECK(l1 >= 0 && l2 >= 0, "two TCX links on lo: %d %d", l1, l2);
	CHECK(attached(BPF_TCX_INGRESS, 1, p, 2), "in attach order");
	CHECK(attached(BPF_TCX_EGRESS, 1, NULL, 0), "egress is another hook");
	CHECK(link_create(p[0], 0x7ffffff0, BPF_TCX_INGRESS) == -ENODEV, "no such device: ENODEV");
	CHECK(link_create(p[0], 1, BPF_XDP) == -EINVAL, "sched_cls at XDP: EINVAL");
	close(l1);
	fd_sweep();
	CHECK(attached(BPF_TCX_INGRESS, 1, p + 1, 1), "the other stays");
	close(l2);
	close(p[0]);
	close(p[1]);
	fd_sweep();
}

static void raw_tp(void)
{
	int p = load(BPF_PROG_TYPE_RAW_TRACEPOINT);
	union bpf_attr a = { .raw_tracepoint = { .name = (uintptr_t)"bpfx_test", .prog_fd = p } };
	int l = bpfx_bpf(BPF_RAW_TRACEPOINT_OPEN, &a, sizeof(a));
	CHECK(l >= 0 && attached(BPF_TRACE_RAW_TP, link_tp_target("bpfx_test"), &p, 1),
	      "raw tracepoint bpfx_test runs p");
	CHECK(attached(BPF_TRACE_RAW_TP, link_tp_target("bpfx_test2"), NULL, 0), "not another");
	CHECK(link_attached_progs(BPF_TRACE_RAW_TP, link_tp_target("bpfx_test"), NULL, 0) == 1,
	      "counting only");
	CHECK(link_attached_progs(BPF_TRACE_RAW_TP, 0, NULL, 1) == -EINVAL, "no room: EINVAL");
	close(l);
	close(p);
	fd_sweep();
}

int main(void)
{
	xdp();
	tcx();
	raw_tp();
	return t_done("link_registry");
}
