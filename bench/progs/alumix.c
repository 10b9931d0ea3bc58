/* SPDX-License-Identifier: MIT */
/*
 * alumix: 1000 rounds of register arithmetic on four variables (an LCG
 * step, shifts, rotations, xors, adds and a second multiply; no division,
 * no memory in the loop). The memory only supplies the 8-byte seed.
 */
#include "bench_prog.h"

#define MIX_ROUNDS 1000u

/* The mix of the 8 bytes at p; 0 when fewer than 8 precede end. */
ALWAYS_INLINE u64 alumix_body(const u8 *p, const u8 *end)
{
	u64 a, b = 0x9e3779b97f4a7c15ull, c = 0x2545f4914f6cdd1dull, d = 0;

	if (p + 8 > end)
		return 0;
	__builtin_memcpy(&a, p, 8);
	for (u32 i = 0; i < MIX_ROUNDS; i++) {
		a = a * 6364136223846793005ull + 1442695040888963407ull;
		b ^= a >> 29;
		c += b << 11 | b >> 53;
		d ^= c * 0xff51afd7ed558ccdull;
		a ^= d >> 17;
		b += i;
	}
	return a ^ b ^ c ^ d;
}

#ifndef BENCH_KERNEL
BENCH_ENTRY(alumix)
{
	const u8 *p = mem;

	return alumix_body(p, p + len);
}
#else
BENCH_XDP(alumix)
{
	return (u32)alumix_body(XDP_DATA(ctx), XDP_END(ctx));
}
BENCH_LICENSE;
#endif
