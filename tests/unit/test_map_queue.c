/* SPDX-License-Identifier: MIT */
/*
 * Maps without keys (src/maps/queue_stack.c, src/maps/bloom.c): queue and
 * stack order, fullness and BPF_EXIST's overwrite of the oldest value,
 * the bpf() commands they map onto, bloom filters (no false negatives,
 * the kernel's sizing and default of 5 hashes, a false-positive rate in
 * line with the sizing), threads pushing and popping at once (every value
 * out exactly once), and processes killed while pushing and popping, one
 * inside the lock (nothing wedges, nothing is lost but the dead one's
 * value). tests/suites/maps_kernel_q.sh compares all of it with the
 * kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kmap.h"
#include "maps/map.h"
#include "tcheck.h"
#include "tinsn.h"

static struct map *mk(uint32_t type, uint32_t vs, uint32_t max, uint32_t flags, uint64_t extra)
{
	union bpf_attr a = { .map_type = type, .value_size = vs, .max_entries = max,
			     .map_flags = flags, .map_extra = extra };
	int err = 0;
	struct map *m = map_create(&a, &err);

	CHECK(m, "create type %u: %d", type, err);
	return m;
}

static int push(struct map *m, uint32_t v, uint64_t flags)
{
	return m->ops->push(m, &v, flags);
}

static long pop(struct map *m, bool remove)
{
	uint32_t v = 0xeeeeeeee;
	int err = m->ops->pop(m, &v, remove);

	return err ? err : (long)v;
}

/* Pops (or peeks) once and checks the value or errno. */
static void expect_pop(struct map *m, bool remove, long want, const char *what)
{
	long got = pop(m, remove);

	CHECK(got == want, "%s: got %ld, want %ld", what, got, want);
}

static void test_order(void)
{
	struct map *q = mk(BPF_MAP_TYPE_QUEUE, 4, 3, 0, 0);
	struct map *s = mk(BPF_MAP_TYPE_STACK, 4, 3, 0, 0);

	if (!q || !s)
		goto out;
	for (uint32_t i = 1; i <= 3; i++)
		CHECK(push(q, i, BPF_ANY) == 0 && push(s, i, BPF_ANY) == 0, "push %u", i);
	CHECK(push(q, 4, BPF_ANY) == -E2BIG && push(s, 4, BPF_ANY) == -E2BIG, "full: E2BIG");
	CHECK(push(q, 4, BPF_NOEXIST) == -EINVAL && push(s, 4, 3) == -EINVAL, "bad flags");
	expect_pop(q, false, 1, "queue peek: the oldest");
	expect_pop(s, false, 3, "stack peek: the newest");
	CHECK(push(q, 4, BPF_EXIST) == 0 && push(s, 4, BPF_EXIST) == 0, "full, BPF_EXIST");
	expect_pop(q, true, 2, "queue: 1 was overwritten");
	expect_pop(q, true, 3, "queue pop 3");
	expect_pop(q, true, 4, "queue pop 4");
	expect_pop(q, true, -ENOENT, "queue empty");
	expect_pop(s, true, 4, "stack pop 4");
	expect_pop(s, true, 3, "stack pop 3");
	expect_pop(s, true, 2, "stack: its bottom value (1) was dropped");
	expect_pop(s, false, -ENOENT, "stack empty");
	for (uint32_t i = 0; i < 10; i++) /* round and round the ring */
		CHECK(push(q, i, 0) == 0 && pop(q, true) == (long)i, "ring %u", i);
out:
	tmap_free(q);
	tmap_free(s);
}

