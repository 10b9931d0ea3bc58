/* SPDX-License-Identifier: MIT */
/*
 * A failing allocator for allocation-failure tests (DESIGN habit 6):
 * install it with bpfx_set_allocator(t_failing_realloc, NULL), set
 * t_fail_at to N to make the Nth allocation (from 0) fail, and check
 * t_alloc_live for leaks afterwards. Not thread-safe: the tests that use
 * it allocate from one thread.
 */
#ifndef BPFX_TESTS_TALLOC_H
#define BPFX_TESTS_TALLOC_H

#include <stddef.h>

extern long t_fail_at;      /* the allocation that fails; -1: none */
extern long t_alloc_count;  /* allocations so far */
extern long t_alloc_live;   /* blocks allocated and not yet freed */

void *t_failing_realloc(void *ptr, size_t size, void *ctx);

/* Starts counting afresh, failing allocation `fail_at` (-1: none). */
static inline void t_alloc_reset(long fail_at)
{
	t_fail_at = fail_at;
	t_alloc_count = 0;
	t_alloc_live = 0;
}

#endif
