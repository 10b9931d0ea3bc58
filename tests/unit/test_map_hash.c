/* SPDX-License-Identifier: MIT */
/*
 * Hash maps (src/maps/hash*.c): HASH, PERCPU_HASH, LRU_HASH and
 * LRU_PERCPU_HASH. Semantics and errnos (the kernel's, which
 * tests/suites/maps_kernel.sh checks against the real kernel), iteration
 * order predicted from jhash, fullness, LRU eviction rules, two mappings
 * of one map, a writer dying inside a lock, no allocation on any
 * operation, and threads hammering one map (no lost update, no torn
 * value).
 *
 * Maps come from tmap_new() (tests/lib/kmap.h): map_create() once the
 * registry knows the hash types, the type's ops directly until then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kmap.h"
#include "maps/hash.h"
#include "talloc.h"
#include "tcheck.h"
#include "util/jhash.h"

extern const struct map_ops htab_map_ops, htab_percpu_map_ops, htab_lru_map_ops,
	htab_lru_percpu_map_ops;

#define ENOTSUPP 524

static const uint32_t types[] = { BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH,
				  BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH };

static const struct map_ops *ops_of(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH: return &htab_map_ops;
	case BPF_MAP_TYPE_PERCPU_HASH: return &htab_percpu_map_ops;
	case BPF_MAP_TYPE_LRU_HASH: return &htab_lru_map_ops;
	default: return &htab_lru_percpu_map_ops;
	}
}

static bool is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_lru(uint32_t type)
{
	return type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static union bpf_attr attr_of(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
			      uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	return a;
}

static struct map *mk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	union bpf_attr a = attr_of(type, ks, vs, max, flags);
	int err = 0;
	struct map *m = tmap_new(ops_of(type), &a, &err);

	CHECK(m != NULL, "create type %u ks %u vs %u max %u flags 0x%x: %d", type, ks, vs, max,
	      flags, err);
	return m;
}

static int create_err(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	union bpf_attr a = attr_of(type, ks, vs, max, flags);
	int err = 0;
	struct map *m = tmap_new(ops_of(type), &a, &err);

	tmap_free(m);
	return m ? 0 : err;
}

/* User value bytes of map m (all slots of a per-CPU map). */
static size_t uval_size(const struct map *m)
{
	return is_percpu(m->type) ? (size_t)((m->value_size + 7) & ~7u) * m->nr_slots
				  : m->value_size;
}

/* Fills a user value with v in every 8-byte word of every slot. */
static void fill_value(const struct map *m, void *buf, uint64_t v)
{
	size_t n = uval_size(m);

	for (size_t i = 0; i < n; i += 8)
		memcpy((char *)buf + i, &v, n - i < 8 ? n - i : 8);
}

/* Checks got == want, evaluating each once. */
static void expect(long got, long want, const char *what)
{
	CHECK(got == want, "%s: got %ld, want %ld", what, got, want);
}

static int count_keys(struct map *m)
{
	unsigned char key[64], next[64];
	int n = 0;

	for (int r = m->ops->get_next_key(m, NULL, next); !r && n <= 1 << 20;
	     r = m->ops->get_next_key(m, key, next)) {
		memcpy(key, next, m->key_size);
		n++;
	}
	return n;
}

static void test_jhash(void)
{
	static const char s[] = "Four score and seven years ago";
	unsigned char k[64];

	/* lookup3's published values of hashlittle() */
	CHECK_EQ_U64(jhash("", 0, 0), 0xdeadbeef, "jhash of nothing");
	CHECK_EQ_U64(jhash("", 0, 0xdeadbeef), 0xbd5b7dde, "jhash of nothing, seeded");
	CHECK_EQ_U64(jhash(s, 30, 0), 0x17770551, "jhash four score");
	CHECK_EQ_U64(jhash(s, 30, 1), 0xcd628161, "jhash four score, seed 1");
	/* On a little-endian machine, words and bytes hash alike. */
	for (unsigned i = 0; i < sizeof(k); i++)
		k[i] = (unsigned char)(i * 37 + 11);
	for (uint32_t n = 0; n <= 15; n++)
		CHECK(jhash(k + 1, n * 4, n) == jhash2(k + 1, n, n), "jhash2 = jhash, %u words", n);
}

