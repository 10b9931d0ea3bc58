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

#include "api/cmds.h"
#include "maps/map.h"

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

int cmd_map_create(union bpf_attr *attr)
{
	int err;
	struct map *m = map_create(attr, &err);
	if (!m)
		return err;
	int fd = fd_new(&m->obj);
	obj_put(&m->obj); /* the descriptor holds it now, or nothing does */
	return fd;
}

static int do_lookup(struct map *m, const union bpf_attr *attr)
{
	if (attr->flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	if (!user_may_read(m))
		return -EPERM;
	if (m->ops->lookup_copy)
		return m->ops->lookup_copy(m, uptr(attr->key), uptr(attr->value), attr->flags);
	if (m->ops->pop)
		return m->ops->pop(m, uptr(attr->value), false);
	return -EOPNOTSUPP;
}

static int do_update(struct map *m, const union bpf_attr *attr)
{
	if (!user_may_write(m))
		return -EPERM;
	if (m->ops->fd_update) /* the value is a descriptor (maps/fd_map.h) */
		return (attr->flags & BPF_F_LOCK) ? -EINVAL
			: m->ops->fd_update(m, uptr(attr->key), uptr(attr->value), attr->flags);
	if (m->ops->push && !m->ops->update)
		return m->ops->push(m, uptr(attr->value), attr->flags);
	if (m->ops->update_all)
		return m->ops->update_all(m, uptr(attr->key), uptr(attr->value), attr->flags);
	return m->ops->update(m, uptr(attr->key), uptr(attr->value), attr->flags);
}

static int do_delete(struct map *m, const union bpf_attr *attr)
{
	if (!user_may_write(m))
		return -EPERM;
	if (m->ops->fd_delete)
		return m->ops->fd_delete(m, uptr(attr->key));
	if (!m->ops->delete)
		return -EINVAL;
	return m->ops->delete(m, uptr(attr->key));
}

static int do_get_next_key(struct map *m, const union bpf_attr *attr)
{
	if (!user_may_read(m))
		return -EPERM;
	if (!m->ops->get_next_key)
		return -EINVAL;
	return m->ops->get_next_key(m, attr->key ? uptr(attr->key) : NULL, uptr(attr->next_key));
}

static int do_lookup_and_delete(struct map *m, const union bpf_attr *attr)
{
	if (!user_may_read(m) || !user_may_write(m))
		return -EPERM;
	if (m->ops->pop) {
		if (attr->flags)
			return -EINVAL;
		return m->ops->pop(m, uptr(attr->value), true);
	}
	if (!m->ops->lookup_and_delete)
		return -EOPNOTSUPP;
	if (attr->flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
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

int cmd_map_get_next_id(union bpf_attr *attr)
{
	uint32_t id = obj_next_id(OBJ_MAP, attr->start_id);
	if (!id)
		return -ENOENT;
	attr->next_id = id;
	return 0;
}

int cmd_map_get_fd_by_id(union bpf_attr *attr)
{
	if (attr->open_flags & ~(uint32_t)(BPF_F_RDONLY | BPF_F_WRONLY))
		return -EINVAL;
	struct obj *o = obj_by_id(OBJ_MAP, attr->map_id);
	if (!o)
		return -ENOENT;
	int fd = fd_new(o);
	obj_put(o);
	return fd;
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
	memcpy(uptr(attr->info.info), &info, (size_t)len);
	attr->info.info_len = (uint32_t)len;
	return 0;
}

