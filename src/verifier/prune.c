/* SPDX-License-Identifier: MIT */
/*
 * State pruning: at prune points (jump targets, after branches and calls)
 * the explorer keeps checkpoints. A path that reaches a point in a state
 * contained in a checkpoint whose exploration has finished is safe and
 * stops there. A checkpoint still being explored (a loop head on the
 * current path) is never used to prune; reaching it again in an equal
 * state is an infinite loop. Bounded loops thus run until their exit
 * condition is decided, within the instruction budget, like the kernel.
 *
 * Without the kernel's liveness and precision tracking, containment is
 * checked on every register and stack byte: sound, but it prunes less.
 */
#include <errno.h>
#include <string.h>

#include "util/alloc.h"
#include "verifier/vfy.h"

#define IDMAP 64

struct idmap {
	uint32_t old[IDMAP], cur[IDMAP];
	int n;
};

static bool check_ids(struct idmap *m, uint32_t o, uint32_t c)
{
	if (!o || !c)
		return o == c;
	for (int i = 0; i < m->n; i++)
		if (m->old[i] == o || m->cur[i] == c)
			return m->old[i] == o && m->cur[i] == c;
	if (m->n == IDMAP)
		return false;
	m->old[m->n] = o, m->cur[m->n++] = c;
	return true;
}

static bool regsafe(const struct vfy_reg *o, const struct vfy_reg *c, struct idmap *m, bool exact)
{
	if (o->type == NOT_INIT)
		return exact ? c->type == NOT_INIT : true;
	if (o->type != c->type)
		return false;
	if (o->type == SCALAR_VALUE) {
		/* a link the old path may have relied on must exist here too */
		if (o->id && !check_ids(m, o->id, c->id))
			return false;
		if (exact)
			return !memcmp(&o->b, &c->b, sizeof(o->b));
		return bounds_in(&o->b, &c->b);
	}
	if (o->off != c->off || o->map != c->map || o->frameno != c->frameno)
		return false;
	if (exact ? memcmp(&o->b, &c->b, sizeof(o->b)) : !bounds_in(&o->b, &c->b))
		return false;
	uint32_t t = BASE_TYPE(o->type);
	if (t == PTR_TO_PACKET || t == PTR_TO_PACKET_META) {
		if (exact ? o->range != c->range : o->range > c->range)
			return false;
	} else if (o->range != c->range) {
		return false;
	}
	return check_ids(m, o->id, c->id);
}

static bool slot_safe(const struct vfy_slot *o, const struct vfy_slot *c, struct idmap *m,
		      bool exact)
{
	static const struct vfy_slot empty;
	if (!c)
		c = &empty;
	if (exact && memcmp(o->kind, c->kind, 8))
		return false;
	bool o_spill = o->kind[7] == STACK_SPILL, c_spill = c->kind[7] == STACK_SPILL;
	if (o_spill) {
		/* same spill size, and the old value holds the new one */
		for (int i = 0; i < 8; i++)
			if ((o->kind[i] == STACK_SPILL) != (c->kind[i] == STACK_SPILL))
				return false;
		if (!regsafe(&o->spill, &c->spill, m, exact))
			return false;
	} else if (c_spill && c->spill.type != SCALAR_VALUE) {
		return false; /* a pointer where the old path read bytes */
	}
	for (int i = 0; i < 8; i++) {
		if (o->kind[i] == STACK_ZERO && c->kind[i] != STACK_ZERO)
			return false;
	}
	return true;
}

static bool frame_safe(const struct vfy_frame *o, const struct vfy_frame *c, struct idmap *m,
		       bool exact)
{
	if (o->callsite != c->callsite)
		return false;
	for (int i = 0; i <= 10; i++)
		if (!regsafe(&o->regs[i], &c->regs[i], m, exact))
			return false;
	if (exact && o->nslots != c->nslots)
		return false;
	for (int s = 0; s < o->nslots; s++)
		if (!slot_safe(&o->stack[s], s < c->nslots ? &c->stack[s] : NULL, m, exact))
			return false;
	return true;
}

