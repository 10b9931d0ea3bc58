/* SPDX-License-Identifier: MIT */
/*
 * The table of built-in helpers: every group of this module merged into
 * one array sorted by id. Built once, on the first program load, and then
 * only read, by any thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"

/* One line per file of the module. */
static const struct helper_group *const groups[] = {
	&helpers_host_group,
	&helpers_map_group,
	&helpers_skb_group,
	&helpers_queue_group,
	&helpers_ringbuf_group,
	&helpers_perf_group,
	&helpers_tail_call_group,
	&helpers_str_group,
	&helpers_trace_group,
	&helpers_callback_group,
	&helpers_percpu_group,
	&helpers_lock_group,
	&helpers_timer_group,
	&helpers_xdp_group,
	&helpers_csum_group,
	&helpers_skb_adjust_group,
	&helpers_task_group,
	&helpers_stack_group,
	&helpers_storage_group,
	&helpers_vma_group,
};

static struct bpfx_helper *table;
static size_t table_cnt;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static int cmp_id(const void *a, const void *b)
{
	const struct bpfx_helper *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Not through mem_* on purpose: the table lives as long as the process and
 * must not count against an embedder's allocator or its failure tests. */
static void build_table(void)
{
	size_t n = 0;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		n += groups[g]->cnt;
	struct bpfx_helper *t = malloc(n * sizeof(*t) + 1);
	if (!t)
		return;
	n = 0;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		memcpy(t + n, groups[g]->helpers, groups[g]->cnt * sizeof(*t));
		n += groups[g]->cnt;
	}
	qsort(t, n, sizeof(*t), cmp_id);
	table_cnt = n;
	table = t;
}

const struct bpfx_helper *helpers_builtin(size_t *cnt)
{
	pthread_once(&table_once, build_table);
	*cnt = table ? table_cnt : 0;
	return table;
}
