/* SPDX-License-Identifier: MIT */
/*
 * bpf_snprintf, bpf_strncmp, bpf_strtol and bpf_strtoul over accepted and
 * refused formats and inputs: outputs, return values and errnos must be
 * the kernel's.
 */
#include "helper_progs.h"

char LICENSE[] SEC("license") = "GPL";

char map_str[16] = "in .data";      /* a map value: what %s reads there */

const char long_str[300] = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
			   "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
			   "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
			   "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";

/* A pointer argument computed at run time (a constant one would need a
 * relocation in .rodata, which neither loader does). */
#define P(x)                                                                  \
	({                                                                    \
		unsigned long long ___v = (unsigned long long)(x);            \
		asm volatile("" : "+r"(___v));                               \
		___v;                                                         \
	})

/* One bpf_snprintf into a stack buffer (helpers may not write a syscall
 * program's context), copied to text[i]; its return value in ret[i]. */
#define SNP_SZ(i, size, fmt, ...)                                                     \
	do {                                                                          \
		static const char ___fmt[] = fmt;                                     \
		unsigned long long ___param[] = { __VA_ARGS__ };                      \
		char ___out[HCTX_TEXT] = { 0 };                                       \
		c->ret[i] = bpf_snprintf(___out, size, ___fmt, ___param,              \
					 sizeof(___param));                           \
		__builtin_memcpy(c->text[i], ___out, HCTX_TEXT);                      \
	} while (0)
#define SNP(i, fmt, ...) SNP_SZ(i, HCTX_TEXT, fmt, __VA_ARGS__)