static int sys(int cmd, union bpf_attr *a)
{
	int r = bpfx_bpf(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

/* What bpf() maps onto queues: update pushes, lookup peeks, lookup and
 * delete pops, the rest is refused; no key pointer is allowed. */
static void test_commands(void)
{
	union bpf_attr c = { .map_type = BPF_MAP_TYPE_QUEUE, .value_size = 4, .max_entries = 2 };
	uint32_t v = 5, out = 0, key = 0;
	int fd = sys(BPF_MAP_CREATE, &c);

	if (!CHECK(fd >= 0, "queue by bpf(): %d", fd))
		return;
	union bpf_attr a = { .map_fd = (uint32_t)fd, .value = (uintptr_t)&v };
	CHECK(sys(BPF_MAP_UPDATE_ELEM, &a) == 0, "update pushes");
	a.value = (uintptr_t)&out;
	CHECK(sys(BPF_MAP_LOOKUP_ELEM, &a) == 0 && out == 5, "lookup peeks");
	a.key = (uintptr_t)&key;
	CHECK(sys(BPF_MAP_LOOKUP_ELEM, &a) == -EINVAL, "a key: EINVAL");
	a.key = 0;
	a.flags = BPF_F_LOCK;
	CHECK(sys(BPF_MAP_LOOKUP_ELEM, &a) == -EINVAL, "BPF_F_LOCK: EINVAL");
	CHECK(sys(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a) == -EINVAL, "pop with flags: EINVAL");
	a.flags = 0;
	CHECK(sys(BPF_MAP_DELETE_ELEM, &a) == -EINVAL, "delete: EINVAL");
	a.next_key = (uintptr_t)&key;
	CHECK(sys(BPF_MAP_GET_NEXT_KEY, &a) == -EINVAL, "get_next_key: EINVAL");
	a.value = (uintptr_t)&out; /* next_key shares its place */
	out = 0;
	CHECK(sys(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a) == 0 && out == 5, "lookup and delete pops");
	out = 77;
	CHECK(sys(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a) == -ENOENT && out == 77,
	      "empty: ENOENT, the buffer untouched");
	union bpf_attr b = { .batch = { .map_fd = (uint32_t)fd, .count = 1 } };
	CHECK(sys(BPF_MAP_LOOKUP_BATCH, &b) == -524, "batches: ENOTSUPP");
	close(fd);
}

/* Runs a program that calls helper `id` on map fd with a buffer at
 * fp-8 (pre-filled with `fill`); returns (the helper's result << 16) |
 * the buffer's first 2 bytes, in 32 bits (test_run's retval). */
static uint64_t run_helper(int fd, int id, uint32_t fill, uint64_t flags)
{
	struct bpf_insn p[] = {
		ST(BPF_DW, 10, -8, 0), ST(BPF_W, 10, -8, (int32_t)fill),
		RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, fd), LDDW_HI(0),
		MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -8), MOV64_IMM(3, (int32_t)flags),
		CALL(id),
		ALU64_IMM(BPF_LSH, 0, 16), LDX(BPF_H, 1, 10, -8), ALU64_REG(BPF_OR, 0, 1),
		EXIT(),
	};
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER, .insns = (uintptr_t)p,
			     .insn_cnt = sizeof(p) / sizeof(p[0]), .license = (uintptr_t)"GPL" };
	unsigned char data[64] = { 0 };
	int pfd = sys(BPF_PROG_LOAD, &a);

	if (pfd < 0)
		return (uint64_t)pfd;
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)pfd, .data_in = (uintptr_t)data,
				       .data_size_in = sizeof(data), .repeat = 1 } };
	int r = sys(BPF_PROG_TEST_RUN, &t);
	close(pfd);
	return r ? (uint64_t)r : t.test.retval;
}

static uint32_t ret16(int err, uint32_t buf)
{
	return ((uint32_t)err << 16) | buf;
}

/* bpf_map_push_elem / pop / peek from a program (test_run's retval is
 * 32 bits: the checks use what fits). */
static void test_helpers(void)
{
	union bpf_attr c = { .map_type = BPF_MAP_TYPE_STACK, .value_size = 4, .max_entries = 1 };
	union bpf_attr cb = { .map_type = BPF_MAP_TYPE_BLOOM_FILTER, .value_size = 4,
			      .max_entries = 8 };
	int fd = sys(BPF_MAP_CREATE, &c), bfd = sys(BPF_MAP_CREATE, &cb);

	if (!CHECK(fd >= 0 && bfd >= 0, "maps for the helpers"))
		return;
	CHECK(run_helper(fd, BPF_FUNC_map_push_elem, 0x1234, 0) == 0x1234, "program push");
	CHECK(run_helper(fd, BPF_FUNC_map_push_elem, 0x5678, 0) == ret16(-E2BIG, 0x5678), "full");
	CHECK(run_helper(fd, BPF_FUNC_map_push_elem, 0x5678, 1) == ret16(-EINVAL, 0x5678),
	      "BPF_NOEXIST");
	CHECK(run_helper(fd, BPF_FUNC_map_peek_elem, 0xffff, 0) == 0x1234, "program peek");
	CHECK(run_helper(fd, BPF_FUNC_map_pop_elem, 0xffff, 0) == 0x1234, "program pop");
	CHECK(run_helper(fd, BPF_FUNC_map_pop_elem, 0xffff, 0) == ret16(-ENOENT, 0),
	      "empty: ENOENT, the buffer zeroed");
	CHECK(run_helper(bfd, BPF_FUNC_map_peek_elem, 0x42, 0) == ret16(-ENOENT, 0x42) &&
	      run_helper(bfd, BPF_FUNC_map_push_elem, 0x42, 0) == 0x42 &&
	      run_helper(bfd, BPF_FUNC_map_peek_elem, 0x42, 0) == 0x42 &&
	      run_helper(bfd, BPF_FUNC_map_pop_elem, 0x42, 0) == ret16(-EOPNOTSUPP, 0x42),
	      "bloom filter: peek, push, peek, pop");
	close(fd);
	close(bfd);
	c.map_flags = BPF_F_RDONLY_PROG;
	fd = sys(BPF_MAP_CREATE, &c);
	CHECK(run_helper(fd, BPF_FUNC_map_push_elem, 1, 0) == (uint64_t)(int64_t)-EFAULT &&
	      run_helper(fd, BPF_FUNC_map_pop_elem, 1, 0) == (uint64_t)(int64_t)-EFAULT &&
	      run_helper(fd, BPF_FUNC_map_peek_elem, 1, 0) == ret16(-ENOENT, 0),
	      "read-only for programs: push and pop stop the run (EFAULT), peek works");
	close(fd);
}

