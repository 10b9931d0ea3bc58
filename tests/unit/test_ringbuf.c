/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_RINGBUF, its helpers and the bpfx_ringbuf consumer:
 * creation rules, records in order with their bytes, discard, records
 * crossing the end of the ring, a full ring (NULL / -EAGAIN at exactly the
 * kernel's limit), many producer threads with exact per-thread counts and
 * order, a second process producing into a pinned ring (woken consumer),
 * a producer killed with a record reserved (the consumer moves on), the
 * kernel's mmap layout through a plain mmap of the map descriptor, and
 * the checks of checked runs (a record is lent only until released).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "api/obj.h"
#include "maps/ringbuf.h"
#include "tbpf.h"
#include "tcheck.h"
#include "tconsume.h"
#include "tinsn.h"

/* t_consume_child's poll: 200 ms at most. */
static int poll_200ms(void *consumer)
{
	return bpfx_ringbuf__poll((struct bpfx_ringbuf *)consumer, 200);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LD_MAP(reg, fd) RAW(BPF_LD | BPF_IMM | BPF_DW, reg, BPF_PSEUDO_MAP_FD, 0, fd), RAW(0, 0, 0, 0, 0)
#define ENOTSUPP 524

static char root[64];

/* The context of the test programs. */
struct out_ctx {
	uint64_t size, flags, mode, value;
	uint8_t data[4096];
};

static int ring_create(uint32_t size)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_RINGBUF, .max_entries = size };
	return t_sys(BPF_MAP_CREATE, &a);
}

static int load(const struct bpf_insn *p, size_t cnt)
{
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SYSCALL, .insn_cnt = (uint32_t)cnt,
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL",
			     .prog_flags = BPF_F_SLEEPABLE };
	return t_sys(BPF_PROG_LOAD, &a);
}

/* r0 = bpf_ringbuf_output(map, ctx->data, ctx->size, ctx->flags) */
static int output_prog(int map)
{
	struct bpf_insn p[] = {
		MOV64_REG(6, 1), LD_MAP(1, map), MOV64_REG(2, 6), ALU64_IMM(BPF_ADD, 2, 32),
		LDX(BPF_DW, 3, 6, 0), LDX(BPF_DW, 4, 6, 8), CALL(BPF_FUNC_ringbuf_output), EXIT(),
	};
	return load(p, N(p));
}

/* rec = reserve(map, ctx->size); NULL: return 1. Writes ctx->value at
 * rec[0] when size >= 8, then submits (mode 0), discards (mode 1), or
 * (mode 2) writes past the record's end; returns 0. */
static int reserve_prog(int map)
{
	struct bpf_insn p[] = {
		MOV64_REG(6, 1), LD_MAP(1, map), LDX(BPF_DW, 2, 6, 0), MOV64_IMM(3, 0),
		CALL(BPF_FUNC_ringbuf_reserve),
		JMP_IMM(BPF_JNE, 0, 0, 2), MOV64_IMM(0, 1), EXIT(),
		MOV64_REG(7, 0), LDX(BPF_DW, 8, 6, 0),
		JMP_IMM(BPF_JLT, 8, 8, 2), LDX(BPF_DW, 1, 6, 24), STX(BPF_DW, 7, 1, 0),
		LDX(BPF_DW, 1, 6, 16),
		JMP_IMM(BPF_JNE, 1, 2, 3), MOV64_REG(1, 7), ALU64_REG(BPF_ADD, 1, 8),
		ST(BPF_B, 1, 0, 1), /* one byte past the record: faults */
		MOV64_REG(1, 7), LDX(BPF_DW, 2, 6, 8), LDX(BPF_DW, 3, 6, 16),
		JMP_IMM(BPF_JEQ, 3, 1, 2), CALL(BPF_FUNC_ringbuf_submit), JA(1),
		CALL(BPF_FUNC_ringbuf_discard), MOV64_IMM(0, 0), EXIT(),
	};
	return load(p, N(p));
}

/* r0 = bpf_ringbuf_query(map, ctx->flags) */
static int query_prog(int map)
{
	struct bpf_insn p[] = {
		LDX(BPF_DW, 2, 1, 8), LD_MAP(1, map), CALL(BPF_FUNC_ringbuf_query), EXIT(),
	};
	return load(p, N(p));
}

