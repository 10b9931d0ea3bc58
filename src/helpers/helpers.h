/* SPDX-License-Identifier: MIT */
/*
 * The helpers built into bpfx, numbered as the kernel's enum bpf_func_id.
 * The maps and helpers module grows this list; a program may call only
 * what is here or what the embedder registers (bpfx_prog_opts.helpers).
 */
#ifndef BPFX_HELPERS_HELPERS_H
#define BPFX_HELPERS_HELPERS_H

#include <stddef.h>

#include <bpfx/bpfx.h>

/* The map helpers (map_helpers.c), in the built-in table. */
uint64_t helper_map_lookup_elem(uint64_t r1, uint64_t key, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run);
uint64_t helper_map_update_elem(uint64_t r1, uint64_t key, uint64_t value, uint64_t flags,
				uint64_t r5, struct bpfx_run_ctx *run);
uint64_t helper_map_delete_elem(uint64_t r1, uint64_t key, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run);

/* Packet helpers (skb_helpers.c). */
uint64_t helper_skb_load_bytes(uint64_t skb, uint64_t offset, uint64_t to, uint64_t len,
			       uint64_t r5, struct bpfx_run_ctx *run);

extern const struct bpfx_helper helpers_builtin[];
extern const size_t helpers_builtin_cnt;

#endif /* BPFX_HELPERS_HELPERS_H */
