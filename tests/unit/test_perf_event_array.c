/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY, bpf_perf_event_output and the
 * bpfx_perf_buffer consumer: the kernel's errnos for the map commands and
 * the helper (index, flags, no consumer, another CPU's index, a full
 * buffer), samples with perf's padded raw size, lost-sample records,
 * records wrapping around the ring, producer threads on their own slots,
 * a second process producing into a pinned map, and the closing of
 * indexes when the consumer goes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "tbpf.h"
#include "tcheck.h"
#include "tconsume.h"
#include "tinsn.h"
#include "vm/slot.h"

/* t_consume_child's poll: 200 ms at most. */
static int poll_200ms(void *consumer)
{
	return bpfx_perf_buffer__poll((struct bpfx_perf_buffer *)consumer, 200);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LD_MAP(reg, fd) RAW(BPF_LD | BPF_IMM | BPF_DW, reg, BPF_PSEUDO_MAP_FD, 0, fd), RAW(0, 0, 0, 0, 0)
#define ENOTSUPP 524
#define SLOTS 4

static char root[64];

struct out_ctx {
	uint64_t size, flags;
	uint8_t data[1024];
};

static int pe_create(uint32_t max)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_PERF_EVENT_ARRAY, .key_size = 4,
			     .value_size = 4, .max_entries = max };
	return t_sys(BPF_MAP_CREATE, &a);
}

/* r0 = bpf_perf_event_output(ctx, map, ctx->flags, ctx->data, ctx->size) */
static int output_prog(int map)
{
	struct bpf_insn p[] = {
		MOV64_REG(6, 1), LD_MAP(2, map), LDX(BPF_DW, 3, 6, 8), MOV64_REG(4, 6),
		ALU64_IMM(BPF_ADD, 4, 16), LDX(BPF_DW, 5, 6, 0), MOV64_REG(1, 6),
		CALL(BPF_FUNC_perf_event_output), EXIT(),
	};
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SYSCALL, .insn_cnt = N(p),
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL",
			     .prog_flags = BPF_F_SLEEPABLE };
	return t_sys(BPF_PROG_LOAD, &a);
}

/* Outputs `size` bytes: the first word v, the rest v's low byte. */
static int output(int prog, uint64_t size, uint64_t flags, uint64_t v)
{
	struct out_ctx c = { .size = size, .flags = flags };
	memset(c.data, (int)(v & 0xff), sizeof(c.data));
	memcpy(c.data, &v, size < 8 ? size : 8);
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog, .ctx_in = (uintptr_t)&c,
				       .ctx_size_in = sizeof(c) } };
	int err = t_sys(BPF_PROG_TEST_RUN, &t);
	return err ? -1000 + err : (int)t.test.retval;
}

struct seen {
	int cnt, bad;
	uint64_t lost;
	int cpu[8192];
	uint64_t first[8192];
	uint32_t size[8192];
};

static void on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct seen *s = ctx;
	uint64_t v = 0;
	memcpy(&v, data, size < 8 ? size : 8);
	if (s->cnt < 8192) {
		s->cpu[s->cnt] = cpu;
		s->first[s->cnt] = v;
		s->size[s->cnt] = size;
	}
	s->cnt++;
}

static void on_lost(void *ctx, int cpu, uint64_t cnt)
{
	(void)cpu;
	((struct seen *)ctx)->lost += cnt;
}

