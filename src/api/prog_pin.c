/* SPDX-License-Identifier: MIT */
/*
 * Program pins. A program has no storage another process could share, so
 * its pin is a new regular file describing how to load it again:
 *
 *   struct pin_hdr                       (magic "xprg", version 1, ...)
 *   struct bpf_insn[insn_cnt]            lddw of maps as BPF_PSEUDO_MAP_IDX
 *                                        (_VALUE), imm = index in the list
 *   char[PIN_MAP_NAME][map_cnt]          per map, the name of a hard link
 *                                        to its file in <root>/.bpfx-objects
 *
 * OBJ_GET rebuilds the program through PROG_LOAD with an fd_array of the
 * maps it opened, so the result is a new program (new id) using the same
 * maps. Files are checked against their size: a malformed one is EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "api/bpffs.h"
#include "api/cmds.h"
#include "api/objstore.h"
#include "api/prog_obj.h"
#include "maps/map.h"
#include "util/alloc.h"

#define PIN_MAGIC "xprg"
#define PIN_VERSION 2  /* 2: the tag the program had when it was pinned */
#define PIN_MAP_NAME 64
#define OBJECTS_DIR ".bpfx-objects"

struct pin_hdr {
	char magic[4];
	uint32_t version;
	uint32_t type;
	uint32_t expected_attach_type;
	uint32_t prog_flags;
	uint32_t gpl;
	char name[BPF_OBJ_NAME_LEN];
	uint32_t insn_cnt;
	uint32_t map_cnt;
	uint8_t tag[BPF_TAG_SIZE];    /* of the instructions as first loaded */
};

/* ---- pinning ---- */

/* Links map m's file as <root>/.bpfx-objects/map-<dev>-<ino> (kept when it
 * exists: the same map pinned by another program) and puts the link's
 * name in `name`. Maps in a memfd cannot be linked: -EPERM. */
