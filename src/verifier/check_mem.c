/* SPDX-License-Identifier: MIT */
/*
 * Loads, stores and atomics: which register may be dereferenced, at which
 * offsets, and what a load gives. The stack keeps spilled registers and
 * constants (spill/fill); the context follows the program type's field
 * rules (ctx_access.c); map values and memory are bounded by their size,
 * also with a variable offset; packets by the range a comparison with
 * data_end proved. Privileged rules: reading uninitialised stack is
 * allowed and gives an unknown scalar.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "verifier/ctx_access.h"
#include "verifier/vfy.h"

#define MAX_VAR_OFF (1 << 29)
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif

static void tnum_str(char *buf, size_t n, struct tnum t)
{
	if (tnum_is_const(t))
		snprintf(buf, n, "%lld", (long long)t.value);
	else
		snprintf(buf, n, "(0x%llx; 0x%llx)", (unsigned long long)t.value,
			 (unsigned long long)t.mask);
}

static void region_msg(struct vfy_env *env, bool is_map, int off, int size, int64_t mem_size)
{
	if (is_map)
		vfy_log(env, "invalid access to map value, value_size=%d off=%d size=%d\n",
			(int)mem_size, off, size);
	else
		vfy_log(env, "invalid access to memory, mem_size=%d off=%d size=%d\n", (int)mem_size,
			off, size);
}

/* The region check of the kernel's check_mem_region_access: [off + var,
 * + size) inside [0, mem_size) for every var of the register; a failure
 * names the access, then which end of the range is outside. */
static int region_ok(struct vfy_env *env, int regno, const struct vfy_reg *r, int off, int size,
		     int64_t mem_size, bool zero_ok, bool is_map)
{
	const struct bounds *b = &r->b;
	int64_t lo = off + b->smin, hi;
	if (b->smin < 0 && (b->smin == INT64_MIN || lo < 0 || lo != (int32_t)lo)) {
		vfy_log(env, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.\n",
			regno);
		return -EACCES;
	}
	bool size_ok = size > 0 || (size == 0 && zero_ok);
	if (!size_ok || lo < 0 || size > mem_size || lo > mem_size - size) {
		region_msg(env, is_map, (int)lo, size, mem_size);
		vfy_log(env, "R%d min value is outside of the allowed memory range\n", regno);
		return -EACCES;
	}
	if (b->umax >= MAX_VAR_OFF) {
		vfy_log(env, "R%d unbounded memory access, make sure to bounds check any such access\n",
			regno);
		return -EACCES;
	}
	hi = off + (int64_t)b->umax;
	if (hi < 0 || size > mem_size || hi > mem_size - size) {
		region_msg(env, is_map, (int)hi, size, mem_size);
		vfy_log(env, "R%d max value is outside of the allowed memory range\n", regno);
		return -EACCES;
	}
	return 0;
}

/* ---- the stack ---- */

static struct vfy_frame *stack_frame(struct vfy_env *env, const struct vfy_reg *r)
{
	return env->cur.frames[r->frameno];
}

static int stack_bounds(struct vfy_env *env, int regno, const struct vfy_reg *r, int off, int size,
			const char *what, int64_t *lo, int64_t *hi)
{
	bool known = bounds_is_const(&r->b);
	if (!known && (r->b.smax >= MAX_VAR_OFF || r->b.smin <= -MAX_VAR_OFF)) {
		vfy_log(env, "invalid unbounded variable-offset %s stack R%d\n", what, regno);
		return -EACCES;
	}
	*lo = off + r->b.smin;
	*hi = off + (int64_t)r->b.smax + size;
	/* the kernel's answers: below the frame or at/above fp EACCES, an
	 * access that starts inside but runs past fp EINVAL */
	int err = *lo >= 0 || *lo < -VFY_STACK_SIZE ? -EACCES : *hi > 0 || size < 0 ? -EINVAL : 0;
	if (err) {
		if (known) {
			vfy_log(env, "invalid %s stack R%d off=%d size=%d\n", what, regno,
				off + (int)r->b.smin, size);
		} else {
			char tn[48];
			tnum_str(tn, sizeof(tn), r->b.var_off);
			vfy_log(env, "invalid variable-offset %s stack R%d var_off=%s off=%d size=%d\n",
				what, regno, tn, off, size);
		}
		return err;
	}
	struct vfy_frame *f = stack_frame(env, r);
	int depth = (int)-*lo;
	if (env->sub[f->subprog].stack_depth < depth)
		env->sub[f->subprog].stack_depth = depth;
	return vfy_stack_grow(f, (depth + 7) / 8);
}

