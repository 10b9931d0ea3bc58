/* SPDX-License-Identifier: MIT */
/*
 * The verifier's abstract domains (src/verifier/tnum.c, bounds.c),
 * checked exhaustively: every tnum of 4 bits against every member pair
 * for each operation; bounds built as hulls of sets from a universe of
 * interesting 64-bit values, for every ALU operation (64 and 32 bits) and
 * every conditional jump: each concrete result of concrete members must
 * be a member of the abstract result (soundness), and branch decisions
 * must agree with every concrete comparison.
 */
#include <linux/bpf.h>
#include <stdio.h>

#include "tcheck.h"
#include "verifier/bounds.h"
#include "verifier/tnum.h"

static uint64_t conc_alu(uint8_t op, uint64_t a, uint64_t b, bool is32)
{
	if (is32) {
		uint32_t x = (uint32_t)a, y = (uint32_t)b;
		switch (op) {
		case BPF_ADD: return (uint32_t)(x + y);
		case BPF_SUB: return (uint32_t)(x - y);
		case BPF_MUL: return (uint32_t)(x * y);
		case BPF_AND: return x & y;
		case BPF_OR: return x | y;
		case BPF_XOR: return x ^ y;
		case BPF_NEG: return (uint32_t)-x;
		case BPF_LSH: return (uint32_t)(x << (y & 31));
		case BPF_RSH: return x >> (y & 31);
		case BPF_ARSH: return (uint32_t)((int32_t)x >> (y & 31));
		case BPF_DIV: return y ? x / y : 0;
		case BPF_MOD: return y ? x % y : x;
		}
		return 0;
	}
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	case BPF_AND: return a & b;
	case BPF_OR: return a | b;
	case BPF_XOR: return a ^ b;
	case BPF_NEG: return -a;
	case BPF_LSH: return a << (b & 63);
	case BPF_RSH: return a >> (b & 63);
	case BPF_ARSH: return (uint64_t)((int64_t)a >> (b & 63));
	case BPF_DIV: return b ? a / b : 0;
	case BPF_MOD: return b ? a % b : a;
	}
	return 0;
}

static bool conc_jmp(uint8_t op, uint64_t a, uint64_t b, bool is32)
{
	if (is32) {
		a = (uint32_t)a, b = (uint32_t)b;
		a = (uint64_t)(int64_t)(int32_t)a * 0 + a;
	}
	int64_t sa = is32 ? (int32_t)a : (int64_t)a, sb = is32 ? (int32_t)b : (int64_t)b;
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSGT: return sa > sb;
	case BPF_JSGE: return sa >= sb;
	case BPF_JSLT: return sa < sb;
	case BPF_JSLE: return sa <= sb;
	case BPF_JSET: return a & b;
	}
	return false;
}

/* ---- tnum: all 81 tnums of 4 bits ---- */

static int tnums4(struct tnum *out)
{
	int n = 0;
	for (unsigned v = 0; v < 16; v++)
		for (unsigned m = 0; m < 16; m++)
			if (!(v & m))
				out[n++] = TNUM(v, m);
	return n;
}

static int members(struct tnum t, uint64_t *out)
{
	int n = 0;
	for (uint64_t x = 0; x < 16; x++)
		if (tnum_contains(t, x))
			out[n++] = x;
	return n;
}

