/* SPDX-License-Identifier: MIT */
/*
 * Maps described by BTF: the kernel's checks at MAP_CREATE (map_check_btf
 * and the types' own rules), and the BTF kept with the map.
 *
 * A map's BTF lives in its storage file, after the map's mapping, as a
 * trailer (struct map_btf_trailer + the raw blob), so that when a pin lets
 * another process open the map it gets the map's types too (bpfx map dump
 * formats values with them). Written once at creation, before anyone else
 * can see the file; read when a pinned map is opened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "api/btf_obj.h"
#include "helpers/helpers.h"
#include "loader/btf.h"
#include "maps/map.h"
#include "util/alloc.h"

#define MAP_BTF_MAGIC 0x66746278u   /* "xbtf" */
#define MAP_BTF_MAX (16u << 20)     /* BTF_LOAD's limit */

struct map_btf_trailer {
	uint32_t magic;
	uint32_t key_type_id;
	uint32_t value_type_id;
	uint32_t size;                /* of the blob that follows */
};

/* The size of a type a map's key or value is declared with (the kernel's
 * btf_type_id_size): -EINVAL when it has none. */
static int type_size(const struct btf *btf, uint32_t id, uint64_t *size)
{
	if (!id || id >= btf_type_cnt(btf))
		return -EINVAL;
	return btf_resolve_size(btf, id, size);
}

/* The kernel's btf_type_is_i32: a plain 32-bit INT. */
static bool is_i32(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_skip_modifiers(btf, id));
	if (!t || btf_kind(t) != BTF_KIND_INT || t->size != 4)
		return false;
	uint32_t d = btf_int_data(t);
	return BTF_INT_BITS(d) == 32 && BTF_INT_OFFSET(d) == 0;
}

/* The member of struct type `what` ("bpf_spin_lock", "bpf_timer") of a
 * value type (the kernel's btf_find_field, top-level members of a
 * struct): 1 and *off when there is one, 0 when none, -EINVAL when it is
 * not aligned to `align` bytes, -EEXIST for a second one. */
static int find_special(const struct btf *btf, uint32_t value_id, const char *what,
			uint32_t align, uint32_t *off)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_skip_modifiers(btf, value_id));
	int found = 0;

	if (!t || btf_kind(t) != BTF_KIND_STRUCT)
		return 0;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *mb = &btf_members(t)[i];
		const struct btf_type *mt = btf_type_by_id(btf, btf_skip_modifiers(btf, mb->type));
		const char *name = mt ? btf_name(btf, mt->name_off) : NULL;
		if (!mt || btf_kind(mt) != BTF_KIND_STRUCT || !name || strcmp(name, what))
			continue;
		uint32_t bit = btf_member_bit_offset(t, i);
		if (bit % (align * 8))
			return -EINVAL;
		if (found)
			return -EEXIST;
		*off = bit / 8;
		found = 1;
	}
	return found;
}

/* The map types whose values may hold a spin lock or a timer
 * (map_check_btf). */
static bool lock_allowed(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_ARRAY ||
	       type == BPF_MAP_TYPE_CGROUP_STORAGE || type == BPF_MAP_TYPE_SK_STORAGE ||
	       type == BPF_MAP_TYPE_INODE_STORAGE || type == BPF_MAP_TYPE_TASK_STORAGE;
}

static bool timer_allowed(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_ARRAY;
}

static int check_value_fields(const union bpf_attr *attr, const struct btf *btf)
{
	uint32_t off;
	int lock = find_special(btf, attr->btf_value_type_id, "bpf_spin_lock", 4, &off);
	int timer = find_special(btf, attr->btf_value_type_id, "bpf_timer", 8, &off);

	if (lock < 0 || timer < 0)
		return lock < 0 ? lock : timer;
	if ((lock && !lock_allowed(attr->map_type)) || (timer && !timer_allowed(attr->map_type)))
		return -EOPNOTSUPP;
	return 0;
}

static void set_special(struct map *m, const struct btf *btf, uint32_t value_id)
{
	uint32_t off;
	if (find_special(btf, value_id, "bpf_spin_lock", 4, &off) == 1 && off + 4 <= m->value_size) {
		m->has_spin_lock = true;
		m->spin_lock_off = off;
	}
	if (find_special(btf, value_id, "bpf_timer", 8, &off) == 1 && off + 16 <= m->value_size) {
		m->has_timer = true;
		m->timer_off = off;
	}
}

/* The special fields of a value, in order: n of them in off/len. */
static int special_fields(const struct map *m, uint32_t off[2], uint32_t len[2])
{
	int n = 0;
	if (m->has_spin_lock)
		off[n] = m->spin_lock_off, len[n++] = 4;
	if (m->has_timer)
		off[n] = m->timer_off, len[n++] = 16;
	if (n == 2 && off[0] > off[1]) {
		uint32_t o = off[0], l = len[0];
		off[0] = off[1], len[0] = len[1], off[1] = o, len[1] = l;
	}
	return n;
}

