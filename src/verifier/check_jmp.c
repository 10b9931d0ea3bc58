/* SPDX-License-Identifier: MIT */
/*
 * Conditional jumps: decided statically when the operands' bounds allow
 * (the other side is never explored, like the kernel), else both sides
 * are explored with the operands narrowed for each. Comparing a nullable
 * pointer with 0 types it (and every copy: same id) on each side;
 * comparing a packet pointer with pkt_end gives its range.
 */
#include <errno.h>
#include <string.h>

#include "util/alloc.h"
#include "verifier/vfy.h"

/* Applies f to every register and spilled register of the state. */
static void for_each_reg(struct vfy_state *st, void (*f)(struct vfy_reg *, const void *),
			 const void *arg)
{
	for (int i = 0; i <= st->curframe; i++) {
		struct vfy_frame *fr = st->frames[i];
		for (int r = 0; r <= 10; r++)
			f(&fr->regs[r], arg);
		for (int s = 0; s < fr->nslots; s++)
			if (fr->stack[s].kind[0] == STACK_SPILL)
				f(&fr->stack[s].spill, arg);
	}
}

struct null_mark {
	uint32_t id;
	bool is_null;
};

static void mark_null(struct vfy_reg *r, const void *arg)
{
	const struct null_mark *m = arg;
	if (!(r->type & VFY_MAYBE_NULL) || r->id != m->id)
		return;
	if (m->is_null) {
		vfy_reg_const(r, 0);
	} else {
		r->type &= ~VFY_MAYBE_NULL;
		r->id = 0;
	}
}

struct pkt_mark {
	uint32_t type, id;
	int32_t range;
};

static void mark_pkt(struct vfy_reg *r, const void *arg)
{
	const struct pkt_mark *m = arg;
	if (r->type == m->type && r->id == m->id && r->range < m->range)
		r->range = m->range;
}

static void copy_linked(struct vfy_reg *r, const void *arg)
{
	const struct vfy_reg *src = arg;
	if (r != src && r->type == SCALAR_VALUE && r->id == src->id)
		r->b = src->b;
}

/* After a branch narrowed r: every scalar linked to it gets its bounds. */
static void sync_linked(struct vfy_state *st, const struct vfy_reg *r)
{
	if (r->type == SCALAR_VALUE && r->id)
		for_each_reg(st, copy_linked, r);
}

/* `pkt OP end` (or swapped): on which side is pkt + off <= end (range
 * off) or pkt + off < end (range off + 1)? Returns the side (1 taken, 0
 * not) and sets *open, or -1 when no side proves anything. */
static int pkt_side(uint8_t op, bool pkt_left, bool *open)
{
	if (!pkt_left) {
		switch (op) {
		case BPF_JGT: op = BPF_JLT; break;
		case BPF_JLT: op = BPF_JGT; break;
		case BPF_JGE: op = BPF_JLE; break;
		case BPF_JLE: op = BPF_JGE; break;
		default: return -1;
		}
	}
	switch (op) {
	case BPF_JGT: *open = false; return 0;  /* !(pkt > end): pkt <= end */
	case BPF_JGE: *open = true; return 0;   /* !(pkt >= end): pkt < end */
	case BPF_JLT: *open = true; return 1;
	case BPF_JLE: *open = false; return 1;
	}
	return -1;
}

static void pkt_range(struct vfy_state *st, const struct vfy_reg *pkt, bool open)
{
	if (pkt->off < 0 || (pkt->off == 0 && open) || pkt->b.umax > 0xffff ||
	    pkt->off + (int64_t)pkt->b.umax > 0xffff)
		return;
	struct pkt_mark m = { pkt->type, pkt->id, pkt->off + (open ? 1 : 0) };
	for_each_reg(st, mark_pkt, &m);
}

