/* SPDX-License-Identifier: MIT */
/*
 * The interpreter's dispatch loop, written once and included twice by
 * interp.c: with VM_CHECKED 0 (trusted: the program passed the verifier)
 * and VM_CHECKED 1 (every load, store and atomic is checked against the
 * regions the run was given, and the executed-instruction budget is
 * enforced). VM_LOOP_FN names the function.
 *
 * Runs on the caller's thread with everything on the C stack: registers,
 * the 8 x 512-byte eBPF stack and the call frames, so a program may run on
 * many threads at once. Semantics follow the Linux kernel (see each
 * handler); the pre-decoded operand `I->imm` is the instruction's imm
 * sign-extended to 64 bits. VM_CORE_FN and VM_CB_FN name the loop itself
 * and the callback entry (run->callback) of this instantiation.
 */

/* The loop itself. Runs code from `start` with r1-r5 = args and the frame
 * pointer of frame depth0 (0 for a program's run; a callback runs one
 * frame below the helper's caller, in the same stack area). Exits at the
 * EXIT of frame depth0. Checked runs take their instruction budget from
 * run->budget_left and leave what is left there (so a callback's
 * instructions count against its program's run). */
static int VM_CORE_FN(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
	   const struct vm_insn *start, const uint64_t args[5], unsigned depth0,
	   struct bpfx_run_result *res)
{
	static const void *const labels[ISA_OP_COUNT] = {
#define VM_LABEL(NAME, CODE, MATCH, VAL, SHAPE, SYM, CN) [ISA_OP_##NAME] = &&op_##NAME,
		ISA_OPCODES(VM_LABEL)
#undef VM_LABEL
	};
	uint64_t reg[11] = { 0 };
	struct {
		const struct bpfx_prog *prog;  /* the caller's program (tail calls change it) */
		const struct vm_insn *ret;
		uint64_t saved[4];     /* r6-r9 of the caller */
		uint64_t fp;
	} frames[VM_MAX_FRAMES];
	unsigned depth = depth0;
	const struct vm_insn *code = prog->code;
	const struct vm_insn *I = start;
	uint64_t *const outer_regs = run->regs;
	int err = 0;
#if VM_CHECKED
	uint64_t left = run->budget_left;
#endif

	run->regs = reg;
	memcpy(&reg[1], args, 5 * sizeof(*args));
	reg[10] = run->stack_lo + VM_STACK_SIZE - (uint64_t)depth0 * VM_FRAME_SIZE;

#define D reg[I->dst]
#define S reg[I->src]
#define K I->imm
#define D32 ((uint32_t)reg[I->dst])
#define S32 ((uint32_t)reg[I->src])
#define K32 ((uint32_t)I->imm)

#if VM_CHECKED
#define DISPATCH()                                                          \
	do {                                                                \
		if (__builtin_expect(left == 0, 0))                         \
			goto out_of_budget;                                 \
		left--;                                                     \
		goto *labels[I->op];                                        \
	} while (0)
#define ACCESS(addr, size, write)                                           \
	do {                                                                \
		if (__builtin_expect(!vm_access_ok(run, (addr), (size), (write)), 0)) { \
			fault_addr = (addr);                                \
			fault_size = (size);                                \
			fault_write = (write);                              \
			goto bad_access;                                    \
		}                                                           \
	} while (0)
#define ATOMIC_ALIGN(addr, size)                                            \
	do {                                                                \
		if ((addr) & ((size) - 1))                                  \
			goto misaligned_atomic;                             \
	} while (0)
	uint64_t fault_addr = 0;
	unsigned fault_size = 0;
	bool fault_write = false;
	/* Helpers may run callbacks, which spend the same budget. */
#define BUDGET_OUT() (run->budget_left = left)
#define BUDGET_IN() (left = run->budget_left)
#else
#define BUDGET_OUT() ((void)0)
#define BUDGET_IN() ((void)0)
#define DISPATCH() goto *labels[I->op]
#define ACCESS(addr, size, write) ((void)0)
#define ATOMIC_ALIGN(addr, size) ((void)0)
#endif
#define NEXT()  do { I++; DISPATCH(); } while (0)
#define JUMP(c) do { I += (c) ? I->off : 1; DISPATCH(); } while (0)