void map_value_copy(const struct map *m, void *dst, const void *src)
{
	uint32_t off[2], len[2], at = 0;
	int n = special_fields(m, off, len);

	for (int i = 0; i < n; i++) {
		memcpy((char *)dst + at, (const char *)src + at, off[i] - at);
		at = off[i] + len[i];
	}
	memcpy((char *)dst + at, (const char *)src + at, m->value_size - at);
}

void map_value_copy_locked(const struct map *m, void *dst, const void *src, bool to_user)
{
	uint32_t *lock = (uint32_t *)((char *)(to_user ? (void *)src : dst) + m->spin_lock_off);

	if (!m->has_spin_lock) {
		map_value_copy(m, dst, src);
		return;
	}
	helper_spin_lock(lock);
	map_value_copy(m, dst, src);
	helper_spin_unlock(lock);
}

void map_value_hide_special(const struct map *m, void *value)
{
	if (m->has_spin_lock)
		memset((char *)value + m->spin_lock_off, 0, 4);
	if (m->has_timer)
		memset((char *)value + m->timer_off, 0, 16);
}

int map_btf_check(const union bpf_attr *attr, const struct btf *btf)
{
	uint32_t key = attr->btf_key_type_id, value = attr->btf_value_type_id;
	uint64_t size;
	bool array = attr->map_type == BPF_MAP_TYPE_ARRAY ||
		     attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;

	if (!value)
		return -EINVAL; /* a key type without a value type */
	if (type_size(btf, value, &size) || size != attr->value_size)
		return -EINVAL;
	if (key) {
		if (type_size(btf, key, &size) || size != attr->key_size)
			return -EINVAL;
		/* array_map_check_btf: the index is a u32 */
		if (array && !is_i32(btf, key))
			return -EINVAL;
		return check_value_fields(attr, btf);
	}
	/* Keyless BTF: global data (a one-element array of a DATASEC) and
	 * bloom filters (their map_check_btf wants a void key); queues and
	 * stacks have no check in the kernel, so their keyless BTF is refused
	 * (libbpf then creates them without BTF). */
	const struct btf_type *vt = btf_type_by_id(btf, value);
	switch (attr->map_type) {
	case BPF_MAP_TYPE_ARRAY:
		return attr->max_entries == 1 && btf_kind(vt) == BTF_KIND_DATASEC ? 0 : -EINVAL;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return 0;
	default:
		return -EINVAL;
	}
}

int map_btf_attach(struct map *m, struct btf_obj *b, uint32_t key_id, uint32_t value_id)
{
	size_t size;
	const void *raw = btf_raw_data(b->btf, &size);
	struct map_btf_trailer t = { MAP_BTF_MAGIC, key_id, value_id, (uint32_t)size };
	off_t at = (off_t)m->hdr->size;

	if (pwrite(m->obj.file, &t, sizeof(t), at) != (ssize_t)sizeof(t) ||
	    pwrite(m->obj.file, raw, size, at + (off_t)sizeof(t)) != (ssize_t)size) {
		int err = errno ? -errno : -EIO;
		if (ftruncate(m->obj.file, at) < 0)
			err = -errno;
		return err == -ENOSPC ? -ENOMEM : err;
	}
	obj_get(&b->obj);
	set_special(m, b->btf, value_id);
	m->btf = &b->obj;
	m->btf_key_type_id = key_id;
	m->btf_value_type_id = value_id;
	return 0;
}

int map_btf_open(struct map *m, int file, uint64_t file_size)
{
	struct map_btf_trailer t;
	uint64_t at = m->hdr->size;
	int err = -EINVAL;

	if (file_size == at)
		return 0;
	if (file_size < at + sizeof(t) ||
	    pread(file, &t, sizeof(t), (off_t)at) != (ssize_t)sizeof(t) ||
	    t.magic != MAP_BTF_MAGIC || t.size > MAP_BTF_MAX ||
	    file_size != at + sizeof(t) + t.size)
		return -EINVAL;
	void *raw = mem_alloc(t.size ? t.size : 1);
	if (!raw)
		return -ENOMEM;
	if (pread(file, raw, t.size, (off_t)(at + sizeof(t))) == (ssize_t)t.size) {
		struct btf *btf = btf_parse(raw, t.size, NULL, &err);
		struct btf_obj *b = btf ? btf_obj_new(btf, raw, t.size, &err) : NULL;
		if (b) {
			union bpf_attr a = { .map_type = m->type, .key_size = m->key_size,
					     .value_size = m->value_size,
					     .max_entries = m->max_entries,
					     .btf_key_type_id = t.key_type_id,
					     .btf_value_type_id = t.value_type_id };
			if (!(err = map_btf_check(&a, b->btf))) {
				set_special(m, b->btf, t.value_type_id);
				m->btf = &b->obj;
				m->btf_key_type_id = t.key_type_id;
				m->btf_value_type_id = t.value_type_id;
			} else {
				obj_put(&b->obj);
			}
		}
	}
	mem_free(raw);
	return err;
}
