/* SPDX-License-Identifier: MIT */
/*
 * Ranges of scalars (see bounds.h). Runs inside one verification, on the
 * caller's values only. The synchronisation follows the kernel's order:
 * ranges from the tnum, the 32-bit and 64-bit ranges from each other, the
 * tnum from the ranges, the ranges from the tnum again.
 */
#include <linux/bpf.h>

#include "verifier/bounds.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct bounds bounds_const(uint64_t v)
{
	struct bounds b = { tnum_const(v), (int64_t)v, (int64_t)v, v, v,
			    (int32_t)v, (int32_t)v, (uint32_t)v, (uint32_t)v };
	return b;
}

struct bounds bounds_unknown(void)
{
	struct bounds b = { tnum_unknown, INT64_MIN, INT64_MAX, 0, UINT64_MAX,
			    INT32_MIN, INT32_MAX, 0, UINT32_MAX };
	return b;
}

bool bounds_is_const(const struct bounds *b)
{
	return tnum_is_const(b->var_off);
}

bool bounds_contains(const struct bounds *b, uint64_t x)
{
	return tnum_contains(b->var_off, x) && (int64_t)x >= b->smin && (int64_t)x <= b->smax &&
	       x >= b->umin && x <= b->umax && (int32_t)x >= b->s32_min &&
	       (int32_t)x <= b->s32_max && (uint32_t)x >= b->u32_min && (uint32_t)x <= b->u32_max;
}

bool bounds_in(const struct bounds *o, const struct bounds *c)
{
	return o->umin <= c->umin && o->umax >= c->umax && o->smin <= c->smin &&
	       o->smax >= c->smax && o->u32_min <= c->u32_min && o->u32_max >= c->u32_max &&
	       o->s32_min <= c->s32_min && o->s32_max >= c->s32_max && tnum_in(o->var_off, c->var_off);
}

bool bounds_empty(const struct bounds *b)
{
	return b->umin > b->umax || b->smin > b->smax || b->u32_min > b->u32_max ||
	       b->s32_min > b->s32_max || tnum_umin(b->var_off) > b->umax ||
	       tnum_umax(b->var_off) < b->umin;
}

/* Ranges from the tnum. */
static void update_from_tnum(struct bounds *b)
{
	struct tnum t = b->var_off, t32 = tnum_subreg(t);
	b->smin = MAX(b->smin, (int64_t)(t.value | (t.mask & (1ULL << 63))));
	b->smax = MIN(b->smax, (int64_t)(t.value | (t.mask & ~(1ULL << 63))));
	b->umin = MAX(b->umin, t.value);
	b->umax = MIN(b->umax, t.value | t.mask);
	b->s32_min = MAX(b->s32_min, (int32_t)(t32.value | (t32.mask & 0x80000000u)));
	b->s32_max = MIN(b->s32_max, (int32_t)(t32.value | (t32.mask & 0x7fffffffu)));
	b->u32_min = MAX(b->u32_min, (uint32_t)t32.value);
	b->u32_max = MIN(b->u32_max, (uint32_t)(t32.value | t32.mask));
}

/* The 32-bit ranges from the 64-bit ones, and each sign from the other. */
static void deduce32(struct bounds *b)
{
	if ((b->umin >> 32) == (b->umax >> 32)) {
		b->u32_min = MAX(b->u32_min, (uint32_t)b->umin);
		b->u32_max = MIN(b->u32_max, (uint32_t)b->umax);
		if ((int32_t)b->umin <= (int32_t)b->umax) {
			b->s32_min = MAX(b->s32_min, (int32_t)b->umin);
			b->s32_max = MIN(b->s32_max, (int32_t)b->umax);
		}
	}
	if ((b->smin >> 32) == (b->smax >> 32)) {
		if ((uint32_t)b->smin <= (uint32_t)b->smax) {
			b->u32_min = MAX(b->u32_min, (uint32_t)b->smin);
			b->u32_max = MIN(b->u32_max, (uint32_t)b->smax);
		}
		if ((int32_t)b->smin <= (int32_t)b->smax) {
			b->s32_min = MAX(b->s32_min, (int32_t)b->smin);
			b->s32_max = MIN(b->s32_max, (int32_t)b->smax);
		}
	}
	if ((int32_t)b->u32_min <= (int32_t)b->u32_max) {
		b->s32_min = MAX(b->s32_min, (int32_t)b->u32_min);
		b->s32_max = MIN(b->s32_max, (int32_t)b->u32_max);
	}
	if ((uint32_t)b->s32_min <= (uint32_t)b->s32_max) {
		b->u32_min = MAX(b->u32_min, (uint32_t)b->s32_min);
		b->u32_max = MIN(b->u32_max, (uint32_t)b->s32_max);
	}
}

