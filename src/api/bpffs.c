/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "api/bpffs.h"

static char root[PATH_MAX];
static bool have_root;
static pthread_once_t root_once = PTHREAD_ONCE_INIT;

/* mkdir -p, each new directory with `mode`. */
static int make_dirs(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, mode);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void find_root(void)
{
	const char *env = getenv("BPFX_FS"), *xdg = getenv("XDG_RUNTIME_DIR");
	mode_t mode = 0700;

	if (env && *env)
		snprintf(root, sizeof(root), "%s", env);
	else if (geteuid() == 0)
		snprintf(root, sizeof(root), "/run/bpfx"), mode = 0755;
	else if (xdg && *xdg)
		snprintf(root, sizeof(root), "%s/bpfx", xdg);
	else
		snprintf(root, sizeof(root), "/tmp/bpfx-%u", (unsigned)getuid());
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		root[--n] = '\0';
	have_root = root[0] == '/' && make_dirs(root, mode) == 0;
}

const char *bpffs_root(void)
{
	pthread_once(&root_once, find_root);
	return have_root ? root : NULL;
}

const char *bpfx_bpffs_root(void)
{
	return bpffs_root();
}

int bpffs_resolve(const char *user_path, char *out, size_t out_sz)
{
	const char *r = bpffs_root();
	size_t rl;
	int n;

	if (!user_path || !*user_path)
		return -EINVAL;
	if (!r)
		return -ENOENT;
	rl = strlen(r);
	if (user_path[0] == '/') {
		if (strncmp(user_path, r, rl) || user_path[rl] != '/' || !user_path[rl + 1])
			return -EPERM;
		n = snprintf(out, out_sz, "%s", user_path);
	} else {
		n = snprintf(out, out_sz, "%s/%s", r, user_path);
	}
	if (n < 0 || (size_t)n >= out_sz)
		return -ENAMETOOLONG;
	if (strstr(out + rl, "/../") || !strcmp(out + n - 3, "/.."))
		return -EPERM; /* no way out of the root */
	return 0;
}

int bpffs_tmpfile(void)
{
	const char *r = bpffs_root();
	if (!r)
		return -ENOENT;
	int fd = open(r, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}
