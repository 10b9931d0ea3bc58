/* SPDX-License-Identifier: MIT */
/*
 * BTF_LOAD, BTF_GET_NEXT_ID, BTF_GET_FD_BY_ID and OBJ_GET_INFO_BY_FD on
 * BTF, differentially: the same sequence runs in bpfx and in the kernel,
 * and every errno and every result (ids aside) must agree. The bpfx side
 * is also checked against written expectations, so the test stands
 * without a kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "btf_build.h"
#include "kbpf.h"
#include "tcheck.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

#define STEPS 48

struct result {
	int err[STEPS];          /* errno of each step, 0 on success */
	uint64_t data[STEPS];    /* what the step returned besides */
	int n;
	char log[2][4096];       /* the level-1 logs of the two blobs */
};

static void rec(struct result *r, int ret, uint64_t data)
{
	if (r->n < STEPS) {
		r->err[r->n] = ret < 0 ? errno : 0;
		r->data[r->n++] = data;
	}
}

static struct bb builder;
static uint8_t blob[4096], all_kinds[8192];
static size_t blob_len, all_kinds_len;

/* One type of every kind, with the variants the log prints differently:
 * bitfields (kflag), signed and unsigned enums, a union forward, vararg
 * and empty prototypes - and last an extern function, which the kernel
 * refuses in loaded BTF (clang emits them in objects; loaders fix them). */
static void build_all_kinds(void)
{
	struct bb *b = &builder;
	bb_init(b);
	uint32_t i = bb_int(b, "int", 4, BTF_INT_SIGNED, 32);             /* 1 */
	uint32_t c = bb_int(b, "char", 1, BTF_INT_CHAR, 8);
	bb_int(b, "_Bool", 1, BTF_INT_BOOL, 8);
	uint32_t p = bb_ref(b, BTF_KIND_PTR, NULL, i);                     /* 4 */
	uint32_t ar = bb_array(b, c, i, 16);
	bb_struct(b, BTF_KIND_STRUCT, "s", 1, 3, 24);                      /* 6 */
	bb_member(b, "x", i, 0);
	bb_member(b, "bf", i, 3u << 24 | 32);
	bb_member(b, "arr", ar, 64);
	bb_struct(b, BTF_KIND_UNION, "u", 0, 2, 8);
	bb_member(b, "a", i, 0);
	bb_member(b, "p", p, 0);
	bb_type(b, "e", BTF_KIND_ENUM, 0, 2, 4);                           /* 8 */
	bb_enum_val(b, "A", 1);
	bb_enum_val(b, "B", -2);
	bb_type(b, "se", BTF_KIND_ENUM, 1, 1, 4);
	bb_enum_val(b, "C", -3);
	bb_type(b, "fw", BTF_KIND_FWD, 1, 0, 0);                           /* 10 */
	uint32_t td = bb_ref(b, BTF_KIND_TYPEDEF, "myint", i);
	bb_ref(b, BTF_KIND_VOLATILE, NULL, i);
	bb_ref(b, BTF_KIND_CONST, NULL, i);
	bb_ref(b, BTF_KIND_RESTRICT, NULL, p);
	uint32_t pr = bb_proto(b, i, 2);                                   /* 15 */
	bb_param(b, "a", i);
	bb_param(b, "b", td);
	bb_func(b, "f", pr, 1);
	uint32_t v = bb_var(b, "gv", i, 1);
	bb_datasec(b, ".data", 1, 4);
	bb_secinfo(b, v, 0, 4);
	bb_type(b, "float", BTF_KIND_FLOAT, 0, 0, 4);
	bb_decl_tag(b, "tag1", 6, -1);                                     /* 20 */
	uint32_t tt = bb_ref(b, BTF_KIND_TYPE_TAG, "tt", i);
	bb_ref(b, BTF_KIND_PTR, NULL, tt);
	bb_type(b, "e64", BTF_KIND_ENUM64, 0, 1, 8);
	bb_enum64_val(b, "Z", 0x8000000000000001ull);
	bb_type(b, "se64", BTF_KIND_ENUM64, 1, 1, 8);
	bb_enum64_val(b, "Y", 0x8000000000000001ull);
	uint32_t pr0 = bb_proto(b, 0, 0);                                  /* 25 */
	bb_func(b, "g", pr0, 0);
	uint32_t prv = bb_proto(b, i, 2);
	bb_param(b, "fmt", p);
	bb_param(b, NULL, 0);
	bb_func(b, "h", prv, 2);
	all_kinds_len = bb_blob(b, all_kinds, sizeof(all_kinds));
}

