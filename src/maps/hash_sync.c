/* SPDX-License-Identifier: MIT */
/*
 * Hash maps: stripe locks (with their repair after an owner died), the
 * lock-free element pools, the key count, and the bucket chain edits
 * writers make under a stripe lock. See hash.h for the whole design.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>

#include "maps/hash.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Whether an element before e in the chain starting at *head has e's key. */
static bool key_seen_before(struct map *m, atomic_uint *head, struct htab_elem *e)
{
	uint32_t l = HTAB_LOAD(head), hash = HTAB_LOAD(&e->hash);

	for (struct htab_elem *p; l && (p = htab_elem_at(m, l - 1)) != e;
	     l = HTAB_LOAD(&p->next))
		if (HTAB_LOAD(&p->hash) == hash &&
		    !memcmp(htab_key(p), htab_key(e), m->key_size))
			return true;
	return false;
}

/* Runs with the stripe's lock held, after its previous owner died inside
 * it. Every change a writer makes is one store, in an order that leaves
 * at worst: seqcounts odd (made even here, or readers would wait for
 * ever), an element still in a chain but no longer linked (a delete or a
 * replace cut short after marking it) and a key twice in its chain (a
 * replace cut short after linking the new element, which is first). Those
 * elements leave the chain for the free list. What cannot be undone: the
 * element the dead writer was filling, and a key count it took before
 * linking or had yet to give back after unlinking (counts only ever err
 * upwards, so a HASH map may hold one key less than max_entries per
 * writer that died inside it; an element left marked linked outside any
 * chain is reclaimed by an LRU map's clock). */
static void stripe_repair(struct map *m, struct htab_stripe *st, uint32_t first)
{
	const struct htab *h = htab_of(m);
	unsigned s = htab_seq_begin(&st->seq);

	for (uint32_t b = first; b < h->n_buckets; b += h->n_stripes) {
		atomic_uint *head = htab_bucket(m, b), *link = head;
		uint32_t l, steps = 0;

		while ((l = HTAB_LOAD(link)) && steps++ <= h->nr_elems) {
			struct htab_elem *e = htab_elem_at(m, l - 1);
			unsigned es = HTAB_LOAD(&e->seq);

			if (es & 1)
				HTAB_STORE(&e->seq, es + 1);
			if (HTAB_LOAD(&e->state) == HTAB_LINKED && !key_seen_before(m, head, e)) {
				link = &e->next;
				continue;
			}
			HTAB_STORE(link, HTAB_LOAD(&e->next));
			HTAB_STORE(&e->state, HTAB_TAKEN);
			htab_pool_push(m, l - 1);
		}
	}
	htab_seq_end(&st->seq, s);
}

/* Takes the lock of bucket b's stripe. 0, or a negative errno when the
 * lock is unusable (ENOTRECOVERABLE: cannot happen unless someone
 * unlocked a dead owner's lock without repairing it). */
int htab_lock(struct map *m, uint32_t b)
{
	struct htab_stripe *st = htab_stripe_of(m, b);
	int r = pthread_mutex_lock(&st->lock);

	if (r == EOWNERDEAD) {
		stripe_repair(m, st, b & (htab_of(m)->n_stripes - 1));
		r = pthread_mutex_consistent(&st->lock);
	}
	return -r;
}

void htab_unlock(struct map *m, uint32_t b)
{
	pthread_mutex_unlock(&htab_stripe_of(m, b)->lock);
}

/* A reader that met an odd seqcount of bucket b's stripe or of one of its
 * elements waits a little before retrying: spins, then yields, then takes
 * and drops the lock once, which repairs what a dead writer left. */
void htab_reader_pause(struct map *m, uint32_t b, unsigned *spins)
{
	if (++*spins < 64) {
		cpu_relax();
		return;
	}
	if (*spins < 1024) {
		sched_yield();
		return;
	}
	*spins = 0;
	if (htab_lock(m, b) == 0)
		htab_unlock(m, b);
}

static uint32_t take(struct map *m, uint32_t idx)
{
	HTAB_STORE(&htab_elem_at(m, idx)->state, HTAB_TAKEN);
	return idx;
}

/* An element of pool p for the caller (state TAKEN), or HTAB_NONE when
 * every element of the pool is in use. Lock-free; any context. */