static void test_map_commands(void)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_PERF_EVENT_ARRAY, .key_size = 4,
			     .value_size = 8, .max_entries = 2 };
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "value size 8: EINVAL");
	a.value_size = 4, a.max_entries = 0;
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "0 entries: EINVAL");
	a.max_entries = 2, a.map_flags = BPF_F_RDONLY_PROG;
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "BPF_F_RDONLY_PROG: EINVAL");
	a.map_flags = BPF_F_PRESERVE_ELEMS;
	int fd = t_sys(BPF_MAP_CREATE, &a);
	CHECK(fd >= 0, "BPF_F_PRESERVE_ELEMS: created");
	close(fd);
	fd = pe_create(2);
	uint32_t key = 0, v = 0, next = 9;
	union bpf_attr l = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key, .value = (uintptr_t)&v };
	CHECK(t_sys(BPF_MAP_LOOKUP_ELEM, &l) == -ENOTSUPP, "lookup: ENOTSUPP");
	CHECK(t_sys(BPF_MAP_UPDATE_ELEM, &l) == -EBADF, "update with a non-perf fd: EBADF");
	l.flags = BPF_NOEXIST;
	CHECK(t_sys(BPF_MAP_UPDATE_ELEM, &l) == -EINVAL, "update NOEXIST: EINVAL");
	l.flags = 0, key = 5;
	CHECK(t_sys(BPF_MAP_UPDATE_ELEM, &l) == -E2BIG, "update past the end: E2BIG");
	union bpf_attr d = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key };
	CHECK(t_sys(BPF_MAP_DELETE_ELEM, &d) == -E2BIG, "delete past the end: E2BIG");
	key = 0;
	CHECK(t_sys(BPF_MAP_DELETE_ELEM, &d) == -ENOENT, "delete of an empty index: ENOENT");
	union bpf_attr g = { .map_fd = (uint32_t)fd, .next_key = (uintptr_t)&next };
	CHECK(t_sys(BPF_MAP_GET_NEXT_KEY, &g) == 0 && next == 0, "first key 0");
	key = 1, g.key = (uintptr_t)&key;
	CHECK(t_sys(BPF_MAP_GET_NEXT_KEY, &g) == -ENOENT, "no key after the last");
	close(fd);
}

/* The helper's errnos, samples, padding, full buffer and lost records. */
static void test_output(void)
{
	int map = pe_create(SLOTS), prog = output_prog(map), err = 0;
	uint32_t me = vm_slot(), other = (me + 1) % SLOTS;
	struct seen *s = calloc(1, sizeof(*s));

	CHECK(output(prog, 8, BPF_F_CURRENT_CPU, 1) == -ENOENT, "no consumer: -ENOENT");
	struct bpfx_perf_buffer *pb = bpfx_perf_buffer__new(map, 1, on_sample, on_lost, s, NULL,
							    &err);
	if (!CHECK(pb, "consumer (%d)", err))
		goto out;
	CHECK(!bpfx_perf_buffer__new(map, 3, on_sample, NULL, s, NULL, &err) && err == -EINVAL,
	      "3 pages: EINVAL");
	CHECK(!bpfx_perf_buffer__new(map, 512, on_sample, NULL, s, NULL, &err) && err == -E2BIG,
	      "512 pages: E2BIG");
	CHECK(output(prog, 5, BPF_F_CURRENT_CPU, 0x0504030201) == 0, "5 bytes, current CPU");
	CHECK(output(prog, 16, me, 77) == 0, "16 bytes, own index");
	CHECK(output(prog, 8, other, 1) == -EOPNOTSUPP, "another CPU's index: -EOPNOTSUPP");
	CHECK(output(prog, 8, SLOTS, 1) == -E2BIG, "index past the end: -E2BIG");
	CHECK(output(prog, 8, 1ull << 33, 1) == -EINVAL, "unknown flag: -EINVAL");
	CHECK(bpfx_perf_buffer__consume(pb) == 2, "two samples");
	CHECK(s->cnt == 2 && s->cpu[0] == (int)me && s->size[0] == 12 &&
	      (s->first[0] & 0xffffffffffull) == 0x0504030201ull,
	      "5 bytes arrive as perf's 12 (padded), from our cpu");
	CHECK(s->size[1] == 20 && s->first[1] == 77, "16 bytes arrive as 20");

	/* Full: 64-byte records (8 + 4 + 52) in 4096 bytes. */
	s->cnt = 0;
	int fitted = 0, lost = 0;
	while (output(prog, 52, BPF_F_CURRENT_CPU, (uint64_t)fitted) == 0)
		fitted++;
	lost++;
	for (int i = 0; i < 4; i++)
		lost += output(prog, 52, BPF_F_CURRENT_CPU, 999) == -ENOSPC;
	CHECK(fitted == 63 && lost == 5, "63 records fill 4 KiB - 1 (perf's CIRC_SPACE), then "
	      "-ENOSPC (%d, %d)", fitted, lost);
	CHECK(bpfx_perf_buffer__consume(pb) == 63 && s->lost == 0, "63 samples, no loss yet");
	CHECK(output(prog, 52, BPF_F_CURRENT_CPU, 5000) == 0, "space again");
	CHECK(bpfx_perf_buffer__consume(pb) == 2 && s->lost == 5 && s->first[63] == 5000,
	      "a lost record of 5, then the sample (lost %llu)", (unsigned long long)s->lost);

	/* Wrap: odd sizes over many laps. */
	s->cnt = 0;
	bool ok = true;
	for (uint64_t i = 0; i < 300 && ok; i++) {
		ok = output(prog, 100 + i % 200, BPF_F_CURRENT_CPU, i) == 0 &&
		     bpfx_perf_buffer__consume(pb) == 1 && s->first[i] == i &&
		     s->size[i] == ((8 + 4 + 100 + i % 200 + 7) & ~7ull) - 12;
	}
	CHECK(ok && s->cnt == 300, "300 samples across the ring's end: %d", s->cnt);
	bpfx_perf_buffer__free(pb);
	CHECK(output(prog, 8, BPF_F_CURRENT_CPU, 1) == -ENOENT, "consumer gone: -ENOENT again");
out:
	free(s);
	close(prog), close(map);
}

