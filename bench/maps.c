/* SPDX-License-Identifier: MIT */
/*
 * The map benchmark (bench/run.sh builds it into $BUILD/bench/maps_bench):
 * hash and array lookups with a 4-byte key, in bpfx and in the kernel,
 * measured the same way on both sides, and the issue #4 targets.
 *
 *  - From a program: an XDP program does LOOKUPS_PER_RUN
 *    bpf_map_lookup_elem calls in a bounded loop (keys 1..LOOKUPS_PER_RUN,
 *    all present) and returns how many hit; BPF_PROG_TEST_RUN runs it
 *    RUN_REPEAT times per call. ns per lookup = wall time / lookups, the
 *    run overhead included on both sides. The same instructions are
 *    loaded into both.
 *  - From user space: BPF_MAP_LOOKUP_ELEM through bpfx_bpf() and
 *    bpfx_map_handle__lookup (the direct API: no descriptor check, no
 *    system call) against the kernel's bpf() syscall; the speedup column
 *    and the 10x target compare the direct API with the syscall.
 *  - Throughput of update + lookup pairs from user space with 1 and 2
 *    threads (each thread its own keys of one shared map).
 *
 * Rounds alternate bpfx and kernel; every figure is the median over the
 * rounds, a ratio the median of the per-round ratios. Without a usable
 * bpf() the kernel column says so and its targets are not judged.
 *
 * Usage: maps_bench [--rounds N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#define NKEYS 1024
#define LOOKUPS_PER_RUN 100
#define RUN_REPEAT 2000
#define USER_OPS 200000
#define THREAD_OPS 1000000
#define MAX_ROUNDS 15
#define VALUE_BUF 8192 /* room for a per-CPU value of up to 1024 CPUs */

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

static int kern_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return (int)syscall(__NR_bpf, cmd, attr, size);
}

struct side {
	const char *name;
	bpf_fn f;
};

static const struct side sides[2] = { { "bpfx", bpfx_bpf }, { "kernel", kern_bpf } };

static const struct {
	const char *name;
	uint32_t type;
} types[] = {
	{ "HASH", BPF_MAP_TYPE_HASH },
	{ "LRU_HASH", BPF_MAP_TYPE_LRU_HASH },
	{ "PERCPU_HASH", BPF_MAP_TYPE_PERCPU_HASH },
	{ "LRU_PERCPU_HASH", BPF_MAP_TYPE_LRU_PERCPU_HASH },
	{ "ARRAY", BPF_MAP_TYPE_ARRAY },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int map_update(bpf_fn f, int fd, uint32_t key, void *val)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key,
			     .value = (uintptr_t)val };
	return f(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
}

static int map_lookup(bpf_fn f, int fd, uint32_t key, void *val)
{
	union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&key,
			     .value = (uintptr_t)val };
	return f(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a));
}

/* A map of `type` with 4-byte keys and 8-byte values, keys 0..NKEYS-1
 * present (max_entries 2 * NKEYS so that LRU maps never evict). */
static int make_map(bpf_fn f, uint32_t type)
{
	static uint64_t val[VALUE_BUF / 8];
	union bpf_attr a = { .map_type = type, .key_size = 4, .value_size = 8,
			     .max_entries = type == BPF_MAP_TYPE_ARRAY ? NKEYS : 2 * NKEYS };
	int fd = f(BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0)
		return -1;
	for (uint32_t k = 0; k < NKEYS; k++) {
		val[0] = k;
		if (map_update(f, fd, k, val)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* XDP: for key in LOOKUPS_PER_RUN..1: hits += lookup(map, &key) != NULL. */
static int load_prog(bpf_fn f, int map)
{
	struct bpf_insn p[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, LOOKUPS_PER_RUN),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 0),
		/* loop: */
		INSN(BPF_STX | BPF_MEM | BPF_W, 10, 6, -4, 0),
		INSN(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map), INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 1),
		INSN(BPF_ALU64 | BPF_SUB | BPF_K, 6, 0, 0, 1),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 6, 0, -10, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 7, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_XDP,
			     .insn_cnt = sizeof(p) / sizeof(p[0]), .insns = (uintptr_t)p,
			     .license = (uintptr_t)"GPL" };
	return f(BPF_PROG_LOAD, &a, sizeof(a));
}

