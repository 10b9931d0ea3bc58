/* SPDX-License-Identifier: MIT */
/*
 * objdiff OBJ: loads an object into bpfx (bpfx_object) and into the kernel
 * (libbpf, used only to ask the kernel), runs its syscall programs on the
 * same inputs, and compares return values, the contexts written back and,
 * at the end, every map's contents (as sorted key=value lists: iteration
 * order may differ, contents may not). Written for
 * tests/object_progs/globals_counter.bpf.c, whose programs take struct
 * args. The kernel side is skipped, saying why, where bpf() is unavailable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tcheck.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

static int kernel_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return (int)syscall(__NR_bpf, cmd, attr, size);
}

struct args {
	uint32_t key;
	uint32_t add;
	uint64_t out;
};

static const struct { const char *prog; uint32_t key, add; } steps[] = {
	{ "count", 1, 5 }, { "count", 1, 7 }, { "count", 9, 1 }, { "count", 17, 2 },
	{ "count", 2, 100 }, { "forget", 9, 0 }, { "forget", 9, 0 }, { "count", 9, 4 },
	{ "count", 1, 0 }, { "forget", 63, 0 },
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))
#define MAX_MAPS 16

/* What one side did: per step, and the final maps by name. */
struct side {
	int err[NSTEPS];
	uint32_t retval[NSTEPS];
	struct args ctx[NSTEPS];
	char maps[MAX_MAPS][600];
	int nmaps;
};

static int run_step(bpf_fn sys, int prog_fd, size_t i, struct side *s)
{
	s->ctx[i] = (struct args){ steps[i].key, steps[i].add, 0 };
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog_fd,
				       .ctx_in = (uintptr_t)&s->ctx[i],
				       .ctx_size_in = sizeof(s->ctx[i]) } };
	int ret = sys(BPF_PROG_TEST_RUN, &t, sizeof(t));
	s->retval[i] = t.test.retval;
	return ret < 0 ? -errno : 0;
}

/* "name: k=v k=v ..." with keys sorted; values of up to 8 bytes. */
static void dump_map(bpf_fn sys, int fd, const char *name, uint32_t value_size, char *d)
{
	uint64_t pairs[64][2];
	uint32_t key = 0, next = 0;
	int np = 0, n = snprintf(d, 600, "%s:", name);
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = 0, .next_key = (uintptr_t)&next };

	while (np < 64 && sys(BPF_MAP_GET_NEXT_KEY, &a, sizeof(a)) == 0) {
		uint64_t value = 0;
		key = next;
		union bpf_attr l = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key,
				     .value = (uintptr_t)&value };
		if (value_size <= 8 && sys(BPF_MAP_LOOKUP_ELEM, &l, sizeof(l)) == 0) {
			pairs[np][0] = key;
			pairs[np++][1] = value;
		}
		a.key = (uintptr_t)&key;
	}
	for (int x = 1; x < np; x++) /* insertion sort by key */
		for (int y = x; y > 0 && pairs[y][0] < pairs[y - 1][0]; y--) {
			uint64_t k = pairs[y][0], v = pairs[y][1];
			pairs[y][0] = pairs[y - 1][0], pairs[y][1] = pairs[y - 1][1];
			pairs[y - 1][0] = k, pairs[y - 1][1] = v;
		}
	for (int x = 0; x < np && n < 560; x++)
		n += snprintf(d + n, (size_t)(600 - n), " %llu=%llu", (unsigned long long)pairs[x][0],
			      (unsigned long long)pairs[x][1]);
}

static void log_line(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx, (void)level;
	fprintf(stderr, "  bpfx: %s\n", msg);
}

