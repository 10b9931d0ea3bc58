/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_LRU_HASH and BPF_MAP_TYPE_LRU_PERCPU_HASH: hash maps that
 * make room for a new key by evicting a key not used recently.
 *
 * The kernel's LRU is approximate (per-CPU free lists, active/inactive
 * lists, a reference bit set by lookups from programs, batch shrinking).
 * bpfx keeps its visible rules with a CLOCK (second chance) instead:
 * - an element gets its reference bit when a program looks it up, or when
 *   an update replaces an existing key, exactly when the kernel sets it;
 *   lookups from user space do not set it;
 * - an update takes a free element first; with none left, the clock hand
 *   sweeps the elements of the list in order, clears reference bits it
 *   passes and evicts the first element without one; after a whole turn
 *   it evicts whatever it finds. So a key used since the hand last passed
 *   survives until every unused key has gone;
 * - like the kernel, an update gets its element before it looks for the
 *   key (so replacing a key of a full map evicts another key, and a failed
 *   BPF_NOEXIST may have evicted one), LRU_HASH replaces by a new element
 *   at the bucket head, LRU_PERCPU_HASH updates in place;
 * - with BPF_F_NO_COMMON_LRU each runner slot has its own list (and free
 *   elements), max_entries / slots of them, and evicts only from it.
 * The map never holds more keys than elements: max_entries (rounded to a
 * multiple of the slots with BPF_F_NO_COMMON_LRU).
 *
 * Eviction takes the victim's stripe lock, never while holding another.
 */
#include <errno.h>

#include "maps/hash.h"

/* Takes a linked element out of the map for reuse, if it still is a key;
 * no lock held on entry. An element marked linked that its chain lost (a
 * writer died) is taken too. */
static bool evict(struct map *m, uint32_t idx)
{
	struct htab_elem *e = htab_elem_at(m, idx);
	uint32_t hash = HTAB_LOAD(&e->hash);
	uint32_t b = hash & (htab_of(m)->n_buckets - 1);
	struct htab_stripe *st = htab_stripe_of(m, b);
	bool ok = false;
	unsigned s;

	if (htab_lock(m, b))
		return false;
	if (HTAB_LOAD(&e->state) == HTAB_LINKED &&
	    HTAB_LOAD(&e->hash) == hash) {
		s = htab_seq_begin(&st->seq);
		htab_unlink(m, b, idx);
		htab_seq_end(&st->seq, s);
		atomic_fetch_sub_explicit(&htab_of(m)->count, 1, memory_order_relaxed);
		ok = true;
	}
	htab_unlock(m, b);
	return ok;
}

/* The clock: an element of pool p evicted for the caller (TAKEN), or
 * HTAB_NONE when none could be (every element in flight elsewhere). */
static uint32_t clock_evict(struct map *m, struct htab_pool *p)
{
	for (uint64_t n = 0; n < 2 * (uint64_t)p->size + 1; n++) {
		uint32_t i = atomic_fetch_add_explicit(&p->hand, 1, memory_order_relaxed) % p->size;
		struct htab_elem *e = htab_elem_at(m, p->base + i);

		if (HTAB_LOAD(&e->state) != HTAB_LINKED)
			continue;
		if (n < p->size && HTAB_LOAD(&e->ref)) {
			HTAB_STORE(&e->ref, 0);
			continue;
		}
		if (evict(m, p->base + i))
			return p->base + i;
	}
	return htab_pool_pop(m, p); /* freed by someone meanwhile? */
}

/* An element for an update: free, or evicted from the caller's list. */
static uint32_t lru_pop(struct map *m)
{
	const struct htab *h = htab_of(m);
	struct htab_pool *p = htab_pool_at(m, h->nr_pools > 1 ? vm_slot() % h->nr_pools : 0);
	uint32_t idx = htab_pool_pop(m, p);

	return idx != HTAB_NONE ? idx : clock_evict(m, p);
}

static inline void set_ref(struct map *m, uint32_t idx)
{
	struct htab_elem *e = htab_elem_at(m, idx);

	/* Only when clear: a hot key's element is not written on every use. */
	if (!HTAB_LOAD(&e->ref))
		HTAB_STORE(&e->ref, 1);
}

/* Programs: the value pointer; marks the element used. */
static void *lru_lookup(struct map *m, const void *key)
{
	unsigned seq;
	uint32_t idx = htab_find(m, key, htab_hash(m, key), &seq);

	if (idx == HTAB_NONE)
		return NULL;
	set_ref(m, idx);
	return htab_value(htab_of(m), htab_elem_at(m, idx), map_slot(m));
}

/* LRU_PERCPU_HASH, bpf_map_lookup_percpu_elem: slot cpu's value; marks
 * the element used like any lookup from a program. */