/* struct pair { int a; unsigned int b; }; */
static void build_blob(void)
{
	struct bb *b = &builder;
	bb_init(b);
	uint32_t i = bb_int(b, "int", 4, BTF_INT_SIGNED, 32);
	uint32_t u = bb_int(b, "unsigned int", 4, 0, 32);
	bb_struct(b, BTF_KIND_STRUCT, "pair", 0, 2, 8);
	bb_member(b, "a", i, 0);
	bb_member(b, "b", u, 32);
	blob_len = bb_blob(b, blob, sizeof(blob));
}

static int btf_load(bpf_fn sys, const void *data, uint32_t size, char *log, uint32_t log_size,
		    uint32_t level)
{
	union bpf_attr a = { .btf = (uintptr_t)data, .btf_size = size,
			     .btf_log_buf = (uintptr_t)log, .btf_log_size = log_size,
			     .btf_log_level = level };
	return sys(BPF_BTF_LOAD, &a, sizeof(a));
}

static int info(bpf_fn sys, int fd, struct bpf_btf_info *i, uint32_t len)
{
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = len,
				       .info = (uintptr_t)i } };
	return sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
}

static int map_with_btf(bpf_fn sys, uint32_t type, uint32_t ks, uint32_t vs, int btf_fd,
			uint32_t key_id, uint32_t value_id)
{
	union bpf_attr a = { .map_type = type, .key_size = ks, .value_size = vs,
			     .max_entries = 4, .btf_fd = (uint32_t)btf_fd,
			     .btf_key_type_id = key_id, .btf_value_type_id = value_id };
	return sys(BPF_MAP_CREATE, &a, sizeof(a));
}

/* MAP_CREATE with BTF (types of build_blob: 1 int, 2 unsigned int, 3
 * struct pair of 8 bytes); the info of a map that has it. */
static void map_scenario(bpf_fn sys, struct result *r, int btf)
{
	struct bpf_btf_info bi;
	memset(&bi, 0, sizeof(bi));
	info(sys, btf, &bi, sizeof(bi));
	int m = map_with_btf(sys, BPF_MAP_TYPE_ARRAY, 4, 8, btf, 1, 3);
	struct bpf_map_info mi;
	memset(&mi, 0, sizeof(mi));
	union bpf_attr ia = { .info = { .bpf_fd = (uint32_t)m, .info_len = sizeof(mi),
					.info = (uintptr_t)&mi } };
	int ret = sys(BPF_OBJ_GET_INFO_BY_FD, &ia, sizeof(ia));
	rec(r, m < 0 ? m : ret, (uint64_t)(mi.btf_id == bi.id) << 32 | mi.btf_key_type_id << 8 |
				   mi.btf_value_type_id);
	close(m);
	const int nope = 9999;
	static const struct { uint32_t type, ks, vs, key, value; } cases[] = {
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 2, 3 },   /* unsigned int index: fine */
		{ BPF_MAP_TYPE_ARRAY, 8, 4, 3, 1 },   /* an array's index is a u32 */
		{ BPF_MAP_TYPE_HASH, 8, 4, 3, 1 },    /* any key for a hash */
		{ BPF_MAP_TYPE_HASH, 8, 4, 0, 1 },    /* ... but one */
		{ BPF_MAP_TYPE_ARRAY, 4, 16, 1, 3 },  /* value size disagrees */
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 1, 99 },  /* no such type */
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0 },   /* a key type but no value type */
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = map_with_btf(sys, cases[i].type, cases[i].ks, cases[i].vs, btf, cases[i].key,
				 cases[i].value);
		rec(r, m, 0);
		if (m >= 0)
			close(m);
	}
	rec(r, map_with_btf(sys, BPF_MAP_TYPE_ARRAY, 4, 8, nope, 1, 3), 0); /* closed fd */
	int not_btf = map_with_btf(sys, BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0, 0);
	rec(r, map_with_btf(sys, BPF_MAP_TYPE_ARRAY, 4, 8, not_btf, 1, 3), 0); /* a map's fd */
	close(not_btf);
}

