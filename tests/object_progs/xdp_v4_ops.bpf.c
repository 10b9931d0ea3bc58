/* SPDX-License-Identifier: MIT */
/* COMPILER: clang-19 -mcpu=v4 */
/*
 * XDP compiled for ISA v4 (signed division and modulo, byte swaps,
 * sign-extending loads and moves): derives a few numbers from the packet
 * and keeps them in an array map, so any difference in a v4 instruction
 * between bpfx and the kernel shows in the dump.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

static __always_inline void put(__u32 k, __s64 v)
{
	__s64 *slot = bpf_map_lookup_elem(&results, &k);
	if (slot)
		*slot += v;
}

SEC("xdp")
int v4_math(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 24 > end)
		return XDP_PASS;
	volatile __s8 *b = data;
	volatile __s16 *h = data;
	__s32 word = *(volatile __s32 *)(data + 12);
	__s64 x = b[13] - 100;             /* ldsx byte */
	__s64 y = h[7] | 1;                /* ldsx half */
	put(0, x / (y == 0 ? 1 : y));      /* sdiv */
	put(1, x % 7);                     /* smod */
	put(2, __builtin_bswap32(word));   /* bswap32 */
	put(3, __builtin_bswap64((__u64)word));
	put(4, (__s64)(__s16)word);        /* movsx */
	put(5, (__s32)(word >> 3) / -3);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
