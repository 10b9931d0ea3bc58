/* SPDX-License-Identifier: MIT */
/*
 * Hash maps (HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH): the layout of
 * their data inside the map's shared mapping, shared by hash.c (the
 * table, lookups, updates), hash_lru.c (eviction) and hash_sync.c (locks,
 * free lists, chains).
 *
 * Layout, all of it inside the mapping and position independent (element
 * numbers and offsets from map->data, never pointers):
 *
 *   struct htab                 constants set by init, then the key count
 *   stripes[n_stripes]          a process-shared robust mutex + a seqcount
 *   pools[nr_pools]             free lists of elements (+ LRU clock hands)
 *   buckets[n_buckets]          atomic heads of the bucket chains
 *   elements[nr_elems]          struct htab_elem + key + value(s)
 *
 * Links (bucket heads, an element's next, free list links) hold an element
 * number plus one; 0 ends a list. Bucket b is guarded by stripe
 * b & (n_stripes - 1).
 *
 * Concurrency, for any number of threads in any number of processes:
 * - Writers (update, delete, eviction) take the stripe lock of the bucket
 *   they change, never two at once, and hold it only for the list and
 *   value stores (no allocation, no waiting inside).
 * - Readers (lookups, from programs and user space) take no lock. They
 *   walk a chain with atomic loads and validate what they found: a found
 *   element by its own seqcount (odd while its key or value is being
 *   written; changed when it was reused), "not found" by the stripe's
 *   seqcount (odd while a writer links or unlinks in one of its buckets).
 *   A copy of a value that raced with a write is retried, so user space
 *   never sees a torn value; a program's value pointer stays valid memory
 *   forever (elements are never unmapped, only reused, like the kernel's
 *   preallocated elements).
 * - The locks are robust pthread mutexes (PTHREAD_PROCESS_SHARED +
 *   PTHREAD_MUTEX_ROBUST) rather than spinlocks with owner pids: the
 *   kernel itself releases them when their owner dies (no pid reuse race,
 *   no polling), and the next locker gets EOWNERDEAD and repairs the
 *   stripe before going on (stripe_repair: seqcounts left odd, an element
 *   marked for removal but still in its chain, a key twice in its chain).
 *   Every list change is one atomic store, made in an order that leaves
 *   only those states, so a dead process never wedges or corrupts the
 *   map; at worst one element, or one key of a HASH map's capacity, leaks
 *   per death. A reader spinning on an odd seqcount for long takes the
 *   lock once, which triggers that repair.
 * - Free elements sit on lock-free stacks (tagged head against ABA), one
 *   per pool; elements never used yet are handed out by a bump counter, so
 *   creating a big map touches no element memory. A plain map has a pool
 *   per runner slot: a thread pops from and pushes to its own, and takes
 *   from the others only when its own is dry (like the kernel's per-CPU
 *   free lists); an LRU map has a pool per LRU list.
 * - Values and keys are written and read with 8-byte atomics (values and
 *   keys are 8-aligned and padded to 8 bytes); every load is an acquire,
 *   every store a release, which is what the seqcounts rely on.
 */
#ifndef BPFX_MAPS_HASH_H
#define BPFX_MAPS_HASH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "maps/map.h"
#include "vm/slot.h"

#define HTAB_NONE UINT32_MAX          /* "no element" for element numbers */
#define HTAB_MAX_STRIPES 1024u

enum htab_state {
	HTAB_FREE = 0,                /* on a free list, or never used */
	HTAB_TAKEN,                   /* owned by one thread: being filled or freed */
	HTAB_LINKED,                  /* in a bucket chain: a key of the map */
};

struct htab_elem {
	atomic_uint next;             /* bucket chain link */
	atomic_uint flink;            /* free list link */
	atomic_uint seq;              /* even: stable; odd: key or value being written */
	atomic_uint hash;             /* of the key */
	atomic_uchar state;           /* enum htab_state */
	atomic_uchar ref;             /* LRU: used since the clock last passed */
	uint8_t pad[6];
	/* key, padded to 8 bytes, then nr_values values, each padded to 8 */
};

#define HTAB_KEY_OFF ((uint32_t)sizeof(struct htab_elem))

struct htab_stripe {
	pthread_mutex_t lock;
	atomic_uint seq;              /* odd while a chain of the stripe changes */
} __attribute__((aligned(64)));

struct htab_pool {
	_Atomic uint64_t free;        /* tag << 32 | link: a Treiber stack */
	atomic_uint used;             /* elements handed out by the bump counter */
	atomic_uint hand;             /* LRU clock position, 0..size-1 */
	uint32_t base, size;          /* its elements: [base, base + size) */
} __attribute__((aligned(64)));

