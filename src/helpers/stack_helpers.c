/* SPDX-License-Identifier: MIT */
/*
 * bpf_get_stackid (27) and bpf_get_stack (67): the user stack of the
 * run's task, with the kernel's flags, limits and errnos
 * (kernel/bpf/stackmap.c), as ips or as build id + offset entries
 * (BPF_F_STACK_BUILD_ID maps, BPF_F_USER_BUILD_ID: hooks/build_id.c).
 * Called on the program's thread.
 *
 * What bpfx has of a stack: the run's task is a traced thread in a ptrace
 * stop (a hook's run), whose user stack hooks/user_stack.c walks by
 * frame pointers as the kernel does. There is no kernel stack: asking for
 * one (no BPF_F_USER_STACK) finds an empty stack, and so does a run
 * without a traced task (test_run, the embedding API without
 * bpfx_run_opts.task) - -EFAULT, as the kernel answers when it cannot
 * fetch a stack.
 *
 * Program types: the kernel gives these helpers to tracing programs and
 * syscall programs only (helper_prog_type_ok below, as this kernel's
 * loads answer; PROG_LOAD refuses them elsewhere).
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "hooks/user_stack.h"
#include "maps/map.h"
#include "maps/stackmap.h"
#include "util/alloc.h"
#include "vm/vm.h"

#define STACKID_FLAGS (BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP | \
		       BPF_F_REUSE_STACKID)
#define STACK_FLAGS (BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID)
#define LOCAL_IPS 128u
#define BID_SIZE sizeof(struct bpf_stack_build_id)

static inline uint64_t ret_err(long err)
{
	return (uint64_t)(int64_t)err;
}

/* Up to max_depth ips of the run's user stack into *ips (a buffer of
 * LOCAL_IPS, or one allocated when max_depth is larger: the caller frees
 * it when it differs from `local`). Returns the count or -EFAULT/-ENOMEM. */
static int collect(struct bpfx_run_ctx *run, bool user, uint32_t max_depth, uint64_t *local,
		   uint64_t **ips)
{
	*ips = local;
	if (!user || !run->task)
		return -EFAULT; /* no kernel stack; no stopped user context */
	if (max_depth > LOCAL_IPS && !(*ips = mem_alloc((size_t)max_depth * 8))) {
		*ips = local;
		return -ENOMEM;
	}
	return hook_user_stack(run->task->tid, *ips, max_depth);
}

static uint64_t h_get_stackid(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t r4,
			      uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = helper_map_arg(run, r2, "bpf_get_stackid");
	uint64_t local[LOCAL_IPS], *ips;
	uint32_t skip = flags & BPF_F_SKIP_FIELD_MASK;
	long ret;

	(void)ctx, (void)r4, (void)r5;
	if (!m)
		return 0;
	if (m->type != BPF_MAP_TYPE_STACK_TRACE) {
		/* the kernel's verifier refuses any other map */
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_get_stackid: R2 is not a stack trace map");
		return 0;
	}
	if (flags & ~(uint64_t)STACKID_FLAGS)
		return ret_err(-EINVAL);
	bool build_id = m->map_flags & BPF_F_STACK_BUILD_ID;
	uint32_t max_depth = m->value_size / (build_id ? BID_SIZE : 8) + skip;
	if (max_depth > stackmap_max_stack())
		max_depth = stackmap_max_stack();
	int nr = collect(run, flags & BPF_F_USER_STACK, max_depth, local, &ips);
	struct bpf_stack_build_id *ids = NULL;
	if (nr < 0 || (uint32_t)nr <= skip) {
		ret = nr == -ENOMEM ? -ENOMEM : -EFAULT; /* nothing left after skip */
	} else if (build_id && !(ids = mem_alloc(((size_t)nr - skip) * BID_SIZE))) {
		ret = -ENOMEM;
	} else {
		if (ids)
			hook_build_ids(run->task->tid, ips + skip, (uint32_t)nr - skip, ids);
		ret = stackmap_get_id(m, ips + skip, ids, (uint32_t)nr - skip, flags);
	}
	mem_free(ids);
	if (ips != local)
		mem_free(ips);
	return ret_err(ret);
}

/* The kernel's __bpf_get_stack for the current task's regs. */
static long get_stack(struct bpfx_run_ctx *run, void *buf, uint32_t size, uint64_t flags)
{
	uint32_t skip = flags & BPF_F_SKIP_FIELD_MASK;
	bool user = flags & BPF_F_USER_STACK;
	uint64_t local[LOCAL_IPS], *ips;
	bool build_id = flags & BPF_F_USER_BUILD_ID;
	uint32_t esize = build_id ? BID_SIZE : 8;

	if ((flags & ~(uint64_t)STACK_FLAGS) || (!user && build_id))
		return -EINVAL;
	if (size % esize)
		return -EINVAL;
	uint32_t num = size / esize, max_depth = num + skip;
	if (max_depth > stackmap_max_stack())
		max_depth = stackmap_max_stack();
	int nr = collect(run, user, max_depth, local, &ips);
	long ret;
	if (nr < 0 || (uint32_t)nr < skip) {
		ret = nr == -ENOMEM ? -ENOMEM : -EFAULT;
	} else {
		uint32_t n = (uint32_t)nr - skip < num ? (uint32_t)nr - skip : num;
		if (build_id)
			hook_build_ids(run->task->tid, ips + skip, n, buf);
		else
			memcpy(buf, ips + skip, (size_t)n * 8);
		memset((char *)buf + (size_t)n * esize, 0, size - (size_t)n * esize);
		ret = (long)n * esize;
	}
	if (ips != local)
		mem_free(ips);
	return ret;
}

static uint64_t h_get_stack(uint64_t ctx, uint64_t buf, uint64_t size, uint64_t flags,
			    uint64_t r5, struct bpfx_run_ctx *run)
{
	(void)ctx, (void)r5;
	if (!helper_mem_ok(run, buf, size, true, "bpf_get_stack", "R2"))
		return 0;
	long ret = get_stack(run, (void *)(uintptr_t)buf, (uint32_t)size, flags);
	if (ret < 0 && size)
		memset((void *)(uintptr_t)buf, 0, (uint32_t)size);
	return ret_err(ret);
}

bool helper_prog_type_ok(uint32_t prog_type, uint32_t helper_id)
{
	if (helper_id != BPF_FUNC_get_stackid && helper_id != BPF_FUNC_get_stack)
		return true;
	switch (prog_type) {
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
	case BPF_PROG_TYPE_SYSCALL:
		return true;
	default:
		return false;
	}
}

/* Sorted by id. */
static const struct bpfx_helper stack_helpers[] = {
	{ BPF_FUNC_get_stackid, "bpf_get_stackid", h_get_stackid, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_get_stack, "bpf_get_stack", h_get_stack, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX, BPFX_ARG_PTR_TO_UNINIT_MEM, BPFX_ARG_CONST_SIZE_OR_ZERO,
	    BPFX_ARG_ANYTHING } },
};
HELPER_GROUP(helpers_stack_group, stack_helpers);
