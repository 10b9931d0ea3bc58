/* SPDX-License-Identifier: MIT */
/*
 * The helpers built into bpfx, numbered as the kernel's enum bpf_func_id.
 * Each source file of this module defines one group (a table sorted by
 * id, with HELPER_GROUP); registry.c lists the groups and merges them into
 * one sorted table. A program may call only what is there or what the
 * embedder registers (bpfx_prog_opts.helpers).
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

/* A file's helpers: a table sorted by id. */
struct helper_group {
	const struct bpfx_helper *helpers;
	size_t cnt;
};
#define HELPER_GROUP(name, table) \
	const struct helper_group name = { table, sizeof(table) / sizeof((table)[0]) }

/* The groups (registry.c lists them). */
extern const struct helper_group helpers_host_group, helpers_map_group, helpers_skb_group;
extern const struct helper_group helpers_task_group;

/* Every built-in helper, sorted by id: built on first use (thread-safe),
 * then immutable. *cnt gets the number of entries; NULL if out of memory. */
const struct bpfx_helper *helpers_builtin(size_t *cnt);

#endif /* BPFX_HELPERS_HELPERS_H */
