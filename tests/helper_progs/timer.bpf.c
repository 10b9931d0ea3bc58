/* SPDX-License-Identifier: MIT */
/*
 * Timers: bpf_timer_init, _set_callback, _start, _cancel and their errnos;
 * the callback's arguments, and -EDEADLK when it cancels its own timer.
 * helperdiff runs after_* programs a moment later, when the callbacks ran.
 */
#include "helper_progs.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7

char LICENSE[] SEC("license") = "GPL";

struct tval {
	struct bpf_timer t;
	__u64 fired;
	__u64 key_seen;
	__s64 cancel_self;
	__s64 rearm;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct tval);
} tarr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct tval);
} thash SEC(".maps");

static int fired_cb(void *map, __u32 *key, struct tval *v)
{
	v->fired++;
	v->key_seen = *key + 100;
	v->cancel_self = bpf_timer_cancel(&v->t);
	/* Re-arming from the callback works; the second firing stops. */
	if (v->fired == 1)
		v->rearm = bpf_timer_start(&v->t, 1000, 0);
	return 0;
}

static struct tval *val(void *map, __u32 k)
{
	return bpf_map_lookup_elem(map, &k);
}

SEC("syscall")
int timers_setup(struct hctx *c)
{
	struct tval *a = val(&tarr, 0), *b = val(&tarr, 1), *d = val(&tarr, 2), *h;
	struct tval init = {};
	__u32 k = 7;

	if (!a || !b || !d)
		return 1;
	c->ret[0] = bpf_timer_init(&a->t, &tarr, CLOCK_MONOTONIC);
	c->ret[1] = bpf_timer_init(&a->t, &tarr, CLOCK_MONOTONIC);
	c->ret[2] = bpf_timer_start(&a->t, 0, 0);            /* no callback yet */
	c->ret[3] = bpf_timer_set_callback(&a->t, fired_cb);
	c->ret[4] = bpf_timer_start(&a->t, 1000, 4);         /* unknown flag */
	c->ret[5] = bpf_timer_start(&a->t, 1000, 0);
	c->ret[6] = bpf_timer_init(&b->t, &tarr, 5);          /* CLOCK_REALTIME_COARSE */
	c->ret[7] = bpf_timer_init(&b->t, &tarr, 16);
	c->ret[8] = bpf_timer_cancel(&b->t);                  /* not initialised */
	c->ret[9] = bpf_timer_set_callback(&b->t, fired_cb);  /* not initialised */
	c->ret[10] = bpf_timer_init(&b->t, &tarr, CLOCK_BOOTTIME);
	c->ret[11] = bpf_timer_set_callback(&b->t, fired_cb);
	c->ret[12] = bpf_timer_start(&b->t, 10000000000ull, 0);
	c->ret[13] = bpf_timer_cancel(&b->t);                 /* was armed: 1 */
	c->ret[14] = bpf_timer_cancel(&b->t);                 /* 0 */
	c->ret[15] = bpf_timer_start(&b->t, 1000, 0);         /* callback dropped */
	/* Absolute expiry on the realtime clock, already past. */
	c->ret[16] = bpf_timer_init(&d->t, &tarr, CLOCK_REALTIME);
	c->ret[17] = bpf_timer_set_callback(&d->t, fired_cb);
	c->ret[18] = bpf_timer_start(&d->t, 1, 1);            /* BPF_F_TIMER_ABS */
	/* A timer in a hash map's element. */
	bpf_map_update_elem(&thash, &k, &init, 0);
	h = val(&thash, 7);
	if (!h)
		return 2;
	c->ret[19] = bpf_timer_init(&h->t, &thash, CLOCK_MONOTONIC);
	c->ret[20] = bpf_timer_set_callback(&h->t, fired_cb);
	c->ret[21] = bpf_timer_start(&h->t, 2000, 0);
	return 0;
}

static void report(struct hctx *c, int at, struct tval *v)
{
	if (!v)
		return;
	c->ret[at] = v->fired;
	c->ret[at + 1] = v->key_seen;
	c->ret[at + 2] = v->cancel_self;
	c->ret[at + 3] = v->rearm;
}

SEC("syscall")
int after_timers(struct hctx *c)
{
	report(c, 0, val(&tarr, 0));
	report(c, 4, val(&tarr, 1));
	report(c, 8, val(&tarr, 2));
	report(c, 12, val(&thash, 7));
	return 0;
}
