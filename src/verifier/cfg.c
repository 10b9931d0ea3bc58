/* SPDX-License-Identifier: MIT */
/*
 * Control flow, checked before any state is explored: subprogram
 * boundaries (calls and function references start them; jumps stay
 * inside their subprogram; each ends with exit or a jump), every
 * instruction reachable, prune points marked. After the exploration: the
 * stack of the deepest call chain (at most 8 frames, 512 bytes in all).
 * Back-edges are allowed (privileged: bounded loops are the explorer's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "verifier/vfy.h"

static bool is_local_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
}

static bool is_func_ref(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg == BPF_PSEUDO_FUNC;
}

static int add_subprog(struct vfy_env *env, int start)
{
	for (int i = 0; i < env->nsub; i++)
		if (env->sub[i].start == start)
			return 0;
	if (env->nsub >= (int)(sizeof(env->sub) / sizeof(env->sub[0]))) {
		vfy_log(env, "too many subprograms\n");
		return -E2BIG;
	}
	env->sub[env->nsub++].start = start;
	return 0;
}

static int cmp_sub(const void *a, const void *b)
{
	return ((const struct vfy_subprog *)a)->start - ((const struct vfy_subprog *)b)->start;
}

int vfy_subprog_of(const struct vfy_env *env, int insn)
{
	int s = 0;
	while (s + 1 < env->nsub && env->sub[s + 1].start <= insn)
		s++;
	return s;
}

/* Branch target of insn i, or -1 when it does not branch. */
static int jump_target(const struct bpf_insn *in, int i)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	if (cls != BPF_JMP && cls != BPF_JMP32)
		return -1;
	if (op == BPF_CALL || op == BPF_EXIT)
		return -1;
	if (cls == BPF_JMP32 && op == BPF_JA)
		return i + in->imm + 1;
	return i + in->off + 1;
}

static int find_subprogs(struct vfy_env *env)
{
	int err;
	env->nsub = 0;
	if ((err = add_subprog(env, 0)))
		return err;
	for (int i = 0; i < env->cnt; i++) {
		const struct bpf_insn *in = &env->insns[i];
		/* bpfx has no kernel BTF: every kfunc is unknown; callx is
		 * not for privileged programs either */
		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_KFUNC_CALL) {
			vfy_log(env, "kernel btf_id %d is not a function\n", in->imm);
			return -EINVAL;
		}
		if (in->code == (BPF_JMP | BPF_CALL | BPF_X)) {
			vfy_log(env, "unknown opcode %02x\n", in->code);
			return -EINVAL;
		}
		if (is_local_call(in) || is_func_ref(in))
			if ((err = add_subprog(env, i + in->imm + 1)))
				return err;
	}
	qsort(env->sub, (size_t)env->nsub, sizeof(env->sub[0]), cmp_sub);
	for (int s = 0; s < env->nsub; s++) {
		int start = env->sub[s].start, end = s + 1 < env->nsub ? env->sub[s + 1].start : env->cnt;
		env->flags[start] |= VFY_F_SUBSTART;
		for (int i = start; i < end; i++) {
			int t = jump_target(&env->insns[i], i);
			if (t >= 0 && (t < start || t >= end)) {
				vfy_log(env, "jump out of range from insn %d to %d\n", i, t);
				return -EINVAL;
			}
		}
		const struct bpf_insn *last = &env->insns[end - 1];
		if (last->code != (BPF_JMP | BPF_EXIT) && last->code != (BPF_JMP | BPF_JA) &&
		    last->code != (BPF_JMP32 | BPF_JA)) {
			vfy_log(env, "last insn is not an exit or jmp\n");
			return -EINVAL;
		}
	}
	return 0;
}

/* Depth-first walk from insn 0 marking what is reached and the prune
 * points. */
static int walk(struct vfy_env *env)
{
	int *todo = mem_realloc(NULL, (size_t)env->cnt * 2 * sizeof(int)), n = 0;
	if (!todo)
		return -ENOMEM;
	todo[n++] = 0;
	env->flags[0] |= VFY_F_SEEN;
#define VISIT(x)                                                  \
	do {                                                      \
		int _x = (x);                                     \
		if (_x >= 0 && _x < env->cnt && !(env->flags[_x] & VFY_F_SEEN)) { \
			env->flags[_x] |= VFY_F_SEEN;             \
			todo[n++] = _x;                           \
		}                                                 \
	} while (0)
	while (n) {
		int i = todo[--n];
		const struct bpf_insn *in = &env->insns[i];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		if (cls == BPF_LD && in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			env->flags[i + 1] |= VFY_F_SEEN;
			VISIT(i + 2);
			if (is_func_ref(in))
				VISIT(i + in->imm + 1);
			continue;
		}
		if (cls != BPF_JMP && cls != BPF_JMP32) {
			VISIT(i + 1);
			continue;
		}
		if (op == BPF_EXIT)
			continue;
		if (op == BPF_CALL) {
			if (is_local_call(in)) {
				VISIT(i + in->imm + 1);
				env->flags[i + in->imm + 1] |= VFY_F_PRUNE;
			}
			env->flags[i + 1 < env->cnt ? i + 1 : i] |= VFY_F_PRUNE;
			VISIT(i + 1);
			continue;
		}
		int t = jump_target(in, i);
		if (in->code == (BPF_JMP | 0xe0))
			env->flags[i] |= VFY_F_PRUNE | VFY_F_MAY_GOTO;
		env->flags[t] |= VFY_F_PRUNE;
		VISIT(t);
		if (op != BPF_JA) {
			env->flags[i + 1] |= VFY_F_PRUNE;
			VISIT(i + 1);
		}
	}
#undef VISIT
	mem_free(todo);
	for (int i = 0; i < env->cnt; i++)
		if (!(env->flags[i] & VFY_F_SEEN)) {
			vfy_log(env, "unreachable insn %d\n", i);
			return -EINVAL;
		}
	return 0;
}

int vfy_cfg(struct vfy_env *env)
{
	int err = find_subprogs(env);
	return err ? err : walk(env);
}

/* The deepest chain of calls from subprogram s: frames and bytes. */
static int chain_depth(struct vfy_env *env, int s, int frames, int bytes)
{
	int depth = env->sub[s].stack_depth ? env->sub[s].stack_depth : 1;
	bytes += (depth + 31) / 32 * 32;
	if (frames > VFY_MAX_FRAMES) {
		vfy_log(env, "the call stack of %d frames is too deep\n", frames);
		return -E2BIG;
	}
	if (bytes > VFY_STACK_SIZE) {
		vfy_log(env, "combined stack size of %d calls is %d. Too large\n", frames, bytes);
		return -EACCES;
	}
	int end = s + 1 < env->nsub ? env->sub[s + 1].start : env->cnt;
	for (int i = env->sub[s].start; i < end; i++) {
		const struct bpf_insn *in = &env->insns[i];
		if (!is_local_call(in))
			continue;
		int err = chain_depth(env, vfy_subprog_of(env, i + in->imm + 1), frames + 1, bytes);
		if (err)
			return err;
	}
	return 0;
}

int vfy_check_stack_depth(struct vfy_env *env)
{
	return chain_depth(env, 0, 1, 0);
}
