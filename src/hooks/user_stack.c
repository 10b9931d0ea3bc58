/* SPDX-License-Identifier: MIT */
/*
 * Walking a traced thread's user stack (hooks/user_stack.h), as the
 * kernel's x86-64 perf_callchain_user does: the first entry is the
 * instruction pointer of the thread's user registers, then, from the
 * frame pointer bp, each frame { next bp, return address } gives the
 * return address and the next frame, until a frame is not in the user
 * address space or cannot be read. Code built without frame pointers
 * gives short or odd stacks - in the kernel too.
 *
 * Runs on the tracer's thread (the program's thread) while the thread is
 * in a ptrace stop: its registers come from PTRACE_GETREGS and its memory
 * through process_vm_readv (hook_read_task), which fails cleanly on
 * unmapped addresses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "hooks/hook.h"
#include "hooks/user_stack.h"

#define USER_TOP 0x00007ffffffff000ull   /* x86-64 TASK_SIZE_MAX, 4-level paging */

int hook_user_stack(pid_t tid, uint64_t *ips, uint32_t max)
{
	struct user_regs_struct regs;
	uint32_t n = 0;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0)
		return -EFAULT;
	if (!max)
		return 0;
	ips[n++] = regs.rip;
	uint64_t fp = regs.rbp;
	while (n < max) {
		uint64_t frame[2];       /* next frame, return address */
		if (fp > USER_TOP - sizeof(frame) ||
		    hook_read_task(tid, frame, fp, sizeof(frame)) != sizeof(frame))
			break;
		ips[n++] = frame[1];
		fp = frame[0];
	}
	return (int)n;
}
