/* SPDX-License-Identifier: MIT */
/* An empty uprobe on `probed` of the loop binary TARGET (an absolute path
 * given at compile time): the same object for bpfx and the kernel. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("uprobe/" TARGET ":probed")
int probe_empty(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
