/* SPDX-License-Identifier: MIT */
/*
 * CO-RE relocations (core.c): a program's field offsets, sizes and
 * existence checks, type and enumerator queries, resolved against a
 * target BTF and written into its instructions.
 */
#ifndef BPFX_LOADER_CORE_H
#define BPFX_LOADER_CORE_H

#include <linux/bpf.h>
#include <stddef.h>

#include "util/log.h"

struct btf;

/* What an unresolvable relocation leaves in its instruction (libbpf's
 * choice): a call to this helper number, which fails the program when it
 * runs. */
#define CORE_POISON_IMM 0xbad2310

/* Applies relos[0..n) (insn_off in bytes from the program's start, as
 * the loader re-based them) to insns[0..cnt), local being the program's
 * own BTF and target the layout it will run against (may be local).
 * `what` labels log lines (the program). 0, or -EINVAL for a malformed
 * or ambiguous relocation (the reason goes to log). */
int core_relocate(const struct btf *local, const struct btf *target, struct bpf_insn *insns,
		  size_t cnt, const struct bpf_core_relo *relos, size_t n,
		  const struct log_sink *log, const char *what);

#endif
