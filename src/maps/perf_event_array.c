/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: per-index buffers of perf records, see
 * maps/perf_event_array.h for the design. The map's user-space commands
 * follow the kernel's fd array: lookup is ENOTSUPP, update wants a perf
 * event descriptor (which bpfx never has: EBADF), delete clears an index,
 * get_next_key walks the indexes. Producers serialise per index with a
 * process-shared lock (two threads share a runner slot when there are
 * more threads than slots, which the kernel's per-CPU buffers never see).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>

#include "maps/perf_event_array.h"
#include "maps/shm_lock.h"
#include "vm/slot.h"

#define ENOTSUPP 524
#define PE_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_PRESERVE_ELEMS)

_Static_assert(sizeof(struct pe_shared) <= 128, "shared perf state overlaps the slots");

static uint64_t bufs_off(uint32_t max_entries)
{
	uint64_t page = map_hdr_alt_off() - 64;
	uint64_t end = 128 + (uint64_t)max_entries * sizeof(struct pe_slot);
	return (end + page - 1) & ~(page - 1);
}

uint8_t *pe_buf(const struct map *m, uint32_t index)
{
	return (uint8_t *)m->data + bufs_off(m->max_entries) + (uint64_t)index * PE_BUF_CAP;
}

static int pe_check(const union bpf_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size != 4 ||
	    (attr->map_flags & ~PE_CREATE_FLAGS))
		return -EINVAL;
	return 0;
}

static int pe_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	(void)nr_slots;
	*size = bufs_off(attr->max_entries) + (uint64_t)attr->max_entries * PE_BUF_CAP;
	return 0;
}

static void *pe_lookup(struct map *m, const void *key)
{
	(void)m, (void)key;
	return NULL;
}

static int pe_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	(void)m, (void)key, (void)value, (void)flags;
	return -ENOTSUPP;
}

static int pe_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	uint32_t index;

	(void)value;
	if (flags != BPF_ANY)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries)
		return -E2BIG;
	return -EBADF; /* no descriptor is a perf event here */
}

static int pe_delete(struct map *m, const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries)
		return -E2BIG;
	struct pe_slot *s = pe_slot(m, index);
	shm_lock(&s->lock);
	unsigned int was = atomic_exchange(&s->size, 0);
	shm_unlock(&s->lock);
	return was ? 0 : -ENOENT;
}

/* Copies into the ring at byte count `pos`, wrapping at its end. */
static void ring_write(uint8_t *ring, uint32_t size, uint64_t pos, const void *src, size_t len)
{
	uint32_t off = (uint32_t)(pos & (size - 1));
	size_t first = len < size - off ? len : size - off;

	memcpy(ring + off, src, first);
	memcpy(ring, (const uint8_t *)src + first, len - first);
}

/* Writes the sample (and a lost record first, when samples were lost)
 * with the slot locked; -ENOSPC when it does not fit. */
static int write_sample(struct map *m, uint32_t index, const void *data, uint32_t size,
			uint16_t rec_size)
{
	struct pe_slot *s = pe_slot(m, index);
	uint32_t ring_size = atomic_load_explicit(&s->size, memory_order_acquire);
	uint8_t *ring = pe_buf(m, index);

	if (!ring_size)
		return -ENOENT;
	uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);
	struct { struct perf_event_header h; uint64_t id, lost; } lost = {
		{ PERF_RECORD_LOST, 0, sizeof(lost) }, index, s->lost };
	uint64_t need = rec_size + (s->lost ? sizeof(lost) : 0);
	/* perf's CIRC_SPACE: the ring holds at most its size - 1 bytes */
	if (ring_size - 1 - (head - tail) < need) {
		s->lost++;
		return -ENOSPC;
	}
	if (s->lost) {
		ring_write(ring, ring_size, head, &lost, sizeof(lost));
		head += sizeof(lost);
		s->lost = 0;
	}
	struct { struct perf_event_header h; uint32_t raw_size; } hdr = {
		{ PERF_RECORD_SAMPLE, 0, rec_size }, (uint32_t)(rec_size - sizeof(hdr)) };
	ring_write(ring, ring_size, head, &hdr, sizeof(hdr));
	ring_write(ring, ring_size, head + sizeof(hdr), data, size);
	atomic_store_explicit(&s->head, head + rec_size, memory_order_release);
	return 0;
}

int pe_output(struct map *m, uint64_t flags, const void *data, uint64_t size)
{
	uint32_t cpu = vm_slot();
	uint64_t index = flags & BPF_F_INDEX_MASK;

	if (flags & ~BPF_F_INDEX_MASK)
		return -EINVAL;
	if (index == BPF_F_CURRENT_CPU)
		index = cpu;
	if (index >= m->max_entries)
		return -E2BIG;
	struct pe_slot *s = pe_slot(m, (uint32_t)index);
	if (!atomic_load_explicit(&s->size, memory_order_acquire))
		return -ENOENT;
	if (index != cpu)
		return -EOPNOTSUPP; /* the kernel's event lives on another CPU */
	/* header + u32 size + data, padded to 8: perf's u16 record size */
	uint64_t rec = (sizeof(struct perf_event_header) + 4 + size + 7) & ~7ull;
	if (rec > UINT16_MAX - 7)
		return -E2BIG;
	shm_lock(&s->lock);
	int err = write_sample(m, (uint32_t)index, data, (uint32_t)size, (uint16_t)rec);
	shm_unlock(&s->lock);
	if (!err)
		wake_signal(&pe_shared(m)->wake, m->obj.file, map_base(m));
	return err;
}

/* Checked mode: programs reach no memory of this map directly. */
static bool pe_contains(const struct map *m, uintptr_t addr, size_t size)
{
	(void)m, (void)addr, (void)size;
	return false;
}

const struct map_ops perf_event_array_map_ops = {
	.name = "perf_event_array",
	.check = pe_check,
	.data_size = pe_data_size,
	.lookup = pe_lookup,
	.lookup_copy = pe_lookup_copy,
	.update = pe_update,
	.delete = pe_delete,
	.get_next_key = array_get_next_key,
	.contains = pe_contains,
};
