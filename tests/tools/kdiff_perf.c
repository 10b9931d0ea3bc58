/* SPDX-License-Identifier: MIT */
/*
 * kdiff_perf: perf event arrays of bpfx against the running kernel's.
 * XDP programs calling bpf_perf_event_output (various sizes, flags and
 * indexes) run through BPF_PROG_TEST_RUN in both; the kernel's samples
 * are read with libbpf's perf_buffer (one page per CPU), bpfx's with
 * bpfx_perf_buffer. Compared: every return value (-ENOENT before the
 * buffers exist, -EOPNOTSUPP for another CPU's index, -E2BIG, -EINVAL,
 * -ENOSPC when the page is full), every sample's reported size and data
 * (not perf's padding, whose bytes are stale in both) and every lost
 * count, in order. The process runs on CPU 0 and bpfx gets as many slots
 * as the kernel has possible CPUs, so "current CPU" is index 0 in both.
 * Not compared: BPF_F_CTXLEN_MASK, with which the XDP and tc variants of
 * the helper append packet bytes (bpfx refuses it with -EINVAL). Without
 * a usable bpf() the suite is one skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tcheck.h"
#include "tinsn.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LD_MAP(reg, fd) RAW(BPF_LD | BPF_IMM | BPF_DW, reg, BPF_PSEUDO_MAP_FD, 0, fd), RAW(0, 0, 0, 0, 0)
#define MAX_EVENTS 4096

struct event {
	int cpu;
	uint32_t size;       /* 0 for a lost record */
	uint64_t lost;
	uint8_t data[64];    /* the first bytes */
};

struct log {
	int rets[2048];
	int nrets;
	struct event ev[MAX_EVENTS];
	int nev;
};

static int sys(bpf_fn f, int cmd, union bpf_attr *a)
{
	int r = f(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

static void on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct log *l = ctx;
	if (l->nev < MAX_EVENTS) {
		struct event *e = &l->ev[l->nev++];
		e->cpu = cpu;
		e->size = size;
		memcpy(e->data, data, size < 64 ? size : 64);
	}
}

static void on_lost(void *ctx, int cpu, uint64_t cnt)
{
	struct log *l = ctx;
	if (l->nev < MAX_EVENTS)
		l->ev[l->nev++] = (struct event){ .cpu = cpu, .lost = cnt };
}

/* libbpf's callbacks differ in their types only. */
static void k_sample(void *ctx, int cpu, void *data, __u32 size)
{
	on_sample(ctx, cpu, data, size);
}

static void k_lost(void *ctx, int cpu, __u64 cnt)
{
	on_lost(ctx, cpu, cnt);
}

/* An XDP program: 64 bytes of stack (word i = seed + i), then
 * r0 = bpf_perf_event_output(ctx, map, flags, r10 - 64, size). */
static int load(bpf_fn f, int map, uint64_t flags, int size, int seed)
{
	struct bpf_insn p[32];
	int n = 0;
	p[n++] = MOV64_REG(6, 1);
	for (int i = 0; i < 8; i++)
		p[n++] = ST(BPF_DW, 10, -64 + 8 * i, seed * 256 + i);
	p[n++] = MOV64_REG(1, 6);
	p[n++] = RAW(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0, map);
	p[n++] = RAW(0, 0, 0, 0, 0);
	p[n++] = LDDW_LO(3, flags);
	p[n++] = LDDW_HI(flags);
	p[n++] = MOV64_REG(4, 10);
	p[n++] = ALU64_IMM(BPF_ADD, 4, -64);
	p[n++] = MOV64_IMM(5, size);
	p[n++] = CALL(BPF_FUNC_perf_event_output);
	p[n++] = EXIT();
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_XDP, .insn_cnt = (uint32_t)n,
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL" };
	return sys(f, BPF_PROG_LOAD, &a);
}

static int run(bpf_fn f, int map, uint64_t flags, int size, int seed)
{
	uint8_t pkt[64] = { 0 };
	int prog = load(f, map, flags, size, seed);
	if (prog < 0)
		return -2000 + prog;
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog, .data_in = (uintptr_t)pkt,
				       .data_size_in = sizeof(pkt) } };
	int err = sys(f, BPF_PROG_TEST_RUN, &t);
	close(prog);
	return err ? -1000 + err : (int)t.test.retval;
}

/* The scenario on one side; open() creates the consumer (one page per
 * CPU), consume() drains it. */