/* The 64-bit ranges from each other and from the 32-bit ones. */
static void deduce64(struct bounds *b)
{
	if ((int64_t)b->umin <= (int64_t)b->umax) {
		b->smin = MAX(b->smin, (int64_t)b->umin);
		b->smax = MIN(b->smax, (int64_t)b->umax);
	}
	if ((uint64_t)b->smin <= (uint64_t)b->smax) {
		b->umin = MAX(b->umin, (uint64_t)b->smin);
		b->umax = MIN(b->umax, (uint64_t)b->smax);
	}
	/* Same high half everywhere: the low half's range bounds the value. */
	if ((b->umin >> 32) == (b->umax >> 32)) {
		uint64_t hi = b->umin & ~0xffffffffULL;
		b->umin = MAX(b->umin, hi | b->u32_min);
		b->umax = MIN(b->umax, hi | b->u32_max);
	}
	if ((b->smin >> 32) == (b->smax >> 32)) {
		uint64_t hi = (uint64_t)b->smin & ~0xffffffffULL;
		b->smin = MAX(b->smin, (int64_t)(hi | b->u32_min));
		b->smax = MIN(b->smax, (int64_t)(hi | b->u32_max));
	}
}

void bounds_sync(struct bounds *b)
{
	update_from_tnum(b);
	deduce32(b);
	deduce64(b);
	deduce32(b);
	if (bounds_empty(b))
		return;
	struct tnum t64 = tnum_intersect(b->var_off, tnum_range(b->umin, b->umax));
	struct tnum t32 = tnum_intersect(tnum_subreg(b->var_off),
					 tnum_range(b->u32_min, b->u32_max));
	b->var_off = tnum_with_subreg(t64, t32);
	update_from_tnum(b);
}

void bounds_zext32(struct bounds *b)
{
	b->var_off = tnum_subreg(b->var_off);
	b->umin = b->u32_min;
	b->umax = b->u32_max;
	b->smin = b->u32_min;
	b->smax = b->u32_max;
	bounds_sync(b);
}

struct bounds bounds_of_load(unsigned size)
{
	struct bounds b = bounds_unknown();
	if (size < 8) {
		b.var_off = tnum_cast(b.var_off, (uint8_t)size);
		b.umin = b.smin = 0;
		b.u32_min = 0;
		b.s32_min = size < 4 ? 0 : INT32_MIN;
	}
	bounds_sync(&b);
	return b;
}

/* ---- arithmetic on one view (64-bit ranges only; the 32-bit ones are
 * rebuilt afterwards) ---- */

static bool add_ovf_s(int64_t a, int64_t b, int64_t *r) { return __builtin_add_overflow(a, b, r); }
static bool sub_ovf_s(int64_t a, int64_t b, int64_t *r) { return __builtin_sub_overflow(a, b, r); }

