/* SPDX-License-Identifier: MIT */
/*
 * Links and attachments (api/link_cmds.c, api/attach.c).
 *
 * An attachment is a program hooked at (attach type, target): a target is
 * a number whose meaning depends on the attach type - the cgroup id (the
 * cgroup v2 directory's inode number, as the kernel's cgroup ids) for the
 * BPF_CGROUP_* types, the ifindex for XDP and TCX, a hash-free id of the
 * tracepoint name for raw tracepoints (see link_tp_target). Attachments
 * are made either by PROG_ATTACH (held by the target: they live until
 * PROG_DETACH) or by a link (held by the link object: they end when the
 * link is detached or freed).
 *
 * The registry of attachments is process-wide, under one mutex, in attach
 * order per (type, target) - the order PROG_QUERY reports and in which a
 * hook should run them.
 */
#ifndef BPFX_API_LINK_OBJ_H
#define BPFX_API_LINK_OBJ_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/obj.h"

/* Newer than the UAPI headers bpfx is built with (Linux 6.6). */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#define BPF_TCX_EGRESS 47
#endif
#define LINK_TYPE_TCX 11

struct prog_obj;

struct link_obj {
	struct obj obj;
	uint32_t type;              /* enum bpf_link_type */
	uint32_t attach_type;       /* enum bpf_attach_type */
	struct prog_obj *prog;      /* one reference; replaced by LINK_UPDATE */
	uint64_t target;            /* see above; kept after detach for pins */
	bool attached;              /* false once LINK_DETACH ran */
	char *tp_name;              /* raw tracepoints: the name (owned) */
	char *pin_path;             /* the pin it came from or was last pinned at
				     * (owned): LINK_DETACH marks it detached */
};

/* The attachments at (type, target), in run order: fills progs[0..max)
 * with a new reference each (the caller puts them with obj_put) and
 * returns how many there are in all (may exceed max), or a negative errno.
 * Called by the hook layer when an event at the target fires, and by
 * PROG_QUERY. progs may be NULL when max is 0. */
int link_attached_progs(enum bpf_attach_type type, uint64_t target, struct prog_obj **progs,
			int max);

/* The target number of a raw tracepoint's name: attachments to the same
 * name have the same target. Stable within a process only. */
uint64_t link_tp_target(const char *name);

/* The cgroup id of a descriptor that must be a cgroup v2 directory:
 * 0 and *id, or -EBADF (as the kernel for a descriptor that is not one). */
int link_cgroup_id(int fd, uint64_t *id);

/* Link pins (api/link_pin.c): OBJ_PIN of a link writes the pin at `path`
 * (absolute, in the bpffs root); OBJ_GET of a file that link_pin_is()
 * rebuilds the program and a new link (attached again when the pinned one
 * was) and returns its descriptor. 0/descriptor or a negative errno. */
int link_pin(struct link_obj *l, const char *path);
bool link_pin_is(int file);
int link_pin_get(int file, const char *path);
/* LINK_DETACH of a link with a pin: the pin at l->pin_path, if it is still
 * a link pin, records the link as detached (for the next process). */
void link_pin_detached(struct link_obj *l);

/* A new link of `type` for prog at target (tp_name for raw tracepoints,
 * else NULL), attached when `attach`: its descriptor or a negative errno
 * (api/link_cmds.c, for link pins). */
int link_rebuild(uint32_t type, uint32_t attach_type, struct prog_obj *prog, uint64_t target,
		 const char *tp_name, bool attach);

/* ---- the registry (api/attach.c) ---- */

/* Adds prog at (type, target) with attach flags `flags` (BPF_F_ALLOW_*),
 * for `link` (NULL for PROG_ATTACH); `replace` (may be NULL) is the
 * program BPF_F_REPLACE names. Applies the kernel's cgroup rules: mixing
 * flags (-EPERM), the same program twice (-EINVAL), replace not found
 * (-ENOENT), more than 64 (-E2BIG). Takes its own reference on prog. */
int attach_add(uint32_t type, uint64_t target, struct prog_obj *prog, struct link_obj *link,
	       uint32_t flags, struct prog_obj *replace);

/* Removes the PROG_ATTACH attachment of prog (NULL: the only one, in a
 * non-multi group) at (type, target): 0, -ENOENT. */
int attach_del_prog(uint32_t type, uint64_t target, struct prog_obj *prog);

/* Removes the attachment a link made (no-op when it has none). */
void attach_del_link(struct link_obj *link);

/* Swaps the program of the link's attachment for `prog` (new reference
 * taken, the old one put). */
void attach_set_link_prog(struct link_obj *link, struct prog_obj *prog);

/* The attach flags of (type, target) and its programs' ids, as PROG_QUERY
 * reports them: ids[0..max) filled, the count returned. */
int attach_query(uint32_t type, uint64_t target, uint32_t *flags, uint32_t *ids, uint32_t max);

#endif
