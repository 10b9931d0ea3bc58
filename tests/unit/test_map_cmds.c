/* SPDX-License-Identifier: MIT */
/*
 * The bpf() map commands, differentially: each scenario runs against the
 * kernel's bpf() (when available) and against bpfx_bpf(), recording every
 * step's return value, errno and output bytes; the two transcripts must be
 * identical. Independently, the bpfx transcript must meet the expectations
 * written in each step, so the test means something without a kernel too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tcheck.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);


#define MAX_STEPS 192

struct step {
	int ret;          /* descriptors recorded as 1 */
	int err;
	uint8_t out[64];  /* what the command wrote to the value/next_key buffer */
	char what[64];
};

struct transcript {
	struct step steps[MAX_STEPS];
	int n;
	int fds[32];
	int nfds;
};

static struct transcript *T;
static bpf_fn SYS;

/* One command; `out` is copied into the transcript after the call. */
static int call(const char *what, int cmd, union bpf_attr *attr, unsigned size, const void *out,
		size_t out_len)
{
	struct step *s = &T->steps[T->n < MAX_STEPS ? T->n++ : MAX_STEPS - 1];
	errno = 0;
	int ret = SYS(cmd, attr, size);
	s->err = ret < 0 ? errno : 0;
	s->ret = ret;
	if (ret >= 0 && (cmd == BPF_MAP_CREATE || cmd == BPF_MAP_GET_FD_BY_ID)) {
		s->ret = 1;
		if (T->nfds < 32)
			T->fds[T->nfds++] = ret;
	}
	memset(s->out, 0, sizeof(s->out));
	if (out)
		memcpy(s->out, out, out_len < sizeof(s->out) ? out_len : sizeof(s->out));
	snprintf(s->what, sizeof(s->what), "%s", what);
	return ret;
}

static int create(const char *what, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
		  uint32_t flags)
{
	union bpf_attr a = { .map_type = type, .key_size = ks, .value_size = vs,
			     .max_entries = max, .map_flags = flags };
	return call(what, BPF_MAP_CREATE, &a, sizeof(a), NULL, 0);
}

static int elem(const char *what, int cmd, int fd, const void *key, void *value, uint64_t flags,
		size_t vlen)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)key,
			     .value = (uintptr_t)value, .flags = flags };
	if (value && cmd != BPF_MAP_UPDATE_ELEM)
		memset(value, 0xee, vlen);
	return call(what, cmd, &a, sizeof(a), cmd == BPF_MAP_UPDATE_ELEM ? NULL : value, vlen);
}

static int next_key(const char *what, int fd, const void *key, uint32_t *next)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)key,
			     .next_key = (uintptr_t)next };
	*next = 0xeeeeeeee;
	return call(what, BPF_MAP_GET_NEXT_KEY, &a, sizeof(a), next, 4);
}

static void scenario_create_errors(void)
{
	create("array ok", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	create("array key 8", BPF_MAP_TYPE_ARRAY, 8, 8, 4, 0);
	create("array value 0", BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0);
	create("array 0 entries", BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0);
	create("array bad flag", BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NO_PREALLOC);
	create("array rdonly+wronly", BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY);
	create("percpu mmapable", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_MMAPABLE);
	create("array mmapable", BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_MMAPABLE);
	create("unknown type", 9999, 4, 8, 4, 0);
	create("percpu value too big", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 40000, 4, 0);
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4,
			     .max_entries = 1 };
	strcpy(a.map_name, "bad-name");
	call("bad name", BPF_MAP_CREATE, &a, sizeof(a), NULL, 0);
	strcpy(a.map_name, "good_name.1");
	call("good name", BPF_MAP_CREATE, &a, sizeof(a), NULL, 0);
	/* A larger attr than either side knows: its tail must be zero. (The
	 * running kernel's union may be larger than the headers', so the
	 * non-zero byte goes well past both.) */
	struct { union bpf_attr a; uint8_t extra[1024]; } big;
	memset(&big, 0, sizeof(big));
	big.a = a;
	call("larger attr, zero tail", BPF_MAP_CREATE, &big.a, sizeof(big), NULL, 0);
	big.extra[1000] = 1;
	call("larger attr, tail set", BPF_MAP_CREATE, &big.a, sizeof(big), NULL, 0);
	static uint8_t page[8192];
	memcpy(page, &a, sizeof(a));
	call("attr over a page", BPF_MAP_CREATE, (union bpf_attr *)page, sizeof(page), NULL, 0);
	/* A smaller one is zero-extended: flags and name read as zero. */
	a.map_flags = BPF_F_RDONLY | BPF_F_WRONLY;
	call("short attr", BPF_MAP_CREATE, &a, offsetof(union bpf_attr, map_flags), NULL, 0);
}