int vfy_push_branch(struct vfy_env *env, int insn, const struct vfy_state *st)
{
	if (env->nstack >= VFY_MAX_BRANCHES) {
		vfy_log(env, "The sequence of %d jumps is too complex.\n", env->nstack);
		return -E2BIG;
	}
	if (env->nstack == env->capstack) {
		int cap = env->capstack ? env->capstack * 2 : 64;
		struct vfy_branch *n = mem_realloc(env->stack, (size_t)cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		env->stack = n, env->capstack = cap;
	}
	struct vfy_branch *b = &env->stack[env->nstack];
	int err = vfy_state_copy(&b->st, st);
	if (err)
		return err;
	b->insn = insn;
	b->prev = env->insn;
	b->log_pos = env->log.len;
	if (b->st.parent)
		b->st.parent->branches++;
	env->nstack++;
	return 0;
}

/* Narrows both states' operands; *t_ok / *f_ok say whether each side is
 * possible. */
static void refine(struct vfy_env *env, const struct bpf_insn *insn, struct vfy_state *other,
		   bool *t_ok, bool *f_ok)
{
	uint8_t op = BPF_OP(insn->code);
	bool is32 = BPF_CLASS(insn->code) == BPF_JMP32, k = BPF_SRC(insn->code) == BPF_K;
	struct vfy_reg *fd = &vfy_regs(env)[insn->dst_reg];
	struct vfy_reg *td = &other->frames[other->curframe]->regs[insn->dst_reg];
	struct vfy_reg fk, tk, *fs = &fk, *ts = &tk;
	if (k) {
		vfy_reg_const(&fk, is32 ? (uint32_t)insn->imm : (uint64_t)(int64_t)insn->imm);
		tk = fk;
	} else {
		fs = &vfy_regs(env)[insn->src_reg];
		ts = &other->frames[other->curframe]->regs[insn->src_reg];
	}
	*t_ok = *f_ok = true;
	if (fd->type == SCALAR_VALUE && fs->type == SCALAR_VALUE) {
		*t_ok = bounds_refine(op, true, &td->b, &ts->b, is32);
		*f_ok = bounds_refine(op, false, &fd->b, &fs->b, is32);
		sync_linked(other, td);
		sync_linked(&env->cur, fd);
		if (!k) {
			sync_linked(other, ts);
			sync_linked(&env->cur, fs);
		}
		return;
	}
	if (is32)
		return;
	/* nullable pointer == 0 */
	const struct vfy_reg *p = (fd->type & VFY_MAYBE_NULL) ? fd : (fs->type & VFY_MAYBE_NULL) ? fs : NULL;
	const struct vfy_reg *z = p == fd ? fs : fd;
	if (p && (op == BPF_JEQ || op == BPF_JNE) && z->type == SCALAR_VALUE &&
	    bounds_is_const(&z->b) && !z->b.var_off.value) {
		struct null_mark is_null = { p->id, true }, non_null = { p->id, false };
		for_each_reg(other, mark_null, op == BPF_JEQ ? &is_null : &non_null);
		for_each_reg(&env->cur, mark_null, op == BPF_JEQ ? &non_null : &is_null);
		return;
	}
	/* packet pointer against its end (or meta against data): the lower
	 * one gets the range */
	uint32_t dt = fd->type, st = fs->type;
	bool open, left;
	if ((dt == PTR_TO_PACKET && st == PTR_TO_PACKET_END) ||
	    (dt == PTR_TO_PACKET_META && st == PTR_TO_PACKET))
		left = true;
	else if ((st == PTR_TO_PACKET && dt == PTR_TO_PACKET_END) ||
		 (st == PTR_TO_PACKET_META && dt == PTR_TO_PACKET))
		left = false;
	else
		return;
	int side = pkt_side(op, left, &open);
	if (side == 1)
		pkt_range(other, left ? td : ts, open);
	else if (side == 0)
		pkt_range(&env->cur, left ? fd : fs, open);
}

/* Pointer comparisons the kernel decides: a pointer it knows is not null
 * (map values, map keys, memory) against 0. */
static int ptr_taken(uint8_t op, const struct vfy_reg *a, const struct vfy_reg *b, bool is32)
{
	const struct vfy_reg *p = a->type != SCALAR_VALUE ? a : b, *s = p == a ? b : a;
	uint64_t v = s->b.var_off.value;
	if (s->type != SCALAR_VALUE || !bounds_is_const(&s->b) || (is32 ? (uint32_t)v : v))
		return -1;
	if (p->type != PTR_TO_MAP_VALUE && p->type != PTR_TO_MAP_KEY && p->type != PTR_TO_MEM)
		return -1;
	return op == BPF_JEQ ? 0 : op == BPF_JNE ? 1 : -1;
}

int vfy_check_cond_jmp(struct vfy_env *env, const struct bpf_insn *insn, int *next)
{
	uint8_t op = BPF_OP(insn->code);
	bool is32 = BPF_CLASS(insn->code) == BPF_JMP32;
	int target = env->insn + insn->off + 1, err;
	struct vfy_reg *regs = vfy_regs(env), k;
	if ((err = vfy_check_reg_init(env, insn->dst_reg)))
		return err;
	if (BPF_SRC(insn->code) == BPF_X && (err = vfy_check_reg_init(env, insn->src_reg)))
		return err;
	if (BPF_SRC(insn->code) == BPF_K)
		vfy_reg_const(&k, is32 ? (uint32_t)insn->imm : (uint64_t)(int64_t)insn->imm);
	const struct vfy_reg *a = &regs[insn->dst_reg];
	const struct vfy_reg *b = BPF_SRC(insn->code) == BPF_K ? &k : &regs[insn->src_reg];
	int taken = -1;
	if (a->type == SCALAR_VALUE && b->type == SCALAR_VALUE)
		taken = bounds_branch_taken(op, &a->b, &b->b, is32);
	else if (a->type == SCALAR_VALUE || b->type == SCALAR_VALUE)
		taken = ptr_taken(op, a, b, is32);
	if (taken >= 0) {
		*next = taken ? target : env->insn + 1;
		return 0;
	}
	struct vfy_state other;
	if ((err = vfy_state_copy(&other, &env->cur)))
		return err;
	bool t_ok, f_ok;
	refine(env, insn, &other, &t_ok, &f_ok);
	*next = env->insn + 1;
	if (t_ok && f_ok)
		err = vfy_push_branch(env, target, &other);
	else if (t_ok) {
		/* only the jump is possible: continue there */
		struct vfy_state tmp = env->cur;
		env->cur = other;
		other = tmp;
		*next = target;
	}
	vfy_state_free(&other);
	return err;
}

/* Scalars of st that differ from prev's (same frame, same register or
 * spill) become unknown, so a may_goto loop's states converge; the loop's
 * run-time bound, not these values, ends it. */
static void widen(struct vfy_state *st, const struct vfy_state *prev)
{
	for (int i = 0; i <= st->curframe && i <= prev->curframe; i++) {
		struct vfy_frame *f = st->frames[i];
		const struct vfy_frame *p = prev->frames[i];
		for (int r = 0; r <= 10; r++)
			if (f->regs[r].type == SCALAR_VALUE && p->regs[r].type == SCALAR_VALUE &&
			    memcmp(&f->regs[r].b, &p->regs[r].b, sizeof(f->regs[r].b)))
				vfy_reg_unknown(&f->regs[r]);
		for (int s = 0; s < f->nslots && s < p->nslots; s++) {
			struct vfy_reg *a = &f->stack[s].spill;
			const struct vfy_reg *b = &p->stack[s].spill;
			if (f->stack[s].kind[7] == STACK_SPILL && a->type == SCALAR_VALUE &&
			    b->type == SCALAR_VALUE && memcmp(&a->b, &b->b, sizeof(a->b)))
				vfy_reg_unknown(a);
		}
	}
}

int vfy_check_may_goto(struct vfy_env *env, const struct bpf_insn *insn, int *next)
{
	/* the previous iteration: a checkpoint of this insn on the current
	 * path from fewer iterations ago */
	const struct vfy_ckpt *prev = env->cur.parent;
	while (prev && (prev->insn != env->insn ||
			prev->st.may_goto_depth >= env->cur.may_goto_depth))
		prev = prev->st.parent;
	int err = vfy_push_branch(env, env->insn + 1, &env->cur);
	if (err)
		return err;
	struct vfy_state *queued = &env->stack[env->nstack - 1].st;
	queued->may_goto_depth++;
	if (prev)
		widen(queued, &prev->st);
	*next = env->insn + insn->off + 1;
	return 0;
}
