/* SPDX-License-Identifier: MIT */
/*
 * The exploration: every path of the program is followed instruction by
 * instruction from the entry state (R1 = ctx, R10 = fp), with pending
 * branches on a stack, until it exits, is pruned, or a check fails. Each
 * instruction goes to the checker of its class. At most 1,000,000
 * instructions are processed (the kernel's complexity limit).
 */
#include <errno.h>
#include <string.h>

#include "util/alloc.h"
#include "verifier/vfy.h"

/* Pads the log after an instruction line to the kernel's column for the
 * "; R0=..." comment (multiples of 40). */
static void log_changed(struct vfy_env *env, size_t line_start, uint32_t mask)
{
	if (!(env->log.level & 3) || !mask)
		return;
	size_t pos = env->log.len - line_start + 1; /* the kernel counts the newline */
	size_t col = pos < 8 ? 8 : pos;
	col = (col + 39) / 40 * 40;
	vfy_log(env, "%*c;", (int)(col - pos - 1), ' ');
	vfy_log_state(env, &env->cur, false, mask);
}

/* Runs the checker of one instruction. *next: the following instruction,
 * or -1 when the path ends; *written: registers to show in the log. */
static int step(struct vfy_env *env, const struct bpf_insn *in, int *next, uint32_t *written)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	*next = env->insn + 1;
	*written = 0;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		*written = 1u << in->dst_reg | (BPF_SRC(in->code) == BPF_X ? 1u << in->src_reg : 0);
		return vfy_check_alu(env, in);
	case BPF_LDX:
		*written = 1u << in->dst_reg | 1u << in->src_reg;
		return vfy_check_mem(env, in);
	case BPF_ST:
	case BPF_STX:
		*written = 1u << in->dst_reg | (cls == BPF_STX ? 1u << in->src_reg : 0);
		if (BPF_MODE(in->code) == BPF_ATOMIC && in->imm == BPF_CMPXCHG)
			*written |= 1;
		return vfy_check_mem(env, in);
	case BPF_LD:
		if (BPF_MODE(in->code) == BPF_IMM) {
			*next = env->insn + 2;
			*written = 1u << in->dst_reg;
			return vfy_check_ld_imm(env, in);
		}
		*written = 1;
		return vfy_check_ld_abs(env, in);
	}
	/* jumps */
	env->jmps++;
	if (op == BPF_JA) {
		*next = env->insn + 1 + (cls == BPF_JMP32 ? in->imm : in->off);
		return 0;
	}
	if (op == BPF_EXIT)
		return vfy_check_exit(env, next);
	if (op == BPF_CALL) {
		if (in->src_reg == BPF_PSEUDO_CALL)
			return vfy_check_local_call(env, in, next);
		if (in->src_reg == BPF_PSEUDO_KFUNC_CALL) {
			vfy_log(env, "calling kernel function is not supported\n");
			return -EINVAL;
		}
		if (BPF_SRC(in->code) == BPF_X) {
			vfy_log(env, "BPF_CALL uses reserved fields\n");
			return -EINVAL;
		}
		*written = 1;
		return vfy_check_helper_call(env, in);
	}
	if (op == 0xe0) /* may_goto */
		return vfy_check_may_goto(env, in, next);
	*written = 1u << in->dst_reg | (BPF_SRC(in->code) == BPF_X ? 1u << in->src_reg : 0);
	return vfy_check_cond_jmp(env, in, next);
}

/* Takes the next pending path; false when none is left. */
static bool pop_branch(struct vfy_env *env)
{
	vfy_state_free(&env->cur);
	if (!env->nstack)
		return false;
	struct vfy_branch *b = &env->stack[--env->nstack];
	env->cur = b->st;
	env->insn = b->insn;
	env->prev_insn = b->prev;
	if ((env->log.level & 3) == 1)
		env->log.len = b->log_pos;  /* level 1: drop the path that ended well */
	env->branch_print = true;
	return true;
}

static int entry_state(struct vfy_env *env)
{
	struct vfy_frame *f = vfy_frame_new(-1, 0);
	if (!f)
		return -ENOMEM;
	vfy_reg_not_init(&f->regs[1]);
	f->regs[1].type = PTR_TO_CTX;
	f->regs[1].b = bounds_const(0);
	memset(&env->cur, 0, sizeof(env->cur));
	env->cur.frames[0] = f;
	env->branch_print = true;
	return 0;
}

int vfy_explore(struct vfy_env *env)
{
	int err = entry_state(env);
	if (err)
		return err;
	env->insn = 0;
	for (;;) {
		int next;
		uint32_t written;
		bool pruned;
		if (++env->processed > (env->in->insn_limit ? env->in->insn_limit : VFY_INSN_LIMIT)) {
			vfy_log(env, "BPF program is too large. Processed %llu insn\n",
				(unsigned long long)env->processed);
			return -E2BIG;
		}
		if ((err = vfy_prune(env, env->insn, &pruned)))
			return err;
		if (pruned) {
			if ((env->log.level & 3) > 1)
				vfy_log(env, "%d: safe\n", env->insn);
			next = -1;
		} else {
			if (env->branch_print && (env->log.level & 3)) {
				vfy_log(env, "%d:", env->insn);
				vfy_log_state(env, &env->cur, true, 0);
				vfy_log(env, "\n");
				env->branch_print = false;
			}
			size_t line = env->log.len, after;
			if (env->log.level & 3) {
				vfy_log_insn(env, env->insn);
				vfy_log(env, "\n");
			}
			after = env->log.len;
			const struct bpf_insn *in = &env->insns[env->insn];
			int before = env->cur.curframe;
			if ((err = step(env, in, &next, &written)))
				return err;
			/* nothing logged by the step: its results on the same line */
			if ((env->log.level & 3) && env->log.len == after && written &&
			    env->cur.curframe == before && after && !env->log.full &&
			    env->log.buf[after - 1] == '\n') {
				env->log.len--;
				log_changed(env, line, written);
				vfy_log(env, "\n");
			}
		}
		if (next >= 0) {
			env->prev_insn = env->insn;
			env->insn = next;
			continue;
		}
		vfy_path_done(env);
		if (!pop_branch(env))
			return 0;
	}
}