/* Submits ctx->value twice: the same record. The second submit must
 * fault in a checked run. */
static int double_submit_prog(int map)
{
	struct bpf_insn p[] = {
		LD_MAP(1, map), MOV64_IMM(2, 8), MOV64_IMM(3, 0), CALL(BPF_FUNC_ringbuf_reserve),
		JMP_IMM(BPF_JEQ, 0, 0, 6), MOV64_REG(6, 0), MOV64_REG(1, 0), MOV64_IMM(2, 0),
		CALL(BPF_FUNC_ringbuf_submit), MOV64_REG(1, 6), CALL(BPF_FUNC_ringbuf_submit),
		MOV64_IMM(0, 0), EXIT(),
	};
	return load(p, N(p));
}

static int run(int prog, struct out_ctx *c, int *retval)
{
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog, .ctx_in = (uintptr_t)c,
				       .ctx_size_in = sizeof(*c) } };
	int err = t_sys(BPF_PROG_TEST_RUN, &t);
	*retval = (int)t.test.retval;
	return err;
}

/* Runs the output program with `size` bytes of data whose first word is v. */
static int output(int prog, uint64_t size, uint64_t flags, uint64_t v)
{
	struct out_ctx c = { .size = size, .flags = flags };
	int ret;
	memset(c.data, (int)(v & 0xff), sizeof(c.data));
	memcpy(c.data, &v, size < 8 ? size : 8);
	if (run(prog, &c, &ret))
		return -1000;
	return ret;
}

/* What a consumer callback saw. */
struct seen {
	int cnt;
	uint64_t first[4096];
	size_t size[4096];
	bool bytes_ok;
};

static int collect(void *ctx, void *data, size_t size)
{
	struct seen *s = ctx;
	uint64_t v = 0;
	memcpy(&v, data, size < 8 ? size : 8);
	for (size_t i = 8; i < size; i++)
		if (((uint8_t *)data)[i] != (uint8_t)(v & 0xff))
			s->bytes_ok = false;
	if (s->cnt < 4096) {
		s->first[s->cnt] = v;
		s->size[s->cnt] = size;
	}
	s->cnt++;
	return 0;
}

static void test_create(void)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_RINGBUF, .max_entries = 4096 };
	int fd;

	a.key_size = 4;
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "key size 4: EINVAL");
	a.key_size = 0, a.value_size = 8;
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "value size 8: EINVAL");
	a.value_size = 0, a.max_entries = 4096 * 3;
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "3 pages: EINVAL");
	a.max_entries = 2048;
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "half a page: EINVAL");
	a.max_entries = 0;
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "0 bytes: EINVAL");
	a.max_entries = 4096, a.map_flags = BPF_F_RDONLY_PROG;
	CHECK(t_sys(BPF_MAP_CREATE, &a) == -EINVAL, "flag other than NUMA: EINVAL");
	a.map_flags = 0;
	CHECK((fd = t_sys(BPF_MAP_CREATE, &a)) >= 0, "4096 bytes: created");
	uint32_t key = 0;
	uint64_t v = 0;
	union bpf_attr l = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key, .value = (uintptr_t)&v };
	CHECK(t_sys(BPF_MAP_LOOKUP_ELEM, &l) == -EINVAL, "lookup with a key: EINVAL");
	l.key = 0;
	CHECK(t_sys(BPF_MAP_LOOKUP_ELEM, &l) == -ENOTSUPP, "lookup: ENOTSUPP");
	CHECK(t_sys(BPF_MAP_UPDATE_ELEM, &l) == -ENOTSUPP, "update: ENOTSUPP");
	l.value = 0; /* past delete's last field (key): EINVAL if set */
	CHECK(t_sys(BPF_MAP_DELETE_ELEM, &l) == -ENOTSUPP, "delete: ENOTSUPP");
	struct bpf_map_info info = { 0 };
	union bpf_attr i = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	CHECK(t_sys(BPF_OBJ_GET_INFO_BY_FD, &i) == 0 && info.type == BPF_MAP_TYPE_RINGBUF &&
	      info.max_entries == 4096, "info: ringbuf of 4096 bytes");
	close(fd);
}

