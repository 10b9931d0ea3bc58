/* SPDX-License-Identifier: MIT */
/*
 * Shared by the programs of tests/suites/helpers.sh, which
 * tests/tools/helperdiff runs in bpfx and in the kernel: every program is
 * a syscall program whose context is struct hctx. The tool fills in nonce
 * and ncpus; the program writes what it found into the rest, and the tool
 * compares the whole context, byte for byte, between bpfx and the kernel.
 */
#ifndef HELPER_PROGS_H
#define HELPER_PROGS_H

#include <linux/bpf.h>
#ifdef __bpf__
#include <bpf/bpf_helpers.h>
#endif

#define HCTX_RETS 64
#define HCTX_TEXTS 12
#define HCTX_TEXT 96

struct hctx {
	__u64 nonce;                    /* in: marks this run's trace lines */
	__u64 ncpus;                    /* in: possible CPUs (bpfx: runner slots) */
	__s64 ret[HCTX_RETS];           /* out: return values and results */
	char text[HCTX_TEXTS][HCTX_TEXT]; /* out: formatted strings */
};

#endif
