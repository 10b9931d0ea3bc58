/* SPDX-License-Identifier: MIT */
/*
 * kdiff_maps: hash maps of bpfx against the running kernel's. The same
 * random sequences of update / lookup / delete / get_next_key /
 * lookup_and_delete (fixed seeds, so runs repeat) go to a kernel map
 * (raw bpf()) and to a bpfx map (its ops, as bpf() calls them); every
 * return value, errno and output byte must agree, and at the end so must
 * the contents. Maps created with BPF_F_ZERO_SEED must also iterate in
 * the kernel's order, key for key; other maps are compared as sets.
 *
 *   kdiff_maps [--count N] [--seed S]
 *
 * Also: MAP_CREATE attributes the kernel refuses (same errno) or accepts,
 * and LRU maps past their size, where the two evict different keys: there
 * both must accept every update, stay within max_entries and keep the
 * last value of every key still present. The process runs on one CPU (as
 * the kernel's LRU lists are per CPU) and per-CPU maps need as many bpfx
 * slots as the kernel has possible CPUs (BPFX_SLOTS, set by
 * tests/suites/maps_kernel.sh). Without a usable bpf() the suite is one
 * skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbpf.h"
#include "kmap.h"
#include "maps/map.h"
#include "tcheck.h"
#include "tinsn.h"
#include "vm/slot.h"

extern const struct map_ops htab_map_ops, htab_percpu_map_ops, htab_lru_map_ops,
	htab_lru_percpu_map_ops;

#define H BPF_MAP_TYPE_HASH
#define P BPF_MAP_TYPE_PERCPU_HASH
#define L BPF_MAP_TYPE_LRU_HASH
#define LP BPF_MAP_TYPE_LRU_PERCPU_HASH
#define Z BPF_F_ZERO_SEED
#define MAXV (64 * 1024)
#define STEPS 400

struct config {
	const char *name;
	uint32_t type, ks, vs, max, flags;
	uint32_t keyspace;            /* distinct keys the sequence uses */
};

/* Exact comparisons: LRU maps kept far below their size (the kernel's
 * LRU then never evicts). */
static const struct config exact[] = {
	{ "hash 4/8", H, 4, 8, 16, Z, 24 },
	{ "hash 3/13", H, 3, 13, 32, Z, 40 },
	{ "hash 13/3", H, 13, 3, 8, Z, 12 },
	{ "hash 8/64", H, 8, 64, 100, Z, 150 },
	{ "hash 16/1 no_prealloc", H, 16, 1, 64, Z | BPF_F_NO_PREALLOC, 80 },
	{ "hash 1/4", H, 1, 4, 300, Z, 256 },
	{ "hash 4/4 random seed", H, 4, 4, 50, 0, 70 },
	{ "hash 5/9 random seed", H, 5, 9, 20, 0, 30 },
	{ "percpu 4/6", P, 4, 6, 16, Z, 24 },
	{ "percpu 5/16", P, 5, 16, 32, Z, 40 },
	{ "percpu 12/8 no_prealloc", P, 12, 8, 10, Z | BPF_F_NO_PREALLOC, 16 },
	{ "percpu 4/4 random seed", P, 4, 4, 16, 0, 24 },
	{ "lru 4/8", L, 4, 8, 128, Z, 32 },
	{ "lru 3/13", L, 3, 13, 256, Z, 40 },
	{ "lru 7/20 no_common", L, 7, 20, 256, Z | BPF_F_NO_COMMON_LRU, 24 },
	{ "lru 4/4 random seed", L, 4, 4, 128, 0, 32 },
	{ "lru_percpu 4/12", LP, 4, 12, 128, Z, 32 },
	{ "lru_percpu 6/8 no_common", LP, 6, 8, 256, Z | BPF_F_NO_COMMON_LRU, 24 },
};

/* LRU maps past their size: invariants only. */
static const struct config evicting[] = {
	{ "lru evicting", L, 4, 8, 64, Z, 500 },
	{ "lru evicting 3/5", L, 3, 5, 40, 0, 300 },
	{ "lru_percpu evicting", LP, 4, 8, 64, Z, 500 },
	{ "lru no_common evicting", L, 8, 8, 64, Z | BPF_F_NO_COMMON_LRU, 500 },
};

static unsigned ncpus;

static const struct map_ops *ops_of(uint32_t type)
{
	return type == H ? &htab_map_ops : type == P ? &htab_percpu_map_ops
			 : type == L ? &htab_lru_map_ops : &htab_lru_percpu_map_ops;
}

static bool percpu(uint32_t type)
{
	return type == P || type == LP;
}

static union bpf_attr attr_of(const struct config *c)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = c->type;
	a.key_size = c->ks;
	a.value_size = c->vs;
	a.max_entries = c->max;
	a.map_flags = c->flags;
	return a;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Key number i of a sequence, spread over all key bytes. */
