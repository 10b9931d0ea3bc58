/* SPDX-License-Identifier: MIT */
/*
 * Names of the kernel's helper functions (enum bpf_func_id), for the
 * disassembler and the assembler: 5 <-> "bpf_ktime_get_ns". Pure lookups
 * over constant data; safe from any thread.
 */
#ifndef BPFX_HELPERS_NAMES_H
#define BPFX_HELPERS_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* "bpf_map_lookup_elem" for 1, or NULL for an id the kernel does not
 * define. */
const char *helper_name(uint32_t id);

/* The id of the helper called `name` (name[0..len), "bpf_" prefix
 * included), or -1 when there is none. */
int helper_id(const char *name, size_t len);

#endif /* BPFX_HELPERS_NAMES_H */
