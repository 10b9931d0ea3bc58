/* SPDX-License-Identifier: MIT */
/*
 * Creating maps: the checks every type shares, the storage file and its
 * shared mapping, and the registry of map types. Runs on the thread that
 * issues BPF_MAP_CREATE (or bpfx_map__create).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/bpffs.h"
#include "helpers/helpers.h"
#include "maps/map.h"
#include "util/alloc.h"
#include "vm/slot.h"

/* The last map type of the UAPI headers bpfx is built with; the kernel
 * says EINVAL for types it does not know, and so do we. */
#define MAP_TYPE_LAST_KNOWN BPF_MAP_TYPE_USER_RINGBUF

extern const struct map_ops array_map_ops, percpu_array_map_ops;
extern const struct map_ops devmap_map_ops;
extern const struct map_ops htab_map_ops, htab_percpu_map_ops, htab_lru_map_ops,
	htab_lru_percpu_map_ops;
extern const struct map_ops lpm_trie_map_ops, queue_map_ops, stack_map_ops,
	bloom_filter_map_ops;
extern const struct map_ops ringbuf_map_ops;
extern const struct map_ops perf_event_array_map_ops;
extern const struct map_ops prog_array_map_ops, array_of_maps_map_ops, hash_of_maps_map_ops;
extern const struct map_ops stack_trace_map_ops;
extern const struct map_ops task_storage_map_ops;

/* The types bpfx implements. Others the kernel knows get EOPNOTSUPP. */
static const struct map_ops *const ops_by_type[] = {
	[BPF_MAP_TYPE_ARRAY] = &array_map_ops,
	[BPF_MAP_TYPE_PERCPU_ARRAY] = &percpu_array_map_ops,
	[BPF_MAP_TYPE_HASH] = &htab_map_ops,
	[BPF_MAP_TYPE_PERCPU_HASH] = &htab_percpu_map_ops,
	[BPF_MAP_TYPE_LRU_HASH] = &htab_lru_map_ops,
	[BPF_MAP_TYPE_LRU_PERCPU_HASH] = &htab_lru_percpu_map_ops,
	[BPF_MAP_TYPE_LPM_TRIE] = &lpm_trie_map_ops,
	[BPF_MAP_TYPE_QUEUE] = &queue_map_ops,
	[BPF_MAP_TYPE_STACK] = &stack_map_ops,
	[BPF_MAP_TYPE_BLOOM_FILTER] = &bloom_filter_map_ops,
	[BPF_MAP_TYPE_RINGBUF] = &ringbuf_map_ops,
	[BPF_MAP_TYPE_PERF_EVENT_ARRAY] = &perf_event_array_map_ops,
	[BPF_MAP_TYPE_PROG_ARRAY] = &prog_array_map_ops,
	[BPF_MAP_TYPE_ARRAY_OF_MAPS] = &array_of_maps_map_ops,
	[BPF_MAP_TYPE_HASH_OF_MAPS] = &hash_of_maps_map_ops,
	[BPF_MAP_TYPE_DEVMAP] = &devmap_map_ops,
	[BPF_MAP_TYPE_STACK_TRACE] = &stack_trace_map_ops,
	[BPF_MAP_TYPE_TASK_STORAGE] = &task_storage_map_ops,
};

const struct map_ops *map_ops_of(uint32_t type)
{
	if (type >= sizeof(ops_by_type) / sizeof(ops_by_type[0]))
		return NULL;
	return ops_by_type[type];
}

bool map_value_contains(const void *owner, uintptr_t addr, size_t size, bool write)
{
	const struct map *m = owner;
	if (write && (m->map_flags & BPF_F_RDONLY_PROG))
		return false;
	if (!write && (m->map_flags & BPF_F_WRONLY_PROG))
		return false;
	return m->ops->contains && m->ops->contains(m, addr, size);
}

uint32_t map_nr_slots(void)
{
	return vm_nr_slots();
}

int map_robust_mutex_init(pthread_mutex_t *lock)
{
	pthread_mutexattr_t a;
	int r;

	if ((r = pthread_mutexattr_init(&a)))
		return -r;
	if (!(r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)))
		r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!r)
		r = pthread_mutex_init(lock, &a);
	pthread_mutexattr_destroy(&a);
	return -r;
}

uint32_t map_random_seed(void)
{
	uint32_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_nsec * 2654435761u ^ (uint32_t)getpid();
}

static bool is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

/* The kernel's rule for object names: letters, digits, '_' and '.', NUL
 * terminated within BPF_OBJ_NAME_LEN. */
