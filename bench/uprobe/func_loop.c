/* SPDX-License-Identifier: MIT */
/*
 * Times N calls of a tiny function (`probed`, not inlined) and prints the
 * mean nanoseconds per call. Run plain, under `bpfx trace` with a uprobe
 * on `probed`, and with the kernel's uprobe on it, by
 * bench/uprobe/overhead.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) long probed(long x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, sum = 0;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		sum += probed(i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("%.1f\n", ns / (double)n);
	return sum == n * (n + 1) / 2 ? 0 : 1;
}
