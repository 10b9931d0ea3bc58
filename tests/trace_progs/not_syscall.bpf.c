/* SPDX-License-Identifier: MIT */
/* A tracepoint that is not a system call: bpfx trace must refuse it,
 * naming the section (tests/suites/trace.sh). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp/sched/sched_switch")
int on_switch(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
