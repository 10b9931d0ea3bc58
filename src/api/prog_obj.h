/* SPDX-License-Identifier: MIT */
/*
 * A loaded program as an object: the runnable program, what the kernel
 * records about it (type, attach type, name), and references to the maps
 * it uses, which therefore live as long as it does. Its file holds the
 * instructions as loaded (what a pin will store).
 */
#ifndef BPFX_API_PROG_OBJ_H
#define BPFX_API_PROG_OBJ_H

#include <linux/bpf.h>
#include <stdbool.h>

#include "api/obj.h"

struct bpfx_prog;
struct map;

struct prog_obj {
	struct obj obj;
	struct bpfx_prog *prog;       /* owned */
	uint32_t type;                /* enum bpf_prog_type */
	uint32_t expected_attach_type;
	uint32_t prog_flags;
	bool gpl;                     /* license is GPL-compatible */
	char name[BPF_OBJ_NAME_LEN];
	struct map **maps;            /* one reference each (owned array) */
	uint32_t map_cnt;
	uint64_t load_time_ns;        /* CLOCK_BOOTTIME, like the kernel's */
};

#endif