static void scenario_array(void)
{
	int fd = create("array", BPF_MAP_TYPE_ARRAY, 4, 12, 3, 0);
	uint32_t k, nk;
	uint8_t v[12], out[12];

	for (k = 0; k < 4; k++) {
		memset(v, (int)(0x10 + k), sizeof(v));
		elem("update any", BPF_MAP_UPDATE_ELEM, fd, &k, v, BPF_ANY, sizeof(v));
	}
	k = 1;
	elem("update noexist", BPF_MAP_UPDATE_ELEM, fd, &k, v, BPF_NOEXIST, sizeof(v));
	elem("update exist", BPF_MAP_UPDATE_ELEM, fd, &k, v, BPF_EXIST, sizeof(v));
	elem("update bad flags", BPF_MAP_UPDATE_ELEM, fd, &k, v, 8, sizeof(v));
	elem("update F_LOCK", BPF_MAP_UPDATE_ELEM, fd, &k, v, BPF_F_LOCK, sizeof(v));
	for (k = 0; k < 4; k++)
		elem("lookup", BPF_MAP_LOOKUP_ELEM, fd, &k, out, 0, sizeof(out));
	k = 0;
	elem("lookup bad flags", BPF_MAP_LOOKUP_ELEM, fd, &k, out, 2, sizeof(out));
	elem("delete", BPF_MAP_DELETE_ELEM, fd, &k, NULL, 0, 0);
	next_key("next of none", fd, NULL, &nk);
	for (k = 0; k < 4; k++)
		next_key("next", fd, &k, &nk);
	k = 77;
	next_key("next of missing", fd, &k, &nk);

	union bpf_attr f = { .map_fd = (uint32_t)fd };
	call("freeze", BPF_MAP_FREEZE, &f, sizeof(f), NULL, 0);
	call("freeze again", BPF_MAP_FREEZE, &f, sizeof(f), NULL, 0);
	k = 0;
	elem("update frozen", BPF_MAP_UPDATE_ELEM, fd, &k, v, BPF_ANY, sizeof(v));
	elem("lookup frozen", BPF_MAP_LOOKUP_ELEM, fd, &k, out, 0, sizeof(out));

	struct bpf_map_info info;
	memset(&info, 0, sizeof(info));
	union bpf_attr ia = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(info),
					.info = (uintptr_t)&info } };
	call("info", BPF_OBJ_GET_INFO_BY_FD, &ia, sizeof(ia), NULL, 0);
	/* Ids differ between the kernel and bpfx: compare the rest. */
	info.id = 0;
	memcpy(T->steps[T->n - 1].out, &info, 40);
}

static void scenario_access(void)
{
	uint32_t k = 0, nk;
	uint8_t v[8] = { 1 }, out[8];
	int ro = create("rdonly", BPF_MAP_TYPE_ARRAY, 4, 8, 2, BPF_F_RDONLY);
	elem("update rdonly", BPF_MAP_UPDATE_ELEM, ro, &k, v, 0, sizeof(v));
	elem("lookup rdonly", BPF_MAP_LOOKUP_ELEM, ro, &k, out, 0, sizeof(out));
	union bpf_attr f = { .map_fd = (uint32_t)ro };
	call("freeze rdonly", BPF_MAP_FREEZE, &f, sizeof(f), NULL, 0);
	int wo = create("wronly", BPF_MAP_TYPE_ARRAY, 4, 8, 2, BPF_F_WRONLY);
	elem("update wronly", BPF_MAP_UPDATE_ELEM, wo, &k, v, 0, sizeof(v));
	elem("lookup wronly", BPF_MAP_LOOKUP_ELEM, wo, &k, out, 0, sizeof(out));
	next_key("next wronly", wo, NULL, &nk);
	elem("lookup bad fd", BPF_MAP_LOOKUP_ELEM, 12345, &k, out, 0, sizeof(out));
	elem("lookup stdin", BPF_MAP_LOOKUP_ELEM, 0, &k, out, 0, sizeof(out));
}

