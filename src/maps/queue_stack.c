/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK: values without keys
 * (key_size 0), pushed and popped or peeked, with the kernel's semantics
 * (kernel/bpf/queue_stack_maps.c): a ring of max_entries + 1 slots, head
 * where the next value goes, tail where the oldest is; empty when head ==
 * tail, full when head + 1 == tail. A queue hands out the oldest value
 * (at tail), a stack the newest (before head). Pushing into a full map
 * is E2BIG, unless BPF_EXIST asks to drop the oldest value (tail moves
 * on) - for a stack too, which then loses its bottom value.
 *
 * bpf() maps onto it: MAP_UPDATE_ELEM pushes, MAP_LOOKUP_ELEM peeks,
 * MAP_LOOKUP_AND_DELETE_ELEM pops (map_cmds.c); programs use the helpers
 * map_push_elem / map_pop_elem / map_peek_elem (helpers/queue_helpers.c).
 *
 * Concurrency: every operation, peeks included (as in the kernel), holds
 * one process-shared robust mutex in the mapping for a copy of one value.
 * A push writes the value before it moves head and a pop copies before
 * it moves tail, each move one store, so a process that dies holding the
 * lock leaves a consistent ring: the next locker gets EOWNERDEAD, marks
 * the mutex consistent and goes on (at worst the dead push's value is
 * not in the map, or a dead pop's value still is).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "maps/map.h"

#define QS_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | \
			 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define QS_KMALLOC_MAX (4u << 20) /* the kernel's KMALLOC_MAX_SIZE on x86-64 */

/* At map->data; the slots follow at QS_SLOTS_OFF. */
struct qs {
	pthread_mutex_t lock;
	atomic_uint head, tail;      /* 0 .. size-1 */
	uint32_t size;               /* max_entries + 1 */
};

#define QS_SLOTS_OFF ((sizeof(struct qs) + 63) & ~(size_t)63)

static inline struct qs *qs_of(const struct map *m)
{
	return m->data;
}

static inline void *slot_at(const struct map *m, uint32_t i)
{
	return (char *)m->data + QS_SLOTS_OFF + (uint64_t)i * m->value_size;
}

/* MAP_CREATE: the kernel's queue_stack_map_alloc_check. */
static int qs_check(const union bpf_attr *attr)
{
	const uint32_t prog_rw = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

	if (attr->max_entries == 0 || attr->key_size != 0 || attr->value_size == 0 ||
	    (attr->map_flags & ~QS_CREATE_FLAGS) || (attr->map_flags & prog_rw) == prog_rw)
		return -EINVAL;
	if (attr->value_size > QS_KMALLOC_MAX)
		return -E2BIG;
	return 0;
}

static int qs_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	(void)nr_slots;
	*size = QS_SLOTS_OFF + ((uint64_t)attr->max_entries + 1) * attr->value_size;
	return *size > MAP_MAX_SIZE - 4096 ? -ENOMEM : 0; /* the kernel's allocation fails */
}

/* MAP_CREATE, before the map is visible to anyone else. */
static int qs_init(struct map *m)
{
	struct qs *q = qs_of(m);

	q->size = m->max_entries + 1;
	return map_robust_mutex_init(&q->lock);
}

/* Every change to the ring is one store made after the data it
 * publishes, so the state a dead owner left is consistent as it is. */
static int qs_lock(struct qs *q)
{
	int r = pthread_mutex_lock(&q->lock);

	if (r == EOWNERDEAD)
		r = pthread_mutex_consistent(&q->lock);
	return -r;
}

static inline uint32_t next_of(const struct qs *q, uint32_t i)
{
	return i + 1 >= q->size ? 0 : i + 1;
}

/* bpf() MAP_UPDATE_ELEM and bpf_map_push_elem. */
static int qs_push(struct map *m, const void *value, uint64_t flags)
{
	struct qs *q = qs_of(m);
	uint32_t head, tail;
	int err;

	if ((flags & BPF_NOEXIST) || flags > BPF_EXIST)
		return -EINVAL;
	if ((err = qs_lock(q)))
		return err;
	head = atomic_load_explicit(&q->head, memory_order_relaxed);
	tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	if (next_of(q, head) == tail) {
		if (!(flags & BPF_EXIST)) {
			pthread_mutex_unlock(&q->lock);
			return -E2BIG;
		}
		atomic_store_explicit(&q->tail, next_of(q, tail), memory_order_release);
	}
	memcpy(slot_at(m, head), value, m->value_size);
	atomic_store_explicit(&q->head, next_of(q, head), memory_order_release);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* Peek (remove false) or pop. -ENOENT when empty, leaving `value` as it
 * was (the helpers zero it, like the kernel's map ops). */
static int qs_get(struct map *m, void *value, bool remove)
{
	struct qs *q = qs_of(m);
	bool stack = m->type == BPF_MAP_TYPE_STACK;
	uint32_t head, tail, at;
	int err;

	if ((err = qs_lock(q)))
		return err;
	head = atomic_load_explicit(&q->head, memory_order_relaxed);
	tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	if (head == tail) {
		pthread_mutex_unlock(&q->lock);
		return -ENOENT;
	}
	at = stack ? (head ? head - 1 : q->size - 1) : tail;
	memcpy(value, slot_at(m, at), m->value_size);
	if (remove && stack)
		atomic_store_explicit(&q->head, at, memory_order_release);
	else if (remove)
		atomic_store_explicit(&q->tail, next_of(q, tail), memory_order_release);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* What the kernel's queue and stack ops answer for keyed operations. */
static int qs_delete(struct map *m, const void *key)
{
	(void)m, (void)key;
	return -EINVAL;
}

static int qs_get_next_key(struct map *m, const void *key, void *next_key)
{
	(void)m, (void)key, (void)next_key;
	return -EINVAL;
}

const struct map_ops queue_map_ops = {
	.name = "queue",
	.check = qs_check,
	.data_size = qs_data_size,
	.init = qs_init,
	.delete = qs_delete,
	.get_next_key = qs_get_next_key,
	.push = qs_push,
	.pop = qs_get,
};

const struct map_ops stack_map_ops = {
	.name = "stack",
	.check = qs_check,
	.data_size = qs_data_size,
	.init = qs_init,
	.delete = qs_delete,
	.get_next_key = qs_get_next_key,
	.push = qs_push,
	.pop = qs_get,
};
