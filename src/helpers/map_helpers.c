/* SPDX-License-Identifier: MIT */
/*
 * bpf_map_lookup_elem, bpf_map_update_elem, bpf_map_delete_elem: the
 * helpers through which programs use maps. r1 is the map as lddw gave it
 * (a struct map *). Called on the program's thread.
 *
 * In checked runs the program is unverified, so everything it passes is
 * checked before use: r1 must be a map the program was built with, and
 * keys and values must be memory the program may read. A violation stops
 * the program with -EFAULT, as an invalid memory access would.
 */
#include <errno.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#include "vm/vm.h"

/* The map in r1, after the checks a checked run needs; NULL if they fail
 * (the run is then already stopped). */
static struct map *checked_map(struct bpfx_run_ctx *run, uint64_t r1, const char *helper)
{
	return helper_map_arg(run, r1, helper);
}

static bool checked_mem(struct bpfx_run_ctx *run, uint64_t ptr, size_t size,
			const char *helper, const char *what)
{
	if (bpfx_run_ctx__mem_ok(run, (const void *)(uintptr_t)ptr, size, false))
		return true;
	bpfx_run_ctx__fault(run, -EFAULT, "%s: %s (%zu bytes at 0x%llx) is not memory the "
			    "program may read", helper, what, size, (unsigned long long)ptr);
	return false;
}

uint64_t helper_map_lookup_elem(uint64_t r1, uint64_t key, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = checked_map(run, r1, "bpf_map_lookup_elem");
	if (!m || !checked_mem(run, key, m->key_size, "bpf_map_lookup_elem", "the key"))
		return 0;
	if (!m->ops->lookup)
		return 0;
	return (uintptr_t)m->ops->lookup(m, (const void *)(uintptr_t)key);
}

uint64_t helper_map_update_elem(uint64_t r1, uint64_t key, uint64_t value, uint64_t flags,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = checked_map(run, r1, "bpf_map_update_elem");
	if (!m || !checked_mem(run, key, m->key_size, "bpf_map_update_elem", "the key") ||
	    !checked_mem(run, value, m->value_size, "bpf_map_update_elem", "the value"))
		return 0;
	if (run->checked && (m->map_flags & BPF_F_RDONLY_PROG)) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_map_update_elem: map is read-only "
				    "for programs");
		return 0;
	}
	if (!m->ops->update)
		return (uint64_t)(int64_t)-EINVAL;
	return (uint64_t)(int64_t)m->ops->update(m, (const void *)(uintptr_t)key,
						   (const void *)(uintptr_t)value, flags);
}

uint64_t helper_map_delete_elem(uint64_t r1, uint64_t key, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = checked_map(run, r1, "bpf_map_delete_elem");
	if (!m || !checked_mem(run, key, m->key_size, "bpf_map_delete_elem", "the key"))
		return 0;
	if (run->checked && (m->map_flags & BPF_F_RDONLY_PROG)) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_map_delete_elem: map is read-only "
				    "for programs");
		return 0;
	}
	if (!m->ops->delete)
		return (uint64_t)(int64_t)-EINVAL;
	return (uint64_t)(int64_t)m->ops->delete(m, (const void *)(uintptr_t)key);
}

/* Sorted by id. */
static const struct bpfx_helper map_helpers[] = {
	{ BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem", helper_map_lookup_elem,
	  BPFX_RET_PTR_TO_MAP_VALUE_OR_NULL,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_MAP_KEY } },
	{ BPF_FUNC_map_update_elem, "bpf_map_update_elem", helper_map_update_elem,
	  BPFX_RET_INTEGER,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_MAP_KEY, BPFX_ARG_PTR_TO_MAP_VALUE,
	    BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_map_delete_elem, "bpf_map_delete_elem", helper_map_delete_elem,
	  BPFX_RET_INTEGER, { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_MAP_KEY } },
};
HELPER_GROUP(helpers_map_group, map_helpers);
