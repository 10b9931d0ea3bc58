/* SPDX-License-Identifier: MIT */
/*
 * The ringbuf consumer (bpfx_ringbuf__*): libbpf's protocol over the
 * ring's shared memory. Records are read at consumer_pos in order; the
 * consumer stops at the first record still busy, skips discarded ones,
 * and publishes its new position after each record so producers reuse
 * the space at once. Before sleeping it arms the wake-up (maps/wake.h)
 * and looks once more, so a commit racing with the sleep is not missed;
 * __consume arms it every time (its caller may sleep in epoll next),
 * __poll only when it is about to sleep, after a short spin, so that a
 * steady producer does not pay a wake-up per record.
 *
 * A record left busy by a producer process that died is released
 * (discarded) once the consumer has seen it stuck twice; while the head
 * is busy for another process, waits are cut to RB_STUCK_WAIT_MS so that
 * happens even with timeout -1. Runs on the consumer's thread only.
 */
#include <errno.h>
#include <limits.h>

#include <bpfx/bpfx.h>

#include "api/obj.h"
#include "maps/ringbuf.h"
#include "util/alloc.h"

#define RB_STUCK_WAIT_MS 100
#define RB_SPIN_CHECKS 2000     /* about 20-100 us of pause loops */

struct bpfx_ringbuf {
	struct map *map;            /* referenced */
	bpfx_ringbuf_sample_fn fn;
	void *ctx;
	struct wake_watch ww;
	uint64_t stuck_pos;         /* a busy head seen by the last consume */
	bool stuck;
};

struct bpfx_ringbuf *bpfx_ringbuf__new(int map_fd, bpfx_ringbuf_sample_fn sample_cb,
				       void *ctx, const struct bpfx_ringbuf_opts *opts,
				       int *err)
{
	struct bpfx_ringbuf *rb = NULL;
	int e = 0;
	struct obj *o = fd_get(map_fd, OBJ_MAP, &e);

	(void)opts;
	if (!o)
		goto fail;
	e = -EINVAL;
	if (!sample_cb || map_of(o)->ops != &ringbuf_map_ops)
		goto fail;
	e = -ENOMEM;
	if (!(rb = mem_zalloc(sizeof(*rb))))
		goto fail;
	rb->map = map_of(o);
	rb->fn = sample_cb;
	rb->ctx = ctx;
	if ((e = wake_watch_open(&rb->ww, o->file)))
		goto fail;
	return rb;
fail:
	mem_free(rb);
	obj_put(o);
	if (err)
		*err = e;
	return NULL;
}

void bpfx_ringbuf__free(struct bpfx_ringbuf *rb)
{
	if (!rb)
		return;
	wake_watch_close(&rb->ww);
	obj_put(&rb->map->obj);
	mem_free(rb);
}

int bpfx_ringbuf__epoll_fd(const struct bpfx_ringbuf *rb)
{
	return rb ? rb->ww.epfd : -EINVAL;
}

/* The head record is busy: may it be released (its producer, another
 * process, died; seen stuck by the previous consume too)? Records the
 * sighting. */
static bool head_released(struct bpfx_ringbuf *rb, struct rb_hdr *h, uint64_t cons,
			  bool seen_before)
{
	rb->stuck = true;
	rb->stuck_pos = cons;
	return seen_before && rb_release_dead(rb->map, h);
}

/* Delivers every ready record; count or the callback's error (-EINVAL
 * for a record that claims more than the ring holds: never read past the
 * mapping, whoever wrote the file). */
static int drain(struct bpfx_ringbuf *rb)
{
	struct map *m = rb->map;
	uint64_t mask = rb_mask(m);
	uint64_t cons = atomic_load_explicit(rb_cons_pos(m), memory_order_relaxed);
	uint64_t prod = atomic_load_explicit(rb_prod_pos(m), memory_order_acquire);
	int cnt = 0;

	bool seen = rb->stuck && rb->stuck_pos == cons;
	rb->stuck = false;
	while (cons < prod && cnt < INT_MAX) {
		struct rb_hdr *h = (struct rb_hdr *)((char *)m->data + (cons & mask));
		uint32_t len = atomic_load_explicit(&h->len, memory_order_acquire);
		if ((len & BPF_RINGBUF_BUSY_BIT) && !head_released(rb, h, cons, seen))
			break;
		seen = false;
		len = atomic_load_explicit(&h->len, memory_order_acquire);
		if (rb_total_len(len) > prod - cons)
			return -EINVAL; /* the shared file was written by something else */
		cons += rb_total_len(len);
		int r = 0;
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			cnt++;
			r = rb->fn(rb->ctx, h + 1, len & ~(uint32_t)BPF_RINGBUF_DISCARD_BIT);
		}
		atomic_store_explicit(rb_cons_pos(m), cons, memory_order_release);
		if (r < 0)
			return r;
		if (cons == prod)
			prod = atomic_load_explicit(rb_prod_pos(m), memory_order_acquire);
	}
	return cnt;
}

static int drain_cb(void *rb)
{
	return drain(rb);
}

int bpfx_ringbuf__consume(struct bpfx_ringbuf *rb)
{
	if (!rb)
		return -EINVAL;
	return wake_consume(&rb->ww, &rb_shared(rb->map)->wake, drain_cb, rb);
}

/* Polling: before sleeping, a producer that is writing steadily usually
 * commits again within microseconds; watch producer_pos that long rather
 * than pay a sleep and a wake-up per record. */
static bool data_soon(void *arg)
{
	const struct bpfx_ringbuf *rb = arg;
	const struct map *m = rb->map;
	uint64_t cons = atomic_load_explicit(rb_cons_pos(m), memory_order_relaxed);

	for (int i = 0; i < RB_SPIN_CHECKS; i++) {
		if (atomic_load_explicit(rb_prod_pos(m), memory_order_acquire) != cons)
			return true;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
	return false;
}

/* While the head is busy for another process, sleep at most this long. */
static int stuck_cap(void *arg)
{
	const struct bpfx_ringbuf *rb = arg;
	return rb->stuck ? RB_STUCK_WAIT_MS : -1;
}

int bpfx_ringbuf__poll(struct bpfx_ringbuf *rb, int timeout_ms)
{
	if (!rb)
		return -EINVAL;
	return wake_poll(&rb->ww, &rb_shared(rb->map)->wake, drain_cb, data_soon, stuck_cap, rb,
			 timeout_ms);
}
