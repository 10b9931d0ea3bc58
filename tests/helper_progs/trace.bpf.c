/* SPDX-License-Identifier: MIT */
/*
 * bpf_trace_printk and bpf_trace_vprintk: the return values, and the text
 * of the lines they leave in the trace pipe (each line starts with this
 * run's nonce, so the tool finds them among others).
 */
#include "helper_progs.h"

char LICENSE[] SEC("license") = "GPL";

char lc_str[8] = "global";

/* A pointer argument computed at run time (no relocation in .rodata). */
#define P(x)                                                                  \
	({                                                                    \
		unsigned long long ___v = (unsigned long long)(x);            \
		asm volatile("" : "+r"(___v));                               \
		___v;                                                         \
	})

#define TP(i, fmt, ...)                                                        \
	do {                                                                   \
		static const char ___fmt[] = fmt;                              \
		c->ret[i] = bpf_trace_printk(___fmt, sizeof(___fmt), ##__VA_ARGS__); \
	} while (0)

#define TVP(i, fmt, ...)                                                         \
	do {                                                                     \
		static const char ___fmt[] = fmt;                                \
		unsigned long long ___param[] = { __VA_ARGS__ };                 \
		c->ret[i] = bpf_trace_vprintk(___fmt, sizeof(___fmt), ___param,  \
					      sizeof(___param));                 \
	} while (0)

SEC("syscall")
int trace_lines(struct hctx *c)
{
	char name[8] = "bpfx";
	__u64 n = c->nonce;

	TP(0, "%llx plain", n);
	TP(1, "%llx d=%d u=%u", n, -3, -3);
	TP(2, "%llx x=%x s=%s", n, 0xbeef, name);
	TP(3, "%llx newline\n", n);
	TP(4, "%llx [%5d|%-5d|%05lld]", n, 42, 42);
	TP(5, "%llx %d %d %d", n, 1, 2);          /* 4 conversions: -EINVAL */
	TP(6, "%llx %.3d", n, 1);                 /* -EINVAL */
	TVP(7, "%llx %d %d %d %d %d", n, 1, 2, 3, 4, 5);
	TVP(8, "%llx %s:%c%c", n, (unsigned long long)name, 'o', 'k');
	TVP(9, "%llx %d", n);                     /* too few: -EINVAL */
	{
		static const char f[] = "%llx no nul";
		c->ret[10] = bpf_trace_printk(f, sizeof(f) - 1, n);
	}
	TP(11, "%llx 100%%", n);
	/* Longer than the kernel's 1024-byte line: cut, the whole length
	 * returned. */
	TP(12, "%llx %1100d|", n, 7);
	TVP(13, "%llx %s %s", n, (unsigned long long)name, P(lc_str));
	return 0;
}
