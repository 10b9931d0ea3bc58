/* SPDX-License-Identifier: MIT */
/*
 * BPF_PROG_TEST_RUN: runs a loaded program once (or `repeat` times) on
 * input the caller gives, with the context the program type expects, and
 * reports what the kernel reports. Program types get their context as the
 * hooks come; today: BPF_PROG_TYPE_SYSCALL, whose context is plain user
 * memory (ctx_in), written back after the run like the kernel does.
 * Runs are checked until the verifier exists.
 */
#include <errno.h>
#include <string.h>

#include "api/cmds.h"
#include "api/prog_obj.h"
#include "util/alloc.h"
#include "vm/vm.h"

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* The kernel's bpf_prog_test_run_syscall. */
static int run_syscall(struct prog_obj *p, union bpf_attr *attr)
{
	uint32_t size = attr->test.ctx_size_in;
	void *ctx = NULL;

	if (attr->test.data_in || attr->test.data_out || attr->test.ctx_out ||
	    attr->test.duration || attr->test.repeat || attr->test.flags ||
	    attr->test.data_size_in || attr->test.data_size_out || attr->test.ctx_size_out)
		return -EINVAL;
	if (size > UINT16_MAX)
		return -EINVAL;
	if (size) {
		if (!attr->test.ctx_in)
			return -EINVAL;
		if (!(ctx = mem_alloc(size)))
			return -ENOMEM;
		memcpy(ctx, uptr(attr->test.ctx_in), size);
	}
	struct bpfx_region region = { ctx, size, true };
	struct bpfx_run_opts ro = {
		.sz = sizeof(ro), .r1 = (uintptr_t)ctx, .checked = true,
		.regions = ctx ? &region : NULL, .region_cnt = ctx ? 1 : 0,
	};
	struct bpfx_run_result res;
	int err = bpfx_prog__run(p->prog, &ro, &res);
	if (!err) {
		attr->test.retval = (uint32_t)res.r0;
		if (size)
			memcpy(uptr(attr->test.ctx_in), ctx, size);
	}
	mem_free(ctx);
	return err;
}

int cmd_prog_test_run(union bpf_attr *attr)
{
	int err = 0;
	struct obj *o = fd_get((int)attr->test.prog_fd, OBJ_PROG, &err);

	if (!o)
		return err;
	struct prog_obj *p = (struct prog_obj *)o;
	if (attr->test.flags & ~(uint32_t)(BPF_F_TEST_RUN_ON_CPU | BPF_F_TEST_XDP_LIVE_FRAMES))
		err = -EINVAL;
	else if (p->type == BPF_PROG_TYPE_SYSCALL)
		err = run_syscall(p, attr);
	else
		err = -EOPNOTSUPP; /* other program types: their contexts come with the hooks */
	obj_put(o);
	return err;
}
