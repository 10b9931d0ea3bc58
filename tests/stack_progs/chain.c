/* SPDX-License-Identifier: MIT */
/* The traced process of tests/suites/stackmap.sh: main -> f1 -> f2 -> f3,
 * and f3 makes the getppid system call itself (no libc wrapper between),
 * so the user stack at the stop is f3, f2, f1, main, ... when built with
 * frame pointers (-fno-omit-frame-pointer). */
#include <sys/syscall.h>

__attribute__((noinline)) long f3(void)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
	return r;
}

__attribute__((noinline)) long f2(void)
{
	long r = f3();
	__asm__ volatile("" ::: "memory");
	return r + 1;
}

__attribute__((noinline)) long f1(void)
{
	long r = f2();
	__asm__ volatile("" ::: "memory");
	return r + 1;
}

int main(void)
{
	return f1() > 0 ? 0 : 1;
}
