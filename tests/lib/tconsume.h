/* SPDX-License-Identifier: MIT */
/*
 * Consuming what a producer child process writes into a pinned ring or
 * perf buffer: poll while the child lives (a slow producer on a loaded
 * machine is no failure), drain a little once it is gone, and never wait
 * for a child that is still stuck (it is killed when the records did not
 * all arrive). For test_ringbuf and test_perf_event_array.
 */
#ifndef BPFX_TESTS_TCONSUME_H
#define BPFX_TESTS_TCONSUME_H

#include <sys/types.h>

/* poll(ctx) consumes for at most ~200 ms and returns the records it
 * delivered; *cnt is the count so far, want the count expected. Returns
 * the child's wait status. */
int t_consume_child(pid_t pid, int (*poll)(void *ctx), void *ctx, const int *cnt, int want);

#endif