	DISPATCH();

	/* ---- ALU: the 32-bit forms zero-extend their result ---- */
#define ALU(NAME, EXPR64, EXPR32)                                                \
	op_##NAME##64_K: { uint64_t b = K; D = (EXPR64); NEXT(); }               \
	op_##NAME##64_X: { uint64_t b = S; D = (EXPR64); NEXT(); }               \
	op_##NAME##32_K: { uint32_t b = K32; D = (uint32_t)(EXPR32); NEXT(); }   \
	op_##NAME##32_X: { uint32_t b = S32; D = (uint32_t)(EXPR32); NEXT(); }
	ALU(ADD, D + b, D32 + b)
	ALU(SUB, D - b, D32 - b)
	ALU(MUL, D * b, D32 * b)
	ALU(OR, D | b, D32 | b)
	ALU(AND, D & b, D32 & b)
	ALU(XOR, D ^ b, D32 ^ b)
	ALU(MOV, b, b)
	/* Shift counts are masked to the operand width, as the kernel's
	 * interpreter and JITs do. */
	ALU(LSH, D << (b & 63), D32 << (b & 31))
	ALU(RSH, D >> (b & 63), D32 >> (b & 31))
	ALU(ARSH, (uint64_t)((int64_t)D >> (b & 63)), (uint32_t)((int32_t)D32 >> (b & 31)))
	/* Division by zero gives 0; modulo by zero leaves the dividend (the
	 * 32-bit form zero-extended). */
	ALU(DIV, b ? D / b : 0, b ? D32 / b : 0)
	ALU(MOD, b ? D % b : D, b ? D32 % b : D32)
	/* Signed forms: INT_MIN / -1 = INT_MIN and INT_MIN % -1 = 0, computed
	 * without overflow. */
	ALU(SDIV, vm_sdiv64(D, b), vm_sdiv32(D32, b))
	ALU(SMOD, vm_smod64(D, b), vm_smod32(D32, b))
#undef ALU

op_NEG64:      D = 0 - D; NEXT();
op_NEG32:      D = (uint32_t)(0 - D32); NEXT();
op_MOVSX8_64:  D = (uint64_t)(int64_t)(int8_t)S; NEXT();
op_MOVSX16_64: D = (uint64_t)(int64_t)(int16_t)S; NEXT();
op_MOVSX32_64: D = (uint64_t)(int64_t)(int32_t)S; NEXT();
op_MOVSX8_32:  D = (uint32_t)(int32_t)(int8_t)S; NEXT();
op_MOVSX16_32: D = (uint32_t)(int32_t)(int16_t)S; NEXT();
	/* Byte order: the host is little-endian (x86-64, arm64 LE). */
op_LE16:    D = (uint16_t)D; NEXT();
op_LE32:    D = (uint32_t)D; NEXT();
op_LE64:    NEXT();
op_BE16:
op_BSWAP16: D = __builtin_bswap16((uint16_t)D); NEXT();
op_BE32:
op_BSWAP32: D = __builtin_bswap32((uint32_t)D); NEXT();
op_BE64:
op_BSWAP64: D = __builtin_bswap64(D); NEXT();

