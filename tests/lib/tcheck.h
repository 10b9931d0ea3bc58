/* SPDX-License-Identifier: MIT */
/*
 * A minimal test framework shared by every test binary. A check that
 * fails prints where and why and the binary goes on; t_done() prints the
 * suite's closing line "<suite>: N passed, M failed[, K skipped]", which
 * tests/run.sh sums, and returns the exit code (1 when anything failed).
 */
#ifndef BPFX_TESTS_TCHECK_H
#define BPFX_TESTS_TCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Records one check. Returns cond so callers can stop early on failure. */
bool t_check(bool cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Records a skipped check and prints its reason on stderr. */
void t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the closing line; returns 0 if nothing failed, else 1. */
int t_done(const char *suite);

/* Reads a whole file; returns a malloc'd buffer (NUL-terminated) or NULL. */
char *t_read_file(const char *path, size_t *len);

#define CHECK(cond, ...) t_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_U64(got, want, what)                                         \
	CHECK((uint64_t)(got) == (uint64_t)(want), "%s: got 0x%llx, want 0x%llx", \
	      (what), (unsigned long long)(got), (unsigned long long)(want))

#endif
