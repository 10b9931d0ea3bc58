/* SPDX-License-Identifier: MIT */
/*
 * Internal shape of a runnable program and of one run.
 *
 * A program is validated once (isa_check) and pre-decoded into vm_insn,
 * one per raw slot so that jump offsets stay as they are: the operation
 * index, the registers, the offset and a ready 64-bit operand (sign-
 * extended imm, lddw's full value, or the helper's function pointer). The
 * interpreter dispatches on vm_insn.op through a computed-goto table and
 * never looks at raw instructions again.
 */
#ifndef BPFX_VM_VM_H
#define BPFX_VM_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <bpfx/bpfx.h>

#include "isa/opcodes.h"

#define VM_MAX_FRAMES 8          /* main program + 7 nested bpf-to-bpf calls */
#define VM_FRAME_SIZE 512        /* stack bytes per frame */
#define VM_STACK_SIZE (VM_MAX_FRAMES * VM_FRAME_SIZE)
#define VM_MAX_REGIONS 64        /* checked mode: regions helpers may lend in one run */
#define VM_DEFAULT_BUDGET 10000000ull
#define VM_MAY_GOTO_LOOPS (1ull << 23) /* the kernel's BPF_MAX_LOOPS */
#define VM_CORE_POISON 0xbad2310u      /* call imm of a failed CO-RE relocation */

/* The value lddw with src BPF_PSEUDO_FUNC loads: a tag and the target
 * instruction index. callx recognises it and makes a local call. */
#define VM_FUNC_TAG 0xbfb0000000000000ull
#define VM_FUNC_TAG_MASK 0xfff0000000000000ull

struct jit_image;

struct vm_insn {
	uint16_t op;      /* enum isa_op */
	uint8_t dst;
	uint8_t src;
	int32_t off;      /* loads/stores: the offset; branches and local calls:
			   * target index minus this index (off + 1, or imm + 1) */
	uint64_t imm;     /* operand: see above */
};

/* Memory a program may reach besides its stack and the run's regions:
 * the values of the maps it uses. In checked mode an access outside the
 * stack and regions asks each owner. `owner` is also what lddw gave the
 * program (a map), so helpers can tell a real map from a forged pointer. */
struct vm_mem_owner {
	void *owner;
	bool (*contains)(const void *owner, uintptr_t addr, size_t size, bool write);
};

/* At build time, resolves lddw with a pseudo source (map fd, map value,
 * map index...) to the 64-bit value the program gets, and may name the
 * memory owner behind it. Returns 0 or a negative errno (with a log line). */
struct vm_ld_resolver {
	int (*resolve)(void *ctx, const struct bpf_insn *insn, size_t idx, uint64_t *value,
		       struct vm_mem_owner *owner);
	void *ctx;
};

struct bpfx_prog {
	struct bpf_insn *insns;        /* the program as given (owned) */
	size_t cnt;
	_Atomic uint64_t run_cnt, run_time_ns; /* run statistics (vm/stats.h) */
	struct vm_insn *code;          /* pre-decoded, cnt entries (owned) */
	struct bpfx_helper *helpers;   /* callable helpers sorted by id (owned) */
	size_t helper_cnt;
	struct vm_mem_owner *owners;   /* distinct owners lddw resolved to (owned array) */
	size_t owner_cnt;
	bool interp_only;              /* calls callbacks, tail calls or spin locks:
					* the JIT does not run it yet (interp.c) */
	struct jit_image *jit[2];      /* compiled code, trusted and checked, made on
					* first JIT run (src/jit/jit.c; owned) */
};

/* VM_TAIL_CALL: a helper (bpf_tail_call) asked the run to continue with
 * another program: the loop returns at once (err 0), and the run loop of
 * bpfx_prog__run (interp.c: vm_run_chain) starts run->tail_next with
 * r1 = run->tail_r1 in a fresh frame. Any engine (interpreter, JIT) that
 * sees this action after a helper call must return to that loop. */
enum vm_action { VM_RUN = 0, VM_STOP, VM_FAULT, VM_TAIL_CALL };

#define VM_MAX_TAIL_CALLS 33     /* the kernel's MAX_TAIL_CALL_CNT */
#define VM_MAX_HELD 64           /* objects one program run may hold */

/* An object a run holds a reference to until it ends (or until a tail
 * call leaves the program that obtained it): an inner map a lookup in a
 * map of maps returned, the program a tail call jumps to. `contains`, when
 * set, makes its memory reachable in checked mode like a vm_mem_owner. */
struct vm_hold {
	void *ptr;
	void (*put)(void *ptr);
	bool (*contains)(const void *owner, uintptr_t addr, size_t size, bool write);
};