/* Byte at fp+pos (pos < 0): its slot and the index in kind[]. */
static uint8_t *stack_byte(struct vfy_frame *f, int pos, struct vfy_slot **slot)
{
	int spi = (-pos - 1) / 8;
	*slot = &f->stack[spi];
	return &(*slot)->kind[(-pos - 1) % 8];
}

static void stack_store(struct vfy_env *env, const struct vfy_reg *ptr, int off, int size,
			const struct vfy_reg *val)
{
	struct vfy_frame *f = stack_frame(env, ptr);
	struct vfy_slot *s;
	int pos = off + (int)ptr->b.var_off.value;
	if (!bounds_is_const(&ptr->b)) {
		/* any byte of the range may be written: unknown from now on */
		for (int64_t p = off + ptr->b.smin; p < off + ptr->b.smax + size; p++) {
			uint8_t *k = stack_byte(f, (int)p, &s);
			if (*k == STACK_SPILL)
				for (int i = 0; i < 8; i++)
					s->kind[i] = s->kind[i] == STACK_INVALID ? STACK_INVALID : STACK_MISC;
			*k = STACK_MISC;
		}
		return;
	}
	bool aligned_slot = (-pos) % 8 == 0;
	stack_byte(f, pos, &s);
	/* A register at a slot's start: spilled whole (8 bytes), or a scalar
	 * spilled in part (the kernel keeps it for a fill of the same size). */
	if (aligned_slot && val && (size == 8 || val->type == SCALAR_VALUE)) {
		for (int i = 0; i < 8; i++)
			if (s->kind[i] == STACK_SPILL)
				s->kind[i] = STACK_MISC;
		for (int i = 8 - size; i < 8; i++)
			s->kind[i] = STACK_SPILL;
		s->spill = *val;
		return;
	}
	bool zero = val && val->type == SCALAR_VALUE && bounds_is_const(&val->b) &&
		    !(val->b.var_off.value & (size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1));
	for (int p = pos; p < pos + size; p++) {
		uint8_t *k = stack_byte(f, p, &s);
		if (*k == STACK_SPILL)
			for (int i = 0; i < 8; i++)
				if (s->kind[i] == STACK_SPILL)
					s->kind[i] = STACK_MISC;
		*k = zero ? STACK_ZERO : STACK_MISC;
	}
}

/* The value of a spilled scalar read back with `size` bytes. */
static void narrow_fill(const struct vfy_reg *spill, int size, struct vfy_reg *out)
{
	if (size == 8) {
		*out = *spill;
		return;
	}
	struct bounds l = bounds_of_load((unsigned)size);
	if (bounds_is_const(&spill->b))
		vfy_reg_const(out, spill->b.var_off.value & l.umax);
	else if (bounds_in(&l, &spill->b))
		*out = *spill;
	else
		vfy_reg_scalar(out, l);
}

static int stack_load(struct vfy_env *env, const struct vfy_reg *ptr, int off, int size,
		      struct vfy_reg *out)
{
	struct vfy_frame *f = stack_frame(env, ptr);
	struct vfy_slot *s;
	if (!bounds_is_const(&ptr->b)) {
		vfy_reg_scalar(out, bounds_of_load((unsigned)size));
		return 0;
	}
	int pos = off + (int)ptr->b.var_off.value;
	stack_byte(f, pos, &s);
	if (s->kind[7] == STACK_SPILL) {
		int spill_size = 1;
		while (spill_size < 8 && s->kind[7 - spill_size] == STACK_SPILL)
			spill_size++;
		if (size == 8 && spill_size == 8) {
			*out = s->spill;
			return 0;
		}
		if (s->spill.type != SCALAR_VALUE) {
			vfy_log(env, "invalid size of register fill\n");
			return -EACCES;
		}
		if (size <= spill_size && (-pos) % 8 == 0) {
			narrow_fill(&s->spill, size, out);
			return 0;
		}
	}
	bool all_zero = true;
	for (int p = pos; p < pos + size; p++)
		all_zero &= *stack_byte(f, p, &s) == STACK_ZERO;
	if (all_zero)
		vfy_reg_const(out, 0);
	else
		vfy_reg_scalar(out, bounds_of_load((unsigned)size));
	return 0;
}