static void test_create(void)
{
	const uint32_t H = BPF_MAP_TYPE_HASH, P = BPF_MAP_TYPE_PERCPU_HASH,
		       L = BPF_MAP_TYPE_LRU_HASH, LP = BPF_MAP_TYPE_LRU_PERCPU_HASH;

	expect(create_err(H, 0, 4, 4, 0), -EINVAL, "key size 0");
	expect(create_err(H, 4, 0, 4, 0), -EINVAL, "value size 0");
	expect(create_err(H, 4, 4, 0, 0), -EINVAL, "max_entries 0");
	expect(create_err(H, 4, 4, 4, BPF_F_MMAPABLE), -EINVAL, "mmapable hash");
	expect(create_err(H, 4, 4, 4, 1u << 20), -EINVAL, "unknown flag");
	expect(create_err(H, 4, 4, 4, BPF_F_NO_COMMON_LRU), -EINVAL, "no common lru, hash");
	expect(create_err(P, 4, 4, 4, BPF_F_NO_COMMON_LRU), -EINVAL, "no common lru, pcpu");
	expect(create_err(L, 4, 4, 4, BPF_F_NO_PREALLOC), -ENOTSUPP, "lru no prealloc");
	expect(create_err(LP, 4, 4, 4, BPF_F_NO_PREALLOC), -ENOTSUPP, "lru pcpu no prealloc");
	expect(create_err(H, 4, 4, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), -EINVAL,
	       "rdonly+wronly prog");
	expect(create_err(P, 4, 4, 4, BPF_F_NUMA_NODE), -EINVAL, "numa percpu");
	expect(create_err(L, 4, 4, 4, BPF_F_NUMA_NODE | BPF_F_NO_COMMON_LRU), -EINVAL,
	       "numa percpu lru");
	expect(create_err(H, 4, 4, 4, BPF_F_NUMA_NODE), 0, "numa hash");
	expect(create_err(H, 4, (4u << 20) - 48 - 4, 1, 0), -E2BIG, "elem too big");
	expect(create_err(H, 4, (4u << 20) - 48 - 5, 1, 0), 0, "elem just small enough");
	expect(create_err(P, 4, 32769, 1, 0), -E2BIG, "percpu value too big");
	expect(create_err(P, 4, 32768, 1, 0), 0, "percpu value at the limit");
	expect(create_err(H, 4, 4, (1u << 27) + 1, 0), -E2BIG, "too many buckets");
	expect(create_err(H, 4, 4, (1u << 31) + 1, 0), -E2BIG, "max_entries over 2^31");
	expect(create_err(H, 4, 4, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED | BPF_F_RDONLY),
	       0, "flags hash accepts");
	expect(create_err(L, 4, 4, 4, BPF_F_NO_COMMON_LRU), 0, "no common lru, lru");

	/* One LRU list per slot: max_entries rounds up to a multiple. */
	uint32_t n = map_nr_slots();
	struct map *m = mk(L, 4, 4, n + 1, BPF_F_NO_COMMON_LRU);
	if (m)
		expect(m->max_entries, 2 * n, "no common lru rounds max_entries");
	tmap_free(m);
}