/* Order, bytes, discard, wake-up flags and query, on one ring. */
static void test_order_discard_query(void)
{
	int map = ring_create(4096), out = output_prog(map), res = reserve_prog(map);
	int q = query_prog(map), ret, err = 0;
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, collect, s, NULL, &err);

	if (!CHECK(rb && out >= 0 && res >= 0 && q >= 0, "setup (%d)", err))
		goto out;
	s->bytes_ok = true;
	for (uint64_t i = 0; i < 10; i++)
		CHECK(output(out, 8 + i * 3, 0, 100 + i) == 0, "output %llu", (unsigned long long)i);
	struct out_ctx c = { .size = 16, .mode = 1, .value = 555 };
	CHECK(run(res, &c, &ret) == 0 && ret == 0, "reserve + discard");
	c.mode = 0, c.value = 777, c.size = 8;
	CHECK(run(res, &c, &ret) == 0 && ret == 0, "reserve + submit");
	c.size = 0;
	CHECK(run(res, &c, &ret) == 0 && ret == 0, "reserve 0 bytes + submit");
	CHECK(output(out, 4, 1u << 2, 9) == -EINVAL, "output with unknown flag: -EINVAL");
	CHECK(output(out, 4, BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP, 9) == 0,
	      "output with both wake-up flags");

	c = (struct out_ctx){ .flags = BPF_RB_RING_SIZE };
	CHECK(run(q, &c, &ret) == 0 && ret == 4096, "query ring size: %d", ret);
	uint64_t expect_prod = 0;
	for (uint64_t i = 0; i < 10; i++)
		expect_prod += (8 + i * 3 + 8 + 7) & ~7ull;
	expect_prod += 24 + 16 + 8 + 16;
	c.flags = BPF_RB_PROD_POS;
	CHECK(run(q, &c, &ret) == 0 && (uint64_t)ret == expect_prod, "query prod pos: %d", ret);
	c.flags = BPF_RB_AVAIL_DATA;
	CHECK(run(q, &c, &ret) == 0 && (uint64_t)ret == expect_prod, "query avail: %d", ret);
	c.flags = 77;
	CHECK(run(q, &c, &ret) == 0 && ret == 0, "query unknown: 0");

	CHECK(bpfx_ringbuf__consume(rb) == 13, "13 records (one discarded): %d", s->cnt);
	for (int i = 0; i < 10; i++)
		CHECK(s->first[i] == 100u + (unsigned)i && s->size[i] == 8u + (unsigned)i * 3,
		      "record %d in order", i);
	CHECK(s->first[10] == 777 && s->size[10] == 8, "submitted record after the discarded");
	CHECK(s->size[11] == 0 && s->size[12] == 4, "empty record, then the flagged one");
	CHECK(s->bytes_ok, "every byte as written");
	c.flags = BPF_RB_CONS_POS;
	CHECK(run(q, &c, &ret) == 0 && (uint64_t)ret == expect_prod, "query cons pos: %d", ret);
	c.flags = BPF_RB_AVAIL_DATA;
	CHECK(run(q, &c, &ret) == 0 && ret == 0, "nothing available after consume");
	CHECK(bpfx_ringbuf__poll(rb, 10) == 0, "poll with nothing: times out with 0");
out:
	bpfx_ringbuf__free(rb);
	free(s);
	close(out), close(res), close(q), close(map);
}

static bool woken(struct bpfx_ringbuf *rb)
{
	struct epoll_event ev;
	return epoll_wait(bpfx_ringbuf__epoll_fd(rb), &ev, 1, 0) == 1;
}

/* The kernel's wake-up rules, seen through the epoll descriptor of an
 * armed consumer: BPF_RB_NO_WAKEUP never, a record the consumer is not
 * waiting for (behind another) not, BPF_RB_FORCE_WAKEUP always, a default
 * record at the consumer's position yes. */
static void test_wakeup_flags(void)
{
	int map = ring_create(4096), out = output_prog(map);
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, collect, s, NULL, NULL);

	if (!CHECK(rb && out >= 0 && bpfx_ringbuf__epoll_fd(rb) >= 0, "setup"))
		goto out;
	CHECK(bpfx_ringbuf__consume(rb) == 0 && !woken(rb), "armed, nothing yet");
	CHECK(output(out, 8, BPF_RB_NO_WAKEUP, 1) == 0 && !woken(rb), "BPF_RB_NO_WAKEUP: asleep");
	CHECK(output(out, 8, 0, 2) == 0 && !woken(rb), "a record behind another: asleep");
	CHECK(output(out, 8, BPF_RB_FORCE_WAKEUP, 3) == 0 && woken(rb), "FORCE_WAKEUP: woken");
	CHECK(bpfx_ringbuf__consume(rb) == 3 && !woken(rb), "consumed, armed again");
	CHECK(output(out, 8, 0, 4) == 0 && woken(rb), "a record the consumer waits for: woken");
	CHECK(bpfx_ringbuf__poll(rb, 1000) == 1 && s->first[3] == 4, "poll returns it");
