/* SPDX-License-Identifier: MIT */
/* Bare SEC("uprobe") / SEC("uretprobe") programs: attached where the
 * command line says (`bpfx trace bare.o uprobe count_calls PATH:FUNC`,
 * tests/suites/uprobe.sh). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int bump(__u32 k)
{
	__u64 *p = bpf_map_lookup_elem(&counts, &k);
	if (p)
		*p += 1;
	return 0;
}

SEC("uprobe")
int count_calls(void *ctx)
{
	return bump(0);
}

SEC("uretprobe")
int count_returns(void *ctx)
{
	return bump(1);
}

char LICENSE[] SEC("license") = "GPL";
