/* SPDX-License-Identifier: MIT */
/*
 * The bpffs root: the directory that plays the kernel's /sys/fs/bpf. Pins
 * are files in it; objects that can be pinned keep their storage in
 * unnamed files (O_TMPFILE) there, so pinning is a hard link to the very
 * file the object lives in and another process opening the pin shares it.
 *
 * The root is BPFX_FS, else /run/bpfx for root, else $XDG_RUNTIME_DIR/bpfx,
 * else /tmp/bpfx-UID; created (mode 0700, 0755 for /run/bpfx) on first use,
 * read once per process.
 */
#ifndef BPFX_API_BPFFS_H
#define BPFX_API_BPFFS_H

#include <stddef.h>

/* The root, or NULL when it cannot be created (then nothing is pinnable). */
const char *bpffs_root(void);

/* A pin path as the user gave it, made absolute: relative paths are
 * relative to the root, absolute ones must lie under it (-EPERM, as the
 * kernel answers for a path outside bpffs). Returns 0 or a negative errno. */
int bpffs_resolve(const char *user_path, char *out, size_t out_sz);

/* An unnamed read-write file in the root, for an object's storage, or a
 * negative errno (the caller then falls back to memfd_create). */
int bpffs_tmpfile(void);

#endif
