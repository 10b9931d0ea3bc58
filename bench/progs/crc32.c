/* SPDX-License-Identifier: MIT */
/*
 * crc32: the CRC-32 of 1 KiB (IEEE 802.3, reflected, polynomial
 * 0xedb88320, as zlib computes it), bit by bit: eight shift-and-xor
 * steps per byte, no table. Branch-free: the polynomial is multiplied by
 * the low bit. Not masked with -(crc & 1): Linux 6.18's verifier forks
 * its state at every `and` of a value in [-1, 0] with a constant, 8 times
 * a byte, and on 6.18.44 running out of room for those states oopsed the
 * kernel (NULL dereference in maybe_fork_scalars) instead of refusing the
 * program.
 */
#include "bench_prog.h"

#define CRC_POLY 0xedb88320u
#define CRC_LEN 1024u

/* The CRC of n bytes at p; 0 when fewer than n bytes precede end. */
ALWAYS_INLINE u64 crc32_body(const u8 *p, const u8 *end, const u32 n)
{
	u32 crc = 0xffffffffu;

	if (p + n > end)
		return 0;
	for (u32 i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ ((crc & 1) * CRC_POLY);
	}
	return ~crc;
}

#ifndef BENCH_KERNEL
BENCH_ENTRY(crc32)
{
	const u8 *p = mem;

	return crc32_body(p, p + len, CRC_LEN);
}
#else
BENCH_XDP(crc32)
{
	return (u32)crc32_body(XDP_DATA(ctx), XDP_END(ctx), CRC_LEN);
}
BENCH_LICENSE;
#endif
