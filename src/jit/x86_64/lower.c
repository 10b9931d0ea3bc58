/* SPDX-License-Identifier: MIT */
/*
 * One x86-64 JIT pass: the entry, every instruction through the lowering
 * table (driven by the opcode table, one function per shape), the cold
 * stubs, the thunks into C, the fault exit and the callx index table.
 *
 * Image layout:
 *   entry       saves callee-saved registers, sets r12 = run, r10 = fp,
 *               r1/r2, zeroes the other registers, calls instruction 0;
 *               on return stores the budget left and returns r0
 *   insns       one block per instruction, at its label
 *   stubs       fault records, checked-access slow paths, lddw second slots
 *   fault exit  unwinds the native stack to the entry's and returns
 *   thunks      memory check (vm_access_ok_ext), packet load (vm_ld_pkt)
 *   table       uint32 offset of every instruction slot, for callx
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "jit/x86_64/lower.h"
#include "util/alloc.h"

const uint8_t x86_reg_of[11] = {
	X86_RAX, X86_RDI, X86_RSI, X86_RDX, X86_RCX, X86_R8,
	X86_RBX, X86_R13, X86_R14, X86_R15, X86_RBP,
};

/* The lowering of each shape; a shape without an entry here does not
 * compile (LOWER_<shape> undefined). */
#define LOWER_SH_ALU_K x86_lower_alu
#define LOWER_SH_ALU_X x86_lower_alu
#define LOWER_SH_NEG x86_lower_neg
#define LOWER_SH_MOVSX x86_lower_movsx
#define LOWER_SH_END x86_lower_end
#define LOWER_SH_JA x86_lower_ja
#define LOWER_SH_JA32 x86_lower_ja
#define LOWER_SH_JMP_K x86_lower_jcc
#define LOWER_SH_JMP_X x86_lower_jcc
#define LOWER_SH_CALL x86_lower_call
#define LOWER_SH_CALLX x86_lower_callx
#define LOWER_SH_EXIT x86_lower_exit
#define LOWER_SH_MAY_GOTO x86_lower_may_goto
#define LOWER_SH_LDDW x86_lower_lddw
#define LOWER_SH_LDABS x86_lower_ldpkt
#define LOWER_SH_LDIND x86_lower_ldpkt
#define LOWER_SH_LDX x86_lower_ldx
#define LOWER_SH_ST x86_lower_st
#define LOWER_SH_STX x86_lower_st
#define LOWER_SH_ATOMIC x86_lower_atomic

static const x86_lower_fn lower_table[ISA_OP_COUNT] = {
#define X86_LOWER(NAME, CODE, MATCH, VAL, SHAPE, SYM, CN) [ISA_OP_##NAME] = LOWER_##SHAPE,
	ISA_OPCODES(X86_LOWER)
#undef X86_LOWER
};

/* Callee-saved registers the entry saves, in push order. */
static const uint8_t saved_regs[] = { X86_RBP, X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15 };
/* What a bpf-to-bpf call keeps for the caller: r10, r6-r9. */
static const uint8_t frame_regs[] = { X86_RBP, X86_RBX, X86_R13, X86_R14, X86_R15 };
/* Checked runs keep r1-r5 (and the budget) over a helper call, as the
 * interpreter does. */
static const uint8_t arg_regs[] = { X86_RDI, X86_RSI, X86_RDX, X86_RCX, X86_R8, X86_R9 };

static void push_all(struct jit_buf *b, const uint8_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x86_push(b, r[i]);
}

static void pop_all(struct jit_buf *b, const uint8_t *r, size_t n)
{
	for (size_t i = n; i-- > 0;)
		x86_pop(b, r[i]);
}

/* Every displacement to a label is recorded and written at the end of
 * the pass, when all positions of the pass are known (forward targets are
 * only guessed while emitting). */
static void fixup(struct x86_ctx *x, uint32_t label, unsigned size, int64_t decided_at)
{
	if (x->fix_cnt == x->fix_cap) {
		size_t cap = x->fix_cap ? 2 * x->fix_cap : 256;
		struct x86_fix *n = mem_realloc(x->fixes, cap * sizeof(*n));
		if (!n) {
			x->b->err = -ENOMEM;
			return;
		}
		x->fixes = n;
		x->fix_cap = cap;
	}
	x->fixes[x->fix_cnt++] = (struct x86_fix){ .end = (uint32_t)x->b->len, .label = label,
						   .size = (uint8_t)size,
						   .decided_at = decided_at };
}

