/* SPDX-License-Identifier: MIT */
/*
 * Helpers of packet programs that read the packet of the run (the one
 * LD_ABS reads: for tc from the link-layer header, for socket filters from
 * the network header). Called on the program's thread.
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "vm/vm.h"

/* bpf_skb_load_bytes(skb, offset, to, len): like the kernel, an offset or
 * length outside the packet zeroes `to` and returns -EFAULT. */
uint64_t helper_skb_load_bytes(uint64_t skb, uint64_t offset, uint64_t to, uint64_t len,
			       uint64_t r5, struct bpfx_run_ctx *run)
{
	(void)skb;
	if (!bpfx_run_ctx__mem_ok(run, (void *)(uintptr_t)to, len, true)) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_skb_load_bytes: the destination (%llu bytes "
				    "at 0x%llx) is not memory the program may write",
				    (unsigned long long)len, (unsigned long long)to);
		return 0;
	}
	uint64_t avail = run->pkt ? run->pkt_end - run->pkt : 0;
	if (offset > INT32_MAX || len > avail || offset > avail - len) {
		memset((void *)(uintptr_t)to, 0, len);
		return (uint64_t)(int64_t)-EFAULT;
	}
	memcpy((void *)(uintptr_t)to, (const void *)(run->pkt + offset), len);
	return 0;
}

/* Sorted by id. */
static const struct bpfx_helper skb_helpers[] = {
	{ BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes", helper_skb_load_bytes, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_UNINIT_MEM,
	    BPFX_ARG_CONST_SIZE } },
};
HELPER_GROUP(helpers_skb_group, skb_helpers);
