/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_HASH_OF_MAPS, and the inner map template that both maps of
 * maps share (fd_map.h).
 *
 * The hash of maps is per-process state (its values are objects): chains
 * of entries in 2^n buckets under one mutex, taken by every operation
 * (user space and lookups from programs alike; the inner map is returned
 * with a reference, so a concurrent delete cannot free it under a
 * program). Semantics are the kernel's hash map's: BPF_NOEXIST/BPF_EXIST,
 * E2BIG once max_entries keys exist, get_next_key in bucket order and
 * from the first key when the given one is absent.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "maps/fd_map.h"
#include "util/alloc.h"
#include "util/jhash.h"

extern const struct map_ops htab_map_ops;

/* ---- the inner map template ---- */

static bool nestable(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* The kernel's bpf_map_meta_alloc: the inner map must exist (EBADF, or
 * EINVAL for another kind of descriptor) and not be a map of maps
 * (EINVAL). Types bpfx does not nest yet (prog arrays) are EOPNOTSUPP. */
int fd_meta_init(struct map *m, const union bpf_attr *attr)
{
	struct fd_meta *meta = m->data;
	int err = 0;
	struct obj *o = fd_get((int)attr->inner_map_fd, OBJ_MAP, &err);

	if (!o)
		return err;
	struct map *in = map_of(o);
	if (in->type == BPF_MAP_TYPE_ARRAY_OF_MAPS || in->type == BPF_MAP_TYPE_HASH_OF_MAPS)
		err = -EINVAL;
	else if (!nestable(in->type))
		err = -EOPNOTSUPP;
	else
		*meta = (struct fd_meta){ in->type, in->key_size, in->value_size, in->max_entries,
					  in->map_flags };
	obj_put(o);
	return err;
}

/* The kernel's map_meta_equal: type, sizes and flags; arrays also their
 * length unless the template says BPF_F_INNER_MAP. */
bool fd_meta_fits(const struct map *m, const struct map *in)
{
	const struct fd_meta *meta = m->data;
	bool array = in->type == BPF_MAP_TYPE_ARRAY || in->type == BPF_MAP_TYPE_PERCPU_ARRAY;

	if (meta->type != in->type || meta->key_size != in->key_size ||
	    meta->value_size != in->value_size || meta->map_flags != in->map_flags)
		return false;
	return !array || (meta->map_flags & BPF_F_INNER_MAP) || meta->max_entries == in->max_entries;
}

int fd_inner_get(const struct map *m, uint32_t ufd, struct obj **o)
{
	int err = 0;

	if (!(*o = fd_get((int)ufd, OBJ_MAP, &err)))
		return err;
	if (!fd_meta_fits(m, map_of(*o))) {
		obj_put(*o);
		return -EINVAL;
	}
	return 0;
}

/* ---- the hash of maps ---- */

struct fd_hentry {
	struct fd_hentry *next;
	struct obj *obj;
	uint8_t key[];
};

struct fd_htab {
	pthread_mutex_t lock;
	uint32_t mask;                /* buckets - 1 */
	uint32_t count;
	struct fd_hentry *buckets[];
};

static inline struct fd_htab *fh(const struct map *m)
{
	return m->type_priv;
}

/* The kernel's fd_htab_map_alloc_check: u32 values, then the hash rules. */
static int fd_htab_check(const union bpf_attr *attr)
{
	if (attr->value_size != sizeof(uint32_t))
		return -EINVAL;
	return htab_map_ops.check(attr);
}

static int fd_htab_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	(void)attr, (void)nr_slots;
	*size = sizeof(struct fd_meta);
	return 0;
}

static int fd_htab_priv_new(struct map *m, const union bpf_attr *attr)
{
	uint32_t n = 1;
	int err;

	if (attr && (err = fd_meta_init(m, attr)))
		return err;
	while (n < m->max_entries && n < (1u << 16))
		n <<= 1;
	struct fd_htab *h = mem_array(1, sizeof(*h) + (size_t)n * sizeof(h->buckets[0]));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->mask = n - 1;
	m->type_priv = h;
	return 0;
}

static void fd_htab_priv_free(struct map *m)
{
	struct fd_htab *h = fh(m);

	if (!h)
		return;
	for (uint32_t b = 0; b <= h->mask; b++)
		for (struct fd_hentry *e = h->buckets[b], *next; e; e = next) {
			next = e->next;
			obj_put(e->obj);
			mem_free(e);
		}
	pthread_mutex_destroy(&h->lock);
	mem_free(h);
	m->type_priv = NULL;
}

