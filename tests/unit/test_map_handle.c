/* SPDX-License-Identifier: MIT */
/*
 * The direct map API (bpfx_map_handle__*): every operation must give what
 * the same MAP_*_ELEM command gives through bpfx_bpf() (which
 * test_map_cmds compares with the kernel): the same return, errno and
 * bytes. Each scenario runs twice on fresh maps, once per path, and the
 * transcripts are compared; a few results are also checked outright.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "tcheck.h"

#define MAX_STEPS 128

struct step {
	int ret; /* 0 or a negative errno */
	uint8_t out[32];
};

struct path {
	/* op 'l' lookup, 'u' update, 'd' delete on map fd `fd`. */
	int (*op)(int fd, char op, const void *key, void *value, uint64_t flags);
};

static int by_bpf(int fd, char op, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)key,
			     .value = (uintptr_t)value, .flags = flags };
	int cmd = op == 'l' ? BPF_MAP_LOOKUP_ELEM : op == 'u' ? BPF_MAP_UPDATE_ELEM
							       : BPF_MAP_DELETE_ELEM;
	return bpfx_bpf(cmd, &a, sizeof(a)) < 0 ? -errno : 0;
}

static int by_handle(int fd, char op, const void *key, void *value, uint64_t flags)
{
	int err;
	struct bpfx_map_handle *h = bpfx_map_handle__get(fd, &err);
	if (!h)
		return err;
	if (op == 'l')
		err = bpfx_map_handle__lookup(h, key, value, flags);
	else if (op == 'u')
		err = bpfx_map_handle__update(h, key, value, flags);
	else
		err = flags ? -EINVAL : bpfx_map_handle__delete(h, key);
	bpfx_map_handle__put(h);
	return err;
}

static int make(uint32_t type, uint32_t flags)
{
	union bpf_attr a = { .map_type = type, .key_size = 4, .value_size = 8,
			     .max_entries = 4, .map_flags = flags };
	return bpfx_bpf(BPF_MAP_CREATE, &a, sizeof(a));
}

/* Appends one step: its result and the first 8 bytes of `out` (if any). */
static void rec(struct step *s, int *n, int ret, const void *out)
{
	if (*n >= MAX_STEPS)
		return;
	s[*n].ret = ret;
	memset(s[*n].out, 0, sizeof(s[*n].out));
	if (out)
		memcpy(s[*n].out, out, 8);
	(*n)++;
}

/* The scenario: returns the number of steps written to s. */
static int scenario(int (*op)(int, char, const void *, void *, uint64_t), struct step *s)
{
	static const uint32_t types[] = { BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH,
					  BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_ARRAY };
	uint64_t v[4] = { 0 };
	int n = 0;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		int fd = make(types[t], 0);
		for (uint32_t k = 0; k < 6; k++) {
			uint32_t key = k;
			v[0] = 0x100 + k;
			rec(s, &n, op(fd, 'u', &key, v, k == 1 ? BPF_EXIST : BPF_ANY), NULL);
			rec(s, &n, op(fd, 'u', &key, v, BPF_NOEXIST), NULL);
			memset(v, 0, sizeof(v));
			rec(s, &n, op(fd, 'l', &key, v, 0), v);
		}
		uint32_t key = 2;
		rec(s, &n, op(fd, 'l', &key, v, 7), NULL);    /* bad flags */
		rec(s, &n, op(fd, 'l', NULL, v, 0), NULL);    /* no key */
		rec(s, &n, op(fd, 'l', &key, NULL, 0), NULL); /* no value */
		rec(s, &n, op(fd, 'u', &key, v, 9), NULL);    /* bad flags */
		rec(s, &n, op(fd, 'd', &key, NULL, 0), NULL);
		rec(s, &n, op(fd, 'd', &key, NULL, 0), NULL);
		memset(v, 0, sizeof(v));
		rec(s, &n, op(fd, 'l', &key, v, 0), v);
		close(fd);
	}
	int ro = make(BPF_MAP_TYPE_HASH, BPF_F_RDONLY), wo = make(BPF_MAP_TYPE_HASH, BPF_F_WRONLY);
	uint32_t key = 1;
	rec(s, &n, op(ro, 'u', &key, v, 0), NULL);
	rec(s, &n, op(wo, 'u', &key, v, 0), NULL);
	rec(s, &n, op(wo, 'l', &key, v, 0), NULL);
	rec(s, &n, op(-1, 'l', &key, v, 0), NULL);
	rec(s, &n, op(0, 'l', &key, v, 0), NULL);
	close(ro);
	close(wo);
	return n;
}

int main(void)
{
	static struct step a[MAX_STEPS], b[MAX_STEPS];
	setenv("BPFX_SLOTS", "2", 1); /* per-CPU values: 2 slots of 8 bytes */
	int na = scenario(by_bpf, a), nb = scenario(by_handle, b);

	CHECK(na == nb && na <= MAX_STEPS, "steps: %d and %d", na, nb);
	for (int i = 0; i < na && i < nb; i++)
		CHECK(a[i].ret == b[i].ret && !memcmp(a[i].out, b[i].out, sizeof(a[i].out)),
		      "step %d: bpfx_bpf %d, handle %d%s", i, a[i].ret, b[i].ret,
		      memcmp(a[i].out, b[i].out, sizeof(a[i].out)) ? " (output differs)" : "");
	/* Outright: the hash map's first steps and the error steps. */
	CHECK(b[0].ret == 0 && b[1].ret == -EEXIST && b[2].ret == 0 && b[2].out[0] == 0x00 &&
	      b[2].out[1] == 0x01, "update/lookup key 0: %d %d %d", b[0].ret, b[1].ret, b[2].ret);
	CHECK(b[3].ret == -ENOENT, "BPF_EXIST on a missing key: %d", b[3].ret);
	CHECK(b[18].ret == -EINVAL && b[19].ret == -EFAULT && b[20].ret == -EFAULT,
	      "bad flags, no key, no value: %d %d %d", b[18].ret, b[19].ret, b[20].ret);
	CHECK(b[22].ret == 0 && b[23].ret == -ENOENT && b[24].ret == -ENOENT,
	      "delete twice, then lookup: %d %d %d", b[22].ret, b[23].ret, b[24].ret);
	CHECK(b[nb - 5].ret == -EPERM && b[nb - 3].ret == -EPERM, "rdonly/wronly: %d %d",
	      b[nb - 5].ret, b[nb - 3].ret);
	CHECK(b[nb - 2].ret == -EBADF && b[nb - 1].ret == -EINVAL, "bad fd, stdin: %d %d",
	      b[nb - 2].ret, b[nb - 1].ret);

	/* A handle keeps its map after the descriptor is closed. */
	int fd = make(BPF_MAP_TYPE_HASH, 0), err;
	uint32_t key = 3;
	uint64_t val = 42, got = 0;
	struct bpfx_map_handle *h = bpfx_map_handle__get(fd, &err);
	CHECK(h && bpfx_map_handle__update(h, &key, &val, 0) == 0, "handle update");
	close(fd);
	CHECK(h && bpfx_map_handle__lookup(h, &key, &got, 0) == 0 && got == 42,
	      "lookup after close: %llu", (unsigned long long)got);
	bpfx_map_handle__put(h);
	CHECK(bpfx_map_handle__lookup(NULL, &key, &got, 0) == -EINVAL, "NULL handle");
	return t_done("map_handle");
}