SEC("syscall")
int snprintf_ints(struct hctx *c)
{
	SNP(0, "%d %i %u %x %X", -5, -6, -7, 0xabcdefull, 0xabcdefull);
	SNP(1, "%ld %lld %lu %llu %lx %llX", -5, -6, -7, -8, -9, -10);
	SNP(2, "[%5d|%-5d|%05d|%+d|% d|%+u]", 42, 42, 42, 42, 42, 42);
	SNP(3, "[%08x|%-8X|%+5ld|%-+6lld|%020llu]", 0xbeef, 0xbeef, 7, -7, -1);
	SNP(4, "%c%c%c|%3c|%-3c|", 'a', 'b', 0x163, 'x', 'y');
	SNP(5, "100%% %d%%%%", 1);
	SNP(6, "%d %d %d %d %d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
	SNP(7, "%d", 0x100000001ull);
	SNP(8, "%u %x %lu", 0xffffffffffffffffull, 0x1ffffffffull, 0x1ffffffffull);
	/* A small buffer: truncated output, the whole length returned. */
	char hw[] = "hello world";
	SNP_SZ(9, 8, "%s-%d", P(hw), 12345);
	{
		static const char f[] = "%s-%d";
		unsigned long long a[] = { P(hw), 12345 };
		c->ret[10] = bpf_snprintf(0, 0, f, a, sizeof(a));
	}
	return 0;
}

SEC("syscall")
int snprintf_strings(struct hctx *c)
{
	char s[16] = "stack str";
	unsigned char ip4[4] = { 192, 168, 1, 20 };
	unsigned char ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	SNP(0, "<%s>", P(s));
	SNP(1, "<%12s|%-12s|%012s>", P(s), P(s), P(long_str + 290));
	SNP(2, "<%s> <%s>", 0, P(long_str + 280));
	SNP(3, "%pI4 %pi4", P(ip4), P(ip4));
	SNP(4, "%pI6", P(ip6));
	SNP(5, "%pi6", P(ip6));
	SNP(6, "%s, %s.", P(s + 6), P(s + 8));
	SNP(7, "%pks:%pus", P(s), P(s));
	SNP(8, "%20pI4|%-16pI4|%10pks|%-10s|", P(ip4), P(ip4), P(s), P(s));
	/* Strings fill the 512-byte argument buffer: the second is cut, the
	 * third finds it full (-ENOSPC). */
	SNP(9, "%s%s", P(long_str), P(long_str));
	SNP(11, "[%s|%c|%-4c|%x]", P(map_str), 0, 'q', -2);
	SNP(10, "%s%s%s", P(long_str), P(long_str), P(long_str));
	return 0;
}

/* The kernel's verifier checks bpf_snprintf's constant format at load
 * time, so bad formats are compared through bpf_trace_vprintk, which
 * checks the same rules (bpf_bprintf_prepare) at run time. Each call
 * carries the nonce; the refused ones print nothing. */
#define TVP(i, fmt, ...)                                                         \
	do {                                                                     \
		static const char ___fmt[] = "%llx " fmt;                        \
		unsigned long long ___param[] = { c->nonce, ##__VA_ARGS__ };     \
		c->ret[i] = bpf_trace_vprintk(___fmt, sizeof(___fmt), ___param,  \
					      sizeof(___param));                 \
	} while (0)

SEC("syscall")
int format_errors(struct hctx *c)
{
	TVP(0, "%d %d", 1);                  /* too few arguments */
	TVP(1, "%.2d", 1);                   /* no precision */
	TVP(2, "%q", 1);
	TVP(3, "%sx", P(long_str));          /* %s must end the conversion */
	TVP(4, "%hd", 1);
	TVP(5, "%lc", 1);
	TVP(6, "%#x", 1);
	TVP(7, "%pz", 1);
	TVP(8, "%pI5", 1);
	TVP(9, "tab\t%d", 3);               /* whitespace is allowed */
	TVP(10, "\x01%d", 3);               /* not printable */
	TVP(11, "%s%s%s", P(long_str), P(long_str), P(long_str)); /* -ENOSPC */
	TVP(12, "%s %pI4,%pI6:%pks.", P(long_str), P(long_str), P(long_str), P(long_str));
	TVP(13, "\xe9t\xe9 %d", 1);         /* not ASCII */
	TVP(14, "%-08d|%+-5d|% 05d", 7, 8, 9);
	TVP(15, "%5%");                      /* a width, then '%': no conversion */
	TVP(16, "%");
	TVP(17, "%l");
	TVP(18, "%s\xa1 %c\xa0\xff", P(long_str + 295), 'z'); /* Latin-1 punct/space/letter */
	TVP(19, "\x85%d", 1);                /* a Latin-1 control */
	/* Argument sizes: not a multiple of 8, too many. */
	{
		static const char f[] = "%llx %d";
		unsigned long long a[13] = { c->nonce, 1 };
		c->ret[20] = bpf_trace_vprintk(f, sizeof(f), a, 12);
		c->ret[21] = bpf_trace_vprintk(f, sizeof(f), a, 13 * 8);
		c->ret[22] = bpf_trace_vprintk(f, sizeof(f), 0, 0);
	}
	return 0;
}

#define STRCMP(i, s1, n, s2)                                             \
	do {                                                             \
		static const char ___s2[] = s2;                          \
		char ___s1[] = s1;                                       \
		c->ret[i] = bpf_strncmp(___s1, n, ___s2);                \
	} while (0)

SEC("syscall")
int strncmp_cases(struct hctx *c)
{
	STRCMP(0, "abc", 4, "abc");
	STRCMP(1, "abc", 4, "abd");
	STRCMP(2, "abd", 4, "abc");
	STRCMP(3, "abc", 2, "abd");
	STRCMP(4, "ab", 3, "abc");
	STRCMP(5, "abcz", 4, "ab");
	STRCMP(6, "\xff", 2, "a");
	STRCMP(7, "a", 2, "\xff");
	STRCMP(8, "x", 1, "");
	return 0;
}

/* One strtol and one strtoul of the first len bytes of s with flags:
 * results in ret[2i..2i+1], values in the text area. */
#define STRTO(i, s, len, flags)                                                       \
	do {                                                                          \
		char ___b[] = s;                                                      \
		long ___l = 77;                                                       \
		unsigned long ___u = 77;                                              \
		c->ret[2 * (i)] = bpf_strtol(___b, len, flags, &___l);                 \
		c->ret[2 * (i) + 1] = bpf_strtoul(___b, len, flags, &___u);            \
		((__s64 *)c->text)[2 * (i)] = ___l;                                    \
		((__s64 *)c->text)[2 * (i) + 1] = (__s64)___u;                         \
	} while (0)

SEC("syscall")
int strtox_cases(struct hctx *c)
{
	STRTO(0, "123", 3, 0);
	STRTO(1, "  -42xyz", 8, 0);
	STRTO(2, "0x1fg", 5, 0);
	STRTO(3, "0x1f", 4, 10);
	STRTO(4, "0x1f", 4, 16);
	STRTO(5, "0777", 4, 0);
	STRTO(6, "0789", 4, 0);
	STRTO(7, "0789", 4, 8);
	STRTO(8, "9223372036854775807", 19, 0);
	STRTO(9, "9223372036854775808", 19, 0);
	STRTO(10, "-9223372036854775808", 20, 0);
	STRTO(11, "-9223372036854775809", 20, 0);
	STRTO(12, "18446744073709551615", 20, 0);
	STRTO(13, "18446744073709551616", 20, 0);
	STRTO(14, "   ", 3, 0);
	STRTO(15, "-", 1, 0);
	STRTO(16, "abc", 3, 16);
	STRTO(17, "12", 2, 2);               /* base 2 is refused */
	STRTO(18, "12", 2, 0x20 | 10);       /* unknown flag bits */
	STRTO(19, "0x", 2, 0);
	STRTO(20, "0x", 2, 16);
	STRTO(21, "\t\n+5", 4, 0);
	STRTO(22, "12345", 3, 0);            /* only buf_len bytes count */
	STRTO(23, "1\0002", 3, 0);
	STRTO(24, "-0", 2, 0);
	STRTO(25, "0000000000000000000000000000000000000000000000000000000000000000000001", 70, 0);
	STRTO(26, "0X1A", 4, 0);
	STRTO(27, "\xa0" "5", 2, 0);
	STRTO(28, "-0x10", 5, 0);
	STRTO(29, "0", 1, 16);
	return 0;
}