static int link_map(struct map *m, char name[PIN_MAP_NAME])
{
	char dir[PATH_MAX], path[PATH_MAX], self[64];
	const char *root = bpffs_root();

	if (!root)
		return -ENOENT;
	snprintf(name, PIN_MAP_NAME, "map-%llu-%llu", (unsigned long long)m->obj.dev,
		 (unsigned long long)m->obj.ino);
	if (snprintf(dir, sizeof(dir), "%s/" OBJECTS_DIR, root) >= (int)sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", m->obj.file);
	if (linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) {
		/* a first name: maps holding objects write their slots now */
		if (m->ops->named)
			m->ops->named(m);
	} else if (errno != EEXIST) {
		/* EXDEV/ENOENT: the map lives in a memfd (there was no bpffs
		 * root when it was created): a program using it is not
		 * pinnable, as the map itself is not. */
		return errno == EXDEV || errno == ENOENT ? -EPERM : -errno;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes header, instructions and map names to `fd`. */
static int write_pin(struct prog_obj *p, int fd)
{
	struct pin_hdr h = { .version = PIN_VERSION, .type = p->type,
			     .expected_attach_type = p->expected_attach_type,
			     .prog_flags = p->prog_flags, .gpl = p->gpl,
			     .insn_cnt = p->insn_cnt, .map_cnt = p->map_cnt };
	int err;

	memcpy(h.magic, PIN_MAGIC, 4);
	memcpy(h.name, p->name, sizeof(h.name));
	memcpy(h.tag, p->tag, sizeof(h.tag));
	if ((err = write_all(fd, &h, sizeof(h))) ||
	    (err = write_all(fd, p->pin_insns, (size_t)p->insn_cnt * sizeof(struct bpf_insn))))
		return err;
	for (uint32_t i = 0; i < p->map_cnt; i++) {
		char name[PIN_MAP_NAME] = { 0 };
		if ((err = link_map(p->maps[i], name)) || (err = write_all(fd, name, sizeof(name))))
			return err;
	}
	return 0;
}

int pin_file_write(const char *path, int (*write)(void *ctx, int fd), void *ctx)
{
	char dir[PATH_MAX], self[64];
	int err, fd;

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -EINVAL;
	*slash = '\0';
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		return -errno;
	if (!(err = write(ctx, fd))) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

static int write_prog_pin(void *p, int fd)
{
	return write_pin(p, fd);
}

/* Runs for OBJ_PIN of a program: the file is written unnamed in the pin's
 * directory and linked at `path` when complete, so nobody sees half a pin
 * and an existing path gives EEXIST. */
int prog_pin(struct prog_obj *p, const char *path)
{
	if (!p->pin_insns)
		return -EOPNOTSUPP;
	return pin_file_write(path, write_prog_pin, p);
}

/* ---- getting ---- */

bool prog_pin_is(int file)
{
	char magic[4];
	return pread(file, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	       !memcmp(magic, PIN_MAGIC, sizeof(magic));
}

/* Reads the whole pin (at most what a valid one can hold) and checks that
 * the header agrees with the size; the buffer is the caller's to free. */
static int read_pin(int file, struct pin_hdr **out, size_t *len)
{
	struct stat st;
	if (fstat(file, &st) < 0)
		return -errno;
	uint64_t max = sizeof(struct pin_hdr) + (uint64_t)BPFX_MAX_INSNS * sizeof(struct bpf_insn) +
		       (uint64_t)BPFX_MAX_INSNS * PIN_MAP_NAME;
	if ((uint64_t)st.st_size < sizeof(struct pin_hdr) || (uint64_t)st.st_size > max)
		return -EINVAL;
	struct pin_hdr *h = mem_zalloc((size_t)st.st_size);
	if (!h)
		return -ENOMEM;
	if (pread(file, h, (size_t)st.st_size, 0) != st.st_size) {
		mem_free(h);
		return -EINVAL;
	}
	uint64_t want = sizeof(*h) + (uint64_t)h->insn_cnt * sizeof(struct bpf_insn) +
			(uint64_t)h->map_cnt * PIN_MAP_NAME;
	if (memcmp(h->magic, PIN_MAGIC, 4) || h->version != PIN_VERSION || !h->insn_cnt ||
	    h->insn_cnt > BPFX_MAX_INSNS || h->map_cnt > BPFX_MAX_INSNS ||
	    want != (uint64_t)st.st_size || memchr(h->name, 0, sizeof(h->name)) == NULL) {
		mem_free(h);
		return -EINVAL;
	}
	*out = h;
	*len = (size_t)st.st_size;
	return 0;
}

/* Every lddw naming a map must name one of the pin's maps, and no other
 * way of naming a map (descriptors of the pinning process) may appear. */
static int check_insns(const struct bpf_insn *in, uint32_t cnt, uint32_t map_cnt)
{
	for (uint32_t i = 0; i < cnt; i++) {
		if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (i + 1 >= cnt)
			return -EINVAL;
		switch (in[i].src_reg) {
		case BPF_PSEUDO_MAP_FD:
		case BPF_PSEUDO_MAP_VALUE:
			return -EINVAL;
		case BPF_PSEUDO_MAP_IDX:
		case BPF_PSEUDO_MAP_IDX_VALUE:
			if ((uint32_t)in[i].imm >= map_cnt)
				return -EINVAL;
		}
		i++;
	}
	return 0;
}

/* A descriptor for the map linked as `name` in .bpfx-objects. */
static int open_map(const char *name)
{
	char path[PATH_MAX];
	const char *root = bpffs_root();
	int file;

	if (!root)
		return -ENOENT;
	if (!memchr(name, 0, PIN_MAP_NAME) || !name[0] || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/" OBJECTS_DIR "/%s", root, name);
	if ((file = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	return pin_map_fd(file);
}

/* PROG_LOAD of the pin's instructions with its maps as fd_array. */
static int load_pin(const struct pin_hdr *h, const int *map_fds)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = h->type;
	a.expected_attach_type = h->expected_attach_type;
	a.prog_flags = h->prog_flags;
	a.insn_cnt = h->insn_cnt;
	a.insns = (uintptr_t)(h + 1);
	a.license = (uintptr_t)(h->gpl ? "GPL" : "Proprietary");
	a.fd_array = (uintptr_t)map_fds;
	memcpy(a.prog_name, h->name, sizeof(a.prog_name));
	return cmd_prog_load(&a);
}

/* The reloaded program's instructions name maps by index, which changes
 * the hash; it keeps the tag it was first loaded with, as in the kernel. */
static void restore_tag(int fd, const uint8_t tag[BPF_TAG_SIZE])
{
	int err;
	struct prog_obj *p = (struct prog_obj *)fd_get(fd, OBJ_PROG, &err);
	if (!p)
		return;
	memcpy(p->tag, tag, BPF_TAG_SIZE);
	obj_put(&p->obj);
}

int prog_pin_get(int file)
{
	struct pin_hdr *h = NULL;
	size_t len;
	int err;

	if ((err = read_pin(file, &h, &len)))
		return err;
	const struct bpf_insn *insns = (const struct bpf_insn *)(h + 1);
	const char *names = (const char *)(insns + h->insn_cnt);
	int *fds = mem_zalloc(((size_t)h->map_cnt + 1) * sizeof(int));
	uint32_t opened = 0;
	if (!fds)
		err = -ENOMEM;
	else
		err = check_insns(insns, h->insn_cnt, h->map_cnt);
	while (!err && opened < h->map_cnt) {
		int fd = open_map(names + (size_t)opened * PIN_MAP_NAME);
		if (fd < 0)
			err = fd;
		else
			fds[opened++] = fd;
	}
	if (!err)
		err = load_pin(h, fds);
	if (err >= 0)
		restore_tag(err, h->tag);
	/* The program holds its maps; our descriptors for them go. */
	for (uint32_t i = 0; i < opened; i++)
		close(fds[i]);
	mem_free(fds);
	mem_free(h);
	(void)len;
	return err;
}

/* ---- the object store (api/objstore.h) ---- */

int objstore_name(struct obj *o, char name[OBJSTORE_NAME])
{
	char path[PATH_MAX], link[PIN_MAP_NAME];
	const char *root = bpffs_root();
	int err;

	_Static_assert(OBJSTORE_NAME == PIN_MAP_NAME, "one name size");
	if (o->kind == OBJ_MAP) {
		if ((err = link_map((struct map *)o, link)))
			return err;
		memcpy(name, link, OBJSTORE_NAME);
		return 0;
	}
	struct prog_obj *p = (struct prog_obj *)o;
	if (!root)
		return -ENOENT;
	snprintf(name, OBJSTORE_NAME, "prog-%d-%u-%llx", (int)getpid(), o->id,
		 (unsigned long long)p->load_time_ns);
	if (snprintf(path, sizeof(path), "%s/" OBJECTS_DIR "/%s", root, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	*strrchr(path, '/') = '\0';
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	path[strlen(path)] = '/';
	err = prog_pin(p, path);
	return err == -EEXIST ? 0 : err;
}

struct obj *objstore_open(const char *name, int *err)
{
	char path[PATH_MAX];
	const char *root = bpffs_root();
	int fd, file;

	if (!root || !name[0] || strchr(name, '/') || name[0] == '.') {
		*err = -ENOENT;
		return NULL;
	}
	if (!strncmp(name, "map-", 4)) {
		fd = open_map(name);
	} else {
		snprintf(path, sizeof(path), "%s/" OBJECTS_DIR "/%s", root, name);
		if ((file = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			*err = -errno;
			return NULL;
		}
		fd = prog_pin_get(file);
		close(file);
	}
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	struct obj *o = fd_get(fd, OBJ_ANY, err);
	close(fd);
	return o;
}

bool objstore_user_pinned(const struct obj *o)
{
	char path[PATH_MAX];
	struct stat st;
	const char *root = bpffs_root();

	if (fstat(o->file, &st) < 0 || st.st_nlink == 0)
		return false;
	if (!root)
		return true;
	snprintf(path, sizeof(path), "%s/" OBJECTS_DIR "/map-%llu-%llu", root,
		 (unsigned long long)o->dev, (unsigned long long)o->ino);
	return st.st_nlink > (access(path, F_OK) == 0 ? 1u : 0u);
}
