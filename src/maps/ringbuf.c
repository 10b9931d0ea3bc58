/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_RINGBUF: one ring of variable-length records shared by
 * every producer (programs on any thread of any process that maps it) and
 * read by user space in order. Layout and record format: maps/ringbuf.h.
 *
 * Reservation takes a process-shared spin lock (maps/shm_lock.h) that a
 * producer killed while holding it does not wedge; commits take no lock
 * and may come in any order - the consumer stops at the first record
 * still busy. Like the kernel, the map has no keys: lookup, update,
 * delete and get_next_key are ENOTSUPP (EINVAL when a key is given).
 *
 * Wake-ups go through maps/wake.h: across processes, epoll-able, one
 * pwrite per wake-up and none while the consumer is busy.
 */
#include <errno.h>

#include "maps/ringbuf.h"
#include "maps/shm_lock.h"

#define ENOTSUPP 524                       /* the kernel's internal errno */
#define RINGBUF_MAX_RECORD_SZ (UINT32_MAX / 4)

_Static_assert(64 + sizeof(struct map_hdr) <= RB_SHARED_OFF, "map header overlaps ring state");
_Static_assert(sizeof(struct rb_hdr) == BPF_RINGBUF_HDR_SZ, "record header size");

static int rb_check(const union bpf_attr *attr)
{
	uint64_t page = rb_page(), n = attr->max_entries;

	if (attr->map_flags & ~(uint32_t)BPF_F_NUMA_NODE)
		return -EINVAL;
	if (attr->key_size || attr->value_size || n == 0 || (n & (n - 1)) || (n & (page - 1)))
		return -EINVAL;
	if (n > ((1ull << 24) - 3) * page) /* the kernel's RINGBUF_MAX_DATA_SZ */
		return -E2BIG;
	return 0;
}

static int rb_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	(void)nr_slots;
	*size = 2 * (uint64_t)attr->max_entries;
	return 0;
}

static void *rb_lookup(struct map *m, const void *key)
{
	(void)m, (void)key;
	return NULL;
}

/* The kernel copies a key of key_size (0) bytes first: a key pointer
 * given anyway is EINVAL; without one the type says ENOTSUPP. */
static int no_keys(const void *key)
{
	return key ? -EINVAL : -ENOTSUPP;
}

static int rb_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	(void)m, (void)value, (void)flags;
	return no_keys(key);
}

static int rb_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	(void)m, (void)value, (void)flags;
	return no_keys(key);
}

static int rb_delete(struct map *m, const void *key)
{
	(void)m;
	return no_keys(key);
}

static int rb_get_next_key(struct map *m, const void *key, void *next_key)
{
	(void)m, (void)next_key;
	return no_keys(key);
}

static inline struct rb_hdr *hdr_at(const struct map *m, uint64_t pos)
{
	return (struct rb_hdr *)((char *)m->data + (pos & rb_mask(m)));
}

/* The kernel's pending_pos: skips the committed records from the oldest
 * one that may still be busy. Called with the lock held. */
static uint64_t advance_pending(const struct map *m, uint64_t pend, uint64_t prod)
{
	while (pend < prod) {
		uint32_t len = atomic_load_explicit(&hdr_at(m, pend)->len, memory_order_acquire);
		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		pend += rb_total_len(len);
	}
	return pend;
}

void *rb_reserve(struct map *m, uint64_t size)
{
	struct rb_shared *sh = rb_shared(m);
	uint64_t mask = rb_mask(m);

	if (size > RINGBUF_MAX_RECORD_SZ)
		return NULL;
	uint64_t len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
	if (len > mask + 1)
		return NULL;
	uint32_t self = shm_self_pid();
	shm_lock(&sh->lock);
	uint64_t prod = atomic_load_explicit(rb_prod_pos(m), memory_order_relaxed);
	uint64_t pend = advance_pending(m, sh->pending_pos, prod);
	sh->pending_pos = pend;
	if (prod + len - sh->cons_seen > mask) /* only ever grows: look again */
		sh->cons_seen = atomic_load_explicit(rb_cons_pos(m), memory_order_acquire);
	if (prod + len - sh->cons_seen > mask || prod + len - pend > mask) {
		shm_unlock(&sh->lock);
		return NULL;
	}
	struct rb_hdr *h = hdr_at(m, prod);
	h->pg_off = self;
	atomic_store_explicit(&h->len, (uint32_t)size | BPF_RINGBUF_BUSY_BIT, memory_order_relaxed);
	atomic_store_explicit(rb_prod_pos(m), prod + len, memory_order_release);
	shm_unlock(&sh->lock);
	return h + 1;
}

void rb_wake(struct map *m)
{
	wake_signal(&rb_shared(m)->wake, m->obj.file, map_base(m));
}

void rb_commit(struct map *m, void *sample, uint64_t flags, bool discard)
{
	struct rb_hdr *h = (struct rb_hdr *)sample - 1;
	uint32_t len = atomic_load_explicit(&h->len, memory_order_relaxed) ^ BPF_RINGBUF_BUSY_BIT;

	if (discard)
		len |= BPF_RINGBUF_DISCARD_BIT;
	atomic_exchange(&h->len, len); /* full barrier: pairs with the consumer's waiting */
	/* A wake-up only matters to a consumer that waits: look at the
	 * consumer's position only then (the kernel always does). */
	if ((flags & BPF_RB_NO_WAKEUP) && !(flags & BPF_RB_FORCE_WAKEUP))
		return;
	if (!wake_wanted(&rb_shared(m)->wake))
		return;
	uint64_t rec_pos = (uint64_t)((char *)h - (char *)m->data);
	uint64_t cons = atomic_load(rb_cons_pos(m)) & rb_mask(m);
	if ((flags & BPF_RB_FORCE_WAKEUP) || cons == rec_pos)
		rb_wake(m);
}

bool rb_release_dead(struct map *m, struct rb_hdr *h)
{
	uint32_t len = atomic_load(&h->len);

	(void)m;
	if (!(len & BPF_RINGBUF_BUSY_BIT) || !shm_pid_dead(h->pg_off))
		return false;
	return atomic_compare_exchange_strong(&h->len, &len,
					      (len ^ BPF_RINGBUF_BUSY_BIT) | BPF_RINGBUF_DISCARD_BIT);
}

uint64_t rb_query(struct map *m, uint64_t flags)
{
	uint64_t cons = atomic_load_explicit(rb_cons_pos(m), memory_order_acquire);
	uint64_t prod = atomic_load_explicit(rb_prod_pos(m), memory_order_acquire);

	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return prod - cons;
	case BPF_RB_RING_SIZE:
		return rb_mask(m) + 1;
	case BPF_RB_CONS_POS:
		return cons;
	case BPF_RB_PROD_POS:
		return prod;
	default:
		return 0;
	}
}

bool rb_owns(const struct map *m, const void *rec)
{
	uintptr_t off = (uintptr_t)rec - (uintptr_t)m->data;
	return m->ops == &ringbuf_map_ops && (uintptr_t)rec >= (uintptr_t)m->data + 8 &&
	       off % 8 == 0 && off - 8 <= rb_mask(m);
}

const struct map_ops ringbuf_map_ops = {
	.name = "ringbuf",
	.check = rb_check,
	.data_size = rb_data_size,
	.lookup = rb_lookup,
	.lookup_copy = rb_lookup_copy,
	.update = rb_update,
	.delete = rb_delete,
	.get_next_key = rb_get_next_key,
	.hdr_alt = true,
};
