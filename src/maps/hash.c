/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_HASH and BPF_MAP_TYPE_PERCPU_HASH, and what the LRU hash
 * maps (hash_lru.c) share with them: attribute checks, layout, lookups,
 * deletion and iteration. The kernel's semantics (kernel/bpf/hashtab.c),
 * including its iteration order: n_buckets = max_entries rounded up to a
 * power of two, the bucket of a key is jhash2 (key size a multiple of 4)
 * or jhash of the key with the map's seed, masked; new elements go to the
 * head of their bucket; get_next_key walks buckets 0..n-1, each from its
 * head. With BPF_F_ZERO_SEED the order is the kernel's, key for key.
 *
 * A HASH update of an existing key writes a new element and puts it at
 * the head of the bucket before unlinking the old one (copy on update,
 * like the kernel: a reader sees the old or the new value, never a mix),
 * using spare elements so that it succeeds in a full map. Per-CPU maps
 * update values in place, under the element's seqcount.
 *
 * All operations may run concurrently from any thread of any process
 * that maps the map; see hash.h for the synchronisation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "maps/hash.h"
#include "util/jhash.h"

#define HTAB_ACCESS_FLAGS (BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define HTAB_CREATE_FLAGS (BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | \
			   HTAB_ACCESS_FLAGS | BPF_F_ZERO_SEED)
/* The kernel's limits: kmalloc's largest size (x86-64, 4 KiB pages)
 * minus its element header, and the per-CPU allocator's unit. */
#define HTAB_KMALLOC_MAX (4u << 20)
#define HTAB_KERNEL_ELEM_HDR 48u
#define HTAB_PCPU_MIN_UNIT (32u << 10)
#define HTAB_KERNEL_BUCKET 16u
#define HTAB_MAX_DATA ((uint64_t)1 << 40)
/* Spare elements of HASH maps beyond one per runner slot, for updates of
 * existing keys in a full map (the kernel's per-CPU extra elements). */
#define HTAB_EXTRA_SPARES 8u

