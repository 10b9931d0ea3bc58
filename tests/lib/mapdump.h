/* SPDX-License-Identifier: MIT */
/*
 * A map's contents as one line of text, the same through the kernel's
 * bpf() and bpfx_bpf(), so differential tests compare maps with strcmp:
 * "name: key=value key=value ..." with entries sorted (iteration order
 * may differ between the kernel and bpfx, the contents may not), per-CPU
 * values as the sums over CPUs of their 8-byte words, arrays without
 * their all-zero entries. Not thread-safe (static buffers).
 */
#ifndef BPFX_TESTS_MAPDUMP_H
#define BPFX_TESTS_MAPDUMP_H

#include <linux/bpf.h>
#include <stdint.h>

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

/* Writes the line (at most 4096 bytes) to d. ncpu: slots of per-CPU maps. */
void dump_map(bpf_fn sys, int fd, const char *name, uint32_t type, uint32_t ks, uint32_t vs,
	      uint32_t ncpu, char *d);

#endif