/* The range part of dst OP src; var_off already computed in r. */
static void range_op(uint8_t op, const struct bounds *d, const struct bounds *s, struct bounds *r)
{
	int64_t lo, hi;
	uint64_t ulo, uhi;
	uint64_t sh = s->umin;

	switch (op) {
	case BPF_ADD:
		if (!add_ovf_s(d->smin, s->smin, &lo) && !add_ovf_s(d->smax, s->smax, &hi))
			r->smin = lo, r->smax = hi;
		if (!__builtin_add_overflow(d->umin, s->umin, &ulo) &&
		    !__builtin_add_overflow(d->umax, s->umax, &uhi))
			r->umin = ulo, r->umax = uhi;
		break;
	case BPF_SUB:
		if (!sub_ovf_s(d->smin, s->smax, &lo) && !sub_ovf_s(d->smax, s->smin, &hi))
			r->smin = lo, r->smax = hi;
		if (d->umin >= s->umax)
			r->umin = d->umin - s->umax, r->umax = d->umax - s->umin;
		break;
	case BPF_MUL:
		if (d->smin >= 0 && s->smin >= 0 && !__builtin_mul_overflow(d->umax, s->umax, &uhi) &&
		    uhi <= (uint64_t)INT64_MAX) {
			r->umin = d->umin * s->umin, r->umax = uhi;
			r->smin = (int64_t)r->umin, r->smax = (int64_t)uhi;
		}
		break;
	case BPF_AND:
		r->umax = MIN(d->umax, s->umax);
		if (d->smin >= 0 || s->smin >= 0)
			r->smin = 0, r->smax = (int64_t)r->umax;
		break;
	case BPF_OR:
		r->umin = MAX(d->umin, s->umin);
		break;
	case BPF_LSH:
		if (s->umin == s->umax && sh < 64 && (sh == 0 || !(d->umax >> (64 - sh))))
			r->umin = d->umin << sh, r->umax = d->umax << sh;
		break;
	case BPF_RSH:
		if (s->umin == s->umax && sh < 64)
			r->umin = d->umin >> sh, r->umax = d->umax >> sh;
		break;
	case BPF_ARSH:
		if (s->umin == s->umax && sh < 64)
			r->smin = d->smin >> sh, r->smax = d->smax >> sh;
		break;
	case BPF_DIV:
		if (s->umin == s->umax && s->umin)
			r->umin = d->umin / s->umin, r->umax = d->umax / s->umin;
		break;
	case BPF_MOD:
		if (s->umin == s->umax && s->umin)
			r->umin = 0, r->umax = MIN(d->umax, s->umin - 1);
		break;
	}
}

static struct tnum tnum_op(uint8_t op, struct tnum d, struct tnum s, bool *ok)
{
	*ok = true;
	switch (op) {
	case BPF_ADD: return tnum_add(d, s);
	case BPF_SUB: return tnum_sub(d, s);
	case BPF_MUL: return tnum_mul(d, s);
	case BPF_AND: return tnum_and(d, s);
	case BPF_OR: return tnum_or(d, s);
	case BPF_XOR: return tnum_xor(d, s);
	case BPF_NEG: return tnum_neg(d);
	}
	*ok = false;
	return tnum_unknown;
}

/* dst OP src on 64 bits, ranges and tnum (no 32-bit parts yet). */
static struct bounds op64(uint8_t op, const struct bounds *d, const struct bounds *s)
{
	struct bounds r = bounds_unknown();
	bool ok;
	if (op == BPF_NEG) {
		struct bounds zero = bounds_const(0);
		return op64(BPF_SUB, &zero, d);
	}
	r.var_off = tnum_op(op, d->var_off, s->var_off, &ok);
	if (!ok && tnum_is_const(s->var_off) && s->var_off.value < 64) {
		uint8_t sh = (uint8_t)s->var_off.value;
		if (op == BPF_LSH)
			r.var_off = tnum_lshift(d->var_off, sh);
		else if (op == BPF_RSH)
			r.var_off = tnum_rshift(d->var_off, sh);
		else if (op == BPF_ARSH)
			r.var_off = tnum_arshift(d->var_off, sh, 64);
	}
	if (tnum_is_const(d->var_off) && tnum_is_const(s->var_off) &&
	    (op == BPF_DIV || op == BPF_MOD)) {
		uint64_t a = d->var_off.value, b = s->var_off.value;
		r.var_off = tnum_const(op == BPF_DIV ? (b ? a / b : 0) : (b ? a % b : a));
	}
	range_op(op, d, s, &r);
	return r;
}

