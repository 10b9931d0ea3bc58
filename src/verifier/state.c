/* SPDX-License-Identifier: MIT */
/*
 * Register and stack state: constructors of register values, call frames
 * and whole-state copies (for branches and checkpoints). A state owns its
 * frames, a frame owns its stack slots.
 */
#include <errno.h>
#include <string.h>

#include "util/alloc.h"
#include "verifier/vfy.h"

void vfy_reg_not_init(struct vfy_reg *r)
{
	memset(r, 0, sizeof(*r));
	r->map = -1;
	r->b = bounds_unknown();
}

void vfy_reg_scalar(struct vfy_reg *r, struct bounds b)
{
	vfy_reg_not_init(r);
	r->type = SCALAR_VALUE;
	r->b = b;
}

void vfy_reg_unknown(struct vfy_reg *r)
{
	vfy_reg_scalar(r, bounds_unknown());
}

void vfy_reg_const(struct vfy_reg *r, uint64_t v)
{
	vfy_reg_scalar(r, bounds_const(v));
}

struct vfy_frame *vfy_frame_new(int callsite, int subprog)
{
	struct vfy_frame *f = mem_zalloc(sizeof(*f));
	if (!f)
		return NULL;
	for (int i = 0; i <= 10; i++)
		vfy_reg_not_init(&f->regs[i]);
	f->callsite = callsite;
	f->subprog = subprog;
	f->regs[10].type = PTR_TO_STACK;
	f->regs[10].b = bounds_const(0);
	return f;
}

int vfy_stack_grow(struct vfy_frame *f, int nslots)
{
	if (nslots <= f->nslots)
		return 0;
	struct vfy_slot *s = mem_realloc(f->stack, (size_t)nslots * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + f->nslots, 0, (size_t)(nslots - f->nslots) * sizeof(*s));
	for (int i = f->nslots; i < nslots; i++)
		vfy_reg_not_init(&s[i].spill);
	f->stack = s;
	f->nslots = nslots;
	return 0;
}

static struct vfy_frame *frame_dup(const struct vfy_frame *src)
{
	struct vfy_frame *f = mem_zalloc(sizeof(*f));
	if (!f)
		return NULL;
	*f = *src;
	f->stack = NULL;
	f->nslots = 0;
	if (vfy_stack_grow(f, src->nslots)) {
		mem_free(f);
		return NULL;
	}
	if (src->nslots)
		memcpy(f->stack, src->stack, (size_t)src->nslots * sizeof(*f->stack));
	return f;
}

void vfy_frame_free(struct vfy_frame *f)
{
	if (f) {
		mem_free(f->stack);
		mem_free(f);
	}
}

void vfy_state_free(struct vfy_state *st)
{
	for (int i = 0; i < VFY_MAX_FRAMES; i++) {
		vfy_frame_free(st->frames[i]);
		st->frames[i] = NULL;
	}
}

int vfy_state_copy(struct vfy_state *dst, const struct vfy_state *src)
{
	memset(dst, 0, sizeof(*dst));
	for (int i = 0; i <= src->curframe; i++) {
		if (!(dst->frames[i] = frame_dup(src->frames[i]))) {
			vfy_state_free(dst);
			return -ENOMEM;
		}
	}
	dst->curframe = src->curframe;
	dst->parent = src->parent;
	dst->may_goto_depth = src->may_goto_depth;
	return 0;
}

int vfy_check_reg_init(struct vfy_env *env, int regno)
{
	if (vfy_regs(env)[regno].type == NOT_INIT) {
		vfy_log(env, "R%d !read_ok\n", regno);
		return -EACCES;
	}
	return 0;
}