static bool type_is_lru(uint32_t type)
{
	return type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool type_is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static inline uint32_t round8(uint32_t n)
{
	return (n + 7) & ~7u;
}

/* MAP_CREATE: the kernel's htab_map_alloc_check, in its order. No
 * privilege checks (EPERM for ZERO_SEED or LRU without capabilities):
 * bpfx has no privileges to check. */
int htab_check(const union bpf_attr *attr)
{
	bool percpu = type_is_percpu(attr->map_type), lru = type_is_lru(attr->map_type);
	uint32_t flags = attr->map_flags;
	bool percpu_lru = flags & BPF_F_NO_COMMON_LRU;
	bool numa = (flags & BPF_F_NUMA_NODE) && (int32_t)attr->numa_node != -1;
	const uint32_t prog_rw = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

	if ((flags & ~HTAB_CREATE_FLAGS) || (flags & prog_rw) == prog_rw)
		return -EINVAL;
	if (!lru && percpu_lru)
		return -EINVAL;
	if (lru && (flags & BPF_F_NO_PREALLOC))
		return -ENOTSUPP;
	if (numa && (percpu || percpu_lru))
		return -EINVAL;
	if (!attr->max_entries || !attr->key_size || !attr->value_size)
		return -EINVAL;
	if ((uint64_t)attr->key_size + attr->value_size >=
	    HTAB_KMALLOC_MAX - HTAB_KERNEL_ELEM_HDR)
		return -E2BIG;
	if (percpu && round8(attr->value_size) > HTAB_PCPU_MIN_UNIT)
		return -E2BIG;
	return 0;
}

static uint32_t roundup_pow2(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* Keys the map holds at most: max_entries, except that LRU maps with one
 * LRU list per slot (BPF_F_NO_COMMON_LRU) round it to a multiple of the
 * number of slots (down if up overflows), as the kernel does. */
static uint32_t htab_capacity(uint32_t max_entries, uint32_t flags, uint32_t nr_lists)
{
	uint32_t c;

	if (!(flags & BPF_F_NO_COMMON_LRU))
		return max_entries;
	c = (uint32_t)(max_entries + nr_lists - 1) / nr_lists * nr_lists;
	if (c < max_entries)
		c = max_entries / nr_lists * nr_lists;
	return c;
}

/* Computes the layout (struct htab's constants) and the data size. Runs at
 * MAP_CREATE twice - data_size, then init - with the same arguments.
 * nr_values: values per element (the slots of a per-CPU map, else 1). */
static int htab_layout(uint32_t type, uint32_t key_size, uint32_t value_size,
		       uint32_t max_entries, uint32_t flags, uint32_t nr_values,
		       struct htab *h, uint64_t *size)
{
	uint32_t nr_lists = (flags & BPF_F_NO_COMMON_LRU) ? map_nr_slots() : 1;
	uint64_t elem, off, nr_elems;

	memset(h, 0, sizeof(*h));
	h->capacity = htab_capacity(max_entries, flags, nr_lists);
	if (h->capacity > (1u << 31))
		return -E2BIG;
	h->n_buckets = roundup_pow2(h->capacity);
	if (h->n_buckets > UINT32_MAX / HTAB_KERNEL_BUCKET)
		return -E2BIG;
	h->lru = type_is_lru(type);
	h->nr_values = nr_values;
	h->value_stride = round8(value_size);
	h->value_off = HTAB_KEY_OFF + round8(key_size);
	elem = h->value_off + (uint64_t)nr_values * h->value_stride;
	nr_elems = h->capacity;
	if (!h->lru && !type_is_percpu(type))
		nr_elems += map_nr_slots() + HTAB_EXTRA_SPARES;
	if (elem > UINT32_MAX || nr_elems >= UINT32_MAX)
		return -E2BIG;
	h->elem_size = (uint32_t)elem;
	h->nr_elems = (uint32_t)nr_elems;
	/* LRU maps: one pool per LRU list. Plain ones: one per runner slot,
	 * so that threads updating at once do not all pop and push at the
	 * head of one free list (the kernel's per-CPU free lists). */
	h->nr_pools = h->lru ? nr_lists : map_nr_slots();
	if (h->nr_pools > h->nr_elems)
		h->nr_pools = h->nr_elems ? h->nr_elems : 1;
	h->pool_size = h->nr_elems / h->nr_pools;
	h->n_stripes = h->n_buckets < HTAB_MAX_STRIPES ? h->n_buckets : HTAB_MAX_STRIPES;

	off = (sizeof(struct htab) + 63) & ~63ull;
	h->stripes_off = off;
	off += (uint64_t)h->n_stripes * sizeof(struct htab_stripe);
	h->pools_off = off;
	off += (uint64_t)h->nr_pools * sizeof(struct htab_pool);
	h->buckets_off = off;
	off += ((uint64_t)h->n_buckets * sizeof(atomic_uint) + 63) & ~63ull;
	h->elems_off = off;
	off += nr_elems * elem;
	if (off > HTAB_MAX_DATA)
		return -E2BIG;
	*size = off;
	return 0;
}

int htab_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	struct htab h;

	return htab_layout(attr->map_type, attr->key_size, attr->value_size, attr->max_entries,
			   attr->map_flags, type_is_percpu(attr->map_type) ? nr_slots : 1, &h,
			   size);
}

static int init_stripes(struct map *m)
{
	struct htab *h = htab_of(m);
	pthread_mutexattr_t a;
	int r;

	if ((r = pthread_mutexattr_init(&a)))
		return -r;
	if (!(r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)))
		r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	for (uint32_t b = 0; !r && b < h->n_stripes; b++) /* stripe b guards bucket b */
		r = pthread_mutex_init(&htab_stripe_of(m, b)->lock, &a);
	pthread_mutexattr_destroy(&a);
	return -r;
}

/* MAP_CREATE, on the creating thread, before anyone else can see the map:
 * writes the layout into the (zero-filled) data - empty buckets, empty
 * free lists and a zero key count are all zeros. A map with one LRU list
 * per slot reports its rounded max_entries, like the kernel. */
int htab_init(struct map *m)
{
	struct htab *h = htab_of(m);
	uint64_t size;
	int err;

	err = htab_layout(m->type, m->key_size, m->value_size, m->max_entries, m->map_flags,
			  type_is_percpu(m->type) ? m->nr_slots : 1, h, &size);
	if (err)
		return err;
	h->seed = (m->map_flags & BPF_F_ZERO_SEED) ? 0 : map_random_seed();
	for (uint32_t i = 0; i < h->nr_pools; i++) {
		htab_pool_at(m, i)->base = i * h->pool_size;
		htab_pool_at(m, i)->size = i + 1 < h->nr_pools ? h->pool_size
							     : h->nr_elems - i * h->pool_size;
	}
	if ((err = init_stripes(m)))
		return err;
	m->max_entries = m->hdr->max_entries = h->capacity;
	return 0;
}

