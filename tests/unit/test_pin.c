/* SPDX-License-Identifier: MIT */
/*
 * Pins: maps pinned in the bpffs root are opened by another process and
 * are one map - updates from either side are seen by the other, and
 * atomic adds from programs in two processes at once are all counted.
 * Also the refusals: pinning twice, paths outside the root, getting what
 * is not a pinned map.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "tbpf.h"
#include "tcheck.h"
#include "tinsn.h"

static char root[64];

static int run_adder(const char *pinned, int times)
{
	int map = t_get(pinned);
	int prog = map >= 0 ? t_load_adder(map, 0, NULL) : -1;
	for (int i = 0; prog >= 0 && i < times; i++) {
		union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog } };
		if (t_sys(BPF_PROG_TEST_RUN, &t))
			return -1;
	}
	return prog >= 0 ? 0 : -1;
}

/* The id of map fd, or 0. */
static uint32_t map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	return t_sys(BPF_OBJ_GET_INFO_BY_FD, &a) ? 0 : info.id;
}

/* Ids come from the bpffs root: maps created by two processes at once
 * never share one (each side creates 50 and the child sends its ids). */
static void ids_unique_in_root(void)
{
	enum { N = 50 };
	uint32_t mine[N], theirs[N];
	int fds[2];
	if (!CHECK(pipe(fds) == 0, "pipe"))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < N; i++)
			theirs[i] = map_id(t_map_create(BPF_MAP_TYPE_ARRAY, 1));
		_exit(write(fds[1], theirs, sizeof(theirs)) == sizeof(theirs) ? 0 : 1);
	}
	for (int i = 0; i < N; i++)
		mine[i] = map_id(t_map_create(BPF_MAP_TYPE_ARRAY, 1));
	bool got = read(fds[0], theirs, sizeof(theirs)) == sizeof(theirs);
	int status = 0;
	waitpid(pid, &status, 0);
	close(fds[0]);
	close(fds[1]);
	int same = 0, zero = 0;
	for (int i = 0; i < N; i++) {
		zero += !mine[i] || !theirs[i];
		for (int j = 0; j < N; j++)
			same += mine[i] == theirs[j];
	}
	CHECK(got && status == 0 && zero == 0 && same == 0,
	      "two processes' map ids: %d shared, %d missing", same, zero);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/bpfx-pin-test-XXXXXX");
	if (!mkdtemp(root))
		return CHECK(0, "mkdtemp"), t_done("pin");
	setenv("BPFX_FS", root, 1);

	int arr = t_map_create(BPF_MAP_TYPE_ARRAY, 4), hash = t_map_create(BPF_MAP_TYPE_HASH, 2048);
	CHECK(arr >= 0 && hash >= 0, "create maps: %d %d", arr, hash);
	CHECK(t_update(arr, 0, 11) == 0, "update before pinning");
	CHECK(t_pin(arr, "arr") == 0, "pin relative");
	CHECK(t_pin(hash, "hash") == 0, "pin hash");
	CHECK(t_pin(arr, "arr") == -EEXIST, "pin twice: EEXIST");
	CHECK(t_pin(arr, "/tmp/elsewhere") == -EPERM, "pin outside the root: EPERM");
	CHECK(t_pin(arr, "../escape") == -EPERM, "pin with ..: EPERM");
	char abs[128];
	snprintf(abs, sizeof(abs), "%s/arr2", root);
	CHECK(t_pin(arr, abs) == 0, "pin absolute inside the root");
	CHECK(t_get("nope") == -ENOENT, "get missing: ENOENT");
	FILE *f = fopen(abs, "r+");
	int again = t_get("arr2");
	CHECK(again >= 0 && t_lookup(again, 0) == 11, "get in the same process sees the map");
	if (f)
		fclose(f);
	snprintf(abs, sizeof(abs), "%s/junk", root);
	if ((f = fopen(abs, "w"))) {
		fputs("not a map", f);
		fclose(f);
	}
	CHECK(t_get("junk") == -EINVAL, "get a file that is not a map: EINVAL");

	ids_unique_in_root();

	/* Another process opens the pins and writes; we see its writes. */
	pid_t pid = fork();
	if (pid == 0) {
		int a = t_get("arr"), h = t_get("hash");
		int ok = a >= 0 && h >= 0 && t_lookup(a, 0) == 11 && t_update(a, 1, 22) == 0;
		for (uint32_t k = 0; ok && k < 1000; k++)
			ok = t_update(h, k, k * 3) == 0;
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child used the pinned maps");
	CHECK(t_lookup(arr, 1) == 22, "the child's array update is ours: %llu",
	      (unsigned long long)t_lookup(arr, 1));
	int seen = 0;
	for (uint32_t k = 0; k < 1000; k++)
		seen += t_lookup(hash, k) == k * 3;
	CHECK(seen == 1000, "the child's 1000 hash entries are ours: %d", seen);

	/* Programs in two processes add to one pinned value at once. */
	CHECK(t_update(arr, 0, 0) == 0, "reset the counter");
	enum { RUNS = 20000 };
	pid = fork();
	if (pid == 0)
		_exit(run_adder("arr", RUNS) ? 1 : 0);
	int mine = run_adder("arr", RUNS);
	waitpid(pid, &status, 0);
	CHECK(mine == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "both processes ran");
	CHECK(t_lookup(arr, 0) == 2 * RUNS, "atomic adds from two processes: %llu of %d",
	      (unsigned long long)t_lookup(arr, 0), 2 * RUNS);

	close(arr);
	close(hash);
	close(again);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return t_done("pin");
}
