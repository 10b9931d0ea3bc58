/* SPDX-License-Identifier: MIT */
/*
 * BPF_F_LOCK from user space, differentially: maps whose BTF value has a
 * struct bpf_spin_lock, created, updated and read with and without
 * BPF_F_LOCK in bpfx and in the kernel; every return value, errno and
 * byte read back must agree (the lock word reads as 0, updates leave it
 * alone, BPF_F_LOCK without a lock is -EINVAL, a lock in a map type that
 * may not have one is -EOPNOTSUPP; the same for a struct bpf_timer). The
 * bpfx side is also checked against written expectations, so the test
 * stands without a kernel. And the point of the lock: a writer thread's
 * BPF_F_LOCK updates and a reader's BPF_F_LOCK lookups of a 256-byte
 * value never see a mix of two updates.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "btf_build.h"
#include "kbpf.h"
#include "tcheck.h"
#include "tscript.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);


static struct ts_transcript *T;
/* out: the 16 bytes a lookup reads, or NULL */
#define rec(what, ret, out) ts_rec(T, what, ret, out, 16)
static bpf_fn SYS;
static struct bb builder;
static uint8_t blob[4096];
static size_t blob_len;

/* Types: 1 int, 2 struct bpf_spin_lock, 3 struct locked { a; lock; b; c },
 * 4 struct plain { a; b; c; d }, 7 struct timed { u64 a; struct bpf_timer
 * t; u64 b }. (A struct with two locks: the kernel
 * refuses the BTF itself, E2BIG.) */
static void build_blob(void)
{
	struct bb *b = &builder;
	bb_init(b);
	uint32_t i = bb_int(b, "int", 4, BTF_INT_SIGNED, 32);
	uint32_t l = bb_struct(b, BTF_KIND_STRUCT, "bpf_spin_lock", 0, 1, 4);
	bb_member(b, "val", i, 0);
	bb_struct(b, BTF_KIND_STRUCT, "locked", 0, 4, 16);
	bb_member(b, "a", i, 0);
	bb_member(b, "lock", l, 32);
	bb_member(b, "b", i, 64);
	bb_member(b, "c", i, 96);
	bb_struct(b, BTF_KIND_STRUCT, "plain", 0, 4, 16);
	bb_member(b, "a", i, 0);
	bb_member(b, "b", i, 32);
	bb_member(b, "c", i, 64);
	bb_member(b, "d", i, 96);
	uint32_t u64 = bb_int(b, "unsigned long long", 8, 0, 64);          /* 5 */
	uint32_t tm = bb_struct(b, BTF_KIND_STRUCT, "bpf_timer", 0, 2, 16); /* 6 */
	bb_member(b, "a", u64, 0);
	bb_member(b, "b", u64, 64);
	bb_struct(b, BTF_KIND_STRUCT, "timed", 0, 3, 32);                   /* 7 */
	bb_member(b, "a", u64, 0);
	bb_member(b, "t", tm, 64);
	bb_member(b, "b", u64, 192);
	uint32_t arr = bb_array(b, u64, i, 31);                             /* 8 */
	bb_struct(b, BTF_KIND_STRUCT, "big", 0, 2, 256);                    /* 9 */
	bb_member(b, "lock", 2, 0);
	bb_member(b, "v", arr, 64);
	blob_len = bb_blob(b, blob, sizeof(blob));
}

static int create(const char *what, int btf, uint32_t type, uint32_t value_id, uint32_t vs)
{
	union bpf_attr a = { .map_type = type, .key_size = 4, .value_size = vs,
			     .max_entries = 4, .btf_fd = (uint32_t)btf, .btf_key_type_id = 1,
			     .btf_value_type_id = value_id };
	errno = 0;
	return rec(what, SYS(BPF_MAP_CREATE, &a, sizeof(a)), NULL);
}

static void update(const char *what, int fd, uint32_t key, const uint32_t v[4], uint64_t flags)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key,
			     .value = (uintptr_t)v, .flags = flags };
	errno = 0;
	rec(what, SYS(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)), NULL);
}