static void test_bloom(void)
{
	struct map *b = mk(BPF_MAP_TYPE_BLOOM_FILTER, 8, 1000, 0, 0);
	struct map *z = mk(BPF_MAP_TYPE_BLOOM_FILTER, 3, 1, BPF_F_ZERO_SEED, 15);
	int missing = 0, positives = 0;

	if (!b || !z)
		goto out;
	/* 1000 entries * 5 hashes * 7/5 = 7000 bits: 8192, after a header. */
	CHECK(b->hdr->size - b->hdr->data_off == 64 + 8192 / 8, "bit array of 8192 bits");
	for (uint64_t v = 0; v < 1000; v++)
		missing += b->ops->push(b, &v, BPF_ANY) != 0;
	for (uint64_t v = 0; v < 1000; v++)
		missing += b->ops->pop(b, &v, false) != 0;
	for (uint64_t v = 1000; v < 11000; v++)
		positives += b->ops->pop(b, &v, false) == 0;
	CHECK(missing == 0, "pushes, and no false negatives (%d)", missing);
	/* 5 hashes, 8192 bits, 1000 values: about 4.6% false positives. */
	CHECK(positives > 150 && positives < 1000, "false positives: %d of 10000", positives);
	uint64_t v = 1;
	CHECK(b->ops->push(b, &v, BPF_EXIST) == -EINVAL, "push flags must be BPF_ANY");
	CHECK(b->ops->pop(b, &v, true) == -EOPNOTSUPP, "no pop");
	CHECK(b->ops->delete(b, &v) == -EOPNOTSUPP, "no delete");
	CHECK(b->ops->get_next_key(b, NULL, &v) == -EOPNOTSUPP, "no get_next_key");
	/* 1 entry, 15 hashes: the smallest array, 64 bits. */
	CHECK(z->hdr->size - z->hdr->data_off == 64 + 8, "bit array of 64 bits");
	uint8_t x[3] = { 1, 2, 3 };
	CHECK(z->ops->pop(z, x, false) == -ENOENT && z->ops->push(z, x, 0) == 0 &&
	      z->ops->pop(z, x, false) == 0, "3-byte values");
out:
	tmap_free(b);
	tmap_free(z);
}

/* Two producers and two consumers on one queue: every value comes out
 * exactly once. */
#define PER_THREAD 20000

struct mt {
	struct map *m;
	atomic_uint popped;
	atomic_uchar seen[2 * PER_THREAD];
	atomic_int dup;
};

struct mt_arg {
	struct mt *mt;
	uint32_t id;
};

static void *producer(void *p)
{
	struct mt_arg *a = p;
	for (uint32_t i = 0; i < PER_THREAD;) /* full: wait for the consumers */
		i += push(a->mt->m, a->id * PER_THREAD + i, 0) == 0;
	return NULL;
}

static void *consumer(void *p)
{
	struct mt *mt = ((struct mt_arg *)p)->mt;
	while (atomic_load(&mt->popped) < 2 * PER_THREAD) {
		long v = pop(mt->m, true);
		if (v < 0)
			continue;
		if (v >= 2 * PER_THREAD || atomic_exchange(&mt->seen[v], 1))
			atomic_fetch_add(&mt->dup, 1);
		atomic_fetch_add(&mt->popped, 1);
	}
	return NULL;
}