/* At map->data. Everything above `count` is set once by init. */
struct htab {
	uint32_t n_buckets;           /* a power of two, as in the kernel */
	uint32_t n_stripes;           /* a power of two, <= n_buckets */
	uint32_t nr_elems;            /* capacity + spares */
	uint32_t elem_size;
	uint32_t capacity;            /* most keys at once */
	uint32_t nr_pools, pool_size;
	uint32_t seed;                /* jhash initval: 0 with BPF_F_ZERO_SEED */
	uint32_t nr_values;           /* values per element: slots of per-CPU maps, else 1 */
	uint32_t value_stride;        /* value_size rounded up to 8 */
	uint32_t value_off;           /* of the first value in an element */
	uint32_t lru;                 /* LRU_HASH or LRU_PERCPU_HASH */
	uint64_t stripes_off, pools_off, buckets_off, elems_off;
	atomic_uint count;            /* keys in the map */
};

/* How an update's value is laid out (see htab_write_value). */
enum htab_src_kind {
	HTAB_SRC_ONE,                 /* one value of value_size bytes, not per-CPU */
	HTAB_SRC_ALL,                 /* user space, per-CPU: nr_values padded values */
	HTAB_SRC_SLOT,                /* a program, per-CPU: the calling slot's value */
};

struct htab_src {
	const void *value;
	enum htab_src_kind kind;
};

static inline struct htab *htab_of(const struct map *m)
{
	return m->data;
}

static inline struct htab_elem *htab_elem_at(const struct map *m, uint32_t idx)
{
	const struct htab *h = htab_of(m);
	return (struct htab_elem *)((char *)m->data + h->elems_off + (uint64_t)idx * h->elem_size);
}

static inline void *htab_key(struct htab_elem *e)
{
	return (char *)e + HTAB_KEY_OFF;
}

static inline void *htab_value(const struct htab *h, struct htab_elem *e, uint32_t slot)
{
	return (char *)e + h->value_off + (uint64_t)slot * h->value_stride;
}

static inline atomic_uint *htab_bucket(const struct map *m, uint32_t b)
{
	return (atomic_uint *)((char *)m->data + htab_of(m)->buckets_off) + b;
}

static inline struct htab_stripe *htab_stripe_of(const struct map *m, uint32_t b)
{
	const struct htab *h = htab_of(m);
	return (struct htab_stripe *)((char *)m->data + h->stripes_off) + (b & (h->n_stripes - 1));
}

/* The pool of the calling thread in a plain map: its runner slot (pools
 * are as many as slots, so no division on this path in practice). */
static inline uint32_t htab_own_pool(const struct htab *h)
{
	uint32_t s = vm_slot();
	return s < h->nr_pools ? s : s % h->nr_pools;
}

static inline struct htab_pool *htab_pool_at(const struct map *m, uint32_t i)
{
	return (struct htab_pool *)((char *)m->data + htab_of(m)->pools_off) + i;
}

/* The calling thread's value of a per-CPU map (its runner slot). */
static inline uint32_t map_slot(const struct map *m)
{
	return m->nr_slots > 1 ? vm_slot() % m->nr_slots : 0;
}

/* Every load of shared map memory is an acquire and every store a
 * release (plain moves on x86-64): a store made after a seqcount went odd
 * is seen only with the odd count, and a reader's last load is ordered
 * before its second look at the count. So the seqlocks need no fences
 * (which ThreadSanitizer cannot follow). */
#define HTAB_LOAD(p) atomic_load_explicit((p), memory_order_acquire)
#define HTAB_STORE(p, v) atomic_store_explicit((p), (v), memory_order_release)

/* Seqcount write side; the caller is the only writer (holds the lock or
 * owns the element). Returns the odd value to pass to htab_seq_end. */
static inline unsigned htab_seq_begin(atomic_uint *seq)
{
	unsigned s = HTAB_LOAD(seq) | 1u;

	HTAB_STORE(seq, s);
	return s;
}

static inline void htab_seq_end(atomic_uint *seq, unsigned odd)
{
	HTAB_STORE(seq, odd + 1);
}

/* Seqcount read side: true when nothing was written since `s` was read
 * and the (acquire) reads in between were consistent. */
static inline bool htab_seq_still(atomic_uint *seq, unsigned s)
{
	return HTAB_LOAD(seq) == s;
}

/* 8-byte atomic copies of keys and values; `stored` is 8-aligned map
 * memory padded to 8 bytes, the other side any user or program memory. */