uint32_t htab_pool_pop(struct map *m, struct htab_pool *p)
{
	uint64_t head = HTAB_LOAD(&p->free);

	while ((uint32_t)head) {
		uint32_t idx = (uint32_t)head - 1;
		uint32_t next = HTAB_LOAD(&htab_elem_at(m, idx)->flink);
		uint64_t nh = (((head >> 32) + 1) << 32) | next;
		if (atomic_compare_exchange_weak_explicit(&p->free, &head, nh,
							  memory_order_acquire,
							  memory_order_acquire))
			return take(m, idx);
	}
	uint32_t used = HTAB_LOAD(&p->used);
	while (used < p->size)
		if (atomic_compare_exchange_weak_explicit(&p->used, &used, used + 1,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return take(m, p->base + used);
	return HTAB_NONE;
}

/* Gives an element the caller owns (TAKEN, in no chain) back: an LRU map
 * to the pool whose range holds it (its clock sweeps that range), a plain
 * map to the caller's own pool, where its next update will look first. */
void htab_pool_push(struct map *m, uint32_t idx)
{
	const struct htab *h = htab_of(m);
	uint32_t pi = h->lru ? idx / h->pool_size : htab_own_pool(h);
	struct htab_pool *p = htab_pool_at(m, pi < h->nr_pools ? pi : 0);
	struct htab_elem *e = htab_elem_at(m, idx);
	uint64_t head = HTAB_LOAD(&p->free), nh;

	HTAB_STORE(&e->state, HTAB_FREE);
	do {
		HTAB_STORE(&e->flink, (uint32_t)head);
		nh = (((head >> 32) + 1) << 32) | (idx + 1);
	} while (!atomic_compare_exchange_weak_explicit(&p->free, &head, nh, memory_order_release,
							memory_order_relaxed));
}

/* Counts one more key unless the map holds `capacity` already. */
bool htab_count_reserve(struct htab *h)
{
	unsigned c = HTAB_LOAD(&h->count);

	while (c < h->capacity)
		if (atomic_compare_exchange_weak_explicit(&h->count, &c, c + 1,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return true;
	return false;
}

/* The element with `key` in bucket b, or HTAB_NONE. The caller holds the
 * stripe lock, so the chain and the keys in it stay still. */
uint32_t htab_find_locked(struct map *m, uint32_t b, const void *key, uint32_t hash)
{
	uint32_t link = HTAB_LOAD(htab_bucket(m, b));

	while (link) {
		struct htab_elem *e = htab_elem_at(m, link - 1);
		if (HTAB_LOAD(&e->hash) == hash &&
		    htab_words_eq(htab_key(e), key, m->key_size))
			return link - 1;
		link = HTAB_LOAD(&e->next);
	}
	return HTAB_NONE;
}

/* Puts a filled element at the head of bucket b, where the kernel puts new
 * elements. Under the stripe lock, inside htab_seq_begin/end of the
 * stripe; one release store publishes it to readers. */
void htab_link_head(struct map *m, uint32_t b, uint32_t idx)
{
	struct htab_elem *e = htab_elem_at(m, idx);
	atomic_uint *head = htab_bucket(m, b);

	HTAB_STORE(&e->next, HTAB_LOAD(head));
	HTAB_STORE(&e->state, HTAB_LINKED);
	HTAB_STORE(head, idx + 1);
}

/* Takes an element out of bucket b's chain; the caller owns it afterwards
 * (TAKEN, marked before it leaves: see stripe_repair). Its next link
 * stays, so a reader standing on it walks on. Same context as
 * htab_link_head. An element marked LINKED but missing from the chain
 * (left so by a writer that died) is just taken. */
void htab_unlink(struct map *m, uint32_t b, uint32_t idx)
{
	struct htab_elem *e = htab_elem_at(m, idx);
	atomic_uint *link = htab_bucket(m, b);
	uint32_t steps = 0, nr = htab_of(m)->nr_elems;
	uint32_t l;

	HTAB_STORE(&e->state, HTAB_TAKEN);
	while ((l = HTAB_LOAD(link)) && steps++ <= nr) {
		if (l == idx + 1) {
			HTAB_STORE(link, HTAB_LOAD(&e->next));
			break;
		}
		link = &htab_elem_at(m, l - 1)->next;
	}
}