/* The kernel's alignment rule where it is strict (the stack always,
 * atomics everywhere): the whole offset a multiple of the size. */
static int check_align(struct vfy_env *env, const struct vfy_reg *r, int off, int size,
		       const char *desc)
{
	struct tnum t = tnum_add(r->b.var_off, tnum_const((uint64_t)(int64_t)(r->off + off)));
	uint64_t low = (uint64_t)size - 1;
	if (size > 1 && ((t.value & low) || (t.mask & low))) {
		char tn[48];
		tnum_str(tn, sizeof(tn), r->b.var_off);
		vfy_log(env, "misaligned %saccess off %s+%d+%d size %d\n", desc, tn, r->off, off, size);
		return -EACCES;
	}
	return 0;
}

static const char *align_desc(uint32_t type)
{
	switch (BASE_TYPE(type)) {
	case PTR_TO_MAP_KEY: return "key ";
	case PTR_TO_MAP_VALUE: return "value ";
	case PTR_TO_CTX: return "context ";
	case PTR_TO_STACK: return "stack ";
	case PTR_TO_PACKET: case PTR_TO_PACKET_META: return "packet ";
	}
	return "";
}

/* ---- one access ---- */

struct access {
	int regno, off, size;
	bool write, sext;
	const struct vfy_reg *val;   /* stores: the stored value (NULL: unknown) */
	struct vfy_reg *out;         /* loads: where the value goes */
};

static int access_ctx(struct vfy_env *env, const struct vfy_reg *r, struct access *a)
{
	if (r->off || !bounds_is_const(&r->b) || r->b.var_off.value) {
		if (!bounds_is_const(&r->b)) {
			char tn[48];
			tnum_str(tn, sizeof(tn), r->b.var_off);
			vfy_log(env, "variable ctx access var_off=%s off=%d size=%d\n", tn, a->off,
				a->size);
		} else {
			vfy_log(env, "dereference of modified ctx ptr R%d off=%d disallowed\n", a->regno,
				r->off + (int)r->b.var_off.value);
		}
		return -EACCES;
	}
	enum vfy_ctx_result res;
	if (!vfy_ctx_modelled(env->in->prog_type)) {
		vfy_log(env, "bpfx: the context of program type %u is not modelled by the verifier yet\n",
			env->in->prog_type);
		return -EOPNOTSUPP;
	}
	if (!vfy_ctx_access(env->in->prog_type, a->off, a->size, a->write, &res)) {
		vfy_log(env, "invalid bpf_context access off=%d size=%d\n", a->off, a->size);
		return -EACCES;
	}
	if (a->write)
		return 0;
	vfy_reg_not_init(a->out);
	if (res == VFY_CTX_SCALAR) {
		vfy_reg_scalar(a->out, bounds_of_load((unsigned)a->size));
	} else {
		a->out->type = res == VFY_CTX_PKT ? PTR_TO_PACKET
			      : res == VFY_CTX_PKT_META ? PTR_TO_PACKET_META : PTR_TO_PACKET_END;
		a->out->b = bounds_const(0);
	}
	return 0;
}

static int access_map_value(struct vfy_env *env, const struct vfy_reg *r, struct access *a)
{
	const struct vfy_map *m = &env->in->maps[r->map];
	int off = a->off + r->off;
	if (a->write && (m->map_flags & BPF_F_RDONLY_PROG)) {
		vfy_log(env, "write into map forbidden, value_size=%u off=%d size=%d\n", m->value_size,
			off, a->size);
		return -EACCES;
	}
	const struct bounds *b = &r->b;
	int64_t lo = off + b->smin;
	int err = region_ok(env, a->regno, r, off, a->size, m->value_size, false, true);
	if (err || a->write)
		return err;
	/* a load of a frozen read-only value is a constant; a helper's
	 * memory argument (any size, no register to fill) is not a load */
	if (m->rodata && bounds_is_const(b) && !a->sext && a->size <= 8 && a->out) {
		uint64_t v = 0;
		memcpy(&v, (const char *)m->rodata + lo, (size_t)a->size);
		vfy_reg_const(a->out, v);
		return 0;
	}
	vfy_reg_scalar(a->out, bounds_of_load((unsigned)a->size));
	return 0;
}

