/* SPDX-License-Identifier: MIT */
/*
 * Task local storage (maps/task_storage.c, helpers/storage_helpers.c).
 * User space, differentially against the kernel: MAP_CREATE's rules and
 * the commands keyed by pidfd (a live task, a non-pidfd, a closed
 * descriptor, a process that ended). Programs, in bpfx:
 * bpf_get_current_task_btf + bpf_task_storage_get with and without
 * BPF_LOCAL_STORAGE_GET_F_CREATE, what user space then sees through the
 * pidfd, bpf_task_storage_delete, and the errors of bad flags and NULL
 * tasks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "api/cmds.h"
#include "btf_build.h"
#include "kbpf.h"
#include "maps/map.h"
#include "tcheck.h"
#include "tscript.h"
#include "tinsn.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);


static struct ts_transcript *T;
/* out: the 8 bytes a lookup reads, or NULL */
#define rec(what, ret, out) ts_rec(T, what, ret, out, 8)
static bpf_fn SYS;
static struct bb builder;
static uint8_t blob[1024];
static size_t blob_len;

static int create(const char *what, int btf, uint32_t ks, uint32_t max, uint32_t flags,
		  uint32_t key_id)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_TASK_STORAGE, .key_size = ks,
			     .value_size = 8, .max_entries = max, .map_flags = flags,
			     .btf_fd = (uint32_t)btf, .btf_key_type_id = key_id,
			     .btf_value_type_id = key_id ? 2 : 0 };
	errno = 0;
	return rec(what, SYS(BPF_MAP_CREATE, &a, sizeof(a)), NULL);
}

static void elem(const char *what, int cmd, int map, int key, const uint32_t *v, uint64_t flags)
{
	uint32_t out[2] = { 0xeeeeeeee, 0xeeeeeeee };
	union bpf_attr a = { .map_fd = (uint32_t)map, .key = (uintptr_t)&key,
			     .value = (uintptr_t)(cmd == BPF_MAP_UPDATE_ELEM ? v : out),
			     .flags = flags };
	if (cmd == BPF_MAP_GET_NEXT_KEY)
		a.next_key = (uintptr_t)out;
	if (cmd == BPF_MAP_DELETE_ELEM)
		a.value = 0; /* past DELETE's last field: must be zero */
	errno = 0;
	rec(what, SYS(cmd, &a, sizeof(a)), cmd == BPF_MAP_LOOKUP_ELEM ? out : NULL);
}

