/* SPDX-License-Identifier: MIT */
/*
 * The ringbuf benchmark (bench/run.sh builds it into
 * $BUILD/bench/ringbuf_bench): records per second from a program to a
 * user-space consumer on another thread, in bpfx and in the kernel,
 * measured the same way on both sides.
 *
 * A syscall program writes RECS_PER_RUN 64-byte records with
 * bpf_ringbuf_output in a loop and returns how many did not fit (-EAGAIN:
 * the ring was full); the main thread runs it through BPF_PROG_TEST_RUN
 * until TOTAL records were attempted, while a consumer thread polls the
 * ring (bpfx_ringbuf__poll, libbpf's ring_buffer__poll for the kernel)
 * and counts them. The rate is delivered records per second of wall time
 * from the first run to the last record consumed; dropped records are
 * reported beside it. Two wake-up modes: the default (a wake-up whenever
 * the consumer has caught up) and BPF_RB_NO_WAKEUP with a consumer that
 * polls with a 1 ms timeout. Rounds alternate bpfx and kernel; medians.
 *
 * Usage: ringbuf_bench [--rounds N] [--total N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>

#define RING_SIZE (4u << 20)
#define RECS_PER_RUN 256
#define REC_SIZE 64
#define MAX_ROUNDS 15

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

static int kern_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return (int)syscall(__NR_bpf, cmd, attr, size);
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static int load(bpf_fn f, int map, uint64_t flags)
{
	struct bpf_insn p[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, RECS_PER_RUN),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 0),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -64, 1), /* the record: 64 bytes of stack */
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -56, 2),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -48, 3),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -40, 4),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -32, 5),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -24, 6),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 7),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 8),
		/* loop: */
		INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 6, -64, 0),
		INSN(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map), INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -64),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, REC_SIZE),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, (int)flags),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 1),
		INSN(BPF_ALU64 | BPF_SUB | BPF_K, 6, 0, 0, 1),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 6, 0, -12, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 7, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SYSCALL,
			     .insn_cnt = sizeof(p) / sizeof(p[0]), .insns = (uintptr_t)p,
			     .license = (uintptr_t)"GPL", .prog_flags = BPF_F_SLEEPABLE };
	return f(BPF_PROG_LOAD, &a, sizeof(a));
}

/* One side under test: how to make the map and program, and its consumer. */
struct side {
	const char *name;
	bpf_fn sys;
	void *(*consumer_new)(int map, atomic_ullong *count);
	int (*poll)(void *c, int timeout_ms);
	void (*consumer_free)(void *c);
};

static int count_record(void *ctx, void *data, size_t size)
{
	(void)data, (void)size;
	atomic_fetch_add_explicit((atomic_ullong *)ctx, 1, memory_order_relaxed);
	return 0;
}

static void *bpfx_new(int map, atomic_ullong *count)
{
	return bpfx_ringbuf__new(map, count_record, count, NULL, NULL);
}
static int bpfx_poll(void *c, int t) { return bpfx_ringbuf__poll(c, t); }
static void bpfx_free(void *c) { bpfx_ringbuf__free(c); }

static int kern_count(void *ctx, void *data, size_t size)
{
	return count_record(ctx, data, size);
}
static void *kern_new(int map, atomic_ullong *count)
{
	return ring_buffer__new(map, kern_count, count, NULL);
}
/* libbpf's poll consumes only the rings epoll reported; without wake-ups
 * (BPF_RB_NO_WAKEUP) nothing is reported, so consume after a timeout too,
 * as bpfx_ringbuf__poll does. */
static int kern_poll(void *c, int t)
{
	int n = ring_buffer__poll(c, t);
	return n ? n : ring_buffer__consume(c);
}
static void kern_free(void *c) { ring_buffer__free(c); }

static const struct side sides[] = {
	{ "bpfx", bpfx_bpf, bpfx_new, bpfx_poll, bpfx_free },
	{ "kernel", kern_bpf, kern_new, kern_poll, kern_free },
};