struct bpfx_run_ctx {
	const struct bpfx_prog *prog;
	void *user;
	enum vm_action action;         /* set by helpers: stop the program */
	uint64_t stop_r0;
	bool checked;                  /* helpers must check what they are given */
	int fault_err;                 /* VM_FAULT: the run's error and reason */
	char fault_msg[160];
	uint64_t may_goto_left;
	uintptr_t pkt;                 /* LD_ABS / LD_IND data: [pkt_lo, pkt_end) */
	uintptr_t pkt_end;
	uintptr_t pkt_lo;
	uintptr_t pkt_l2, pkt_l3;      /* link-layer and network headers */
	uintptr_t stack_lo;            /* the stack area of all frames */
	struct {                       /* JIT runs only (src/jit): */
		uint64_t sp;           /* native stack pointer to unwind to on a fault */
		uint64_t floor;        /* a call from this frame pointer is too deep */
		uint64_t left;         /* checked: budget left when the code returned */
		uint64_t aux;          /* fault detail: address or callx target */
		uint32_t kind;         /* enum jit_exit_kind (+ access size/write) */
		uint32_t idx;          /* instruction that stopped the run */
	} jit;
	const struct bpfx_region *given; /* the caller's regions (not copied) */
	size_t given_cnt;
	size_t lent_cnt;               /* regions helpers added during the run */
	void *hook;                    /* the hook's state (a packet context of
					* hooks/packet.h), or NULL */
	struct bpfx_region lent[VM_MAX_REGIONS];
	/* Set by a helper that leaves something to undo if the program ends
	 * without doing it (a checked run that faults with a ringbuf record
	 * reserved); called once, after the run, on its thread. */
	void (*at_exit)(struct bpfx_run_ctx *run);
	/* Tail calls (VM_TAIL_CALL): the next program, its r1, the calls made
	 * so far in this run, and the reference that keeps the running
	 * target alive (released when it is left or the run ends). */
	const struct bpfx_prog *tail_next;
	uint64_t tail_r1;
	uint32_t tail_call_cnt;
	struct vm_hold tail_hold, cur_hold;
	size_t held_cnt;               /* inner maps held by the current program */
	struct vm_hold held[VM_MAX_HELD];
	/* Callbacks (bpf_loop, for_each_map_elem, timers): the engine running
	 * the program sets `callback` to run instruction idx as a function
	 * with r1-r5 = args in a new frame below the helper's caller; 0 and *r0,
	 * or a negative errno with the run already stopped (fault or stop). */
	int (*callback)(struct bpfx_run_ctx *run, size_t idx, const uint64_t args[5],
			uint64_t *r0);
	uint64_t *regs;                /* interpreter: the registers of the frame running */
	uint64_t budget, budget_left;  /* checked runs: instruction budget */
	void *held_lock;               /* the bpf_spin_lock the program holds, if any */
	const struct bpfx_task *task;  /* the run's current task; NULL: the caller */
	uint64_t attach_cookie;        /* bpf_get_attach_cookie's answer */
	uint64_t func_ip;              /* bpf_get_func_ip's answer */
};

/* From inside a helper: calls the program's function `token` (what lddw
 * of a BPF_PSEUDO_FUNC gave the program) with r1-r5; 0 and its r0, or a
 * negative errno when the token is no function (the run then faults) or
 * the callback stopped the run - the helper must then return at once. */
int vm_call_callback(struct bpfx_run_ctx *run, uint64_t token, uint64_t r1, uint64_t r2,
		     uint64_t r3, uint64_t r4, uint64_t r5, uint64_t *r0);

/* The two instantiations of the dispatch loop (interp.c): trusted runs
 * rely on the verifier; checked runs check every access and the budget.
 * Both return 0 or a negative errno and fill *res. */
int vm_run_trusted(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
		   uint64_t r1, uint64_t r2, struct bpfx_run_result *res);
int vm_run_checked(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
		   uint64_t r1, uint64_t r2, uint64_t budget, struct bpfx_run_result *res);

/* Runs the program's function at instruction idx as a run of its own
 * (timer callbacks: no run is under way), with r1-r5 = args and the run
 * options o (checked, regions, budget; r1/r2 ignored). Returns like
 * bpfx_prog__run; -EINVAL when idx is no instruction. */
int vm_run_function(const struct bpfx_prog *prog, size_t idx, const uint64_t args[5],
		    const struct bpfx_run_opts *o, struct bpfx_run_result *res);
/* bpfx_prog__run with the hook's state in run->hook, for hooks whose
 * helpers need it (packet contexts). */
int vm_run_hook(const struct bpfx_prog *prog, const struct bpfx_run_opts *opts, void *hook,
		struct bpfx_run_result *res);

/* Builds a program (bpfx_prog__new's work) with a resolver for lddw
 * pseudo sources; NULL resolver: only plain and function lddw. */
struct bpfx_prog *vm_prog_build(const struct bpf_insn *insns, size_t cnt,
				const struct bpfx_prog_opts *opts,
				const struct vm_ld_resolver *resolver, int *err);

/* Checked mode's test, for helpers: may the program's run access
 * [addr, addr + size)? Always true in trusted runs. */
bool vm_access_ok_ext(const struct bpfx_run_ctx *run, uintptr_t addr, size_t size, bool write);

/* LD_ABS / LD_IND's read of `size` (1, 2, 4) bytes at packet offset k,
 * big-endian and zero-extended; UINT64_MAX when outside the packet (the
 * program then ends with r0 = 0). For compiled code. */
uint64_t vm_ld_pkt(const struct bpfx_run_ctx *run, int32_t k, unsigned size);

/* Is ptr one of the owners (maps) the program was built with? */
bool vm_prog_owns(const struct bpfx_prog *prog, const void *ptr);

/* From a helper: keep `h.ptr` (one reference, taken over) until the
 * current program of the run ends. An object already held is not held
 * twice (the extra reference is put at once). -ENOSPC (reference put)
 * when VM_MAX_HELD objects are held. */
int vm_run_hold(struct bpfx_run_ctx *run, struct vm_hold h);
/* Does the run hold ptr (vm_run_hold)? */
bool vm_run_holds(const struct bpfx_run_ctx *run, const void *ptr);
/* From bpf_tail_call: continue with `next` (its reference in `hold`,
 * taken over) and r1 once the helper returns. */
void vm_run_tail_call(struct bpfx_run_ctx *run, const struct bpfx_prog *next, uint64_t r1,
		      struct vm_hold hold);

/* The helper with that id among prog's, or NULL. */
const struct bpfx_helper *vm_find_helper(const struct bpfx_prog *prog, uint64_t id);

#endif /* BPFX_VM_VM_H */
