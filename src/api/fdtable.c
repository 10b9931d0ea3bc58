/* SPDX-License-Identifier: MIT */
/*
 * The fd table: which object each descriptor handed to the user stands
 * for. Indexed by descriptor number; each entry holds one reference and
 * the identity (device, inode) of the object's file, so that a descriptor
 * the user closed is recognised - its number is free (EBADF) or now names
 * another file - and its reference dropped. That happens when the number
 * is used again by bpfx, when a lookup finds it stale, and in sweeps that
 * run whenever the table has grown by half since the last one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/obj.h"
#include "util/alloc.h"

struct fd_entry {
	struct obj *obj;   /* NULL: free */
	dev_t dev;
	ino_t ino;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_entry *table;
static size_t table_cap;
static size_t live, live_at_last_sweep;

/* Does descriptor fd still name the file with this identity? */
static bool fd_names(int fd, dev_t dev, ino_t ino)
{
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Drops what a table entry held: a user reference and a reference. */
static void entry_put(struct obj *o)
{
	obj_uput(o);
	obj_put(o);
}

/* Removes stale entries; returns their objects in `dead` (to put after
 * the lock is released: destroying an object may take other locks).
 * Caller holds table_lock. */
static size_t sweep_locked(struct obj **dead, size_t max)
{
	size_t n = 0;
	for (size_t fd = 0; fd < table_cap && n < max; fd++) {
		struct fd_entry *e = &table[fd];
		if (e->obj && !fd_names((int)fd, e->dev, e->ino)) {
			dead[n++] = e->obj;
			e->obj = NULL;
			live--;
		}
	}
	live_at_last_sweep = live;
	return n;
}

void fd_sweep(void)
{
	struct obj *dead[256];
	size_t n;

	do {
		pthread_mutex_lock(&table_lock);
		n = sweep_locked(dead, 256);
		pthread_mutex_unlock(&table_lock);
		for (size_t i = 0; i < n; i++)
			entry_put(dead[i]);
	} while (n == 256);
	pin_sweep();
}

static int table_grow(size_t need)
{
	size_t cap = table_cap ? table_cap : 64;
	while (cap <= need)
		cap *= 2;
	struct fd_entry *t = mem_realloc(table, cap * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t + table_cap, 0, (cap - table_cap) * sizeof(*t));
	table = t;
	table_cap = cap;
	return 0;
}

int fd_new(struct obj *o)
{
	struct obj *replaced = NULL;
	int fd = fcntl(o->file, F_DUPFD_CLOEXEC, 3);
	int err = 0;

	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&table_lock);
	if ((size_t)fd >= table_cap && (err = table_grow((size_t)fd)) != 0) {
		pthread_mutex_unlock(&table_lock);
		close(fd);
		return err;
	}
	/* The number was free in the process, so any entry is stale. */
	replaced = table[fd].obj;
	if (!replaced)
		live++;
	obj_get(o);
	obj_uget(o);
	table[fd] = (struct fd_entry){ o, o->dev, o->ino };
	bool sweep = live > 64 && live > live_at_last_sweep + live_at_last_sweep / 2;
	pthread_mutex_unlock(&table_lock);
	entry_put(replaced);
	if (sweep)
		fd_sweep();
	return fd;
}

struct obj *fd_get(int fd, enum obj_kind kind, int *err)
{
	struct obj *o = NULL, *stale = NULL;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		*err = -EBADF;
		return NULL;
	}
	pthread_mutex_lock(&table_lock);
	if ((size_t)fd < table_cap && table[fd].obj) {
		struct fd_entry *e = &table[fd];
		if (e->dev == st.st_dev && e->ino == st.st_ino) {
			o = e->obj;
			obj_get(o);
		} else {
			stale = e->obj;
			e->obj = NULL;
			live--;
		}
	}
	pthread_mutex_unlock(&table_lock);
	entry_put(stale);

	enum obj_kind found_kind = kind;
	if (!o) /* a descriptor bpfx did not hand out: dup()ed or inherited */
		o = obj_by_inode(st.st_dev, st.st_ino, &found_kind);
	else
		found_kind = o->kind;
	if (!o) { /* an open file, but not a bpfx object: the kernel's EINVAL */
		*err = -EINVAL;
		return NULL;
	}
	if (kind != OBJ_ANY && found_kind != kind) {
		obj_put(o);
		*err = -EINVAL;
		return NULL;
	}
	return o;
}
