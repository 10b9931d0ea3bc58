/* SPDX-License-Identifier: MIT */
/*
 * ALU instructions and lddw: scalar arithmetic through bounds.c, pointer
 * arithmetic where the kernel allows it (privileged rules), and the
 * kernel's rejections (division by a zero immediate, shift amounts out of
 * range, bitwise or 32-bit arithmetic on pointers).
 */
#include <errno.h>
#include <string.h>

#include "verifier/vfy.h"

static const char *const alu_str[16] = { "+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
					 "neg", "%=", "^=", "=", "s>>=", "endian", "?", "?" };

static bool is_ptr(const struct vfy_reg *r)
{
	return r->type != NOT_INIT && r->type != SCALAR_VALUE;
}

#define MAX_VAR_OFF (1 << 29)

/* The kernel's check_reg_sane_offset: offsets that pointer arithmetic may
 * produce (on the scalar, the pointer, and the result). */
static bool sane_offset(struct vfy_env *env, const struct vfy_reg *r, uint32_t type)
{
	int64_t val = (int64_t)r->b.var_off.value, smin = r->b.smin;
	const char *t = vfy_type_str(type);
	if (bounds_is_const(&r->b) && (val >= MAX_VAR_OFF || val <= -MAX_VAR_OFF)) {
		vfy_log(env, "math between %s pointer and %lld is not allowed\n", t, (long long)val);
		return false;
	}
	if (r->off >= MAX_VAR_OFF || r->off <= -MAX_VAR_OFF) {
		vfy_log(env, "%s pointer offset %d is not allowed\n", t, r->off);
		return false;
	}
	if (smin == INT64_MIN) {
		vfy_log(env, "math between %s pointer and register with unbounded min value is not allowed\n",
			t);
		return false;
	}
	if (smin >= MAX_VAR_OFF || smin <= -MAX_VAR_OFF) {
		vfy_log(env, "value %lld makes %s pointer be out of bounds\n", (long long)smin, t);
		return false;
	}
	return true;
}

/* ptr OP scalar (or scalar + ptr): the result into dst. */
static int ptr_arith(struct vfy_env *env, const struct bpf_insn *insn, const struct vfy_reg *ptr,
		     const struct vfy_reg *off, struct vfy_reg *dst)
{
	uint8_t op = BPF_OP(insn->code);
	int d = insn->dst_reg;
	if (BPF_CLASS(insn->code) != BPF_ALU64) {
		if (op == BPF_SUB) {
			vfy_reg_unknown(dst);
			bounds_zext32(&dst->b);
			return 0;
		}
		vfy_log(env, "R%d 32-bit pointer arithmetic prohibited\n", d);
		return -EACCES;
	}
	if (ptr->type & VFY_MAYBE_NULL) {
		vfy_log(env, "R%d pointer arithmetic on %s prohibited, null-check it first\n", d,
			vfy_type_str(ptr->type));
		return -EACCES;
	}
	bool known = bounds_is_const(&off->b);
	switch (BASE_TYPE(ptr->type)) {
	case PTR_TO_CTX: case PTR_TO_MAP_VALUE: case PTR_TO_MAP_KEY: case PTR_TO_STACK:
	case PTR_TO_PACKET_META: case PTR_TO_PACKET: case PTR_TO_MEM: case PTR_TO_FUNC:
		break;
	case CONST_PTR_TO_MAP:
		if (known && off->b.var_off.value == 0 && op == BPF_ADD)
			break;
		/* fallthrough */
	default:
		vfy_log(env, "R%d pointer arithmetic on %s prohibited\n", d, vfy_type_str(ptr->type));
		return -EACCES;
	}
	if (op != BPF_ADD && op != BPF_SUB) {
		if (op == BPF_AND || op == BPF_OR || op == BPF_XOR)
			vfy_log(env, "R%d bitwise operator %s on pointer prohibited\n", d,
				alu_str[op >> 4]);
		else
			vfy_log(env, "R%d pointer arithmetic with %s operator prohibited\n", d,
				alu_str[op >> 4]);
		return -EACCES;
	}
	if (op == BPF_SUB && off == ptr) {
		vfy_log(env, "R%d tried to subtract pointer from scalar\n", d);
		return -EACCES;
	}
	if (!sane_offset(env, off, ptr->type) || !sane_offset(env, ptr, ptr->type))
		return -EINVAL;
	struct vfy_reg r = *ptr;
	if (known) {
		int64_t v = (int64_t)off->b.var_off.value;
		r.off = (int32_t)(op == BPF_SUB ? r.off - v : r.off + v);
	} else {
		r.b = bounds_alu(op, ptr->b, off->b, false);
		if (BASE_TYPE(r.type) == PTR_TO_PACKET || BASE_TYPE(r.type) == PTR_TO_PACKET_META) {
			r.id = ++env->id_gen;
			r.range = 0;
		}
	}
	if (!sane_offset(env, &r, ptr->type))
		return -EINVAL;
	*dst = r;
	return 0;
}

