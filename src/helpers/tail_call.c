/* SPDX-License-Identifier: MIT */
/*
 * bpf_tail_call (helper 12): jump to the program in a prog array's slot,
 * never to return. As the kernel's x86-64 JIT does it (the kernel here
 * runs JITed programs; its interpreter differs in one point, noted): an
 * index (u32) out of range falls through; once 33 tail calls
 * (MAX_TAIL_CALL_CNT) happened in this run, the next falls through; an
 * empty slot falls through without counting (the interpreter, and older
 * JITs, count it); a jump counts. Falling through returns 0 (the kernel
 * leaves r0 unset: the verifier forbids reading it).
 *
 * The jump itself is the run loop's (vm_run_tail_call, interp.c): the
 * helper holds the target, then asks the loop to continue with it, so any
 * engine that returns to that loop after a helper call gets tail calls.
 */
#include <errno.h>

#include "api/prog_obj.h"
#include "helpers/helpers.h"
#include "maps/fd_map.h"
#include "vm/vm.h"

static uint64_t h_tail_call(uint64_t ctx, uint64_t r2, uint64_t index, uint64_t r4,
			    uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = (struct map *)(uintptr_t)r2;

	(void)r4, (void)r5;
	if (run->checked && !vm_prog_owns(run->prog, m) && !vm_run_holds(run, m)) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_tail_call: R2 (0x%llx) is not a map of "
				    "this program", (unsigned long long)r2);
		return 0;
	}
	if (m->type != BPF_MAP_TYPE_PROG_ARRAY) {
		bpfx_run_ctx__fault(run, -EINVAL, "bpf_tail_call: map '%s' is not a prog array",
				    m->hdr->name);
		return 0;
	}
	if ((uint32_t)index >= m->max_entries || run->tail_call_cnt >= VM_MAX_TAIL_CALLS)
		return 0;
	struct obj *o = prog_array_get(m, (uint32_t)index);
	if (!o)
		return 0;
	run->tail_call_cnt++;
	vm_run_tail_call(run, ((struct prog_obj *)o)->prog, ctx,
			 (struct vm_hold){ o, fd_obj_put, NULL });
	return 0;
}

static const struct bpfx_helper tail_call_helpers[] = {
	{ BPF_FUNC_tail_call, "bpf_tail_call", h_tail_call, BPFX_RET_VOID,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_ANYTHING } },
};
HELPER_GROUP(helpers_tail_call_group, tail_call_helpers);