static void *lru_lookup_percpu(struct map *m, const void *key, uint32_t cpu)
{
	uint32_t idx;
	void *v = htab_lookup_slot(m, key, cpu, &idx);

	if (v)
		set_ref(m, idx);
	return v;
}

/* LRU_HASH: a new element, filled before the lock, replaces the old one
 * (which goes back to the free list) or adds the key. */
static int lru_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	const struct htab_src src = { value, HTAB_SRC_ONE };
	uint32_t hash = htab_hash(m, key), b = hash & (htab_of(m)->n_buckets - 1);
	struct htab_stripe *st = htab_stripe_of(m, b);
	uint32_t idx, old;
	unsigned s;
	int err;

	if (flags > BPF_EXIST)
		return -EINVAL;
	if ((idx = lru_pop(m)) == HTAB_NONE)
		return -ENOMEM;
	htab_elem_init(m, idx, key, hash, &src);
	if ((err = htab_lock(m, b))) {
		htab_pool_push(m, idx);
		return err;
	}
	old = htab_find_locked(m, b, key, hash);
	if (!(err = htab_check_flags(old, flags))) {
		if (old == HTAB_NONE) /* counted first: see stripe_repair */
			atomic_fetch_add_explicit(&htab_of(m)->count, 1, memory_order_relaxed);
		else
			set_ref(m, idx);
		s = htab_seq_begin(&st->seq);
		htab_link_head(m, b, idx);
		if (old != HTAB_NONE)
			htab_unlink(m, b, old);
		htab_seq_end(&st->seq, s);
	}
	htab_unlock(m, b);
	if (err)
		htab_pool_push(m, idx);
	else if (old != HTAB_NONE)
		htab_pool_push(m, old);
	return err;
}

/* LRU_PERCPU_HASH: in place for an existing key; a new element (taken
 * before the lock, unless BPF_EXIST says the key must exist) otherwise. */
static int lru_percpu_update(struct map *m, const void *key, uint64_t flags,
			     const struct htab_src *src)
{
	uint32_t hash = htab_hash(m, key), b = hash & (htab_of(m)->n_buckets - 1);
	struct htab_stripe *st = htab_stripe_of(m, b);
	uint32_t idx = HTAB_NONE, old;
	unsigned s;
	int err;

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (flags != BPF_EXIST && (idx = lru_pop(m)) == HTAB_NONE)
		return -ENOMEM;
	if ((err = htab_lock(m, b)))
		goto out;
	old = htab_find_locked(m, b, key, hash);
	if (!(err = htab_check_flags(old, flags))) {
		if (old != HTAB_NONE) {
			set_ref(m, old);
			htab_elem_rewrite(m, old, src);
		} else {
			htab_elem_init(m, idx, key, hash, src);
			atomic_fetch_add_explicit(&htab_of(m)->count, 1, memory_order_relaxed);
			s = htab_seq_begin(&st->seq);
			htab_link_head(m, b, idx);
			htab_seq_end(&st->seq, s);
			idx = HTAB_NONE;
		}
	}
	htab_unlock(m, b);
out:
	if (idx != HTAB_NONE)
		htab_pool_push(m, idx);
	return err;
}

static int lru_percpu_update_slot(struct map *m, const void *key, const void *value,
				  uint64_t flags)
{
	const struct htab_src src = { value, HTAB_SRC_SLOT };

	return lru_percpu_update(m, key, flags, &src);
}

static int lru_percpu_update_all(struct map *m, const void *key, const void *value,
				 uint64_t flags)
{
	const struct htab_src src = { value, HTAB_SRC_ALL };

	return lru_percpu_update(m, key, flags, &src);
}

const struct map_ops htab_lru_map_ops = {
	.name = "lru_hash",
	.check = htab_check,
	.data_size = htab_data_size,
	.init = htab_init,
	.lookup = lru_lookup,
	.lookup_copy = htab_lookup_copy,
	.update = lru_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
	.contains = htab_contains,
	.lookup_and_delete = htab_lookup_and_delete,
	.batch = MAP_BATCH_ALL,
	.lookup_batch = htab_lookup_batch,
	.locate = htab_locate,
};

const struct map_ops htab_lru_percpu_map_ops = {
	.name = "lru_percpu_hash",
	.check = htab_check,
	.data_size = htab_data_size,
	.init = htab_init,
	.lookup = lru_lookup,
	.lookup_copy = htab_lookup_copy,
	.update = lru_percpu_update_slot,
	.update_all = lru_percpu_update_all,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
	.contains = htab_contains,
	.lookup_and_delete = htab_lookup_and_delete,
	.batch = MAP_BATCH_ALL,
	.lookup_batch = htab_lookup_batch,
	.lookup_percpu = lru_lookup_percpu,
};