static void scenario(bpf_fn sys, struct result *r)
{
	char log[256];
	int fd = btf_load(sys, blob, (uint32_t)blob_len, NULL, 0, 0);
	rec(r, fd, 0);

	/* The blob comes back whole, and its size. */
	static uint8_t back[4096];
	struct bpf_btf_info bi;
	memset(&bi, 0, sizeof(bi));
	bi.btf = (uintptr_t)back;
	bi.btf_size = sizeof(back);
	int ret = info(sys, fd, &bi, sizeof(bi));
	rec(r, ret, (uint64_t)bi.btf_size << 32 | (uint64_t)!memcmp(back, blob, blob_len) << 1 |
			    (bi.id != 0));
	/* A buffer too small: what fits, and the real size. */
	memset(back, 0, sizeof(back));
	memset(&bi, 0, sizeof(bi));
	bi.btf = (uintptr_t)back;
	bi.btf_size = 10;
	ret = info(sys, fd, &bi, sizeof(bi));
	rec(r, ret, (uint64_t)bi.btf_size << 32 | (uint64_t)!memcmp(back, blob, 10) << 1 | !back[10]);
	/* Only the size asked for. */
	memset(&bi, 0, sizeof(bi));
	ret = info(sys, fd, &bi, sizeof(bi));
	rec(r, ret, bi.btf_size);

	/* The id finds it again. */
	memset(&bi, 0, sizeof(bi));
	info(sys, fd, &bi, sizeof(bi));
	union bpf_attr g = { .btf_id = bi.id };
	int fd2 = sys(BPF_BTF_GET_FD_BY_ID, &g, sizeof(g));
	struct bpf_btf_info bi2;
	memset(&bi2, 0, sizeof(bi2));
	info(sys, fd2, &bi2, sizeof(bi2));
	rec(r, fd2, bi2.id == bi.id);
	union bpf_attr nx = { .start_id = bi.id - 1 };
	ret = sys(BPF_BTF_GET_NEXT_ID, &nx, sizeof(nx));
	rec(r, ret, nx.next_id == bi.id);
	union bpf_attr flags = { .btf_id = bi.id, .open_flags = BPF_F_RDONLY };
	rec(r, sys(BPF_BTF_GET_FD_BY_ID, &flags, sizeof(flags)), 0);
	union bpf_attr none = { .btf_id = 0x7fffffff };
	rec(r, sys(BPF_BTF_GET_FD_BY_ID, &none, sizeof(none)), 0);

	/* Refusals. */
	static uint8_t bad[64];
	memcpy(bad, blob, sizeof(bad));
	bad[0] ^= 0xff; /* magic */
	rec(r, btf_load(sys, bad, sizeof(bad), NULL, 0, 0), 0);
	log[0] = '\0';
	ret = btf_load(sys, bad, sizeof(bad), log, sizeof(log), 1);
	rec(r, ret, log[0] != 0);
	rec(r, btf_load(sys, blob, 0, NULL, 0, 0), 0);
	rec(r, btf_load(sys, blob, 8, NULL, 0, 0), 0);                       /* truncated */
	rec(r, btf_load(sys, blob, 17u << 20, NULL, 0, 0), 0);               /* over 16 MiB */
	rec(r, btf_load(sys, blob, (uint32_t)blob_len, log, sizeof(log), 0), 0); /* buf, no level */
	rec(r, btf_load(sys, blob, (uint32_t)blob_len, NULL, 0, 1), 0);     /* level, no buf */
	rec(r, btf_load(sys, blob, (uint32_t)blob_len, log, sizeof(log), 16), 0);
	/* BPF_LOG_FIXED: the start of the log; 256 bytes are too few for it. */
	ret = btf_load(sys, blob, (uint32_t)blob_len, log, sizeof(log), 8);
	rec(r, ret, !strncmp(log, "magic: 0xeb9f\n", 14));
	/* The whole log, compared below. */
	static char full[4096];
	int fd4 = btf_load(sys, blob, (uint32_t)blob_len, full, sizeof(full), 1);
	rec(r, fd4, strlen(full));
	snprintf(r->log[0], sizeof(r->log[0]), "%s", full);
	if (fd4 >= 0)
		close(fd4);
	fd4 = btf_load(sys, all_kinds, (uint32_t)all_kinds_len, full, sizeof(full), 1);
	rec(r, fd4, strlen(full));
	snprintf(r->log[1], sizeof(r->log[1]), "%s", full);
	if (fd4 >= 0)
		close(fd4);
	rec(r, btf_load(sys, bad, sizeof(bad), log, 1, 1), 0);              /* log too small */
	/* Info with a caller's struct larger than the kernel's: the extra
	 * bytes must be zero. */
	struct { struct bpf_btf_info i; uint64_t extra; } big;
	memset(&big, 0, sizeof(big));
	big.extra = 1;
	rec(r, info(sys, fd, &big.i, sizeof(big)), 0);

	map_scenario(sys, r, fd);

	int fd3 = btf_load(sys, blob, (uint32_t)blob_len, log, sizeof(log), 1);
	rec(r, fd3, 0);
	if (fd3 >= 0)
		close(fd3);
	if (fd2 >= 0)
		close(fd2);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	static struct result mine, theirs;
	build_all_kinds();
	build_blob();
	scenario(bpfx_bpf, &mine);

	static const int want_err[] = { 0, 0, 0, 0, 0, 0, EINVAL, ENOENT, EINVAL, EINVAL,
					EINVAL, EINVAL, E2BIG, EINVAL, 0, EINVAL, ENOSPC, 0,
					EINVAL, ENOSPC, E2BIG,
					/* maps with BTF */
					0, 0, EINVAL, 0, EINVAL, EINVAL, EINVAL, EINVAL, 0, EBADF, EINVAL,
					ENOSPC };
	CHECK(mine.n == (int)(sizeof(want_err) / sizeof(want_err[0])), "steps: %d", mine.n);
	for (int i = 0; i < mine.n; i++)
		CHECK(mine.err[i] == want_err[i], "bpfx step %d: errno %d, want %d", i, mine.err[i],
		      want_err[i]);
	CHECK(mine.data[1] == ((uint64_t)blob_len << 32 | 3), "info gives the blob and an id");
	CHECK(mine.data[2] == ((uint64_t)blob_len << 32 | 3), "a short buffer gets what fits");
	CHECK(mine.data[3] == blob_len, "info without a buffer gives the size");
	CHECK(mine.data[4] == 1 && mine.data[5] == 1, "the id finds the same BTF");
	CHECK(mine.data[9] == 1, "a rejection leaves a log line");
	CHECK(mine.data[21] == (1ull << 32 | 1 << 8 | 3), "map info names its BTF and types");

	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of BTF commands: %s", why);
		return t_done("btf_cmds");
	}
	scenario(kbpf_sys, &theirs);
	CHECK(mine.n == theirs.n, "same steps: %d vs %d", mine.n, theirs.n);
	for (int i = 0; i < mine.n && i < theirs.n; i++)
		CHECK(mine.err[i] == theirs.err[i] && mine.data[i] == theirs.data[i],
		      "step %d: bpfx errno %d data %llx, kernel errno %d data %llx", i, mine.err[i],
		      (unsigned long long)mine.data[i], theirs.err[i],
		      (unsigned long long)theirs.data[i]);
	for (int i = 0; i < 2; i++)
		CHECK(!strcmp(mine.log[i], theirs.log[i]), "BTF_LOAD log %d\n-- bpfx:\n%s\n-- kernel:\n%s",
		      i, mine.log[i], theirs.log[i]);
	return t_done("btf_cmds");
}