/* What every type does the same way, with user-space calls. */
static void test_basic(uint32_t type)
{
	struct map *m = mk(type, 4, 12, 16, 0);
	unsigned char v[1 << 12], out[1 << 12];
	uint32_t k = 7, k2 = 8;

	if (!m)
		return;
	fill_value(m, v, 0x1111);
	expect(m->ops->lookup_copy(m, &k, out, 0), -ENOENT, "lookup absent");
	CHECK(m->ops->lookup(m, &k) == NULL, "program lookup absent");
	expect(m->ops->delete(m, &k), -ENOENT, "delete absent");
	expect(tmap_update(m, &k, v, BPF_EXIST), -ENOENT, "EXIST on absent");
	expect(tmap_update(m, &k, v, BPF_NOEXIST), 0, "NOEXIST on absent");
	expect(tmap_update(m, &k, v, BPF_NOEXIST), -EEXIST, "NOEXIST on present");
	expect(tmap_update(m, &k, v, 3), -EINVAL, "flags 3");
	expect(tmap_update(m, &k, v, 8), -EINVAL, "flags 8");
	expect(tmap_update(m, &k, v, BPF_F_LOCK), -EINVAL, "F_LOCK without spin lock");
	expect(m->ops->update(m, &k, v, 1ull << 40), -EINVAL, "program flags 1<<40");
	expect(m->ops->lookup_copy(m, &k, out, BPF_F_LOCK), -EINVAL, "lookup F_LOCK");
	memset(out, 0, sizeof(out));
	CHECK(m->ops->lookup_copy(m, &k, out, 0) == 0 && !memcmp(out, v, uval_size(m)),
	      "lookup gets the value");
	fill_value(m, v, 0x2222);
	expect(tmap_update(m, &k, v, BPF_EXIST), 0, "EXIST on present");
	CHECK(m->ops->lookup_copy(m, &k, out, 0) == 0 && !memcmp(out, v, uval_size(m)),
	      "lookup gets the new value");
	uint64_t *p = m->ops->lookup(m, &k);
	CHECK(p && *p == 0x2222, "program lookup points at the value");
	expect(tmap_update(m, &k2, v, BPF_ANY), 0, "ANY on absent");
	expect(m->ops->lookup_and_delete(m, &k2, out, 1), -EINVAL, "lookup_and_delete flags");
	memset(out, 0, sizeof(out));
	CHECK(m->ops->lookup_and_delete(m, &k2, out, 0) == 0 && !memcmp(out, v, uval_size(m)),
	      "lookup_and_delete gets the value");
	expect(m->ops->lookup_copy(m, &k2, out, 0), -ENOENT, "lookup_and_delete deletes");
	expect(m->ops->delete(m, &k), 0, "delete present");
	expect(m->ops->delete(m, &k), -ENOENT, "delete again");
	expect(m->ops->get_next_key(m, NULL, &k2), -ENOENT, "empty map has no first key");
	expect(count_keys(m), 0, "empty");
	tmap_free(m);
}

/* A full HASH/PERCPU_HASH map refuses new keys (E2BIG) but still replaces
 * existing ones, as many times as asked. */
static void test_full(uint32_t type, uint32_t flags)
{
	struct map *m = mk(type, 4, 8, 8, flags);
	uint64_t v[64] = { 0 };

	if (!m)
		return;
	for (uint32_t k = 0; k < 8; k++)
		expect(tmap_update(m, &k, v, BPF_ANY), 0, "fill");
	uint32_t k = 100;
	expect(tmap_update(m, &k, v, BPF_ANY), -E2BIG, "full map refuses a new key");
	expect(tmap_update(m, &k, v, BPF_NOEXIST), -E2BIG, "full map, NOEXIST");
	int bad = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t key = i % 8;
		v[0] = i;
		bad += tmap_update(m, &key, v, i & 1 ? BPF_EXIST : BPF_ANY) != 0;
	}
	expect(bad, 0, "full map replaces existing keys");
	expect(count_keys(m), 8, "still 8 keys");
	k = 3;
	expect(m->ops->delete(m, &k), 0, "delete one");
	k = 100;
	expect(tmap_update(m, &k, v, BPF_ANY), 0, "room for one more");
	tmap_free(m);
}

/* The kernel's order, predicted: buckets in order, each from its head;
 * new keys at the head; a HASH replace moves the key to the head. */
struct model {
	uint32_t nb, keys[4][64], n[4]; /* at most 4 buckets here */
};

static void model_put(struct model *md, uint32_t key, bool move)
{
	uint32_t b = jhash2(&key, 1, 0) & (md->nb - 1), i;

	for (i = 0; i < md->n[b] && md->keys[b][i] != key; i++)
		;
	if (i < md->n[b] && !move)
		return;
	if (i == md->n[b])
		md->n[b]++;
	memmove(&md->keys[b][1], &md->keys[b][0], i * sizeof(uint32_t));
	md->keys[b][0] = key;
}

static void model_del(struct model *md, uint32_t key)
{
	uint32_t b = jhash2(&key, 1, 0) & (md->nb - 1);

	for (uint32_t i = 0; i < md->n[b]; i++)
		if (md->keys[b][i] == key) {
			memmove(&md->keys[b][i], &md->keys[b][i + 1],
				(--md->n[b] - i) * sizeof(uint32_t));
			return;
		}
}

