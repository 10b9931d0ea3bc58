/* SPDX-License-Identifier: MIT */
/* An empty program on a system call the timed loop does not make. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp/syscalls/sys_enter_execve")
int on_execve(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
