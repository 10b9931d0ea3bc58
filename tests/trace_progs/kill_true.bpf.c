/* SPDX-License-Identifier: MIT */
/*
 * bpf_send_signal from a hook: SIGTERM to the task that execs /bin/true
 * (tests/suites/trace.sh); and a program that reads past its context,
 * which checked mode stops without stopping the tracee.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sys_enter_ctx {
	__u64 ent;
	int nr;
	__u64 args[6];
};

SEC("tp/syscalls/sys_enter_execve")
int kill_true(struct sys_enter_ctx *ctx)
{
	char name[16] = {};

	bpf_probe_read_user_str(name, sizeof(name), (const void *)ctx->args[0]);
	if (name[0] == '/' && name[1] == 'b' && name[2] == 'i' && name[3] == 'n' &&
	    name[4] == '/' && name[5] == 't' && name[6] == 'r' && name[7] == 'u' &&
	    name[8] == 'e' && name[9] == 0)
		bpf_send_signal(15);
	return 0;
}

/* execve has 3 arguments: its context ends at offset 40. */
SEC("tp/syscalls/sys_enter_execve")
int read_past_ctx(struct sys_enter_ctx *ctx)
{
	return ctx->args[5] == 1;
}

char LICENSE[] SEC("license") = "GPL";
