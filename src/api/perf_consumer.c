/* SPDX-License-Identifier: MIT */
/*
 * The perf buffer consumer (bpfx_perf_buffer__*): opens one buffer per
 * runner slot in a perf event array (maps/perf_event_array.h) and reads
 * perf's records from them as libbpf's perf_buffer does - from tail to
 * head, copying a record that wraps around the ring's end, then
 * publishing the new tail. Wake-ups: maps/wake.h, one word per map. Runs
 * on the consumer's thread only.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>

#include <bpfx/bpfx.h>

#include "api/obj.h"
#include "maps/perf_event_array.h"
#include "maps/shm_lock.h"
#include "util/alloc.h"
#include "vm/slot.h"

struct bpfx_perf_buffer {
	struct map *map;            /* referenced */
	bpfx_perf_sample_fn sample_cb;
	bpfx_perf_lost_fn lost_cb;
	void *ctx;
	uint32_t cnt;               /* indexes 0 .. cnt - 1 are ours */
	uint32_t ring_size;
	struct wake_watch ww;
	uint8_t copy[UINT16_MAX + 1]; /* a record that wraps, made contiguous */
};

/* Opens (or, close = true, closes) the buffers of our indexes. */
static void set_slots(struct bpfx_perf_buffer *pb, bool close)
{
	uint32_t self = shm_self_pid();

	for (uint32_t i = 0; i < pb->cnt; i++) {
		struct pe_slot *s = pe_slot(pb->map, i);
		shm_lock(&s->lock);
		if (close) {
			if (s->owner == self)
				atomic_store(&s->size, 0);
		} else {
			atomic_store(&s->size, 0);
			atomic_store(&s->head, 0);
			atomic_store(&s->tail, 0);
			s->lost = 0;
			s->owner = self;
			atomic_store_explicit(&s->size, pb->ring_size, memory_order_release);
		}
		shm_unlock(&s->lock);
	}
}

static int check_args(struct obj *o, size_t page_cnt, bpfx_perf_sample_fn sample_cb)
{
	uint64_t page = map_hdr_alt_off() - 64;

	if (!sample_cb || map_of(o)->ops != &perf_event_array_map_ops || !page_cnt ||
	    (page_cnt & (page_cnt - 1)))
		return -EINVAL;
	return page_cnt * page > PE_BUF_CAP ? -E2BIG : 0;
}

struct bpfx_perf_buffer *bpfx_perf_buffer__new(int map_fd, size_t page_cnt,
					       bpfx_perf_sample_fn sample_cb,
					       bpfx_perf_lost_fn lost_cb, void *ctx,
					       const struct bpfx_perf_buffer_opts *opts, int *err)
{
	struct bpfx_perf_buffer *pb = NULL;
	int e = 0;
	struct obj *o = fd_get(map_fd, OBJ_MAP, &e);

	(void)opts;
	if (!o || (e = check_args(o, page_cnt, sample_cb)))
		goto fail;
	e = -ENOMEM;
	if (!(pb = mem_zalloc(sizeof(*pb))))
		goto fail;
	pb->map = map_of(o);
	pb->sample_cb = sample_cb;
	pb->lost_cb = lost_cb;
	pb->ctx = ctx;
	pb->ring_size = (uint32_t)(page_cnt * (map_hdr_alt_off() - 64));
	pb->cnt = vm_nr_slots() < pb->map->max_entries ? vm_nr_slots() : pb->map->max_entries;
	if ((e = wake_watch_open(&pb->ww, o->file)))
		goto fail;
	set_slots(pb, false);
	return pb;
fail:
	mem_free(pb);
	obj_put(o);
	if (err)
		*err = e;
	return NULL;
}

void bpfx_perf_buffer__free(struct bpfx_perf_buffer *pb)
{
	if (!pb)
		return;
	set_slots(pb, true);
	wake_watch_close(&pb->ww);
	obj_put(&pb->map->obj);
	mem_free(pb);
}

int bpfx_perf_buffer__epoll_fd(const struct bpfx_perf_buffer *pb)
{
	return pb ? pb->ww.epfd : -EINVAL;
}

/* The record at `tail`, contiguous (copied when it wraps). */
static const uint8_t *record_at(struct bpfx_perf_buffer *pb, const uint8_t *ring,
				uint64_t tail, uint16_t *size)
{
	uint32_t off = (uint32_t)(tail & (pb->ring_size - 1));
	struct perf_event_header h;

	memcpy(&h, ring + off, sizeof(h)); /* headers are 8-aligned: never wrap */
	*size = h.size;
	if (off + h.size <= pb->ring_size)
		return ring + off;
	uint32_t first = pb->ring_size - off;
	memcpy(pb->copy, ring + off, first);
	memcpy(pb->copy + first, ring, h.size - first);
	return pb->copy;
}

static int drain_slot(struct bpfx_perf_buffer *pb, uint32_t cpu)
{
	struct pe_slot *s = pe_slot(pb->map, cpu);
	const uint8_t *ring = pe_buf(pb->map, cpu);
	uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
	int cnt = 0;

	while (tail < head) {
		uint16_t size;
		const uint8_t *r = record_at(pb, ring, tail, &size);
		struct perf_event_header h;
		memcpy(&h, r, sizeof(h));
		if (size < sizeof(h) || size > head - tail)
			break; /* not written by bpfx producers: never loop or overrun on it */
		if (h.type == PERF_RECORD_SAMPLE) {
			uint32_t raw;
			memcpy(&raw, r + sizeof(h), sizeof(raw));
			pb->sample_cb(pb->ctx, (int)cpu, (void *)(r + sizeof(h) + 4), raw);
		} else if (h.type == PERF_RECORD_LOST && pb->lost_cb) {
			uint64_t lost;
			memcpy(&lost, r + sizeof(h) + 8, sizeof(lost));
			pb->lost_cb(pb->ctx, (int)cpu, lost);
		}
		tail += size;
		cnt++;
	}
	atomic_store_explicit(&s->tail, tail, memory_order_release);
	return cnt;
}

static int drain_all(void *arg)
{
	struct bpfx_perf_buffer *pb = arg;
	int cnt = 0;
	for (uint32_t i = 0; i < pb->cnt; i++)
		cnt += drain_slot(pb, i);
	return cnt;
}

int bpfx_perf_buffer__consume(struct bpfx_perf_buffer *pb)
{
	if (!pb)
		return -EINVAL;
	return wake_consume(&pb->ww, &pe_shared(pb->map)->wake, drain_all, pb);
}

int bpfx_perf_buffer__poll(struct bpfx_perf_buffer *pb, int timeout_ms)
{
	if (!pb)
		return -EINVAL;
	return wake_poll(&pb->ww, &pe_shared(pb->map)->wake, drain_all, NULL, NULL, pb, timeout_ms);
}