uint32_t htab_hash(const struct map *m, const void *key)
{
	uint32_t seed = htab_of(m)->seed;

	if (m->key_size % 4 == 0)
		return jhash2(key, m->key_size / 4, seed);
	return jhash(key, m->key_size, seed);
}

/* Whether element e holds `key` (with `hash`) in the map, for a reader
 * without the lock: 1 yes (*seq: its seqcount then), 0 no, -1 it is being
 * written (retry). */
static int elem_matches(struct htab_elem *e, const void *key, uint32_t size, uint32_t hash,
			unsigned *seq)
{
	unsigned es = HTAB_LOAD(&e->seq);

	/* Another key (a stale hash can only hide an element that changed
	 * meanwhile, which the caller's stripe check notices). */
	if (HTAB_LOAD(&e->hash) != hash)
		return 0;
	if (es & 1)
		return -1;
	if (!htab_words_eq(htab_key(e), key, size) ||
	    HTAB_LOAD(&e->state) != HTAB_LINKED)
		return htab_seq_still(&e->seq, es) ? 0 : -1;
	if (!htab_seq_still(&e->seq, es))
		return -1;
	*seq = es;
	return 1;
}

/* The element holding `key`, for readers holding no lock (any context),
 * or HTAB_NONE. A found element held the key at one instant during the
 * call and *seq is its seqcount then (a value copy made after is good
 * while the seqcount has not moved); "none" was true at one instant too,
 * checked with the stripe's seqcount. */
uint32_t htab_find(struct map *m, const void *key, uint32_t hash, unsigned *seq)
{
	const struct htab *h = htab_of(m);
	uint32_t b = hash & (h->n_buckets - 1), link, steps;
	struct htab_stripe *st = htab_stripe_of(m, b);
	unsigned spins = 0, ss;
	int r;

retry:
	ss = HTAB_LOAD(&st->seq);
	if (ss & 1)
		goto wait;
	link = HTAB_LOAD(htab_bucket(m, b));
	for (steps = 0; link; steps++) {
		struct htab_elem *e = htab_elem_at(m, link - 1);
		if (steps > h->nr_elems)
			goto wait; /* walking elements that moved meanwhile */
		r = elem_matches(e, key, m->key_size, hash, seq);
		if (r > 0)
			return link - 1;
		if (r < 0)
			goto wait;
		link = HTAB_LOAD(&e->next);
	}
	if (htab_seq_still(&st->seq, ss))
		return HTAB_NONE;
wait:
	htab_reader_pause(m, b, &spins);
	goto retry;
}

/* Writes an update's value into element idx, which the caller owns or
 * holds the stripe lock of; `fresh`: the element is new to its key. */
static void write_value(struct map *m, uint32_t idx, const struct htab_src *src, bool fresh)
{
	const struct htab *h = htab_of(m);
	struct htab_elem *e = htab_elem_at(m, idx);

	switch (src->kind) {
	case HTAB_SRC_ONE:
		if ((m->has_spin_lock || m->has_timer) && !fresh) {
			map_value_copy(m, htab_value(h, e, 0), src->value); /* they stay */
			break;
		}
		htab_words_store(htab_value(h, e, 0), src->value, m->value_size);
		if (m->has_spin_lock || m->has_timer) /* a new element's start zeroed */
			map_value_hide_special(m, htab_value(h, e, 0));
		break;
	case HTAB_SRC_ALL: /* padding included, as the kernel copies it */
		for (uint32_t s = 0; s < h->nr_values; s++)
			htab_words_store(htab_value(h, e, s),
					 (const char *)src->value + (uint64_t)s * h->value_stride,
					 h->value_stride);
		break;
	case HTAB_SRC_SLOT: /* a new key's other slots start zeroed */
		if (fresh)
			htab_words_zero(htab_value(h, e, 0),
					(uint64_t)h->nr_values * h->value_stride);
		htab_words_store(htab_value(h, e, map_slot(m)), src->value, m->value_size);
		break;
	}
}

/* Fills an element the caller owns (TAKEN) for a new key. */
void htab_elem_init(struct map *m, uint32_t idx, const void *key, uint32_t hash,
		    const struct htab_src *src)
{
	struct htab_elem *e = htab_elem_at(m, idx);
	unsigned s = htab_seq_begin(&e->seq);

	HTAB_STORE(&e->hash, hash);
	htab_words_store(htab_key(e), key, m->key_size);
	write_value(m, idx, src, true);
	HTAB_STORE(&e->ref, 0);
	htab_seq_end(&e->seq, s);
}

