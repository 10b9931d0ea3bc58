/* SPDX-License-Identifier: MIT */
/*
 * Deterministic run of the fuzz target tests/fuzz/fuzz_btf.c on valid BTF
 * (and BTF + BTF.ext) blobs built by hand, mutated from fixed seeds: bit
 * flips, words set to boundary values (0, 1, -1, the type count, ...),
 * truncation, kinds and vlens changed, records swapped. Under
 * `make test SANITIZE=1` any access outside the blob or the parser's own
 * memory is an ASan error; the target itself aborts when a parsed BTF
 * breaks a promise of btf.h. Checks: nothing crashes, both outcomes are
 * common (mutations that keep the blob valid reach the queries and dumps),
 * and every rejection comes with exactly one log line.
 */
#include <stdio.h>

#include "../fuzz/fuzz_btf.c"

#include "btf_build.h"
#include "tcheck.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct bb b;
static uint32_t seed_fn;     /* seed 1's FUNC, for the BTF.ext seed */

/* Seed 1: one type of every kind, references in both directions. */
static void seed_kinds(void)
{
	uint32_t i, l, c, p, s, td, a, u, e, e64, fw, pfw, pr, fn, v, h, fl, tt;

	bb_init(&b);
	i = bb_int(&b, "int", 4, BTF_INT_SIGNED, 32);
	l = bb_int(&b, "long", 8, BTF_INT_SIGNED, 64);
	c = bb_int(&b, "char", 1, BTF_INT_CHAR, 8);
	p = bb_ref(&b, BTF_KIND_PTR, NULL, b.next_id + 1);
	s = bb_struct(&b, BTF_KIND_STRUCT, "node", 1, 4, 24);
	bb_member(&b, "next", p, 0);
	bb_member(&b, "a", i, 3u << 24 | 64);
	bb_member(&b, "b", i, 5u << 24 | 67);
	bb_member(&b, "c", c, 96);
	td = bb_ref(&b, BTF_KIND_TYPEDEF, "node_t", s);
	td = bb_ref(&b, BTF_KIND_CONST, NULL, td);
	a = bb_array(&b, td, i, 3);
	u = bb_struct(&b, BTF_KIND_UNION, "u", 0, 2, 72);
	bb_member(&b, "arr", a, 0);
	bb_member(&b, "l", l, 0);
	e = bb_type(&b, "color", BTF_KIND_ENUM, 1, 2, 4);
	bb_enum_val(&b, "RED", -1);
	bb_enum_val(&b, "BLUE", 7);
	e64 = bb_type(&b, "big", BTF_KIND_ENUM64, 0, 1, 8);
	bb_enum64_val(&b, "HUGE", 1ull << 40);
	fw = bb_type(&b, "later", BTF_KIND_FWD, 1, 0, 0);
	pfw = bb_ref(&b, BTF_KIND_PTR, NULL, fw);
	pr = bb_proto(&b, i, 3);
	bb_param(&b, "n", pfw);
	bb_param(&b, "x", e);
	bb_param(&b, NULL, 0);
	fn = bb_func(&b, "fn", pr, BTF_FUNC_GLOBAL);
	seed_fn = fn;
	bb_decl_tag(&b, "tag", fn, 1);
	v = bb_var(&b, "g", u, BTF_VAR_GLOBAL_ALLOCATED);
	fl = bb_type(&b, "double", BTF_KIND_FLOAT, 0, 0, 8);
	tt = bb_ref(&b, BTF_KIND_TYPE_TAG, "user", fl);
	bb_ref(&b, BTF_KIND_PTR, NULL, tt);
	h = bb_var(&b, "h", e64, 0);
	bb_datasec(&b, ".data", 2, 80);
	bb_secinfo(&b, v, 0, 72);
	bb_secinfo(&b, h, 72, 8);
}

/* Seed 2: chains and nesting (typedef chains, arrays of structs, protos
 * taking pointers to protos). */
static void seed_chains(void)
{
	uint32_t i, id, s, pr, pp;

	bb_init(&b);
	i = bb_int(&b, "int", 4, BTF_INT_SIGNED, 32);
	id = i;
	for (int k = 0; k < 12; k++) {
		char name[16];
		snprintf(name, sizeof(name), "t%d", k);
		id = bb_ref(&b, k % 2 ? BTF_KIND_VOLATILE : BTF_KIND_TYPEDEF, k % 2 ? NULL : name, id);
	}
	for (int k = 0; k < 6; k++) {
		s = bb_struct(&b, BTF_KIND_STRUCT, NULL, 0, 2, 16);
		bb_member(&b, "x", id, 0);
		bb_member(&b, "y", i, 64);
		id = bb_array(&b, s, i, 1);
	}
	/* void (*)(void (**)(...)): the proto's param points back at it */
	pr = bb_proto(&b, 0, 1);
	bb_param(&b, "cb", pr + 2);
	pp = bb_ref(&b, BTF_KIND_PTR, NULL, pr);
	bb_ref(&b, BTF_KIND_PTR, NULL, pp);
	s = bb_struct(&b, BTF_KIND_STRUCT, "top", 0, 2, 24);
	bb_member(&b, "arr", id, 0);
	bb_member(&b, "fn", pp, 128);
}

static uint8_t base[1 << 16], buf[1 << 16];