struct consumer_arg {
	const struct side *side;
	void *c;
	atomic_ullong *count;
	atomic_int done;
	int timeout_ms;
};

static void *consume(void *p)
{
	struct consumer_arg *a = p;
	while (!atomic_load(&a->done))
		a->side->poll(a->c, a->timeout_ms);
	a->side->poll(a->c, 0);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One measurement: records/s delivered; *dropped gets the records that
 * did not fit. Negative errno when the side cannot run. */
static double measure(const struct side *s, uint64_t flags, uint64_t total, uint64_t *dropped)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_RINGBUF, .max_entries = RING_SIZE };
	int map = s->sys(BPF_MAP_CREATE, &a, sizeof(a));
	int prog = map >= 0 ? load(s->sys, map, flags) : -1;
	atomic_ullong count = 0;
	struct consumer_arg ca = { s, NULL, &count, 0, flags & BPF_RB_NO_WAKEUP ? 1 : 100 };
	double rate = -errno;
	pthread_t t;

	if (prog < 0 || !(ca.c = s->consumer_new(map, &count)))
		goto out;
	pthread_create(&t, NULL, consume, &ca);
	uint64_t attempted = 0, lost = 0;
	double t0 = now_s();
	while (attempted < total) {
		union bpf_attr r = { .test = { .prog_fd = (uint32_t)prog } };
		if (s->sys(BPF_PROG_TEST_RUN, &r, sizeof(r)) < 0)
			break;
		attempted += RECS_PER_RUN;
		lost += r.test.retval;
	}
	while (atomic_load(&count) < attempted - lost && now_s() - t0 < 30)
		sched_yield();
	double t1 = now_s();
	atomic_store(&ca.done, 1);
	pthread_join(t, NULL);
	*dropped = lost;
	rate = (double)(attempted - lost) / (t1 - t0);
	s->consumer_free(ca.c);
out:
	if (prog >= 0)
		close(prog);
	if (map >= 0)
		close(map);
	return rate;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int rounds = 5;
	uint64_t total = 2000000;
	static const struct { const char *name; uint64_t flags; } modes[] = {
		{ "wake-up when caught up", 0 }, { "BPF_RB_NO_WAKEUP, 1 ms polls", BPF_RB_NO_WAKEUP },
	};

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--total"))
			total = strtoull(argv[i + 1], NULL, 0);
	}
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 5;
	printf("\nringbuf: 64-byte records, program -> consumer thread (%d rounds of %llu "
	       "records, median; 4 MiB ring)\n", rounds, (unsigned long long)total);
	printf("  %-30s %16s %16s %10s\n", "mode", "bpfx rec/s", "kernel rec/s", "bpfx/kern");
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		double r[2][MAX_ROUNDS], ratio[MAX_ROUNDS];
		uint64_t drops[2] = { 0, 0 };
		bool kernel_ok = true;
		for (int i = 0; i < rounds; i++)
			for (int s = 0; s < 2; s++) {
				uint64_t d = 0;
				r[s][i] = s == 1 && !kernel_ok ? -1 : measure(&sides[s], modes[m].flags,
									       total, &d);
				drops[s] += d;
				if (s == 1 && r[s][i] < 0)
					kernel_ok = false;
				if (s == 1)
					ratio[i] = r[0][i] / r[1][i];
			}
		double bx = median(r[0], rounds);
		if (kernel_ok)
			printf("  %-30s %16.0f %16.0f %10.2f\n", modes[m].name, bx,
			       median(r[1], rounds), median(ratio, rounds));
		else
			printf("  %-30s %16.0f %16s %10s\n", modes[m].name, bx, "(unavailable)", "-");
		printf("  %-30s %16llu %16llu\n", "  dropped (ring full)",
		       (unsigned long long)drops[0], (unsigned long long)drops[1]);
		if (m == 0)
			printf("  target >= 10,000,000 rec/s (bpfx, default wake-ups): %s\n",
			       bx >= 1e7 ? "MET" : "NOT MET");
	}
	return 0;
}
