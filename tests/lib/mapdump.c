/* SPDX-License-Identifier: MIT */
/* Maps as comparable text, for the differential tests (mapdump.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapdump.h"

#define MAPDUMP_MAX 8192

static bool is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* One entry as text: key and value bytes in hex; a per-CPU value as the
 * sums over CPUs of its 8-byte words (which CPU ran a test is the
 * kernel's choice, the totals are not). */
static int entry_text(char *d, size_t room, const uint8_t *key, uint32_t ks,
		      const uint8_t *val, uint32_t vs, uint32_t ncpu)
{
	int n = 0;
	for (uint32_t i = 0; i < ks; i++)
		n += snprintf(d + n, room - (size_t)n, "%02x", key[i]);
	n += snprintf(d + n, room - (size_t)n, "=");
	if (!ncpu) {
		for (uint32_t i = 0; i < vs; i++)
			n += snprintf(d + n, room - (size_t)n, "%02x", val[i]);
		return n;
	}
	uint32_t stride = (vs + 7) & ~7u;
	for (uint32_t w = 0; w < vs / 8; w++) {
		uint64_t sum = 0, v;
		for (uint32_t c = 0; c < ncpu; c++) {
			memcpy(&v, val + c * stride + w * 8, 8);
			sum += v;
		}
		n += snprintf(d + n, room - (size_t)n, "%s%llu", w ? "," : "", (unsigned long long)sum);
	}
	return n;
}

static bool holds_objects(uint32_t type)
{
	return type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* The value of a prog array or map of maps is an id, which differs
 * between bpfx and the kernel: the entry shows the object's name. */
static int object_entry_text(bpf_fn sys, char *d, size_t room, const uint8_t *key, uint32_t ks,
			     uint32_t type, uint32_t id)
{
	struct bpf_prog_info pi = { 0 };
	struct bpf_map_info mi = { 0 };
	bool prog = type == BPF_MAP_TYPE_PROG_ARRAY;
	union bpf_attr g = { .prog_id = id };
	int fd = sys(prog ? BPF_PROG_GET_FD_BY_ID : BPF_MAP_GET_FD_BY_ID, &g, sizeof(g));
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd,
				       .info_len = prog ? sizeof(pi) : sizeof(mi),
				       .info = prog ? (uintptr_t)&pi : (uintptr_t)&mi } };
	int ok = fd >= 0 && sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	int n = entry_text(d, room, key, ks, key, 0, 0);
	return n + snprintf(d + n, room - (size_t)n, "%s", !ok ? "?" : prog ? pi.name : mi.name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name: entry entry ..." with entries sorted: iteration order may differ
 * between the kernel and bpfx, the contents may not. Non-empty entries
 * only for arrays (every index exists). */
void dump_map(bpf_fn sys, int fd, const char *name, uint32_t type, uint32_t ks,
		     uint32_t vs, uint32_t ncpu, char *d)
{
	static uint8_t key[256], next[256], val[64 * 1024];
	static char entries[MAPDUMP_MAX][600];
	static char *sorted[MAPDUMP_MAX];
	int ne = 0;
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = 0, .next_key = (uintptr_t)next };
	uint32_t cpus = is_percpu(type) ? ncpu : 0;

	while (ne < MAPDUMP_MAX && ks <= sizeof(key) && sys(BPF_MAP_GET_NEXT_KEY, &a, sizeof(a)) == 0) {
		memcpy(key, next, ks);
		a.key = (uintptr_t)key;
		memset(val, 0, sizeof(val));
		union bpf_attr l = { .map_fd = (uint32_t)fd, .key = (uintptr_t)key,
				     .value = (uintptr_t)val };
		if (sys(BPF_MAP_LOOKUP_ELEM, &l, sizeof(l)) != 0)
			continue;
		bool zero = true;
		for (uint32_t i = 0; i < (cpus ? cpus * ((vs + 7) & ~7u) : vs); i++)
			zero &= !val[i];
		if (zero && (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY))
			continue;
		if (holds_objects(type))
			object_entry_text(sys, entries[ne], sizeof(entries[ne]), key, ks, type,
					  *(uint32_t *)val);
		else
			entry_text(entries[ne], sizeof(entries[ne]), key, ks, val, vs > 64 ? 64 : vs,
				   cpus);
		sorted[ne] = entries[ne];
		ne++;
	}
	qsort(sorted, (size_t)ne, sizeof(*sorted), cmp_str);
	/* The entry count, then as many entries as fit: all maps here are
	 * compared whole by the count and in part by their smallest keys. */
	int n = snprintf(d, 4096, "%s (%d):", name, ne);
	for (int i = 0; i < ne && n < 4000; i++)
		n += snprintf(d + n, (size_t)(4096 - n), " %s", sorted[i]);
}