out:
	bpfx_ringbuf__free(rb);
	free(s);
	close(out), close(map);
}

/* Records crossing the end of the ring, and a full ring. */
static void test_wrap_and_full(void)
{
	int map = ring_create(4096), out = output_prog(map), res = reserve_prog(map), ret;
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, collect, s, NULL, NULL);
	bool ok = true;

	if (!CHECK(rb && out >= 0 && res >= 0, "setup"))
		goto out;
	s->bytes_ok = true;
	/* 1000-byte records (1008 with header): position 0, 1008, 2016, 3024,
	 * 4032 (crosses 4096), ... over 50 laps of the ring. */
	for (uint64_t i = 0; i < 200 && ok; i++) {
		ok = output(out, 300 + (i % 3) * 350, 0, i) == 0;
		ok = ok && bpfx_ringbuf__consume(rb) == 1 && s->first[i] == i;
	}
	CHECK(ok && s->cnt == 200 && s->bytes_ok, "200 records across 50 laps: %d", s->cnt);

	/* Full: the ring holds at most 4095 bytes, counted from the consumer. */
	int fitted = 0;
	while (output(out, 120, 0, 1) == 0) /* 128 bytes each */
		fitted++;
	CHECK(fitted == 31, "31 records of 128 bytes fit in 4096 - 1: %d", fitted);
	CHECK(output(out, 120, 0, 1) == -EAGAIN, "output to a full ring: -EAGAIN");
	struct out_ctx c = { .size = 120 - 8 }; /* 3968 + 120 <= 4095 */
	CHECK(run(res, &c, &ret) == 0 && ret == 0, "the last 120 bytes fit");
	c.size = 8;
	CHECK(run(res, &c, &ret) == 0 && ret == 1, "reserve in a full ring: NULL");
	c.size = 4096;
	CHECK(run(res, &c, &ret) == 0 && ret == 1, "reserve larger than the ring: NULL");
	CHECK(output(out, 4096 - 8, 0, 1) == -EAGAIN, "output larger than the ring: -EAGAIN");
	s->cnt = 0;
	CHECK(bpfx_ringbuf__consume(rb) == 32, "all 32 consumed");
	c.size = 4096 - 16;
	CHECK(run(res, &c, &ret) == 0 && ret == 0, "the largest record fits when empty");
	CHECK(bpfx_ringbuf__consume(rb) == 1 && s->size[32] == 4096 - 16, "and is read whole");
out:
	bpfx_ringbuf__free(rb);
	free(s);
	close(out), close(res), close(map);
}

/* Many producer threads: every record arrives once, each thread's in order. */
#define THREADS 4
#define PER_THREAD 20000

struct thread_arg {
	int prog;
	uint64_t id;
	int failed;
};

static void *producer(void *p)
{
	struct thread_arg *a = p;
	for (uint64_t i = 0; i < PER_THREAD; i++) {
		int r;
		while ((r = output(a->prog, 24, 0, a->id << 32 | i)) == -EAGAIN)
			sched_yield();
		if (r)
			a->failed++;
	}
	return NULL;
}

struct thread_seen {
	uint64_t next[THREADS];
	int bad, cnt;
};

static int check_seq(void *ctx, void *data, size_t size)
{
	struct thread_seen *s = ctx;
	uint64_t v;
	memcpy(&v, data, 8);
	uint64_t id = v >> 32, i = v & 0xffffffff;
	if (size != 24 || id >= THREADS || s->next[id] != i)
		s->bad++;
	else
		s->next[id]++;
	s->cnt++;
	return 0;
}