static void lookup(const char *what, int fd, uint32_t key, uint64_t flags)
{
	uint32_t out[4] = { 0xeeeeeeee, 0xeeeeeeee, 0xeeeeeeee, 0xeeeeeeee };
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key,
			     .value = (uintptr_t)out, .flags = flags };
	errno = 0;
	rec(what, SYS(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)), out);
}

/* A batch command over keys 0 and 5 (updates: value {9, 0x99, 10, 11}
 * for both): records the result and the first value. */
static void batch(const char *what, int cmd, int fd, uint64_t elem_flags)
{
	uint32_t keys[4] = { 0, 5, 0, 0 }, vals[16] = { 9, 0x99, 10, 11, 9, 0x99, 10, 11 };
	uint32_t out_batch = 0;
	union bpf_attr a = { .batch = { .keys = (uintptr_t)keys, .values = (uintptr_t)vals,
					.count = cmd == BPF_MAP_UPDATE_BATCH ? 1 : 4,
					.map_fd = (uint32_t)fd, .elem_flags = elem_flags } };
	if (cmd != BPF_MAP_UPDATE_BATCH) {
		memset(vals, 0xee, sizeof(vals));
		a.batch.out_batch = (uintptr_t)&out_batch;
	}
	errno = 0;
	int r = SYS(cmd, &a, sizeof(a));
	if (r < 0 && errno == ENOENT) /* the end of the map: what was copied counts */
		r = 0;
	rec(what, r, cmd == BPF_MAP_UPDATE_BATCH ? NULL : vals);
}

static int create32(const char *what, int btf, uint32_t type)
{
	return create(what, btf, type, 7, 32);
}

/* Updates key with the 32-byte v (flags 0, or BPF_F_LOCK when the name
 * says so), then records the lookup of its first 16 bytes after the
 * update and whether the last 16 read back as zeros + b. */
static void update32(const char *what, int fd, uint32_t key, const uint64_t v[4], uint64_t *back)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key,
			     .value = (uintptr_t)v, .flags = strstr(what, "F_LOCK") ? BPF_F_LOCK : 0 };
	errno = 0;
	rec(what, SYS(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)), NULL);
	memset(back, 0xee, 32);
	a.value = (uintptr_t)back;
	a.flags = 0;
	errno = 0;
	int r = SYS(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a));
	uint32_t out[4] = { (uint32_t)back[0], (uint32_t)back[1], (uint32_t)back[2],
			    (uint32_t)back[3] };
	rec("  its lookup", r, out);
}