/* ns per lookup from the program, or -1 (with the reason on stderr). */
static double time_prog(bpf_fn f, int prog)
{
	uint8_t pkt[64] = { 0 };
	union bpf_attr a = { 0 };
	a.test.prog_fd = (uint32_t)prog;
	a.test.data_in = (uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.repeat = RUN_REPEAT;
	double t0 = now_ns();
	int err = f(BPF_PROG_TEST_RUN, &a, sizeof(a));
	double t = now_ns() - t0;
	if (err || a.test.retval != LOOKUPS_PER_RUN) {
		fprintf(stderr, "maps_bench: test_run: %s, %u hits\n", err ? strerror(errno) : "ok",
			a.test.retval);
		return -1;
	}
	return t / ((double)RUN_REPEAT * LOOKUPS_PER_RUN);
}

/* ns per BPF_MAP_LOOKUP_ELEM from user space, or -1. */
static double time_user(bpf_fn f, int fd)
{
	static uint64_t val[VALUE_BUF / 8];
	double t0 = now_ns();
	for (uint32_t i = 0; i < USER_OPS; i++)
		if (map_lookup(f, fd, i % NKEYS, val))
			return -1;
	return (now_ns() - t0) / USER_OPS;
}

/* ns per bpfx_map_handle__lookup (bpfx's direct API), or -1. */
static double time_direct(int fd)
{
	static uint64_t val[VALUE_BUF / 8];
	int err;
	struct bpfx_map_handle *h = bpfx_map_handle__get(fd, &err);
	if (!h)
		return -1;
	double t0 = now_ns();
	for (uint32_t i = 0; i < USER_OPS && !err; i++) {
		uint32_t k = i % NKEYS;
		err = bpfx_map_handle__lookup(h, &k, val, 0);
	}
	double t = (now_ns() - t0) / USER_OPS;
	bpfx_map_handle__put(h);
	return err ? -1 : t;
}

/* A thread of the throughput figure: bpfx through its direct API (its
 * fastest user-space path), the kernel through bpf(). */
struct worker {
	bpf_fn f;
	int fd;
	struct bpfx_map_handle *h; /* bpfx: set; the kernel: NULL */
	uint32_t first; /* this thread's keys: first .. first + NKEYS/2 - 1 */
	int err;
	double cpu_ns;  /* the thread's CPU time */
};

static double thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t val[VALUE_BUF / 8] = { 0 };
	uint32_t ops = w->h ? THREAD_OPS : THREAD_OPS / 10; /* the syscall is slower */
	double c0 = thread_cpu_ns();
	for (uint32_t i = 0; i < ops && !w->err; i++) {
		uint32_t k = w->first + i % (NKEYS / 2);
		val[0] = i;
		if (w->h)
			w->err = bpfx_map_handle__update(w->h, &k, val, 0) ||
				 bpfx_map_handle__lookup(w->h, &k, val, 0);
		else if (map_update(w->f, w->fd, k, val) || map_lookup(w->f, w->fd, k, val))
			w->err = -1;
	}
	w->cpu_ns = thread_cpu_ns() - c0;
	return NULL;
}

/* Million update+lookup pairs per second of wall time with `n` threads,
 * or -1; *per_cpu: the same per second of the threads' CPU time (which
 * the other load on the machine does not change). */
static double time_threads(bpf_fn f, int fd, int n, double *per_cpu)
{
	pthread_t th[2];
	struct worker w[2];
	int err = 0;
	struct bpfx_map_handle *h = f == bpfx_bpf ? bpfx_map_handle__get(fd, &err) : NULL;
	if (err)
		return -1;
	double t0 = now_ns();
	for (int i = 0; i < n; i++) {
		w[i] = (struct worker){ f, fd, h, (uint32_t)i * (NKEYS / 2), 0, 0 };
		if (pthread_create(&th[i], NULL, work, &w[i]))
			return -1;
	}
	double cpu = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		err |= w[i].err;
		cpu += w[i].cpu_ns;
	}
	double t = now_ns() - t0;
	bpfx_map_handle__put(h);
	double ops = (double)n * (h ? THREAD_OPS : THREAD_OPS / 10);
	*per_cpu = ops / cpu * 1e3;
	return err ? -1 : ops / t * 1e3;
}

/* The measurements of one side, per round. */
struct results {
	double prog[NTYPES][MAX_ROUNDS];  /* ns per lookup from a program */
	double user[NTYPES][MAX_ROUNDS];  /* ns per lookup from user space */
	double direct[NTYPES][MAX_ROUNDS]; /* bpfx only: bpfx_map_handle__lookup */
	double thr[2][MAX_ROUNDS];        /* Mpairs/s on HASH, 1 and 2 threads */
	double cpu[2][MAX_ROUNDS];        /* the same per CPU-second */
	bool ok;
};

static struct results res[2];

/* One round of everything on one side; false when something failed. */
static bool round_side(int s, int r)
{
	bpf_fn f = sides[s].f;
	for (size_t t = 0; t < NTYPES; t++) {
		int fd = make_map(f, types[t].type);
		int prog = fd < 0 ? -1 : load_prog(f, fd);
		if (prog < 0) {
			fprintf(stderr, "maps_bench: %s %s: %s\n", sides[s].name, types[t].name,
				strerror(errno));
			if (fd >= 0)
				close(fd);
			return false;
		}
		res[s].prog[t][r] = time_prog(f, prog);
		res[s].user[t][r] = time_user(f, fd);
		res[s].direct[t][r] = s == 0 ? time_direct(fd) : 1;
		if (t == 0)
			for (int n = 1; n <= 2; n++)
				res[s].thr[n - 1][r] = time_threads(f, fd, n, &res[s].cpu[n - 1][r]);
		close(prog);
		close(fd);
		if (res[s].prog[t][r] < 0 || res[s].user[t][r] < 0 || res[s].direct[t][r] < 0)
			return false;
	}
	return res[s].thr[0][r] > 0 && res[s].thr[1][r] > 0;
}

