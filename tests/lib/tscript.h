/* SPDX-License-Identifier: MIT */
/*
 * Transcripts of bpf() commands for differential tests: each step's
 * name, result (-1, 0, or 1 for a descriptor), errno and up to 16 bytes
 * of output; checked against written expectations (bpfx) and compared
 * step by step with the kernel's transcript (tscript.c).
 */
#ifndef BPFX_TESTS_TSCRIPT_H
#define BPFX_TESTS_TSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#define TS_MAX_STEPS 64

struct ts_step {
	char what[48];
	int ret, err;
	uint32_t out[4];
};

struct ts_transcript {
	struct ts_step s[TS_MAX_STEPS];
	int n;
};

struct ts_expect {
	const char *what;
	int ret, err;
	uint32_t out[4];
};

/* Records a command's return value (and errno when negative) and, when
 * it succeeded, out_len (<= 16) bytes of out. Returns ret. */
int ts_rec(struct ts_transcript *t, const char *what, int ret, const void *out, size_t out_len);
/* Every expectation's step ran and gave what it says. */
void ts_check_expect(const struct ts_transcript *t, const struct ts_expect *e, size_t n);
/* The two transcripts agree step by step. */
void ts_compare(const struct ts_transcript *mine, const struct ts_transcript *kernel);

#endif