#define THREADS 3
#define PER_THREAD 5000

struct thread_arg {
	int prog, slot, enospc;
};

static atomic_bool stop_producers; /* the consumer gave up: do not hang */

static void *producer(void *p)
{
	struct thread_arg *a = p;
	a->slot = (int)vm_slot();
	for (uint64_t i = 0; i < PER_THREAD; i++) {
		int r;
		while ((r = output(a->prog, 24, BPF_F_CURRENT_CPU, (uint64_t)a->slot << 32 | i)) ==
		       -ENOSPC && !atomic_load(&stop_producers)) {
			a->enospc++;
			usleep(10);
		}
	}
	return NULL;
}

static void test_threads(void)
{
	int map = pe_create(SLOTS), prog = output_prog(map);
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_perf_buffer *pb = bpfx_perf_buffer__new(map, 2, on_sample, on_lost, s, NULL,
							    NULL);
	pthread_t t[THREADS];
	struct thread_arg a[THREADS];
	uint64_t next[SLOTS] = { 0 };
	int total = 0, bad = 0, enospc = 0;

	if (!CHECK(pb && prog >= 0, "setup"))
		goto out;
	for (int i = 0; i < THREADS; i++) {
		a[i] = (struct thread_arg){ prog, -1, 0 };
		pthread_create(&t[i], NULL, producer, &a[i]);
	}
	while (total < THREADS * PER_THREAD) {
		s->cnt = 0;
		int r = bpfx_perf_buffer__poll(pb, 5000);
		if (r <= 0) {
			CHECK(false, "poll gave %d with %d of %d samples", r, total,
			      THREADS * PER_THREAD);
			break;
		}
		for (int i = 0; i < s->cnt && i < 8192; i++) {
			uint64_t slot = s->first[i] >> 32, seq = s->first[i] & 0xffffffff;
			if (slot >= SLOTS || (int)slot != s->cpu[i] || next[slot] != seq)
				bad++;
			else
				next[slot]++;
		}
		total += s->cnt;
	}
	stop_producers = total < THREADS * PER_THREAD;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		enospc += a[i].enospc;
	}
	CHECK(total == THREADS * PER_THREAD && bad == 0,
	      "%d threads: %d samples, %d out of order", THREADS, total, bad);
	CHECK(s->lost == (uint64_t)enospc, "lost records count every -ENOSPC (%llu, %d)",
	      (unsigned long long)s->lost, enospc);