	/* ---- jumps ---- */
#define JMP(NAME, EXPR64, EXPR32)                                               \
	op_##NAME##_K:   { uint64_t b = K; JUMP(EXPR64); }                        \
	op_##NAME##_X:   { uint64_t b = S; JUMP(EXPR64); }                        \
	op_##NAME##32_K: { uint32_t b = K32; JUMP(EXPR32); }                      \
	op_##NAME##32_X: { uint32_t b = S32; JUMP(EXPR32); }
	JMP(JEQ, D == b, D32 == b)
	JMP(JNE, D != b, D32 != b)
	JMP(JGT, D > b, D32 > b)
	JMP(JGE, D >= b, D32 >= b)
	JMP(JLT, D < b, D32 < b)
	JMP(JLE, D <= b, D32 <= b)
	JMP(JSET, (D & b) != 0, (D32 & b) != 0)
	JMP(JSGT, (int64_t)D > (int64_t)b, (int32_t)D32 > (int32_t)b)
	JMP(JSGE, (int64_t)D >= (int64_t)b, (int32_t)D32 >= (int32_t)b)
	JMP(JSLT, (int64_t)D < (int64_t)b, (int32_t)D32 < (int32_t)b)
	JMP(JSLE, (int64_t)D <= (int64_t)b, (int32_t)D32 <= (int32_t)b)
#undef JMP

op_JA:   I += I->off; DISPATCH();
op_JA32: I += I->off; DISPATCH();   /* off holds imm + 1 (pre-decoded) */
op_MAY_GOTO:
	/* The kernel's bounded-loop escape: fall through while the per-run
	 * counter lasts, jump once it is spent. */
	if (run->may_goto_left == 0) {
		I += I->off;
		DISPATCH();
	}
	run->may_goto_left--;
	NEXT();

	/* ---- calls ---- */
op_CALL_HELPER:
	BUDGET_OUT();
	reg[0] = ((bpfx_helper_fn)(uintptr_t)K)(reg[1], reg[2], reg[3], reg[4], reg[5], run);
	BUDGET_IN();
	if (__builtin_expect(run->action != VM_RUN, 0))
		goto helper_stopped;
	NEXT();
	/* A bpf-to-bpf call: save the caller's r6-r9 and frame pointer, give
	 * the callee the next 512-byte frame. */
#define LOCAL_CALL(TARGET)                                                      \
	do {                                                                    \
		if (depth + 1 >= VM_MAX_FRAMES)                                 \
			goto too_deep;                                          \
		frames[depth].prog = prog;                                      \
		frames[depth].ret = I + 1;                                      \
		memcpy(frames[depth].saved, &reg[6], sizeof(frames[depth].saved)); \
		frames[depth].fp = reg[10];                                     \
		depth++;                                                        \
		reg[10] -= VM_FRAME_SIZE;                                       \
		I = (TARGET);                                                   \
		DISPATCH();                                                     \
	} while (0)
op_CALLX: {
	/* The register holds a helper id (the conformance suite's use) or a
	 * function loaded by lddw with src BPF_PSEUDO_FUNC. */
	uint64_t target = D;
	if ((target & VM_FUNC_TAG_MASK) == VM_FUNC_TAG) {
		uint64_t idx = target & ~VM_FUNC_TAG_MASK;
		if (idx >= prog->cnt)
			goto bad_callx;
		LOCAL_CALL(code + idx);
	}
	const struct bpfx_helper *h = vm_find_helper(prog, target);
	if (!h)
		goto bad_callx;
	BUDGET_OUT();
	reg[0] = h->fn(reg[1], reg[2], reg[3], reg[4], reg[5], run);
	BUDGET_IN();
	if (__builtin_expect(run->action != VM_RUN, 0))
		goto helper_stopped;
	NEXT();
}
op_CALL_LOCAL:
	LOCAL_CALL(I + I->off);
#undef LOCAL_CALL
op_CALL_KFUNC:
	/* prog.c refuses kfunc calls before a program can run. */
	goto bad_callx;
op_EXIT:
	if (depth == depth0) {
		res->r0 = reg[0];
		goto done;
	}
	depth--;
	if (__builtin_expect(frames[depth].prog != prog, 0)) {
		/* back from a program a subprogram tail-called */
		prog = frames[depth].prog;
		code = prog->code;
		run->prog = prog;
	}
	I = frames[depth].ret;
	memcpy(&reg[6], frames[depth].saved, sizeof(frames[depth].saved));
	reg[10] = frames[depth].fp;
	DISPATCH();

