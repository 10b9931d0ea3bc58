/* SPDX-License-Identifier: MIT */
/*
 * The bpf() commands on maps. Keys and values are user pointers in the
 * attributes (u64), of the map's key size and user value size. Access
 * rules follow the kernel: BPF_F_RDONLY maps refuse writes from user
 * space (EPERM), BPF_F_WRONLY maps refuse reads, frozen maps refuse
 * writes; queue and stack maps read through peek/pop.
 */
#include <errno.h>
#include <string.h>

#include "api/btf_obj.h"
#include "api/cmds.h"
#include "maps/map.h"
#include "util/alloc.h"
#include <bpfx/bpfx.h>

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* The map behind a descriptor, with a reference the caller puts. */
static struct map *get_map(uint32_t fd, int *err)
{
	struct obj *o = fd_get((int)fd, OBJ_MAP, err);
	return o ? map_of(o) : NULL;
}

static bool user_may_read(const struct map *m)
{
	return !(m->map_flags & BPF_F_WRONLY);
}

static bool user_may_write(const struct map *m)
{
	return !(m->map_flags & BPF_F_RDONLY) && !atomic_load(&m->hdr->frozen);
}

/* The map's BTF, checked after the map's own attributes as the kernel
 * does, and only when a type id asks for it (a btf_fd alone is ignored). */
static int map_create_btf(struct map *m, const union bpf_attr *attr)
{
	int err;
	if (!attr->btf_key_type_id && !attr->btf_value_type_id)
		return 0;
	struct btf_obj *b = btf_obj_get((int)attr->btf_fd, &err);
	if (!b)
		return err;
	if (!(err = map_btf_check(attr, b->btf)))
		err = map_btf_attach(m, b, attr->btf_key_type_id, attr->btf_value_type_id);
	obj_put(&b->obj);
	return err;
}

int cmd_map_create(union bpf_attr *attr)
{
	int err;
	struct map *m = map_create(attr, &err);
	if (!m)
		return err;
	if ((err = map_create_btf(m, attr))) {
		obj_put(&m->obj);
		return err;
	}
	int fd = fd_new(&m->obj);
	obj_put(&m->obj); /* the descriptor holds it now, or nothing does */
	return fd;
}

/* The kernel's __bpf_copy_key: maps without keys (queue, stack, bloom
 * filter) take no key pointer; others need one (EFAULT, like a copy from
 * NULL), unless it is `optional` (get_next_key's first key). */
static int check_key(const struct map *m, uint64_t key, bool optional)
{
	if (m->key_size == 0)
		return key ? -EINVAL : 0;
	return !key && !optional ? -EFAULT : 0;
}

/* A value buffer of NULL where the kernel copies it in: EFAULT, unless
 * the map's values are empty (a ringbuf's): copying 0 bytes from NULL
 * succeeds, and the map's own answer (ENOTSUPP) comes next. */
static int check_buf(const struct map *m, uint64_t buf)
{
	return buf || !map_user_value_size(m) ? 0 : -EFAULT;
}

/* A NULL buffer where the kernel copies a result out after the operation:
 * the operation still happens (into scratch memory), and only its success
 * becomes EFAULT. */
static int null_out(struct map *m, const union bpf_attr *attr, bool next_key,
		    int (*fn)(struct map *, const union bpf_attr *))
{
	union bpf_attr a = *attr;
	uint64_t size = next_key ? m->key_size : map_user_value_size(m);
	void *tmp = mem_alloc(size ? (size_t)size : 1);
	int err;

	if (!tmp)
		return -ENOMEM;
	if (next_key)
		a.next_key = (uintptr_t)tmp;
	else
		a.value = (uintptr_t)tmp;
	err = fn(m, &a);
	mem_free(tmp);
	return err ? err : -EFAULT;
}

static bool is_queue_or_stack(const struct map *m)
{
	return m->type == BPF_MAP_TYPE_QUEUE || m->type == BPF_MAP_TYPE_STACK;
}