static bool fits_short(int64_t target, int64_t start)
{
	int64_t d = target - (start + 2);
	return d >= -128 && d <= 127;
}

/* May a jump of this instruction to label be short? Decided on the
 * previous pass's positions only, for source and target, so that sizes
 * only shrink from pass to pass (every distance is a sum of sizes). The
 * estimated start is exactly where the jump began in the previous pass. */
static bool short_ok(struct x86_ctx *x, uint32_t label, int64_t *start)
{
	uint32_t t = jit_label_prev(x->jc, label), s = jit_label_prev(x->jc, x->idx);

	*start = -1;
	if (x->jc->all_long || t == JIT_NOWHERE || s == JIT_NOWHERE)
		return false;
	*start = (int64_t)s + (int64_t)(x->b->len - x->jc->pos[x->idx]);
	return fits_short(t, *start);
}

void x86_jcc_label(struct x86_ctx *x, enum x86_cc cc, uint32_t label)
{
	int64_t start;
	bool sh = short_ok(x, label, &start);

	x86_jcc(x->b, cc, 0, sh);
	fixup(x, label, sh ? 1 : 4, (int64_t)x->b->len - (sh ? 2 : 6));
}

void x86_jmp_label(struct x86_ctx *x, uint32_t label)
{
	int64_t start;
	bool sh = short_ok(x, label, &start);

	x86_jmp(x->b, 0, sh);
	fixup(x, label, sh ? 1 : 4, (int64_t)x->b->len - (sh ? 2 : 5));
}

void x86_jcc_to(struct x86_ctx *x, enum x86_cc cc, uint32_t label)
{
	x86_jcc(x->b, cc, 0, false);
	fixup(x, label, 4, -1);
}

void x86_jmp_to(struct x86_ctx *x, uint32_t label)
{
	x86_jmp(x->b, 0, false);
	fixup(x, label, 4, -1);
}

void x86_call_to(struct x86_ctx *x, uint32_t label)
{
	x86_call(x->b, 0);
	fixup(x, label, 4, -1);
}

void x86_lea_to(struct x86_ctx *x, int reg, uint32_t label)
{
	x86_lea_rip(x->b, reg, 0);
	fixup(x, label, 4, -1);
}

/* Writes every displacement; tells whether another pass would make the
 * same short/long choices (then this pass's code is final). */
static int apply_fixups(struct x86_ctx *x, bool *stable)
{
	struct jit_buf *b = x->b;

	*stable = true;
	for (size_t i = 0; i < x->fix_cnt && !b->err; i++) {
		const struct x86_fix *f = &x->fixes[i];
		uint32_t t = x->jc->pos[f->label];
		int64_t d = (int64_t)t - f->end;

		if (t == JIT_NOWHERE)
			return -EFAULT; /* a label never placed: a backend bug */
		if (f->decided_at >= 0)
			*stable &= fits_short(t, f->decided_at) == (f->size == 1) || x->jc->all_long;
		if (f->size == 1) {
			if (d < -128 || d > 127) {
				*stable = false; /* the guess was wrong: not final */
				continue;
			}
			b->p[f->end - 1] = (uint8_t)d;
		} else {
			int32_t d32 = (int32_t)d;
			memcpy(b->p + f->end - 4, &d32, 4);
		}
	}
	return b->err;
}

static struct x86_stub *stub_new(struct x86_ctx *x, enum x86_stub_type type, uint32_t kind,
				 int aux_reg)
{
	static struct x86_stub dummy;

	if (x->stub_cnt == x->stub_cap) {
		size_t cap = x->stub_cap ? 2 * x->stub_cap : 64;
		struct x86_stub *n = mem_realloc(x->stubs, cap * sizeof(*n));
		if (!n) {
			x->b->err = -ENOMEM;
			return &dummy;
		}
		x->stubs = n;
		x->stub_cap = cap;
	}
	struct x86_stub *s = &x->stubs[x->stub_cnt++];
	*s = (struct x86_stub){ .type = (uint8_t)type, .aux_reg = (int8_t)aux_reg,
				.label = jit_label_new(x->jc), .idx = x->idx, .kind = kind };
	return s;
}