/* Writes a new value into a linked element, in place; the caller holds
 * its stripe lock. */
void htab_elem_rewrite(struct map *m, uint32_t idx, const struct htab_src *src)
{
	struct htab_elem *e = htab_elem_at(m, idx);
	unsigned s = htab_seq_begin(&e->seq);

	write_value(m, idx, src, false);
	htab_seq_end(&e->seq, s);
}

/* BPF_NOEXIST / BPF_EXIST against what is there (old: HTAB_NONE if the
 * key is absent). */
int htab_check_flags(uint32_t old, uint64_t flags)
{
	if (old != HTAB_NONE && flags == BPF_NOEXIST)
		return -EEXIST;
	if (old == HTAB_NONE && flags == BPF_EXIST)
		return -ENOENT;
	return 0;
}

/* Programs: a pointer to the value (the calling slot's, per-CPU). */
void *htab_lookup(struct map *m, const void *key)
{
	unsigned seq;
	uint32_t idx = htab_find(m, key, htab_hash(m, key), &seq);

	if (idx == HTAB_NONE)
		return NULL;
	return htab_value(htab_of(m), htab_elem_at(m, idx), map_slot(m));
}

void *htab_lookup_slot(struct map *m, const void *key, uint32_t cpu, uint32_t *idx)
{
	unsigned seq;

	if (cpu >= m->nr_slots)
		return NULL;
	*idx = htab_find(m, key, htab_hash(m, key), &seq);
	if (*idx == HTAB_NONE)
		return NULL;
	return htab_value(htab_of(m), htab_elem_at(m, *idx), cpu);
}

/* Programs: a pointer to runner slot cpu's value of a per-CPU map. */
void *htab_lookup_percpu(struct map *m, const void *key, uint32_t cpu)
{
	uint32_t idx;
	return htab_lookup_slot(m, key, cpu, &idx);
}

/* Copies a found element's value(s) out, as user space sees them. */
void htab_copy_out(struct map *m, struct htab_elem *e, void *value)
{
	const struct htab *h = htab_of(m);

	if (!type_is_percpu(m->type)) {
		htab_words_load(value, htab_value(h, e, 0), m->value_size);
		map_value_hide_special(m, value);
		return;
	}
	for (uint32_t s = 0; s < h->nr_values; s++)
		htab_words_load((char *)value + (uint64_t)s * h->value_stride,
				htab_value(h, e, s), h->value_stride);
}

/* User space: never a torn value (the copy is retried when the element
 * was written meanwhile). Does not count as a use for the LRU, like the
 * kernel's lookups from the bpf() syscall. */
int htab_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	uint32_t hash = htab_hash(m, key), idx;
	unsigned seq;

	if ((flags & BPF_F_LOCK) && !m->has_spin_lock)
		return -EINVAL;
	for (;;) {
		idx = htab_find(m, key, hash, &seq);
		if (idx == HTAB_NONE)
			return -ENOENT;
		if (flags & BPF_F_LOCK) {
			map_value_copy_locked(m, value,
					      htab_value(htab_of(m), htab_elem_at(m, idx), 0), true);
			map_value_hide_special(m, value);
		} else {
			htab_copy_out(m, htab_elem_at(m, idx), value);
		}
		if (htab_seq_still(&htab_elem_at(m, idx)->seq, seq))
			return 0;
	}
}

/* Plain maps: an element from the caller's pool, else from any other (a
 * pool can run dry while others still have free elements). */
static uint32_t pop_any(struct map *m)
{
	const struct htab *h = htab_of(m);
	uint32_t pi = htab_own_pool(h);

	for (uint32_t n = 0; n < h->nr_pools; n++, pi = pi + 1 < h->nr_pools ? pi + 1 : 0) {
		uint32_t idx = htab_pool_pop(m, htab_pool_at(m, pi));
		if (idx != HTAB_NONE)
			return idx;
	}
	return HTAB_NONE;
}

