/* SPDX-License-Identifier: MIT */
/*
 * String helpers: bpf_snprintf, bpf_strncmp, bpf_strtol, bpf_strtoul, with
 * the kernel's rules and errnos (kernel/bpf/helpers.c). Called on the
 * program's thread.
 *
 * In checked runs every buffer the program hands over is checked first;
 * one it may not access stops the run with -EFAULT, as an invalid memory
 * access would (the verifier would have refused the program).
 */
#include <errno.h>
#include <string.h>

#include "helpers/bprintf.h"
#include "helpers/helpers.h"
#include "vm/vm.h"

/* Checked runs: may the program access [ptr, ptr + size)? Faults the run
 * when not. */
bool helper_mem_ok(struct bpfx_run_ctx *run, uint64_t ptr, uint64_t size, bool write,
		   const char *helper, const char *what)
{
	if (bpfx_run_ctx__mem_ok(run, (const void *)(uintptr_t)ptr, size, write))
		return true;
	bpfx_run_ctx__fault(run, -EFAULT, "%s: %s (%llu bytes at 0x%llx) is not memory the "
			    "program may %s", helper, what, (unsigned long long)size,
			    (unsigned long long)ptr, write ? "write" : "read");
	return false;
}

/* Checked runs: the length of a constant string argument; faults the run
 * (and returns -1) when it is not a readable NUL-terminated string. */
long helper_const_str(struct bpfx_run_ctx *run, uint64_t ptr, const char *helper)
{
	long len = bprintf_const_strlen(run, ptr);
	if (len < 0)
		bpfx_run_ctx__fault(run, -EFAULT, "%s: the string at 0x%llx is not NUL-terminated "
				    "memory the program may read", helper,
				    (unsigned long long)ptr);
	return len;
}

/* bpf_snprintf(str, str_size, fmt, data, data_len): returns the length of
 * the whole output plus its NUL, like the kernel. */
static uint64_t h_snprintf(uint64_t str, uint64_t str_size, uint64_t fmt, uint64_t data,
			   uint64_t data_len, struct bpfx_run_ctx *run)
{
	uint32_t size = (uint32_t)str_size, len = (uint32_t)data_len;
	uint64_t args[BPRINTF_MAX_ARGS];

	if ((size && !helper_mem_ok(run, str, size, true, "bpf_snprintf", "the output")) ||
	    !helper_mem_ok(run, data, len, false, "bpf_snprintf", "the arguments"))
		return 0;
	long flen = helper_const_str(run, fmt, "bpf_snprintf");
	if (flen < 0)
		return 0;
	if (len % 8 || len > BPRINTF_MAX_ARGS * 8 || (len && !data))
		return (uint64_t)(int64_t)-EINVAL;
	if (len)
		memcpy(args, (const void *)(uintptr_t)data, len);
	int n = bprintf_format(run, (const char *)(uintptr_t)fmt, (size_t)flen + 1, args, len / 8,
			       (char *)(uintptr_t)str, size);
	return n < 0 ? (uint64_t)(int64_t)n : (uint64_t)n + 1;
}

/* bpf_strncmp(s1, s1_sz, s2): -1, 0 or 1, comparing as unsigned chars
 * (the kernel's strncmp, not the C library's difference). */
static uint64_t h_strncmp(uint64_t s1, uint64_t s1_sz, uint64_t s2, uint64_t r4, uint64_t r5,
			  struct bpfx_run_ctx *run)
{
	uint32_t n = (uint32_t)s1_sz;
	const unsigned char *a = (const void *)(uintptr_t)s1, *b = (const void *)(uintptr_t)s2;

	if (!helper_mem_ok(run, s1, n, false, "bpf_strncmp", "s1") ||
	    helper_const_str(run, s2, "bpf_strncmp") < 0)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? (uint64_t)-1 : 1;
		if (!a[i])
			break;
	}
	return 0;
}

#define STRTOX_BASE_MASK 0x1f

/* The kernel's isspace(), whose table also counts Latin-1's 0xa0. */
static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static int digit_of(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
}

/* __bpf_strtoull: the digits of buf[0..len) after blanks and one '-',
 * base from flags (0 guesses: 0x.. hex, 0.. octal), at most 63 characters
 * looked at. Returns the characters consumed, or -EINVAL/-ERANGE. */