	/* ---- loads and stores ---- */
op_LDDW: D = K; I += 2; DISPATCH();

#define LDX(NAME, T, EXT)                                                       \
	op_##NAME: {                                                            \
		uint64_t a = S + (int64_t)I->off;                               \
		T v;                                                            \
		ACCESS(a, sizeof(T), false);                                    \
		memcpy(&v, (const void *)(uintptr_t)a, sizeof(T));              \
		D = (uint64_t)(EXT)v;                                           \
		NEXT();                                                         \
	}
	LDX(LDXB, uint8_t, uint64_t)
	LDX(LDXH, uint16_t, uint64_t)
	LDX(LDXW, uint32_t, uint64_t)
	LDX(LDXDW, uint64_t, uint64_t)
	LDX(LDXSB, int8_t, int64_t)
	LDX(LDXSH, int16_t, int64_t)
	LDX(LDXSW, int32_t, int64_t)
#undef LDX

#define STORE(NAME, T, VALUE)                                                   \
	op_##NAME: {                                                            \
		uint64_t a = D + (int64_t)I->off;                               \
		T v = (T)(VALUE);                                               \
		ACCESS(a, sizeof(T), true);                                     \
		memcpy((void *)(uintptr_t)a, &v, sizeof(T));                    \
		NEXT();                                                         \
	}
	STORE(STB, uint8_t, K)
	STORE(STH, uint16_t, K)
	STORE(STW, uint32_t, K)
	STORE(STDW, uint64_t, K)
	STORE(STXB, uint8_t, S)
	STORE(STXH, uint16_t, S)
	STORE(STXW, uint32_t, S)
	STORE(STXDW, uint64_t, S)
#undef STORE

	/* Legacy packet loads: big-endian, zero-extended; a load outside the
	 * packet ends the program with r0 = 0, as in the kernel. */
#define LDPKT(NAME, SIZE, CONV, OFFSET)                                          \
	op_##NAME: {                                                            \
		const uint8_t *p = vm_pkt_ptr(run, (OFFSET), (SIZE));           \
		if (!p) {                                                       \
			res->r0 = 0;                                            \
			goto done;                                              \
		}                                                               \
		reg[0] = CONV(p);                                               \
		NEXT();                                                         \
	}
	LDPKT(LDABS_B, 1, vm_load_be8, (int32_t)I->imm)
	LDPKT(LDABS_H, 2, vm_load_be16, (int32_t)I->imm)
	LDPKT(LDABS_W, 4, vm_load_be32, (int32_t)I->imm)
	LDPKT(LDIND_B, 1, vm_load_be8, (int32_t)(S32 + K32))
	LDPKT(LDIND_H, 2, vm_load_be16, (int32_t)(S32 + K32))
	LDPKT(LDIND_W, 4, vm_load_be32, (int32_t)(S32 + K32))
#undef LDPKT

	/* ---- atomics: real atomic instructions, sequentially consistent
	 * like the kernel's fetch forms ---- */
#define ATOMIC(NAME, T, BUILTIN, FETCH)                                          \
	op_##NAME: {                                                            \
		uint64_t a = D + (int64_t)I->off;                               \
		ACCESS(a, sizeof(T), true);                                     \
		ATOMIC_ALIGN(a, sizeof(T));                                     \
		T old = BUILTIN((T *)(uintptr_t)a, (T)S, __ATOMIC_SEQ_CST);     \
		if (FETCH)                                                      \
			S = (uint64_t)old;                                      \
		else                                                            \
			(void)old;                                              \
		NEXT();                                                         \
	}
	ATOMIC(AADD64, uint64_t, __atomic_fetch_add, 0)
	ATOMIC(AADD32, uint32_t, __atomic_fetch_add, 0)
	ATOMIC(AOR64, uint64_t, __atomic_fetch_or, 0)
	ATOMIC(AOR32, uint32_t, __atomic_fetch_or, 0)
	ATOMIC(AAND64, uint64_t, __atomic_fetch_and, 0)
	ATOMIC(AAND32, uint32_t, __atomic_fetch_and, 0)
	ATOMIC(AXOR64, uint64_t, __atomic_fetch_xor, 0)
	ATOMIC(AXOR32, uint32_t, __atomic_fetch_xor, 0)
	ATOMIC(AFADD64, uint64_t, __atomic_fetch_add, 1)
	ATOMIC(AFADD32, uint32_t, __atomic_fetch_add, 1)
	ATOMIC(AFOR64, uint64_t, __atomic_fetch_or, 1)
	ATOMIC(AFOR32, uint32_t, __atomic_fetch_or, 1)
	ATOMIC(AFAND64, uint64_t, __atomic_fetch_and, 1)
	ATOMIC(AFAND32, uint32_t, __atomic_fetch_and, 1)
	ATOMIC(AFXOR64, uint64_t, __atomic_fetch_xor, 1)
	ATOMIC(AFXOR32, uint32_t, __atomic_fetch_xor, 1)
	ATOMIC(AXCHG64, uint64_t, __atomic_exchange_n, 1)
	ATOMIC(AXCHG32, uint32_t, __atomic_exchange_n, 1)
