/* SPDX-License-Identifier: MIT */
/*
 * Short forms of bpf() commands for tests, on bpfx (t_*) and on the
 * kernel (kbpf_sys in kbpf.h has the kernel's raw call). Each returns the
 * command's result or a negative errno.
 */
#ifndef BPFX_TESTS_TBPF_H
#define BPFX_TESTS_TBPF_H

#include <linux/bpf.h>
#include <stdint.h>

/* bpfx_bpf() with -errno instead of -1/errno. */
int t_sys(int cmd, union bpf_attr *a);
int t_pin(int fd, const char *path);
int t_get(const char *path);
/* A map of u32 keys and u64 values. */
int t_map_create(uint32_t type, uint32_t max_entries);
int t_update(int fd, uint32_t key, uint64_t value);
/* The value, or 0xdead when the lookup fails. */
uint64_t t_lookup(int fd, uint32_t key);
/* Loads a sleepable syscall program named `name` (NULL: none) that adds 1
 * atomically to the u64 at key 0 of map_fd and returns retval. */
int t_load_adder(int map_fd, int32_t retval, const char *name);

#endif