/* A new key, under the stripe lock of bucket b. */
static int insert_new(struct map *m, uint32_t b, const void *key, uint32_t hash,
		      const struct htab_src *src)
{
	struct htab *h = htab_of(m);
	struct htab_stripe *st = htab_stripe_of(m, b);
	uint32_t idx;
	unsigned s;

	if (!htab_count_reserve(h))
		return -E2BIG;
	idx = pop_any(m);
	if (idx == HTAB_NONE) { /* spares all in flight at this instant */
		atomic_fetch_sub_explicit(&h->count, 1, memory_order_relaxed);
		return -E2BIG;
	}
	htab_elem_init(m, idx, key, hash, src);
	s = htab_seq_begin(&st->seq);
	htab_link_head(m, b, idx);
	htab_seq_end(&st->seq, s);
	return 0;
}

/* HASH, existing key `old`, under the stripe lock: a new element at the
 * head, then the old one out (*freed, for the caller to push after the
 * unlock). With no spare element at hand (more threads replacing keys of
 * a full map at this instant than there are spares), rewrites in place:
 * the key then keeps its place in the iteration order. */
static void replace(struct map *m, uint32_t b, uint32_t old, const void *key, uint32_t hash,
		    const struct htab_src *src, uint32_t *freed)
{
	struct htab_stripe *st = htab_stripe_of(m, b);
	uint32_t idx = pop_any(m);
	unsigned s;

	if (idx == HTAB_NONE) {
		htab_elem_rewrite(m, old, src);
		return;
	}
	htab_elem_init(m, idx, key, hash, src);
	s = htab_seq_begin(&st->seq);
	htab_link_head(m, b, idx);
	htab_unlink(m, b, old);
	htab_seq_end(&st->seq, s);
	*freed = old;
}

/* BPF_F_LOCK on an existing key: the value rewritten in place under its
 * spin lock (the kernel's copy_map_value_locked), the stripe lock held. */
static void locked_rewrite(struct map *m, uint32_t idx, const void *value)
{
	struct htab_elem *e = htab_elem_at(m, idx);
	unsigned s = htab_seq_begin(&e->seq);

	map_value_copy_locked(m, htab_value(htab_of(m), e, 0), value, false);
	htab_seq_end(&e->seq, s);
}

/* HASH and PERCPU_HASH updates, from programs and user space. */
static int update(struct map *m, const void *key, uint64_t flags, const struct htab_src *src)
{
	uint32_t hash = htab_hash(m, key), b = hash & (htab_of(m)->n_buckets - 1);
	uint32_t old, freed = HTAB_NONE;
	int err;

	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && !m->has_spin_lock)
		return -EINVAL;
	if ((err = htab_lock(m, b)))
		return err;
	old = htab_find_locked(m, b, key, hash);
	err = htab_check_flags(old, flags & ~(uint64_t)BPF_F_LOCK);
	if (!err && old != HTAB_NONE && (flags & BPF_F_LOCK))
		locked_rewrite(m, old, src->value);
	else if (!err && old == HTAB_NONE)
		err = insert_new(m, b, key, hash, src);
	else if (!err && type_is_percpu(m->type))
		htab_elem_rewrite(m, old, src);
	else if (!err)
		replace(m, b, old, key, hash, src, &freed);
	htab_unlock(m, b);
	if (freed != HTAB_NONE)
		htab_pool_push(m, freed);
	return err;
}

static int htab_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	struct htab_src src = { value, type_is_percpu(m->type) ? HTAB_SRC_SLOT : HTAB_SRC_ONE };

	return update(m, key, flags, &src);
}

static int htab_update_all(struct map *m, const void *key, const void *value, uint64_t flags)
{
	struct htab_src src = { value, HTAB_SRC_ALL };

	return update(m, key, flags, &src);
}

/* Takes key out of the map; with `value`, copies its value first (under
 * the lock, so the copy is the last value). */
static int remove_key(struct map *m, const void *key, void *value)
{
	uint32_t hash = htab_hash(m, key), b = hash & (htab_of(m)->n_buckets - 1), idx;
	struct htab_stripe *st = htab_stripe_of(m, b);
	unsigned s;
	int err;

	if ((err = htab_lock(m, b)))
		return err;
	idx = htab_find_locked(m, b, key, hash);
	if (idx != HTAB_NONE) {
		if (value)
			htab_copy_out(m, htab_elem_at(m, idx), value);
		s = htab_seq_begin(&st->seq);
		htab_unlink(m, b, idx);
		htab_seq_end(&st->seq, s);
		atomic_fetch_sub_explicit(&htab_of(m)->count, 1, memory_order_relaxed);
	}
	htab_unlock(m, b);
	if (idx == HTAB_NONE)
		return -ENOENT;
	htab_pool_push(m, idx);
	return 0;
}