static void scenario(struct ts_transcript *t, bpf_fn sys)
{
	int fds[12], nfd = 0;
	memset(t, 0, sizeof(*t));
	T = t;
	SYS = sys;
	union bpf_attr la = { .btf = (uintptr_t)blob, .btf_size = (uint32_t)blob_len };
	int btf = sys(BPF_BTF_LOAD, &la, sizeof(la));
	rec("btf load", btf, NULL);
	if (btf < 0)
		return;
	int arr = fds[nfd++] = create("array with lock", btf, BPF_MAP_TYPE_ARRAY, 3, 16);
	int hash = fds[nfd++] = create("hash with lock", btf, BPF_MAP_TYPE_HASH, 3, 16);
	int plain = fds[nfd++] = create("array without lock", btf, BPF_MAP_TYPE_ARRAY, 4, 16);
	fds[nfd++] = create("percpu array with lock", btf, BPF_MAP_TYPE_PERCPU_ARRAY, 3, 16);
	fds[nfd++] = create("lru hash with lock", btf, BPF_MAP_TYPE_LRU_HASH, 3, 16);

	const uint32_t v1[4] = { 1, 0x55555555, 2, 3 }, v2[4] = { 4, 0x66666666, 5, 6 };
	update("array update", arr, 0, v1, 0);
	lookup("array lookup", arr, 0, 0);
	lookup("array lookup F_LOCK", arr, 0, BPF_F_LOCK);
	update("array update F_LOCK", arr, 1, v2, BPF_F_LOCK);
	lookup("array lookup 1 F_LOCK", arr, 1, BPF_F_LOCK);
	update("array F_LOCK|NOEXIST", arr, 1, v1, BPF_F_LOCK | BPF_NOEXIST);
	update("array F_LOCK|EXIST", arr, 1, v1, BPF_F_LOCK | BPF_EXIST);
	update("array F_LOCK bad flag", arr, 1, v1, BPF_F_LOCK | 8);
	lookup("array lookup bad flag", arr, 1, 2);
	update("array F_LOCK past the end", arr, 9, v1, BPF_F_LOCK);
	update("plain update F_LOCK", plain, 0, v1, BPF_F_LOCK);
	lookup("plain lookup F_LOCK", plain, 0, BPF_F_LOCK);
	update("plain update", plain, 0, v1, 0);
	lookup("plain lookup", plain, 0, 0);

	update("hash F_LOCK new key", hash, 5, v1, BPF_F_LOCK);
	lookup("hash lookup F_LOCK", hash, 5, BPF_F_LOCK);
	update("hash F_LOCK|NOEXIST", hash, 5, v2, BPF_F_LOCK | BPF_NOEXIST);
	update("hash F_LOCK|EXIST missing", hash, 6, v2, BPF_F_LOCK | BPF_EXIST);
	update("hash F_LOCK existing", hash, 5, v2, BPF_F_LOCK);
	lookup("hash lookup", hash, 5, 0);
	update("hash update plain", hash, 5, v1, 0);
	lookup("hash lookup after", hash, 5, BPF_F_LOCK);
	lookup("hash lookup missing F_LOCK", hash, 7, BPF_F_LOCK);
	update("hash F_LOCK bad flag", hash, 5, v1, BPF_F_LOCK | 8);

	batch("array lookup batch F_LOCK", BPF_MAP_LOOKUP_BATCH, arr, BPF_F_LOCK);
	batch("hash lookup batch F_LOCK", BPF_MAP_LOOKUP_BATCH, hash, BPF_F_LOCK);
	batch("plain lookup batch F_LOCK", BPF_MAP_LOOKUP_BATCH, plain, BPF_F_LOCK);
	batch("array update batch F_LOCK", BPF_MAP_UPDATE_BATCH, arr, BPF_F_LOCK);
	lookup("array lookup after batch", arr, 0, BPF_F_LOCK);
	batch("plain update batch F_LOCK", BPF_MAP_UPDATE_BATCH, plain, BPF_F_LOCK);
	batch("hash lookup_and_delete batch F_LOCK", BPF_MAP_LOOKUP_AND_DELETE_BATCH, hash,
	      BPF_F_LOCK);

	/* A bpf_timer: never written by updates, read back as zeros. */
	int tarr = fds[nfd++] = create32("array with timer", btf, BPF_MAP_TYPE_ARRAY);
	int tlru = fds[nfd++] = create32("lru hash with timer", btf, BPF_MAP_TYPE_LRU_HASH);
	fds[nfd++] = create32("percpu array with timer", btf, BPF_MAP_TYPE_PERCPU_ARRAY);
	const uint64_t tv[4] = { 0x1111, 0x7777777777777777ull, 0x7777, 0x2222 };
	uint64_t back[4];
	update32("array timer update", tarr, 0, tv, back);
	update32("lru timer update", tlru, 3, tv, back);
	update32("array timer F_LOCK", tarr, 0, tv, back);
	for (int i = 0; i < nfd; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(btf);
}

static const struct ts_expect expect[] = {
	{ "array with lock", 1, 0, { 0 } }, { "hash with lock", 1, 0, { 0 } },
	{ "array without lock", 1, 0, { 0 } },
	{ "percpu array with lock", -1, EOPNOTSUPP, { 0 } },
	{ "array lookup", 0, 0, { 1, 0, 2, 3 } },
	{ "array lookup F_LOCK", 0, 0, { 1, 0, 2, 3 } },
	{ "array lookup 1 F_LOCK", 0, 0, { 4, 0, 5, 6 } },
	{ "array F_LOCK|NOEXIST", -1, EEXIST, { 0 } },
	{ "array F_LOCK bad flag", -1, EINVAL, { 0 } },
	{ "plain update F_LOCK", -1, EINVAL, { 0 } },
	{ "plain lookup F_LOCK", -1, EINVAL, { 0 } },
	{ "plain lookup", 0, 0, { 1, 0x55555555, 2, 3 } },
	{ "hash lookup F_LOCK", 0, 0, { 1, 0, 2, 3 } },
	{ "hash F_LOCK|NOEXIST", -1, EEXIST, { 0 } },
	{ "hash F_LOCK|EXIST missing", -1, ENOENT, { 0 } },
	{ "hash lookup", 0, 0, { 4, 0, 5, 6 } },
	{ "hash lookup after", 0, 0, { 1, 0, 2, 3 } },
	{ "array with timer", 1, 0, { 0 } }, { "lru hash with timer", 1, 0, { 0 } },
	{ "percpu array with timer", -1, EOPNOTSUPP, { 0 } },
	{ "array timer F_LOCK", -1, EINVAL, { 0 } },
	{ "array lookup batch F_LOCK", 0, 0, { 1, 0, 2, 3 } },
	{ "plain lookup batch F_LOCK", -1, EINVAL, { 0 } },
	{ "array update batch F_LOCK", 0, 0, { 0 } },
	{ "array lookup after batch", 0, 0, { 9, 0, 10, 11 } },
	{ "plain update batch F_LOCK", -1, EINVAL, { 0 } },
	{ "  its lookup", 0, 0, { 0x1111, 0, 0, 0x2222 } },
};

/* ---- concurrency: copies under the lock are whole ---- */

#define BIG_READS 100000

static int big_fd;
static atomic_bool big_stop;

/* Each update writes round r into every word of v (the lock word is
 * skipped by the copy). */
static void *big_writer(void *arg)
{
	uint64_t v[32];
	uint32_t key = 0;
	(void)arg;
	for (uint64_t r = 1; !atomic_load(&big_stop); r++) {
		for (int i = 0; i < 32; i++)
			v[i] = r;
		union bpf_attr a = { .map_fd = (uint32_t)big_fd, .key = (uintptr_t)&key,
				     .value = (uintptr_t)v, .flags = BPF_F_LOCK };
		if (bpfx_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)))
			break;
	}
	return NULL;
}

