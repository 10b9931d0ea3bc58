/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_PROG_ARRAY and BPF_MAP_TYPE_ARRAY_OF_MAPS (fd_map.h): a
 * u32-indexed array of object references. Like the kernel, every index
 * exists for get_next_key, delete of an empty slot is ENOENT and an update
 * accepts only BPF_ANY.
 *
 * Two levels. Each process keeps its objects in a cache (type_priv: per
 * slot the object and the record sequence it stands for), under a mutex:
 * readers (tail calls, lookups) take a reference under it, writers swap
 * and put the old object after unlocking, so an object never dies while a
 * reader gets it. The map's shared file holds one record per slot: a
 * sequence number (odd while a writer changes it) and the object's name
 * in the bpffs object store (api/objstore.h). Names are written once the
 * map itself has a name in the bpffs (pinned, or linked by a pinned
 * program), so unpinned maps leave no files behind. A process whose cached
 * sequence differs from the record's opens the named object (rebuilds a
 * program): a prog array filled by one bpfx command is used by the next.
 * A writer that dies mid-update leaves an odd sequence: readers then keep
 * their cache and the next writer takes over after a bounded wait.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

#include "api/objstore.h"
#include "api/prog_obj.h"
#include "maps/fd_map.h"
#include "util/alloc.h"

extern const struct map_ops array_map_ops;

/* In the shared file, after the template (maps of maps). */
struct fd_rec {
	atomic_uint seq;                  /* even: stable; odd: being written */
	uint32_t pad;
	/* the name ("": empty or not nameable), in words that readers may
	 * load while a writer stores them (the sequence tells) */
	atomic_ullong name[OBJSTORE_NAME / 8];
};

struct fd_shared {
	struct fd_meta meta;
	uint32_t pad;
	struct fd_rec recs[];
};

/* Per process: the object of a slot, valid while seq is the record's. */
struct fd_slot {
	struct obj *obj;
	uint32_t seq;
};

struct fd_array {
	pthread_mutex_t lock;
	bool owned;                       /* prog arrays: owner fixed */
	uint32_t owner_type, owner_attach, owner_flags;
	struct fd_slot slots[];           /* max_entries */
};

#define FD_SPINS 100000                 /* yields before taking over a claim */

static inline struct fd_array *fa(const struct map *m)
{
	return m->type_priv;
}

void fd_obj_put(void *o)
{
	obj_put(o);
}

int fd_lookup_and_delete(struct map *m, const void *key, void *value, uint64_t flags)
{
	(void)m, (void)key, (void)value, (void)flags;
	return -ENOTSUPP;
}

int fd_id_copy(struct obj *o, void *value, uint64_t flags)
{
	if (flags & BPF_F_LOCK) {
		obj_put(o);
		return -EINVAL;
	}
	if (!o)
		return -ENOENT;
	memcpy(value, &o->id, sizeof(uint32_t));
	obj_put(o);
	return 0;
}

/* The kernel's fd_array_map_alloc_check: u32 values, no program access
 * flags, then the array rules (BPF_F_INNER_MAP and MMAPABLE refused). */
static int fd_array_check(const union bpf_attr *attr)
{
	if (attr->value_size != sizeof(uint32_t))
		return -EINVAL;
	if (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		return -EINVAL;
	return array_map_ops.check(attr);
}

static int fd_array_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	(void)nr_slots;
	*size = sizeof(struct fd_shared) + (uint64_t)attr->max_entries * sizeof(struct fd_rec);
	return 0;
}

static inline struct fd_rec *rec_of(const struct map *m, uint32_t index)
{
	return &((struct fd_shared *)m->data)->recs[index];
}

/* Claims a record for writing (its sequence made odd); returns the odd
 * sequence. A claim older than FD_SPINS yields (a writer that died) is
 * taken over. */
static uint32_t rec_claim(struct fd_rec *r)
{
	for (unsigned spins = 0;; spins++) {
		uint32_t s = atomic_load_explicit(&r->seq, memory_order_relaxed);
		uint32_t want = (s & 1) ? (spins >= FD_SPINS ? s + 2 : s) : s + 1;
		if (want != s &&
		    atomic_compare_exchange_weak_explicit(&r->seq, &s, want, memory_order_acquire,
							  memory_order_relaxed))
			return want;
		sched_yield();
	}
}

static void rec_name_get(struct fd_rec *r, char name[OBJSTORE_NAME])
{
	for (size_t i = 0; i < OBJSTORE_NAME / 8; i++) {
		unsigned long long w = atomic_load_explicit(&r->name[i], memory_order_relaxed);
		memcpy(name + i * 8, &w, 8);
	}
}

static void rec_publish(struct fd_rec *r, uint32_t odd, const char *name)
{
	for (size_t i = 0; i < OBJSTORE_NAME / 8; i++) {
		unsigned long long w;
		memcpy(&w, name + i * 8, 8);
		atomic_store_explicit(&r->name[i], w, memory_order_relaxed);
	}
	atomic_store_explicit(&r->seq, odd + 1, memory_order_release);
}

