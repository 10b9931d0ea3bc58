/* SPDX-License-Identifier: MIT */
/*
 * Maps whose values are objects: BPF_MAP_TYPE_PROG_ARRAY (programs, for
 * tail calls), ARRAY_OF_MAPS and HASH_OF_MAPS (maps). User space stores a
 * descriptor (a u32 value), reads back the object's id; programs get the
 * object itself (bpf_tail_call, bpf_map_lookup_elem). Every stored object
 * is held by one reference, released on delete, replacement and when the
 * map dies.
 *
 * Objects are per process, so the slots are per-process state (type_priv)
 * under a mutex. Prog arrays and arrays of maps also name their objects
 * in the shared file once the map is pinned, and other processes open
 * them from there (fd_map.c); a hash of maps' slots stay in the process
 * that filled them. A map of maps' inner template lives in the file.
 */
#ifndef BPFX_MAPS_FD_MAP_H
#define BPFX_MAPS_FD_MAP_H

#include "maps/map.h"

/* The inner map template of a map of maps (the kernel's inner_map_meta):
 * at the start of the map's shared data. */
struct fd_meta {
	uint32_t type, key_size, value_size, max_entries, map_flags;
};

/* MAP_CREATE of a map of maps: the template from attr->inner_map_fd
 * (EBADF, EINVAL for a map of maps, EOPNOTSUPP for types bpfx does not
 * nest). */
int fd_meta_init(struct map *m, const union bpf_attr *attr);
/* Does map `in` fit the template of map of maps m? */
bool fd_meta_fits(const struct map *m, const struct map *in);
/* The map behind descriptor `ufd`, if it fits the template (EINVAL). */
int fd_inner_get(const struct map *m, uint32_t ufd, struct obj **o);
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal errno, as user space sees it */
#endif

/* LOOKUP_AND_DELETE: the kernel has none for these maps (ENOTSUPP). */
int fd_lookup_and_delete(struct map *m, const void *key, void *value, uint64_t flags);

/* For vm_hold: puts a held object. */
void fd_obj_put(void *o);
/* User-space lookups: writes o's id (u32) to value and puts o; -ENOENT
 * when o is NULL (an empty slot); -EINVAL (o put) for BPF_F_LOCK, which
 * needs a spin lock in the value. */
int fd_id_copy(struct obj *o, void *value, uint64_t flags);

/* bpf_tail_call's side of a prog array: the program in slot `index`
 * with a reference (put it), or NULL when the index is out of range or
 * the slot empty. */
struct obj *prog_array_get(struct map *m, uint32_t index);

struct prog_obj;
/* The kernel's owner check (bpf_prog_map_compatible): the first program
 * stored in or loaded with the prog array fixes its type, expected
 * attach type, sleepable and XDP frags flags; others must match
 * (-EINVAL). Called by PROG_LOAD for each prog array a program uses. */
int prog_array_owner(struct map *m, const struct prog_obj *p);

#endif