static void test_threads(void)
{
	int map = ring_create(16384), prog = output_prog(map);
	struct thread_seen s = { 0 };
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, check_seq, &s, NULL, NULL);
	pthread_t t[THREADS];
	struct thread_arg a[THREADS];

	if (!CHECK(rb && prog >= 0, "setup"))
		goto out;
	for (int i = 0; i < THREADS; i++) {
		a[i] = (struct thread_arg){ prog, (uint64_t)i, 0 };
		pthread_create(&t[i], NULL, producer, &a[i]);
	}
	while (s.cnt < THREADS * PER_THREAD && s.bad == 0)
		if (bpfx_ringbuf__poll(rb, 1000) < 0)
			break;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK(a[i].failed == 0, "thread %d: every output succeeded", i);
	}
	CHECK(s.cnt == THREADS * PER_THREAD && s.bad == 0,
	      "%d threads x %d records: %d received, %d out of order", THREADS, PER_THREAD, s.cnt,
	      s.bad);
out:
	bpfx_ringbuf__free(rb);
	close(prog), close(map);
}

/* A child process produces into the pinned ring; the parent sleeps in
 * poll until woken. */
static void test_two_processes(void)
{
	int map = ring_create(8192);
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, collect, s, NULL, NULL);

	if (!CHECK(rb && t_pin(map, "rb2") == 0, "setup: ring pinned"))
		goto out;
	pid_t pid = fork();
	if (pid == 0) {
		int m = t_get("rb2"), prog = m >= 0 ? output_prog(m) : -1;
		usleep(100000); /* the parent is asleep in poll by now */
		/* a full ring is retried, for 20 s at most: a consumer that
		 * gave up must not leave this process spinning */
		unsigned tries = 0;
		for (uint64_t i = 0; prog >= 0 && i < 3000; i++)
			while (output(prog, 40, 0, i) == -EAGAIN)
				if (tries++ > 200000)
					_exit(2);
				else
					usleep(100);
		_exit(prog >= 0 ? 0 : 1);
	}
	s->bytes_ok = true;
	int first = bpfx_ringbuf__poll(rb, 5000);
	CHECK(first > 0, "parent woken by the child's first record: %d", first);
	int status = t_consume_child(pid, poll_200ms, rb, &s->cnt, 3000);
	bool order = true;
	for (int i = 0; i < s->cnt && i < 3000; i++)
		order = order && s->first[i] == (uint64_t)i;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child produced");
	CHECK(s->cnt == 3000 && order && s->bytes_ok, "3000 records in order: %d", s->cnt);
out:
	bpfx_ringbuf__free(rb);
	free(s);
	close(map);
}

/* A producer process killed with a record reserved (and one killed
 * holding the reservation lock) wedges neither consumer nor producers. */
static void test_killed_producer(void)
{
	int map = ring_create(4096), prog = output_prog(map);
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, collect, s, NULL, NULL);
	int err = 0;

	if (!CHECK(rb && prog >= 0 && t_pin(map, "rbkill") == 0, "setup"))
		goto out;
	CHECK(output(prog, 8, 0, 1) == 0, "record before");
	pid_t pid = fork();
	if (pid == 0) {
		int m = t_get("rbkill");
		struct obj *o = fd_get(m, OBJ_MAP, &err);
		if (o && rb_reserve(map_of(o), 16)) /* reserved, never committed */
			atomic_store(&rb_shared(map_of(o))->lock, (unsigned)getpid());
		raise(SIGKILL);
		_exit(1);
	}
	waitpid(pid, NULL, 0);
	CHECK(output(prog, 8, 0, 3) == 0, "a producer takes the lock of the dead one over");
	int got = 0;
	for (int i = 0; i < 20 && s->cnt < 2; i++)
		got += bpfx_ringbuf__poll(rb, -1);
	CHECK(s->cnt == 2 && s->first[0] == 1 && s->first[1] == 3,
	      "the dead producer's record is skipped: %d records", s->cnt);
out:
	bpfx_ringbuf__free(rb);
	free(s);
	close(prog), close(map);
}

/* libbpf's view: mmap(fd, 0, page) for consumer_pos, mmap(fd, page,
 * page + 2N, read-only) for producer_pos and the data. */
