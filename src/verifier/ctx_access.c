/* SPDX-License-Identifier: MIT */
/*
 * Which context fields a program type may read or write, with which
 * sizes, and what a load of them gives (the kernel's per-type
 * is_valid_access: sk_filter, tc_cls_act, xdp, syscall, kprobe,
 * tracepoint, raw tracepoint). Pure functions of the program type.
 */
#include <linux/bpf.h>
#include <stddef.h>

#include "verifier/ctx_access.h"

#define END(T, f) (offsetof(T, f) + sizeof(((T *)0)->f))
#define IN(off, T, f) ((off) >= (int)offsetof(T, f) && (off) < (int)END(T, f))
#define SKB struct __sk_buff
#define PT_REGS_SIZE 168   /* x86-64 struct pt_regs */
#define PERF_MAX_TRACE_SIZE 8192

static bool narrow_ok(int off, int size, int size_default)
{
	return size <= size_default && off % size == 0;
}

/* bpf_skb_is_valid_access: the rules every __sk_buff user shares. */
static bool skb_common(int off, int size, bool write, enum vfy_ctx_result *res)
{
	if (off < 0 || off >= (int)sizeof(SKB) || off % size)
		return false;
	if (IN(off, SKB, cb))
		return off + size <= (int)END(SKB, cb);
	if (IN(off, SKB, data) || IN(off, SKB, data_meta) || IN(off, SKB, data_end))
		return size == 4;
	if (IN(off, SKB, flow_keys) || IN(off, SKB, tstamp))
		return size == 8;
	if (off == (int)offsetof(SKB, sk)) {
		return false; /* PTR_TO_SOCK_COMMON_OR_NULL: not tracked by bpfx yet */
	}
	if (IN(off, SKB, tstamp_type) || (off >= (int)END(SKB, tstamp_type) &&
					   off < (int)offsetof(SKB, hwtstamp)))
		return false;
	if (IN(off, SKB, hwtstamp))
		return size == 8;
	if (write)
		return size == 4;
	(void)res;
	return narrow_ok(off, size, 4);
}

static bool sk_filter_access(int off, int size, bool write, enum vfy_ctx_result *res)
{
	if (IN(off, SKB, tc_classid) || IN(off, SKB, data) || IN(off, SKB, data_meta) ||
	    IN(off, SKB, data_end) || (off >= (int)offsetof(SKB, family) && off < (int)END(SKB, local_port)) ||
	    IN(off, SKB, tstamp) || IN(off, SKB, wire_len) || IN(off, SKB, hwtstamp))
		return false;
	if (write && !IN(off, SKB, cb))
		return false;
	return skb_common(off, size, write, res);
}

static bool tc_access(int off, int size, bool write, enum vfy_ctx_result *res)
{
	if (write && !(IN(off, SKB, mark) || IN(off, SKB, tc_index) || IN(off, SKB, priority) ||
		       IN(off, SKB, tc_classid) || IN(off, SKB, cb) || IN(off, SKB, tstamp) ||
		       IN(off, SKB, queue_mapping)))
		return false;
	if (IN(off, SKB, data))
		*res = VFY_CTX_PKT;
	else if (IN(off, SKB, data_meta))
		*res = VFY_CTX_PKT_META;
	else if (IN(off, SKB, data_end))
		*res = VFY_CTX_PKT_END;
	else if (off >= (int)offsetof(SKB, family) && off < (int)END(SKB, local_port))
		return false;
	return skb_common(off, size, write, res);
}

static bool xdp_access(int off, int size, bool write, enum vfy_ctx_result *res)
{
	if (write)
		return false;
	if (off == (int)offsetof(struct xdp_md, data))
		*res = VFY_CTX_PKT;
	else if (off == (int)offsetof(struct xdp_md, data_meta))
		*res = VFY_CTX_PKT_META;
	else if (off == (int)offsetof(struct xdp_md, data_end))
		*res = VFY_CTX_PKT_END;
	return off >= 0 && off < (int)sizeof(struct xdp_md) && off % size == 0 && size == 4;
}

bool vfy_ctx_access(uint32_t prog_type, int off, int size, bool write, enum vfy_ctx_result *res)
{
	*res = VFY_CTX_SCALAR;
	switch (prog_type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
		return sk_filter_access(off, size, write, res);
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
		return tc_access(off, size, write, res);
	case BPF_PROG_TYPE_XDP:
		return xdp_access(off, size, write, res);
	case BPF_PROG_TYPE_SYSCALL:
		return off >= 0 && off < 0xffff && off % size == 0;
	case BPF_PROG_TYPE_KPROBE:
		return !write && off >= 0 && off + size <= PT_REGS_SIZE && off % size == 0;
	case BPF_PROG_TYPE_TRACEPOINT:
		return !write && off >= 8 && off < PERF_MAX_TRACE_SIZE && off % size == 0;
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return !write && off >= 0 && off < 8 * 12 && off % size == 0;
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
		/* the arguments as u64s; without the target's BTF bpfx cannot
		 * count them (at most 12) nor type pointer arguments */
		return !write && off >= 0 && off < 8 * 12 && off % 8 == 0;
	case BPF_PROG_TYPE_PERF_EVENT:
		return !write && off >= 0 && off + size <= PT_REGS_SIZE + 16 && off % size == 0;
	}
	return false;
}

bool vfy_ctx_modelled(uint32_t prog_type)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_SOCKET_FILTER: case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT: case BPF_PROG_TYPE_XDP: case BPF_PROG_TYPE_SYSCALL:
	case BPF_PROG_TYPE_KPROBE: case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT: case BPF_PROG_TYPE_TRACING: case BPF_PROG_TYPE_LSM:
	case BPF_PROG_TYPE_PERF_EVENT:
		return true;
	}
	return false;
}

bool vfy_ld_abs_allowed(uint32_t prog_type)
{
	return prog_type == BPF_PROG_TYPE_SOCKET_FILTER || prog_type == BPF_PROG_TYPE_SCHED_CLS ||
	       prog_type == BPF_PROG_TYPE_SCHED_ACT;
}

bool vfy_pkt_writable(uint32_t prog_type)
{
	return prog_type == BPF_PROG_TYPE_SCHED_CLS || prog_type == BPF_PROG_TYPE_SCHED_ACT ||
	       prog_type == BPF_PROG_TYPE_XDP;
}
