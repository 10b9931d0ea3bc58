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
};

enum vm_action { VM_RUN = 0, VM_STOP, VM_FAULT };

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
	const struct bpfx_region *given; /* the caller's regions (not copied) */
	size_t given_cnt;
	size_t lent_cnt;               /* regions helpers added during the run */
	struct bpfx_region lent[VM_MAX_REGIONS];
};

/* The two instantiations of the dispatch loop (interp.c): trusted runs
 * rely on the verifier; checked runs check every access and the budget.
 * Both return 0 or a negative errno and fill *res. */
int vm_run_trusted(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
		   uint64_t r1, uint64_t r2, struct bpfx_run_result *res);
int vm_run_checked(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
		   uint64_t r1, uint64_t r2, uint64_t budget, struct bpfx_run_result *res);

/* Builds a program (bpfx_prog__new's work) with a resolver for lddw
 * pseudo sources; NULL resolver: only plain and function lddw. */
struct bpfx_prog *vm_prog_build(const struct bpf_insn *insns, size_t cnt,
				const struct bpfx_prog_opts *opts,
				const struct vm_ld_resolver *resolver, int *err);

/* Checked mode's test, for helpers: may the program's run access
 * [addr, addr + size)? Always true in trusted runs. */
bool vm_access_ok_ext(const struct bpfx_run_ctx *run, uintptr_t addr, size_t size, bool write);

/* Is ptr one of the owners (maps) the program was built with? */
bool vm_prog_owns(const struct bpfx_prog *prog, const void *ptr);

/* The helper with that id among prog's, or NULL. */
const struct bpfx_helper *vm_find_helper(const struct bpfx_prog *prog, uint64_t id);

#endif /* BPFX_VM_VM_H */