static void scenario_percpu(uint32_t ncpu)
{
	int fd = create("percpu", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 6, 2, 0);
	uint32_t k = 1;
	size_t len = 8 * ncpu;
	uint8_t *v = calloc(1, len), *out = calloc(1, len);
	for (size_t i = 0; i < len; i++)
		v[i] = (uint8_t)(i * 7 + 1);
	elem("percpu update", BPF_MAP_UPDATE_ELEM, fd, &k, v, 0, len);
	elem("percpu lookup", BPF_MAP_LOOKUP_ELEM, fd, &k, out, 0, len);
	/* The transcript keeps 64 bytes: compare all slots here. */
	T->steps[T->n - 1].ret = T->steps[T->n - 1].ret == 0 && memcmp(out, v, len) == 0 ? 0 : -2;
	free(v);
	free(out);
}

/* BPF_MAP_TYPE_STACK_TRACE from user space: creation rules, and the
 * commands on an empty map (only bpf_get_stackid stores stacks; the trace
 * suite stackmap.sh tests stored ones). 5 entries: ids below 8 exist. */
static void scenario_stack_trace(void)
{
	uint32_t k, nk;
	uint8_t v[64];

	create("stack value 4", BPF_MAP_TYPE_STACK_TRACE, 4, 4, 5, 0);
	create("stack value 12", BPF_MAP_TYPE_STACK_TRACE, 4, 12, 5, 0);
	create("stack too deep", BPF_MAP_TYPE_STACK_TRACE, 4, 8 * 128, 5, 0);
	create("stack key 8", BPF_MAP_TYPE_STACK_TRACE, 8, 64, 5, 0);
	create("stack 0 entries", BPF_MAP_TYPE_STACK_TRACE, 4, 64, 0, 0);
	create("stack bad flag", BPF_MAP_TYPE_STACK_TRACE, 4, 64, 5, BPF_F_NO_PREALLOC);
	create("stack rdonly_prog", BPF_MAP_TYPE_STACK_TRACE, 4, 64, 5, BPF_F_RDONLY_PROG);
	create("stack deepest", BPF_MAP_TYPE_STACK_TRACE, 4, 8 * 127, 5, 0);
	int fd = create("stack ok", BPF_MAP_TYPE_STACK_TRACE, 4, 64, 5, 0);
	k = 0;
	elem("stack lookup empty", BPF_MAP_LOOKUP_ELEM, fd, &k, v, 0, sizeof(v));
	k = 7;
	elem("stack lookup 7", BPF_MAP_LOOKUP_ELEM, fd, &k, v, 0, sizeof(v));
	k = 8;
	elem("stack lookup 8", BPF_MAP_LOOKUP_ELEM, fd, &k, v, 0, sizeof(v));
	elem("stack lookup F_LOCK", BPF_MAP_LOOKUP_ELEM, fd, &k, v, BPF_F_LOCK, sizeof(v));
	k = 0;
	memset(v, 1, sizeof(v));
	elem("stack update", BPF_MAP_UPDATE_ELEM, fd, &k, v, 0, sizeof(v));
	elem("stack delete empty", BPF_MAP_DELETE_ELEM, fd, &k, NULL, 0, 0);
	k = 7;
	elem("stack delete 7", BPF_MAP_DELETE_ELEM, fd, &k, NULL, 0, 0);
	k = 8;
	elem("stack delete 8", BPF_MAP_DELETE_ELEM, fd, &k, NULL, 0, 0);
	k = 0;
	elem("stack lookup_and_delete", BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, &k, v, 0, sizeof(v));
	next_key("stack next of none", fd, NULL, &nk);
	k = 3;
	next_key("stack next of 3", fd, &k, &nk);
	k = 100;
	next_key("stack next of 100", fd, &k, &nk);
}

static void run_all(struct transcript *t, bpf_fn fn, uint32_t ncpu)
{
	memset(t, 0, sizeof(*t));
	T = t;
	SYS = fn;
	scenario_create_errors();
	scenario_array();
	scenario_access();
	scenario_percpu(ncpu);
	scenario_stack_trace();
	for (int i = 0; i < t->nfds; i++)
		close(t->fds[i]);
}

