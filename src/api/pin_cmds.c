/* SPDX-License-Identifier: MIT */
/*
 * BPF_OBJ_PIN and BPF_OBJ_GET: pins are files in the bpffs root (see
 * api/bpffs.h). Pinning links the object's own file under the given path;
 * getting opens it and, when this process does not have the object yet,
 * rebuilds it from the file. Programs are pinned as a description of
 * themselves instead (api/prog_pin.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/bpffs.h"
#include "api/cmds.h"
#include "api/link_obj.h"
#include "api/prog_obj.h"
#include "maps/map.h"
#include "util/alloc.h"

/* Maps whose values are objects keep them in this process only, so a pin
 * of one holds the map (a reference and a user reference, like the
 * kernel's pin) for as long as the pinned file has a name: the programs
 * and maps in its slots stay alive for OBJ_GET. pin_sweep, run by
 * fd_sweep, lets go of maps whose every name is gone. */
static pthread_mutex_t pins_lock = PTHREAD_MUTEX_INITIALIZER;
static struct obj **pins;
static size_t pin_cnt;

static int pin_hold(struct obj *o)
{
	int err = 0;

	pthread_mutex_lock(&pins_lock);
	for (size_t i = 0; i < pin_cnt; i++)
		if (pins[i] == o)
			goto out;
	struct obj **n = mem_realloc(pins, (pin_cnt + 1) * sizeof(*n));
	if (!n) {
		err = -ENOMEM;
		goto out;
	}
	pins = n;
	obj_get(o);
	obj_uget(o);
	pins[pin_cnt++] = o;
out:
	pthread_mutex_unlock(&pins_lock);
	return err;
}

void pin_sweep(void)
{
	struct stat st;

	for (;;) {
		struct obj *gone = NULL;
		pthread_mutex_lock(&pins_lock);
		for (size_t i = 0; i < pin_cnt && !gone; i++)
			if (fstat(pins[i]->file, &st) < 0 || st.st_nlink == 0) {
				gone = pins[i];
				pins[i] = pins[--pin_cnt];
			}
		if (!pin_cnt) {
			mem_free(pins);
			pins = NULL;
		}
		pthread_mutex_unlock(&pins_lock);
		if (!gone)
			return;
		obj_uput(gone);
		obj_put(gone);
	}
}

int cmd_obj_pin(union bpf_attr *attr)
{
	char path[PATH_MAX], self[64];
	int err = 0;

	if (attr->file_flags)
		return -EINVAL;
	/* The descriptor first, then the path, as the kernel; any descriptor
	 * that is not a map, program or link (closed ones too) is EINVAL
	 * there (bpf_fd_probe_obj). */
	struct obj *o = fd_get((int)attr->bpf_fd, OBJ_ANY, &err);
	if (!o)
		return -EINVAL;
	if ((err = bpffs_resolve((const char *)(uintptr_t)attr->pathname, path, sizeof(path)))) {
		obj_put(o);
		return err;
	}
	if (o->kind == OBJ_PROG) {
		err = prog_pin((struct prog_obj *)o, path);
		obj_put(o);
		return err;
	}
	if (o->kind == OBJ_LINK) {
		err = link_pin((struct link_obj *)o, path);
		obj_put(o);
		return err;
	}
	if (o->kind != OBJ_MAP) {
		obj_put(o);
		return -EOPNOTSUPP; /* BTF: later */
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", o->file);
	if (linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
		/* EXDEV: the map lives in a memfd (there was no bpffs root when it
		 * was created), which cannot be linked anywhere. */
		err = errno == EXDEV ? -EPERM : -errno;
	if (!err && map_of(o)->ops->fd_update && (err = pin_hold(o)))
		unlink(path);
	if (!err && map_of(o)->ops->named)
		map_of(o)->ops->named(map_of(o));
	obj_put(o);
	return err;
}

int pin_map_fd(int file)
{
	enum obj_kind kind;
	struct stat st;
	int err = 0;

	if (fstat(file, &st) < 0) {
		err = -errno;
		close(file);
		return err;
	}
	struct obj *o = obj_by_inode(st.st_dev, st.st_ino, &kind);
	if (o) { /* this process has it already */
		close(file);
		if (kind != OBJ_MAP) {
			obj_put(o);
			return -EINVAL;
		}
	} else {
		struct map *m = map_open(file, &err);
		if (!m) {
			close(file);
			return err;
		}
		o = &m->obj;
	}
	int fd = fd_new(o);
	obj_put(o);
	return fd;
}

int cmd_obj_get(union bpf_attr *attr)
{
	char path[PATH_MAX];
	int err, file;

	if (attr->file_flags & ~(uint32_t)(BPF_F_RDONLY | BPF_F_WRONLY) || attr->bpf_fd)
		return -EINVAL;
	if ((err = bpffs_resolve((const char *)(uintptr_t)attr->pathname, path, sizeof(path))))
		return err;
	if ((file = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	if (prog_pin_is(file)) { /* a program: rebuilt, a new one each time */
		int fd = prog_pin_get(file);
		close(file);
		return fd;
	}
	if (link_pin_is(file)) { /* a link: rebuilt with its program */
		int fd = link_pin_get(file, path);
		close(file);
		return fd;
	}
	return pin_map_fd(file);
}
