/* SPDX-License-Identifier: MIT */
/*
 * The printf-like helpers' format engine (bpf_snprintf, bpf_trace_printk,
 * bpf_trace_vprintk), with the kernel's rules (bpf_bprintf_prepare): only
 * printable ASCII; conversions %d %i %u %x %X with l/ll, %c, %s, %pks,
 * %pus, %p %px %pK %ps %pS %pB, %pI4 %pi4 %pI6 %pi6, %%; flags "0+- " and a
 * width but no precision; strings and IP addresses are copied first,
 * within the kernel's 512-byte argument buffer (-ENOSPC beyond). Called on
 * the program's thread; no state.
 */
#ifndef BPFX_HELPERS_BPRINTF_H
#define BPFX_HELPERS_BPRINTF_H

#include <stddef.h>
#include <stdint.h>

#include <bpfx/bpfx.h>

#define BPRINTF_MAX_ARGS 12        /* the kernel's MAX_BPRINTF_VARARGS */
#define BPRINTF_BIN_ARGS 512       /* MAX_BPRINTF_BIN_ARGS */
#define BPRINTF_BUF 1024           /* MAX_BPRINTF_BUF: trace_printk's line */

/* Checks fmt (its NUL must lie within fmt_size bytes: -EINVAL if not)
 * against args[0..nargs), then formats it into out[0..out_sz) like the
 * kernel's bstr_printf (truncated, NUL-terminated when out_sz > 0).
 * Returns the length of the whole output (without the NUL), or a negative
 * errno (-EINVAL bad format or too few arguments, -ENOSPC argument buffer
 * full) with out untouched. Pointers that %s and %pI read are read with
 * bprintf_read (faulting reads give an empty string or zeros, as in the
 * kernel). The caller has checked that fmt[0..fmt_size) is readable. */
int bprintf_format(struct bpfx_run_ctx *run, const char *fmt, size_t fmt_size,
		   const uint64_t *args, uint32_t nargs, char *out, size_t out_sz);

/* Reads up to `len` bytes at addr as a program's helper may: memory the
 * run lets the program read (checked runs), any readable memory of the
 * process otherwise. Returns the number of bytes read before the first
 * unreadable one. */
size_t bprintf_read(struct bpfx_run_ctx *run, uint64_t addr, void *dst, size_t len);

/* The length of the NUL-terminated string at addr that the program may read,
 * or -1 when it runs into memory the program may not read (checked runs;
 * trusted runs trust the verifier's constant string). */
long bprintf_const_strlen(struct bpfx_run_ctx *run, uint64_t addr);

#endif