static void test_order(uint32_t type)
{
	struct map *m = mk(type, 4, 8, 4, BPF_F_ZERO_SEED);
	struct model md = { .nb = 4 };
	uint64_t v[64] = { 0 };
	uint32_t key, next, i, seq = 1;
	int bad = 0;

	if (!m)
		return;
	for (int step = 0; step < 400; step++) {
		seq = seq * 1103515245 + 12345;
		key = (seq >> 16) % 6;
		if ((seq >> 8) % 3) {
			int r = tmap_update(m, &key, v, BPF_ANY);
			if (r == 0)
				model_put(&md, key, type == BPF_MAP_TYPE_HASH ||
							    type == BPF_MAP_TYPE_LRU_HASH);
			bad += r != 0 && r != -E2BIG;
		} else if (m->ops->delete(m, &key) == 0) {
			model_del(&md, key);
		}
		if (is_lru(type)) /* a full LRU map evicts: keep it under max */
			for (uint32_t k = 0; k < 6 && md.n[0] + md.n[1] + md.n[2] + md.n[3] > 3;
			     k++)
				if (m->ops->delete(m, &k) == 0)
					model_del(&md, k);
		/* walk and compare */
		int r = m->ops->get_next_key(m, NULL, &next);
		for (uint32_t b = 0; b < 4; b++)
			for (i = 0; i < md.n[b]; i++) {
				bad += r != 0 || next != md.keys[b][i];
				key = next;
				r = m->ops->get_next_key(m, &key, &next);
			}
		bad += r != -ENOENT;
	}
	CHECK(bad == 0, "type %u: iteration order is the kernel's (%d differences)", type, bad);
	tmap_free(m);
}

/* Deleting while iterating: the kernel's loop "get next, delete current"
 * visits every key once; deleting the current key first restarts. */
static void test_iter_delete(uint32_t type)
{
	struct map *m = mk(type, 4, 8, 128, 0);
	uint64_t v[64] = { 0 };
	uint32_t key, next, first;
	int seen = 0;

	if (!m)
		return;
	for (uint32_t k = 0; k < 100; k++)
		tmap_update(m, &k, v, BPF_ANY);
	int r = m->ops->get_next_key(m, NULL, &key);
	CHECK(r == 0, "first key");
	first = key;
	CHECK(m->ops->get_next_key(m, &key, &next) == 0, "second key");
	key = next;
	CHECK(m->ops->delete(m, &key) == 0 && m->ops->get_next_key(m, &key, &next) == 0 &&
		      next == first, "a deleted key restarts at the first key");
	for (r = m->ops->get_next_key(m, NULL, &key); r == 0 && seen < 200; seen++) {
		r = m->ops->get_next_key(m, &key, &next);
		CHECK(m->ops->delete(m, &key) == 0, "delete during iteration");
		key = next;
	}
	CHECK(r == -ENOENT && seen == 99, "iteration with deletes visits all 99 keys: %d", seen);
	expect(count_keys(m), 0, "all deleted");
	tmap_free(m);
}

/* Per-CPU: user space writes and reads every slot (padding included); a
 * program writes its own slot, and a new key's other slots are zero. */
static void test_percpu(uint32_t type)
{
	struct map *m = mk(type, 4, 6, 16, 0);
	unsigned char v[8 * 4096], out[8 * 4096];
	uint32_t k = 1, n, slot;

	if (!m)
		return;
	n = m->nr_slots;
	slot = map_slot(m);
	for (size_t i = 0; i < uval_size(m); i++)
		v[i] = (unsigned char)(i * 7 + 1);
	CHECK(tmap_update(m, &k, v, BPF_ANY) == 0 && m->ops->lookup_copy(m, &k, out, 0) == 0 &&
		      !memcmp(out, v, 8 * n), "every slot, padding too");
	unsigned char pv[6] = { 9, 9, 9, 9, 9, 9 };
	expect(m->ops->update(m, &k, pv, BPF_EXIST), 0, "program update");
	m->ops->lookup_copy(m, &k, out, 0);
	memcpy(v + 8 * slot, pv, 6);
	CHECK(!memcmp(out, v, 8 * n), "a program writes its slot's value_size bytes only");
	void *mine = m->ops->lookup(m, &k);
	CHECK(mine && !memcmp(mine, pv, 6), "a program looks up its slot");
	k = 2;
	expect(m->ops->update(m, &k, pv, BPF_NOEXIST), 0, "program adds a key");
	memset(v, 0, sizeof(v));
	memcpy(v + 8 * slot, pv, 6);
	CHECK(m->ops->lookup_copy(m, &k, out, 0) == 0 && !memcmp(out, v, 8 * n),
	      "other slots of a new key are zero");
	tmap_free(m);
}

