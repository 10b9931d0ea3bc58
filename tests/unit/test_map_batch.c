/* SPDX-License-Identifier: MIT */
/*
 * The bpf() batch commands (src/api/map_batch.c, src/maps/hash_batch.c):
 * a hash map's walk by buckets in the order jhash predicts (BPF_F_ZERO_SEED),
 * ENOSPC for a bucket that does not fit, ENOENT with the count at the
 * end, lookup-and-delete, update and delete batches stopping at the
 * first error with the count of what was done, arrays walked by key with
 * a key token, per-CPU values, access rules and unsupported types.
 * tests/suites/maps_kernel_q.sh runs random batches against the kernel.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "maps/map.h"
#include "tcheck.h"
#include "util/jhash.h"

#define ENOTSUPP 524

static int sys(int cmd, union bpf_attr *a)
{
	int r = bpfx_bpf(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

static int create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	union bpf_attr a = { .map_type = type, .key_size = ks, .value_size = vs,
			     .max_entries = max, .map_flags = flags };
	return sys(BPF_MAP_CREATE, &a);
}

static int update(int fd, const void *key, const void *value)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)key,
			     .value = (uintptr_t)value };
	return sys(BPF_MAP_UPDATE_ELEM, &a);
}

/* One batch command; *count in: how many, out: what the command said. */
static int batch(int cmd, int fd, void *keys, void *values, uint32_t *count, void *in,
		 void *out, uint64_t elem_flags)
{
	union bpf_attr a = { .batch = { .map_fd = (uint32_t)fd, .keys = (uintptr_t)keys,
					.values = (uintptr_t)values, .count = *count,
					.in_batch = (uintptr_t)in, .out_batch = (uintptr_t)out,
					.elem_flags = elem_flags } };
	int r = sys(cmd, &a);

	*count = a.batch.count;
	return r;
}

/* The kernel's bucket of a 4-byte key in a zero-seeded map. */
static uint32_t bucket_of(uint32_t key, uint32_t n_buckets)
{
	return jhash2(&key, 1, 0) & (n_buckets - 1);
}

static void test_hash(void)
{
	int fd = create(BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_ZERO_SEED);
	uint32_t keys[32], want[32], n = 0, count, tok = 0, tok2;
	uint64_t values[32];

	if (!CHECK(fd >= 0, "hash: %d", fd))
		return;
	for (uint32_t k = 0; k < 10; k++) {
		uint64_t v = k * 10;
		update(fd, &k, &v);
	}
	/* Bucket order, newest key first within a bucket. */
	for (uint32_t b = 0; b < 16; b++)
		for (uint32_t k = 10; k-- > 0;)
			if (bucket_of(k, 16) == b)
				want[n++] = k;
	count = 32;
	int r = batch(BPF_MAP_LOOKUP_BATCH, fd, keys, values, &count, NULL, &tok, 0);
	CHECK(r == -ENOENT && count == 10 && tok == 16, "whole map: %d, count %u, token %u", r,
	      count, tok);
	CHECK(!memcmp(keys, want, sizeof(uint32_t) * 10), "bucket order");
	for (uint32_t i = 0; i < 10; i++)
		CHECK(values[i] == keys[i] * 10ull, "value of key %u", keys[i]);

	/* One at a time: a bucket of two does not fit (ENOSPC), one of one
	 * does; the token moves past what was copied. */
	uint32_t got = 0, calls = 0, *in = NULL, seen = 0;
	for (r = 0; r == 0 && calls < 40; calls++) {
		count = 2;
		r = batch(BPF_MAP_LOOKUP_BATCH, fd, keys + got, values, &count, in, &tok, 0);
		got += count;
		tok2 = tok;
		in = &tok2;
		seen += r == -ENOSPC;
		if (r == -ENOSPC) { /* take that bucket with more room */
			count = 10;
			r = batch(BPF_MAP_LOOKUP_BATCH, fd, keys + got, values, &count, in, &tok, 0);
			got += count;
			tok2 = tok;
		}
	}
	CHECK(r == -ENOENT && got == 10 && !memcmp(keys, want, sizeof(uint32_t) * 10),
	      "in steps of 2: %d, %u keys in the same order", r, got);
	tok = 99;
	count = 5;
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, fd, keys, values, &count, &tok, &tok2, 0) == -ENOENT &&
	      count == 0, "a token past the last bucket: ENOENT, count 0");
	count = 0;
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, fd, keys, values, &count, NULL, &tok, 8) == -EINVAL,
	      "elem_flags");
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, fd, keys, values, &count, NULL, &tok, 0) == 0 &&
	      count == 0, "count 0: nothing");

	/* Lookup and delete: buckets leave the map as they are copied. */
	count = 4;
	r = batch(BPF_MAP_LOOKUP_AND_DELETE_BATCH, fd, keys, values, &count, NULL, &tok, 0);
	uint32_t left = 0, k, next;
	union bpf_attr g = { .map_fd = (uint32_t)fd, .key = 0, .next_key = (uintptr_t)&next };
	for (; sys(BPF_MAP_GET_NEXT_KEY, &g) == 0; left++)
		k = next, g.key = (uintptr_t)&k;
	CHECK(r == 0 && count >= 3 && count <= 4 && left == 10 - count,
	      "lookup and delete of 4: %d, %u taken, %u left", r, count, left);

	/* Updates and deletes stop at the first error, the count says where. */
	uint32_t ks[3] = { 20, 21, 22 };
	uint64_t vs[3] = { 1, 2, 3 };
	count = 3;
	CHECK(batch(BPF_MAP_UPDATE_BATCH, fd, ks, vs, &count, NULL, NULL, BPF_NOEXIST) == -EINVAL,
	      "update batch takes no BPF_NOEXIST");
	CHECK(batch(BPF_MAP_UPDATE_BATCH, fd, ks, vs, &count, NULL, NULL, 0) == 0 && count == 3,
	      "update batch of 3");
	ks[1] = 99;
	count = 3;
	CHECK(batch(BPF_MAP_DELETE_BATCH, fd, ks, NULL, &count, NULL, NULL, 0) == -ENOENT &&
	      count == 1, "delete batch stops at a missing key (count %u)", count);
	close(fd);
}