static int check_name(const char *name)
{
	size_t i;
	for (i = 0; i < BPF_OBJ_NAME_LEN && name[i]; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '.')
			return -EINVAL;
	return i < BPF_OBJ_NAME_LEN ? 0 : -EINVAL;
}

/* What the kernel checks for every map type before the type's own rules. */
static int check_common(const union bpf_attr *attr)
{
	const uint32_t rd = BPF_F_RDONLY | BPF_F_WRONLY;
	const uint32_t prog = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

	/* Only bloom filters (and arenas, which these headers do not know)
	 * have a use for map_extra. */
	if (attr->map_extra && attr->map_type != BPF_MAP_TYPE_BLOOM_FILTER)
		return -EINVAL;
	if (attr->map_type == BPF_MAP_TYPE_UNSPEC || attr->map_type > MAP_TYPE_LAST_KNOWN)
		return -EINVAL;
	if ((attr->map_flags & rd) == rd || (attr->map_flags & prog) == prog)
		return -EINVAL;
	/* numa_node only counts with BPF_F_NUMA_NODE; user space has node 0,
	 * and -1 (NUMA_NO_NODE) means any. */
	if ((attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node != 0 &&
	    attr->numa_node != (uint32_t)-1)
		return -EINVAL;
	/* The kernel's rule first: only struct_ops maps name a vmlinux type. */
	if (attr->btf_vmlinux_value_type_id &&
	    (attr->map_type != BPF_MAP_TYPE_STRUCT_OPS || attr->btf_key_type_id ||
	     attr->btf_value_type_id))
		return -EINVAL;
	if (attr->btf_vmlinux_value_type_id)
		return -EOPNOTSUPP; /* struct_ops maps: there are no kernel structs */
	if (attr->map_ifindex)
		return -EOPNOTSUPP; /* offloaded maps: there is no device */
	return check_name(attr->map_name);
}

static void map_destroy(struct obj *o)
{
	struct map *m = map_of(o);
	if (m->ops->priv_free)
		m->ops->priv_free(m);
	helper_timers_forget(m, NULL); /* timers in its values die with it */
	munmap(map_base(m), m->hdr->size);
	obj_put(m->btf);
	mem_free(m->type_priv);
	mem_free(m);
}

/* On the hot paths of ringbufs (map_base): the page size, read once. */
uint64_t map_hdr_alt_off(void)
{
	static _Atomic uint64_t page;
	uint64_t p = atomic_load_explicit(&page, memory_order_relaxed);

	if (!p) {
		p = (uint64_t)sysconf(_SC_PAGESIZE);
		atomic_store_explicit(&page, p, memory_order_relaxed);
	}
	return p + 64;
}

static int map_storage(struct map *m, const union bpf_attr *attr, uint64_t data_size,
		       int *file)
{
	uint64_t hdr_off = m->ops->hdr_alt ? map_hdr_alt_off() : 0;
	uint64_t align = m->ops->hdr_alt ? (uint64_t)sysconf(_SC_PAGESIZE) : 64;
	uint64_t data_off = (hdr_off + sizeof(struct map_hdr) + align - 1) & ~(align - 1);
	uint64_t size = data_off + data_size;
	char memfd_name[64];

	if (size < data_size || size > MAP_MAX_SIZE)
		return -E2BIG;
	/* In the bpffs root when there is one, so the map can be pinned. */
	*file = bpffs_tmpfile();
	if (*file < 0) {
		snprintf(memfd_name, sizeof(memfd_name), "bpfx-map:%s", attr->map_name);
		*file = memfd_create(memfd_name, MFD_CLOEXEC);
	}
	if (*file < 0)
		return -errno;
	if (ftruncate(*file, (off_t)size) < 0)
		goto fail;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *file, 0);
	if (p == MAP_FAILED)
		goto fail;

	struct map_hdr *h = (struct map_hdr *)((char *)p + hdr_off);
	h->magic = MAP_HDR_MAGIC;
	h->version = MAP_LAYOUT_VERSION;
	h->type = attr->map_type;
	h->key_size = attr->key_size;
	h->value_size = attr->value_size;
	h->max_entries = attr->max_entries;
	h->map_flags = attr->map_flags;
	h->map_extra_lo = (uint32_t)attr->map_extra;
	h->map_extra_hi = (uint32_t)(attr->map_extra >> 32);
	h->nr_slots = m->nr_slots;
	memcpy(h->name, attr->map_name, BPF_OBJ_NAME_LEN);
	h->data_off = data_off;
	h->size = size;
	m->hdr = h;
	m->data = (char *)p + data_off;
	return 0;
fail: {
	int err = -errno;
	close(*file);
	return err == -ENOMEM || err == -ENOSPC ? -ENOMEM : err;
}
}