static void scenario(struct ts_transcript *t, bpf_fn sys)
{
	memset(t, 0, sizeof(*t));
	T = t;
	SYS = sys;
	union bpf_attr la = { .btf = (uintptr_t)blob, .btf_size = (uint32_t)blob_len };
	int btf = sys(BPF_BTF_LOAD, &la, sizeof(la));
	if (rec("btf load", btf, NULL) < 0)
		return;
	int bad[4];
	bad[0] = create("no NO_PREALLOC", btf, 4, 0, 0, 1);
	bad[1] = create("max_entries 1", btf, 4, 1, BPF_F_NO_PREALLOC, 1);
	bad[2] = create("key size 8", btf, 8, 0, BPF_F_NO_PREALLOC, 1);
	bad[3] = create("no BTF", btf, 4, 0, BPF_F_NO_PREALLOC, 0);
	int m = create("task storage", btf, 4, 0, BPF_F_NO_PREALLOC, 1);
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	int memfd = memfd_create("not-a-pidfd", MFD_CLOEXEC);
	const uint32_t v1[2] = { 1, 2 }, v2[2] = { 3, 4 };

	elem("lookup none", BPF_MAP_LOOKUP_ELEM, m, self, NULL, 0);
	elem("update EXIST none", BPF_MAP_UPDATE_ELEM, m, self, v1, BPF_EXIST);
	elem("update", BPF_MAP_UPDATE_ELEM, m, self, v1, 0);
	elem("lookup", BPF_MAP_LOOKUP_ELEM, m, self, NULL, 0);
	elem("update NOEXIST", BPF_MAP_UPDATE_ELEM, m, self, v2, BPF_NOEXIST);
	elem("update EXIST", BPF_MAP_UPDATE_ELEM, m, self, v2, BPF_EXIST);
	elem("lookup again", BPF_MAP_LOOKUP_ELEM, m, self, NULL, 0);
	elem("update bad flags", BPF_MAP_UPDATE_ELEM, m, self, v2, 8);
	elem("update F_LOCK, no lock", BPF_MAP_UPDATE_ELEM, m, self, v2, BPF_F_LOCK);
	elem("next key", BPF_MAP_GET_NEXT_KEY, m, self, NULL, 0);
	elem("lookup memfd", BPF_MAP_LOOKUP_ELEM, m, memfd, NULL, 0);
	elem("lookup closed fd", BPF_MAP_LOOKUP_ELEM, m, 9999, NULL, 0);
	elem("delete", BPF_MAP_DELETE_ELEM, m, self, NULL, 0);
	elem("delete again", BPF_MAP_DELETE_ELEM, m, self, NULL, 0);
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	int gone = (int)syscall(SYS_pidfd_open, child, 0);
	waitpid(child, NULL, 0);
	elem("update ended process", BPF_MAP_UPDATE_ELEM, m, gone, v1, 0);
	elem("lookup ended process", BPF_MAP_LOOKUP_ELEM, m, gone, NULL, 0);
	for (int i = 0; i < 4; i++)
		if (bad[i] >= 0)
			close(bad[i]);
	close(gone);
	close(memfd);
	close(self);
	close(m);
	close(btf);
}

static const struct ts_expect expect[] = {
	{ "no NO_PREALLOC", -1, EINVAL, { 0 } }, { "max_entries 1", -1, EINVAL, { 0 } },
	{ "key size 8", -1, EINVAL, { 0 } }, { "no BTF", -1, EINVAL, { 0 } },
	{ "task storage", 1, 0, { 0 } }, { "lookup none", -1, ENOENT, { 0 } },
	{ "update EXIST none", -1, ENOENT, { 0 } }, { "update", 0, 0, { 0 } },
	{ "lookup", 0, 0, { 1, 2 } }, { "update NOEXIST", -1, EEXIST, { 0 } },
	{ "lookup again", 0, 0, { 3, 4 } }, { "update bad flags", -1, EINVAL, { 0 } },
	{ "next key", -1, ENOTSUPP, { 0 } }, { "lookup memfd", -1, EBADF, { 0 } },
	{ "lookup closed fd", -1, EBADF, { 0 } }, { "delete", 0, 0, { 0 } },
	{ "delete again", -1, ENOENT, { 0 } },
};

/* r0 = helper(r1..r4) in a trusted run on this thread; the map by
 * pointer (lddw of the struct map *). */
static uint64_t call(uint32_t id, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4)
{
	uint64_t a[4] = { r1, r2, r3, r4 };
	struct bpf_insn p[12];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		p[n++] = LDDW_LO(i + 1, a[i]);
		p[n++] = LDDW_HI(a[i]);
	}
	p[n++] = CALL((int)id);
	p[n++] = EXIT();
	int err;
	struct bpfx_prog *prog = bpfx_prog__new(p, n, NULL, &err);
	struct bpfx_run_opts o = { .sz = sizeof(o) };
	struct bpfx_run_result res = { 0 };
	if (!CHECK(prog != NULL, "load: %d", err))
		return 0;
	CHECK(bpfx_prog__run(prog, &o, &res) == 0, "run of helper %u", id);
	bpfx_prog__free(prog);
	return res.r0;
}

