/* SPDX-License-Identifier: MIT */
/*
 * cpu v4 instructions (built with clang-19 -mcpu=v4): sign-extending
 * loads and moves, signed division and modulo, byte swaps; in an XDP
 * program computing a signed checksum-like digest of the packet head and
 * a subprogram using signed arithmetic.
 *
 * COMPILER: clang-19 -mcpu=v4
 * EXPECT: "name":"v4_digest","section":"xdp","type":"xdp".*"subprogs":\[\{"name":"sdiv_mix"
 * EXPECT: "name":"v4_ops.bss"
 */
#include "common.h"

__s64 last_digest;
__s32 last_quot;

static __noinline __s64 sdiv_mix(__s64 a, __s32 b, __s16 c, __s8 d, __u64 e)
{
	__s64 q = b ? a / b : 0;      /* sdiv */
	__s64 r = c ? a % c : 0;      /* smod */

	last_quot = (__s32)q;
	return q + r + d + (__s64)__builtin_bswap64(e);
}

SEC("xdp")
int v4_digest(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__s8 *b = data;
	__s16 *h = data;
	__s32 *w = data;

	if (!PKT_OK(data, 16, end))
		return XDP_PASS;
	/* sign-extending loads: ldsx b/h/w */
	__s64 x = b[3] + h[2] + (__s64)w[2];
	__s32 y = (__s8)x;                       /* movsx */
	last_digest = sdiv_mix(x, y | 1, (__s16)(x >> 8) | 1, b[0], __builtin_bswap32(w[3]));
	return last_digest & 1 ? XDP_PASS : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
