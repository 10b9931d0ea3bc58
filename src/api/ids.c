/* SPDX-License-Identifier: MIT */
/*
 * What the *_GET_NEXT_ID and *_GET_FD_BY_ID commands share, for every
 * kind of object: walking the live ids and opening an object by id.
 */
#include <errno.h>
#include <stdint.h>

#include "api/cmds.h"
#include "api/obj.h"

int cmd_next_id(enum obj_kind kind, union bpf_attr *attr)
{
	if (attr->start_id >= INT32_MAX) /* ids are positive ints */
		return -EINVAL;
	uint32_t id = obj_next_id(kind, attr->start_id);
	if (!id)
		return -ENOENT;
	attr->next_id = id;
	return 0;
}

int cmd_fd_by_id(enum obj_kind kind, uint32_t id)
{
	struct obj *o = obj_by_id(kind, id);
	if (!o)
		return -ENOENT;
	int fd = fd_new(o);
	obj_put(o);
	return fd;
}