static void test_tnum(void)
{
	static const uint8_t ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR };
	struct tnum all[81];
	int n = tnums4(all), bad = 0;
	uint64_t ma[16], mb[16];
	for (int i = 0; i < n; i++) {
		int na = members(all[i], ma);
		for (int j = 0; j < n; j++) {
			int nb = members(all[j], mb);
			for (size_t o = 0; o < sizeof(ops); o++) {
				struct tnum r;
				switch (ops[o]) {
				case BPF_ADD: r = tnum_add(all[i], all[j]); break;
				case BPF_SUB: r = tnum_sub(all[i], all[j]); break;
				case BPF_MUL: r = tnum_mul(all[i], all[j]); break;
				case BPF_AND: r = tnum_and(all[i], all[j]); break;
				case BPF_OR: r = tnum_or(all[i], all[j]); break;
				default: r = tnum_xor(all[i], all[j]); break;
				}
				for (int x = 0; x < na; x++)
					for (int y = 0; y < nb; y++)
						bad += !tnum_contains(r, conc_alu(ops[o], ma[x], mb[y], false));
			}
			/* tnum_in is exact on members; intersect keeps common members */
			bool in = true;
			for (int y = 0; y < nb; y++)
				in &= tnum_contains(all[i], mb[y]);
			bad += in != tnum_in(all[i], all[j]);
			struct tnum x = tnum_intersect(all[i], all[j]);
			for (int y = 0; y < nb; y++)
				bad += tnum_contains(all[i], mb[y]) && !tnum_contains(x, mb[y]);
		}
		for (uint8_t s = 0; s < 6; s++)
			for (int x = 0; x < na; x++) {
				bad += !tnum_contains(tnum_lshift(all[i], s), ma[x] << s);
				bad += !tnum_contains(tnum_rshift(all[i], s), ma[x] >> s);
				uint64_t sx = (uint64_t)((int64_t)(ma[x] << 60) >> 60);
				bad += !tnum_contains(tnum_arshift(TNUM((uint64_t)((int64_t)(all[i].value << 60) >> 60),
									(uint64_t)((int64_t)(all[i].mask << 60) >> 60)),
								   s, 64),
						      (uint64_t)((int64_t)sx >> s));
			}
		for (int x = 0; x < na; x++)
			bad += !tnum_contains(tnum_neg(all[i]), -ma[x]);
	}
	CHECK(bad == 0, "tnum ops: %d concrete results outside the abstract result", bad);
	bad = 0;
	for (uint64_t lo = 0; lo < 64; lo++)
		for (uint64_t hi = lo; hi < 64; hi++) {
			struct tnum r = tnum_range(lo, hi);
			for (uint64_t x = lo; x <= hi; x++)
				bad += !tnum_contains(r, x);
		}
	bad += !tnum_is_unknown(tnum_range(0, UINT64_MAX));
	CHECK(bad == 0, "tnum_range: %d values of [lo, hi] outside (6-bit exhaustive)", bad);
}

/* ---- bounds over a universe of values ---- */

static uint64_t U[64];
static int nu;

static void universe(void)
{
	for (int64_t v = -6; v <= 9; v++)
		U[nu++] = (uint64_t)v;
	static const uint64_t edge[] = { 15, 16, 31, 32, 63, 64, 255, 256, 0x7fffffff, 0x80000000,
					 0x80000001, 0xfffffffe, 0xffffffff, 0x100000000,
					 0x100000001, 0x17fffffff, 0x7fffffffffffffff,
					 0x8000000000000000, 0x8000000000000001, 0xffffffff00000000,
					 0xffffffff7fffffff, 0xffffffff80000000 };
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		U[nu++] = edge[i];
}

/* The abstract value of a set: exact bounds hull of the values. */
static struct bounds hull(const uint64_t *v, int n)
{
	struct bounds b = bounds_const(v[0]);
	for (int i = 1; i < n; i++) {
		uint64_t x = v[i];
		struct tnum t = b.var_off;
		uint64_t diff = t.value ^ x;
		b.var_off = TNUM(t.value & ~diff & ~t.mask, t.mask | diff);
		if (x < b.umin) b.umin = x;
		if (x > b.umax) b.umax = x;
		if ((int64_t)x < b.smin) b.smin = (int64_t)x;
		if ((int64_t)x > b.smax) b.smax = (int64_t)x;
		if ((uint32_t)x < b.u32_min) b.u32_min = (uint32_t)x;
		if ((uint32_t)x > b.u32_max) b.u32_max = (uint32_t)x;
		if ((int32_t)x < b.s32_min) b.s32_min = (int32_t)x;
		if ((int32_t)x > b.s32_max) b.s32_max = (int32_t)x;
	}
	bounds_sync(&b);
	return b;
}

#define NABS 160
static struct bounds abs_vals[NABS];

static void make_abstract(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < NABS; i++) {
		uint64_t v[3];
		int n = i < nu ? 1 : 1 + (int)(i % 3);
		for (int k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			v[k] = i < nu ? U[i] : U[(seed >> 33) % (uint64_t)nu];
		}
		abs_vals[i] = hull(v, n);
	}
}

