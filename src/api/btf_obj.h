/* SPDX-License-Identifier: MIT */
/*
 * BTF as an object (BPF_BTF_LOAD): parsed, validated type information that
 * maps and programs refer to by descriptor or id. Its file holds the raw
 * blob as loaded (what OBJ_GET_INFO_BY_FD hands back).
 */
#ifndef BPFX_API_BTF_OBJ_H
#define BPFX_API_BTF_OBJ_H

#include <stdint.h>

#include "api/obj.h"

struct btf;

struct btf_obj {
	struct obj obj;
	struct btf *btf;      /* owned, immutable */
};

/* A BTF object for a parsed btf (taken over, freed on failure too) whose
 * blob is raw[0..size), with one reference; NULL and *err. */
struct btf_obj *btf_obj_new(struct btf *btf, const void *raw, uint32_t size, int *err);

/* The BTF object behind a user's descriptor, with a new reference the
 * caller puts (obj_put(&b->obj)); NULL and *err as fd_get. */
struct btf_obj *btf_obj_get(int fd, int *err);

/* OBJ_GET_INFO_BY_FD of a BTF object (info.c dispatches). */
union bpf_attr;
int btf_info(struct btf_obj *b, union bpf_attr *attr);

#endif