/* Seed 3: seed 1 plus a BTF.ext naming its FUNC and strings. */
static size_t seed_ext(void)
{
	uint32_t sec, file, line, acc, w[64], n = 8;
	size_t len;

	seed_kinds();
	sec = bb_str(&b, "xdp");
	file = bb_str(&b, "a.c");
	line = bb_str(&b, "return 0;");
	acc = bb_str(&b, "0:1:2");
	memcpy(base, "BTFX", 4);
	len = bb_blob(&b, base + 8, sizeof(base) - 8);
	memcpy(base + 4, &(uint32_t){ (uint32_t)len }, 4);
	w[n++] = 8; w[n++] = sec; w[n++] = 1; w[n++] = 0; w[n++] = seed_fn;
	w[n++] = 16; w[n++] = sec; w[n++] = 2;
	w[n++] = 0; w[n++] = file; w[n++] = line; w[n++] = 1u << 10;
	w[n++] = 8; w[n++] = file; w[n++] = line; w[n++] = 2u << 10;
	w[n++] = 16; w[n++] = sec; w[n++] = 1; w[n++] = 8; w[n++] = 5; w[n++] = acc; w[n++] = 0;
	w[0] = BTF_MAGIC | 1u << 16;
	w[1] = 32;
	w[2] = 0; w[3] = 20; w[4] = 20; w[5] = 44; w[6] = 64; w[7] = 28;
	memcpy(base + 8 + len, w, n * 4);
	return 8 + len + n * 4;
}

static uint32_t interesting(void)
{
	static const uint32_t v[] = { 0, 1, 2, 3, 4, 7, 8, 12, 16, 24, 0x7fffffff, 0x80000000,
				      0xffffffff, 0xffff, 0x10000, 0x1000000, 0xfffff, 0x100000 };
	return v[next() % (sizeof(v) / sizeof(v[0]))];
}

/* Mostly one mutation, sometimes up to four, of base[0..len) into buf;
 * returns the new length. */
static size_t mutate(size_t len)
{
	size_t n = len, words;
	int cnt = 1 + (next() % 4 ? 0 : (int)(next() % 4));

	memcpy(buf, base, len);
	for (int m = 0; m < cnt; m++) {
		words = n / 4;
		switch (next() % 10) {
		case 8:   /* a word copied from elsewhere: often another valid id or offset */
		case 9:
			memcpy(buf + 4 * (next() % words), buf + 4 * (next() % words), 4);
			break;
		case 0:   /* bit flip */
			buf[next() % n] ^= (uint8_t)(1u << (next() % 8));
			break;
		case 1:   /* boundary value in a word */
			memcpy(buf + 4 * (next() % words), &(uint32_t){ interesting() }, 4);
			break;
		case 2:   /* small value in a word (ids, offsets, counts) */
			memcpy(buf + 4 * (next() % words), &(uint32_t){ (uint32_t)(next() % 48) }, 4);
			break;
		case 3:   /* truncation */
			n = 1 + next() % n;
			if (n < 8)
				n = 8;
			break;
		case 4: { /* another kind in a type's info byte */
			size_t at = 24 + 8 + 4 * (next() % (words > 10 ? words - 10 : 1));
			if (at + 4 <= n)
				buf[at + 3] = (uint8_t)((buf[at + 3] & 0x80) | (next() % 21));
			break;
		}
		case 5: { /* another vlen */
			size_t at = 24 + 8 + 4 * (next() % (words > 10 ? words - 10 : 1));
			if (at + 2 <= n)
				buf[at] = (uint8_t)(next() % 6);
			break;
		}
		case 6: { /* swap two 12-byte runs */
			uint8_t tmp[12];
			size_t a = 4 * (next() % words), c = 4 * (next() % words);
			if (a + 12 <= n && c + 12 <= n) {
				memcpy(tmp, buf + a, 12);
				memmove(buf + a, buf + c, 12);
				memcpy(buf + c, tmp, 12);
			}
			break;
		}
		default:  /* random byte */
			buf[next() % n] = (uint8_t)next();
			break;
		}
	}
	return n;
}

static void run_seed(const char *name, size_t len, unsigned iters, struct fuzz_btf_stats *st)
{
	for (unsigned i = 0; i < iters; i++)
		fuzz_btf_run(buf, mutate(len), st);
	printf("%s: %u mutations, BTF %u accepted / %u refused, BTF.ext %u accepted / %u refused\n",
	       name, iters, st->btf_ok, st->btf_bad, st->ext_ok, st->ext_bad);
}

int main(void)
{
	struct fuzz_btf_stats s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	size_t len;

	seed_kinds();
	len = bb_blob(&b, base, sizeof(base));
	CHECK(!fuzz_btf_one(base, len), "seed 1 runs");
	run_seed("kinds", len, 20000, &s1);
	seed_chains();
	len = bb_blob(&b, base, sizeof(base));
	run_seed("chains", len, 10000, &s2);
	len = seed_ext();
	{
		struct fuzz_btf_stats one = { 0 };
		fuzz_btf_run(base, len, &one);
		CHECK(one.btf_ok == 1 && one.ext_ok == 1, "seed 3 (BTF + BTF.ext) is valid");
	}
	run_seed("ext", len, 20000, &s3);

	CHECK(s1.btf_ok > 2000 && s1.btf_bad > 2000, "kinds: both outcomes common (%u/%u)",
	      s1.btf_ok, s1.btf_bad);
	CHECK(s2.btf_ok > 1000 && s2.btf_bad > 1000, "chains: both outcomes common (%u/%u)",
	      s2.btf_ok, s2.btf_bad);
	CHECK(s3.ext_ok > 1000 && s3.ext_bad > 1000, "ext: both outcomes common (%u/%u)", s3.ext_ok,
	      s3.ext_bad);
	CHECK(!s1.silent && !s2.silent && !s3.silent, "every rejection logs one line (%u, %u, %u "
	      "did not)", s1.silent, s2.silent, s3.silent);
	return t_done("fuzz_btf");
}
