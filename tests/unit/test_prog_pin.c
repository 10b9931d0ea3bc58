/* SPDX-License-Identifier: MIT */
/*
 * Program pins: a syscall program using an array map is pinned; another
 * process gets it back and runs it, and its runs land in our map. Also the
 * refusals: pinning twice, and hostile pin files (truncated, bad magic,
 * counts past the end, a map index out of range) which must give EINVAL.
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

static int run(int prog, uint32_t *retval)
{
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog } };
	int err = t_sys(BPF_PROG_TEST_RUN, &t);
	*retval = t.test.retval;
	return err;
}

/* Copies the pin at `from` to `to` with bytes [off, off + n) replaced by
 * `bytes` (n == 0: unchanged) and the file cut to `len` (0: kept). */
static void mangle(const char *from, const char *to, long off, const void *bytes, size_t n,
		   long len)
{
	char a[128], b[128], buf[4096];
	snprintf(a, sizeof(a), "%s/%s", root, from);
	snprintf(b, sizeof(b), "%s/%s", root, to);
	FILE *in = fopen(a, "rb"), *out = fopen(b, "wb");
	size_t got = in ? fread(buf, 1, sizeof(buf), in) : 0;
	if (n && (size_t)off + n <= got)
		memcpy(buf + off, bytes, n);
	if (len > 0 && (size_t)len < got)
		got = (size_t)len;
	if (out)
		fwrite(buf, 1, got, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

static void hostile(void)
{
	uint32_t big = 0x7fffffff, two = 2, bad_idx = 5;
	mangle("prog", "trunc", 0, NULL, 0, 20);
	CHECK(t_get("trunc") == -EINVAL, "truncated header: EINVAL");
	mangle("prog", "trunc2", 0, NULL, 0, 60);
	CHECK(t_get("trunc2") == -EINVAL, "truncated instructions: EINVAL");
	mangle("prog", "magic", 0, "xmag", 4, 0);
	CHECK(t_get("magic") == -EINVAL, "bad magic: EINVAL");
	mangle("prog", "vers", 4, &big, 4, 0);
	CHECK(t_get("vers") == -EINVAL, "bad version: EINVAL");
	/* insn_cnt at 40, map_cnt at 44 (after the 16-byte name at 24). */
	mangle("prog", "insns", 40, &big, 4, 0);
	CHECK(t_get("insns") == -EINVAL, "insn count past the end: EINVAL");
	mangle("prog", "maps", 44, &big, 4, 0);
	CHECK(t_get("maps") == -EINVAL, "map count past the end: EINVAL");
	mangle("prog", "maps0", 44, &two, 4, 0);
	CHECK(t_get("maps0") == -EINVAL, "map count disagreeing with the size: EINVAL");
	/* The header is 56 bytes (the 8-byte tag at 48); the lddw is
	 * instruction 1: its imm at 56 + 8 + 4. */
	mangle("prog", "idx", 68, &bad_idx, 4, 0);
	CHECK(t_get("idx") == -EINVAL, "map index out of range: EINVAL");
	char name[64] = "../../etc/passwd";
	mangle("prog", "mapname", 56 + 11 * 8, name, sizeof(name), 0);
	CHECK(t_get("mapname") == -EINVAL, "map link name with a slash: EINVAL");
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/bpfx-progpin-test-XXXXXX");
	if (!mkdtemp(root))
		return CHECK(0, "mkdtemp"), t_done("prog_pin");
	setenv("BPFX_FS", root, 1);

	int map = t_map_create(BPF_MAP_TYPE_ARRAY, 4);
	int prog = map >= 0 ? t_load_adder(map, 7, "adder") : -1;
	uint32_t ret = 0;
	CHECK(map >= 0 && prog >= 0, "create map and load: %d %d", map, prog);
	CHECK(run(prog, &ret) == 0 && ret == 7 && t_lookup(map, 0) == 1, "run here");
	CHECK(t_pin(prog, "prog") == 0, "pin the program");
	CHECK(t_pin(prog, "prog") == -EEXIST, "pin twice: EEXIST");
	CHECK(t_pin(prog, "/tmp/elsewhere") == -EPERM, "pin outside the root: EPERM");
	int again = t_get("prog");
	CHECK(again >= 0 && run(again, &ret) == 0 && ret == 7 && t_lookup(map, 0) == 2,
	      "get in the same process runs on the same map");

	int third = t_pin(again, "prog2") == 0 ? t_get("prog2") : -1;
	CHECK(third >= 0 && run(third, &ret) == 0 && t_lookup(map, 0) == 3,
	      "a program got from a pin pins again, on the same map");
	if (third >= 0)
		close(third);

	enum { RUNS = 1000 };
	pid_t pid = fork();
	if (pid == 0) {
		int p = t_get("prog");
		int ok = p >= 0;
		for (int i = 0; ok && i < RUNS; i++)
			ok = run(p, &ret) == 0 && ret == 7;
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child got and ran the program");
	CHECK(t_lookup(map, 0) == 3 + RUNS, "the child's runs are in our map: %llu",
	      (unsigned long long)t_lookup(map, 0));

	hostile();

	close(prog);
	close(again);
	close(map);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return t_done("prog_pin");
}