int htab_delete(struct map *m, const void *key)
{
	return remove_key(m, key, NULL);
}

int htab_lookup_and_delete(struct map *m, const void *key, void *value, uint64_t flags)
{
	if (flags)
		return -EINVAL;
	return remove_key(m, key, value);
}

/* The first key of bucket b or a later one, into next_key. */
static int first_key_from(struct map *m, uint32_t b, void *next_key)
{
	const struct htab *h = htab_of(m);
	uint32_t link;
	int err;

	for (; b < h->n_buckets; b++) {
		if (!HTAB_LOAD(htab_bucket(m, b)))
			continue;
		if ((err = htab_lock(m, b)))
			return err;
		link = HTAB_LOAD(htab_bucket(m, b));
		if (link)
			htab_words_load(next_key, htab_key(htab_elem_at(m, link - 1)), m->key_size);
		htab_unlock(m, b);
		if (link)
			return 0;
	}
	return -ENOENT;
}

/* User space. Like the kernel: the key after `key` in its bucket, else
 * the first key of the next non-empty bucket; a key not in the map (or
 * NULL) restarts from the first key. */
int htab_get_next_key(struct map *m, const void *key, void *next_key)
{
	uint32_t hash, b, idx, link = 0;
	int err;

	if (!key)
		return first_key_from(m, 0, next_key);
	hash = htab_hash(m, key);
	b = hash & (htab_of(m)->n_buckets - 1);
	if ((err = htab_lock(m, b)))
		return err;
	idx = htab_find_locked(m, b, key, hash);
	if (idx != HTAB_NONE) {
		link = HTAB_LOAD(&htab_elem_at(m, idx)->next);
		if (link)
			htab_words_load(next_key, htab_key(htab_elem_at(m, link - 1)), m->key_size);
	}
	htab_unlock(m, b);
	if (link)
		return 0;
	return first_key_from(m, idx == HTAB_NONE ? 0 : b + 1, next_key);
}

/* Timers: the element whose value holds addr. */
int htab_locate(struct map *m, uintptr_t addr, void **value, void *key)
{
	const struct htab *h = htab_of(m);
	uintptr_t start = (uintptr_t)m->data + h->elems_off;

	if (!htab_contains(m, addr, 1) || m->nr_slots > 1)
		return -ENOENT;
	struct htab_elem *e = htab_elem_at(m, (uint32_t)((addr - start) / h->elem_size));
	*value = htab_value(h, e, 0);
	htab_words_load(key, htab_key(e), m->key_size);
	return 0;
}

/* Checked mode: inside one value (one slot's, per-CPU) of an element. */
bool htab_contains(const struct map *m, uintptr_t addr, size_t size)
{
	const struct htab *h = htab_of(m);
	uintptr_t start = (uintptr_t)m->data + h->elems_off;
	uint64_t off;

	if (addr < start || addr - start >= (uint64_t)h->nr_elems * h->elem_size)
		return false;
	off = (addr - start) % h->elem_size;
	if (off < h->value_off || size > m->value_size)
		return false;
	return (off - h->value_off) % h->value_stride + size <= m->value_size;
}

const struct map_ops htab_map_ops = {
	.name = "hash",
	.check = htab_check,
	.data_size = htab_data_size,
	.init = htab_init,
	.lookup = htab_lookup,
	.lookup_copy = htab_lookup_copy,
	.update = htab_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
	.contains = htab_contains,
	.lookup_and_delete = htab_lookup_and_delete,
	.batch = MAP_BATCH_ALL,
	.lookup_batch = htab_lookup_batch,
	.locate = htab_locate,
};

/* From a program, update writes the calling slot's value (a new key's
 * other slots are zeroed); from user space, update_all writes them all. */
const struct map_ops htab_percpu_map_ops = {
	.name = "percpu_hash",
	.check = htab_check,
	.data_size = htab_data_size,
	.init = htab_init,
	.lookup = htab_lookup,
	.lookup_copy = htab_lookup_copy,
	.update = htab_update,
	.update_all = htab_update_all,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
	.contains = htab_contains,
	.lookup_and_delete = htab_lookup_and_delete,
	.batch = MAP_BATCH_ALL,
	.lookup_batch = htab_lookup_batch,
	.lookup_percpu = htab_lookup_percpu,
};