static void test_kernel_layout(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int map = ring_create(4096), prog = output_prog(map);
	uint64_t *cons = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, map, 0);
	uint8_t *ro = mmap(NULL, (size_t)page + 2 * 4096, PROT_READ, MAP_SHARED, map, page);

	if (!CHECK(cons != MAP_FAILED && ro != MAP_FAILED && prog >= 0, "mmap of the map fd"))
		return;
	const volatile uint64_t *prod = (const void *)ro;
	const uint8_t *data = ro + page;
	int ok = 0;
	for (uint64_t i = 0; i < 40; i++) { /* 520-byte records: crossing the end */
		if (output(prog, 512, 0, 1000 + i))
			break;
		uint64_t c = *cons;
		if (*prod != c + 520)
			break;
		uint32_t len;
		memcpy(&len, data + (c & 4095), 4);
		uint64_t v;
		memcpy(&v, data + (c & 4095) + 8, 8);
		if (len != 512 || v != 1000 + i || data[(c & 4095) + 8 + 511] != (uint8_t)(1000 + i))
			break;
		*cons = c + 520;
		ok++;
	}
	CHECK(ok == 40, "40 records read through the kernel's layout: %d", ok);
	munmap(cons, (size_t)page);
	munmap(ro, (size_t)page + 2 * 4096);
	close(prog), close(map);
}

/* Another process may scribble over the shared file: a record claiming
 * more than the ring holds is refused, never read past the mapping. */
static void test_corrupt_record(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int map = ring_create(4096), prog = output_prog(map);
	struct seen s = { 0 };
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, collect, &s, NULL, NULL);
	uint8_t *data = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, map, 2 * page);

	if (CHECK(rb && data != MAP_FAILED && output(prog, 8, 0, 1) == 0, "setup")) {
		uint32_t len = 1u << 20;
		memcpy(data, &len, 4);
		CHECK(bpfx_ringbuf__consume(rb) == -EINVAL && s.cnt == 0,
		      "a 1 MiB record in a 4 KiB ring: -EINVAL");
		munmap(data, 2 * 4096);
	}
	bpfx_ringbuf__free(rb);
	close(prog), close(map);
}

static void test_checked_runs(void)
{
	int map = ring_create(4096), res = reserve_prog(map), dbl = double_submit_prog(map), ret;
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)dbl } };
	struct out_ctx c = { .size = 16, .mode = 2 };

	CHECK(run(res, &c, &ret) == -EFAULT, "writing past the reserved record faults");
	CHECK(t_sys(BPF_PROG_TEST_RUN, &t) == -EFAULT, "submitting a record twice faults");
	/* The faulted run's record was discarded when the run ended: the
	 * ring goes on (a busy record would stop the consumer for good). */
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, collect, s, NULL, NULL);
	c = (struct out_ctx){ .size = 8, .value = 4242 };
	CHECK(run(res, &c, &ret) == 0 && ret == 0, "reserve + submit after the faults");
	CHECK(rb && bpfx_ringbuf__consume(rb) == 2 && s->first[0] == 0 && s->first[1] == 4242,
	      "the faulted run's record was discarded, the next ones arrive (%d)", s->cnt);
	bpfx_ringbuf__free(rb);
	int err = 0;
	CHECK(!bpfx_ringbuf__new(res, collect, s, NULL, &err) && err == -EINVAL,
	      "consumer of a program fd: EINVAL (%d)", err);
	int arr = t_map_create(BPF_MAP_TYPE_ARRAY, 1);
	CHECK(!bpfx_ringbuf__new(arr, collect, s, NULL, &err) && err == -EINVAL,
	      "consumer of an array: EINVAL");
	free(s);
	close(arr), close(res), close(dbl), close(map);
}

/* Runs `bpfx [-j] ringbuf rbcli count 2` while records arrive; returns
 * what it printed (malloc'd) or NULL. */
