/* SPDX-License-Identifier: MIT */
/*
 * Wake-ups for event maps (ringbuf, perf event array) that work across
 * processes and can be waited on with epoll.
 *
 * A consumer about to sleep sets a `waiting` word in the map's shared
 * memory and watches the map's file with inotify (IN_MODIFY); a producer
 * that finds the word set clears it and writes one byte of the file
 * (wake_signal), which every watching consumer - in any process - sees as
 * a readable inotify descriptor. A map whose file is a memfd (no bpffs
 * root: then it cannot be pinned and producers are in this process) gets
 * no inotify events, so its consumers fall back to a 5 ms timerfd tick.
 */
#ifndef BPFX_MAPS_WAKE_H
#define BPFX_MAPS_WAKE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* In the map's shared memory, alone on its cache line.
 *
 * Two ways to ask for a wake-up. `waiting` is a flag for consumers that
 * sleep in their own epoll (wake_consume): set until a producer takes it.
 * `sleepers` counts consumers inside wake_poll's sleep, each for the
 * length of that sleep only: a consumer that is awake, draining, asks
 * for nothing, so a steady producer writes no wake-ups; `rung` makes
 * it one write per sleep: a consumer clears it before counting in, the
 * first producer to ring sets it. (A consumer killed in its sleep leaves
 * the count up: producers then ring once after each sleep of another -
 * never wrong.) */
struct wake_word {
	_Alignas(64) atomic_uint waiting;  /* a consumer is about to sleep */
	atomic_uint seq;                   /* bumped by each wake-up */
	uint8_t byte;                      /* what wake_signal writes */
	atomic_uint sleepers;              /* consumers sleeping in wake_poll */
	atomic_uint rung;                  /* they were woken since the last count-in */
};

/* Producer side: does any consumer want a wake-up? (Cheap: one cache
 * line, read-only while nobody sleeps.) */
static inline bool wake_wanted(struct wake_word *w)
{
	return atomic_load(&w->waiting) || atomic_load(&w->sleepers);
}

/* Producer side: wakes the consumers if one is waiting. `file` is the
 * map's file and `base` its mapping's start (to find the byte's offset). */
void wake_signal(struct wake_word *w, int file, const void *base);

/* Consumer side. */
struct wake_watch {
	int epfd;          /* what bpfx_*__epoll_fd hands out */
	int src;           /* the inotify (or timerfd) descriptor in it */
	uint32_t seen;     /* wake_word.seq when last drained */
};

/* Sets up the watch of the map's `file`. 0 or a negative errno. */
int wake_watch_open(struct wake_watch *ww, int file);
/* Announces that the consumer is about to sleep (then re-check for
 * data: a producer that committed before this does not wake). */
void wake_watch_arm(struct wake_watch *ww, struct wake_word *w);
/* Empties the descriptor once producers have signalled. */
void wake_watch_drain(struct wake_watch *ww, struct wake_word *w);
/* Waits for a wake-up: >0 woken, 0 timeout, negative errno. */
int wake_watch_wait(struct wake_watch *ww, int timeout_ms);
void wake_watch_close(struct wake_watch *ww);

/* What the consumers (bpfx_ringbuf, bpfx_perf_buffer) share. `drain`
 * delivers every ready record and returns their count or a negative
 * errno. wake_consume: drains, arms, drains again (its caller may sleep in
 * epoll next). wake_poll: drains; when nothing, waits for data up to
 * timeout_ms (-1: no limit; cut to cap_ms(arg) when that is >= 0, asked
 * right before sleeping) - first spinning while soon() says data is
 * coming, then arming and sleeping. soon and cap_ms may be NULL. */
int wake_consume(struct wake_watch *ww, struct wake_word *w, int (*drain)(void *), void *arg);
int wake_poll(struct wake_watch *ww, struct wake_word *w, int (*drain)(void *),
	      bool (*soon)(void *), int (*cap_ms)(void *), void *arg, int timeout_ms);

#endif
