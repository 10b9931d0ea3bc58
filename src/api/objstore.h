/* SPDX-License-Identifier: MIT */
/*
 * Names for objects that other processes can open: files in
 * <root>/.bpfx-objects (api/prog_pin.c). A map is named by a hard link to
 * its file ("map-DEV-INO"), a program by a pin-style description written
 * once ("prog-PID-ID-TIME"), from which another process rebuilds it.
 * Prog arrays and arrays of maps keep these names in their shared file so
 * that every process sees their slots (maps/fd_map.c).
 *
 * Nothing is ever removed from .bpfx-objects yet (no garbage collection).
 */
#ifndef BPFX_API_OBJSTORE_H
#define BPFX_API_OBJSTORE_H

#include <stdbool.h>

#include "api/obj.h"

#define OBJSTORE_NAME 64

/* Names o (a map or a program), creating the file the name stands for
 * when needed. 0, or a negative errno when o cannot be named (no bpffs
 * root, a map in a memfd: -EPERM). */
int objstore_name(struct obj *o, char name[OBJSTORE_NAME]);

/* The object a name stands for, with a reference: this process's own
 * when it has it (maps), else opened or rebuilt (programs: a new one).
 * NULL and *err on failure. */
struct obj *objstore_open(const char *name, int *err);

/* Is o's file pinned by a user (a name besides its .bpfx-objects link)? */
bool objstore_user_pinned(const struct obj *o);

#endif
