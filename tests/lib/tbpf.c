/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include <bpfx/bpfx.h>

#include "tbpf.h"

int t_sys(int cmd, union bpf_attr *a)
{
	int r = bpfx_bpf(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

int t_pin(int fd, const char *path)
{
	union bpf_attr a = { .pathname = (uintptr_t)path, .bpf_fd = (uint32_t)fd };
	return t_sys(BPF_OBJ_PIN, &a);
}

int t_get(const char *path)
{
	union bpf_attr a = { .pathname = (uintptr_t)path };
	return t_sys(BPF_OBJ_GET, &a);
}

int t_map_create(uint32_t type, uint32_t max_entries)
{
	union bpf_attr a = { .map_type = type, .key_size = 4, .value_size = 8,
			     .max_entries = max_entries };
	return t_sys(BPF_MAP_CREATE, &a);
}

int t_update(int fd, uint32_t key, uint64_t value)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key,
			     .value = (uintptr_t)&value };
	return t_sys(BPF_MAP_UPDATE_ELEM, &a);
}

uint64_t t_lookup(int fd, uint32_t key)
{
	uint64_t v = 0xdead;
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key, .value = (uintptr_t)&v };
	return t_sys(BPF_MAP_LOOKUP_ELEM, &a) ? 0xdead : v;
}
