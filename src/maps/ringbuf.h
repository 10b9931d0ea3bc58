/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_RINGBUF, the parts its helpers and its consumer share.
 *
 * The map's file is laid out like the kernel's mmap of a ringbuf map fd,
 * from offset 0 (P = the page size, N = max_entries):
 *
 *   [0, P)           consumer page: consumer_pos (u64) at 0
 *   [P, 2P)          producer page: producer_pos (u64) at P; bpfx keeps
 *                    the map header (P + 64) and struct rb_shared
 *                    (P + RB_SHARED_OFF) in the rest of it
 *   [2P, 2P + 2N)    data: records at pos & (N - 1), never wrapped
 *
 * The kernel maps the N data pages twice so that a record crossing the
 * end reads on contiguously; bpfx gives the file 2N data bytes instead,
 * and producers and consumers both address a record at [pos & mask,
 * (pos & mask) + len) - records inside one N-byte window never overlap
 * there either, and the second half only ever holds the tails of records
 * that cross N (tmpfs allocates those pages lazily). So a plain
 * mmap(map_fd, offset P, length P + 2N), libbpf's call, reads records the
 * kernel's way, with no remapping.
 *
 * Record headers are the kernel's: u32 len with BPF_RINGBUF_BUSY_BIT and
 * BPF_RINGBUF_DISCARD_BIT, then u32 pg_off, which in bpfx holds the pid of
 * the producing process (so a consumer can release a record whose
 * producer died while it was reserved).
 */
#ifndef BPFX_MAPS_RINGBUF_H
#define BPFX_MAPS_RINGBUF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "maps/map.h"
#include "maps/wake.h"

#define RB_SHARED_OFF 256u   /* struct rb_shared, from the producer page */

extern const struct map_ops ringbuf_map_ops;

/* Producer-side state shared by every process that maps the ring. */
struct rb_shared {
	atomic_uint lock;             /* pid of the reserving producer, 0 when free */
	uint32_t pad;
	uint64_t pending_pos;         /* oldest record maybe still busy (under lock) */
	uint64_t cons_seen;           /* consumer_pos as last read (under lock): the
				       * consumer's line is read only when this
				       * says the record does not fit */
	struct wake_word wake;        /* consumers' sleep/wake handshake (maps/wake.h) */
};

struct rb_hdr {
	atomic_uint len;
	uint32_t pg_off;
};

static inline uint64_t rb_page(void)
{
	return map_hdr_alt_off() - 64;
}

static inline atomic_ullong *rb_cons_pos(const struct map *m)
{
	return (atomic_ullong *)map_base(m);
}

static inline atomic_ullong *rb_prod_pos(const struct map *m)
{
	return (atomic_ullong *)((char *)map_base(m) + rb_page());
}

static inline struct rb_shared *rb_shared(const struct map *m)
{
	return (struct rb_shared *)((char *)map_base(m) + rb_page() + RB_SHARED_OFF);
}

static inline uint64_t rb_mask(const struct map *m)
{
	return (uint64_t)m->max_entries - 1;
}

static inline uint32_t rb_total_len(uint32_t len)
{
	return ((len & ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) +
		BPF_RINGBUF_HDR_SZ + 7) & ~7u;
}

/* bpf_ringbuf_reserve's work, on the program's thread: a record of `size`
 * bytes, busy until committed, or NULL when it does not fit (kernel rules:
 * the ring may hold at most N - 1 bytes, counted from the consumer and
 * from the oldest uncommitted record). */
void *rb_reserve(struct map *m, uint64_t size);

/* Submits (or discards) a reserved record and wakes consumers per the
 * kernel's rules: BPF_RB_FORCE_WAKEUP always, BPF_RB_NO_WAKEUP never, else
 * when the consumer has caught up with this record. */
void rb_commit(struct map *m, void *sample, uint64_t flags, bool discard);

/* Wakes every consumer sleeping on the ring (any process). */
void rb_wake(struct map *m);

/* For consumers: a record at the head that is busy because its producer
 * (another process) died while it was reserved is discarded. Returns
 * true when it did that. */
bool rb_release_dead(struct map *m, struct rb_hdr *h);

/* bpf_ringbuf_query. */
uint64_t rb_query(struct map *m, uint64_t flags);

/* Is `rec` where a record's data starts in this ring's data area (a
 * header's end, 8-byte aligned, the header inside the first N bytes)? */
bool rb_owns(const struct map *m, const void *rec);

#endif