/* A 32-bit operand as a 64-bit value: zero-extended, or sign-extended. */
static struct bounds widen32(const struct bounds *b, bool sign)
{
	struct bounds w = bounds_unknown();
	if (sign) {
		w.smin = b->s32_min, w.smax = b->s32_max;
		if (b->s32_min >= 0)
			w.umin = (uint64_t)b->s32_min, w.umax = (uint64_t)b->s32_max;
		struct tnum t = tnum_subreg(b->var_off);
		/* spread bit 31 of value and mask into the high half */
		w.var_off = tnum_arshift(tnum_lshift(t, 32), 32, 64);
	} else {
		w.umin = b->u32_min, w.umax = b->u32_max;
		w.smin = b->u32_min, w.smax = b->u32_max;
		w.var_off = tnum_subreg(b->var_off);
	}
	return w;
}

/* The low 32 bits of r's members: ranges where r stays in one window. */
static void narrow32(const struct bounds *r, struct bounds *out)
{
	if ((r->umin >> 32) == (r->umax >> 32)) {
		out->u32_min = MAX(out->u32_min, (uint32_t)r->umin);
		out->u32_max = MIN(out->u32_max, (uint32_t)r->umax);
	}
	if (r->smin >= INT32_MIN && r->smax <= INT32_MAX) {
		out->s32_min = MAX(out->s32_min, (int32_t)r->smin);
		out->s32_max = MIN(out->s32_max, (int32_t)r->smax);
	}
}

struct bounds bounds_alu(uint8_t op, struct bounds dst, struct bounds src, bool alu32)
{
	struct bounds r;
	if (op == BPF_XOR && !alu32) {
		r = bounds_unknown();
		r.var_off = tnum_xor(dst.var_off, src.var_off);
		bounds_sync(&r);
		return r;
	}
	bool shift = op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH;
	if (shift && !(tnum_is_const(src.var_off) && src.var_off.value < (alu32 ? 32u : 64u)))
		return alu32 ? bounds_of_load(4) : bounds_unknown();
	if (!alu32) {
		r = op64(op, &dst, &src);
		bounds_sync(&r);
		if (bounds_empty(&r))
			r = bounds_unknown();
		return r;
	}
	/* 32 bits: the op on the zero-extended view (all but ARSH) and on the
	 * sign-extended view (where truncation commutes with the op). */
	r = bounds_unknown();
	struct bounds dz = widen32(&dst, false), sz = widen32(&src, false);
	struct bounds ds = widen32(&dst, true), ss = widen32(&src, true);
	struct bounds rz = op64(op, &dz, &sz), rs = op64(op, &ds, &ss);
	bool ring = op == BPF_ADD || op == BPF_SUB || op == BPF_MUL || op == BPF_NEG ||
		    op == BPF_AND || op == BPF_OR || op == BPF_XOR || op == BPF_LSH;
	if (op != BPF_ARSH) {
		narrow32(&rz, &r);
		r.var_off = tnum_subreg(rz.var_off);
	}
	if (ring || op == BPF_ARSH) {
		narrow32(&rs, &r);
		r.var_off = op == BPF_ARSH ? tnum_subreg(rs.var_off)
					   : tnum_intersect(r.var_off, tnum_subreg(rs.var_off));
	}
	r.umin = 0, r.umax = UINT32_MAX, r.smin = 0, r.smax = UINT32_MAX;
	bounds_zext32(&r);
	if (bounds_empty(&r))
		r = bounds_of_load(4);
	return r;
}

struct bounds bounds_sext(struct bounds b, unsigned bits, bool alu32)
{
	uint64_t top = 1ULL << (bits - 1), m = (top << 1) - 1;
	struct bounds r;
	if (tnum_is_const(b.var_off)) {
		uint64_t v = b.var_off.value & m;
		v = (v ^ top) - top;
		r = bounds_const(alu32 ? (uint32_t)v : v);
		return r;
	}
	r = bounds_unknown();
	/* a value already within the positive half keeps its range */
	if (b.umax < top) {
		r.umin = b.umin, r.umax = b.umax, r.smin = (int64_t)b.umin, r.smax = (int64_t)b.umax;
		r.var_off = b.var_off;
	} else {
		r.smin = -(int64_t)top, r.smax = (int64_t)top - 1;
		r.var_off = tnum_arshift(tnum_lshift(tnum_cast(b.var_off, 8), (uint8_t)(64 - bits)),
					 (uint8_t)(64 - bits), 64);
	}
	bounds_sync(&r);
	if (alu32)
		bounds_zext32(&r);
	return r;
}

