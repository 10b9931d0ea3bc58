/* SPDX-License-Identifier: MIT */
/*
 * Calls and exits: helper arguments checked against the helper's
 * prototype (struct bpfx_helper: map pointer, key and value of the map's
 * sizes, memory with a constant size, the context), R0 typed by the
 * return type and R1-R5 clobbered; bpf-to-bpf calls push a frame (at most
 * 8), exits pop it or end the path with R0 readable.
 */
#include <errno.h>
#include <string.h>

#include "verifier/vfy.h"

static const struct bpfx_helper *find_helper(const struct vfy_input *in, int32_t id)
{
	size_t lo = 0, hi = in->helper_cnt;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (in->helpers[mid].id == (uint32_t)id)
			return &in->helpers[mid];
		if (in->helpers[mid].id < (uint32_t)id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int type_error(struct vfy_env *env, int regno, const char *expected)
{
	vfy_log(env, "R%d type=%s expected=%s\n", regno, vfy_type_str(vfy_regs(env)[regno].type),
		expected);
	return -EACCES;
}

/* A size argument (the register after a memory argument). */
static int check_size_arg(struct vfy_env *env, int regno, bool zero_ok, int32_t *size)
{
	const struct vfy_reg *r = &vfy_regs(env)[regno];
	if (r->type != SCALAR_VALUE)
		return type_error(env, regno, "scalar");
	if (r->b.smin < 0) {
		vfy_log(env, "R%d min value is negative, either use unsigned or 'var &= const'\n", regno);
		return -EACCES;
	}
	if (r->b.umin == 0 && !zero_ok) {
		vfy_log(env, "R%d invalid zero-sized read: u64=[%llu,%llu]\n", regno,
			(unsigned long long)r->b.umin, (unsigned long long)r->b.umax);
		return -EACCES;
	}
	if (r->b.umax >= (1u << 29)) {
		vfy_log(env, "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'\n",
			regno);
		return -EACCES;
	}
	*size = (int32_t)r->b.umax;
	return 0;
}

static int check_arg(struct vfy_env *env, const struct bpfx_helper *h, int i, int *map)
{
	int regno = i + 1, err;
	enum bpfx_arg_type t = h->args[i];
	const struct vfy_reg *r = &vfy_regs(env)[regno];
	int32_t size = 0; /* set by check_size_arg() before use; gcc -O1 cannot tell */

	if (t == BPFX_ARG_NONE || t == BPFX_ARG_CONST_SIZE || t == BPFX_ARG_CONST_SIZE_OR_ZERO)
		return 0;
	if ((err = vfy_check_reg_init(env, regno)))
		return err;
	switch (t) {
	case BPFX_ARG_ANYTHING:
		return 0;
	case BPFX_ARG_CONST_MAP_PTR:
		if (r->type != CONST_PTR_TO_MAP)
			return type_error(env, regno, "map_ptr");
		*map = r->map;
		return 0;
	case BPFX_ARG_PTR_TO_MAP_KEY:
	case BPFX_ARG_PTR_TO_MAP_VALUE:
		if (*map < 0) {
			vfy_log(env, "invalid map_ptr to access map->%s\n",
				t == BPFX_ARG_PTR_TO_MAP_KEY ? "key" : "value");
			return -EACCES;
		}
		size = (int32_t)(t == BPFX_ARG_PTR_TO_MAP_KEY ? env->in->maps[*map].key_size
							       : env->in->maps[*map].value_size);
		return vfy_check_helper_mem(env, regno, size, false, false);
	case BPFX_ARG_PTR_TO_MEM:
	case BPFX_ARG_PTR_TO_UNINIT_MEM: {
		bool zero_ok = i + 1 < 5 && h->args[i + 1] == BPFX_ARG_CONST_SIZE_OR_ZERO;
		if (i + 1 >= 5 || (h->args[i + 1] != BPFX_ARG_CONST_SIZE && !zero_ok)) {
			vfy_log(env, "verifier internal error: memory argument without a size\n");
			return -EFAULT;
		}
		if ((err = vfy_check_reg_init(env, regno + 1)) ||
		    (err = check_size_arg(env, regno + 1, zero_ok, &size)))
			return err;
		return vfy_check_helper_mem(env, regno, size, t == BPFX_ARG_PTR_TO_UNINIT_MEM, zero_ok);
	}
	case BPFX_ARG_PTR_TO_CTX:
		if (r->type != PTR_TO_CTX)
			return type_error(env, regno, "ctx");
		if (r->off || !bounds_is_const(&r->b) || r->b.var_off.value) {
			vfy_log(env, "dereference of modified ctx ptr R%d off=%d disallowed\n", regno,
				r->off);
			return -EACCES;
		}
		return 0;
	default:
		break;
	}
	/* a prototype newer than this verifier: say so, and let the loader
	 * decide (PROG_LOAD then loads the program unverified) */
	vfy_log(env, "bpfx: %s: argument type %d is not supported by the verifier yet\n",
		h->name ? h->name : "helper", (int)t);
	return -EOPNOTSUPP;
}

int vfy_check_helper_call(struct vfy_env *env, const struct bpf_insn *insn)
{
	const struct bpfx_helper *h = find_helper(env->in, insn->imm);
	struct vfy_reg *regs = vfy_regs(env);
	int map = -1, err;

	if (!h) {
		vfy_log(env, "invalid func unknown#%d\n", insn->imm);
		return -EINVAL;
	}
	for (int i = 0; i < 5; i++)
		if ((err = check_arg(env, h, i, &map)))
			return err;
	for (int i = 1; i <= 5; i++)
		vfy_reg_not_init(&regs[i]);
	switch (h->ret) {
	case BPFX_RET_VOID:
		vfy_reg_not_init(&regs[0]);
		break;
	case BPFX_RET_PTR_TO_MAP_VALUE_OR_NULL:
		if (map < 0) {
			vfy_log(env, "verifier internal error: no map for the return value\n");
			return -EFAULT;
		}
		if (env->in->maps[map].type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		    env->in->maps[map].type == BPF_MAP_TYPE_HASH_OF_MAPS) {
			/* the kernel's CONST_PTR_TO_MAP_OR_NULL to the inner map:
			 * not modelled yet, so the load goes on unverified */
			vfy_log(env, "bpfx: %s: lookups in maps of maps are not supported by the "
				"verifier yet\n", h->name ? h->name : "helper");
			return -EOPNOTSUPP;
		}
		vfy_reg_not_init(&regs[0]);
		regs[0].type = PTR_TO_MAP_VALUE | VFY_MAYBE_NULL;
		regs[0].map = map;
		regs[0].b = bounds_const(0);
		regs[0].id = ++env->id_gen;
		break;
	case BPFX_RET_INTEGER:
		vfy_reg_unknown(&regs[0]);
		break;
	default:
		vfy_log(env, "bpfx: %s: return type %d is not supported by the verifier yet\n",
			h->name ? h->name : "helper", (int)h->ret);
		return -EOPNOTSUPP;
	}
	return 0;
}

int vfy_check_local_call(struct vfy_env *env, const struct bpf_insn *insn, int *next)
{
	int target = env->insn + insn->imm + 1;
	struct vfy_state *st = &env->cur;
	if (st->curframe + 1 >= VFY_MAX_FRAMES) {
		vfy_log(env, "the call stack of %d frames is too deep\n", st->curframe + 2);
		return -E2BIG;
	}
	struct vfy_frame *f = vfy_frame_new(env->insn, vfy_subprog_of(env, target));
	if (!f)
		return -ENOMEM;
	struct vfy_frame *caller = st->frames[st->curframe];
	for (int i = 1; i <= 5; i++)
		f->regs[i] = caller->regs[i];
	f->regs[10].frameno = (uint8_t)(st->curframe + 1);
	st->frames[++st->curframe] = f;
	*next = target;
	return 0;
}

int vfy_check_exit(struct vfy_env *env, int *next)
{
	struct vfy_state *st = &env->cur;
	int err;
	/* the kernel checks R0 only where the program ends */
	if (!st->curframe) {
		if ((err = vfy_check_reg_init(env, BPF_REG_0)))
			return err;
		*next = -1;
		return 0;
	}
	struct vfy_frame *callee = st->frames[st->curframe];
	struct vfy_reg r0 = callee->regs[0];
	if (BASE_TYPE(r0.type) == PTR_TO_STACK && r0.frameno == st->curframe) {
		vfy_log(env, "cannot return stack pointer to the caller\n");
		return -EINVAL;
	}
	*next = callee->callsite + 1;
	vfy_frame_free(callee);
	st->frames[st->curframe--] = NULL;
	struct vfy_reg *regs = vfy_regs(env);
	for (int i = 1; i <= 5; i++)
		vfy_reg_not_init(&regs[i]);
	regs[0] = r0;
	return 0;
}
