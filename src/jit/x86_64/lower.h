/* SPDX-License-Identifier: MIT */
/*
 * Lowering eBPF to x86-64: shared state of one pass and the pieces every
 * instruction class uses. The files lower_*.c translate one instruction
 * class each; lower.c drives a pass (entry, instructions, cold stubs,
 * thunks, the callx table). Lowering knows eBPF; bytes come from emit.c.
 *
 * Register mapping (the kernel's): r0 rax, r1 rdi, r2 rsi, r3 rdx, r4 rcx,
 * r5 r8, r6 rbx, r7 r13, r8 r14, r9 r15, r10 rbp. r12 holds the run
 * context for the whole run; r9 the checked run's budget; r10 and r11 are
 * scratch. The native stack is 16-byte aligned at the start of every
 * instruction's code (entry and local calls keep it so).
 */
#ifndef BPFX_JIT_X86_64_LOWER_H
#define BPFX_JIT_X86_64_LOWER_H

#include <stddef.h>

#include "jit/jit.h"
#include "jit/x86_64/emit.h"

#define X86_CTX X86_R12     /* struct bpfx_run_ctx * */
#define X86_BUDGET X86_R9   /* checked runs: instructions left */
#define X86_T1 X86_R11      /* scratch */
#define X86_T2 X86_R10      /* scratch */

extern const uint8_t x86_reg_of[11];

/* Out-of-line code emitted after all instructions. */
enum x86_stub_type {
	STUB_FAULT,   /* record (kind, insn, aux) and leave through the fault exit */
	STUB_MEM,     /* checked access not on the stack: ask vm_access_ok_ext */
	STUB_SLOT2,   /* callx into lddw's second slot: what the interpreter does */
};

struct x86_stub {
	uint8_t type;
	int8_t aux_reg;       /* register to store as run->jit.aux, or -1 */
	uint32_t label;       /* where the stub starts */
	uint32_t back;        /* STUB_MEM: where the access continues */
	uint32_t idx;         /* the instruction */
	uint32_t kind;        /* enum jit_exit_kind (+ size << 8, write << 16) */
};

/* A displacement to write once the pass knows every position. */
struct x86_fix {
	uint32_t end;         /* the end of the instruction (displacements count from it) */
	uint32_t label;
	uint8_t size;         /* 1 (rel8) or 4 */
	int64_t decided_at;   /* a sized jump: where it starts, for the stability check; else -1 */
};

struct x86_ctx {
	struct jit_ctx *jc;
	struct jit_buf *b;
	const struct bpfx_prog *prog;
	bool checked, bmi2;
	uint32_t idx;                   /* instruction being lowered */
	uint32_t l_start, l_fault_exit, l_mem_thunk, l_pkt_thunk, l_table;
	struct x86_stub *stubs;
	size_t stub_cnt, stub_cap;
	struct x86_fix *fixes;
	size_t fix_cnt, fix_cap;
};

typedef int (*x86_lower_fn)(struct x86_ctx *x, const struct vm_insn *in);

/* One function per instruction shape (enum isa_shape), in lower_*.c. */
int x86_lower_alu(struct x86_ctx *x, const struct vm_insn *in);    /* ALU_K, ALU_X */
int x86_lower_neg(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_movsx(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_end(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_lddw(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_ja(struct x86_ctx *x, const struct vm_insn *in);     /* JA, JA32 */
int x86_lower_jcc(struct x86_ctx *x, const struct vm_insn *in);    /* JMP_K, JMP_X */
int x86_lower_may_goto(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_call(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_callx(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_exit(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_ldpkt(struct x86_ctx *x, const struct vm_insn *in);  /* LDABS, LDIND */
int x86_lower_ldx(struct x86_ctx *x, const struct vm_insn *in);
int x86_lower_st(struct x86_ctx *x, const struct vm_insn *in);     /* ST, STX */
int x86_lower_atomic(struct x86_ctx *x, const struct vm_insn *in);

/* Helpers for the lowering files (lower.c). */
/* A jump of the current instruction to label, short when the previous
 * pass shows it reaches. */
void x86_jcc_label(struct x86_ctx *x, enum x86_cc cc, uint32_t label);
void x86_jmp_label(struct x86_ctx *x, uint32_t label);
/* Always-long references to a label: jumps to stubs, calls, lea. */
void x86_jcc_to(struct x86_ctx *x, enum x86_cc cc, uint32_t label);
void x86_jmp_to(struct x86_ctx *x, uint32_t label);
void x86_call_to(struct x86_ctx *x, uint32_t label);
void x86_lea_to(struct x86_ctx *x, int reg, uint32_t label);
/* A conditional jump to a new fault stub for the current instruction. */
void x86_jcc_fault(struct x86_ctx *x, enum x86_cc cc, uint32_t kind, int aux_reg);
/* Checked runs: T1 = base + off, verified for size bytes (inline against
 * the stack, else through vm_access_ok_ext). Trusted runs: T1 = base + off. */
void x86_addr_checked(struct x86_ctx *x, int base, int32_t off, unsigned size, bool write);
/* Calls C function fn(r1..r5, run) preserving what the mode needs, then
 * leaves through a helper stub if fn set run->action. */
void x86_call_helper(struct x86_ctx *x, uint64_t fn);
/* The local-call sequence for a target in T1 (indirect) or label. */
void x86_local_call(struct x86_ctx *x, uint32_t label, bool indirect);

/* Offsets into struct bpfx_run_ctx for [r12 + disp] operands. */
#define RUN_OFF(field) ((int32_t)offsetof(struct bpfx_run_ctx, field))

#endif /* BPFX_JIT_X86_64_LOWER_H */