static void make_key(unsigned char *k, uint32_t ks, uint32_t i)
{
	uint64_t s = 0x9e3779b97f4a7c15ull * (i + 1);

	for (uint32_t j = 0; j < ks; j++)
		k[j] = (unsigned char)(xorshift(&s) >> 24);
	if (ks == 1)
		k[0] = (unsigned char)i;
}

/* Both maps of one comparison. */
struct pair {
	const struct config *c;
	int fd;
	struct map *m;
	size_t vsz;                   /* user value bytes */
};

static bool pair_open(struct pair *p, const struct config *c)
{
	union bpf_attr a = attr_of(c);
	int err = 0;

	p->c = c;
	p->vsz = percpu(c->type) ? (size_t)((c->vs + 7) & ~7u) * ncpus : c->vs;
	p->fd = kmap_create(&a);
	p->m = tmap_new(ops_of(c->type), &a, &err);
	if (p->fd < 0 || !p->m) {
		CHECK(0, "%s: create: kernel %d, bpfx %d", c->name, p->fd, err);
		if (p->fd >= 0)
			close(p->fd);
		tmap_free(p->m);
		return false;
	}
	return true;
}

static void pair_close(struct pair *p)
{
	close(p->fd);
	tmap_free(p->m);
}

/* One random step on both maps. Returns false (after saying why) when
 * they disagree. */
static bool step(struct pair *p, uint64_t *rng, int n, bool exact_order)
{
	static unsigned char key[64], kv[MAXV], bv[MAXV], kn[64], bn[64];
	static const uint64_t uflags[] = { BPF_ANY, BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_ANY,
					   3, BPF_F_LOCK, BPF_EXIST | BPF_F_LOCK };
	const struct config *c = p->c;
	struct map *m = p->m;
	uint64_t r = xorshift(rng);
	int kr, br, op = (int)(r % 100);
	const char *what;
	bool cmp_out = false, null_key = false;
	size_t out_len = p->vsz;

	make_key(key, c->ks, (uint32_t)((r >> 8) % c->keyspace));
	memset(kv, 0xee, p->vsz);
	memset(bv, 0xee, p->vsz);
	if (op < 40) {
		uint64_t fl = uflags[(r >> 32) % 8];
		for (size_t i = 0; i < p->vsz; i++)
			kv[i] = (unsigned char)xorshift(rng);
		what = "update";
		kr = kmap_update(p->fd, key, kv, fl);
		br = tmap_update(m, key, kv, fl);
	} else if (op < 62) {
		uint64_t fl = (r >> 40) % 16 == 0 ? BPF_F_LOCK : 0;
		what = "lookup";
		kr = kmap_lookup(p->fd, key, kv, fl);
		br = m->ops->lookup_copy(m, key, bv, fl);
		cmp_out = true;
	} else if (op < 77) {
		what = "delete";
		kr = kmap_delete(p->fd, key);
		br = m->ops->delete(m, key);
	} else if (op < 90) {
		null_key = (r >> 40) % 4 == 0;
		what = null_key ? "get_next_key(NULL)" : "get_next_key";
		kr = kmap_get_next_key(p->fd, null_key ? NULL : key, kn);
		br = m->ops->get_next_key(m, null_key ? NULL : key, bn);
		if (!exact_order) /* another order: only "is there a first key" agrees */
			return !null_key || kr == br ||
			       (CHECK(0, "%s step %d: %s: kernel %d, bpfx %d", c->name, n, what,
				      kr, br), false);
		if (!kr && !br && memcmp(kn, bn, c->ks))
			br = 1; /* same result, other key */
	} else {
		what = "lookup_and_delete";
		kr = kmap_lookup_and_delete(p->fd, key, kv, 0);
		br = m->ops->lookup_and_delete(m, key, bv, 0);
		cmp_out = true;
	}
	if (kr == br && (!cmp_out || kr || !memcmp(kv, bv, out_len)))
		return true;
	CHECK(0, "%s step %d: %s: kernel %d, bpfx %d%s", c->name, n, what, kr, br,
	      kr == br ? " (different bytes)" : "");
	return false;
}

/* Walks both maps to the end: same keys (in the same order if exact),
 * same values. */
static bool same_contents(struct pair *p, bool exact_order)
{
	static unsigned char kkeys[4096][64], bkeys[4096][64], kv[MAXV], bv[MAXV];
	const struct config *c = p->c;
	int nk = 0, nb = 0;

	for (int r = kmap_get_next_key(p->fd, NULL, kkeys[0]); !r && nk < 4095;
	     r = kmap_get_next_key(p->fd, kkeys[nk - 1], kkeys[nk]))
		nk++;
	for (int r = p->m->ops->get_next_key(p->m, NULL, bkeys[0]); !r && nb < 4095;
	     r = p->m->ops->get_next_key(p->m, bkeys[nb - 1], bkeys[nb]))
		nb++;
	if (nk != nb)
		return CHECK(0, "%s: kernel has %d keys, bpfx %d", c->name, nk, nb);
	for (int i = 0; i < nk; i++) {
		if (exact_order && memcmp(kkeys[i], bkeys[i], c->ks))
			return CHECK(0, "%s: key %d of the iteration differs", c->name, i);
		if (kmap_lookup(p->fd, kkeys[i], kv, 0) ||
		    p->m->ops->lookup_copy(p->m, kkeys[i], bv, 0) || memcmp(kv, bv, p->vsz))
			return CHECK(0, "%s: value of key %d differs (or is missing)", c->name, i);
	}
	return true;
}