out:
	bpfx_perf_buffer__free(pb);
	free(s);
	close(prog), close(map);
}

static void test_two_processes(void)
{
	int map = pe_create(SLOTS);
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_perf_buffer *pb = bpfx_perf_buffer__new(map, 4, on_sample, on_lost, s, NULL,
							    NULL);

	if (!CHECK(pb && t_pin(map, "pe2") == 0, "setup: pinned"))
		goto out;
	pid_t pid = fork();
	if (pid == 0) { /* the forking thread's slot, inherited */
		int m = t_get("pe2"), prog = m >= 0 ? output_prog(m) : -1;
		usleep(100000);
		/* a full buffer is retried, for 20 s at most: a consumer
		 * that gave up must not leave this process spinning */
		unsigned tries = 0;
		for (uint64_t i = 0; prog >= 0 && i < 2000; i++)
			while (output(prog, 40, BPF_F_CURRENT_CPU, i) == -ENOSPC)
				if (tries++ > 200000)
					_exit(2);
				else
					usleep(100);
		_exit(prog >= 0 ? 0 : 1);
	}
	int first = bpfx_perf_buffer__poll(pb, 5000);
	CHECK(first > 0, "woken by the other process: %d", first);
	int status = t_consume_child(pid, poll_200ms, pb, &s->cnt, 2000);
	bool order = true;
	for (int i = 0; i < s->cnt && i < 2000; i++)
		order = order && s->first[i] == (uint64_t)i;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child produced");
	CHECK(s->cnt == 2000 && order, "2000 samples in order: %d", s->cnt);
out:
	bpfx_perf_buffer__free(pb);
	free(s);
	close(map);
}

/* `bpfx perf pecli count 2` prints what a program sends once it has the
 * indexes open (until then the output is -ENOENT). */
static void test_cli(void)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	int map = pe_create(SLOTS), prog = output_prog(map), pfd[2];
	char bin[256], buf[2048], want[256];
	size_t len = 0;

	if (!CHECK(prog >= 0 && t_pin(map, "pecli") == 0 && pipe(pfd) == 0, "setup"))
		return;
	snprintf(bin, sizeof(bin), "%s/bpfx", build);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl(bin, "bpfx", "perf", "pecli", "count", "2", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	int r, tries = 0;
	while ((r = output(prog, 4, BPF_F_CURRENT_CPU, 0x04030201)) == -ENOENT && tries++ < 500)
		usleep(10000);
	CHECK(r == 0, "output once the CLI has the indexes open: %d", r);
	CHECK(output(prog, 12, BPF_F_CURRENT_CPU, 0x0807060504030201ull) == 0, "second output");
	ssize_t n;
	while ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	snprintf(want, sizeof(want), "record 0: cpu %u 4 bytes\n  01 02 03 04\n"
		 "record 1: cpu %u 12 bytes\n  01 02 03 04 05 06 07 08 01 01 01 01\n",
		 vm_slot(), vm_slot());
	CHECK(!strcmp(buf, want), "bpfx perf prints a hex dump:\n%s", buf);
	close(prog), close(map);
}

int main(void)
{
	/* Some programs here are ones the kernel's verifier refuses, on
	 * purpose: they test checked mode's refusals of bad helper arguments. They load unverified (and run checked), as
	 * a user asks with BPFX_VERIFY=0. */
	setenv("BPFX_VERIFY", "0", 1);
	setenv("BPFX_SLOTS", "4", 1);
	snprintf(root, sizeof(root), "/tmp/bpfx-pe-test-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	setenv("BPFX_FS", root, 1);
	test_map_commands();
	test_output();
	test_threads();
	test_two_processes();
	test_cli();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", root);
	return t_done("test_perf_event_array");
}