static bool run_bpfx(const char *path, struct side *s)
{
	struct bpfx_object_opts oo = { .sz = sizeof(oo), .log = log_line };
	int err = 0;
	struct bpfx_object *obj = bpfx_object__open(path, &oo, &err);
	if (!CHECK(obj != NULL, "bpfx opens %s: %d", path, err))
		return false;
	err = bpfx_object__load(obj);
	bool ok = CHECK(err == 0, "bpfx loads %s: %d", path, err);
	for (size_t i = 0; ok && i < NSTEPS; i++) {
		struct bpfx_program *p = bpfx_object__find_program(obj, steps[i].prog);
		s->err[i] = p ? run_step(bpfx_bpf, bpfx_program__fd(p), i, s) : -ENOENT;
	}
	for (size_t m = 0; ok && m < bpfx_object__map_cnt(obj) && s->nmaps < MAX_MAPS; m++) {
		struct bpfx_map *map = bpfx_object__map(obj, m);
		dump_map(bpfx_bpf, bpfx_map__fd(map), bpfx_map__name(map), bpfx_map__value_size(map),
			 s->maps[s->nmaps++]);
	}
	bpfx_object__close(obj);
	return ok;
}

static bool run_kernel(const char *path, struct side *s)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!CHECK(obj != NULL, "libbpf opens %s", path))
		return false;
	bool ok = CHECK(bpf_object__load(obj) == 0, "the kernel loads %s", path);
	for (size_t i = 0; ok && i < NSTEPS; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, steps[i].prog);
		s->err[i] = p ? run_step(kernel_bpf, bpf_program__fd(p), i, s) : -ENOENT;
	}
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		if (!ok || s->nmaps >= MAX_MAPS)
			break;
		dump_map(kernel_bpf, bpf_map__fd(map), bpf_map__name(map), bpf_map__value_size(map),
			 s->maps[s->nmaps++]);
	}
	bpf_object__close(obj);
	return ok;
}

/* The map of the same name on the other side, or NULL. */
static const char *find_dump(const struct side *s, const char *dump)
{
	size_t n = strcspn(dump, ":") + 1;
	for (int i = 0; i < s->nmaps; i++)
		if (!strncmp(s->maps[i], dump, n))
			return s->maps[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static struct side mine, theirs;

	if (argc != 2) {
		fprintf(stderr, "usage: objdiff OBJ\n");
		return 2;
	}
	if (!run_bpfx(argv[1], &mine))
		return t_done("objects");
	/* Written down: key 1 got 3*5 then 3*7; total starts at 100. */
	CHECK(mine.err[0] == 0 && mine.retval[0] == 115 && mine.retval[1] == 136,
	      "count returns total: %u %u (err %d)", mine.retval[0], mine.retval[1], mine.err[0]);
	CHECK(mine.retval[5] == 0 && mine.retval[6] == (uint32_t)-ENOENT,
	      "forget: 0 then -ENOENT (%d)", (int)mine.retval[6]);

	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of objects: %s", why);
		return t_done("objects");
	}
	libbpf_set_print(NULL);
	if (!run_kernel(argv[1], &theirs))
		return t_done("objects");
	for (size_t i = 0; i < NSTEPS; i++)
		CHECK(mine.err[i] == theirs.err[i] && mine.retval[i] == theirs.retval[i] &&
		      !memcmp(&mine.ctx[i], &theirs.ctx[i], sizeof(mine.ctx[i])),
		      "step %zu (%s %u %u): bpfx err %d ret %u out %llu, kernel err %d ret %u out %llu",
		      i, steps[i].prog, steps[i].key, steps[i].add, mine.err[i], mine.retval[i],
		      (unsigned long long)mine.ctx[i].out, theirs.err[i], theirs.retval[i],
		      (unsigned long long)theirs.ctx[i].out);
	CHECK(mine.nmaps == theirs.nmaps, "maps: %d vs %d", mine.nmaps, theirs.nmaps);
	for (int i = 0; i < mine.nmaps; i++) {
		const char *other = find_dump(&theirs, mine.maps[i]);
		CHECK(other && !strcmp(other, mine.maps[i]), "map %s\n  kernel: %s", mine.maps[i],
		      other ? other : "(no such map)");
	}
	return t_done("objects");
}