#undef ATOMIC
	/* cmpxchg compares with r0 and always leaves the old value in r0
	 * (zero-extended in the 32-bit form). */
op_ACMPXCHG64: {
	uint64_t a = D + (int64_t)I->off;
	ACCESS(a, 8, true);
	ATOMIC_ALIGN(a, 8);
	uint64_t expected = reg[0];
	__atomic_compare_exchange_n((uint64_t *)(uintptr_t)a, &expected, S, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	reg[0] = expected;
	NEXT();
}
op_ACMPXCHG32: {
	uint64_t a = D + (int64_t)I->off;
	ACCESS(a, 4, true);
	ATOMIC_ALIGN(a, 4);
	uint32_t expected = (uint32_t)reg[0];
	__atomic_compare_exchange_n((uint32_t *)(uintptr_t)a, &expected, S32, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	reg[0] = expected;
	NEXT();
}

	/* ---- ways out ---- */
helper_stopped:
	if (run->action == VM_TAIL_CALL) {
		/* From the program's own frame, the run loop starts the target
		 * (vm_run_chain). From a subprogram, as the kernel's JIT does,
		 * the target replaces the subprogram in its frame and returns
		 * to the subprogram's caller; the run holds it until it ends. */
		if (depth == 0)
			goto done;
		if (vm_run_hold(run, run->tail_hold)) {
			run->action = VM_FAULT;
			err = vm_fault(res, code, I, -E2BIG, "bpf_tail_call: more than %d objects "
				       "held by one run", VM_MAX_HELD);
			goto done;
		}
		run->action = VM_RUN;
		prog = run->tail_next;
		run->prog = prog;
		code = prog->code;
		reg[1] = run->tail_r1;
		I = code;
		DISPATCH();
	}
	if (run->action == VM_FAULT) {
		err = vm_fault(res, code, I, run->fault_err, "%s", run->fault_msg);
		goto done;
	}
	res->r0 = run->stop_r0;
	goto done;
too_deep:
	err = vm_fault(res, code, I, -EFAULT, "call stack deeper than %d frames",
		       VM_MAX_FRAMES);
	goto done;
bad_callx:
	err = vm_fault(res, code, I, -EINVAL, "callx to 0x%llx: no such helper or function",
		       (unsigned long long)(I->op == ISA_OP_CALLX ? D : K));
	goto done;
#if VM_CHECKED
bad_access:
	err = vm_fault(res, code, I, -EFAULT,
		       "invalid memory access: %s of %u bytes at 0x%llx is outside the "
		       "stack, context, packet and map values",
		       fault_write ? "write" : "read", fault_size,
		       (unsigned long long)fault_addr);
	goto done;
misaligned_atomic:
	err = vm_fault(res, code, I, -EFAULT, "misaligned atomic access at 0x%llx",
		       (unsigned long long)(D + (int64_t)I->off));
	goto done;
out_of_budget:
	err = vm_fault(res, code, I, -ELOOP,
		       "instruction budget of %llu exceeded (infinite loop?)",
		       (unsigned long long)run->budget);
	goto done;
#endif
done:
#if VM_CHECKED
	run->budget_left = left;
#endif
	run->regs = outer_regs;
	return err;

#undef D
#undef S
#undef K
#undef D32
#undef S32
#undef K32
#undef DISPATCH
#undef ACCESS
#undef ATOMIC_ALIGN
#undef NEXT
#undef JUMP
#undef BUDGET_OUT
#undef BUDGET_IN
}

/* A run from instruction `start` with r1-r5 = args: the stack lives here,
 * on the caller's C stack. (budget: checked runs only.) */
static inline __attribute__((always_inline)) int
VM_AT_FN(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
	 const struct vm_insn *start, const uint64_t args[5], uint64_t budget,
	 struct bpfx_run_result *res)
{
	uint8_t stack[VM_STACK_SIZE] __attribute__((aligned(16)));

#if VM_CHECKED
	/* An unverified program may read stack it never wrote: it finds
	 * zeros, never what the host left there (the JIT does the same). */
	memset(stack, 0, sizeof(stack));
#endif
	run->stack_lo = (uintptr_t)stack;
	run->regs = NULL;
#if VM_CHECKED
	run->budget = budget;
	run->budget_left = budget;
	int err = VM_CORE_FN(prog, run, start, args, 0, res);
	res->insns = budget - run->budget_left;
	if (run->held_lock) {
		/* The verifier refuses a program that can exit holding a
		 * bpf_spin_lock; one that skipped it (or faulted) must not
		 * leave the map wedged. The lock word is free at 0
		 * (helpers/lock_helpers.c). */
		__atomic_store_n((uint32_t *)run->held_lock, 0, __ATOMIC_RELEASE);
		if (!err) {
			res->fault_insn = -1;
			snprintf(res->fault_msg, sizeof(res->fault_msg),
				 "the program ended holding a bpf_spin_lock (released)");
			err = -EFAULT;
		}
	}
	return err;
#else
	(void)budget;
	return VM_CORE_FN(prog, run, start, args, 0, res);
#endif
}

int VM_LOOP_FN(const struct bpfx_prog *prog, struct bpfx_run_ctx *run,
	       uint64_t r1, uint64_t r2,
#if VM_CHECKED
	       uint64_t budget,
#endif
	       struct bpfx_run_result *res)
{
	const uint64_t args[5] = { r1, r2, 0, 0, 0 };
#if VM_CHECKED
	return VM_AT_FN(prog, run, prog->code, args, budget, res);
#else
	return VM_AT_FN(prog, run, prog->code, args, 0, res);
#endif
}

/* A callback (run->callback), called by a helper of a run of this loop:
 * instruction idx runs in the frame below the helper's caller (whose
 * frame pointer is r10 now), so the callback may use the caller's stack
 * through pointers and the 8-frame limit counts both. */
static int VM_CB_FN(struct bpfx_run_ctx *run, size_t idx, const uint64_t args[5],
		    uint64_t *r0)
{
	struct bpfx_run_result res;
	unsigned depth = (unsigned)((run->stack_lo + VM_STACK_SIZE - run->regs[10]) / VM_FRAME_SIZE);
	int err;

	if (depth + 1 >= VM_MAX_FRAMES) {
		bpfx_run_ctx__fault(run, -EFAULT, "callback: call stack deeper than %d frames",
				    VM_MAX_FRAMES);
		return -EFAULT;
	}
	res.fault_insn = -1;
	err = VM_CORE_FN(run->prog, run, run->prog->code + idx, args, depth + 1, &res);
	if (err) {
		/* The innermost callback's place is the one worth reporting. */
		if (strncmp(res.fault_msg, "in callback", 11))
			bpfx_run_ctx__fault(run, err, "in callback, insn %d: %s", res.fault_insn,
					    res.fault_msg);
		else
			bpfx_run_ctx__fault(run, err, "%s", res.fault_msg);
		return err;
	}
	*r0 = res.r0;
	return run->action == VM_RUN ? 0 : -ECANCELED;
}