static int check_operands(struct vfy_env *env, const struct bpf_insn *insn, uint8_t op)
{
	int err;
	if (BPF_SRC(insn->code) == BPF_X && op != BPF_NEG && op != BPF_END &&
	    (err = vfy_check_reg_init(env, insn->src_reg)))
		return err;
	if (op != BPF_MOV && (err = vfy_check_reg_init(env, insn->dst_reg)))
		return err;
	if (BPF_SRC(insn->code) == BPF_K && (op == BPF_DIV || op == BPF_MOD) && insn->imm == 0) {
		vfy_log(env, "div by zero\n");
		return -EINVAL;
	}
	if (BPF_SRC(insn->code) == BPF_K && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)) {
		int bits = BPF_CLASS(insn->code) == BPF_ALU64 ? 64 : 32;
		if (insn->imm < 0 || insn->imm >= bits) {
			vfy_log(env, "invalid shift %d\n", insn->imm);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_mov(struct vfy_env *env, const struct bpf_insn *insn, bool alu32)
{
	struct vfy_reg *regs = vfy_regs(env), *dst = &regs[insn->dst_reg];
	if (BPF_SRC(insn->code) == BPF_K) {
		vfy_reg_const(dst, alu32 ? (uint32_t)insn->imm : (uint64_t)(int64_t)insn->imm);
		return 0;
	}
	/* a 64-bit copy of an unknown scalar links the two: a branch that
	 * narrows one narrows the other (the kernel's scalar ids) */
	struct vfy_reg *s = &regs[insn->src_reg];
	if (!alu32 && !insn->off && s->type == SCALAR_VALUE && !s->id && !bounds_is_const(&s->b))
		s->id = ++env->id_gen;
	struct vfy_reg src = *s;
	if (insn->off) { /* movsx: scalars only */
		struct bounds b = is_ptr(&src) ? bounds_unknown() : src.b;
		vfy_reg_scalar(dst, bounds_sext(b, (unsigned)insn->off, alu32));
		return 0;
	}
	if (!alu32) {
		*dst = src;
		return 0;
	}
	struct bounds b = is_ptr(&src) ? bounds_unknown() : src.b;
	bounds_zext32(&b);
	vfy_reg_scalar(dst, b);
	return 0;
}

int vfy_check_alu(struct vfy_env *env, const struct bpf_insn *insn)
{
	uint8_t op = BPF_OP(insn->code);
	bool alu32 = BPF_CLASS(insn->code) == BPF_ALU;
	struct vfy_reg *regs = vfy_regs(env), *dst = &regs[insn->dst_reg];
	int err;

	if ((err = check_operands(env, insn, op)))
		return err;
	if (op == BPF_MOV)
		return check_mov(env, insn, alu32);
	if (op == BPF_END) {
		struct bounds b = is_ptr(dst) ? bounds_unknown() : dst->b;
		bool swap = BPF_CLASS(insn->code) == BPF_ALU64 || BPF_SRC(insn->code) == BPF_X;
		vfy_reg_scalar(dst, bounds_bswap(b, (unsigned)insn->imm, swap));
		return 0;
	}
	struct vfy_reg imm, *src = &imm;
	if (BPF_SRC(insn->code) == BPF_K || op == BPF_NEG)
		vfy_reg_const(&imm, (uint64_t)(int64_t)insn->imm);
	else
		src = &regs[insn->src_reg];
	if (op != BPF_NEG && (is_ptr(dst) || is_ptr(src))) {
		if (is_ptr(dst) && is_ptr(src)) {
			if (op == BPF_SUB) {
				vfy_reg_unknown(dst);
				return 0;
			}
			vfy_log(env, "R%d pointer %s pointer prohibited\n", insn->dst_reg,
				alu_str[op >> 4]);
			return -EACCES;
		}
		if (is_ptr(dst))
			return ptr_arith(env, insn, dst, src, dst);
		if (op == BPF_SUB) {
			vfy_log(env, "R%d tried to subtract pointer from scalar\n", insn->dst_reg);
			return -EACCES;
		}
		struct vfy_reg scalar = *dst;
		return ptr_arith(env, insn, src, &scalar, dst);
	}
	/* Scalars; a pointer negated (allowed to root) is an unknown scalar. */
	struct bounds d = is_ptr(dst) ? bounds_unknown() : dst->b;
	struct bounds r = bounds_alu(op, d, src->b, alu32);
	/* the kernel keeps no bounds through division and modulo */
	if (op == BPF_DIV || op == BPF_MOD)
		r = alu32 ? bounds_of_load(4) : bounds_unknown();
	if ((op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) && !bounds_is_const(&src->b))
		r = alu32 ? bounds_of_load(4) : bounds_unknown();
	vfy_reg_scalar(dst, r);
	return 0;
}

/* lddw: a constant, a map, a map value, or a function. */
int vfy_check_ld_imm(struct vfy_env *env, const struct bpf_insn *insn)
{
	struct vfy_reg *dst = &vfy_regs(env)[insn->dst_reg];
	uint64_t v = (uint32_t)insn[0].imm | ((uint64_t)(uint32_t)insn[1].imm << 32);
	switch (insn->src_reg) {
	case 0:
		vfy_reg_const(dst, v);
		return 0;
	case BPF_PSEUDO_FUNC:
		vfy_reg_not_init(dst);
		dst->type = PTR_TO_FUNC;
		dst->b = bounds_const(0);
		dst->off = insn->imm; /* relative target; kept for identity only */
		return 0;
	case BPF_PSEUDO_MAP_IDX:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		if (insn->imm < 0 || (size_t)insn->imm >= env->in->map_cnt)
			break;
		vfy_reg_not_init(dst);
		dst->map = insn->imm;
		dst->b = bounds_const(0);
		if (insn->src_reg == BPF_PSEUDO_MAP_IDX) {
			dst->type = CONST_PTR_TO_MAP;
		} else {
			dst->type = PTR_TO_MAP_VALUE;
			dst->off = insn[1].imm;
		}
		return 0;
	}
	vfy_log(env, "unrecognized bpf_ld_imm64 insn\n");
	return -EINVAL;
}
