/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY: max_entries values
 * indexed by a u32 key, all present from creation (zeroed), never
 * deleted. Values are 8-byte aligned (each slot rounded up to 8 bytes,
 * like the kernel's elem_size). A per-CPU array keeps nr_slots values per
 * index, index-major: value (i, slot s) at (i * nr_slots + s) * elem_size.
 *
 * Lookups and updates take no lock: like the kernel, an update copies the
 * value in place, so a concurrent reader may see a mix of old and new
 * bytes of one value. BPF_F_LOCK, with a struct bpf_spin_lock in a
 * BTF-described value, copies under that lock (map_btf.c); the lock
 * itself is never overwritten by updates nor shown to user space.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "maps/map.h"
#include "vm/slot.h"

#define ARRAY_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_INNER_MAP | BPF_F_MMAPABLE | \
			    BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG |   \
			    BPF_F_WRONLY_PROG | BPF_F_PRESERVE_ELEMS)
#define PCPU_MIN_UNIT_SIZE (32u << 10)

static inline uint64_t elem_size(const struct map *m)
{
	return ((uint64_t)m->value_size + 7) & ~7ull;
}

static int array_check(const union bpf_attr *attr)
{
	bool percpu = attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;

	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size == 0 ||
	    (attr->map_flags & ~ARRAY_CREATE_FLAGS))
		return -EINVAL;
	if (percpu && (attr->map_flags & BPF_F_NUMA_NODE))
		return -EINVAL;
	if (attr->map_type != BPF_MAP_TYPE_ARRAY &&
	    (attr->map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)))
		return -EINVAL;
	if (attr->map_flags & BPF_F_PRESERVE_ELEMS) /* perf event arrays only */
		return -EINVAL;
	if (attr->value_size > INT_MAX)
		return -E2BIG;
	if (percpu && ((attr->value_size + 7) & ~7u) > PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	return 0;
}

static int array_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	uint64_t elem = ((uint64_t)attr->value_size + 7) & ~7ull;
	uint64_t total = elem * attr->max_entries;

	if (total / attr->max_entries != elem || total * nr_slots / nr_slots != total)
		return -E2BIG;
	*size = total * nr_slots;
	return 0;
}

static inline void *value_at(const struct map *m, uint32_t index, uint32_t slot)
{
	return (char *)m->data + ((uint64_t)index * m->nr_slots + slot) * elem_size(m);
}

static void *array_lookup(struct map *m, const void *key)
{
	uint32_t index;
	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries)
		return NULL;
	return value_at(m, index, m->nr_slots > 1 ? vm_slot() % m->nr_slots : 0);
}

static void *percpu_array_lookup_percpu(struct map *m, const void *key, uint32_t cpu)
{
	uint32_t index;
	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries || cpu >= m->nr_slots)
		return NULL;
	return value_at(m, index, cpu);
}

static bool array_contains(const struct map *m, uintptr_t addr, size_t size);

static int array_locate(struct map *m, uintptr_t addr, void **value, void *key)
{
	uint32_t index;
	if (!array_contains(m, addr, 1) || m->nr_slots > 1)
		return -ENOENT;
	index = (uint32_t)((addr - (uintptr_t)m->data) / elem_size(m));
	*value = value_at(m, index, 0);
	memcpy(key, &index, sizeof(index));
	return 0;
}

/* User space: a plain array copies value_size bytes; a per-CPU array
 * every slot's value, each elem_size bytes (padding included), like the
 * kernel's copies. */
static int array_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries)
		return -ENOENT;
	if (m->nr_slots == 1) {
		if (flags & BPF_F_LOCK)
			map_value_copy_locked(m, value, value_at(m, index, 0), true);
		else
			memcpy(value, value_at(m, index, 0), m->value_size);
		map_value_hide_special(m, value);
		return 0;
	}
	for (uint32_t s = 0; s < m->nr_slots; s++)
		memcpy((char *)value + s * elem_size(m), value_at(m, index, s), elem_size(m));
	return 0;
}

/* What every array update checks first, in the kernel's order; on
 * success *index is the element. */
static int check_update(const struct map *m, const void *key, uint64_t flags, uint32_t *index)
{
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	memcpy(index, key, sizeof(*index));
	if (*index >= m->max_entries)
		return -E2BIG;
	if (flags & BPF_NOEXIST) /* every element always exists */
		return -EEXIST;
	if ((flags & BPF_F_LOCK) && !m->has_spin_lock)
		return -EINVAL;
	return 0;
}

static int array_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	uint32_t index;
	int err = check_update(m, key, flags, &index);

	if (err)
		return err;
	void *dst = value_at(m, index, m->nr_slots > 1 ? vm_slot() % m->nr_slots : 0);
	if (flags & BPF_F_LOCK)
		map_value_copy_locked(m, dst, value, false);
	else
		map_value_copy(m, dst, value); /* the lock stays as it is */
	return 0;
}

static int percpu_array_update_all(struct map *m, const void *key, const void *value,
				   uint64_t flags)
{
	uint32_t index;
	int err = check_update(m, key, flags, &index);

	if (err)
		return err;
	for (uint32_t s = 0; s < m->nr_slots; s++)
		memcpy(value_at(m, index, s), (const char *)value + s * elem_size(m), elem_size(m));
	return 0;
}

/* Values start every elem_size bytes; the padding after value_size is
 * not part of a value. */
static bool array_contains(const struct map *m, uintptr_t addr, size_t size)
{
	uintptr_t start = (uintptr_t)m->data;
	uint64_t total = elem_size(m) * m->max_entries * m->nr_slots;

	if (addr < start || addr - start >= total || size > m->value_size)
		return false;
	return (addr - start) % elem_size(m) + size <= m->value_size;
}

static int array_delete(struct map *m, const void *key)
{
	(void)m, (void)key;
	return -EINVAL;
}

int array_get_next_key(struct map *m, const void *key, void *next_key)
{
	uint32_t index = UINT32_MAX, next;

	if (key)
		memcpy(&index, key, sizeof(index));
	if (!key || index >= m->max_entries)
		next = 0;
	else if (index == m->max_entries - 1)
		return -ENOENT;
	else
		next = index + 1;
	memcpy(next_key, &next, sizeof(next));
	return 0;
}

const struct map_ops array_map_ops = {
	.name = "array",
	.check = array_check,
	.data_size = array_data_size,
	.lookup = array_lookup,
	.lookup_copy = array_lookup_copy,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = array_get_next_key,
	.contains = array_contains,
	.batch = MAP_BATCH_LOOKUP | MAP_BATCH_UPDATE,
	.locate = array_locate,
};

/* From user space a per-CPU update writes every slot; from a program
 * (bpf_map_update_elem) only the calling slot: map_update_elem tells them
 * apart with update_all. */
const struct map_ops percpu_array_map_ops = {
	.name = "percpu_array",
	.check = array_check,
	.data_size = array_data_size,
	.lookup = array_lookup,
	.lookup_copy = array_lookup_copy,
	.update = array_update,
	.update_all = percpu_array_update_all,
	.delete = array_delete,
	.get_next_key = array_get_next_key,
	.contains = array_contains,
	.batch = MAP_BATCH_LOOKUP | MAP_BATCH_UPDATE,
	.lookup_percpu = percpu_array_lookup_percpu,
};
