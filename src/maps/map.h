/* SPDX-License-Identifier: MIT */
/*
 * Maps: the common object and the per-type operations.
 *
 * A map's memory is one shared mapping of its own file: a header
 * (struct map_hdr) followed by the type's data. Everything inside the
 * mapping is position independent (offsets from the mapping's start, never
 * pointers) and its synchronisation is process-shared, so that when pins
 * let another process map the same file, both see and update one map.
 *
 * Each map type is one file with one const struct map_ops (DESIGN habit
 * 3), registered by type in map.c. The generic layer (map.c) checks what
 * is common to all types - attribute sizes, flags the type accepts,
 * frozen and read-only maps - before calling the type.
 *
 * Calling contexts: lookup/update/delete/get_next_key are called both
 * from programs (through the map helpers, on the program's thread) and
 * from user space (bpf() commands and the bpfx_map API), concurrently.
 */
#ifndef BPFX_MAPS_MAP_H
#define BPFX_MAPS_MAP_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/obj.h"

#define MAP_HDR_MAGIC 0x70616d78u   /* "xmap" */
#define MAP_LAYOUT_VERSION 1u

/* At the start of the mapping: what another process needs to use it. */
struct map_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t map_extra_lo, map_extra_hi;
	uint32_t nr_slots;              /* per-CPU maps: values per key */
	char name[BPF_OBJ_NAME_LEN];
	atomic_uint frozen;             /* BPF_MAP_FREEZE: no more user writes */
	uint32_t pad;
	uint64_t data_off;              /* where the type's data starts */
	uint64_t size;                  /* of the whole mapping */
};

struct map;

struct map_ops {
	const char *name;               /* "array", as bpftool names the type */

	/* MAP_CREATE, after the generic checks: the type's own rules on the
	 * attributes (key size, value size, flags...). 0 or -EINVAL/-E2BIG. */
	int (*check)(const union bpf_attr *attr);
	/* Bytes of data the type needs after the header. */
	int (*data_size)(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size);
	/* Sets up the (zero-filled) data; optional. */
	int (*init)(struct map *map);

	/* The value of a key, for programs: a pointer into the mapping that
	 * stays valid while the map lives (kernel semantics: the program may
	 * read and write it in place). NULL when absent. */
	void *(*lookup)(struct map *map, const void *key);
	/* The same for user space: copies the value (all slots of per-CPU
	 * maps, each rounded up to 8 bytes) and honours BPF_F_LOCK. */
	int (*lookup_copy)(struct map *map, const void *key, void *value, uint64_t flags);
	/* From a program: per-CPU maps write the calling slot's value. */
	int (*update)(struct map *map, const void *key, const void *value, uint64_t flags);
	/* Per-CPU maps, from user space: `value` holds every slot's value,
	 * each rounded up to 8 bytes. NULL for other maps (update is used). */
	int (*update_all)(struct map *map, const void *key, const void *value, uint64_t flags);
	int (*delete)(struct map *map, const void *key);
	/* key NULL: the first key. -ENOENT after the last. */
	int (*get_next_key)(struct map *map, const void *key, void *next_key);
	/* Optional: queue/stack/bloom style maps. */
	int (*push)(struct map *map, const void *value, uint64_t flags);
	int (*pop)(struct map *map, void *value, bool remove);
	/* Checked mode: is [addr, addr + size) inside one value of the map
	 * (as lookup hands them to programs)? Never true for the type's own
	 * bookkeeping, which a program must not be able to corrupt. */
	bool (*contains)(const struct map *map, uintptr_t addr, size_t size);
	/* Optional: LOOKUP_AND_DELETE for keyed maps. */
	int (*lookup_and_delete)(struct map *map, const void *key, void *value, uint64_t flags);
	/* The bpf() batch commands the type has (MAP_BATCH_* bits, as the
	 * kernel's ops have them; the others are ENOTSUPP). */
	unsigned batch;
	/* Optional: LOOKUP_BATCH and LOOKUP_AND_DELETE_BATCH done by the type
	 * (hash maps: whole buckets, a bucket number as the token); NULL: the
	 * generic walk with get_next_key (api/map_batch.c). attr: the
	 * command's, with user pointers; *count: the count to report. */
	int (*lookup_batch)(struct map *map, const union bpf_attr *attr, bool del,
			    uint32_t *count);
	/* Types whose file must read, from offset 0, like the kernel's mmap
	 * of the map (ringbuf: consumer page, producer page, data) keep the
	 * header at map_hdr_alt_off() instead of 0, and their data starts at
	 * the next page boundary after it. */
	bool hdr_alt;

	/* Maps whose values are objects (prog arrays, maps of maps: fd_map.h).
	 * Their update/delete are NULL, so programs cannot change them; user
	 * space gives descriptors through fd_update (the value is a u32 fd)
	 * and removes through fd_delete; lookup_copy answers object ids. */
	int (*fd_update)(struct map *map, const void *key, const void *value, uint64_t flags);
	int (*fd_delete)(struct map *map, const void *key);
	/* Maps of maps, from programs: the inner map with one reference the
	 * caller puts, or NULL. */
	struct map *(*lookup_map)(struct map *map, const void *key);
	/* Optional, per-process state (type_priv): set up after the storage,
	 * from MAP_CREATE attributes, or with attr NULL when the map is opened
	 * from a pin; released before the map is destroyed. */
	int (*priv_new)(struct map *map, const union bpf_attr *attr);
	void (*priv_free)(struct map *map);
	/* Optional: the map's file just got a name in the bpffs (a pin, or a
	 * link from a pinned program), so other processes may open it. */
	void (*named)(struct map *map);
	/* Per-CPU maps (bpf_map_lookup_percpu_elem): like lookup, for the
	 * value of runner slot `cpu`; NULL when absent or cpu >= nr_slots. */
	void *(*lookup_percpu)(struct map *map, const void *key, uint32_t cpu);
	/* Timers: the value that holds address addr, and its key (copied to
	 * key, key_size bytes). -ENOENT when addr is in no value. */
	int (*locate)(struct map *map, uintptr_t addr, void **value, void *key);
};

