/* SPDX-License-Identifier: MIT */
/*
 * Deterministic run of the fuzz target tests/fuzz/fuzz_elf.c on objects
 * mutated from fixed seeds: the hand-built objects of elf_build.h (plain,
 * with BTF-defined maps, with .kconfig externs) and, when
 * tests/suites/elf.sh has built them, the compiled objects of
 * $BUILD/tests/elf/. Mutations: bit flips, bytes and words set to
 * boundary values (aimed at the ELF and section headers half the time),
 * truncation, and chunks copied over other places. Under `make test
 * SANITIZE=1` any out-of-bounds read is an ASan error; an inconsistent
 * description traps. Checks: nothing crashes, mutated objects are both
 * accepted and refused, refusals carry a log line.
 */
#include <glob.h>
#include <stdio.h>

#include "../fuzz/fuzz_elf.c"

#include "btf_build.h"
#include "elf_build.h"
#include "tcheck.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint64_t boundary[] = { 0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff,
				     0x80000000, 0xffffffff, 0x100000000ull, UINT64_MAX, 24, 64 };

/* One random change to buf[0..*n) (cap bytes of room); shoff: where the
 * section headers start, worth aiming at. */
static void mutate(uint8_t *buf, size_t *n, size_t cap, size_t shoff)
{
	size_t len = *n, at;
	uint64_t v = boundary[next() % (sizeof(boundary) / sizeof(boundary[0]))];

	if (!len)
		return;
	at = (next() & 1) && shoff < len ? shoff + next() % (len - shoff) : next() % len;
	if (next() % 4 == 0)
		at = next() % (len < 64 ? len : 64);
	switch (next() % 6) {
	case 0:
		buf[at] ^= (uint8_t)(1u << (next() % 8));
		break;
	case 1:
		buf[at] = (uint8_t)v;
		break;
	case 2:
		at &= ~(size_t)3;
		if (at + 4 <= len)
			memcpy(buf + at, &v, 4);
		break;
	case 3:
		at &= ~(size_t)7;
		if (at + 8 <= len)
			memcpy(buf + at, &v, 8);
		break;
	case 4:
		*n = next() % len;
		break;
	default: {
		size_t from = next() % len, cnt = 1 + next() % 32;
		if (from + cnt <= len && at + cnt <= cap) {
			memmove(buf + at, buf + from, cnt);
			if (at + cnt > len)
				*n = at + cnt;
		}
		break;
	}
	}
}

struct seed {
	uint8_t *p;
	size_t n;
};

static struct bb bb;

static size_t kconfig_seed(uint8_t *out, size_t cap)
{
	struct eb b;

	bb_init(&bb);
	uint32_t i32 = bb_int(&bb, "int", 4, BTF_INT_SIGNED, 32);
	uint32_t v = bb_var(&bb, "CONFIG_X", i32, BTF_VAR_GLOBAL_EXTERN);
	bb_datasec(&bb, ".kconfig", 1, 0);
	bb_secinfo(&bb, v, 0, 4);
	eb_base(&b);
	b.nbtf = bb_blob(&bb, b.btf, sizeof(b.btf));
	b.sym[b.nsym] = eb_sym(STT_NOTYPE, STB_GLOBAL, SHN_UNDEF, 0, 0);
	b.sym_name[b.nsym++] = "CONFIG_X";
	b.rel[1] = eb_rel(16, EB_BASE_SYMS, 1);
	return eb_emit(&b, out, cap);
}

static size_t seeds_from_files(struct seed *s, size_t max)
{
	const char *build = getenv("BUILD");
	char pattern[512];
	glob_t g;
	size_t n = 0;

	snprintf(pattern, sizeof(pattern), "%s/tests/elf/clang/*.o", build ? build : "build");
	if (glob(pattern, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc && n < max; i++) {
		s[n].p = (uint8_t *)t_read_file(g.gl_pathv[i], &s[n].n);
		if (s[n].p && s[n].n < (1u << 20))
			n++;
		else
			free(s[n].p);
	}
	globfree(&g);
	return n;
}

int main(void)
{
	enum { ROUNDS = 100000, CAP = 1 << 20 };
	static uint8_t buf[CAP];
	struct seed seeds[24];
	size_t nseed = 0;
	struct eb b;

	eb_base(&b);
	seeds[nseed].p = malloc(CAP);
	seeds[nseed].n = eb_emit(&b, seeds[nseed].p, CAP);
	nseed++;
	seeds[nseed].p = malloc(CAP);
	seeds[nseed].n = kconfig_seed(seeds[nseed].p, CAP);
	nseed++;
	size_t files = seeds_from_files(seeds + nseed, 20);
	nseed += files;

	unsigned accepted = 0, refused = 0, seeds_ok = 0;
	for (size_t i = 0; i < nseed; i++)
		seeds_ok += fuzz_elf_one(seeds[i].p, seeds[i].n) == 1;
	for (int r = 0; r < ROUNDS; r++) {
		const struct seed *s = &seeds[next() % nseed];
		size_t n = s->n, shoff = 0;
		memcpy(buf, s->p, n);
		if (n >= sizeof(Elf64_Ehdr))
			memcpy(&shoff, buf + offsetof(Elf64_Ehdr, e_shoff), sizeof(shoff));
		for (int m = 1 + (int)(next() % 4); m > 0; m--)
			mutate(buf, &n, CAP, shoff);
		if (fuzz_elf_one(buf, n))
			accepted++;
		else
			refused++;
	}
	printf("fuzz_elf: %d mutated objects from %zu seeds (%zu compiled): %u accepted, "
	       "%u refused\n", ROUNDS, nseed, files, accepted, refused);
	CHECK(seeds_ok == nseed, "every seed is accepted (%u of %zu)", seeds_ok, nseed);
	CHECK(accepted > 0 && refused > 0, "both outcomes seen");
	for (size_t i = 0; i < nseed; i++)
		free(seeds[i].p);
	return t_done("fuzz_elf");
}