static int access_packet(struct vfy_env *env, const struct vfy_reg *r, struct access *a)
{
	if (a->write && !vfy_pkt_writable(env->in->prog_type)) {
		vfy_log(env, "cannot write into packet\n");
		return -EACCES;
	}
	int off = a->off + r->off;
	if (r->b.smin < 0) {
		vfy_log(env, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.\n",
			a->regno);
		return -EACCES;
	}
	/* the range counts from the pointer's base plus its variable part
	 * (shared by every pointer with its id): only fixed offsets matter */
	if (off < 0 || off + a->size > r->range) {
		vfy_log(env, "invalid access to packet, off=%d size=%d, R%d(id=%u,off=%d,r=%d)\n", off,
			a->size, a->regno, r->id, off, r->range);
		vfy_log(env, "R%d offset is outside of the packet\n", a->regno);
		return -EACCES;
	}
	if (!a->write)
		vfy_reg_scalar(a->out, bounds_of_load((unsigned)a->size));
	return 0;
}

static int access_mem(struct vfy_env *env, const struct vfy_reg *r, struct access *a)
{
	int err = region_ok(env, a->regno, r, a->off + r->off, a->size, r->range, false, false);
	if (!err && !a->write)
		vfy_reg_scalar(a->out, bounds_of_load((unsigned)a->size));
	return err;
}

static int access_stack(struct vfy_env *env, const struct vfy_reg *r, struct access *a)
{
	int64_t lo, hi;
	int err;
	int off = a->off + r->off;
	if ((err = check_align(env, r, a->off, a->size, "stack ")))
		return err;
	if ((err = stack_bounds(env, a->regno, r, off, a->size, a->write ? "write to" : "read from",
				&lo, &hi)))
		return err;
	if (a->write) {
		stack_store(env, r, off, a->size, a->val);
		return 0;
	}
	return stack_load(env, r, off, a->size, a->out);
}

static int mem_access(struct vfy_env *env, struct access *a)
{
	struct vfy_reg r = vfy_regs(env)[a->regno];
	int err;
	if (r.type == NOT_INIT) {
		vfy_log(env, "R%d !read_ok\n", a->regno);
		return -EACCES;
	}
	if (r.type & VFY_MAYBE_NULL)
		goto bad_type;
	switch (BASE_TYPE(r.type)) {
	case PTR_TO_STACK: err = access_stack(env, &r, a); break;
	case PTR_TO_CTX: err = access_ctx(env, &r, a); break;
	case PTR_TO_MAP_VALUE: err = access_map_value(env, &r, a); break;
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META: err = access_packet(env, &r, a); break;
	case PTR_TO_MEM: err = access_mem(env, &r, a); break;
	default:
		goto bad_type;
	}
	if (err || a->write || a->out->type != SCALAR_VALUE)
		return err;
	if (a->sext) {
		a->out->b = bounds_sext(a->out->b, (unsigned)a->size * 8, false);
	} else if (a->size < 8 && !bounds_is_const(&a->out->b)) {
		struct bounds l = bounds_of_load((unsigned)a->size);
		if (!bounds_in(&l, &a->out->b))
			a->out->b = l;
	}
	return 0;
bad_type:
	vfy_log(env, "R%d invalid mem access '%s'\n", a->regno, vfy_type_str(r.type));
	return -EACCES;
}

static int check_atomic(struct vfy_env *env, const struct bpf_insn *insn)
{
	struct vfy_reg *regs = vfy_regs(env);
	unsigned size = isa_size(insn->code);
	int err;
	if ((err = vfy_check_reg_init(env, insn->src_reg)) ||
	    (err = vfy_check_reg_init(env, insn->dst_reg)))
		return err;
	if (insn->imm == BPF_CMPXCHG && (err = vfy_check_reg_init(env, BPF_REG_0)))
		return err;
	uint32_t t = BASE_TYPE(regs[insn->dst_reg].type);
	if (t == PTR_TO_CTX || t == PTR_TO_PACKET || t == PTR_TO_PACKET_META) {
		vfy_log(env, "BPF_ATOMIC stores into R%d %s is not allowed\n", insn->dst_reg,
			vfy_type_str(t));
		return -EACCES;
	}
	const struct vfy_reg *ptr = &regs[insn->dst_reg];
	if (ptr->type != SCALAR_VALUE && !(ptr->type & VFY_MAYBE_NULL) &&
	    (err = check_align(env, ptr, insn->off, (int)size, align_desc(ptr->type))))
		return err;
	struct vfy_reg loaded;
	struct access a = { insn->dst_reg, insn->off, (int)size, false, false, NULL, &loaded };
	if ((err = mem_access(env, &a)))
		return err;
	a.write = true;
	if ((err = mem_access(env, &a)))
		return err;
	if (insn->imm == BPF_CMPXCHG)
		vfy_reg_scalar(&regs[BPF_REG_0], bounds_of_load(size));
	else if (insn->imm & BPF_FETCH)
		vfy_reg_scalar(&regs[insn->src_reg], bounds_of_load(size));
	return 0;
}

