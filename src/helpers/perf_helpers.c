/* SPDX-License-Identifier: MIT */
/*
 * bpf_perf_event_output(ctx, map, flags, data, size): a raw sample into
 * the perf buffer of the map's index (BPF_F_CURRENT_CPU: the calling
 * runner slot), with the kernel's errnos (maps/perf_event_array.h). ctx
 * is the program's context; bpfx has no registers to sample from it, so
 * only the checked-mode test looks at the other arguments. Called on the
 * program's thread.
 */
#include <errno.h>

#include "helpers/helpers.h"
#include "maps/perf_event_array.h"
#include "vm/vm.h"

static uint64_t h_perf_event_output(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t data,
				    uint64_t size, struct bpfx_run_ctx *run)
{
	struct map *m = (struct map *)(uintptr_t)r2;

	(void)ctx;
	if (run->checked && (!vm_prog_owns(run->prog, m) || m->ops != &perf_event_array_map_ops)) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_perf_event_output: R2 (0x%llx) is not a "
				    "perf event array of this program", (unsigned long long)r2);
		return 0;
	}
	if (!bpfx_run_ctx__mem_ok(run, (const void *)(uintptr_t)data, size, false)) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_perf_event_output: the data (%llu bytes at "
				    "0x%llx) is not memory the program may read",
				    (unsigned long long)size, (unsigned long long)data);
		return 0;
	}
	return (uint64_t)(int64_t)pe_output(m, flags, (const void *)(uintptr_t)data, size);
}

/* Sorted by id. */
static const struct bpfx_helper perf_helpers[] = {
	{ BPF_FUNC_perf_event_output, "bpf_perf_event_output", h_perf_event_output,
	  BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_MEM,
	    BPFX_ARG_CONST_SIZE_OR_ZERO } },
};
HELPER_GROUP(helpers_perf_group, perf_helpers);