struct map *map_create(const union bpf_attr *attr, int *err)
{
	const struct map_ops *ops;
	struct map *m = NULL;
	uint64_t data_size;
	int file = -1, e;

	if ((e = check_common(attr)))
		goto fail;
	if (!(ops = map_ops_of(attr->map_type))) {
		e = -EOPNOTSUPP; /* a type the kernel knows, bpfx does not */
		goto fail;
	}
	if ((e = ops->check(attr)))
		goto fail;
	uint32_t slots = is_percpu(attr->map_type) ? map_nr_slots() : 1;
	if ((e = ops->data_size(attr, slots, &data_size)))
		goto fail;
	if (!(m = mem_zalloc(sizeof(*m)))) {
		e = -ENOMEM;
		goto fail;
	}
	m->ops = ops;
	m->type = attr->map_type;
	m->key_size = attr->key_size;
	m->value_size = attr->value_size;
	m->max_entries = attr->max_entries;
	m->map_flags = attr->map_flags;
	m->nr_slots = slots;
	if ((e = map_storage(m, attr, data_size, &file)))
		goto fail;
	if ((e = obj_init(&m->obj, OBJ_MAP, file, map_destroy))) {
		close(file);
		munmap(map_base(m), m->hdr->size);
		goto fail;
	}
	if ((ops->init && (e = ops->init(m))) || (ops->priv_new && (e = ops->priv_new(m, attr)))) {
		obj_put(&m->obj); /* destroys: unmaps, frees */
		m = NULL;
		goto fail;
	}
	return m;
fail:
	mem_free(m);
	*err = e;
	return NULL;
}

/* A map another process created and pinned: its file holds the header and
 * the data, already initialised, so nothing is initialised again. The
 * header is checked against the file before anything trusts it. */
struct map *map_open(int file, int *err)
{
	struct map_hdr h;
	struct stat st;
	const struct map_ops *ops;
	struct map *m;
	uint64_t hdr_off = 0;
	int e = -EINVAL;

	if (fstat(file, &st) < 0 || pread(file, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto fail;
	/* Not a header at 0 (a ringbuf's consumer_pos may look like a magic
	 * number): a type with the kernel's mmap layout? */
	if (h.magic != MAP_HDR_MAGIC || !(ops = map_ops_of(h.type)) || ops->hdr_alt) {
		hdr_off = map_hdr_alt_off();
		if (pread(file, &h, sizeof(h), (off_t)hdr_off) != (ssize_t)sizeof(h) ||
		    !(ops = map_ops_of(h.type)) || !ops->hdr_alt)
			goto fail;
	}
	if (h.magic != MAP_HDR_MAGIC || h.version != MAP_LAYOUT_VERSION ||
	    h.size > (uint64_t)st.st_size || h.data_off < hdr_off + sizeof(h) ||
	    h.data_off > h.size || !(ops = map_ops_of(h.type)) || !ops->hdr_alt != !hdr_off ||
	    h.nr_slots == 0 ||
	    (h.nr_slots > 1 && h.nr_slots != map_nr_slots()))
		goto fail;
	e = -ENOMEM;
	if (!(m = mem_zalloc(sizeof(*m))))
		goto fail;
	void *p = mmap(NULL, h.size, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
	if (p == MAP_FAILED) {
		mem_free(m);
		goto fail;
	}
	m->ops = ops;
	m->hdr = (struct map_hdr *)((char *)p + hdr_off);
	m->data = (char *)p + h.data_off;
	m->type = h.type;
	m->key_size = h.key_size;
	m->value_size = h.value_size;
	m->max_entries = h.max_entries;
	m->map_flags = h.map_flags;
	m->nr_slots = h.nr_slots;
	/* After the mapping: the map's BTF, when it has one. */
	if ((e = map_btf_open(m, file, (uint64_t)st.st_size))) {
		munmap(p, h.size);
		mem_free(m);
		goto fail;
	}
	/* Per-process state first: on failure the file is not taken yet. */
	if ((ops->priv_new && (e = ops->priv_new(m, NULL))) ||
	    (e = obj_init(&m->obj, OBJ_MAP, file, map_destroy))) {
		if (ops->priv_free)
			ops->priv_free(m);
		munmap(p, h.size);
		obj_put(m->btf);
		mem_free(m);
		goto fail;
	}
	return m;
fail:
	*err = e;
	return NULL;
}
