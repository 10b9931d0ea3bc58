/* SPDX-License-Identifier: MIT */
/*
 * The user stack of a stopped, traced thread, walked like the kernel's
 * perf_callchain_user on x86-64 (user_stack.c): for bpf_get_stack and
 * bpf_get_stackid (helpers/stack_helpers.c).
 */
#ifndef BPFX_HOOKS_USER_STACK_H
#define BPFX_HOOKS_USER_STACK_H

#include <linux/bpf.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes at most max instruction pointers of thread tid's user stack to
 * ips: its ip, then the return address of each frame of the frame-pointer
 * chain from its bp, until a frame cannot be read. Returns the number
 * written, or -EFAULT when tid's registers cannot be had (it is not a
 * thread this thread traces, stopped). Call on the tracing thread. */
int hook_user_stack(pid_t tid, uint64_t *ips, uint32_t max);

/* The build id + offset entries of n ips of thread tid's address space
 * (build_id.c), as the kernel makes them for BPF_F_STACK_BUILD_ID maps
 * and BPF_F_USER_BUILD_ID: VALID with the build id of the ELF file mapped
 * there and the offset in it, else IP with the ip. Returns 0. */
int hook_build_ids(pid_t tid, const uint64_t *ips, uint32_t n, struct bpf_stack_build_id *out);

#endif /* BPFX_HOOKS_USER_STACK_H */
