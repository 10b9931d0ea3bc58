/* SPDX-License-Identifier: MIT */
/*
 * The bpf() batch commands on maps: MAP_LOOKUP_BATCH,
 * MAP_LOOKUP_AND_DELETE_BATCH, MAP_UPDATE_BATCH, MAP_DELETE_BATCH, as the
 * kernel's bpf_map_do_batch and its generic_map_*_batch do them:
 *   - access first (EPERM: reading a write-only map, writing a read-only
 *     or frozen one), then ENOTSUPP for a command the type lacks (the
 *     map ops' `batch` bits), then the command;
 *   - elem_flags other than BPF_F_LOCK are EINVAL, and so is BPF_F_LOCK
 *     on a map without a spin lock; count 0 does nothing; otherwise
 *     count is reset, and on return (errors included) says how many
 *     elements were done;
 *   - updates and deletes go key by key and stop at the first error;
 *   - the generic lookup walks with get_next_key from in_batch (a key;
 *     NULL: the start), writes the last key it reached to out_batch and
 *     ends with ENOENT when the map has no more keys. Hash maps batch by
 *     buckets instead (maps/hash_batch.c), with a u32 bucket token.
 * Keys, values and tokens are user pointers; values are map_user_value_size
 * bytes (all slots of per-CPU maps). bpf.c copies attr (the count) back
 * to the caller even when the command fails.
 */
#include <errno.h>
#include <string.h>

#include "api/cmds.h"
#include "maps/map.h"
#include "util/alloc.h"

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* What every batch command checks of elem_flags. */
static int check_elem_flags(const struct map *m, const union bpf_attr *attr)
{
	if (attr->batch.elem_flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	if ((attr->batch.elem_flags & BPF_F_LOCK) && !m->has_spin_lock)
		return -EINVAL;
	return 0;
}

/* generic_map_lookup_batch. `key` and `prev` hold key_size bytes each. */
static int generic_lookup(struct map *m, union bpf_attr *attr, uint32_t max, char *key,
			  char *prev)
{
	uint64_t vs = map_user_value_size(m);
	uint32_t cp = 0;
	char *keys = uptr(attr->batch.keys), *values = uptr(attr->batch.values);
	char *p = NULL, *k = key, *t;
	int err = 0;

	if (attr->batch.in_batch) {
		memcpy(prev, uptr(attr->batch.in_batch), m->key_size);
		p = prev;
	}
	if (!keys || !values) /* the first copy out fails, if there is one */
		return (err = m->ops->get_next_key(m, p, k)) ? err : -EFAULT;
	while (cp < max) {
		if ((err = m->ops->get_next_key(m, p, k)))
			break;
		err = m->ops->lookup_copy(m, k, values + cp * vs, attr->batch.elem_flags);
		if (err && err != -ENOENT) /* the kernel reports no count then */
			return err;
		if (!err) { /* ENOENT: deleted meanwhile, go on from it */
			memcpy(keys + (uint64_t)cp * m->key_size, k, m->key_size);
			cp++;
		}
		if (!p)
			p = prev;
		t = p, p = k, k = t;
	}
	attr->batch.count = cp;
	if (cp && !attr->batch.out_batch)
		return -EFAULT;
	if (cp)
		memcpy(uptr(attr->batch.out_batch), p, m->key_size);
	return err;
}

static int do_lookup(struct map *m, union bpf_attr *attr, bool del)
{
	uint32_t max = attr->batch.count;
	char *bufs;
	int err;

	if (m->ops->lookup_batch)
		return m->ops->lookup_batch(m, attr, del, &attr->batch.count);
	if ((err = check_elem_flags(m, attr)) || !attr->batch.count)
		return err;
	attr->batch.count = 0;
	if (!(bufs = mem_alloc(2 * (size_t)m->key_size + 1)))
		return -ENOMEM;
	err = generic_lookup(m, attr, max, bufs, bufs + m->key_size);
	mem_free(bufs);
	return err;
}

/* generic_map_update_batch and generic_map_delete_batch. */
static int do_each(struct map *m, union bpf_attr *attr, bool update)
{
	const char *keys = uptr(attr->batch.keys), *values = uptr(attr->batch.values);
	uint64_t vs = map_user_value_size(m);
	uint32_t max = attr->batch.count, cp;
	int err;

	if ((err = check_elem_flags(m, attr)) || !max)
		return err;
	attr->batch.count = 0;
	if (!keys || (update && !values))
		return -EFAULT; /* the first copy from user space fails */
	for (cp = 0; cp < max; cp++) {
		const char *k = keys + (uint64_t)cp * m->key_size;
		err = update ? map_update_value(m, k, values + cp * vs, attr->batch.elem_flags)
			     : m->ops->delete(m, k);
		if (err)
			break;
	}
	attr->batch.count = cp;
	return err;
}

/* bpf_map_do_batch: the map, access, whether the type has the command. */
static int do_batch(union bpf_attr *attr, unsigned which)
{
	bool read = which & (MAP_BATCH_LOOKUP | MAP_BATCH_LOOKUP_AND_DELETE);
	bool write = which != MAP_BATCH_LOOKUP;
	int err = 0;
	struct map *m = map_cmd_get(attr->batch.map_fd, &err);

	if (!m)
		return err;
	if (!map_user_may(m, read, write))
		err = -EPERM;
	else if (!(m->ops->batch & which))
		err = -ENOTSUPP;
	else if (read)
		err = do_lookup(m, attr, which == MAP_BATCH_LOOKUP_AND_DELETE);
	else
		err = do_each(m, attr, which == MAP_BATCH_UPDATE);
	obj_put(&m->obj);
	return err;
}

int cmd_map_lookup_batch(union bpf_attr *attr)
{
	return do_batch(attr, MAP_BATCH_LOOKUP);
}

int cmd_map_lookup_and_delete_batch(union bpf_attr *attr)
{
	return do_batch(attr, MAP_BATCH_LOOKUP_AND_DELETE);
}

int cmd_map_update_batch(union bpf_attr *attr)
{
	return do_batch(attr, MAP_BATCH_UPDATE);
}

int cmd_map_delete_batch(union bpf_attr *attr)
{
	return do_batch(attr, MAP_BATCH_DELETE);
}
