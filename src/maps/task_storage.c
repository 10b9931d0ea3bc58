/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_TASK_STORAGE: one value per task (thread), created by
 * bpf_task_storage_get with BPF_LOCAL_STORAGE_GET_F_CREATE or by user
 * space, with the kernel's rules (kernel/bpf/bpf_task_storage.c,
 * bpf_local_storage.c):
 *
 * - MAP_CREATE: key_size 4 (a pidfd), value_size > 0, max_entries 0,
 *   BPF_F_NO_PREALLOC required (BPF_F_CLONE allowed), BTF key and value
 *   types required - else -EINVAL;
 * - user space names the task by a pidfd: lookup/update/delete of its
 *   value (-EBADF for a descriptor that is no pidfd, -ENOENT for a task
 *   that is gone or has no value); get_next_key is -ENOTSUPP, as in the
 *   kernel; BPF_F_LOCK with a spin lock in the value;
 * - a task's value dies with the task: an entry whose thread id no longer
 *   names the same thread (start time changed) counts as absent and is
 *   reused.
 *
 * Difference: the kernel allocates values on demand; bpfx keeps
 * TS_CAPACITY of them in the map's shared mapping (so that pinned maps
 * are shared between processes), and a creation past that is refused
 * (NULL from the helper, -ENOMEM from user space).
 *
 * Concurrency: one process-shared robust mutex guards the entry table;
 * values are read and written in place, as in the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maps/map.h"
#include "maps/task_storage.h"

#define TS_CAPACITY 1024u
#define TS_CREATE_FLAGS (BPF_F_NO_PREALLOC | BPF_F_CLONE)
#define TS_MAX_VALUE (65535u - 88u)  /* U16_MAX - sizeof(bpf_local_storage_elem) */

struct ts {
	pthread_mutex_t lock;
};

struct ts_entry {
	int32_t tid;                 /* 0: free */
	uint32_t pad;
	uint64_t start;              /* the thread's start time (/proc stat field 22) */
	unsigned char value[];       /* value_size rounded up to 8 */
};

#define TS_ENTRIES_OFF ((sizeof(struct ts) + 63) & ~(size_t)63)

static inline uint64_t entry_size(uint32_t value_size)
{
	return sizeof(struct ts_entry) + (((uint64_t)value_size + 7) & ~7ull);
}

static inline struct ts_entry *entry(const struct map *m, uint32_t i)
{
	return (struct ts_entry *)((char *)m->data + TS_ENTRIES_OFF + i * entry_size(m->value_size));
}

static int ts_check(const union bpf_attr *attr)
{
	if ((attr->map_flags & ~TS_CREATE_FLAGS) || !(attr->map_flags & BPF_F_NO_PREALLOC) ||
	    attr->max_entries || attr->key_size != 4 || !attr->value_size ||
	    !attr->btf_key_type_id || !attr->btf_value_type_id)
		return -EINVAL;
	return attr->value_size > TS_MAX_VALUE ? -E2BIG : 0;
}

static int ts_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	(void)nr_slots;
	*size = TS_ENTRIES_OFF + TS_CAPACITY * entry_size(attr->value_size);
	return 0;
}

static int ts_init(struct map *m)
{
	return map_robust_mutex_init(&((struct ts *)m->data)->lock);
}

/* The start time of thread tid, or 0 when there is no such thread. */
static uint64_t start_time(pid_t tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)tid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* comm may hold spaces */
	if (!p)
		return 0;
	/* field 3 (state) follows ") "; start time is field 22 */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

static int ts_lock(struct map *m)
{
	int r = pthread_mutex_lock(&((struct ts *)m->data)->lock);
	if (r == EOWNERDEAD)
		r = pthread_mutex_consistent(&((struct ts *)m->data)->lock);
	return -r;
}

static void ts_unlock(struct map *m)
{
	pthread_mutex_unlock(&((struct ts *)m->data)->lock);
}

/* Under the lock: the entry of (tid, start), or NULL; *free_slot gets a
 * free or stale entry (its thread gone) when one is seen. */
static struct ts_entry *find(struct map *m, pid_t tid, uint64_t start, struct ts_entry **free_slot)
{
	*free_slot = NULL;
	for (uint32_t i = 0; i < TS_CAPACITY; i++) {
		struct ts_entry *e = entry(m, i);
		if (e->tid == tid && e->start == start)
			return e;
		if (!*free_slot && (!e->tid || (e->tid == tid && e->start != start)))
			*free_slot = e;
	}
	if (!*free_slot) /* full: look for entries of threads that ended */
		for (uint32_t i = 0; i < TS_CAPACITY && !*free_slot; i++)
			if (start_time(entry(m, i)->tid) != entry(m, i)->start)
				*free_slot = entry(m, i);
	return NULL;
}