static char *cli_output(int prog, bool json)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char bin[256];
	int pfd[2];
	static char buf[4096];
	size_t len = 0;

	snprintf(bin, sizeof(bin), "%s/bpfx", build);
	if (pipe(pfd))
		return NULL;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		if (json)
			execl(bin, "bpfx", "-j", "ringbuf", "pinned", "rbcli", "count", "2", (char *)NULL);
		else
			execl(bin, "bpfx", "ringbuf", "rbcli", "count", "2", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	output(prog, 4, 0, 0x04030201);
	usleep(50000); /* the second one wakes a sleeping consumer */
	output(prog, 18, 0, 0x0807060504030201ull);
	ssize_t n;
	while ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(pfd[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? buf : NULL;
}

static void test_cli(void)
{
	int map = ring_create(4096), prog = output_prog(map);
	if (!CHECK(prog >= 0 && t_pin(map, "rbcli") == 0, "setup"))
		return;
	const char *text = cli_output(prog, false);
	const char *want = "record 0: 4 bytes\n  01 02 03 04\n"
			   "record 1: 18 bytes\n  01 02 03 04 05 06 07 08 01 01 01 01 01 01 01 01\n"
			   "  01 01\n";
	CHECK(text && !strcmp(text, want), "bpfx ringbuf prints a hex dump:\n%s", text);
	const char *json = cli_output(prog, true);
	const char *want_json =
		"{\"record\":0,\"size\":4,\"data\":[\"0x01\",\"0x02\",\"0x03\",\"0x04\"]}\n{\"record\":1,";
	CHECK(json && !strncmp(json, want_json, strlen(want_json)), "bpfx -j ringbuf: JSON:\n%s",
	      json);
	close(prog), close(map);
}

/* Without a bpffs root a ring lives in a memfd, which inotify does not
 * report on: the consumer ticks instead, and a poll still returns the
 * records soon after they arrive. Runs in a fresh process (the root is
 * chosen once per process): `test_ringbuf memfd`. */
static void *late_output(void *arg)
{
	usleep(50000);
	output(*(int *)arg, 8, 0, 99);
	return NULL;
}

static int memfd_child(void)
{
	int map = ring_create(4096), out = output_prog(map);
	struct seen *s = calloc(1, sizeof(*s));
	struct bpfx_ringbuf *rb = bpfx_ringbuf__new(map, collect, s, NULL, NULL);
	pthread_t t;

	CHECK(!bpfx_bpffs_root(), "no bpffs root here");
	if (CHECK(rb && out >= 0, "ring in a memfd, with a consumer")) {
		pthread_create(&t, NULL, late_output, &out);
		CHECK(bpfx_ringbuf__poll(rb, 5000) == 1 && s->first[0] == 99,
		      "poll returns a record written while it waited");
		pthread_join(t, NULL);
	}
	bpfx_ringbuf__free(rb);
	free(s);
	return t_done("test_ringbuf_memfd");
}

/* A consumer position whose bytes read as a map header's magic and
 * version must not hide the real header from another process. */
static void test_lookalike_header(void)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	long page = sysconf(_SC_PAGESIZE);
	int map = ring_create(4096);
	uint64_t *cons = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, map, 0);
	char cmd[512];

	if (!CHECK(cons != MAP_FAILED && t_pin(map, "rblook") == 0, "setup"))
		return;
	*cons = (uint64_t)MAP_LAYOUT_VERSION << 32 | MAP_HDR_MAGIC;
	snprintf(cmd, sizeof(cmd), "%s/bpfx map show pinned rblook | grep -q 'ringbuf  name'",
		 build);
	CHECK(system(cmd) == 0, "another process opens the ring all the same");
	munmap(cons, (size_t)page);
	close(map);
}

static void test_memfd(const char *self)
{
	char line[256] = "";
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "BPFX_FS=/dev/null/none %s memfd", self);
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		;
	int rc = p ? pclose(p) : -1;
	CHECK(rc == 0 && strstr(line, ": 3 passed, 0 failed"), "memfd ring: %s", line);
}

int main(int argc, char **argv)
{
	/* Some programs here are ones the kernel's verifier refuses, on
	 * purpose: they test checked mode's refusals of bad helper arguments. They load unverified (and run checked), as
	 * a user asks with BPFX_VERIFY=0. */
	setenv("BPFX_VERIFY", "0", 1);
	if (argc > 1 && !strcmp(argv[1], "memfd"))
		return memfd_child();
	snprintf(root, sizeof(root), "/tmp/bpfx-rb-test-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	setenv("BPFX_FS", root, 1);
	test_create();
	test_order_discard_query();
	test_wakeup_flags();
	test_wrap_and_full();
	test_threads();
	test_two_processes();
	test_killed_producer();
	test_kernel_layout();
	test_corrupt_record();
	test_checked_runs();
	test_cli();
	test_memfd(argv[0]);
	test_lookalike_header();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", root);
	return t_done("test_ringbuf");
}
