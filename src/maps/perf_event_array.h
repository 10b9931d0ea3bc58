/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY, the parts its helper and its consumer
 * share.
 *
 * The kernel's map holds perf event descriptors that user space opened
 * per CPU (perf_event_open) and stored in it; the program's
 * bpf_perf_event_output writes a PERF_RECORD_SAMPLE with the raw data into
 * the buffer of the event at its index. bpfx has no perf events: each
 * index of the map owns a buffer in the map's own file, created with the
 * map, and it is "set" (the kernel: an event descriptor stored) while a
 * consumer has it open - bpfx_perf_buffer__new opens one per runner slot
 * ("CPU") with the size it asks for (page_cnt pages, up to PE_BUF_CAP),
 * and bpfx_perf_buffer__free or MAP_DELETE_ELEM clears it. Producers in
 * any process that maps the file (pins) write into it.
 *
 * Buffers hold the kernel's records, as perf's mmap ring does: struct
 * perf_event_header, then for PERF_RECORD_SAMPLE a u32 size and the raw
 * data padded to 8 bytes (size counts the padding, as perf reports it);
 * PERF_RECORD_LOST {header, u64 id, u64 lost} before the next sample that
 * fits after samples were lost. Records may wrap around the ring's end.
 * head (producer) and tail (consumer) are byte counts, as data_head and
 * data_tail of perf_event_mmap_page.
 *
 * Data area of the map: [0, 128) shared map state, then max_entries
 * struct pe_slot, then (page aligned) max_entries buffers of PE_BUF_CAP.
 */
#ifndef BPFX_MAPS_PERF_EVENT_ARRAY_H
#define BPFX_MAPS_PERF_EVENT_ARRAY_H

#include <stdatomic.h>
#include <stdint.h>

#include "maps/map.h"
#include "maps/wake.h"

#define PE_BUF_CAP (1u << 20)   /* bytes a slot's buffer may use at most */

extern const struct map_ops perf_event_array_map_ops;

struct pe_shared {
	struct wake_word wake;
};

struct pe_slot {
	atomic_uint lock;          /* producers (maps/shm_lock.h) */
	atomic_uint size;          /* ring bytes while a consumer has it open, else 0 */
	uint32_t owner;            /* that consumer's pid */
	uint32_t pad;
	uint64_t lost;             /* samples lost since the last lost record (under lock) */
	_Alignas(64) atomic_ullong head;
	_Alignas(64) atomic_ullong tail;
};

static inline struct pe_shared *pe_shared(const struct map *m)
{
	return (struct pe_shared *)m->data;
}

static inline struct pe_slot *pe_slot(const struct map *m, uint32_t index)
{
	return (struct pe_slot *)((char *)m->data + 128) + index;
}

/* The ring of slot `index` (PE_BUF_CAP bytes of room). */
uint8_t *pe_buf(const struct map *m, uint32_t index);

/* bpf_perf_event_output's work on the program's thread: 0, or -EINVAL
 * (flags), -E2BIG (index past max_entries), -ENOENT (no consumer has the
 * index open), -EOPNOTSUPP (index is not the calling slot's), -ENOSPC (the
 * buffer is full: the sample is counted lost). */
int pe_output(struct map *m, uint64_t flags, const void *data, uint64_t size);

#endif