/* Finds (and with create, makes: *made set) tid's entry; NULL and *err
 * otherwise. */
static struct ts_entry *locate(struct map *m, pid_t tid, bool create, bool *made, int *err)
{
	uint64_t start = tid > 0 ? start_time(tid) : 0;
	struct ts_entry *e, *slot;

	if (!start) {
		*err = -ENOENT;
		return NULL;
	}
	if ((*err = ts_lock(m)))
		return NULL;
	e = find(m, tid, start, &slot);
	if (!e && create && slot) {
		memset(slot->value, 0, m->value_size);
		slot->start = start;
		__atomic_store_n(&slot->tid, tid, __ATOMIC_RELEASE);
		e = slot;
		*made = true;
	}
	ts_unlock(m);
	*err = e ? 0 : create ? -ENOMEM : -ENOENT;
	return e;
}

void *task_storage_get(struct map *m, pid_t tid, const void *init, bool create)
{
	int err;
	bool made = false;
	struct ts_entry *e = locate(m, tid, create, &made, &err);

	if (made && init)
		map_value_copy(m, e->value, init);
	return e ? e->value : NULL;
}

int task_storage_delete(struct map *m, pid_t tid)
{
	int err;
	bool made = false;
	struct ts_entry *e = locate(m, tid, false, &made, &err);
	if (!e)
		return err;
	if ((err = ts_lock(m)))
		return err;
	e->tid = 0;
	ts_unlock(m);
	return 0;
}

/* User space: the thread a pidfd names (its fdinfo's Pid: line); -EBADF
 * when fd is no pidfd, -ENOENT when its process is gone. */
static int pidfd_tid(const void *key, pid_t *tid)
{
	int fd;
	char path[64], buf[1024];

	memcpy(&fd, key, sizeof(fd));
	if (fd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "re");
	if (!f)
		return -EBADF;
	int found = 0, pid = 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Pid: %d", &pid) == 1) {
			found = 1;
			break;
		}
	fclose(f);
	if (!found)
		return -EBADF;
	if (pid <= 0)
		return -ENOENT;
	*tid = pid;
	return 0;
}

static int ts_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	pid_t tid;
	bool made = false;
	int err = pidfd_tid(key, &tid);
	struct ts_entry *e = err ? NULL : locate(m, tid, false, &made, &err);

	if (!e)
		return err;
	if (flags & BPF_F_LOCK)
		map_value_copy_locked(m, value, e->value, true);
	else
		memcpy(value, e->value, m->value_size);
	map_value_hide_special(m, value);
	return 0;
}

static int ts_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	pid_t tid;
	int err;

	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && !m->has_spin_lock)
		return -EINVAL;
	if ((err = pidfd_tid(key, &tid)))
		return err;
	bool made = false;
	uint64_t how = flags & ~(uint64_t)BPF_F_LOCK;
	struct ts_entry *e = locate(m, tid, how != BPF_EXIST, &made, &err);
	if (!e)
		return err;
	if (!made && how == BPF_NOEXIST)
		return -EEXIST;
	if (flags & BPF_F_LOCK)
		map_value_copy_locked(m, e->value, value, false);
	else
		map_value_copy(m, e->value, value);
	return 0;
}

static int ts_delete(struct map *m, const void *key)
{
	pid_t tid;
	int err = pidfd_tid(key, &tid);
	return err ? err : task_storage_delete(m, tid);
}

static int ts_get_next_key(struct map *m, const void *key, void *next_key)
{
	(void)m, (void)key, (void)next_key;
	return -ENOTSUPP;
}

/* Programs reach values through bpf_task_storage_get only. */
static void *ts_lookup(struct map *m, const void *key)
{
	(void)m, (void)key;
	return NULL;
}

static bool ts_contains(const struct map *m, uintptr_t addr, size_t size)
{
	uintptr_t start = (uintptr_t)m->data + TS_ENTRIES_OFF;
	uint64_t es = entry_size(m->value_size);

	if (addr < start || addr - start >= TS_CAPACITY * es)
		return false;
	uint64_t in = (addr - start) % es;
	return in >= sizeof(struct ts_entry) && in - sizeof(struct ts_entry) + size <= m->value_size;
}

const struct map_ops task_storage_map_ops = {
	.name = "task_storage",
	.check = ts_check,
	.data_size = ts_data_size,
	.init = ts_init,
	.lookup = ts_lookup,
	.lookup_copy = ts_lookup_copy,
	.update = ts_update,
	.delete = ts_delete,
	.get_next_key = ts_get_next_key,
	.contains = ts_contains,
};
