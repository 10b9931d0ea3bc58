/* SPDX-License-Identifier: MIT */
/*
 * Test maps: raw bpf() map commands for the kernel's side, and bpfx maps
 * made from a type's ops. Linked into every test binary; does nothing
 * until called.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kmap.h"
#include "maps/map.h"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
#ifdef __NR_bpf
	long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
#else
	(void)cmd, (void)attr;
	return -ENOSYS;
#endif
}

int kmap_create(const union bpf_attr *attr)
{
	union bpf_attr a = *attr;

	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int elem_cmd(int cmd, int fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return sys_bpf(cmd, &a);
}

int kmap_lookup(int fd, const void *key, void *value, uint64_t flags)
{
	return elem_cmd(BPF_MAP_LOOKUP_ELEM, fd, key, value, flags);
}

int kmap_update(int fd, const void *key, const void *value, uint64_t flags)
{
	return elem_cmd(BPF_MAP_UPDATE_ELEM, fd, key, value, flags);
}

int kmap_delete(int fd, const void *key)
{
	return elem_cmd(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0);
}

int kmap_lookup_and_delete(int fd, const void *key, void *value, uint64_t flags)
{
	return elem_cmd(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, flags);
}

int kmap_get_next_key(int fd, const void *key, void *next_key)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.next_key = (uint64_t)(uintptr_t)next_key;
	return sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
}

int kmap_info(int fd, struct bpf_map_info *info)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	memset(info, 0, sizeof(*info));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(*info);
	a.info.info = (uint64_t)(uintptr_t)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
}

unsigned kmap_possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	unsigned n = 0, lo, hi;
	int c;

	if (!f)
		return 0;
	/* "0-3,8-11" or "0" */
	while (fscanf(f, "%u", &lo) == 1) {
		hi = lo;
		c = fgetc(f);
		if (c == '-' && fscanf(f, "%u", &hi) == 1)
			c = fgetc(f);
		n += hi - lo + 1;
		if (c != ',')
			break;
	}
	fclose(f);
	return n;
}

const char *kmap_unavailable(void)
{
	static char why[128];
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	fd = kmap_create(&a);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	snprintf(why, sizeof(why), "the kernel cannot create a hash map here: %s", strerror(-fd));
	return why;
}

static bool percpu_type(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* What map_create does, with the given ops: for types not registered yet. */
static struct map *build(const struct map_ops *ops, const union bpf_attr *attr, int *err)
{
	uint64_t data_off = (sizeof(struct map_hdr) + 63) & ~63ull, data_size, size;
	struct map *m;
	int e;

	if ((e = ops->check(attr)))
		goto fail;
	uint32_t slots = percpu_type(attr->map_type) ? map_nr_slots() : 1;
	if ((e = ops->data_size(attr, slots, &data_size)))
		goto fail;
	if (!(m = calloc(1, sizeof(*m)))) {
		e = -ENOMEM;
		goto fail;
	}
	size = data_off + data_size;
	m->obj.file = memfd_create("tmap", MFD_CLOEXEC);
	if (m->obj.file < 0 || ftruncate(m->obj.file, (off_t)size) < 0 ||
	    (m->hdr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->obj.file, 0)) ==
		    MAP_FAILED) {
		e = -errno;
		if (m->obj.file >= 0)
			close(m->obj.file);
		free(m);
		goto fail;
	}
	*m->hdr = (struct map_hdr){ .magic = MAP_HDR_MAGIC, .version = MAP_LAYOUT_VERSION,
				    .type = attr->map_type, .key_size = attr->key_size,
				    .value_size = attr->value_size,
				    .max_entries = attr->max_entries, .map_flags = attr->map_flags,
				    .nr_slots = slots, .data_off = data_off, .size = size };
	m->ops = ops;
	m->data = (char *)m->hdr + data_off;
	m->type = attr->map_type;
	m->key_size = attr->key_size;
	m->value_size = attr->value_size;
	m->max_entries = attr->max_entries;
	m->map_flags = attr->map_flags;
	m->nr_slots = slots;
	if (ops->init && (e = ops->init(m))) {
		tmap_free(m);
		goto fail;
	}
	return m;
fail:
	*err = e;
	return NULL;
}

struct map *tmap_new(const struct map_ops *ops, const union bpf_attr *attr, int *err)
{
	if (map_ops_of(attr->map_type))
		return map_create(attr, err);
	return build(ops, attr, err);
}

struct map *tmap_view(const struct map *m, int *err)
{
	struct map *v = calloc(1, sizeof(*v));

	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	*v = *m;
	v->obj.destroy = NULL;
	v->obj.file = -1;
	v->hdr = mmap(NULL, m->hdr->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->obj.file, 0);
	if (v->hdr == MAP_FAILED) {
		*err = -errno;
		free(v);
		return NULL;
	}
	v->data = (char *)v->hdr + v->hdr->data_off;
	return v;
}

void tmap_free(struct map *m)
{
	if (!m)
		return;
	if (m->obj.destroy) { /* made by map_create */
		obj_put(&m->obj);
		return;
	}
	munmap(m->hdr, m->hdr->size);
	if (m->obj.file >= 0)
		close(m->obj.file);
	free(m);
}

int tmap_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	if (m->ops->update_all)
		return m->ops->update_all(m, key, value, flags);
	return m->ops->update(m, key, value, flags);
}
