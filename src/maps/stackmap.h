/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_STACK_TRACE (stackmap.c) as bpf_get_stackid uses it
 * (helpers/stack_helpers.c), and the stack depth limit the kernel takes
 * from sysctl kernel.perf_event_max_stack.
 */
#ifndef BPFX_MAPS_STACKMAP_H
#define BPFX_MAPS_STACKMAP_H

#include <stdint.h>

struct map;

/* The kernel's sysctl_perf_event_max_stack: read from /proc once (127,
 * the kernel's default, when unreadable). */
uint32_t stackmap_max_stack(void);

/* bpf_get_stackid's map part: stores the stack of nr (>= 1) instruction
 * pointers `ips` under the id their jhash2 names - the ips themselves, or
 * for BPF_F_STACK_BUILD_ID maps the nr struct bpf_stack_build_id entries
 * at `data` (nr entries fit in value_size) - with the kernel's rules for
 * BPF_F_FAST_STACK_CMP and BPF_F_REUSE_STACKID. Returns the id, -EEXIST
 * when another stack holds it (without REUSE), -ENOMEM when every element
 * is in use. Any thread, any process of the map. */
long stackmap_get_id(struct map *m, const uint64_t *ips, const void *data, uint32_t nr,
		     uint64_t flags);

#endif /* BPFX_MAPS_STACKMAP_H */
