/* SPDX-License-Identifier: MIT */
/*
 * The interpreter: small pure helpers for the semantics that need care,
 * the two instantiations of the dispatch loop (interp_loop.h), and
 * bpfx_prog__run, which sets up one run and picks the loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/filter.h>

#include "isa/isa.h"
#include "util/opts.h"
#include "vm/stats.h"
#include "vm/vm.h"

/* Signed division and modulo with the kernel's answers where C has none:
 * x / 0 = 0, x % 0 = x, INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0. */
static inline uint64_t vm_sdiv64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return 0;
	if ((int64_t)b == -1)
		return 0 - a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t vm_smod64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if ((int64_t)b == -1)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static inline uint32_t vm_sdiv32(uint32_t a, uint32_t b)
{
	if (b == 0)
		return 0;
	if ((int32_t)b == -1)
		return 0 - a;
	return (uint32_t)((int32_t)a / (int32_t)b);
}

static inline uint32_t vm_smod32(uint32_t a, uint32_t b)
{
	if (b == 0)
		return a;
	if ((int32_t)b == -1)
		return 0;
	return (uint32_t)((int32_t)a % (int32_t)b);
}

static inline uint64_t vm_load_be8(const uint8_t *p) { return p[0]; }
static inline uint64_t vm_load_be16(const uint8_t *p) { return (uint64_t)p[0] << 8 | p[1]; }
static inline uint64_t vm_load_be32(const uint8_t *p)
{
	return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
}

/* LD_ABS / LD_IND: where the load at offset k of `size` bytes reads, or
 * NULL when it would leave the packet (the kernel then ends the program
 * with r0 = 0). Mirrors the kernel's skb load helpers, including the
 * SKF_NET_OFF / SKF_LL_OFF header-relative offsets. */
static inline const uint8_t *vm_pkt_ptr(const struct bpfx_run_ctx *run, int32_t k,
					unsigned size)
{
	uintptr_t p;

	if (k >= 0)
		p = run->pkt + (uint32_t)k;
	else if (k >= SKF_NET_OFF)
		p = run->pkt_l3 + (uintptr_t)(k - SKF_NET_OFF);
	else if (k >= SKF_LL_OFF)
		p = run->pkt_l2 + (uintptr_t)(k - SKF_LL_OFF);
	else
		return NULL;
	if (!run->pkt || p < run->pkt_lo || p > run->pkt_end || run->pkt_end - p < size)
		return NULL;
	return (const uint8_t *)p;
}

/* Checked mode: is [addr, addr+size) inside the stack or one region? */
static inline bool vm_access_ok(const struct bpfx_run_ctx *run, uint64_t addr,
				unsigned size, bool write)
{
	if (addr - run->stack_lo <= VM_STACK_SIZE - size)
		return true;
	for (size_t i = 0; i < run->given_cnt; i++) {
		const struct bpfx_region *r = &run->given[i];
		if (r->len >= size && addr - (uintptr_t)r->ptr <= r->len - size)
			return !write || r->writable;
	}
	for (size_t i = 0; i < run->lent_cnt; i++) {
		const struct bpfx_region *r = &run->lent[i];
		if (r->len >= size && addr - (uintptr_t)r->ptr <= r->len - size)
			return !write || r->writable;
	}
	const struct bpfx_prog *prog = run->prog;
	for (size_t i = 0; i < prog->owner_cnt; i++)
		if (prog->owners[i].contains(prog->owners[i].owner, addr, size, write))
			return true;
	return false;
}

bool vm_access_ok_ext(const struct bpfx_run_ctx *run, uintptr_t addr, size_t size, bool write)
{
	if (!run->checked)
		return true;
	if (size == 0)
		return true;
	if (size > UINT32_MAX)
		return false;
	return vm_access_ok(run, addr, (unsigned)size, write);
}

bool bpfx_run_ctx__mem_ok(const struct bpfx_run_ctx *run, const void *ptr, size_t size,
			  bool write)
{
	return vm_access_ok_ext(run, (uintptr_t)ptr, size, write);
}

void bpfx_run_ctx__fault(struct bpfx_run_ctx *run, int err, const char *fmt, ...)
{
	va_list ap;
	run->action = VM_FAULT;
	run->fault_err = err < 0 ? err : -EFAULT;
	va_start(ap, fmt);
	vsnprintf(run->fault_msg, sizeof(run->fault_msg), fmt, ap);
	va_end(ap);
}