/* What the kernel does, written down: checked against bpfx always. */
static const struct { const char *what; int ret, err; } expect[] = {
	{ "array ok", 1, 0 }, { "array key 8", -1, EINVAL }, { "array value 0", -1, EINVAL },
	{ "array 0 entries", -1, EINVAL }, { "array bad flag", -1, EINVAL },
	{ "array rdonly+wronly", -1, EINVAL }, { "percpu mmapable", -1, EINVAL },
	{ "array mmapable", 1, 0 }, { "unknown type", -1, EINVAL },
	{ "percpu value too big", -1, E2BIG }, { "bad name", -1, EINVAL }, { "good name", 1, 0 },
	{ "larger attr, zero tail", 1, 0 }, { "larger attr, tail set", -1, E2BIG },
	{ "attr over a page", -1, E2BIG }, { "short attr", 1, 0 },
	{ "update noexist", -1, EEXIST }, { "update exist", 0, 0 },
	{ "update bad flags", -1, EINVAL }, { "update F_LOCK", -1, EINVAL },
	{ "lookup bad flags", -1, EINVAL }, { "delete", -1, EINVAL }, { "next of none", 0, 0 },
	{ "next of missing", 0, 0 }, { "freeze", 0, 0 }, { "freeze again", -1, EPERM },
	{ "update frozen", -1, EPERM }, { "lookup frozen", 0, 0 }, { "info", 0, 0 },
	{ "update rdonly", -1, EPERM }, { "lookup rdonly", 0, 0 },
	{ "freeze rdonly", -1, EPERM }, { "update wronly", 0, 0 },
	{ "lookup wronly", -1, EPERM }, { "next wronly", -1, EPERM },
	{ "lookup bad fd", -1, EBADF }, { "lookup stdin", -1, EINVAL },
	{ "percpu update", 0, 0 }, { "percpu lookup", 0, 0 },
	{ "stack value 4", -1, EINVAL }, { "stack value 12", -1, EINVAL },
	{ "stack too deep", -1, EINVAL }, { "stack ok", 1, 0 },
	{ "stack lookup 8", -1, ENOENT }, { "stack update", -1, EINVAL },
	{ "stack delete 7", -1, ENOENT }, { "stack delete 8", -1, E2BIG },
	{ "stack next of none", -1, ENOENT },
};

int main(void)
{
	static struct transcript mine, theirs;
	uint32_t ncpu = kbpf_possible_cpus();
	char slots[16];

	snprintf(slots, sizeof(slots), "%u", ncpu);
	setenv("BPFX_SLOTS", slots, 1); /* per-CPU values as many as the kernel's */
	run_all(&mine, bpfx_bpf, ncpu);

	for (size_t e = 0; e < sizeof(expect) / sizeof(expect[0]); e++) {
		bool found = false;
		for (int i = 0; i < mine.n; i++) {
			const struct step *s = &mine.steps[i];
			if (strcmp(s->what, expect[e].what))
				continue;
			found = true;
			CHECK(s->ret == expect[e].ret && s->err == expect[e].err,
			      "bpfx %s: ret %d errno %d, want %d errno %d", s->what, s->ret, s->err,
			      expect[e].ret, expect[e].err);
		}
		CHECK(found, "step %s ran", expect[e].what);
	}
	/* The lookups after updates read back what was written, 0x10 + k. */
	for (int i = 0, k = 0; i < mine.n; i++) {
		const struct step *s = &mine.steps[i];
		if (strcmp(s->what, "lookup") || k > 2)
			continue;
		CHECK(s->ret == 0 && s->out[0] == (k == 1 ? 0x13 : 0x10 + k) && s->out[11] == s->out[0],
		      "lookup %d read 0x%02x", k, s->out[0]);
		k++;
	}

	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of map commands: %s", why);
		return t_done("map_cmds");
	}
	run_all(&theirs, kbpf_sys, ncpu);
	CHECK(mine.n == theirs.n, "same number of steps: %d vs %d", mine.n, theirs.n);
	for (int i = 0; i < mine.n && i < theirs.n; i++) {
		const struct step *a = &mine.steps[i], *b = &theirs.steps[i];
		CHECK(a->ret == b->ret && a->err == b->err && !memcmp(a->out, b->out, sizeof(a->out)),
		      "step %d (%s): bpfx ret %d errno %d, kernel ret %d errno %d%s", i, a->what,
		      a->ret, a->err, b->ret, b->err,
		      memcmp(a->out, b->out, sizeof(a->out)) ? " (output differs)" : "");
	}
	return t_done("map_cmds");
}
