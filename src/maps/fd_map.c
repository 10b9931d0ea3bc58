/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_PROG_ARRAY and BPF_MAP_TYPE_ARRAY_OF_MAPS (fd_map.h): a
 * u32-indexed array of object references. Writers (user space) swap a
 * slot under the map's mutex and put the old object after unlocking;
 * readers (tail calls, lookups from programs and user space) take a
 * reference under the mutex, so an object never dies while a reader gets
 * it. Like the kernel, every index exists for get_next_key, delete of an
 * empty slot is ENOENT and an update accepts only BPF_ANY.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "api/prog_obj.h"
#include "maps/fd_map.h"
#include "util/alloc.h"

extern const struct map_ops array_map_ops;

struct fd_array {
	pthread_mutex_t lock;
	bool owned;                       /* prog arrays: owner fixed */
	uint32_t owner_type, owner_attach, owner_flags;
	struct obj *slots[];              /* max_entries, NULL = empty */
};

static inline struct fd_array *fa(const struct map *m)
{
	return m->type_priv;
}

void fd_obj_put(void *o)
{
	obj_put(o);
}

int fd_id_copy(struct obj *o, void *value)
{
	if (!o)
		return -ENOENT;
	memcpy(value, &o->id, sizeof(uint32_t));
	obj_put(o);
	return 0;
}

/* The kernel's fd_array_map_alloc_check: u32 values, no program access
 * flags, then the array rules (BPF_F_INNER_MAP and MMAPABLE refused). */
static int fd_array_check(const union bpf_attr *attr)
{
	if (attr->value_size != sizeof(uint32_t))
		return -EINVAL;
	if (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		return -EINVAL;
	return array_map_ops.check(attr);
}

static int fd_meta_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	(void)attr, (void)nr_slots;
	*size = sizeof(struct fd_meta);
	return 0;
}

static void prog_array_clear(struct obj *o);

static int fd_array_priv_new(struct map *m, const union bpf_attr *attr)
{
	int err;

	if (attr && m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS && (err = fd_meta_init(m, attr)))
		return err;
	struct fd_array *a = mem_array(1, sizeof(*a) + (size_t)m->max_entries * sizeof(a->slots[0]));
	if (!a)
		return -ENOMEM;
	pthread_mutex_init(&a->lock, NULL);
	m->type_priv = a;
	if (m->type == BPF_MAP_TYPE_PROG_ARRAY)
		m->obj.release_uref = prog_array_clear;
	return 0;
}

static void fd_array_priv_free(struct map *m)
{
	struct fd_array *a = fa(m);

	if (!a)
		return;
	for (uint32_t i = 0; i < m->max_entries; i++)
		obj_put(a->slots[i]);
	pthread_mutex_destroy(&a->lock);
	mem_free(a);
	m->type_priv = NULL;
}

/* The object in slot `index` with a reference, or NULL. */
static struct obj *slot_get(struct map *m, uint32_t index)
{
	struct fd_array *a = fa(m);
	struct obj *o;

	if (index >= m->max_entries)
		return NULL;
	pthread_mutex_lock(&a->lock);
	if ((o = a->slots[index]))
		obj_get(o);
	pthread_mutex_unlock(&a->lock);
	return o;
}

/* Stores o (a reference, taken over; NULL empties the slot); returns what
 * was there (the caller puts it). */
static struct obj *slot_swap(struct map *m, uint32_t index, struct obj *o)
{
	struct fd_array *a = fa(m);

	pthread_mutex_lock(&a->lock);
	struct obj *old = a->slots[index];
	a->slots[index] = o;
	pthread_mutex_unlock(&a->lock);
	return old;
}

/* User space: the id of the object (the kernel's map_fd_sys_lookup_elem). */
static int fd_array_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	uint32_t index;

	(void)flags;
	memcpy(&index, key, sizeof(index));
	return fd_id_copy(slot_get(m, index), value);
}

int prog_array_owner(struct map *m, const struct prog_obj *p)
{
	const uint32_t flags = BPF_F_SLEEPABLE | BPF_F_XDP_HAS_FRAGS;
	struct fd_array *a = fa(m);
	int err = 0;

	if (m->type != BPF_MAP_TYPE_PROG_ARRAY)
		return 0;
	pthread_mutex_lock(&a->lock);
	if (!a->owned) {
		a->owned = true;
		a->owner_type = p->type;
		a->owner_attach = p->expected_attach_type;
		a->owner_flags = p->prog_flags & flags;
	} else if (a->owner_type != p->type || a->owner_attach != p->expected_attach_type ||
		   a->owner_flags != (p->prog_flags & flags)) {
		err = -EINVAL;
	}
	pthread_mutex_unlock(&a->lock);
	return err;
}

/* The object a user's descriptor names, checked for this map. */
static int fd_value_get(struct map *m, uint32_t ufd, struct obj **o)
{
	int err = 0;

	if (m->type != BPF_MAP_TYPE_PROG_ARRAY)
		return fd_inner_get(m, ufd, o);
	if (!(*o = fd_get((int)ufd, OBJ_PROG, &err)))
		return err;
	if ((err = prog_array_owner(m, (const struct prog_obj *)*o))) {
		obj_put(*o);
		return err;
	}
	return 0;
}

/* The kernel's bpf_fd_array_map_update_elem: flags, index, then the fd. */
static int fd_array_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	uint32_t index, ufd;
	struct obj *o;
	int err;

	if (flags != BPF_ANY)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries)
		return -E2BIG;
	memcpy(&ufd, value, sizeof(ufd));
	if ((err = fd_value_get(m, ufd, &o)))
		return err;
	obj_put(slot_swap(m, index, o));
	return 0;
}

static int fd_array_delete(struct map *m, const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries)
		return -E2BIG;
	struct obj *old = slot_swap(m, index, NULL);
	if (!old)
		return -ENOENT;
	obj_put(old);
	return 0;
}

struct obj *prog_array_get(struct map *m, uint32_t index)
{
	return slot_get(m, index);
}

/* The kernel's map_release_uref of prog arrays: when no descriptor or pin
 * refers to the array any more, it is emptied, so that programs holding
 * it and held by it (a program tail-calling itself) can die. */
static void prog_array_clear(struct obj *o)
{
	struct map *m = map_of(o);

	for (uint32_t i = 0; i < m->max_entries; i++)
		obj_put(slot_swap(m, i, NULL));
}

static struct map *array_of_maps_lookup(struct map *m, const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	struct obj *o = slot_get(m, index);
	return o ? map_of(o) : NULL;
}

static int fd_array_get_next_key(struct map *m, const void *key, void *next_key)
{
	return array_map_ops.get_next_key(m, key, next_key);
}

const struct map_ops prog_array_map_ops = {
	.name = "prog_array",
	.check = fd_array_check,
	.data_size = fd_meta_size,
	.lookup_copy = fd_array_lookup_copy,
	.get_next_key = fd_array_get_next_key,
	.fd_update = fd_array_update,
	.fd_delete = fd_array_delete,
	.priv_new = fd_array_priv_new,
	.priv_free = fd_array_priv_free,
};

const struct map_ops array_of_maps_map_ops = {
	.name = "array_of_maps",
	.check = fd_array_check,
	.data_size = fd_meta_size,
	.lookup_copy = fd_array_lookup_copy,
	.get_next_key = fd_array_get_next_key,
	.fd_update = fd_array_update,
	.fd_delete = fd_array_delete,
	.lookup_map = array_of_maps_lookup,
	.priv_new = fd_array_priv_new,
	.priv_free = fd_array_priv_free,
};
