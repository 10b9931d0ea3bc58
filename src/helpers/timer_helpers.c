/* SPDX-License-Identifier: MIT */
/*
 * Timers: bpf_timer_init, bpf_timer_set_callback, bpf_timer_start,
 * bpf_timer_cancel, with the kernel's flags and errnos
 * (kernel/bpf/helpers.c). A program names a timer by the address of the
 * 16-byte struct bpf_timer in a map value; bpfx keeps the timer's state in
 * a table of this process keyed by that address (nothing is stored in the
 * value, so whatever user space writes there cannot mislead it). Callbacks
 * run on one timer thread per process, started on first use, as runs of
 * their own: callback(map, key, value), the value and key found through
 * the map (map_ops.locate). Timers belong to the process that armed them.
 *
 * Lifetimes: a timer lives until its map or the program of its callback
 * goes away (helper_timers_forget, called by map and program
 * destructors), which cancels it and waits for a running callback.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#include "util/alloc.h"
#include "vm/vm.h"

#define MAX_CLOCKS 16                /* the kernel's flags limit for timer_init */
/* bpf_timer_start's flags (enum values of newer UAPI headers). */
#define TIMER_ABS (1u << 0)          /* BPF_F_TIMER_ABS */
#define TIMER_CPU_PIN (1u << 1)      /* BPF_F_TIMER_CPU_PIN */

struct htimer {
	uintptr_t addr;               /* of the struct bpf_timer: the key of the table */
	struct map *map;
	clockid_t clock;
	const struct bpfx_prog *prog; /* the callback's program, NULL: no callback */
	uint64_t fn;                  /* the callback's token */
	bool checked;                 /* run the callback checked (unverified program) */
	bool armed;
	uint64_t due;                 /* CLOCK_MONOTONIC ns */
	struct htimer *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;          /* the timer thread: something changed */
	pthread_cond_t done;          /* cancellers: a callback finished */
	struct htimer *list;
	bool started;
	pthread_t thread;
	const struct htimer *running; /* whose callback runs now */
} T = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
	 .done = PTHREAD_COND_INITIALIZER };

static pthread_once_t cond_once = PTHREAD_ONCE_INIT;

static void init_wake(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&T.wake, &a);
	pthread_condattr_destroy(&a);
}

/* fork(): the table is consistent in the child (the lock is held across
 * the fork); the child has no timer thread and its parent's timers are
 * not its own, so it starts with none. */
static void before_fork(void)
{
	pthread_mutex_lock(&T.lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&T.lock);
}

static void after_fork_child(void)
{
	while (T.list) {
		struct htimer *t = T.list;
		T.list = t->next;
		mem_free(t);
	}
	T.started = false;
	T.running = NULL;
	init_wake();
	pthread_cond_init(&T.done, NULL);
	pthread_mutex_unlock(&T.lock);
}

static void init_cond(void)
{
	pthread_cond_destroy(&T.wake);
	init_wake();
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Under T.lock. */
static struct htimer *find(uintptr_t addr)
{
	for (struct htimer *t = T.list; t; t = t->next)
		if (t->addr == addr)
			return t;
	return NULL;
}

/* Runs one expired timer's callback without the lock held. */
static void fire(struct htimer *t)
{
	uint8_t key[512] __attribute__((aligned(8)));
	void *value;
	const struct bpfx_prog *prog = t->prog;
	uint64_t fn = t->fn;
	struct map *m = t->map;

	if (!prog || m->key_size > sizeof(key) || m->ops->locate(m, t->addr, &value, key))
		return;
	struct bpfx_region r = { key, m->key_size, false };
	struct bpfx_run_opts o = { .sz = sizeof(o), .checked = t->checked, .regions = &r,
				   .region_cnt = 1 };
	struct bpfx_run_result res;
	const uint64_t args[5] = { (uintptr_t)m, (uintptr_t)key, (uintptr_t)value, 0, 0 };
	pthread_mutex_unlock(&T.lock);
	vm_run_function(prog, (size_t)(fn & ~VM_FUNC_TAG_MASK), args, &o, &res);
	pthread_mutex_lock(&T.lock);
}

/* The timer thread: fires what is due, sleeps until the next deadline. */
static void *timer_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&T.lock);
	for (;;) {
		struct htimer *next = NULL;
		for (struct htimer *t = T.list; t; t = t->next)
			if (t->armed && (!next || t->due < next->due))
				next = t;
		if (!next) {
			pthread_cond_wait(&T.wake, &T.lock);
			continue;
		}
		if (next->due > now_ns(CLOCK_MONOTONIC)) {
			struct timespec ts = { (time_t)(next->due / 1000000000ull),
					       (long)(next->due % 1000000000ull) };
			pthread_cond_timedwait(&T.wake, &T.lock, &ts);
			continue;
		}
		next->armed = false;
		T.running = next;
		fire(next);
		T.running = NULL;
		pthread_cond_broadcast(&T.done);
	}
	return NULL;
}

static bool on_timer_thread(void)
{
	return T.started && pthread_equal(pthread_self(), T.thread);
}

/* bpf_timer_init(timer, map, flags): flags is a clock id (monotonic,
 * realtime, boottime); -EBUSY when initialised already. */
