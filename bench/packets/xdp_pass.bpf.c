/* SPDX-License-Identifier: MIT */
/* The smallest XDP program: the per-packet cost of bpfx xdp itself. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }
char _license[] SEC("license") = "GPL";