struct bounds bounds_bswap(struct bounds b, unsigned bits, bool swap)
{
	if (!tnum_is_const(b.var_off))
		return bits == 64 ? bounds_unknown() : bounds_of_load(bits / 8);
	uint64_t v = b.var_off.value;
	if (!swap)
		return bounds_const(bits == 64 ? v : v & ((1ULL << bits) - 1));
	if (bits == 16)
		return bounds_const(__builtin_bswap16((uint16_t)v));
	if (bits == 32)
		return bounds_const(__builtin_bswap32((uint32_t)v));
	return bounds_const(__builtin_bswap64(v));
}

/* ---- conditional jumps ---- */

/* The operation whose truth is the negation of op's. */
static uint8_t negate(uint8_t op)
{
	switch (op) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JNE: return BPF_JEQ;
	case BPF_JGT: return BPF_JLE;
	case BPF_JLE: return BPF_JGT;
	case BPF_JGE: return BPF_JLT;
	case BPF_JLT: return BPF_JGE;
	case BPF_JSGT: return BPF_JSLE;
	case BPF_JSLE: return BPF_JSGT;
	case BPF_JSGE: return BPF_JSLT;
	case BPF_JSLT: return BPF_JSGE;
	}
	return op;
}

/* A 32-bit comparison seen as a 64-bit one on the low halves. */
static struct bounds low_half(const struct bounds *b)
{
	struct bounds w = bounds_unknown();
	w.umin = b->u32_min, w.umax = b->u32_max;
	w.smin = b->s32_min, w.smax = b->s32_max;
	w.var_off = tnum_subreg(b->var_off);
	return w;
}

int bounds_branch_taken(uint8_t op, const struct bounds *a0, const struct bounds *b0, bool is32)
{
	struct bounds a = is32 ? low_half(a0) : *a0, b = is32 ? low_half(b0) : *b0;
	struct tnum ta = a.var_off, tb = b.var_off;
	switch (op) {
	case BPF_JEQ:
	case BPF_JNE: {
		int eq = -1;
		if (tnum_is_const(ta) && tnum_is_const(tb))
			eq = ta.value == tb.value;
		else if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax || a.smax < b.smin ||
			 ((ta.value ^ tb.value) & ~ta.mask & ~tb.mask))
			eq = 0;
		return eq < 0 ? -1 : (op == BPF_JEQ ? eq : !eq);
	}
	case BPF_JSET:
		if (ta.value & tb.value)
			return 1;
		if (!((ta.value | ta.mask) & (tb.value | tb.mask)))
			return 0;
		return -1;
	case BPF_JGT: return a.umin > b.umax ? 1 : a.umax <= b.umin ? 0 : -1;
	case BPF_JGE: return a.umin >= b.umax ? 1 : a.umax < b.umin ? 0 : -1;
	case BPF_JLT: return a.umax < b.umin ? 1 : a.umin >= b.umax ? 0 : -1;
	case BPF_JLE: return a.umax <= b.umin ? 1 : a.umin > b.umax ? 0 : -1;
	case BPF_JSGT: return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1;
	case BPF_JSGE: return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1;
	case BPF_JSLT: return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1;
	case BPF_JSLE: return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1;
	}
	return -1;
}