/* Elements reused after a delete start clean (HASH pads aside). */
static void test_reuse(uint32_t type)
{
	struct map *m = mk(type, 3, 13, 2, 0);
	unsigned char v[16 * 4096], out[16 * 4096];
	const unsigned char k1[3] = { 1, 2, 3 }, k2[3] = { 3, 2, 1 };

	if (!m)
		return;
	memset(v, 0xab, sizeof(v));
	tmap_update(m, k1, v, BPF_ANY);
	m->ops->delete(m, k1);
	memset(v, 0x5c, sizeof(v));
	CHECK(tmap_update(m, k2, v, BPF_ANY) == 0 && m->ops->lookup_copy(m, k2, out, 0) == 0 &&
		      !memcmp(out, v, uval_size(m)), "odd sizes, reused element");
	expect(m->ops->lookup_copy(m, k1, out, 0), -ENOENT, "old key gone");
	tmap_free(m);
}

static void test_lru(uint32_t type)
{
	struct map *m = mk(type, 4, 8, 64, 0);
	uint64_t v[64] = { 0 };
	int bad = 0, over = 0;

	if (!m)
		return;
	for (uint32_t k = 0; k < 1000; k++) {
		v[0] = k;
		bad += tmap_update(m, &k, v, BPF_NOEXIST) != 0;
		over += count_keys(m) > 64;
	}
	CHECK(bad == 0 && over == 0, "full LRU accepts new keys (%d failed, %d over max)", bad,
	      over);
	uint32_t last = 999;
	CHECK(m->ops->lookup_copy(m, &last, v, 0) == 0 && v[0] == 999, "newest key present");
	CHECK(tmap_update(m, &last, v, BPF_EXIST) == 0, "full LRU replaces a key");
	CHECK(count_keys(m) <= 64, "never over max_entries");
	tmap_free(m);
	/* Keys a program used survive a pass of new keys; unused ones go. */
	if (!(m = mk(type, 4, 8, 64, 0)))
		return;
	for (uint32_t k = 2000; k < 2064; k++)
		bad += tmap_update(m, &k, v, BPF_ANY) != 0;
	for (uint32_t k = 2000; k < 2016; k++)
		bad += m->ops->lookup(m, &k) == NULL;
	for (uint32_t k = 3000; k < 3032; k++)
		bad += tmap_update(m, &k, v, BPF_ANY) != 0;
	for (uint32_t k = 2000; k < 2016; k++)
		bad += m->ops->lookup_copy(m, &k, v, 0) != 0;
	CHECK(bad == 0, "used keys survive new keys (%d)", bad);
	tmap_free(m);
	if (!(m = mk(type, 4, 8, 64, 0)))
		return;
	/* User-space lookups are not uses. */
	for (uint32_t k = 4000; k < 4064; k++)
		tmap_update(m, &k, v, BPF_ANY);
	for (uint32_t k = 4000; k < 4016; k++)
		m->ops->lookup_copy(m, &k, v, 0);
	for (uint32_t k = 5000; k < 5064; k++)
		tmap_update(m, &k, v, BPF_ANY);
	int left = 0;
	for (uint32_t k = 4000; k < 4016; k++)
		left += m->ops->lookup_copy(m, &k, v, 0) == 0;
	CHECK(left == 0, "keys only user space read are evicted (%d left)", left);
	tmap_free(m);

	/* One list per slot: this thread fills its own list only. */
	m = mk(type, 4, 8, 64, BPF_F_NO_COMMON_LRU);
	if (!m)
		return;
	bad = 0;
	for (uint32_t k = 0; k < 500; k++)
		bad += tmap_update(m, &k, v, BPF_ANY) != 0;
	int n = count_keys(m);
	CHECK(bad == 0 && n <= (int)m->max_entries && n >= (int)(m->max_entries / map_nr_slots()),
	      "no common lru: %d failures, %d keys", bad, n);
	tmap_free(m);
}

