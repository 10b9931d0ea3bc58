/* SPDX-License-Identifier: MIT */
/*
 * Objects handed to users (maps, programs, links, BTF) and their
 * descriptors.
 *
 * Every object carries this header: its kind, a global id, and a reference
 * count. An object lives while anything refers to it: a descriptor entry
 * in the fd table, a program that uses a map, a prog array slot, a pin.
 * obj_put() of the last reference destroys it.
 *
 * Descriptors are real file descriptors of the process: each object owns a
 * file (its storage, for maps), and a descriptor given to the user is a
 * dup() of it. The fd table remembers which object each descriptor number
 * was given for, and the file's (device, inode), so a descriptor the user
 * closed - and whose number the process reused for something else - is
 * recognised as gone and never mistaken for the object.
 */
#ifndef BPFX_API_OBJ_H
#define BPFX_API_OBJ_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

enum obj_kind { OBJ_ANY = 0, OBJ_MAP, OBJ_PROG, OBJ_LINK, OBJ_BTF };

struct obj {
	enum obj_kind kind;
	uint32_t id;                   /* unique among live objects of its kind */
	atomic_int refcnt;
	int file;                      /* the object's own file, owned */
	dev_t dev;                     /* and its identity */
	ino_t ino;
	void (*destroy)(struct obj *); /* frees the object; called once */
	/* User references: descriptors handed out (and pins that hold the
	 * object, see pin_cmds.c), the kernel's "uref". When the last goes,
	 * release_uref (optional; set by the object's creator, obj_init
	 * leaves it) runs: prog arrays empty themselves, which breaks the
	 * cycle of a program that tail-calls through an array holding it. */
	atomic_int urefs;
	void (*release_uref)(struct obj *);
};

/* Initialises the header with one reference (the caller's), a fresh id and
 * the object's file (taken over: closed when the object dies). Returns 0
 * or a negative errno (the file is then not taken). */
int obj_init(struct obj *o, enum obj_kind kind, int file, void (*destroy)(struct obj *));

/* Called when an object failed to initialise after obj_init succeeded:
 * releases the id and the file without calling destroy. */
void obj_abandon(struct obj *o);

static inline void obj_get(struct obj *o)
{
	atomic_fetch_add_explicit(&o->refcnt, 1, memory_order_relaxed);
}

/* Drops a reference; the last one destroys the object. NULL-safe. */
void obj_put(struct obj *o);

/* Takes / drops a user reference (see urefs); the caller also holds or
 * drops a plain reference. obj_uput is NULL-safe. */
static inline void obj_uget(struct obj *o)
{
	atomic_fetch_add_explicit(&o->urefs, 1, memory_order_relaxed);
}
void obj_uput(struct obj *o);

/* Pins that hold their object in this process (prog arrays and maps of
 * maps, whose slots would otherwise die with the object): released when
 * the pin file is gone. Called by fd_sweep. */
void pin_sweep(void);

/* A new descriptor for the object, for the user: takes a reference that
 * the descriptor holds until the user closes it (noticed lazily, see
 * fd_sweep). Returns the descriptor or a negative errno. */
int fd_new(struct obj *o);

/* The object a user's descriptor refers to, with a new reference the
 * caller must put; NULL and *err = -EBADF when fd is not open, -EINVAL
 * when it names another file or an object of another kind (the kernel's
 * answers). OBJ_ANY accepts every kind (look at o->kind). */
struct obj *fd_get(int fd, enum obj_kind kind, int *err);

/* Drops the table's references for descriptors the user has closed.
 * Runs by itself as the table grows; callable to release memory early. */
void fd_sweep(void);

/* Live objects by id, for the *_GET_NEXT_ID and *_GET_FD_BY_ID commands:
 * the smallest id greater than `after` of that kind, or 0. */
uint32_t obj_next_id(enum obj_kind kind, uint32_t after);
/* The object with that id, with a new reference, or NULL. */
struct obj *obj_by_id(enum obj_kind kind, uint32_t id);

/* The live object whose file has this identity (a descriptor the user
 * dup()ed, or a pin this process opened), with a new reference; its kind
 * in *kind. NULL when this process has no such object. */
struct obj *obj_by_inode(dev_t dev, ino_t ino, enum obj_kind *kind);

#endif /* BPFX_API_OBJ_H */