int vfy_check_mem(struct vfy_env *env, const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code), mode = BPF_MODE(insn->code);
	struct vfy_reg *regs = vfy_regs(env), imm, loaded;
	int size = (int)isa_size(insn->code), err;

	if (cls == BPF_STX && mode == BPF_ATOMIC)
		return check_atomic(env, insn);
	if (cls == BPF_LDX) {
		struct access a = { insn->src_reg, insn->off, size, false, mode == BPF_MEMSX, NULL,
				    &loaded };
		if ((err = mem_access(env, &a)))
			return err;
		regs[insn->dst_reg] = loaded;
		return 0;
	}
	const struct vfy_reg *val = &imm;
	if (cls == BPF_STX) {
		if ((err = vfy_check_reg_init(env, insn->src_reg)))
			return err;
		val = &regs[insn->src_reg];
	} else {
		vfy_reg_const(&imm, (uint64_t)(int64_t)insn->imm);
	}
	if ((err = vfy_check_reg_init(env, insn->dst_reg)))
		return err;
	struct access a = { insn->dst_reg, insn->off, size, true, false, val, NULL };
	return mem_access(env, &a);
}

/* A helper's memory argument: [reg, reg + size_max) must be accessible. */
int vfy_check_helper_mem(struct vfy_env *env, int regno, int32_t size, bool write, bool zero_ok)
{
	struct vfy_reg r = vfy_regs(env)[regno];
	if (size == 0 && zero_ok)
		return 0;
	switch (BASE_TYPE(r.type)) {
	case PTR_TO_STACK: {
		int64_t lo, hi;
		int err = stack_bounds(env, regno, &r, r.off, size, write ? "write to" : "read from",
				       &lo, &hi);
		if (err || !write)
			return err;
		stack_store(env, &r, r.off, 1, NULL);
		for (int i = 1; i < size; i++)
			stack_store(env, &r, r.off + i, 1, NULL);
		return 0;
	}
	default: {
		struct vfy_reg out;
		struct access a = { regno, 0, size, write, false, NULL, &out };
		if (r.type & VFY_MAYBE_NULL)
			break;
		if (BASE_TYPE(r.type) == PTR_TO_MAP_VALUE || BASE_TYPE(r.type) == PTR_TO_PACKET ||
		    BASE_TYPE(r.type) == PTR_TO_PACKET_META || BASE_TYPE(r.type) == PTR_TO_MEM)
			return mem_access(env, &a);
	}
	}
	vfy_log(env, "R%d type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem\n", regno,
		vfy_type_str(r.type));
	return -EACCES;
}

int vfy_check_ld_abs(struct vfy_env *env, const struct bpf_insn *insn)
{
	struct vfy_reg *regs = vfy_regs(env);
	int err;
	if (!vfy_ld_abs_allowed(env->in->prog_type)) {
		vfy_log(env, "BPF_LD_[ABS|IND] instructions not allowed for this program type\n");
		return -EINVAL;
	}
	if ((err = vfy_check_reg_init(env, BPF_REG_6)))
		return err;
	if (BPF_MODE(insn->code) == BPF_IND && (err = vfy_check_reg_init(env, insn->src_reg)))
		return err;
	if (regs[BPF_REG_6].type != PTR_TO_CTX) {
		vfy_log(env, "at the time of BPF_LD_ABS|IND R6 != pointer to skb\n");
		return -EINVAL;
	}
	for (int i = 1; i <= 5; i++)
		vfy_reg_not_init(&regs[i]);
	vfy_reg_scalar(&regs[BPF_REG_0], bounds_of_load(isa_size(insn->code)));
	return 0;
}
