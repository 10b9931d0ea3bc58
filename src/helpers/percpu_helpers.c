/* SPDX-License-Identifier: MIT */
/*
 * bpf_map_lookup_percpu_elem: another runner slot's value of a per-CPU
 * map. Called on the program's thread.
 */
#include <errno.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#include "vm/vm.h"

/* (map, key, cpu): NULL for a cpu past the last slot, like the kernel for
 * one past nr_cpu_ids. */
static uint64_t h_map_lookup_percpu_elem(uint64_t r1, uint64_t key, uint64_t cpu, uint64_t r4,
					 uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = helper_map_arg(run, r1, "bpf_map_lookup_percpu_elem");

	if (!m || !helper_mem_ok(run, key, m->key_size, false, "bpf_map_lookup_percpu_elem",
				 "the key"))
		return 0;
	if (!m->ops->lookup_percpu) {
		bpfx_run_ctx__fault(run, -EINVAL, "bpf_map_lookup_percpu_elem: map type %u is not "
				    "per-CPU", m->type);
		return 0;
	}
	return (uintptr_t)m->ops->lookup_percpu(m, (const void *)(uintptr_t)key, (uint32_t)cpu);
}

/* Sorted by id. */
static const struct bpfx_helper percpu_helpers[] = {
	{ BPF_FUNC_map_lookup_percpu_elem, "bpf_map_lookup_percpu_elem", h_map_lookup_percpu_elem,
	  BPFX_RET_PTR_TO_MAP_VALUE_OR_NULL,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_MAP_KEY, BPFX_ARG_ANYTHING } },
};
HELPER_GROUP(helpers_percpu_group, percpu_helpers);