static int vm_fault(struct bpfx_run_result *res, const struct vm_insn *code,
		    const struct vm_insn *at, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int vm_fault(struct bpfx_run_result *res, const struct vm_insn *code,
		    const struct vm_insn *at, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	res->fault_insn = (int)(at - code);
	vsnprintf(res->fault_msg, sizeof(res->fault_msg), fmt, ap);
	va_end(ap);
	return err;
}

#define VM_CHECKED 0
#define VM_LOOP_FN vm_run_trusted
#include "vm/interp_loop.h"
#undef VM_CHECKED
#undef VM_LOOP_FN

#define VM_CHECKED 1
#define VM_LOOP_FN vm_run_checked
#include "vm/interp_loop.h"
#undef VM_CHECKED
#undef VM_LOOP_FN

const struct bpfx_helper *vm_find_helper(const struct bpfx_prog *prog, uint64_t id)
{
	size_t lo = 0, hi = prog->helper_cnt;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (prog->helpers[mid].id == id)
			return &prog->helpers[mid];
		if (prog->helpers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void bpfx_run_ctx__stop(struct bpfx_run_ctx *run, uint64_t r0)
{
	run->action = VM_STOP;
	run->stop_r0 = r0;
}

void *bpfx_run_ctx__user(struct bpfx_run_ctx *run)
{
	return run->user;
}

int bpfx_run_ctx__add_region(struct bpfx_run_ctx *run, void *ptr, size_t len, bool writable)
{
	if (run->lent_cnt >= VM_MAX_REGIONS)
		return -ENOSPC;
	run->lent[run->lent_cnt++] = (struct bpfx_region){ ptr, len, writable };
	return 0;
}

/* Called for every run, so it touches only what a run needs: the caller's
 * options are used in place when their size is this build's, the regions
 * are referenced rather than copied, and only the result's fields that
 * matter are set (this keeps the cost of a run to a few nanoseconds). */
int bpfx_prog__run(const struct bpfx_prog *prog, const struct bpfx_run_opts *opts,
		   struct bpfx_run_result *res)
{
	struct bpfx_run_opts copy;
	struct bpfx_run_result scratch;
	struct bpfx_run_ctx run;
	const struct bpfx_run_opts *o = opts;

	if (!res)
		res = &scratch;
	res->r0 = 0;
	res->insns = 0;
	res->fault_insn = -1;
	res->fault_msg[0] = '\0';
	if (!prog)
		return -EINVAL;
	if (!opts || opts->sz != sizeof(*opts)) {
		if (opts_copy(&copy, sizeof(copy), opts))
			return -EINVAL;
		o = &copy;
	}
	if (o->mode == BPFX_EXEC_JIT) {
		snprintf(res->fault_msg, sizeof(res->fault_msg), "the JIT is not built yet");
		return -EOPNOTSUPP;
	}
	if (o->region_cnt && !o->regions)
		return -EINVAL;

	run.prog = prog;
	run.user = o->user;
	run.action = VM_RUN;
	run.stop_r0 = 0;
	run.checked = o->checked;
	run.may_goto_left = VM_MAY_GOTO_LOOPS;
	run.pkt = (uintptr_t)o->pkt;
	run.pkt_end = run.pkt + (o->pkt ? o->pkt_len : 0);
	run.pkt_l2 = o->pkt_l2 ? (uintptr_t)o->pkt_l2 : run.pkt;
	run.pkt_l3 = o->pkt_l3 ? (uintptr_t)o->pkt_l3 : run.pkt;
	run.pkt_lo = run.pkt < run.pkt_l2 ? run.pkt : run.pkt_l2;
	run.pkt_lo = run.pkt_lo < run.pkt_l3 ? run.pkt_lo : run.pkt_l3;
	run.given = o->regions;
	run.given_cnt = o->region_cnt;
	run.lent_cnt = 0;

	const bool counted = vm_stats_on(); /* BPF_ENABLE_STATS */
	const uint64_t start = counted ? vm_stats_now() : 0;
	int err = !o->checked ? vm_run_trusted(prog, &run, o->r1, o->r2, res)
			      : vm_run_checked(prog, &run, o->r1, o->r2,
					       o->insn_budget ? o->insn_budget : VM_DEFAULT_BUDGET, res);
	if (counted)
		vm_stats_add(prog, start);
	return err;
}
