/* SPDX-License-Identifier: MIT */
/*
 * The verifier as the rest of bpfx sees it: one call that decides whether
 * a program is safe, writes the kernel's log, and answers like the
 * kernel's BPF_PROG_LOAD (0, -EACCES, -EINVAL, -E2BIG, -ENOSPC for a
 * truncated log of an accepted program).
 */
#ifndef BPFX_VERIFIER_VERIFIER_H
#define BPFX_VERIFIER_VERIFIER_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfx/bpfx.h>

/* What the verifier knows of a map the program references. */
struct vfy_map {
	uint32_t type, key_size, value_size, max_entries, map_flags;
	const char *name;
	/* read-only (BPF_F_RDONLY_PROG) and frozen: its first value, whose
	 * loads are constants (like the kernel's .rodata); else NULL */
	const void *rodata;
};

struct vfy_input {
	uint32_t prog_type;
	/* lddw with BPF_PSEUDO_MAP_IDX(_VALUE): imm indexes this array (the
	 * other pseudo sources must be rewritten to it before). */
	const struct vfy_map *maps;
	size_t map_cnt;
	const struct bpfx_helper *helpers;  /* callable helpers, sorted by id */
	size_t helper_cnt;
	uint32_t log_level;                 /* 0, 1, 2 (| 4 stats; 8 fixed) */
	char *log_buf;                      /* NULL: no log */
	uint32_t log_size;
	uint32_t insn_limit;                /* 0: the kernel's 1,000,000 */
};

struct vfy_stats {
	uint64_t processed;
	uint32_t total_states, peak_states, max_states_per_insn;
};

/* Verifies insns[0..cnt). Returns 0 when the program is safe, else the
 * kernel's errno (negative), or -EOPNOTSUPP when it uses what this
 * verifier does not model yet (a helper argument or return type). stats
 * may be NULL. Thread-safe. */
int vfy_verify(const struct bpf_insn *insns, size_t cnt, const struct vfy_input *in,
	       struct vfy_stats *stats);

#endif
