/* SPDX-License-Identifier: MIT */
/*
 * Helpers that call back into the program: bpf_loop and
 * bpf_for_each_map_elem. The callback is a function of the program (lddw
 * of a BPF_PSEUDO_FUNC gave the program its token); vm_call_callback runs
 * it in a new frame below the helper's caller, on the program's thread,
 * so its instructions count against the run's budget and its frame
 * against the 8-frame limit.
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#include "vm/vm.h"

#define LOOP_MAX (1u << 23)          /* the kernel's BPF_MAX_LOOPS */

/* bpf_loop(nr_loops, callback, ctx, flags): calls callback(i, ctx) for i
 * from 0 while it returns 0; returns the number of calls. Too many loops
 * give -E2BIG as the kernel's verifier-inlined bpf_loop gives it (it
 * inlines every call with flags 0): zero-extended from 32 bits. */
static uint64_t h_loop(uint64_t nr, uint64_t fn, uint64_t ctx, uint64_t flags, uint64_t r5,
		       struct bpfx_run_ctx *run)
{
	uint32_t n = (uint32_t)nr, i;
	uint64_t r0;

	if (flags)
		return (uint64_t)(int64_t)-EINVAL;
	if (n > LOOP_MAX)
		return (uint32_t)-E2BIG;
	for (i = 0; i < n; i++) {
		if (vm_call_callback(run, fn, i, ctx, 0, 0, 0, &r0))
			return 0; /* the run is over */
		if (r0)
			return i + 1;
	}
	return i;
}

static bool iterable(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Calls fn(map, &key, value, ctx) for one element; the key is a copy the
 * program may read for the call. 0 to go on, 1 to stop (the callback
 * said so), -1 when the run is over. */
static int visit(struct bpfx_run_ctx *run, struct map *m, uint64_t fn, uint64_t ctx,
		 const void *key, void *value)
{
	uint8_t kbuf[512] __attribute__((aligned(8)));
	size_t lent = run->lent_cnt;
	uint64_t r0;

	memcpy(kbuf, key, m->key_size);
	if (run->checked && bpfx_run_ctx__add_region(run, kbuf, m->key_size, false)) {
		bpfx_run_ctx__fault(run, -ENOSPC, "bpf_for_each_map_elem: too many regions");
		return -1;
	}
	int err = vm_call_callback(run, fn, (uintptr_t)m, (uintptr_t)kbuf, (uintptr_t)value, ctx,
				   0, &r0);
	run->lent_cnt = lent; /* the key copy dies here */
	if (err)
		return -1;
	return r0 != 0;
}

/* bpf_for_each_map_elem(map, callback, ctx, flags): calls
 * callback(map, key, value, ctx) for each element (arrays: every index;
 * per-CPU maps: the calling slot's value) while it returns 0; returns the
 * number of calls. Hash maps are walked by key, the next key taken before
 * the callback runs, so the callback may delete the element it is given;
 * at most max_entries elements are visited. */
static uint64_t h_for_each_map_elem(uint64_t r1, uint64_t fn, uint64_t ctx, uint64_t flags,
				    uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = helper_map_arg(run, r1, "bpf_for_each_map_elem");
	uint8_t cur[512] __attribute__((aligned(8))), next[512] __attribute__((aligned(8)));
	uint64_t n = 0;

	if (!m)
		return 0;
	if (!iterable(m->type) || m->key_size > sizeof(cur)) {
		bpfx_run_ctx__fault(run, -EINVAL, "bpf_for_each_map_elem: map type %u cannot be "
				    "iterated", m->type);
		return 0;
	}
	if (flags)
		return (uint64_t)(int64_t)-EINVAL;
	int have = m->ops->get_next_key(m, NULL, next) == 0;
	while (have && n < m->max_entries) {
		memcpy(cur, next, m->key_size);
		have = m->ops->get_next_key(m, cur, next) == 0;
		void *value = m->ops->lookup(m, cur);
		if (!value)
			continue; /* deleted meanwhile */
		n++;
		int r = visit(run, m, fn, ctx, cur, value);
		if (r < 0)
			return 0;
		if (r)
			break;
	}
	return n;
}

/* Sorted by id. */
static const struct bpfx_helper callback_helpers[] = {
	{ BPF_FUNC_for_each_map_elem, "bpf_for_each_map_elem", h_for_each_map_elem,
	  BPFX_RET_INTEGER,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_FUNC, BPFX_ARG_PTR_TO_STACK_OR_NULL,
	    BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_loop, "bpf_loop", h_loop, BPFX_RET_INTEGER,
	  { BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_FUNC, BPFX_ARG_PTR_TO_STACK_OR_NULL,
	    BPFX_ARG_ANYTHING } },
};
HELPER_GROUP(helpers_callback_group, callback_helpers);
