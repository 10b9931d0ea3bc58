/* SPDX-License-Identifier: MIT */
/*
 * Link pins. Like a program, a link has nothing another process could
 * share, so its pin describes how to make it again: the link's type,
 * attach type, target, whether it was attached, the tracepoint name, and
 * the name of a program pin written for it in <root>/.bpfx-objects.
 * OBJ_GET rebuilds the program from that pin and a new link (new id) to
 * the same target; a link that was attached is attached again, so a
 * process that opens the pin has the program hooked where it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/bpffs.h"
#include "api/cmds.h"
#include "api/link_obj.h"
#include "api/prog_obj.h"
#include "util/alloc.h"

#define LINK_PIN_MAGIC "xlnk"
#define LINK_PIN_VERSION 1
#define OBJECTS_DIR ".bpfx-objects"

struct link_pin {
	char magic[4];
	uint32_t version;
	uint32_t type;
	uint32_t attach_type;
	uint64_t target;
	uint32_t attached;
	uint32_t pad;
	char tp_name[128];
	char prog[64];   /* the program's pin, in OBJECTS_DIR */
};

/* Remembers the link's latest pin (best effort: without memory, a detach
 * just does not reach the pin). */
static void link_remember_pin(struct link_obj *l, const char *path)
{
	char *p = mem_strdup(path);
	if (p) {
		mem_free(l->pin_path);
		l->pin_path = p;
	}
}

static int objects_path(const char *name, char *out, size_t sz)
{
	const char *root = bpffs_root();
	if (!root)
		return -ENOENT;
	if (snprintf(out, sz, "%s/" OBJECTS_DIR, root) >= (int)sz)
		return -ENAMETOOLONG;
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (snprintf(out, sz, "%s/" OBJECTS_DIR "/%s", root, name) >= (int)sz)
		return -ENAMETOOLONG;
	return 0;
}

static int write_link_pin(void *h, int fd)
{
	return pwrite(fd, h, sizeof(struct link_pin), 0) == (ssize_t)sizeof(struct link_pin)
		       ? 0 : errno ? -errno : -EIO;
}

int link_pin(struct link_obj *l, const char *path)
{
	struct link_pin h = { .version = LINK_PIN_VERSION, .type = l->type,
			      .attach_type = l->attach_type, .target = l->target,
			      .attached = l->attached };
	char prog_path[PATH_MAX];
	struct timespec ts;
	int err;

	memcpy(h.magic, LINK_PIN_MAGIC, 4);
	if (l->tp_name)
		snprintf(h.tp_name, sizeof(h.tp_name), "%s", l->tp_name);
	/* A name no other pin has: the link's file and the time. */
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(h.prog, sizeof(h.prog), "link-prog-%llu-%llu-%llu", (unsigned long long)l->obj.ino,
		 (unsigned long long)ts.tv_sec, (unsigned long long)ts.tv_nsec);
	if ((err = objects_path(h.prog, prog_path, sizeof(prog_path))) ||
	    (err = prog_pin(l->prog, prog_path)))
		return err;
	if ((err = pin_file_write(path, write_link_pin, &h))) {
		unlink(prog_path);
		return err;
	}
	link_remember_pin(l, path);
	return 0;
}

void link_pin_detached(struct link_obj *l)
{
	uint32_t zero = 0;
	int fd;

	if (!l->pin_path || (fd = open(l->pin_path, O_RDWR | O_CLOEXEC)) < 0)
		return;
	if (link_pin_is(fd))
		(void)!pwrite(fd, &zero, sizeof(zero), offsetof(struct link_pin, attached));
	close(fd);
}

bool link_pin_is(int file)
{
	char magic[4];
	return pread(file, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	       !memcmp(magic, LINK_PIN_MAGIC, sizeof(magic));
}

static bool link_pin_valid(const struct link_pin *h)
{
	return h->version == LINK_PIN_VERSION && memchr(h->prog, 0, sizeof(h->prog)) &&
	       memchr(h->tp_name, 0, sizeof(h->tp_name)) && !strchr(h->prog, '/') &&
	       h->prog[0] && h->prog[0] != '.' &&
	       (h->type == BPF_LINK_TYPE_CGROUP || h->type == BPF_LINK_TYPE_XDP ||
		h->type == LINK_TYPE_TCX ||
		(h->type == BPF_LINK_TYPE_RAW_TRACEPOINT && h->tp_name[0]));
}

int link_pin_get(int file, const char *path)
{
	char prog_path[PATH_MAX];
	struct link_pin h;
	struct stat st;
	int err, pfile, prog;

	if (fstat(file, &st) < 0)
		return -errno;
	if (st.st_size != sizeof(h) || pread(file, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    !link_pin_valid(&h))
		return -EINVAL;
	if ((err = objects_path(h.prog, prog_path, sizeof(prog_path))))
		return err;
	if ((pfile = open(prog_path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	prog = prog_pin_is(pfile) ? prog_pin_get(pfile) : -EINVAL;
	close(pfile);
	if (prog < 0)
		return prog;
	struct obj *o = fd_get(prog, OBJ_PROG, &err);
	close(prog);
	if (!o)
		return err;
	int fd = link_rebuild(h.type, h.attach_type, (struct prog_obj *)o, h.target,
			      h.type == BPF_LINK_TYPE_RAW_TRACEPOINT ? h.tp_name : NULL, h.attached);
	obj_put(o);
	struct obj *lo = fd >= 0 ? fd_get(fd, OBJ_LINK, &err) : NULL;
	if (lo) {
		link_remember_pin((struct link_obj *)lo, path);
		obj_put(lo);
	}
	return fd;
}