static int do_lookup(struct map *m, const union bpf_attr *attr)
{
	int err;

	if (attr->flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	if (!user_may_read(m))
		return -EPERM;
	if (attr->flags && !m->has_spin_lock) /* BPF_F_LOCK needs a spin lock */
		return -EINVAL;
	if ((err = check_key(m, attr->key, false)))
		return err;
	if (m->type == BPF_MAP_TYPE_BLOOM_FILTER && !attr->value)
		return -EFAULT; /* its value is an input */
	if (!attr->value)
		return null_out(m, attr, false, do_lookup);
	if (m->ops->lookup_copy)
		return m->ops->lookup_copy(m, uptr(attr->key), uptr(attr->value), attr->flags);
	if (m->ops->pop) /* peek: a queue's front, or "maybe in" a bloom filter */
		return m->ops->pop(m, uptr(attr->value), false);
	return -EOPNOTSUPP;
}

/* The kernel's bpf_map_update_value: MAP_UPDATE_ELEM and UPDATE_BATCH
 * after their checks. Keyless maps push. */
int map_update_value(struct map *m, const void *key, const void *value, uint64_t flags)
{
	if (m->ops->fd_update) /* the value is a descriptor (maps/fd_map.h) */
		return m->ops->fd_update(m, key, value, flags);
	if (m->ops->push && !m->ops->update)
		return m->ops->push(m, value, flags);
	if (m->ops->update_all)
		return m->ops->update_all(m, key, value, flags);
	return m->ops->update(m, key, value, flags);
}

static int do_update(struct map *m, const union bpf_attr *attr)
{
	int err;

	if (!user_may_write(m))
		return -EPERM;
	if ((attr->flags & BPF_F_LOCK) && !m->has_spin_lock)
		return -EINVAL;
	if ((err = check_key(m, attr->key, false)) || (err = check_buf(m, attr->value)))
		return err;
	return map_update_value(m, uptr(attr->key), uptr(attr->value), attr->flags);
}

static int do_delete(struct map *m, const union bpf_attr *attr)
{
	int err;

	if (!user_may_write(m))
		return -EPERM;
	if ((err = check_key(m, attr->key, false)))
		return err;
	if (m->ops->fd_delete)
		return m->ops->fd_delete(m, uptr(attr->key));
	if (!m->ops->delete)
		return -EINVAL;
	return m->ops->delete(m, uptr(attr->key));
}

static int do_get_next_key(struct map *m, const union bpf_attr *attr)
{
	int err;

	if (!user_may_read(m))
		return -EPERM;
	if ((err = check_key(m, attr->key, true)))
		return err;
	if (!m->ops->get_next_key)
		return -EINVAL;
	if (!attr->next_key)
		return null_out(m, attr, true, do_get_next_key);
	return m->ops->get_next_key(m, attr->key ? uptr(attr->key) : NULL, uptr(attr->next_key));
}

/* The kernel's order: flags, access, BPF_F_LOCK, the key;
 * then only queues, stacks and hash maps can do it (ENOTSUPP). */
static int do_lookup_and_delete(struct map *m, const union bpf_attr *attr)
{
	int err;

	if (attr->flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	if (!user_may_read(m) || !user_may_write(m))
		return -EPERM;
	if (attr->flags) /* queues and stacks take none; BPF_F_LOCK needs BTF */
		return -EINVAL;
	if ((err = check_key(m, attr->key, false)))
		return err;
	if (!attr->value)
		return null_out(m, attr, false, do_lookup_and_delete);
	if (is_queue_or_stack(m))
		return m->ops->pop(m, uptr(attr->value), true);
	if (!m->ops->lookup_and_delete)
		return -ENOTSUPP;
	return m->ops->lookup_and_delete(m, uptr(attr->key), uptr(attr->value), attr->flags);
}

/* Like the kernel, a frozen map's descriptors lose write permission, so
 * freezing it again is EPERM (EBUSY is for writable mappings, which bpfx
 * does not hand out yet). */
static int do_freeze(struct map *m, const union bpf_attr *attr)
{
	(void)attr;
	if (!user_may_write(m))
		return -EPERM;
	unsigned int expected = 0;
	if (!atomic_compare_exchange_strong(&m->hdr->frozen, &expected, 1))
		return -EPERM;
	return 0;
}

/* Runs one map command with the map of attr->map_fd held. */
static int with_map(union bpf_attr *attr, int (*fn)(struct map *, const union bpf_attr *))
{
	int err = 0;
	struct map *m = get_map(attr->map_fd, &err);
	if (!m)
		return err;
	err = fn(m, attr);
	obj_put(&m->obj);
	return err;
}

int cmd_map_lookup(union bpf_attr *attr) { return with_map(attr, do_lookup); }
int cmd_map_update(union bpf_attr *attr) { return with_map(attr, do_update); }
int cmd_map_delete(union bpf_attr *attr) { return with_map(attr, do_delete); }
int cmd_map_get_next_key(union bpf_attr *attr) { return with_map(attr, do_get_next_key); }
int cmd_map_lookup_and_delete(union bpf_attr *attr) { return with_map(attr, do_lookup_and_delete); }
int cmd_map_freeze(union bpf_attr *attr) { return with_map(attr, do_freeze); }

/* For the batch commands (map_batch.c): the map of a descriptor (a
 * reference the caller puts), and what user space may do with it. */
struct map *map_cmd_get(uint32_t fd, int *err)
{
	return get_map(fd, err);
}

bool map_user_may(const struct map *m, bool read, bool write)
{
	return (!read || user_may_read(m)) && (!write || user_may_write(m));
}

int cmd_map_get_next_id(union bpf_attr *attr)
{
	return cmd_next_id(OBJ_MAP, attr);
}

int cmd_map_get_fd_by_id(union bpf_attr *attr)
{
	if (attr->open_flags & ~(uint32_t)(BPF_F_RDONLY | BPF_F_WRONLY))
		return -EINVAL;
	return cmd_fd_by_id(OBJ_MAP, attr->map_id);
}

int map_info(struct map *m, union bpf_attr *attr)
{
	struct bpf_map_info info;
	int len = info_len(attr, sizeof(info));

	if (len < 0)
		return len;
	memset(&info, 0, sizeof(info));
	info.type = m->type;
	info.id = m->obj.id;
	info.key_size = m->key_size;
	info.value_size = m->value_size;
	info.max_entries = m->max_entries;
	info.map_flags = m->map_flags;
	memcpy(info.name, m->hdr->name, sizeof(info.name));
	info.map_extra = (uint64_t)m->hdr->map_extra_hi << 32 | m->hdr->map_extra_lo;
	info.btf_id = m->btf ? m->btf->id : 0;
	info.btf_key_type_id = m->btf_key_type_id;
	info.btf_value_type_id = m->btf_value_type_id;
	memcpy(uptr(attr->info.info), &info, (size_t)len);
	attr->info.info_len = (uint32_t)len;
	return 0;
}


/* The direct map API (bpfx.h): a bpfx_map_handle is the map itself, with
 * the reference bpfx_map_handle__get took. The operations build the
 * attributes MAP_*_ELEM would have and run the same checks, so they
 * differ from bpfx_bpf() only in skipping the descriptor lookup. */
struct bpfx_map_handle *bpfx_map_handle__get(int map_fd, int *err)
{
	int e = 0;
	struct map *m = map_fd < 0 ? (e = -EBADF, NULL) : get_map((uint32_t)map_fd, &e);
	if (err)
		*err = e;
	return (struct bpfx_map_handle *)m;
}

void bpfx_map_handle__put(struct bpfx_map_handle *h)
{
	if (h)
		obj_put(&((struct map *)h)->obj);
}

static int handle_op(struct bpfx_map_handle *h, const void *key, const void *value,
		     uint64_t flags, int (*fn)(struct map *, const union bpf_attr *))
{
	union bpf_attr a = { .key = (uintptr_t)key, .value = (uintptr_t)value, .flags = flags };
	if (!h)
		return -EINVAL;
	return fn((struct map *)h, &a);
}

int bpfx_map_handle__lookup(struct bpfx_map_handle *h, const void *key, void *value,
			    uint64_t flags)
{
	return handle_op(h, key, value, flags, do_lookup);
}

int bpfx_map_handle__update(struct bpfx_map_handle *h, const void *key, const void *value,
			    uint64_t flags)
{
	return handle_op(h, key, value, flags, do_update);
}

int bpfx_map_handle__delete(struct bpfx_map_handle *h, const void *key)
{
	return handle_op(h, key, NULL, 0, do_delete);
}
