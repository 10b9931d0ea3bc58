/* SPDX-License-Identifier: MIT */
/*
 * Maps for tests: the kernel's (raw bpf() map commands, for differential
 * tests) and bpfx's (a struct map made from a type's ops, so a type can be
 * tested before the registry in map.c knows it).
 *
 * Every function is synchronous and returns 0 (or a descriptor) or a
 * negative errno; nothing here exits or prints.
 */
#ifndef BPFX_TESTS_KMAP_H
#define BPFX_TESTS_KMAP_H

#include <linux/bpf.h>
#include <stdint.h>

struct map;
struct map_ops;

/* The kernel's side. */
int kmap_create(const union bpf_attr *attr);
int kmap_lookup(int fd, const void *key, void *value, uint64_t flags);
int kmap_update(int fd, const void *key, const void *value, uint64_t flags);
int kmap_delete(int fd, const void *key);
int kmap_get_next_key(int fd, const void *key, void *next_key);
int kmap_lookup_and_delete(int fd, const void *key, void *value, uint64_t flags);
int kmap_info(int fd, struct bpf_map_info *info);
/* Number of possible CPUs (the slots of the kernel's per-CPU maps),
 * from /sys/devices/system/cpu/possible; 0 when unknown. */
unsigned kmap_possible_cpus(void);
/* NULL when the kernel can create a hash map here, else why not. */
const char *kmap_unavailable(void);

/* bpfx's side. A map of attr's type: through map_create() when the
 * registry knows the type, else built like map_create() does with `ops`
 * (check, data_size, shared memfd mapping, header, init). NULL and *err
 * on failure. Per-CPU maps get map_nr_slots() slots. */
struct map *tmap_new(const struct map_ops *ops, const union bpf_attr *attr, int *err);
/* A second struct map over a new mapping of the same map's file, at
 * another address: what another process opening a pin would see. */
struct map *tmap_view(const struct map *m, int *err);
/* Frees a map or a view of tmap_new/tmap_view; NULL-safe. */
void tmap_free(struct map *m);

/* The user-space update of bpf(): update_all for per-CPU maps. */
int tmap_update(struct map *m, const void *key, const void *value, uint64_t flags);

#endif
