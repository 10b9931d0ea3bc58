/* SPDX-License-Identifier: MIT */
/* A bpf_printk line per execve of the traced command: `bpfx trace` prints
 * the trace pipe's lines as they arrive (tests/suites/trace_events.sh). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp/syscalls/sys_enter_execve")
int printk_execve(void *ctx)
{
	bpf_printk("execve by %d", (int)(bpf_get_current_pid_tgid() >> 32));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
