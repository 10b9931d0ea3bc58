/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_TASK_STORAGE (task_storage.c): a value per task (thread),
 * for bpf_task_storage_get / bpf_task_storage_delete
 * (helpers/storage_helpers.c) and for user space, which names tasks by
 * pidfd as the kernel does.
 */
#ifndef BPFX_MAPS_TASK_STORAGE_H
#define BPFX_MAPS_TASK_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct map;

/* The value of task tid, or NULL; with create, a new one (a copy of
 * init, or zeroed when init is NULL) when it has none - NULL when the
 * map is full or tid is no live task. The pointer stays valid while the
 * map lives. Any thread. */
void *task_storage_get(struct map *m, pid_t tid, const void *init, bool create);
/* 0, or -ENOENT when tid has no value. */
int task_storage_delete(struct map *m, pid_t tid);

#endif /* BPFX_MAPS_TASK_STORAGE_H */