#define MAP_BATCH_LOOKUP 1u
#define MAP_BATCH_LOOKUP_AND_DELETE 2u
#define MAP_BATCH_UPDATE 4u
#define MAP_BATCH_DELETE 8u
#define MAP_BATCH_ALL 15u

struct map {
	struct obj obj;
	const struct map_ops *ops;
	struct map_hdr *hdr;            /* the mapping */
	void *data;                     /* (char *)hdr + hdr->data_off */
	/* Copies of the header's constants, for the hot paths. */
	uint32_t type, key_size, value_size, max_entries, map_flags, nr_slots;
	void *type_priv;                /* per-process state of the type, if any */
	struct obj *btf;                /* its BTF object (a reference), or NULL */
	uint32_t btf_key_type_id, btf_value_type_id;
	/* A struct bpf_spin_lock in the value, where BTF says (map_btf.c):
	 * BPF_F_LOCK copies take it; user copies never carry it. */
	bool has_spin_lock;
	uint32_t spin_lock_off;
	/* A struct bpf_timer: shown as zeros, never overwritten by updates. */
	bool has_timer;
	uint32_t timer_off;
};

/* The ops of a map type, or NULL when bpfx does not implement it. */
const struct map_ops *map_ops_of(uint32_t type);

/* Creates a map from MAP_CREATE attributes. Returns the map with one
 * reference, or NULL and *err (kernel errnos: EINVAL for bad attributes,
 * E2BIG for sizes over the limits, EOPNOTSUPP for types bpfx lacks). */
struct map *map_create(const union bpf_attr *attr, int *err);

/* Opens a map from a pinned file (taking the descriptor over on success):
 * maps the file and checks its header. NULL and *err = -EINVAL when the
 * file is not a map this build can use. */
struct map *map_open(int file, int *err);

/* BTF-described maps (map_btf.c). map_btf_check: the kernel's rules for
 * MAP_CREATE's btf_key_type_id / btf_value_type_id against `btf` (0 or
 * -EINVAL). map_btf_attach: gives the new map its BTF (a reference to
 * `b`) and stores it in the map's file for other processes. map_btf_open:
 * a pinned map's stored BTF, if any (0, -EINVAL for a damaged file). */
struct btf;
struct btf_obj;
int map_btf_check(const union bpf_attr *attr, const struct btf *btf);
int map_btf_attach(struct map *m, struct btf_obj *b, uint32_t key_id, uint32_t value_id);
int map_btf_open(struct map *m, int file, uint64_t file_size);
/* Values with special fields - a struct bpf_spin_lock, a struct
 * bpf_timer (m->has_spin_lock, m->has_timer; map_btf.c) - as the kernel's
 * copy_map_value / copy_map_value_locked / check_and_init_map_value
 * treat them. map_value_copy: value_size bytes, the special fields' left
 * as they are in dst. map_value_copy_locked: the same under the lock in
 * the map's copy (src when to_user, else dst). map_value_hide_special:
 * zeroes them in a copy for user space. Any thread; without special
 * fields they are plain copies / no-ops. */
void map_value_copy(const struct map *m, void *dst, const void *src);
void map_value_copy_locked(const struct map *m, void *dst, const void *src, bool to_user);
void map_value_hide_special(const struct map *m, void *value);

/* Where a hdr_alt type keeps its header: 64 bytes into the file's second
 * page (the ringbuf's producer page, which consumers only read). */
uint64_t map_hdr_alt_off(void);

/* The start of the map's mapping (its file's offset 0). */
static inline void *map_base(const struct map *m)
{
	return m->ops->hdr_alt ? (char *)m->hdr - map_hdr_alt_off() : (void *)m->hdr;
}

static inline struct map *map_of(struct obj *o)
{
	return (struct map *)o;
}

/* Bytes of one value as user space sees it: per-CPU maps hold nr_slots
 * copies, each rounded up to 8 bytes. */
static inline uint64_t map_user_value_size(const struct map *m)
{
	if (m->nr_slots > 1)
		return (uint64_t)((m->value_size + 7) & ~7u) * m->nr_slots;
	return m->value_size;
}

/* For checked mode (a vm_mem_owner's test): may a program access
 * [addr, addr + size) of this map's values, for writing if `write`?
 * BPF_F_RDONLY_PROG maps are read-only to programs. */
bool map_value_contains(const void *map, uintptr_t addr, size_t size, bool write);

/* The largest mapping a map may have (map.c refuses more with E2BIG);
 * types that the kernel sizes on demand stay below it themselves. */
#define MAP_MAX_SIZE ((uint64_t)1 << 40)
/* get_next_key of every map indexed by a u32 below max_entries (arrays,
 * perf event arrays, devmaps): array.c. */
int array_get_next_key(struct map *m, const void *key, void *next_key);

/* Number of runner slots ("CPUs" of per-CPU maps). */
uint32_t map_nr_slots(void);

/* Initialises a lock inside a map's mapping: process-shared and robust
 * (a locker whose owner died gets EOWNERDEAD and must repair). 0 or a
 * negative errno. */
#include <pthread.h>
int map_robust_mutex_init(pthread_mutex_t *lock);

/* A random hash seed (jhash initval) for a new map; any thread. */
uint32_t map_random_seed(void);

/* The kernel's internal "not supported" errno, as user space sees it
 * (map commands a map type lacks). */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

#endif /* BPFX_MAPS_MAP_H */
