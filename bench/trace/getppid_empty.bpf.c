/* SPDX-License-Identifier: MIT */
/* Empty programs for bench/trace/overhead.sh: one on the hooked system
 * call (getppid), one on a call the loop never makes (execve is made once,
 * before the loop starts). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