static void test_bounds_alu(void)
{
	static const uint8_t ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_NEG,
				       BPF_LSH, BPF_RSH, BPF_ARSH, BPF_DIV, BPF_MOD };
	int bad = 0, checked = 0;
	for (int is32 = 0; is32 < 2; is32++)
		for (size_t o = 0; o < sizeof(ops); o++)
			for (int i = 0; i < NABS; i++)
				for (int j = 0; j < NABS; j++) {
					struct bounds r = bounds_alu(ops[o], abs_vals[i], abs_vals[j], is32);
					for (int x = 0; x < nu; x++) {
						if (!bounds_contains(&abs_vals[i], U[x]))
							continue;
						for (int y = 0; y < nu; y++) {
							if (!bounds_contains(&abs_vals[j], U[y]))
								continue;
							uint8_t op = ops[o];
							bool sh = op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH;
							if (sh && U[y] >= (is32 ? 32u : 64u))
								continue; /* the verifier rejects those */
							checked++;
							uint64_t c = conc_alu(op, U[x], U[y], is32);
							if (!bounds_contains(&r, c) && bad++ < 5)
								fprintf(stderr, "op %#x%s %#llx,%#llx -> %#llx not in result\n",
									op, is32 ? "/32" : "", (unsigned long long)U[x],
									(unsigned long long)U[y], (unsigned long long)c);
						}
					}
				}
	CHECK(bad == 0 && checked > 100000, "bounds_alu: %d of %d concrete results outside", bad, checked);
}

static void test_bounds_jmp(void)
{
	static const uint8_t ops[] = { BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
				       BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET };
	int bad = 0, checked = 0;
	for (int is32 = 0; is32 < 2; is32++)
		for (size_t o = 0; o < sizeof(ops); o++)
			for (int i = 0; i < NABS; i++)
				for (int j = 0; j < NABS; j++) {
					const struct bounds *a = &abs_vals[i], *b = &abs_vals[j];
					int taken = bounds_branch_taken(ops[o], a, b, is32);
					struct bounds ta = *a, tb = *b, fa = *a, fb = *b;
					bool tok = bounds_refine(ops[o], true, &ta, &tb, is32);
					bool fok = bounds_refine(ops[o], false, &fa, &fb, is32);
					for (int x = 0; x < nu; x++) {
						if (!bounds_contains(a, U[x]))
							continue;
						for (int y = 0; y < nu; y++) {
							if (!bounds_contains(b, U[y]))
								continue;
							checked++;
							bool c = conc_jmp(ops[o], U[x], U[y], is32);
							bool ok = taken < 0 || taken == c;
							if (c)
								ok &= tok && bounds_contains(&ta, U[x]) && bounds_contains(&tb, U[y]);
							else
								ok &= fok && bounds_contains(&fa, U[x]) && bounds_contains(&fb, U[y]);
							if (!ok && bad++ < 5)
								fprintf(stderr, "jmp %#x%s %#llx,%#llx (%d) lost\n", ops[o],
									is32 ? "/32" : "", (unsigned long long)U[x],
									(unsigned long long)U[y], c);
						}
					}
				}
	CHECK(bad == 0 && checked > 100000, "bounds branches: %d of %d concrete pairs lost", bad, checked);
}

static void test_bounds_misc(void)
{
	int bad = 0;
	for (int i = 0; i < NABS; i++)
		for (int x = 0; x < nu; x++) {
			if (!bounds_contains(&abs_vals[i], U[x]))
				continue;
			static const unsigned bits[] = { 8, 16, 32 };
			for (int k = 0; k < 3; k++)
				for (int is32 = 0; is32 < 2; is32++) {
					if (is32 && bits[k] == 32)
						continue;
					uint64_t top = 1ULL << (bits[k] - 1), m = (top << 1) - 1;
					uint64_t v = ((U[x] & m) ^ top) - top;
					if (is32)
						v = (uint32_t)v;
					struct bounds r = bounds_sext(abs_vals[i], bits[k], is32);
					bad += !bounds_contains(&r, v);
				}
			struct bounds z = abs_vals[i];
			bounds_zext32(&z);
			bad += !bounds_contains(&z, (uint32_t)U[x]);
		}
	CHECK(bad == 0, "sign/zero extension: %d values lost", bad);
	struct bounds l = bounds_of_load(1);
	CHECK(l.umax == 255 && l.smin == 0 && bounds_contains(&l, 200), "u8 load is [0, 255]");
}

int main(void)
{
	test_tnum();
	universe();
	make_abstract();
	test_bounds_alu();
	test_bounds_jmp();
	test_bounds_misc();
	return t_done("vfy_domains");
}