static void test_threads(uint32_t type)
{
	static struct mt mt;
	struct mt_arg args[4];
	pthread_t t[4];

	memset(&mt, 0, sizeof(mt));
	if (!(mt.m = mk(type, 4, 64, 0, 0)))
		return;
	for (uint32_t i = 0; i < 4; i++) {
		args[i] = (struct mt_arg){ &mt, i % 2 };
		pthread_create(&t[i], NULL, i < 2 ? producer : consumer, &args[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	int missing = 0;
	for (uint32_t v = 0; v < 2 * PER_THREAD; v++)
		missing += !mt.seen[v];
	CHECK(missing == 0 && mt.dup == 0, "type %u: 2x%d values through 4 threads: %d missing, "
	      "%d duplicated", type, PER_THREAD, missing, mt.dup);
	tmap_free(mt.m);
}

/* Processes pushing and popping killed at random instants, then one that
 * dies holding the lock: the queue goes on working, and holds what was
 * pushed minus what was popped, give or take the dead ones' values. */
static void test_killed(uint32_t type)
{
	struct map *m = mk(type, 8, 100, 0, 0);
	uint64_t seed = 77;
	int bad = 0, status;

	if (!m)
		return;
	for (int round = 0; round < 30; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			uint64_t v = 0;
			for (;; v++) {
				m->ops->push(m, &v, BPF_EXIST);
				m->ops->pop(m, &v, v % 2);
			}
		}
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		usleep((useconds_t)(seed % 2000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		uint64_t v = 42, out = 0;
		bad += m->ops->push(m, &v, BPF_EXIST) != 0;
		bad += m->ops->pop(m, &out, false) != 0;
	}
	pid_t pid = fork();
	if (pid == 0) { /* the lock is the first field of the map's data */
		pthread_mutex_lock((pthread_mutex_t *)m->data);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	uint64_t v = 7, out = 0, n = 0;
	bad += m->ops->push(m, &v, BPF_EXIST) != 0;
	while (m->ops->pop(m, &out, true) == 0 && n < 1000)
		n++;
	bad += n == 0 || n > 100;
	bad += m->ops->push(m, &v, 0) != 0 || m->ops->pop(m, &out, true) != 0 || out != 7;
	CHECK(bad == 0, "type %u: 30 processes killed, one inside the lock: %d bad", type, bad);
	tmap_free(m);
}

/* Another mapping of the same queue (a second process's view of a pin)
 * pops what the first pushed; a bloom filter's view sees its bits. */
static void test_two_views(void)
{
	struct map *q = mk(BPF_MAP_TYPE_QUEUE, 4, 4, 0, 0);
	struct map *b = mk(BPF_MAP_TYPE_BLOOM_FILTER, 4, 16, 0, 0), *qv = NULL, *bv = NULL;
	int err = 0;
	uint32_t x = 1234;

	if (!q || !b || !CHECK((qv = tmap_view(q, &err)) && (bv = tmap_view(b, &err)), "views"))
		goto out;
	CHECK(push(q, 1, 0) == 0 && push(qv, 2, 0) == 0, "pushes through both");
	expect_pop(qv, true, 1, "the view pops the map's value");
	expect_pop(q, true, 2, "the map pops the view's value");
	CHECK(b->ops->push(b, &x, 0) == 0 && bv->ops->pop(bv, &x, false) == 0,
	      "a bloom filter's view has the value (same seed, same bits)");
out:
	tmap_free(qv);
	tmap_free(bv);
	tmap_free(q);
	tmap_free(b);
}

/* Threads pushing distinct values into one bloom filter at once: none
 * is lost (the bits are set with atomic ORs). */
struct bloom_arg {
	struct map *m;
	uint32_t base;
};

static void *bloom_pusher(void *p)
{
	struct bloom_arg *a = p;
	for (uint32_t i = 0; i < 5000; i++) {
		uint32_t v = a->base + i;
		a->m->ops->push(a->m, &v, 0);
	}
	return NULL;
}

static void test_bloom_threads(void)
{
	struct map *m = mk(BPF_MAP_TYPE_BLOOM_FILTER, 4, 20000, 0, 2);
	struct bloom_arg args[4];
	pthread_t t[4];
	int missing = 0;

	if (!m)
		return;
	for (uint32_t i = 0; i < 4; i++) {
		args[i] = (struct bloom_arg){ m, i * 5000 };
		pthread_create(&t[i], NULL, bloom_pusher, &args[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (uint32_t v = 0; v < 20000; v++)
		missing += m->ops->pop(m, &v, false) != 0;
	CHECK(missing == 0, "4 threads x 5000 pushes: %d missing", missing);
	tmap_free(m);
}

int main(void)
{
	test_order();
	test_commands();
	test_bloom();
	test_helpers();
	test_threads(BPF_MAP_TYPE_QUEUE);
	test_threads(BPF_MAP_TYPE_STACK);
	test_killed(BPF_MAP_TYPE_QUEUE);
	test_killed(BPF_MAP_TYPE_STACK);
	test_two_views();
	test_bloom_threads();
	return t_done("map_queue");
}