static void test_array(void)
{
	int fd = create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	uint32_t keys[8] = { 0, 1, 2, 5 }, values[8] = { 10, 11, 12, 15 }, count = 4, tok, in;

	if (!CHECK(fd >= 0, "array: %d", fd))
		return;
	CHECK(batch(BPF_MAP_UPDATE_BATCH, fd, keys, values, &count, NULL, NULL, 0) == -E2BIG &&
	      count == 3, "update batch: index 5 is E2BIG after 3 (count %u)", count);
	count = 2;
	memset(keys, 0, sizeof(keys));
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, fd, keys, values, &count, NULL, &tok, 0) == 0 &&
	      count == 2 && tok == 1 && keys[1] == 1 && values[1] == 11,
	      "first 2: the token is the last key");
	in = tok, count = 5;
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, fd, keys, values, &count, &in, &tok, 0) == -ENOENT &&
	      count == 2 && tok == 3 && keys[0] == 2 && values[0] == 12, "the rest, then ENOENT");
	CHECK(batch(BPF_MAP_DELETE_BATCH, fd, keys, NULL, &count, NULL, NULL, 0) == -ENOTSUPP,
	      "arrays have no delete batch");
	CHECK(batch(BPF_MAP_LOOKUP_AND_DELETE_BATCH, fd, keys, values, &count, NULL, &tok, 0) ==
	      -ENOTSUPP, "nor lookup and delete");
	union bpf_attr f = { .map_fd = (uint32_t)fd };
	sys(BPF_MAP_FREEZE, &f);
	count = 1;
	CHECK(batch(BPF_MAP_UPDATE_BATCH, fd, keys, values, &count, NULL, NULL, 0) == -EPERM,
	      "frozen: EPERM");
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, fd, keys, values, &count, NULL, &tok, 0) == 0,
	      "frozen: lookups go on");
	close(fd);
	fd = create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, BPF_F_WRONLY);
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, fd, keys, values, &count, NULL, &tok, 0) == -EPERM,
	      "write-only: no lookup batch");
	union bpf_attr t = { .batch = { .map_fd = (uint32_t)fd, .count = 1 } };
	((unsigned char *)&t)[offsetof(union bpf_attr, batch.flags) + 8] = 1;
	CHECK(sys(BPF_MAP_UPDATE_BATCH, &t) == -EINVAL, "a field past batch.flags: EINVAL");
	close(fd);
}

/* Per-CPU values come in full: one 8-byte-padded value per slot. */
static void test_percpu(void)
{
	uint32_t slots = map_nr_slots(), key = 3, keys[2], count = 2, tok;
	int fd = create(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, 0);
	uint64_t v[64] = { 0 }, out[128];

	if (!CHECK(fd >= 0 && slots <= 64, "percpu hash: %d", fd))
		return;
	for (uint32_t s = 0; s < slots; s++)
		v[s] = 100 + s;
	update(fd, &key, v);
	memset(out, 0xee, sizeof(out));
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, fd, keys, out, &count, NULL, &tok, 0) == -ENOENT &&
	      count == 1 && keys[0] == 3 && !memcmp(out, v, 8 * slots) &&
	      out[slots] == 0xeeeeeeeeeeeeeeeeull, "%u slots of one key", slots);
	close(fd);
}

static void test_unsupported(void)
{
	int q = create(BPF_MAP_TYPE_QUEUE, 0, 4, 4, 0);
	int l = create(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC);
	uint32_t count = 1, buf[4], tok;

	CHECK(batch(BPF_MAP_UPDATE_BATCH, q, buf, buf, &count, NULL, NULL, 0) == -ENOTSUPP,
	      "queues: ENOTSUPP");
	CHECK(batch(BPF_MAP_LOOKUP_AND_DELETE_BATCH, l, buf, buf, &count, NULL, &tok, 0) ==
	      -ENOTSUPP, "LPM tries: no lookup and delete batch");
	CHECK(batch(BPF_MAP_LOOKUP_BATCH, l, buf, buf, &count, NULL, &tok, 0) == -ENOENT &&
	      count == 0, "LPM tries: lookup batch of an empty trie");
	close(q);
	close(l);
}

int main(void)
{
	test_hash();
	test_array();
	test_percpu();
	test_unsupported();
	return t_done("map_batch");
}
