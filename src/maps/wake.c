/* SPDX-License-Identifier: MIT */
/* Wake-ups of event consumers across processes: see maps/wake.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "maps/wake.h"

#define WAKE_TICK_NS 5000000L

/* Runs on a producer's thread, after its record is visible. */
void wake_signal(struct wake_word *w, int file, const void *base)
{
	bool flagged = atomic_load(&w->waiting) && atomic_exchange(&w->waiting, 0);
	bool ring = atomic_load(&w->sleepers) && !atomic_load(&w->rung) &&
		    !atomic_exchange(&w->rung, 1);
	if (!flagged && !ring)
		return;
	atomic_fetch_add(&w->seq, 1);
	off_t off = (off_t)((const char *)&w->byte - (const char *)base);
	(void)!pwrite(file, &w->byte, 1, off);
}

static bool is_memfd(int file)
{
	char link[64], target[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", file);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	return n > 0 && !strncmp(target, "/memfd:", 7 < n ? 7 : (size_t)n);
}

/* The memfd fallback: a periodic tick instead of wake-ups. */
static int open_tick(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec its = { { 0, WAKE_TICK_NS }, { 0, WAKE_TICK_NS } };
	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int open_inotify(int file)
{
	char path[64];
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", file);
	if (inotify_add_watch(fd, path, IN_MODIFY) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int wake_watch_open(struct wake_watch *ww, int file)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	ww->src = is_memfd(file) ? open_tick() : open_inotify(file);
	if (ww->src < 0)
		return ww->src;
	ww->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ww->epfd < 0 || epoll_ctl(ww->epfd, EPOLL_CTL_ADD, ww->src, &ev) < 0) {
		err = -errno;
		wake_watch_close(ww);
		return err;
	}
	ww->seen = 0;
	return 0;
}

void wake_watch_arm(struct wake_watch *ww, struct wake_word *w)
{
	(void)ww;
	if (!atomic_load_explicit(&w->waiting, memory_order_relaxed))
		atomic_store(&w->waiting, 1);
	atomic_thread_fence(memory_order_seq_cst);
}

void wake_watch_drain(struct wake_watch *ww, struct wake_word *w)
{
	char buf[512];
	uint32_t seq = atomic_load_explicit(&w->seq, memory_order_relaxed);

	if (seq == ww->seen)
		return;
	ww->seen = seq;
	while (read(ww->src, buf, sizeof(buf)) > 0)
		;
}

int wake_watch_wait(struct wake_watch *ww, int timeout_ms)
{
	struct epoll_event ev;
	char buf[512];
	int n = epoll_wait(ww->epfd, &ev, 1, timeout_ms);

	if (n < 0)
		return -errno;
	if (n > 0)
		while (read(ww->src, buf, sizeof(buf)) > 0)
			;
	return n;
}

void wake_watch_close(struct wake_watch *ww)
{
	if (ww->epfd >= 0)
		close(ww->epfd);
	if (ww->src >= 0)
		close(ww->src);
	ww->epfd = ww->src = -1;
}

int wake_consume(struct wake_watch *ww, struct wake_word *w, int (*drain)(void *), void *arg)
{
	wake_watch_drain(ww, w);
	int n = drain(arg);
	if (n < 0)
		return n;
	wake_watch_arm(ww, w);
	int more = drain(arg);
	if (more < 0)
		return more;
	return n > INT_MAX - more ? INT_MAX : n + more;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A wake-up can be stale (the producer that sent it had its record read
 * already), so a wake-up that brings nothing sends the consumer back to
 * sleep for the rest of its time. */
int wake_poll(struct wake_watch *ww, struct wake_word *w, int (*drain)(void *),
	      bool (*soon)(void *), int (*cap_ms)(void *), void *arg, int timeout_ms)
{
	wake_watch_drain(ww, w);
	int n = drain(arg);
	if (n || (timeout_ms != 0 && soon && soon(arg) && (n = drain(arg))))
		return n;
	int64_t deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	for (;;) {
		/* About to sleep: count in, look once more (a producer that
		 * committed before the count did not wake), then wait. */
		atomic_store(&w->rung, 0);
		atomic_fetch_add(&w->sleepers, 1);
		atomic_thread_fence(memory_order_seq_cst);
		n = drain(arg);
		int64_t left = deadline < 0 ? -1 : deadline - now_ms();
		if (n || (deadline >= 0 && left <= 0)) {
			atomic_fetch_sub(&w->sleepers, 1);
			return n;
		}
		int wait = left > INT_MAX ? INT_MAX : (int)left, cap = cap_ms ? cap_ms(arg) : -1;
		if (cap >= 0 && (wait < 0 || wait > cap))
			wait = cap;
		int r = wake_watch_wait(ww, wait);
		atomic_fetch_sub(&w->sleepers, 1);
		if (r < 0)
			return r;
		wake_watch_drain(ww, w);
		if ((n = drain(arg)))
			return n;
	}
}
