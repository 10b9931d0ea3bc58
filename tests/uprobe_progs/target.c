/* SPDX-License-Identifier: MIT */
/*
 * The traced binary of tests/suites/uprobe.sh: functions with arguments
 * and results the uprobes record (probes.bpf.c). It prints what the
 * probes must have seen: the number of add6 calls, the sum of their
 * results, fact's calls and result, the string given to slen, getpid
 * calls (a libc function) and the calls made by two threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) long add6(long a, long b, long c, long d, long e, long f)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}

__attribute__((noinline)) int fact(int n)
{
	return n <= 1 ? 1 : n * fact(n - 1);
}

__attribute__((noinline)) size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

__attribute__((noinline)) int bump(int x)
{
	return x + 1;
}

static void *worker(void *arg)
{
	int n = *(int *)arg, sum = 0;
	for (int i = 0; i < n; i++)
		sum += bump(i) - i;
	return (void *)(long)sum;
}

int main(int argc, char **argv)
{
	int calls = argc > 1 ? atoi(argv[1]) : 10;
	long sum = 0;
	for (int i = 0; i < calls; i++)
		sum += add6(i, i + 1, i + 2, -i, 7, 100 * i);
	int f = fact(6);
	size_t len = slen("hello, uprobes");
	int pids = 0;
	for (int i = 0; i < 3; i++)
		pids += getpid() > 0;
	int per = 1000;
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, &per);
	void *r;
	long bumps = 0;
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &r);
		bumps += (long)r;
	}
	printf("add6 %d %ld\nfact 6 %d\nslen %zu hello, uprobes\ngetpid %d\nbump %ld\n", calls,
	       sum, f, len, pids, bumps);
	return 3;
}
