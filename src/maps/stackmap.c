/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_STACK_TRACE: stacks (arrays of u64 instruction pointers)
 * stored by bpf_get_stackid under a u32 id, read and deleted by user
 * space, with the kernel's semantics (kernel/bpf/stackmap.c):
 *
 * - n_buckets = max_entries rounded up to a power of two; a stack's id is
 *   jhash2(ips, nr * 2 words, 0) & (n_buckets - 1), so ids may reach
 *   n_buckets - 1 even when max_entries is smaller;
 * - max_entries elements hold the stacks; a new stack takes a free one
 *   first (-ENOMEM when none is left), then replaces the bucket's old
 *   stack (only with BPF_F_REUSE_STACKID, else -EEXIST) and frees it;
 * - user space: LOOKUP copies the ips and zero-fills the rest of the
 *   value (-ENOENT for an empty or out-of-range id), DELETE (-E2BIG out of
 *   range), LOOKUP_AND_DELETE, get_next_key in id order (an unknown key
 *   starts over); UPDATE is -EINVAL; programs cannot look up (NULL).
 *
 * With BPF_F_STACK_BUILD_ID a stack is stored as struct
 * bpf_stack_build_id entries (hooks/build_id.c), still named by the hash
 * of its ips; such maps take a free element before they compare, as the
 * kernel's do.
 *
 * Layout in the mapping (position independent): struct stk, the buckets
 * (u32 element number + 1, 0 empty), the free list (element numbers,
 * free_cnt of them), then the elements (struct stk_elem + value_size
 * bytes). One process-shared robust mutex guards it all: stacks are
 * stored far less often than they are walked, and every change is a
 * few stores after which the state is consistent, so a process dying
 * with the lock leaves at most one element unaccounted.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "maps/map.h"
#include "maps/stackmap.h"
#include "util/jhash.h"

#define STK_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID)
#define STK_DEFAULT_MAX_STACK 127u   /* the kernel's PERF_MAX_STACK_DEPTH */

struct stk {
	pthread_mutex_t lock;
	uint32_t n_buckets;
	uint32_t free_cnt;
};

struct stk_elem {
	uint32_t hash;
	uint32_t nr;                 /* entries stored: ips, or build id entries */
	uint64_t ip[];
};

#define STK_BUCKETS_OFF ((sizeof(struct stk) + 63) & ~(size_t)63)

uint32_t stackmap_max_stack(void)
{
	static _Atomic uint32_t cached;
	uint32_t v = atomic_load_explicit(&cached, memory_order_relaxed);
	unsigned long n;

	if (v)
		return v;
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_stack", "re");
	v = STK_DEFAULT_MAX_STACK;
	if (f) {
		if (fscanf(f, "%lu", &n) == 1 && n > 0 && n <= 1u << 20)
			v = (uint32_t)n;
		fclose(f);
	}
	atomic_store_explicit(&cached, v, memory_order_relaxed);
	return v;
}

static uint64_t round_pow2(uint32_t n)
{
	uint64_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

static inline struct stk *stk_of(const struct map *m)
{
	return m->data;
}

static inline uint32_t *buckets(const struct map *m)
{
	return (uint32_t *)((char *)m->data + STK_BUCKETS_OFF);
}

static inline uint32_t *free_list(const struct map *m)
{
	return buckets(m) + stk_of(m)->n_buckets;
}

static inline uint64_t elems_off(uint64_t n_buckets, uint32_t max_entries)
{
	return (STK_BUCKETS_OFF + (n_buckets + max_entries) * 4 + 7) & ~7ull;
}

static inline struct stk_elem *elem(const struct map *m, uint32_t i)
{
	uint64_t off = elems_off(stk_of(m)->n_buckets, m->max_entries);
	return (struct stk_elem *)((char *)m->data + off +
				   (uint64_t)i * (sizeof(struct stk_elem) + m->value_size));
}

/* MAP_CREATE: the kernel's stack_map_alloc checks. */
static int stk_check(const union bpf_attr *attr)
{
	if (attr->map_flags & ~STK_CREATE_FLAGS)
		return -EINVAL;
	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size < 8)
		return -EINVAL;
	if (attr->map_flags & BPF_F_STACK_BUILD_ID) {
		if (attr->value_size % sizeof(struct bpf_stack_build_id) ||
		    attr->value_size / sizeof(struct bpf_stack_build_id) > stackmap_max_stack())
			return -EINVAL;
		return 0;
	}
	if (attr->value_size % 8 || attr->value_size / 8 > stackmap_max_stack())
		return -EINVAL;
	return 0;
}

static int stk_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	uint64_t n = round_pow2(attr->max_entries);
	(void)nr_slots;
	if (n > (1ull << 31))
		return -E2BIG;
	*size = elems_off(n, attr->max_entries) +
		(uint64_t)attr->max_entries * (sizeof(struct stk_elem) + attr->value_size);
	return 0;
}

/* MAP_CREATE, before anyone else sees the map: every element free. */
static int stk_init(struct map *m)
{
	struct stk *s = stk_of(m);

	s->n_buckets = (uint32_t)round_pow2(m->max_entries);
	s->free_cnt = m->max_entries;
	for (uint32_t i = 0; i < m->max_entries; i++)
		free_list(m)[i] = m->max_entries - 1 - i;
	return map_robust_mutex_init(&s->lock);
}