/* Narrows the ranges (of one view: full or low half in a 64-bit shape). */
static void refine_view(uint8_t op, struct bounds *a, struct bounds *b)
{
	switch (op) {
	case BPF_JEQ:
		a->umin = b->umin = MAX(a->umin, b->umin);
		a->umax = b->umax = MIN(a->umax, b->umax);
		a->smin = b->smin = MAX(a->smin, b->smin);
		a->smax = b->smax = MIN(a->smax, b->smax);
		if ((a->var_off.value ^ b->var_off.value) & ~a->var_off.mask & ~b->var_off.mask)
			a->umin = 1, a->umax = 0; /* disjoint tnums: empty */
		else
			a->var_off = b->var_off = tnum_intersect(a->var_off, b->var_off);
		break;
	case BPF_JNE:
		/* only a constant on one side can shave an end of the other */
		for (int i = 0; i < 2; i++, (void)0) {
			struct bounds *x = i ? b : a, *c = i ? a : b;
			if (!tnum_is_const(c->var_off))
				continue;
			uint64_t v = c->var_off.value;
			if (x->umin == v && x->umin != UINT64_MAX) x->umin++;
			else if (x->umax == v && x->umax) x->umax--;
			if (x->smin == (int64_t)v && x->smin != INT64_MAX) x->smin++;
			else if (x->smax == (int64_t)v && x->smax != INT64_MIN) x->smax--;
			if (tnum_is_const(x->var_off) && x->var_off.value == v)
				x->umin = 1, x->umax = 0;
		}
		break;
	case BPF_JGT:
	case BPF_JGE: {
		uint64_t d = op == BPF_JGT;
		if (b->umin == UINT64_MAX && d) { a->umin = 1, a->umax = 0; break; }
		a->umin = MAX(a->umin, b->umin + d);
		if (a->umax < d) { a->umin = 1, a->umax = 0; break; }
		b->umax = MIN(b->umax, a->umax - d);
		break;
	}
	case BPF_JSGT:
	case BPF_JSGE: {
		int64_t d = op == BPF_JSGT;
		if (b->smin == INT64_MAX && d) { a->smin = 1, a->smax = 0; break; }
		a->smin = MAX(a->smin, b->smin + d);
		if (a->smax == INT64_MIN && d) { a->smin = 1, a->smax = 0; break; }
		b->smax = MIN(b->smax, a->smax - d);
		break;
	}
	case BPF_JLT: refine_view(BPF_JGT, b, a); break;
	case BPF_JLE: refine_view(BPF_JGE, b, a); break;
	case BPF_JSLT: refine_view(BPF_JSGT, b, a); break;
	case BPF_JSLE: refine_view(BPF_JSGE, b, a); break;
	}
}

/* JSET on a known side: taken with a single known bit sets it; not taken
 * clears every bit of the constant. */
static void refine_jset(bool taken, struct bounds *a, const struct bounds *b)
{
	if (!tnum_is_const(b->var_off))
		return;
	uint64_t c = b->var_off.value;
	if (!taken)
		a->var_off = tnum_and(a->var_off, tnum_const(~c));
	else if (c && !(c & (c - 1)))
		a->var_off = tnum_or(a->var_off, tnum_const(c));
}

static void put_low_half(struct bounds *dst, const struct bounds *view)
{
	dst->u32_min = (uint32_t)view->umin, dst->u32_max = (uint32_t)view->umax;
	dst->s32_min = (int32_t)view->smin, dst->s32_max = (int32_t)view->smax;
	if (view->umin > view->umax || view->smin > view->smax)
		dst->u32_min = 1, dst->u32_max = 0;
	dst->var_off = tnum_with_subreg(dst->var_off, view->var_off);
}

bool bounds_refine(uint8_t op, bool taken, struct bounds *a, struct bounds *b, bool is32)
{
	if (op == BPF_JSET) {
		if (is32) {
			struct bounds la = low_half(a), lb = low_half(b);
			refine_jset(taken, &la, &lb);
			a->var_off = tnum_with_subreg(a->var_off, la.var_off);
		} else {
			refine_jset(taken, a, b);
			refine_jset(taken, b, a);
		}
	} else {
		if (!taken)
			op = negate(op);
		if (is32) {
			struct bounds la = low_half(a), lb = low_half(b);
			refine_view(op, &la, &lb);
			put_low_half(a, &la);
			put_low_half(b, &lb);
		} else {
			refine_view(op, a, b);
		}
	}
	if (bounds_empty(a) || bounds_empty(b))
		return false;
	bounds_sync(a);
	bounds_sync(b);
	return !bounds_empty(a) && !bounds_empty(b);
}
