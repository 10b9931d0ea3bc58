/* SPDX-License-Identifier: MIT */
/*
 * Object lifetime and ids. Live objects of each kind are kept in a list
 * sorted by id (ids only grow, so creation appends), under one mutex; the
 * list holds no reference, it only lets *_GET_NEXT_ID and *_GET_FD_BY_ID
 * find live objects.
 *
 * Ids are unique within the bpffs root: they come from counters that every
 * process of the root shares (<root>/.bpfx-ids, one cache line per kind),
 * so two processes never show the same id for different objects. Without
 * a root (or when that file cannot be mapped) they come from this
 * process's own counters. *_GET_FD_BY_ID still finds only this process's
 * objects.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/bpffs.h"
#include "api/obj.h"
#include "util/alloc.h"

#define OBJ_KINDS 5

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct obj **objs;
	size_t cnt, cap;
	uint32_t last_id;
} registry[OBJ_KINDS];

/* <root>/.bpfx-ids: the last id given out, per kind, each on its own
 * cache line. Mapped once per process, on the first object. */
#define IDS_FILE ".bpfx-ids"
#define IDS_STRIDE 16                  /* uint32 words: 64 bytes */
#define IDS_SIZE 4096

static _Atomic uint32_t *shared_ids;
static pthread_once_t ids_once = PTHREAD_ONCE_INIT;

static void map_shared_ids(void)
{
	const char *root = bpffs_root();
	char path[PATH_MAX];
	struct stat st;

	if (!root || snprintf(path, sizeof(path), "%s/" IDS_FILE, root) >= (int)sizeof(path))
		return;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	/* Several processes may size it at once: the same size, no harm. */
	if (fstat(fd, &st) == 0 && (st.st_size >= IDS_SIZE || ftruncate(fd, IDS_SIZE) == 0)) {
		void *p = mmap(NULL, IDS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED)
			shared_ids = p;
	}
	close(fd);
}

/* The next id of a kind: 0 when they ran out (the kernel's ids are
 * positive ints). Caller holds registry_lock, so this process's ids grow
 * in the order its objects are added. */
static uint32_t next_id(enum obj_kind kind, uint32_t *last)
{
	pthread_once(&ids_once, map_shared_ids);
	if (!shared_ids)
		return *last == INT32_MAX ? 0 : ++*last;
	_Atomic uint32_t *c = &shared_ids[(size_t)kind * IDS_STRIDE];
	uint32_t id = atomic_load(c);
	do {
		if (id >= INT32_MAX)
			return 0;
	} while (!atomic_compare_exchange_weak(c, &id, id + 1));
	return id + 1;
}

static int registry_add(struct obj *o)
{
	typeof(registry[0]) *r = &registry[o->kind];
	int err = 0;

	pthread_mutex_lock(&registry_lock);
	if (r->cnt == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct obj **n = mem_realloc(r->objs, cap * sizeof(*n));
		if (!n) {
			err = -ENOMEM;
			goto out;
		}
		r->objs = n;
		r->cap = cap;
	}
	if (!(o->id = next_id(o->kind, &r->last_id))) {
		err = -ENOSPC;
		goto out;
	}
	r->objs[r->cnt++] = o;
out:
	pthread_mutex_unlock(&registry_lock);
	return err;
}

/* Index of the first object with id >= id. Caller holds the lock. */
static size_t registry_find(enum obj_kind kind, uint32_t id)
{
	size_t lo = 0, hi = registry[kind].cnt;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (registry[kind].objs[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void registry_remove(struct obj *o)
{
	typeof(registry[0]) *r = &registry[o->kind];

	pthread_mutex_lock(&registry_lock);
	size_t i = registry_find(o->kind, o->id);
	if (i < r->cnt && r->objs[i] == o) {
		memmove(&r->objs[i], &r->objs[i + 1], (r->cnt - i - 1) * sizeof(*r->objs));
		r->cnt--;
	}
	if (r->cnt == 0) {
		mem_free(r->objs);
		r->objs = NULL;
		r->cap = 0;
	}
	pthread_mutex_unlock(&registry_lock);
}

int obj_init(struct obj *o, enum obj_kind kind, int file, void (*destroy)(struct obj *))
{
	struct stat st;

	if (fstat(file, &st) < 0)
		return -errno;
	o->kind = kind;
	atomic_init(&o->refcnt, 1);
	o->file = file;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	o->destroy = destroy;
	atomic_init(&o->urefs, 0);
	return registry_add(o);
}

void obj_abandon(struct obj *o)
{
	registry_remove(o);
	close(o->file);
}

void obj_put(struct obj *o)
{
	if (!o)
		return;
	if (atomic_fetch_sub_explicit(&o->refcnt, 1, memory_order_acq_rel) != 1)
		return;
	registry_remove(o);
	close(o->file);
	o->destroy(o);
}

void obj_uput(struct obj *o)
{
	if (!o)
		return;
	if (atomic_fetch_sub_explicit(&o->urefs, 1, memory_order_acq_rel) == 1 && o->release_uref)
		o->release_uref(o);
}

uint32_t obj_next_id(enum obj_kind kind, uint32_t after)
{
	uint32_t id = 0;

	if (after == UINT32_MAX)
		return 0;
	pthread_mutex_lock(&registry_lock);
	size_t i = registry_find(kind, after + 1);
	if (i < registry[kind].cnt)
		id = registry[kind].objs[i]->id;
	pthread_mutex_unlock(&registry_lock);
	return id;
}

struct obj *obj_by_id(enum obj_kind kind, uint32_t id)
{
	struct obj *o = NULL;

	pthread_mutex_lock(&registry_lock);
	size_t i = registry_find(kind, id);
	if (i < registry[kind].cnt && registry[kind].objs[i]->id == id) {
		o = registry[kind].objs[i];
		/* A dying object (count already 0) is no longer found. */
		int c = atomic_load(&o->refcnt);
		while (c > 0 && !atomic_compare_exchange_weak(&o->refcnt, &c, c + 1))
			;
		if (c == 0)
			o = NULL;
	}
	pthread_mutex_unlock(&registry_lock);
	return o;
}

struct obj *obj_by_inode(dev_t dev, ino_t ino, enum obj_kind *kind)
{
	struct obj *found = NULL;

	pthread_mutex_lock(&registry_lock);
	for (int k = 1; k < OBJ_KINDS && !found; k++) {
		for (size_t i = 0; i < registry[k].cnt; i++) {
			struct obj *o = registry[k].objs[i];
			if (o->dev != dev || o->ino != ino)
				continue;
			int c = atomic_load(&o->refcnt);
			while (c > 0 && !atomic_compare_exchange_weak(&o->refcnt, &c, c + 1))
				;
			if (c > 0) {
				found = o;
				*kind = (enum obj_kind)k;
			}
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return found;
}