static inline uint32_t bucket_of(const struct map *m, const void *key)
{
	return jhash(key, m->key_size, 0) & fh(m)->mask;
}

/* The link that points at the key's entry (or the end of its chain).
 * Caller holds the lock. */
static struct fd_hentry **find(const struct map *m, const void *key)
{
	struct fd_hentry **p = &fh(m)->buckets[bucket_of(m, key)];

	while (*p && memcmp((*p)->key, key, m->key_size))
		p = &(*p)->next;
	return p;
}

/* The object under `key` with a reference, or NULL. */
static struct obj *fd_htab_get(struct map *m, const void *key)
{
	struct obj *o = NULL;

	pthread_mutex_lock(&fh(m)->lock);
	struct fd_hentry *e = *find(m, key);
	if (e) {
		o = e->obj;
		obj_get(o);
	}
	pthread_mutex_unlock(&fh(m)->lock);
	return o;
}

static struct map *fd_htab_lookup_map(struct map *m, const void *key)
{
	struct obj *o = fd_htab_get(m, key);
	return o ? map_of(o) : NULL;
}

static int fd_htab_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	return fd_id_copy(fd_htab_get(m, key), value, flags);
}

/* Stores o (taken over) under key; on failure o is put. */
static int store(struct map *m, const void *key, struct obj *o, uint64_t flags)
{
	struct fd_htab *h = fh(m);
	struct obj *old = NULL;
	int err = 0;

	pthread_mutex_lock(&h->lock);
	struct fd_hentry **p = find(m, key);
	if (*p && (flags & BPF_NOEXIST))
		err = -EEXIST;
	else if (!*p && (flags & BPF_EXIST))
		err = -ENOENT;
	else if (*p) {
		old = (*p)->obj;
		(*p)->obj = o;
	} else if (h->count >= m->max_entries) {
		err = -E2BIG;
	} else {
		struct fd_hentry *e = mem_alloc(sizeof(*e) + m->key_size);
		if (!e) {
			err = -ENOMEM;
		} else {
			memcpy(e->key, key, m->key_size);
			e->obj = o;
			e->next = NULL;
			*p = e;
			h->count++;
		}
	}
	pthread_mutex_unlock(&h->lock);
	obj_put(err ? o : old);
	return err;
}

/* The kernel's bpf_fd_htab_map_update_elem: the descriptor first, then
 * the hash map's flag rules. */
static int fd_htab_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	uint32_t ufd;
	struct obj *o;
	int err;

	memcpy(&ufd, value, sizeof(ufd));
	if ((err = fd_inner_get(m, ufd, &o)))
		return err;
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST || (flags & BPF_F_LOCK)) {
		obj_put(o);
		return -EINVAL;
	}
	return store(m, key, o, flags);
}

static int fd_htab_delete(struct map *m, const void *key)
{
	struct fd_htab *h = fh(m);
	struct fd_hentry *e;

	pthread_mutex_lock(&h->lock);
	struct fd_hentry **p = find(m, key);
	if ((e = *p)) {
		*p = e->next;
		h->count--;
	}
	pthread_mutex_unlock(&h->lock);
	if (!e)
		return -ENOENT;
	obj_put(e->obj);
	mem_free(e);
	return 0;
}

static int fd_htab_get_next_key(struct map *m, const void *key, void *next_key)
{
	struct fd_htab *h = fh(m);
	const struct fd_hentry *e = NULL;
	uint32_t b = 0;

	pthread_mutex_lock(&h->lock);
	if (key && (e = *find(m, key))) {
		b = bucket_of(m, key);
		e = e->next;
		b += !e;
	}
	for (; !e && b <= h->mask; b++)
		e = h->buckets[b];
	if (e)
		memcpy(next_key, e->key, m->key_size);
	pthread_mutex_unlock(&h->lock);
	return e ? 0 : -ENOENT;
}

const struct map_ops hash_of_maps_map_ops = {
	.name = "hash_of_maps",
	.check = fd_htab_check,
	.data_size = fd_htab_data_size,
	.lookup_copy = fd_htab_lookup_copy,
	.lookup_and_delete = fd_lookup_and_delete,
	.get_next_key = fd_htab_get_next_key,
	.fd_update = fd_htab_update,
	.fd_delete = fd_htab_delete,
	.lookup_map = fd_htab_lookup_map,
	.priv_new = fd_htab_priv_new,
	.priv_free = fd_htab_priv_free,
};