static bool states_safe(const struct vfy_state *o, const struct vfy_state *c, bool exact)
{
	struct idmap m = { .n = 0 };
	if (o->curframe != c->curframe)
		return false;
	for (int i = 0; i <= o->curframe; i++)
		if (!frame_safe(o->frames[i], c->frames[i], &m, exact))
			return false;
	return true;
}

/* A path ended (exit or pruned): its checkpoints have one path less. */
void vfy_path_done(struct vfy_env *env)
{
	for (struct vfy_ckpt *p = env->cur.parent; p; p = p->st.parent)
		if (--p->branches)
			break;
}

int vfy_prune(struct vfy_env *env, int insn, bool *pruned)
{
	*pruned = false;
	if (!(env->flags[insn] & VFY_F_PRUNE))
		return 0;
	uint32_t n = 0;
	bool may_goto = env->flags[insn] & VFY_F_MAY_GOTO;
	/* Like the kernel, keep a new state only every few jumps and
	 * instructions (always at may_goto). */
	bool add = may_goto || (env->jmps - env->prev_jmps >= 2 &&
				env->processed - env->prev_processed >= 8);
	for (struct vfy_ckpt **pk = &env->ckpts[insn], *k; (k = *pk);) {
		/* a may_goto loop: a deeper iteration within an unfinished one
		 * is covered by it (the run-time budget ends the loop) */
		if (may_goto && k->branches && k->st.may_goto_depth != env->cur.may_goto_depth &&
		    states_safe(&k->st, &env->cur, false))
			goto hit;
		if (k->branches) {
			if (states_safe(&k->st, &env->cur, true)) {
				vfy_log(env, "infinite loop detected at insn %d\n", insn);
				vfy_log(env, "cur state:");
				vfy_log_state(env, &env->cur, true, 0);
				vfy_log(env, "\nold state:");
				vfy_log_state(env, &k->st, true, 0);
				vfy_log(env, "\n");
				return -EINVAL;
			}
		} else if (states_safe(&k->st, &env->cur, false)) {
			goto hit;
		}
		/* a state that keeps missing is dropped from the list (the
		 * kernel's heuristic); it stays allocated for its children */
		k->miss += add;
		uint32_t lim = may_goto && k->branches ? 64 : 3;
		if (k->miss > k->hit * lim + lim) {
			*pk = k->next;
			k->next = env->dropped;
			env->dropped = k;
			env->cur_states--;
			continue;
		}
		pk = &k->next;
		n++;
		continue;
hit:
		k->hit++;
		*pruned = true;
		return 0;
	}
	if (n > env->max_states_per_insn)
		env->max_states_per_insn = n;
	if (!add || n >= VFY_MAX_STATES_PER_INSN || env->total_states >= VFY_MAX_STATES)
		return 0;
	env->prev_jmps = env->jmps;
	env->prev_processed = env->processed;
	struct vfy_ckpt *k = mem_zalloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	int err = vfy_state_copy(&k->st, &env->cur);
	if (err) {
		mem_free(k);
		return err;
	}
	k->branches = 1;
	k->insn = insn;
	k->next = env->ckpts[insn];
	env->ckpts[insn] = k;
	env->cur.parent = k;
	env->total_states++;
	if (++env->cur_states > env->peak_states)
		env->peak_states = env->cur_states;
	return 0;
}

static void free_list(struct vfy_ckpt *k)
{
	while (k) {
		struct vfy_ckpt *next = k->next;
		vfy_state_free(&k->st);
		mem_free(k);
		k = next;
	}
}

void vfy_prune_free(struct vfy_env *env)
{
	free_list(env->dropped);
	if (!env->ckpts)
		return;
	for (int i = 0; i < env->cnt; i++)
		free_list(env->ckpts[i]);
}