void x86_jcc_fault(struct x86_ctx *x, enum x86_cc cc, uint32_t kind, int aux_reg)
{
	struct x86_stub *s = stub_new(x, STUB_FAULT, kind, aux_reg);
	x86_jcc_to(x, cc, s->label);
}

void x86_addr_checked(struct x86_ctx *x, int base, int32_t off, unsigned size, bool write)
{
	struct jit_buf *b = x->b;

	x86_lea(b, X86_T1, base, off);
	if (!x->checked)
		return;
	/* The stack inline, as vm_access_ok's first test; the rest in C. */
	x86_mov_rr(b, true, X86_T2, X86_T1);
	x86_alu_rm(b, X86_SUB, true, X86_T2, X86_CTX, RUN_OFF(stack_lo));
	x86_alu_ri(b, X86_CMP, true, X86_T2, (int32_t)(VM_STACK_SIZE - size));
	struct x86_stub *s = stub_new(x, STUB_MEM,
				      JIT_EXIT_MEM | size << 8 | (unsigned)write << 16, -1);
	x86_jcc_to(x, X86_CC_A, s->label);
	s->back = jit_label_new(x->jc);
	jit_label_place(x->jc, s->back);
}

void x86_call_helper(struct x86_ctx *x, uint64_t fn)
{
	struct jit_buf *b = x->b;

	if (x->checked)
		push_all(b, arg_regs, 6);
	x86_mov_rr(b, true, X86_R9, X86_CTX);
	x86_mov_ri(b, X86_T1, fn);
	x86_call_reg(b, X86_T1);
	if (x->checked)
		pop_all(b, arg_regs, 6);
	x86_alu_mi(b, X86_CMP, false, X86_CTX, RUN_OFF(action), VM_RUN);
	x86_jcc_fault(x, X86_CC_NE, JIT_EXIT_HELPER, -1);
}

void x86_local_call(struct x86_ctx *x, uint32_t label, bool indirect)
{
	struct jit_buf *b = x->b;

	x86_alu_rm(b, X86_CMP, true, X86_RBP, X86_CTX, RUN_OFF(jit.floor));
	x86_jcc_fault(x, X86_CC_BE, JIT_EXIT_DEEP, -1);
	push_all(b, frame_regs, 5); /* 40 bytes + return address: aligned */
	x86_alu_ri(b, X86_SUB, true, X86_RBP, VM_FRAME_SIZE);
	if (indirect)
		x86_call_reg(b, X86_T1);
	else
		x86_call_to(x, label);
	pop_all(b, frame_regs, 5);
}

static void emit_entry(struct x86_ctx *x)
{
	struct jit_buf *b = x->b;
	static const uint8_t zeroed[] = { X86_RAX, X86_RDX, X86_RCX, X86_R8,
					  X86_RBX, X86_R13, X86_R14, X86_R15 };

	push_all(b, saved_regs, 6); /* with the return address: 16-byte aligned - 8 */
	x86_mov_rr(b, true, X86_CTX, X86_RDI);
	x86_store_r(b, 8, X86_CTX, RUN_OFF(jit.sp), X86_RSP);
	x86_mov_rr(b, true, X86_RBP, X86_RCX);
	x86_mov_rr(b, true, X86_BUDGET, X86_R8);
	x86_mov_rr(b, true, X86_RDI, X86_RSI);
	x86_mov_rr(b, true, X86_RSI, X86_RDX);
	for (size_t i = 0; i < sizeof(zeroed); i++)
		x86_alu_rr(b, X86_XOR, false, zeroed[i], zeroed[i]);
	x86_call_to(x, 0);
	x86_store_i(b, 4, X86_CTX, RUN_OFF(jit.kind), JIT_EXIT_OK);
	x86_store_r(b, 8, X86_CTX, RUN_OFF(jit.left), X86_BUDGET);
	pop_all(b, saved_regs, 6);
	x86_ret(b);
}