static int stk_lock(struct stk *s)
{
	int r = pthread_mutex_lock(&s->lock);
	if (r == EOWNERDEAD)
		r = pthread_mutex_consistent(&s->lock);
	return -r;
}

static inline uint32_t elem_bytes(const struct map *m)
{
	return (m->map_flags & BPF_F_STACK_BUILD_ID) ? sizeof(struct bpf_stack_build_id) : 8;
}

long stackmap_get_id(struct map *m, const uint64_t *ips, const void *data, uint32_t nr,
		     uint64_t flags)
{
	struct stk *s = stk_of(m);
	uint32_t hash = jhash2(ips, nr * 2, 0);
	uint32_t id = hash & (s->n_buckets - 1);
	bool build_id = m->map_flags & BPF_F_STACK_BUILD_ID;
	size_t len = (size_t)nr * elem_bytes(m);
	long ret = id;
	int err;

	if (!build_id)
		data = ips;
	if ((err = stk_lock(s)))
		return err;
	uint32_t b = buckets(m)[id];
	struct stk_elem *old = b ? elem(m, b - 1) : NULL;
	bool same = old && old->hash == hash && old->nr == nr && !memcmp(old->ip, data, len);

	if (old && old->hash == hash && (flags & BPF_F_FAST_STACK_CMP))
		goto out;
	/* build id maps take a free element before they compare (the kernel
	 * fills it to compare with), so a full map is -ENOMEM even then */
	if (build_id && !s->free_cnt) {
		ret = -ENOMEM;
		goto out;
	}
	if (same)
		goto out;
	if (old && !(flags & BPF_F_REUSE_STACKID)) {
		ret = -EEXIST;
		goto out;
	}
	if (!s->free_cnt) {
		ret = -ENOMEM;
		goto out;
	}
	uint32_t e = free_list(m)[--s->free_cnt];
	struct stk_elem *n = elem(m, e);
	n->hash = hash;
	n->nr = nr;
	memcpy(n->ip, data, len);
	buckets(m)[id] = e + 1;
	if (b)
		free_list(m)[s->free_cnt++] = b - 1;
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* Under the lock: copies id's stack to value (if not NULL; the rest of
 * the value zeroed, as bpf_stackmap_extract does) and frees it if del.
 * -ENOENT when the id holds none; id < n_buckets. */
static int stk_take(struct map *m, uint32_t id, void *value, bool del)
{
	struct stk *s = stk_of(m);
	int err;

	if ((err = stk_lock(s)))
		return err;
	uint32_t b = buckets(m)[id];
	if (b && value) {
		struct stk_elem *e = elem(m, b - 1);
		size_t len = (size_t)e->nr * elem_bytes(m);
		memcpy(value, e->ip, len);
		memset((char *)value + len, 0, m->value_size - len);
	}
	if (b && del) {
		buckets(m)[id] = 0;
		free_list(m)[s->free_cnt++] = b - 1;
	}
	pthread_mutex_unlock(&s->lock);
	return b ? 0 : -ENOENT;
}

/* The kernel's bpf_stackmap_extract: an id past the buckets is -ENOENT. */
static int stk_extract(struct map *m, const void *key, void *value, bool del)
{
	uint32_t id;

	memcpy(&id, key, sizeof(id));
	if (id >= stk_of(m)->n_buckets)
		return -ENOENT;
	return stk_take(m, id, value, del);
}

static int stk_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	(void)flags;
	return stk_extract(m, key, value, false);
}

static int stk_lookup_and_delete(struct map *m, const void *key, void *value, uint64_t flags)
{
	if (flags)
		return -EINVAL;
	return stk_extract(m, key, value, true);
}

/* Programs cannot look into a stack trace map (the kernel's verifier
 * refuses the call; bpfx answers NULL). */
static void *stk_lookup(struct map *m, const void *key)
{
	(void)m, (void)key;
	return NULL;
}

static int stk_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	(void)m, (void)key, (void)value, (void)flags;
	return -EINVAL;
}

static int stk_delete(struct map *m, const void *key)
{
	uint32_t id;

	memcpy(&id, key, sizeof(id));
	if (id >= stk_of(m)->n_buckets)
		return -E2BIG;
	return stk_take(m, id, NULL, true);
}

/* The next stored id after key in id order; an absent or unknown key
 * starts from 0 (the kernel's rule). */
static int stk_get_next_key(struct map *m, const void *key, void *next_key)
{
	struct stk *s = stk_of(m);
	uint32_t id = 0;

	if (key) {
		memcpy(&id, key, sizeof(id));
		if (id >= s->n_buckets || !atomic_load_explicit(
			    (_Atomic uint32_t *)&buckets(m)[id], memory_order_relaxed))
			id = 0;
		else
			id++;
	}
	while (id < s->n_buckets &&
	       !atomic_load_explicit((_Atomic uint32_t *)&buckets(m)[id], memory_order_relaxed))
		id++;
	if (id >= s->n_buckets)
		return -ENOENT;
	memcpy(next_key, &id, sizeof(id));
	return 0;
}

const struct map_ops stack_trace_map_ops = {
	.name = "stack_trace",
	.check = stk_check,
	.data_size = stk_data_size,
	.init = stk_init,
	.lookup = stk_lookup,
	.lookup_copy = stk_lookup_copy,
	.update = stk_update,
	.delete = stk_delete,
	.get_next_key = stk_get_next_key,
	.lookup_and_delete = stk_lookup_and_delete,
};