static uint64_t h_timer_init(uint64_t timer, uint64_t map, uint64_t flags, uint64_t r4,
			     uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = helper_map_arg(run, map, "bpf_timer_init");
	if (!m || !helper_mem_ok(run, timer, 16, true, "bpf_timer_init", "the timer"))
		return 0;
	clockid_t clock = (clockid_t)(flags & (MAX_CLOCKS - 1));
	if (flags >= MAX_CLOCKS ||
	    (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME && clock != CLOCK_BOOTTIME))
		return (uint64_t)(int64_t)-EINVAL;
	if (!m->ops->locate) {
		bpfx_run_ctx__fault(run, -EINVAL, "bpf_timer_init: map type %u cannot hold timers",
				    m->type);
		return 0;
	}
	pthread_once(&cond_once, init_cond);
	struct htimer *t = mem_zalloc(sizeof(*t));
	if (!t)
		return (uint64_t)(int64_t)-ENOMEM;
	pthread_mutex_lock(&T.lock);
	if (find(timer)) {
		pthread_mutex_unlock(&T.lock);
		mem_free(t);
		return (uint64_t)(int64_t)-EBUSY;
	}
	*t = (struct htimer){ .addr = timer, .map = m, .clock = clock, .next = T.list };
	T.list = t;
	pthread_mutex_unlock(&T.lock);
	return 0;
}

/* bpf_timer_set_callback(timer, callback): -EINVAL when not initialised. */
static uint64_t h_timer_set_callback(uint64_t timer, uint64_t fn, uint64_t r3, uint64_t r4,
				     uint64_t r5, struct bpfx_run_ctx *run)
{
	if (!helper_mem_ok(run, timer, 16, true, "bpf_timer_set_callback", "the timer"))
		return 0;
	if ((fn & VM_FUNC_TAG_MASK) != VM_FUNC_TAG || (fn & ~VM_FUNC_TAG_MASK) >= run->prog->cnt) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_timer_set_callback: 0x%llx is not a "
				    "function of the program", (unsigned long long)fn);
		return 0;
	}
	pthread_mutex_lock(&T.lock);
	struct htimer *t = find(timer);
	if (t) {
		t->prog = run->prog;
		t->fn = fn;
		t->checked = run->checked;
	}
	pthread_mutex_unlock(&T.lock);
	return t ? 0 : (uint64_t)(int64_t)-EINVAL;
}

/* bpf_timer_start(timer, nsecs, flags): relative, or absolute on the
 * timer's clock with BPF_F_TIMER_ABS; BPF_F_TIMER_CPU_PIN means nothing
 * here (one timer thread). -EINVAL without a callback. */
static uint64_t h_timer_start(uint64_t timer, uint64_t nsecs, uint64_t flags, uint64_t r4,
			      uint64_t r5, struct bpfx_run_ctx *run)
{
	if (!helper_mem_ok(run, timer, 16, true, "bpf_timer_start", "the timer"))
		return 0;
	if (flags & ~(uint64_t)(TIMER_ABS | TIMER_CPU_PIN))
		return (uint64_t)(int64_t)-EINVAL;
	pthread_mutex_lock(&T.lock);
	struct htimer *t = find(timer);
	int err = !t || !t->prog ? -EINVAL : 0;
	if (!err) {
		uint64_t rel = nsecs;
		if (flags & TIMER_ABS) {
			uint64_t now = now_ns(t->clock);
			rel = nsecs > now ? nsecs - now : 0;
		}
		t->due = now_ns(CLOCK_MONOTONIC) + rel;
		t->armed = true;
		if (!T.started && pthread_create(&T.thread, NULL, timer_thread, NULL) == 0) {
			pthread_detach(T.thread);
			T.started = true;
		}
		err = T.started ? 0 : -ENOMEM;
		pthread_cond_signal(&T.wake);
	}
	pthread_mutex_unlock(&T.lock);
	return (uint64_t)(int64_t)err;
}

/* Disarms t, forgets its callback and waits for a running one; 1 if it
 * was armed. Under T.lock, not on the timer thread for t itself. */
static int cancel_locked(struct htimer *t)
{
	int was = t->armed;
	t->armed = false;
	t->prog = NULL;
	t->fn = 0;
	while (T.running == t)
		pthread_cond_wait(&T.done, &T.lock);
	return was;
}

/* bpf_timer_cancel(timer): 1 if it was armed, 0 if not; -EDEADLK from its
 * own callback; -EINVAL when not initialised. Like the kernel, it also
 * forgets the callback. */
static uint64_t h_timer_cancel(uint64_t timer, uint64_t r2, uint64_t r3, uint64_t r4,
			       uint64_t r5, struct bpfx_run_ctx *run)
{
	if (!helper_mem_ok(run, timer, 16, true, "bpf_timer_cancel", "the timer"))
		return 0;
	pthread_mutex_lock(&T.lock);
	struct htimer *t = find(timer);
	int ret = !t ? -EINVAL : on_timer_thread() && T.running == t ? -EDEADLK : cancel_locked(t);
	pthread_mutex_unlock(&T.lock);
	return (uint64_t)(int64_t)ret;
}

void helper_timers_forget(const void *map, const void *prog)
{
	pthread_mutex_lock(&T.lock);
	for (struct htimer **pt = &T.list; *pt;) {
		struct htimer *t = *pt;
		if ((map && t->map == map) || (prog && t->prog == prog)) {
			if (!(on_timer_thread() && T.running == t))
				cancel_locked(t);
			*pt = t->next;
			mem_free(t);
			continue;
		}
		pt = &t->next;
	}
	pthread_mutex_unlock(&T.lock);
}

/* Sorted by id. */
static const struct bpfx_helper timer_helpers[] = {
	{ BPF_FUNC_timer_init, "bpf_timer_init", h_timer_init, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_TIMER, BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_timer_set_callback, "bpf_timer_set_callback", h_timer_set_callback,
	  BPFX_RET_INTEGER, { BPFX_ARG_PTR_TO_TIMER, BPFX_ARG_PTR_TO_FUNC } },
	{ BPF_FUNC_timer_start, "bpf_timer_start", h_timer_start, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_TIMER, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_timer_cancel, "bpf_timer_cancel", h_timer_cancel, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_TIMER } },
};
HELPER_GROUP(helpers_timer_group, timer_helpers);
