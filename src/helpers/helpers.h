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

/* For helpers taking a map in r1 (map_helpers.c): the map, after the
 * checks of a checked run (NULL: the run is stopped); and whether memory
 * the program passes may be read (false: stopped). */
struct map;
struct map *helper_map_arg(struct bpfx_run_ctx *run, uint64_t r1, const char *helper);
bool helper_mem_arg(struct bpfx_run_ctx *run, uint64_t ptr, size_t size, const char *helper,
		    const char *what);

/* Packet helpers (skb_helpers.c). */
uint64_t helper_skb_load_bytes(uint64_t skb, uint64_t offset, uint64_t to, uint64_t len,
			       uint64_t r5, struct bpfx_run_ctx *run);

/* Checks shared by helpers (str_helpers.c). In checked runs: may the
 * program access [ptr, ptr + size) (for writing if `write`)? If not, the
 * run is stopped with -EFAULT naming helper and what, and false returned.
 * Always true in trusted runs. */
bool helper_mem_ok(struct bpfx_run_ctx *run, uint64_t ptr, uint64_t size, bool write,
		   const char *helper, const char *what);
/* The length of the constant string at ptr; -1 (the run stopped with
 * -EFAULT) when a checked run may not read it up to its NUL. */
long helper_const_str(struct bpfx_run_ctx *run, uint64_t ptr, const char *helper);

/* The trace pipe bpf_trace_printk appends to (trace_helpers.c): a file
 * of the bpffs root. Writes its path; -ENOENT without a root. */
#define HELPER_TRACE_PIPE "trace_pipe"
int helper_trace_path(char *out, size_t out_sz);

/* The bpf_spin_lock word (lock_helpers.c): 0 free, else the holder's
 * thread id; process-shared, and taken over from a holder that died. */
void helper_spin_lock(uint32_t *lock);
void helper_spin_unlock(uint32_t *lock);

/* Timers (timer_helpers.c): cancels and forgets every timer of `map`, or
 * whose callback is a function of `prog` (either may be NULL), waiting
 * for a callback that runs. Called when maps and programs are destroyed. */
void helper_timers_forget(const void *map, const void *prog);

/* The "struct task_struct *" helpers hand programs (bpf_get_current_task,
 * bpf_get_current_task_btf): an opaque value shaped like a kernel
 * address, naming the thread tid; helpers taking a task decode it with
 * helper_task_tid (storage_helpers.c): the tid, or 0 for anything else. */
#define HELPER_TASK_PTR_BASE 0xffff888000000000ull
#define HELPER_TASK_PTR_STRIDE 0x4000ull
#define HELPER_TASK_PTR(tid) (HELPER_TASK_PTR_BASE + (uint64_t)(uint32_t)(tid) * HELPER_TASK_PTR_STRIDE)
int32_t helper_task_tid(uint64_t task);

/* A file's helpers: a table sorted by id. */
struct helper_group {
	const struct bpfx_helper *helpers;
	size_t cnt;
};
#define HELPER_GROUP(name, table) \
	const struct helper_group name = { table, sizeof(table) / sizeof((table)[0]) }

/* The groups (registry.c lists them). */
extern const struct helper_group helpers_host_group, helpers_map_group, helpers_skb_group;
extern const struct helper_group helpers_queue_group;
extern const struct helper_group helpers_ringbuf_group, helpers_perf_group;
extern const struct helper_group helpers_tail_call_group;
extern const struct helper_group helpers_str_group, helpers_trace_group,
	helpers_callback_group, helpers_percpu_group, helpers_lock_group, helpers_timer_group;
extern const struct helper_group helpers_xdp_group, helpers_csum_group, helpers_skb_adjust_group;
extern const struct helper_group helpers_task_group;
extern const struct helper_group helpers_stack_group, helpers_storage_group;
extern const struct helper_group helpers_vma_group;

/* May a program of prog_type call helper helper_id (stack_helpers.c)? The
 * kernel's per-type helper sets, for the helpers bpfx restricts: false
 * makes PROG_LOAD refuse the program as the kernel's verifier does. */
bool helper_prog_type_ok(uint32_t prog_type, uint32_t helper_id);

/* Every built-in helper, sorted by id: built on first use (thread-safe),
 * then immutable. *cnt gets the number of entries; NULL if out of memory. */
const struct bpfx_helper *helpers_builtin(size_t *cnt);

#endif /* BPFX_HELPERS_HELPERS_H */