static void test_concurrent(void)
{
	union bpf_attr la = { .btf = (uintptr_t)blob, .btf_size = (uint32_t)blob_len };
	int btf = bpfx_bpf(BPF_BTF_LOAD, &la, sizeof(la));
	union bpf_attr ca = { .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 256,
			      .max_entries = 1, .btf_fd = (uint32_t)btf, .btf_key_type_id = 1,
			      .btf_value_type_id = 9 };
	big_fd = bpfx_bpf(BPF_MAP_CREATE, &ca, sizeof(ca));
	if (!CHECK(btf >= 0 && big_fd >= 0, "big map: %d %d", btf, big_fd))
		return;
	pthread_t th;
	pthread_create(&th, NULL, big_writer, NULL);
	uint64_t v[32], torn = 0, reads = 0, changes = 0, last = 0;
	uint32_t key = 0;
	while (reads < BIG_READS) {
		union bpf_attr a = { .map_fd = (uint32_t)big_fd, .key = (uintptr_t)&key,
				     .value = (uintptr_t)v, .flags = BPF_F_LOCK };
		if (bpfx_bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)))
			break;
		reads++;
		for (int i = 2; i < 32; i++)
			torn += v[i] != v[1];
		torn += v[0] != 0; /* lock word and padding: shown as 0 */
		changes += v[1] != last;
		last = v[1];
	}
	atomic_store(&big_stop, true);
	pthread_join(th, NULL);
	CHECK(changes > 1, "the reads saw the writer's updates: %llu", (unsigned long long)changes);
	CHECK(torn == 0, "%llu torn words in %llu locked reads", (unsigned long long)torn,
	      (unsigned long long)reads);
	close(big_fd);
	close(btf);
}

int main(void)
{
	static struct ts_transcript mine, theirs;

	build_blob();
	scenario(&mine, bpfx_bpf);
	test_concurrent();
	ts_check_expect(&mine, expect, sizeof(expect) / sizeof(expect[0]));
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of BPF_F_LOCK: %s", why);
		return t_done("map_lock");
	}
	scenario(&theirs, kbpf_sys);
	ts_compare(&mine, &theirs);
	return t_done("map_lock");
}