static int strtoull_k(const char *buf, size_t len, uint64_t flags, uint64_t *res, bool *neg)
{
	unsigned base = flags & STRTOX_BASE_MASK;
	size_t i = 0, n = 0;
	char s[64];

	if (!buf || !len)
		return -EINVAL;
	if ((base != 0 && base != 8 && base != 10 && base != 16) || (flags & ~STRTOX_BASE_MASK))
		return -EINVAL;
	while (i < len && k_isspace((unsigned char)buf[i]))
		i++;
	*neg = i < len && buf[i] == '-';
	i += *neg;
	if (i == len)
		return -EINVAL;
	size_t cur = len - i < sizeof(s) - 1 ? len - i : sizeof(s) - 1;
	memcpy(s, buf + i, cur);
	s[cur] = '\0';
	if (base == 0)
		base = s[0] != '0' ? 10 : (s[1] | 0x20) == 'x' && digit_of((unsigned char)s[2]) < 16 ? 16 : 8;
	if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		n = 2;
	size_t first = n;
	bool overflow = false;
	uint64_t v = 0;
	for (; s[n]; n++) {
		unsigned d = (unsigned)digit_of((unsigned char)s[n]);
		if (d >= base)
			break;
		if ((v >> 60) && v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (n == first)
		return -EINVAL;
	*res = v;
	return (int)(i + n);
}

/* Checked runs: the string and the result slot the program hands over. */
static bool strtox_args_ok(struct bpfx_run_ctx *run, uint64_t buf, uint64_t len, uint64_t res,
			   const char *helper)
{
	if (!helper_mem_ok(run, buf, (uint32_t)len, false, helper, "the string") ||
	    !helper_mem_ok(run, res, 8, true, helper, "the result"))
		return false;
	if (run->checked && (res & 7)) {
		bpfx_run_ctx__fault(run, -EFAULT, "%s: the result pointer 0x%llx is not 8-byte "
				    "aligned", helper, (unsigned long long)res);
		return false;
	}
	return true;
}

/* bpf_strtol and bpf_strtoul (is_signed false: a '-' is -EINVAL):
 * *res = 0 unless it succeeds; the characters consumed. */
static uint64_t strtox(struct bpfx_run_ctx *run, uint64_t buf, uint64_t buf_len, uint64_t flags,
		       uint64_t res, bool is_signed)
{
	const char *name = is_signed ? "bpf_strtol" : "bpf_strtoul";
	uint64_t v = 0;
	bool neg;

	if (!strtox_args_ok(run, buf, buf_len, res, name))
		return 0;
	*(uint64_t *)(uintptr_t)res = 0;
	int n = strtoull_k((const char *)(uintptr_t)buf, (uint32_t)buf_len, flags, &v, &neg);
	if (n < 0)
		return (uint64_t)(int64_t)n;
	if (!is_signed && neg)
		return (uint64_t)(int64_t)-EINVAL;
	if (is_signed && (neg ? (int64_t)(0 - v) > 0 : (int64_t)v < 0))
		return (uint64_t)(int64_t)-ERANGE;
	*(uint64_t *)(uintptr_t)res = neg ? 0 - v : v;
	return (uint64_t)n;
}

static uint64_t h_strtol(uint64_t buf, uint64_t buf_len, uint64_t flags, uint64_t res,
			 uint64_t r5, struct bpfx_run_ctx *run)
{
	return strtox(run, buf, buf_len, flags, res, true);
}

static uint64_t h_strtoul(uint64_t buf, uint64_t buf_len, uint64_t flags, uint64_t res,
			  uint64_t r5, struct bpfx_run_ctx *run)
{
	return strtox(run, buf, buf_len, flags, res, false);
}

/* Sorted by id. */
static const struct bpfx_helper str_helpers[] = {
	{ BPF_FUNC_strtol, "bpf_strtol", h_strtol, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_LONG } },
	{ BPF_FUNC_strtoul, "bpf_strtoul", h_strtoul, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_LONG } },
	{ BPF_FUNC_snprintf, "bpf_snprintf", h_snprintf, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_MEM_OR_NULL, BPFX_ARG_CONST_SIZE_OR_ZERO, BPFX_ARG_PTR_TO_CONST_STR,
	    BPFX_ARG_PTR_TO_MEM_OR_NULL, BPFX_ARG_CONST_SIZE_OR_ZERO } },
	{ BPF_FUNC_strncmp, "bpf_strncmp", h_strncmp, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE, BPFX_ARG_PTR_TO_CONST_STR } },
};
HELPER_GROUP(helpers_str_group, str_helpers);