static inline void htab_words_load(void *dst, const void *stored, size_t n)
{
	const uint64_t *s = stored;
	unsigned char *d = dst;
	uint64_t w;

	for (; n >= 8; n -= 8, d += 8, s++) {
		w = __atomic_load_n(s, __ATOMIC_ACQUIRE);
		memcpy(d, &w, 8);
	}
	if (n) {
		w = __atomic_load_n(s, __ATOMIC_ACQUIRE);
		memcpy(d, &w, n);
	}
}

/* Stores n bytes; the padding after them keeps its bytes. */
static inline void htab_words_store(void *stored, const void *src, size_t n)
{
	uint64_t *d = stored;
	const unsigned char *s = src;
	uint64_t w;

	for (; n >= 8; n -= 8, s += 8, d++) {
		memcpy(&w, s, 8);
		__atomic_store_n(d, w, __ATOMIC_RELEASE);
	}
	if (n) {
		w = __atomic_load_n(d, __ATOMIC_ACQUIRE);
		memcpy(&w, s, n);
		__atomic_store_n(d, w, __ATOMIC_RELEASE);
	}
}

static inline void htab_words_zero(void *stored, size_t n8)
{
	uint64_t *d = stored;

	for (size_t i = 0; i < n8 / 8; i++)
		__atomic_store_n(&d[i], 0, __ATOMIC_RELEASE);
}

/* Runs for every element a lookup visits: the fixed-size copies compile
 * to register compares (a call to memcmp was a sixth of a lookup's time
 * with 4-byte keys); only odd tails still call memcmp. */
static inline bool htab_words_eq(const void *stored, const void *key, size_t n)
{
	const uint64_t *s = stored;
	const unsigned char *k = key;
	uint64_t w, kw;

	for (; n >= 8; n -= 8, k += 8, s++) {
		w = __atomic_load_n(s, __ATOMIC_ACQUIRE);
		memcpy(&kw, k, 8);
		if (w != kw)
			return false;
	}
	if (n) {
		w = __atomic_load_n(s, __ATOMIC_ACQUIRE);
		if (n == 4) {
			uint32_t a, b;
			memcpy(&a, &w, 4);
			memcpy(&b, k, 4);
			return a == b;
		}
		return !memcmp(&w, k, n);
	}
	return true;
}

/* hash_sync.c: stripes, free lists, chains. */
int htab_lock(struct map *m, uint32_t b);
void htab_unlock(struct map *m, uint32_t b);
void htab_reader_pause(struct map *m, uint32_t b, unsigned *spins);
uint32_t htab_pool_pop(struct map *m, struct htab_pool *p);
void htab_pool_push(struct map *m, uint32_t idx);
uint32_t htab_find_locked(struct map *m, uint32_t b, const void *key, uint32_t hash);
void htab_link_head(struct map *m, uint32_t b, uint32_t idx);
void htab_unlink(struct map *m, uint32_t b, uint32_t idx);
bool htab_count_reserve(struct htab *h);

/* hash.c: shared by the LRU maps. */
uint32_t htab_hash(const struct map *m, const void *key);
uint32_t htab_find(struct map *m, const void *key, uint32_t hash, unsigned *seq);
void htab_elem_init(struct map *m, uint32_t idx, const void *key, uint32_t hash,
		    const struct htab_src *src);
void htab_elem_rewrite(struct map *m, uint32_t idx, const struct htab_src *src);
int htab_check_flags(uint32_t old, uint64_t flags);
void *htab_lookup(struct map *m, const void *key);
/* Per-CPU maps: runner slot cpu's value (NULL: absent, or no such slot). */
void *htab_lookup_percpu(struct map *m, const void *key, uint32_t cpu);
/* Timers: the value holding addr and its key (map_ops.locate). */
int htab_locate(struct map *m, uintptr_t addr, void **value, void *key);
/* The same, also giving the element's index (HTAB_NONE when absent). */
void *htab_lookup_slot(struct map *m, const void *key, uint32_t cpu, uint32_t *idx);
int htab_check(const union bpf_attr *attr);
int htab_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size);
int htab_init(struct map *m);
int htab_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags);
int htab_delete(struct map *m, const void *key);
int htab_get_next_key(struct map *m, const void *key, void *next_key);
int htab_lookup_and_delete(struct map *m, const void *key, void *value, uint64_t flags);
bool htab_contains(const struct map *m, uintptr_t addr, size_t size);
void htab_copy_out(struct map *m, struct htab_elem *e, void *value);

/* hash_batch.c: the batch commands of every hash map type. */
int htab_lookup_batch(struct map *m, const union bpf_attr *attr, bool del, uint32_t *count);

#endif /* BPFX_MAPS_HASH_H */