/* The in-place fallback when every spare element is in use elsewhere. */
static void test_no_spares(void)
{
	struct map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_ZERO_SEED);
	uint32_t held[64], nheld = 0, k;
	uint64_t v = 5, out;

	if (!m)
		return;
	for (k = 0; k < 4; k++)
		tmap_update(m, &k, &v, BPF_ANY);
	while (nheld < 64 && (held[nheld] = htab_pool_pop(m, htab_pool_at(m, 0))) != HTAB_NONE)
		nheld++;
	CHECK(nheld > 0 && nheld < 64, "spares taken: %u", nheld);
	k = 100;
	expect(tmap_update(m, &k, &v, BPF_ANY), -E2BIG, "full");
	/* Each replace rewrites the value in place: the order stays. */
	uint32_t before[4], after[4];
	for (k = 0; k < 4; k++)
		m->ops->get_next_key(m, k ? &before[k - 1] : NULL, &before[k]);
	for (k = 0; k < 4; k++) {
		v = 77 + k;
		expect(tmap_update(m, &k, &v, BPF_EXIST), 0, "replace without spares");
		CHECK(m->ops->lookup_copy(m, &k, &out, 0) == 0 && out == v, "new value");
	}
	for (k = 0; k < 4; k++)
		m->ops->get_next_key(m, k ? &after[k - 1] : NULL, &after[k]);
	CHECK(!memcmp(before, after, sizeof(before)), "same order");
	expect(count_keys(m), 4, "4 keys");
	while (nheld)
		htab_pool_push(m, held[--nheld]);
	tmap_free(m);
}

static void test_contains(void)
{
	struct map *m = mk(BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 4, 0);
	uint32_t k = 1;
	uint64_t v[1024] = { 0 };

	if (!m)
		return;
	tmap_update(m, &k, v, BPF_ANY);
	uintptr_t p = (uintptr_t)m->ops->lookup(m, &k);
	CHECK(m->ops->contains(m, p, 12) && m->ops->contains(m, p + 4, 8), "value inside");
	CHECK(!m->ops->contains(m, p, 13) && !m->ops->contains(m, p + 12, 1), "past value_size");
	CHECK(!m->ops->contains(m, p - 4, 4), "the key is not a value");
	CHECK(!m->ops->contains(m, (uintptr_t)m->data, 4), "bookkeeping is not a value");
	tmap_free(m);
}

/* Two mappings of one map at different addresses: both are the map. */
static void test_two_views(uint32_t type)
{
	struct map *m = mk(type, 4, 8, 64, 0), *v2;
	uint64_t val[512], out[512];
	int err = 0;
	uint32_t k;

	if (!m)
		return;
	v2 = tmap_view(m, &err);
	CHECK(v2 && v2->data != m->data, "second view: %d", err);
	if (!v2) {
		tmap_free(m);
		return;
	}
	for (k = 0; k < 40; k++) {
		fill_value(m, val, k * 3);
		tmap_update(k & 1 ? m : v2, &k, val, BPF_ANY);
	}
	int bad = 0;
	for (k = 0; k < 40; k++) {
		fill_value(m, val, k * 3);
		bad += (k & 1 ? v2 : m)->ops->lookup_copy(k & 1 ? v2 : m, &k, out, 0) != 0 ||
		       memcmp(out, val, uval_size(m));
		void *p = v2->ops->lookup(v2, &k);
		bad += !p || (char *)p < (char *)v2->hdr ||
		       (char *)p >= (char *)v2->hdr + v2->hdr->size;
	}
	k = 5;
	bad += v2->ops->delete(v2, &k) != 0 || m->ops->lookup_copy(m, &k, out, 0) != -ENOENT;
	CHECK(bad == 0, "two views agree (%d)", bad);
	CHECK(count_keys(m) == 39 && count_keys(v2) == 39, "both iterate 39 keys");
	tmap_free(v2);
	tmap_free(m);
}

#include "map_hash_threads.h"

int main(void)
{
	test_jhash();
	test_create();
	for (unsigned i = 0; i < 4; i++) {
		test_basic(types[i]);
		test_order(types[i]);
		test_iter_delete(types[i]);
		test_reuse(types[i]);
		test_two_views(types[i]);
	}
	test_full(BPF_MAP_TYPE_HASH, 0);
	test_full(BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC);
	test_full(BPF_MAP_TYPE_PERCPU_HASH, 0);
	test_percpu(BPF_MAP_TYPE_PERCPU_HASH);
	test_percpu(BPF_MAP_TYPE_LRU_PERCPU_HASH);
	test_lru(BPF_MAP_TYPE_LRU_HASH);
	test_lru(BPF_MAP_TYPE_LRU_PERCPU_HASH);
	test_no_spares();
	test_contains();
	test_no_alloc();
	test_dead_writer();
	test_other_process();
	for (unsigned i = 0; i < 4; i++)
		test_killed_writers(types[i]);
	for (unsigned i = 0; i < 4; i++)
		test_threads(types[i], 100000);
	test_lru_threads();
	return t_done("map_hash");
}