/* Does the map have a name in the bpffs (so other processes can open it)? */
static bool map_named(const struct map *m)
{
	struct stat st;
	return fstat(m->obj.file, &st) == 0 && st.st_nlink > 0;
}

static void prog_array_clear(struct obj *o);

static int fd_array_priv_new(struct map *m, const union bpf_attr *attr)
{
	int err;

	if (attr && m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS && (err = fd_meta_init(m, attr)))
		return err;
	struct fd_array *a = mem_array(1, sizeof(*a) + (size_t)m->max_entries * sizeof(a->slots[0]));
	if (!a)
		return -ENOMEM;
	pthread_mutex_init(&a->lock, NULL);
	m->type_priv = a;
	if (m->type == BPF_MAP_TYPE_PROG_ARRAY)
		m->obj.release_uref = prog_array_clear;
	return 0;
}

static void fd_array_priv_free(struct map *m)
{
	struct fd_array *a = fa(m);

	if (!a)
		return;
	for (uint32_t i = 0; i < m->max_entries; i++)
		obj_put(a->slots[i].obj);
	pthread_mutex_destroy(&a->lock);
	mem_free(a);
	m->type_priv = NULL;
}

/* The object a record names, opened or rebuilt in this process, if it
 * can stand in the slot; NULL otherwise (the slot then reads as empty). */
static struct obj *slot_open(const struct map *m, const char *name)
{
	int err = 0;
	struct obj *o = name[0] ? objstore_open(name, &err) : NULL;

	if (!o)
		return NULL;
	if (m->type == BPF_MAP_TYPE_PROG_ARRAY ? o->kind != OBJ_PROG
	    : o->kind != OBJ_MAP || !fd_meta_fits(m, map_of(o))) {
		obj_put(o);
		return NULL;
	}
	return o;
}

/* The object in slot `index` with a reference, or NULL. When the record
 * changed since this process cached the slot, the named object is opened
 * first (outside the lock: rebuilding a program loads it, which may take
 * this map's lock). */
static struct obj *slot_get(struct map *m, uint32_t index)
{
	struct fd_array *a = fa(m);
	char name[OBJSTORE_NAME];
	struct obj *o, *old;

	if (index >= m->max_entries)
		return NULL;
	struct fd_rec *r = rec_of(m, index);
	struct fd_slot *s = &a->slots[index];
	for (int tries = 0;; tries++) {
		uint32_t seq = atomic_load_explicit(&r->seq, memory_order_acquire);
		pthread_mutex_lock(&a->lock);
		if (s->seq == seq || (seq & 1) || tries >= 8) {
			if ((o = s->obj))
				obj_get(o);
			pthread_mutex_unlock(&a->lock);
			return o;
		}
		pthread_mutex_unlock(&a->lock);
		rec_name_get(r, name);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&r->seq, memory_order_relaxed) != seq)
			continue;
		name[sizeof(name) - 1] = '\0';
		o = slot_open(m, name);
		pthread_mutex_lock(&a->lock);
		if (s->seq != seq) {
			old = s->obj;
			*s = (struct fd_slot){ o, seq };
		} else { /* another thread got there first */
			old = o;
			o = s->obj;
		}
		if (o)
			obj_get(o);
		pthread_mutex_unlock(&a->lock);
		obj_put(old);
		return o;
	}
}

/* Stores o (a reference, taken over; NULL empties the slot), in the
 * shared record too when the map has a name. Returns what was cached (the
 * caller puts it); *was: whether the slot held an object. */
static struct obj *slot_set(struct map *m, uint32_t index, struct obj *o, bool *was)
{
	struct fd_array *a = fa(m);
	struct fd_rec *r = rec_of(m, index);
	struct fd_slot *s = &a->slots[index];
	char name[OBJSTORE_NAME] = { 0 };

	if (o && map_named(m) && objstore_name(o, name))
		name[0] = '\0';
	uint32_t odd = rec_claim(r);
	char had[OBJSTORE_NAME];
	rec_name_get(r, had);
	pthread_mutex_lock(&a->lock);
	struct obj *old = s->obj;
	*was = s->seq == odd - 1 ? old != NULL : had[0] != '\0';
	*s = (struct fd_slot){ o, odd + 1 };
	pthread_mutex_unlock(&a->lock);
	rec_publish(r, odd, name);
	return old;
}

/* The map got a name in the bpffs (OBJ_PIN, or a pinned program links
 * it): write the names of the objects its slots hold, so that other
 * processes see them. */
static void fd_array_named(struct map *m)
{
	char name[OBJSTORE_NAME];

	for (uint32_t i = 0; i < m->max_entries; i++) {
		struct obj *o = slot_get(m, i);
		if (!o)
			continue;
		if (!objstore_name(o, name)) {
			struct fd_rec *r = rec_of(m, i);
			uint32_t odd = rec_claim(r);
			pthread_mutex_lock(&fa(m)->lock);
			struct fd_slot *s = &fa(m)->slots[i];
			bool same = s->obj == o && s->seq == odd - 1;
			if (same)
				s->seq = odd + 1;
			pthread_mutex_unlock(&fa(m)->lock);
			if (!same)
				rec_name_get(r, name);
			rec_publish(r, odd, name);
		}
		obj_put(o);
	}
}