static void emit_fault_exit(struct x86_ctx *x)
{
	struct jit_buf *b = x->b;

	jit_label_place(x->jc, x->l_fault_exit);
	x86_store_r(b, 8, X86_CTX, RUN_OFF(jit.left), X86_BUDGET);
	x86_load(b, 8, false, X86_RSP, X86_CTX, RUN_OFF(jit.sp));
	pop_all(b, saved_regs, 6);
	x86_ret(b);
}

/* Thunks into C, called from an instruction's code (stack 16-aligned
 * there, so 8 off inside), preserving every eBPF register.
 * Memory check: T1 = address, T2 = size | write << 8; T2 = verdict. */
static void emit_mem_thunk(struct x86_ctx *x)
{
	static const uint8_t keep[] = { X86_RAX, X86_RDI, X86_RSI, X86_RDX, X86_RCX,
					X86_R8, X86_R9, X86_R11, X86_R10 };
	struct jit_buf *b = x->b;

	jit_label_place(x->jc, x->l_mem_thunk);
	push_all(b, keep, 9);
	x86_mov_rr(b, true, X86_RDI, X86_CTX);
	x86_mov_rr(b, true, X86_RSI, X86_T1);
	x86_movx_rr(b, 8, false, false, X86_RDX, X86_T2);
	x86_mov_rr(b, false, X86_RCX, X86_T2);
	x86_shift_ri(b, X86_SHR, false, X86_RCX, 8);
	x86_mov_ri(b, X86_RAX, (uintptr_t)vm_access_ok_ext);
	x86_call_reg(b, X86_RAX);
	x86_movx_rr(b, 8, false, false, X86_RAX, X86_RAX); /* bool: al only */
	x86_store_r(b, 8, X86_RSP, 0, X86_RAX);            /* into the saved T2 */
	pop_all(b, keep, 9);
	x86_ret(b);
}

/* Packet load: T1 = offset, T2 = size; rax = value or UINT64_MAX. */
static void emit_pkt_thunk(struct x86_ctx *x)
{
	static const uint8_t keep[] = { X86_RDI, X86_RSI, X86_RDX, X86_RCX, X86_R8, X86_R9,
					X86_R9 /* padding for alignment */ };
	struct jit_buf *b = x->b;

	jit_label_place(x->jc, x->l_pkt_thunk);
	push_all(b, keep, 7);
	x86_mov_rr(b, true, X86_RDI, X86_CTX);
	x86_movx_rr(b, 32, true, true, X86_RSI, X86_T1);
	x86_mov_rr(b, false, X86_RDX, X86_T2);
	x86_mov_ri(b, X86_RAX, (uintptr_t)vm_ld_pkt);
	x86_call_reg(b, X86_RAX);
	pop_all(b, keep, 7);
	x86_ret(b);
}

static void emit_fault_record(struct x86_ctx *x, const struct x86_stub *s)
{
	struct jit_buf *b = x->b;

	if (s->aux_reg >= 0)
		x86_store_r(b, 8, X86_CTX, RUN_OFF(jit.aux), s->aux_reg);
	x86_store_i(b, 4, X86_CTX, RUN_OFF(jit.idx), (int32_t)s->idx);
	x86_store_i(b, 4, X86_CTX, RUN_OFF(jit.kind), (int32_t)s->kind);
	x86_jmp_to(x, x->l_fault_exit);
}

/* callx into the second slot of lddw at idx: the interpreter runs the
 * copy it keeps there (the lddw again) and continues at idx + 3. */
static int emit_slot2(struct x86_ctx *x, const struct x86_stub *s)
{
	const struct vm_insn *in = &x->prog->code[s->idx];
	struct jit_buf *b = x->b;

	jit_label_place(x->jc, s->idx + 1);
	if (x->checked) {
		x86_alu_ri(b, X86_SUB, true, X86_BUDGET, 1);
		x->idx = s->idx + 1;
		x86_jcc_fault(x, X86_CC_B, JIT_EXIT_BUDGET, -1);
	}
	x86_lower_lddw(x, in);
	if (s->idx + 3 < x->prog->cnt) {
		x86_jmp_to(x, s->idx + 3);
		return 0;
	}
	x86_mov_ri(b, X86_T1, VM_FUNC_TAG | (s->idx + 1));
	x->idx = s->idx + 1;
	x86_jmp_to(x, stub_new(x, STUB_FAULT, JIT_EXIT_BAD_CALLX, X86_T1)->label);
	return 0;
}