static void run_exact(const struct config *c, uint64_t seed, unsigned count)
{
	bool exact_order = c->flags & BPF_F_ZERO_SEED;

	for (unsigned s = 0; s < count; s++) {
		struct pair p;
		uint64_t rng = (seed + s) * 0x2545f4914f6cdd1dull + 1;
		bool ok = true;

		if (!pair_open(&p, c))
			return;
		for (int n = 0; ok && n < STEPS; n++)
			ok = step(&p, &rng, n, exact_order);
		if (ok)
			CHECK(same_contents(&p, exact_order), "%s seed %llu: contents", c->name,
			      (unsigned long long)(seed + s));
		pair_close(&p);
	}
}

/* Past the size of an LRU map: updates always succeed, at most
 * max_entries keys, a present key has its last value, the key just
 * written is present. Checked on both sides independently. */
static int lru_side(bool kernel, struct pair *p, uint64_t seed)
{
	static unsigned char key[64], v[MAXV], out[MAXV], last[1024][64];
	const struct config *c = p->c;
	uint64_t rng = seed * 0x2545f4914f6cdd1dull + 1;
	int bad = 0;

	for (uint32_t i = 0; i < c->keyspace; i++)
		memset(last[i], 0, sizeof(last[i]));
	for (int n = 0; n < 3000; n++) {
		uint32_t ki = (uint32_t)(xorshift(&rng) % c->keyspace);
		make_key(key, c->ks, ki);
		memset(v, (int)(n & 0xff) | 1, p->vsz);
		int r = kernel ? kmap_update(p->fd, key, v, BPF_ANY)
			       : tmap_update(p->m, key, v, BPF_ANY);
		last[ki][0] = (unsigned char)((n & 0xff) | 1);
		r |= kernel ? kmap_lookup(p->fd, key, out, 0)
			    : p->m->ops->lookup_copy(p->m, key, out, 0);
		bad += r != 0 || out[0] != last[ki][0];
		if (n % 7 == 0 && !kernel) /* programs use some keys */
			p->m->ops->lookup(p->m, key);
	}
	int present = 0;
	for (uint32_t ki = 0; ki < c->keyspace; ki++) {
		make_key(key, c->ks, ki);
		int r = kernel ? kmap_lookup(p->fd, key, out, 0)
			       : p->m->ops->lookup_copy(p->m, key, out, 0);
		present += r == 0;
		bad += r == 0 && out[p->vsz - 1] != last[ki][0];
	}
	return bad + (present > (int)p->m->max_entries) + (present == 0);
}

static void run_evicting(const struct config *c, uint64_t seed)
{
	struct pair p;

	if (!pair_open(&p, c))
		return;
	CHECK(lru_side(true, &p, seed) == 0, "%s: the kernel's own invariants", c->name);
	CHECK(lru_side(false, &p, seed) == 0, "%s: bpfx's invariants", c->name);
	pair_close(&p);
}

#include "kdiff_maps_more.h"

int main(int argc, char **argv)
{
	uint64_t seed = 0x6d617073; /* "maps" */
	unsigned count = 8;
	const char *why;
	cpu_set_t one;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
	}
	if ((why = kmap_unavailable())) {
		t_skip("%s", why);
		return t_done("maps_kernel");
	}
	/* One CPU, the one numbered like this thread's bpfx slot. */
	CPU_ZERO(&one);
	CPU_SET(vm_slot(), &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		CPU_ZERO(&one);
		CPU_SET((unsigned)sched_getcpu(), &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	ncpus = kmap_possible_cpus();
	run_create_cases();
	if (ncpus == map_nr_slots() && (unsigned)sched_getcpu() == vm_slot()) {
		run_prog_cases(P);
		run_prog_cases(LP);
	} else {
		t_skip("programs on per-CPU maps: CPU %d is not bpfx slot %u, or %u CPUs for %u "
		       "slots", sched_getcpu(), vm_slot(), ncpus, map_nr_slots());
	}
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		if (percpu(exact[i].type) && ncpus != map_nr_slots()) {
			t_skip("%s: the kernel has %u possible CPUs, bpfx %u slots "
			       "(set BPFX_SLOTS)", exact[i].name, ncpus, map_nr_slots());
			continue;
		}
		run_exact(&exact[i], seed, count);
	}
	for (size_t i = 0; i < sizeof(evicting) / sizeof(evicting[0]); i++)
		if (!percpu(evicting[i].type) || ncpus == map_nr_slots())
			run_evicting(&evicting[i], seed);
	return t_done("maps_kernel");
}
