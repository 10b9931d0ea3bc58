/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_DEVMAP: the redirect targets of XDP programs
 * (bpf_redirect_map), max_entries slots indexed by a u32 key, each empty
 * or holding struct bpf_devmap_val (an ifindex, and with an 8-byte value a
 * program to run on the redirected frame). An entry must name a network
 * interface of bpfx's network namespace (the loopback device, ifindex 1,
 * for test runs; real ones for `bpfx xdp --dev`, which transmits there):
 * another is refused with EINVAL, as the kernel refuses a device it does
 * not know. Entries
 * with a program are not built yet (EOPNOTSUPP). Programs may look
 * entries up, read-only (the kernel sets BPF_F_RDONLY_PROG on the map).
 *
 * An entry is written in place without a lock; a concurrent lookup may
 * see a half-written entry, like a plain array's value.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "maps/map.h"

#define DEV_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)
#define DEV_LO_IFINDEX 1u

struct dev_entry {
	uint32_t present;
	uint32_t pad;
	struct bpf_devmap_val val;     /* what lookups hand out (value_size bytes of it) */
};

static int dev_check(const union bpf_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    (attr->value_size != 4 && attr->value_size != 8) ||
	    (attr->map_flags & ~DEV_CREATE_FLAGS))
		return -EINVAL;
	return 0;
}

static int dev_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	(void)nr_slots;
	*size = (uint64_t)attr->max_entries * sizeof(struct dev_entry);
	return 0;
}

/* The kernel makes every devmap read-only to programs. */
static int dev_init(struct map *m)
{
	m->map_flags |= BPF_F_RDONLY_PROG;
	m->hdr->map_flags = m->map_flags;
	return 0;
}

static struct dev_entry *entry(const struct map *m, const void *key)
{
	uint32_t index;
	memcpy(&index, key, sizeof(index));
	return index < m->max_entries ? (struct dev_entry *)m->data + index : NULL;
}

/* For programs and bpf_redirect_map: the entry's value, NULL when empty. */
static void *dev_lookup(struct map *m, const void *key)
{
	struct dev_entry *e = entry(m, key);
	return e && e->present ? &e->val : NULL;
}

static int dev_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	(void)flags;
	struct dev_entry *e = entry(m, key);
	if (!e || !e->present)
		return -ENOENT;
	memcpy(value, &e->val, m->value_size);
	return 0;
}

/* dev_map_update_elem: BPF_NOEXIST is EEXIST (slots always exist);
 * ifindex 0 empties the slot. */
static int dev_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	struct bpf_devmap_val v = { 0 };
	struct dev_entry *e = entry(m, key);

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (!e)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	memcpy(&v, value, m->value_size);
	if (!v.ifindex) {
		e->present = 0;
		return 0;
	}
	if (m->value_size == 8 && v.bpf_prog.fd > 0)
		return -EOPNOTSUPP; /* programs run on redirected frames: not built */
	char name[IF_NAMESIZE];
	if (v.ifindex != DEV_LO_IFINDEX && !if_indextoname(v.ifindex, name))
		return -EINVAL;
	e->val = (struct bpf_devmap_val){ .ifindex = v.ifindex };
	e->present = 1;
	return 0;
}

static int dev_delete(struct map *m, const void *key)
{
	struct dev_entry *e = entry(m, key);
	if (!e)
		return -EINVAL;
	e->present = 0;
	return 0;
}

static bool dev_contains(const struct map *m, uintptr_t addr, size_t size)
{
	uintptr_t start = (uintptr_t)m->data;
	uint64_t total = (uint64_t)m->max_entries * sizeof(struct dev_entry);

	if (addr < start || addr - start >= total)
		return false;
	uint64_t off = (addr - start) % sizeof(struct dev_entry);
	return off >= offsetof(struct dev_entry, val) &&
	       off - offsetof(struct dev_entry, val) + size <= m->value_size;
}

const struct map_ops devmap_map_ops = {
	.name = "devmap",
	.check = dev_check,
	.data_size = dev_data_size,
	.init = dev_init,
	.lookup = dev_lookup,
	.lookup_copy = dev_lookup_copy,
	.update = dev_update,
	.delete = dev_delete,
	.get_next_key = array_get_next_key,
	.contains = dev_contains,
};