/* Stubs may add stubs (slot2 adds fault records): walk until none is left. */
static void emit_stubs(struct x86_ctx *x)
{
	for (size_t i = 0; i < x->stub_cnt; i++) {
		struct x86_stub s = x->stubs[i];
		struct jit_buf *b = x->b;

		if (s.type == STUB_SLOT2) {
			emit_slot2(x, &s);
			continue;
		}
		jit_label_place(x->jc, s.label);
		if (s.type == STUB_MEM) {
			x86_mov_ri32(b, X86_T2, s.kind >> 8);
			x86_call_to(x, x->l_mem_thunk);
			x86_test_rr(b, false, X86_T2, X86_T2);
			x86_jcc_to(x, X86_CC_NE, s.back);
			s.aux_reg = X86_T1;
		}
		emit_fault_record(x, &s);
	}
}

static void emit_table(struct x86_ctx *x)
{
	struct jit_buf *b = x->b;

	x->jc->text_len = b->len;
	while (b->len % 4)
		jit_put8(b, 0xcc);
	jit_label_place(x->jc, x->l_table);
	for (size_t i = 0; i < x->prog->cnt; i++)
		jit_put32(b, x->jc->pos[i]); /* all placed by now */
}

static int emit_insns(struct x86_ctx *x)
{
	const struct bpfx_prog *prog = x->prog;

	for (size_t i = 0; i < prog->cnt; i += prog->code[i].op == ISA_OP_LDDW ? 2 : 1) {
		const struct vm_insn *in = &prog->code[i];
		int err;

		x->idx = (uint32_t)i;
		jit_label_place(x->jc, (uint32_t)i);
		if (x->checked) {
			/* The interpreter's budget: one per executed instruction,
			 * checked before it runs. */
			x86_alu_ri(x->b, X86_SUB, true, X86_BUDGET, 1);
			x86_jcc_fault(x, X86_CC_B, JIT_EXIT_BUDGET, -1);
		}
		if ((err = lower_table[in->op](x, in)))
			return err;
		if (in->op == ISA_OP_LDDW)
			stub_new(x, STUB_SLOT2, 0, -1);
	}
	jit_label_place(x->jc, (uint32_t)prog->cnt);
	return 0;
}

/* BMI2 gives shifts by any register; BPFX_JIT_NO_BMI2=1 (for tests)
 * makes the JIT use the cl forms instead. */
static bool cpu_has_bmi2(void)
{
#if defined(__x86_64__)
	const char *off = getenv("BPFX_JIT_NO_BMI2");
	__builtin_cpu_init();
	return __builtin_cpu_supports("bmi2") && !(off && *off == '1');
#else
	return false;
#endif
}

static int x86_emit_pass(struct jit_ctx *c)
{
	if (c->pass == 1)
		c->features = cpu_has_bmi2();
	struct x86_ctx x = { .jc = c, .b = &c->buf, .prog = c->prog, .checked = c->checked,
			     .bmi2 = c->features & 1 };
	int err;

	x.l_start = jit_label_new(c);
	jit_label_place(c, x.l_start); /* the image's first byte: callx's table base */
	x.l_fault_exit = jit_label_new(c);
	x.l_mem_thunk = jit_label_new(c);
	x.l_pkt_thunk = jit_label_new(c);
	x.l_table = jit_label_new(c);
	emit_entry(&x);
	err = emit_insns(&x);
	if (!err) {
		emit_stubs(&x);
		emit_fault_exit(&x);
		emit_mem_thunk(&x);
		emit_pkt_thunk(&x);
		emit_table(&x);
	}
	if (!err && !c->buf.err)
		err = apply_fixups(&x, &c->settled);
	mem_free(x.stubs);
	mem_free(x.fixes);
	return err ? err : c->buf.err;
}

const struct jit_backend jit_backend_x86_64 = {
	.name = "x86-64",
	.emit_pass = x86_emit_pass,
};
