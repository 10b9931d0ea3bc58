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

extern const struct bpfx_helper helpers_builtin[];
extern const size_t helpers_builtin_cnt;

#endif /* BPFX_HELPERS_HELPERS_H */
