/* SPDX-License-Identifier: MIT */
/*
 * Task local storage from programs: bpf_task_storage_get (156),
 * bpf_task_storage_delete (157), and bpf_get_current_task_btf (158),
 * which gives the task pointer they take (the same opaque value as
 * bpf_get_current_task: helpers.h). Storage lives in
 * BPF_MAP_TYPE_TASK_STORAGE maps (maps/task_storage.c). Called on the
 * program's thread.
 *
 * Kernel semantics (kernel/bpf/bpf_task_storage.c): get with flags other
 * than BPF_LOCAL_STORAGE_GET_F_CREATE, or a NULL task, returns NULL;
 * with F_CREATE a missing value is made from `value` (zeroed when NULL);
 * delete of a NULL task is -EINVAL, of a task without a value -ENOENT.
 */
#include <errno.h>

#include "helpers/helpers.h"
#include "hooks/hook.h"
#include "maps/map.h"
#include "maps/task_storage.h"
#include "vm/vm.h"

int32_t helper_task_tid(uint64_t task)
{
	uint64_t off = task - HELPER_TASK_PTR_BASE;
	if (task < HELPER_TASK_PTR_BASE || off % HELPER_TASK_PTR_STRIDE ||
	    off / HELPER_TASK_PTR_STRIDE == 0 || off / HELPER_TASK_PTR_STRIDE > INT32_MAX)
		return 0;
	return (int32_t)(off / HELPER_TASK_PTR_STRIDE);
}

/* The task storage map in r1, or NULL (the run stopped in checked runs). */
static struct map *storage_map(struct bpfx_run_ctx *run, uint64_t r1, const char *helper)
{
	struct map *m = helper_map_arg(run, r1, helper);
	if (m && m->type != BPF_MAP_TYPE_TASK_STORAGE) {
		bpfx_run_ctx__fault(run, -EFAULT, "%s: R1 is not a task storage map", helper);
		return NULL;
	}
	return m;
}

static uint64_t h_task_storage_get(uint64_t r1, uint64_t task, uint64_t value, uint64_t flags,
				   uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = storage_map(run, r1, "bpf_task_storage_get");
	int32_t tid = helper_task_tid(task);

	(void)r5;
	if (!m || (flags & ~(uint64_t)BPF_LOCAL_STORAGE_GET_F_CREATE) || !tid)
		return 0;
	if (value && !helper_mem_arg(run, value, m->value_size, "bpf_task_storage_get", "R3"))
		return 0;
	void *v = task_storage_get(m, tid, (const void *)(uintptr_t)value,
				   flags & BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v && run->checked && bpfx_run_ctx__add_region(run, v, m->value_size, true))
		return 0;
	return (uintptr_t)v;
}

static uint64_t h_task_storage_delete(uint64_t r1, uint64_t task, uint64_t r3, uint64_t r4,
				      uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = storage_map(run, r1, "bpf_task_storage_delete");
	int32_t tid = helper_task_tid(task);

	(void)r3, (void)r4, (void)r5;
	if (!m)
		return 0;
	if (!tid)
		return (uint64_t)(int64_t)-EINVAL;
	return (uint64_t)(int64_t)task_storage_delete(m, tid);
}

static uint64_t h_get_current_task_btf(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				       uint64_t e, struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	(void)a, (void)b, (void)c, (void)d, (void)e;
	hook_task_of(run, &t);
	return HELPER_TASK_PTR(t.tid);
}

/* Sorted by id. */
static const struct bpfx_helper storage_helpers[] = {
	{ BPF_FUNC_task_storage_get, "bpf_task_storage_get", h_task_storage_get,
	  BPFX_RET_PTR_TO_MAP_VALUE_OR_NULL,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_task_storage_delete, "bpf_task_storage_delete", h_task_storage_delete,
	  BPFX_RET_INTEGER, { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_get_current_task_btf, "bpf_get_current_task_btf", h_get_current_task_btf,
	  BPFX_RET_INTEGER, { 0 } },
};
HELPER_GROUP(helpers_storage_group, storage_helpers);
