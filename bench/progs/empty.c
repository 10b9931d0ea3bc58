/* SPDX-License-Identifier: MIT */
/*
 * empty: returns 0 at once; measures the cost of one run (call, set-up,
 * dispatch of two instructions).
 */
#include "bench_prog.h"

#ifndef BENCH_KERNEL
BENCH_ENTRY(empty)
{
	(void)mem;
	(void)len;
	return 0;
}
#else
BENCH_XDP(empty)
{
	(void)ctx;
	return 0;
}
BENCH_LICENSE;
#endif
