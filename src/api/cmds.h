/* SPDX-License-Identifier: MIT */
/* The handlers of bpfx_bpf(), one per command, grouped by object in
 * map_cmds.c, prog_cmds.c, ... Each receives the attributes (already
 * size-checked and zero-extended, unused fields verified zero), may write
 * results into them, and returns a descriptor, 0, or a negative errno. */
#ifndef BPFX_API_CMDS_H
#define BPFX_API_CMDS_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

int cmd_map_create(union bpf_attr *attr);
int cmd_map_lookup(union bpf_attr *attr);
int cmd_map_update(union bpf_attr *attr);
int cmd_map_delete(union bpf_attr *attr);
int cmd_map_get_next_key(union bpf_attr *attr);
int cmd_map_lookup_and_delete(union bpf_attr *attr);
int cmd_map_freeze(union bpf_attr *attr);
int cmd_map_get_next_id(union bpf_attr *attr);
int cmd_map_get_fd_by_id(union bpf_attr *attr);
int cmd_map_lookup_batch(union bpf_attr *attr);
int cmd_map_lookup_and_delete_batch(union bpf_attr *attr);
int cmd_map_update_batch(union bpf_attr *attr);
int cmd_map_delete_batch(union bpf_attr *attr);
int cmd_obj_get_info_by_fd(union bpf_attr *attr);
int cmd_prog_load(union bpf_attr *attr);
int cmd_obj_pin(union bpf_attr *attr);
int cmd_obj_get(union bpf_attr *attr);

/* A descriptor for the map pinned in `file` (taken over, closed on every
 * path): the process's existing object when it has one, else the map
 * rebuilt from the file; -EINVAL when the file is another kind of object.
 * Shared by OBJ_GET and the program pins (their maps). */
int pin_map_fd(int file);
int cmd_prog_test_run(union bpf_attr *attr);
int cmd_btf_load(union bpf_attr *attr);
int cmd_btf_get_next_id(union bpf_attr *attr);
int cmd_btf_get_fd_by_id(union bpf_attr *attr);
int cmd_prog_get_next_id(union bpf_attr *attr);
int cmd_prog_get_fd_by_id(union bpf_attr *attr);
int cmd_prog_bind_map(union bpf_attr *attr);

/* Links and attachments (link_cmds.c). */
int cmd_link_create(union bpf_attr *attr);
int cmd_link_update(union bpf_attr *attr);
int cmd_link_detach(union bpf_attr *attr);
int cmd_link_get_next_id(union bpf_attr *attr);
int cmd_link_get_fd_by_id(union bpf_attr *attr);
int cmd_raw_tracepoint_open(union bpf_attr *attr);
int cmd_prog_attach(union bpf_attr *attr);
int cmd_prog_detach(union bpf_attr *attr);
int cmd_prog_query(union bpf_attr *attr);

/* BPF_ENABLE_STATS (stats.c), and the check that turns stats off once
 * every descriptor it gave was closed. */
int cmd_enable_stats(union bpf_attr *attr);
void stats_sweep(void);

/* Shared by the *_GET_NEXT_ID and *_GET_FD_BY_ID commands (ids.c): the
 * next live id of `kind` after attr->start_id into attr->next_id, and a
 * new descriptor for the object with that id; -ENOENT when there is none. */
enum obj_kind;
int cmd_next_id(enum obj_kind kind, union bpf_attr *attr);
int cmd_fd_by_id(enum obj_kind kind, uint32_t id);

/* OBJ_GET_INFO_BY_FD per kind (info.c dispatches). */
struct map;

/* map_cmds.c, shared with map_batch.c: the map behind a descriptor (with
 * a reference), whether user space may read / write it (access flags,
 * frozen), and an update as MAP_UPDATE_ELEM makes it after its checks. */
struct map *map_cmd_get(uint32_t fd, int *err);
bool map_user_may(const struct map *m, bool read, bool write);
int map_update_value(struct map *m, const void *key, const void *value, uint64_t flags);
struct prog_obj;
int map_info(struct map *m, union bpf_attr *attr);
struct link_obj;
int link_info(struct link_obj *l, union bpf_attr *attr);
int prog_info(struct prog_obj *p, union bpf_attr *attr);

/* The caller's info struct may be larger than ours if the bytes we do not
 * know are zero (the kernel's bpf_check_uarg_tail_zero); returns the
 * length to copy, or -E2BIG. */
int info_len(const union bpf_attr *attr, uint32_t ours);

#endif