static void scenario(bpf_fn f, int map, struct log *l, void *(*open)(int, struct log *),
		     int (*consume)(void *), void (*close_fn)(void *))
{
	l->rets[l->nrets++] = run(f, map, BPF_F_CURRENT_CPU, 8, 1); /* no buffer: ENOENT */
	void *c = open(map, l);
	if (!CHECK(c, "consumer opened"))
		return;
	static const struct { uint64_t flags; int size; } steps[] = {
		{ BPF_F_CURRENT_CPU, 1 }, { BPF_F_CURRENT_CPU, 4 }, { BPF_F_CURRENT_CPU, 5 },
		{ 0, 16 }, { BPF_F_CURRENT_CPU, 0 }, { 1, 8 }, { 1ull << 52, 8 },
		{ 0xfffffffeull, 8 }, { BPF_F_CURRENT_CPU, 60 },
	};
	for (size_t i = 0; i < N(steps); i++)
		l->rets[l->nrets++] = run(f, map, steps[i].flags, steps[i].size, (int)i);
	consume(c);
	/* Fill the page, overflow, drain, and once more (a lost record). */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 80 && l->nrets < (int)N(l->rets); i++)
			l->rets[l->nrets++] = run(f, map, BPF_F_CURRENT_CPU, 20 + (i * 7) % 44, i);
		consume(c);
	}
	close_fn(c);
}

static void *k_open(int map, struct log *l)
{
	return perf_buffer__new(map, 1, k_sample, k_lost, l, NULL);
}
static int k_consume(void *c) { return perf_buffer__consume(c); }
static void k_close(void *c) { perf_buffer__free(c); }

static void *x_open(int map, struct log *l)
{
	return bpfx_perf_buffer__new(map, 1, on_sample, on_lost, l, NULL, NULL);
}
static int x_consume(void *c) { return bpfx_perf_buffer__consume(c); }
static void x_close(void *c) { bpfx_perf_buffer__free(c); }

static int make_map(bpf_fn f, uint32_t cpus)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_PERF_EVENT_ARRAY, .key_size = 4,
			     .value_size = 4, .max_entries = cpus };
	return sys(f, BPF_MAP_CREATE, &a);
}

static void compare(const struct log *k, const struct log *x)
{
	int bad = -1;
	for (int i = 0; i < k->nrets && i < x->nrets && bad < 0; i++)
		if (k->rets[i] != x->rets[i])
			bad = i;
	CHECK(k->nrets == x->nrets && bad < 0, "%d return values equal (first difference at %d: "
	      "kernel %d, bpfx %d)", k->nrets, bad, bad < 0 ? 0 : k->rets[bad],
	      bad < 0 ? 0 : x->rets[bad]);
	int enospc = 0;
	for (int i = 0; i < k->nrets; i++)
		enospc += k->rets[i] == -ENOSPC;
	CHECK(enospc > 0, "the page overflowed (%d -ENOSPC)", enospc);
	bad = -1;
	for (int i = 0; i < k->nev && i < x->nev && bad < 0; i++) {
		const struct event *a = &k->ev[i], *b = &x->ev[i];
		/* up to 7 bytes at the end are perf's padding, stale in both */
		uint32_t sure = a->size > 7 ? a->size - 7 : 0;
		if (sure > 64)
			sure = 64;
		if (a->size != b->size || a->lost != b->lost || memcmp(a->data, b->data, sure))
			bad = i;
	}
	CHECK(k->nev == x->nev && bad < 0 && k->nev > 100,
	      "events: kernel %d, bpfx %d, first difference at %d", k->nev, x->nev, bad);
}

int main(void)
{
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel perf event array comparison: %s", why);
		return t_done("perf_kernel");
	}
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		t_skip("cannot run on CPU 0: %s", strerror(errno));
		return t_done("perf_kernel");
	}
	uint32_t cpus = kbpf_possible_cpus();
	char slots[16];
	snprintf(slots, sizeof(slots), "%u", cpus);
	setenv("BPFX_SLOTS", slots, 0); /* before bpfx's first look at it */
	static struct log k, x;
	int km = make_map(kbpf_sys, cpus), xm = make_map(bpfx_bpf, cpus);
	if (CHECK(km >= 0 && xm >= 0, "maps of %u entries", cpus)) {
		scenario(kbpf_sys, km, &k, k_open, k_consume, k_close);
		scenario(bpfx_bpf, xm, &x, x_open, x_consume, x_close);
		compare(&k, &x);
	}
	return t_done("perf_kernel");
}