static void test_programs(void)
{
	union bpf_attr la = { .btf = (uintptr_t)blob, .btf_size = (uint32_t)blob_len };
	int btf = bpfx_bpf(BPF_BTF_LOAD, &la, sizeof(la));
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_TASK_STORAGE, .key_size = 4,
			     .value_size = 8, .map_flags = BPF_F_NO_PREALLOC,
			     .btf_fd = (uint32_t)btf, .btf_key_type_id = 1, .btf_value_type_id = 2 };
	int fd = bpfx_bpf(BPF_MAP_CREATE, &a, sizeof(a)), err;
	struct map *m = map_cmd_get((uint32_t)fd, &err);
	if (!CHECK(m != NULL, "task storage map: %d", err))
		return;
	uint64_t mp = (uintptr_t)m, task = call(BPF_FUNC_get_current_task_btf, 0, 0, 0, 0);
	CHECK(task == call(BPF_FUNC_get_current_task, 0, 0, 0, 0), "task_btf is get_current_task");
	CHECK(call(BPF_FUNC_task_storage_get, mp, task, 0, 0) == 0, "no value without F_CREATE");
	uint32_t init[2] = { 7, 8 };
	uint32_t *v = (uint32_t *)(uintptr_t)call(BPF_FUNC_task_storage_get, mp, task,
						 (uintptr_t)init, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (CHECK(v != NULL, "F_CREATE makes a value") &&
	    CHECK(v[0] == 7 && v[1] == 8, "from the initial value: %u %u", v[0], v[1]))
		v[0] = 42;
	CHECK(call(BPF_FUNC_task_storage_get, mp, task, 0, 0) == (uintptr_t)v,
	      "the same value again");
	CHECK(call(BPF_FUNC_task_storage_get, mp, task, 0, 2) == 0, "bad flags: NULL");
	CHECK(call(BPF_FUNC_task_storage_get, mp, 0, 0, 1) == 0, "NULL task: NULL");
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	uint32_t out[2] = { 0 };
	union bpf_attr l = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&self,
			     .value = (uintptr_t)out };
	CHECK(bpfx_bpf(BPF_MAP_LOOKUP_ELEM, &l, sizeof(l)) == 0 && out[0] == 42 && out[1] == 8,
	      "user space sees the program's value by pidfd: %u %u", out[0], out[1]);
	CHECK((int64_t)call(BPF_FUNC_task_storage_delete, mp, 0, 0, 0) == -EINVAL,
	      "delete of a NULL task");
	CHECK(call(BPF_FUNC_task_storage_delete, mp, task, 0, 0) == 0, "delete");
	CHECK((int64_t)call(BPF_FUNC_task_storage_delete, mp, task, 0, 0) == -ENOENT,
	      "delete again");
	CHECK(bpfx_bpf(BPF_MAP_LOOKUP_ELEM, &l, sizeof(l)) < 0 && errno == ENOENT,
	      "gone for user space too");
	uint32_t *z = (uint32_t *)(uintptr_t)call(BPF_FUNC_task_storage_get, mp, task, 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
	CHECK(z && z[0] == 0 && z[1] == 0, "F_CREATE without a value: zeroed");
	close(self);
	obj_put(&m->obj);
	close(fd);
	close(btf);
}

int main(void)
{
	static struct ts_transcript mine, theirs;
	struct bb *b = &builder;
	bb_init(b);
	uint32_t i = bb_int(b, "int", 4, BTF_INT_SIGNED, 32);
	bb_struct(b, BTF_KIND_STRUCT, "val", 0, 2, 8);
	bb_member(b, "a", i, 0);
	bb_member(b, "b", i, 32);
	blob_len = bb_blob(b, blob, sizeof(blob));

	scenario(&mine, bpfx_bpf);
	ts_check_expect(&mine, expect, sizeof(expect) / sizeof(expect[0]));
	test_programs();
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of task storage: %s", why);
		return t_done("task_storage");
	}
	scenario(&theirs, kbpf_sys);
	ts_compare(&mine, &theirs);
	return t_done("task_storage");
}
