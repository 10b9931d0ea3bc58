/* SPDX-License-Identifier: MIT */
/* BPF_OBJ_GET_INFO_BY_FD: dispatch on the kind of object. */
#include <errno.h>

#include "api/btf_obj.h"
#include "api/cmds.h"
#include "api/link_obj.h"
#include "api/obj.h"
#include "maps/map.h"

int info_len(const union bpf_attr *attr, uint32_t ours)
{
	const unsigned char *u = (const unsigned char *)(uintptr_t)attr->info.info;
	uint32_t len = attr->info.info_len;

	for (uint32_t i = ours; i < len; i++)
		if (u[i])
			return -E2BIG;
	return (int)(len < ours ? len : ours);
}

int cmd_obj_get_info_by_fd(union bpf_attr *attr)
{
	int err = 0;
	struct obj *o;

	/* The descriptor first, then the buffer, as the kernel. */
	if (!(o = fd_get((int)attr->info.bpf_fd, OBJ_ANY, &err)))
		return err;
	if (attr->info.info_len && !attr->info.info) {
		obj_put(o);
		return -EFAULT;
	}
	switch (o->kind) {
	case OBJ_MAP:
		err = map_info(map_of(o), attr);
		break;
	case OBJ_PROG:
		err = prog_info((struct prog_obj *)o, attr);
		break;
	case OBJ_BTF:
		err = btf_info((struct btf_obj *)o, attr);
		break;
	case OBJ_LINK:
		err = link_info((struct link_obj *)o, attr);
		break;
	default:
		err = -EOPNOTSUPP;
	}
	obj_put(o);
	return err;
}