/* User space: the id of the object (the kernel's map_fd_sys_lookup_elem). */
static int fd_array_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	return fd_id_copy(slot_get(m, index), value, flags);
}

int prog_array_owner(struct map *m, const struct prog_obj *p)
{
	const uint32_t flags = BPF_F_SLEEPABLE | BPF_F_XDP_HAS_FRAGS;
	struct fd_array *a = fa(m);
	int err = 0;

	if (m->type != BPF_MAP_TYPE_PROG_ARRAY)
		return 0;
	pthread_mutex_lock(&a->lock);
	if (!a->owned) {
		a->owned = true;
		a->owner_type = p->type;
		a->owner_attach = p->expected_attach_type;
		a->owner_flags = p->prog_flags & flags;
	} else if (a->owner_type != p->type || a->owner_attach != p->expected_attach_type ||
		   a->owner_flags != (p->prog_flags & flags)) {
		err = -EINVAL;
	}
	pthread_mutex_unlock(&a->lock);
	return err;
}

/* The object a user's descriptor names, checked for this map. */
static int fd_value_get(struct map *m, uint32_t ufd, struct obj **o)
{
	int err = 0;

	if (m->type != BPF_MAP_TYPE_PROG_ARRAY)
		return fd_inner_get(m, ufd, o);
	if (!(*o = fd_get((int)ufd, OBJ_PROG, &err)))
		return err;
	if ((err = prog_array_owner(m, (const struct prog_obj *)*o))) {
		obj_put(*o);
		return err;
	}
	return 0;
}

/* The kernel's bpf_fd_array_map_update_elem: flags, index, then the fd. */
static int fd_array_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	uint32_t index, ufd;
	struct obj *o;
	int err;

	if (flags != BPF_ANY)
		return -EINVAL;
	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries)
		return -E2BIG;
	memcpy(&ufd, value, sizeof(ufd));
	if ((err = fd_value_get(m, ufd, &o)))
		return err;
	bool was;
	obj_put(slot_set(m, index, o, &was));
	return 0;
}

static int fd_array_delete(struct map *m, const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	if (index >= m->max_entries)
		return -E2BIG;
	bool was;
	obj_put(slot_set(m, index, NULL, &was));
	return was ? 0 : -ENOENT;
}

struct obj *prog_array_get(struct map *m, uint32_t index)
{
	return slot_get(m, index);
}

/* The kernel's map_release_uref of prog arrays: when no descriptor or pin
 * refers to the array any more, it is emptied, so that programs holding
 * it and held by it (a program tail-calling itself) can die. A prog array
 * a user pinned keeps its slots for other processes: only this process's
 * cache is dropped (odd sequence: never current). */
static void prog_array_clear(struct obj *o)
{
	struct map *m = map_of(o);
	bool everywhere = !objstore_user_pinned(o);
	bool was;

	for (uint32_t i = 0; i < m->max_entries; i++) {
		if (everywhere) {
			obj_put(slot_set(m, i, NULL, &was));
			continue;
		}
		pthread_mutex_lock(&fa(m)->lock);
		struct obj *old = fa(m)->slots[i].obj;
		fa(m)->slots[i] = (struct fd_slot){ NULL, UINT32_MAX };
		pthread_mutex_unlock(&fa(m)->lock);
		obj_put(old);
	}
}

static struct map *array_of_maps_lookup(struct map *m, const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	struct obj *o = slot_get(m, index);
	return o ? map_of(o) : NULL;
}

static int fd_array_get_next_key(struct map *m, const void *key, void *next_key)
{
	return array_map_ops.get_next_key(m, key, next_key);
}

const struct map_ops prog_array_map_ops = {
	.name = "prog_array",
	.check = fd_array_check,
	.data_size = fd_array_data_size,
	.lookup_copy = fd_array_lookup_copy,
	.lookup_and_delete = fd_lookup_and_delete,
	.get_next_key = fd_array_get_next_key,
	.fd_update = fd_array_update,
	.fd_delete = fd_array_delete,
	.priv_new = fd_array_priv_new,
	.priv_free = fd_array_priv_free,
	.named = fd_array_named,
};

const struct map_ops array_of_maps_map_ops = {
	.name = "array_of_maps",
	.check = fd_array_check,
	.data_size = fd_array_data_size,
	.lookup_copy = fd_array_lookup_copy,
	.lookup_and_delete = fd_lookup_and_delete,
	.get_next_key = fd_array_get_next_key,
	.fd_update = fd_array_update,
	.fd_delete = fd_array_delete,
	.lookup_map = array_of_maps_lookup,
	.priv_new = fd_array_priv_new,
	.priv_free = fd_array_priv_free,
	.named = fd_array_named,
};