/* The median over the rounds of a[i] / b[i]. */
static double ratio(const double *a, const double *b, int rounds)
{
	double q[MAX_ROUNDS];
	for (int i = 0; i < rounds; i++)
		q[i] = a[i] / b[i];
	return median(q, rounds);
}

static const char *met(bool ok)
{
	return ok ? "MET" : "NOT MET";
}

static void report(int rounds)
{
	bool k = res[1].ok;
	printf("\nmaps: 4-byte keys, 8-byte values, %d keys present; median of %d rounds\n",
	       NKEYS, rounds);
	printf("%-16s %10s %12s %7s  %10s %10s %12s %8s\n", "lookup ns", "prog bpfx", "prog kernel",
	       "ratio", "bpfx_bpf", "handle", "bpf syscall", "speedup");
	for (size_t t = 0; t < NTYPES; t++) {
		printf("%-16s %10.1f", types[t].name, median(res[0].prog[t], rounds));
		if (k)
			printf(" %12.1f %7.2f", median(res[1].prog[t], rounds),
			       ratio(res[0].prog[t], res[1].prog[t], rounds));
		else
			printf(" %12s %7s", "-", "-");
		printf("  %10.1f %10.1f", median(res[0].user[t], rounds),
		       median(res[0].direct[t], rounds));
		if (k)
			printf(" %12.1f %7.1fx\n", median(res[1].user[t], rounds),
			       ratio(res[1].user[t], res[0].direct[t], rounds));
		else
			printf(" %12s %8s\n", "-", "-");
	}
	printf("HASH update+lookup pairs, M/s: bpfx (handle) 1 thread %.2f, 2 threads %.2f (x%.2f)",
	       median(res[0].thr[0], rounds), median(res[0].thr[1], rounds),
	       ratio(res[0].thr[1], res[0].thr[0], rounds));
	if (k)
		printf("; kernel 1 thread %.2f, 2 threads %.2f (x%.2f)",
		       median(res[1].thr[0], rounds), median(res[1].thr[1], rounds),
		       ratio(res[1].thr[1], res[1].thr[0], rounds));
	printf("\nper CPU-second (contention shows as a drop): bpfx 1 thread %.2f, 2 threads %.2f "
	       "(x%.2f)", median(res[0].cpu[0], rounds), median(res[0].cpu[1], rounds),
	       ratio(res[0].cpu[1], res[0].cpu[0], rounds));
	if (k)
		printf("; kernel x%.2f", ratio(res[1].cpu[1], res[1].cpu[0], rounds));
	printf("\n\ntargets (issue #4):\n");
	if (k) {
		double r = ratio(res[0].prog[0], res[1].prog[0], rounds);
		printf("  hash lookup from a program <= kernel:      %-7s (ratio %.2f)\n", met(r <= 1.0), r);
		r = ratio(res[1].user[0], res[0].direct[0], rounds);
		double rb = ratio(res[1].user[0], res[0].user[0], rounds);
		printf("  user-space lookup >= 10x the syscall:     %-7s (handle %.1fx; bpfx_bpf %.1fx)\n",
		       met(r >= 10), r, rb);
	} else {
		printf("  program and user-space lookups vs the kernel: not judged (bpf() unavailable)\n");
	}
	double sc = ratio(res[0].thr[1], res[0].thr[0], rounds);
	double eff = ratio(res[0].cpu[1], res[0].cpu[0], rounds);
	printf("  update/lookup scales with 2 threads:      %-7s (wall x%.2f, needs >= 1.5 on 2 "
	       "cores; per CPU-second x%.2f)\n", met(sc >= 1.5), sc, eff);
	for (size_t t = 1; t <= 3; t++) {
		double rp = ratio(res[0].prog[t], res[0].prog[0], rounds);
		double ru = ratio(res[0].direct[t], res[0].direct[0], rounds);
		printf("  %-15s within 1.5x of HASH:       %-7s (program x%.2f, user x%.2f)\n",
		       types[t].name, met(rp <= 1.5 && ru <= 1.5), rp, ru);
	}
}

int main(int argc, char **argv)
{
	int rounds = 5;
	if (argc == 3 && !strcmp(argv[1], "--rounds"))
		rounds = atoi(argv[2]);
	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: maps_bench [--rounds 1..%d]\n", MAX_ROUNDS);
		return 2;
	}
	res[0].ok = res[1].ok = true;
	for (int r = 0; r < rounds; r++)
		for (int s = 0; s < 2; s++)
			if (res[s].ok && !round_side(s, r)) {
				if (s == 0)
					return 1;
				fprintf(stderr, "maps_bench: kernel column skipped (bpf() not usable)\n");
				res[1].ok = false;
			}
	report(rounds);
	return 0;
}
