/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_BLOOM_FILTER: values without keys, pushed and peeked
 * ("possibly present": 0, "certainly absent": -ENOENT), with the kernel's
 * semantics and hashing (kernel/bpf/bloom_filter.c), so the same pushes
 * give the same peeks, false positives included, as in the kernel when
 * the seed is the same (BPF_F_ZERO_SEED: 0).
 *
 * map_extra's low 4 bits are the number of hash functions (0: 5). The
 * bit array has max_entries * hashes * 7 / 5 bits (5 / 7 ~ ln 2) rounded
 * up to a power of two, at least 64, 2^32 when that overflows. Hash i of a
 * value is jhash2 (value size a multiple of 4) or jhash with initval
 * seed + i, masked to the array.
 *
 * Concurrency: lock free. Pushes set bits with atomic ORs, peeks read
 * them with atomic loads; a peek concurrent with a push of the same value
 * may see some of its bits, like the kernel's.
 */
#include <errno.h>
#include <stdatomic.h>

#include "maps/map.h"
#include "util/jhash.h"

#define BLOOM_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_RDONLY | BPF_F_WRONLY | \
			    BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define BLOOM_KMALLOC_MAX (4u << 20)
#define BLOOM_DEFAULT_HASHES 5u

/* At map->data; the bit array follows at BLOOM_BITS_OFF. */
struct bloom {
	uint32_t nr_hashes;
	uint32_t mask;               /* bits - 1 */
	uint32_t seed;
};

#define BLOOM_BITS_OFF 64u

static inline struct bloom *bloom_of(const struct map *m)
{
	return m->data;
}

static inline unsigned char *bits_of(const struct map *m)
{
	return (unsigned char *)m->data + BLOOM_BITS_OFF;
}

/* The kernel's sizing (bloom_map_alloc): the mask of the bit array. */
static uint32_t bloom_mask(uint32_t max_entries, uint32_t nr_hashes)
{
	uint64_t bits = (uint64_t)max_entries * nr_hashes;
	uint32_t p = 64;

	if (bits > UINT32_MAX)
		return UINT32_MAX;
	bits = bits / 5 * 7;
	if (bits > UINT32_MAX || bits > (1ull << 31))
		return UINT32_MAX;
	while (p < bits)
		p <<= 1;
	return p - 1;
}

static uint32_t bloom_hashes(const union bpf_attr *attr)
{
	return attr->map_extra ? (uint32_t)attr->map_extra : BLOOM_DEFAULT_HASHES;
}

/* MAP_CREATE: the kernel's bloom_map_alloc_check, then bloom_map_alloc's
 * checks. */
static int bloom_check(const union bpf_attr *attr)
{
	const uint32_t prog_rw = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

	if (attr->value_size > BLOOM_KMALLOC_MAX)
		return -E2BIG;
	if (attr->key_size != 0 || attr->value_size == 0 || attr->max_entries == 0 ||
	    (attr->map_flags & ~BLOOM_CREATE_FLAGS) || (attr->map_flags & prog_rw) == prog_rw ||
	    (attr->map_extra & ~0xfull))
		return -EINVAL;
	return 0;
}

static int bloom_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	uint64_t bits = (uint64_t)bloom_mask(attr->max_entries, bloom_hashes(attr)) + 1;

	(void)nr_slots;
	*size = BLOOM_BITS_OFF + bits / 8;
	return 0;
}

/* MAP_CREATE, before anyone else sees the map. */
static int bloom_init(struct map *m)
{
	struct bloom *b = bloom_of(m);
	uint32_t extra = m->hdr->map_extra_lo;

	b->nr_hashes = extra ? extra : BLOOM_DEFAULT_HASHES;
	b->mask = bloom_mask(m->max_entries, b->nr_hashes);
	b->seed = (m->map_flags & BPF_F_ZERO_SEED) ? 0 : map_random_seed();
	return 0;
}

static uint32_t bloom_hash(const struct map *m, const void *value, uint32_t i)
{
	const struct bloom *b = bloom_of(m);
	uint32_t h;

	if (m->value_size % 4 == 0)
		h = jhash2(value, m->value_size / 4, b->seed + i);
	else
		h = jhash(value, m->value_size, b->seed + i);
	return h & b->mask;
}

/* bpf() MAP_UPDATE_ELEM and bpf_map_push_elem: flags must be BPF_ANY. */
static int bloom_push(struct map *m, const void *value, uint64_t flags)
{
	const struct bloom *b = bloom_of(m);

	if (flags != BPF_ANY)
		return -EINVAL;
	for (uint32_t i = 0; i < b->nr_hashes; i++) {
		uint32_t h = bloom_hash(m, value, i);
		__atomic_fetch_or(&bits_of(m)[h / 8], (unsigned char)(1u << (h % 8)),
				  __ATOMIC_RELEASE);
	}
	return 0;
}

/* bpf() MAP_LOOKUP_ELEM and bpf_map_peek_elem (`value` is the input);
 * popping is not something a bloom filter can do. */
static int bloom_peek(struct map *m, void *value, bool remove)
{
	const struct bloom *b = bloom_of(m);

	if (remove)
		return -EOPNOTSUPP;
	for (uint32_t i = 0; i < b->nr_hashes; i++) {
		uint32_t h = bloom_hash(m, value, i);
		if (!(__atomic_load_n(&bits_of(m)[h / 8], __ATOMIC_ACQUIRE) & (1u << (h % 8))))
			return -ENOENT;
	}
	return 0;
}

static int bloom_delete(struct map *m, const void *key)
{
	(void)m, (void)key;
	return -EOPNOTSUPP;
}

static int bloom_get_next_key(struct map *m, const void *key, void *next_key)
{
	(void)m, (void)key, (void)next_key;
	return -EOPNOTSUPP;
}

const struct map_ops bloom_filter_map_ops = {
	.name = "bloom_filter",
	.check = bloom_check,
	.data_size = bloom_data_size,
	.init = bloom_init,
	.delete = bloom_delete,
	.get_next_key = bloom_get_next_key,
	.push = bloom_push,
	.pop = bloom_peek,
};
