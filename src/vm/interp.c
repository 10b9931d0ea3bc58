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
#include "jit/jit.h"
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

uint64_t vm_ld_pkt(const struct bpfx_run_ctx *run, int32_t k, unsigned size)
{
	const uint8_t *p = vm_pkt_ptr(run, k, size);

	if (!p)
		return UINT64_MAX;
	return size == 1 ? vm_load_be8(p) : size == 2 ? vm_load_be16(p) : vm_load_be32(p);
}

/* Checked mode: is [addr, addr+size) inside the stack or one region? */
static inline bool vm_access_ok(const struct bpfx_run_ctx *run, uint64_t addr,
				unsigned size, bool write)
{
	/* size may come from a helper argument: compare it first, or the
	 * unsigned difference below wraps and admits anything. */
	if (size <= VM_STACK_SIZE && addr - run->stack_lo <= VM_STACK_SIZE - size)
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
	for (size_t i = 0; i < run->held_cnt; i++)
		if (run->held[i].contains && run->held[i].contains(run->held[i].ptr, addr, size, write))
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
#define VM_CORE_FN vm_loop_trusted
#define VM_CB_FN vm_callback_trusted
#define VM_AT_FN vm_run_trusted_at
#include "vm/interp_loop.h"
#undef VM_CHECKED
#undef VM_LOOP_FN
#undef VM_CORE_FN
#undef VM_CB_FN
#undef VM_AT_FN

#define VM_CHECKED 1
#define VM_LOOP_FN vm_run_checked
#define VM_CORE_FN vm_loop_checked
#define VM_CB_FN vm_callback_checked
#define VM_AT_FN vm_run_checked_at
#include "vm/interp_loop.h"
#undef VM_CHECKED
#undef VM_LOOP_FN
#undef VM_CORE_FN
#undef VM_CB_FN
#undef VM_AT_FN

int vm_call_callback(struct bpfx_run_ctx *run, uint64_t token, uint64_t r1, uint64_t r2,
		     uint64_t r3, uint64_t r4, uint64_t r5, uint64_t *r0)
{
	const struct bpfx_prog *prog = run->prog;
	uint64_t idx = token & ~VM_FUNC_TAG_MASK;
	const uint64_t args[5] = { r1, r2, r3, r4, r5 };

	/* Only lddw of a function makes a token; a checked run may still hand
	 * anything over, and the middle of an lddw is no instruction. */
	if ((token & VM_FUNC_TAG_MASK) != VM_FUNC_TAG || idx >= prog->cnt ||
	    (idx > 0 && prog->insns[idx - 1].code == (BPF_LD | BPF_IMM | BPF_DW))) {
		bpfx_run_ctx__fault(run, -EFAULT, "callback 0x%llx is not a function of the "
				    "program", (unsigned long long)token);
		return -EFAULT;
	}
	if (!run->callback || !run->regs) { /* the JIT does not run callbacks yet */
		bpfx_run_ctx__fault(run, -EOPNOTSUPP, "callbacks are not supported here");
		return -EOPNOTSUPP;
	}
	return run->callback(run, (size_t)idx, args, r0);
}

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

int vm_run_hold(struct bpfx_run_ctx *run, struct vm_hold h)
{
	if (vm_run_holds(run, h.ptr)) {
		h.put(h.ptr);
		return 0;
	}
	if (run->held_cnt >= VM_MAX_HELD) {
		h.put(h.ptr);
		return -ENOSPC;
	}
	run->held[run->held_cnt++] = h;
	return 0;
}

bool vm_run_holds(const struct bpfx_run_ctx *run, const void *ptr)
{
	for (size_t i = 0; i < run->held_cnt; i++)
		if (run->held[i].ptr == ptr)
			return true;
	return false;
}

void vm_run_tail_call(struct bpfx_run_ctx *run, const struct bpfx_prog *next, uint64_t r1,
		      struct vm_hold hold)
{
	run->action = VM_TAIL_CALL;
	run->tail_next = next;
	run->tail_r1 = r1;
	run->tail_hold = hold;
}

/* Drops what the program that just ended held: the inner maps it looked
 * up, the programs its subprograms tail-called, and the reference on
 * itself when it was a tail call's target. */
static void release_held(struct bpfx_run_ctx *run)
{
	for (size_t i = 0; i < run->held_cnt; i++)
		run->held[i].put(run->held[i].ptr);
	run->held_cnt = 0;
	if (run->cur_hold.put)
		run->cur_hold.put(run->cur_hold.ptr);
	run->cur_hold.put = NULL;
}

/* One program of the run, in the engine the options ask for. An engine
 * (the JIT's entry belongs here) returns as soon as a helper leaves
 * run->action != VM_RUN; for VM_TAIL_CALL the loop below goes on with
 * run->tail_next. */
static int run_engine(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
		      const struct bpfx_run_opts *o, uint64_t r1, uint64_t r2, uint64_t budget,
		      struct bpfx_run_result *res)
{
	/* The JIT compiles on first use; by default a program it cannot
	 * compile (no memory), or that calls what only the interpreter runs
	 * yet (callbacks, tail calls: prog->interp_only), runs in the
	 * interpreter. */
	if (o->mode != BPFX_EXEC_INTERP && jit_available() &&
	    (!prog->interp_only || o->mode == BPFX_EXEC_JIT)) {
		int err = 0;
		const struct jit_image *img = prog->interp_only ? NULL
					      : jit_prog_image(prog, o->checked, &err);
		if (img)
			return jit_run(img, run, r1, r2, o->checked ? budget : 0, res);
		if (o->mode == BPFX_EXEC_JIT) {
			if (prog->interp_only)
				err = -EOPNOTSUPP;
			snprintf(res->fault_msg, sizeof(res->fault_msg),
				 "JIT compilation failed: %s%s", strerror(-err),
				 prog->interp_only ? " (the program uses callbacks or tail calls, "
						     "which only the interpreter runs yet)" : "");
			return err;
		}
	}
	if (!o->checked)
		return vm_run_trusted(prog, run, r1, r2, res);
	return vm_run_checked(prog, run, r1, r2, budget, res);
}

/* The run loop after the first program: each program a tail call names
 * (the kernel's JMP_TAIL_CALL: the caller's frame is gone, the target
 * starts at its first instruction with r1 = the context). Checked runs
 * share one instruction budget across the chain. Every reference the run
 * took is dropped before returning. */
static __attribute__((noinline)) int vm_run_rest(struct bpfx_run_ctx *run,
						  const struct bpfx_run_opts *o, uint64_t budget,
						  int err, struct bpfx_run_result *res)
{
	uint64_t total = res->insns;

	while (!err && run->action == VM_TAIL_CALL) {
		release_held(run);
		run->cur_hold = run->tail_hold;
		run->prog = run->tail_next;
		run->action = VM_RUN;
		err = run_engine(run->prog, run, o, run->tail_r1, 0, budget - total, res);
		total += res->insns;
	}
	res->insns = total;
	release_held(run);
	return err;
}

/* The run loop: the entry program, then (rarely, so out of line) what
 * tail calls and map-of-maps lookups leave to do. */
static inline int vm_run_chain(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
			       const struct bpfx_run_opts *o, struct bpfx_run_result *res)
{
	uint64_t budget = o->insn_budget ? o->insn_budget : VM_DEFAULT_BUDGET;
	int err = run_engine(prog, run, o, o->r1, o->r2, budget, res);

	if (__builtin_expect(run->action == VM_TAIL_CALL || run->held_cnt, 0))
		return vm_run_rest(run, o, budget, err, res);
	return err;
}

/* Sets up one run from the options (run.prog and the rest). */
static void run_init(struct bpfx_run_ctx *run, const struct bpfx_prog *prog,
		     const struct bpfx_run_opts *o)
{
	run->prog = prog;
	run->user = o->user;
	run->action = VM_RUN;
	run->stop_r0 = 0;
	run->checked = o->checked;
	run->may_goto_left = VM_MAY_GOTO_LOOPS;
	run->pkt = (uintptr_t)o->pkt;
	run->pkt_end = run->pkt + (o->pkt ? o->pkt_len : 0);
	run->pkt_l2 = o->pkt_l2 ? (uintptr_t)o->pkt_l2 : run->pkt;
	run->pkt_l3 = o->pkt_l3 ? (uintptr_t)o->pkt_l3 : run->pkt;
	run->pkt_lo = run->pkt < run->pkt_l2 ? run->pkt : run->pkt_l2;
	run->pkt_lo = run->pkt_lo < run->pkt_l3 ? run->pkt_lo : run->pkt_l3;
	run->given = o->regions;
	run->given_cnt = o->region_cnt;
	run->lent_cnt = 0;
	run->callback = o->checked ? vm_callback_checked : vm_callback_trusted;
	run->held_lock = NULL;
	run->at_exit = NULL;
	run->tail_call_cnt = 0;
	run->held_cnt = 0;
	run->cur_hold.put = NULL;
	run->hook = NULL;
	run->regs = NULL;
	run->task = o->task;
	run->attach_cookie = o->attach_cookie;
	run->func_ip = o->func_ip;
}

static void result_init(struct bpfx_run_result *res)
{
	res->r0 = 0;
	res->insns = 0;
	res->fault_insn = -1;
	res->fault_msg[0] = '\0';
}

/* Called for every run, so it touches only what a run needs: the caller's
 * options are used in place when their size is this build's, the regions
 * are referenced rather than copied, and only the result's fields that
 * matter are set (this keeps the cost of a run to a few nanoseconds). */
int bpfx_prog__run(const struct bpfx_prog *prog, const struct bpfx_run_opts *opts,
		   struct bpfx_run_result *res)
{
	return vm_run_hook(prog, opts, NULL, res);
}

int vm_run_hook(const struct bpfx_prog *prog, const struct bpfx_run_opts *opts, void *hook,
		struct bpfx_run_result *res)
{
	struct bpfx_run_opts copy;
	struct bpfx_run_result scratch;
	struct bpfx_run_ctx run;
	const struct bpfx_run_opts *o = opts;

	if (!res)
		res = &scratch;
	result_init(res);
	if (!prog)
		return -EINVAL;
	if (!opts || opts->sz != sizeof(*opts)) {
		if (opts_copy(&copy, sizeof(copy), opts))
			return -EINVAL;
		o = &copy;
	}
	if (o->mode > BPFX_EXEC_JIT)
		return -EINVAL;
	if (o->mode == BPFX_EXEC_JIT && !jit_available()) {
		snprintf(res->fault_msg, sizeof(res->fault_msg), "no JIT for this machine");
		return -EOPNOTSUPP;
	}
	if (o->region_cnt && !o->regions)
		return -EINVAL;

	run_init(&run, prog, o);
	run.hook = hook;
	const bool counted = vm_stats_on(); /* BPF_ENABLE_STATS */
	const uint64_t start = counted ? vm_stats_now() : 0;
	int err = vm_run_chain(prog, &run, o, res);
	if (counted)
		vm_stats_add(prog, start);
	if (run.at_exit)
		run.at_exit(&run);
	return err;
}

int vm_run_function(const struct bpfx_prog *prog, size_t idx, const uint64_t args[5],
		    const struct bpfx_run_opts *o, struct bpfx_run_result *res)
{
	struct bpfx_run_ctx run;

	result_init(res);
	if (idx >= prog->cnt || (idx > 0 && prog->insns[idx - 1].code == (BPF_LD | BPF_IMM | BPF_DW)))
		return -EINVAL;
	run_init(&run, prog, o);
	int err = !o->checked
			  ? vm_run_trusted_at(prog, &run, prog->code + idx, args, 0, res)
			  : vm_run_checked_at(prog, &run, prog->code + idx, args,
					      o->insn_budget ? o->insn_budget : VM_DEFAULT_BUDGET, res);
	release_held(&run); /* what the function looked up (maps of maps) */
	if (run.at_exit)
		run.at_exit(&run);
	return err;
}
