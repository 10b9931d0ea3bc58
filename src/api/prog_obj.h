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
	uint8_t tag[BPF_TAG_SIZE];    /* prog_calc_tag of the instructions as given */
	/* The instructions as loaded, with every lddw that names a map
	 * rewritten to BPF_PSEUDO_MAP_IDX(_VALUE) and imm = its index in
	 * maps[]: what a pin stores (filled by PROG_LOAD, owned). */
	struct bpf_insn *pin_insns;
	uint32_t insn_cnt;
};

/* The kernel's tag of a program (api/prog_tag.c): 0 or -ENOMEM. */
int prog_calc_tag(const struct bpf_insn *insns, uint32_t cnt, uint8_t tag[BPF_TAG_SIZE]);

/* BPF_OBJ_PIN of a program (api/prog_pin.c): writes the pin file at
 * `path` (absolute, in the bpffs root). Returns 0 or a negative errno. */
int prog_pin(struct prog_obj *p, const char *path);

/* Writes a pin file at `path` whole or not at all: `write` fills an
 * unnamed file in the pin's directory, which is then linked at path
 * (-EEXIST when it exists). Returns 0 or a negative errno. */
int pin_file_write(const char *path, int (*write)(void *ctx, int fd), void *ctx);

/* True when `file` (positioned anywhere) starts like a program pin. */
bool prog_pin_is(int file);

/* BPF_OBJ_GET of a program pin: rebuilds the program from `file` (not
 * taken) and returns a new descriptor for it, or a negative errno
 * (-EINVAL for a malformed file). */
int prog_pin_get(int file);

#endif
