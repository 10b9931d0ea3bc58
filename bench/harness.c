/* SPDX-License-Identifier: MIT */
/*
 * The benchmark harness: runs each program of bench/progs in the bpfx
 * interpreter (trusted and checked), as native code (gcc -O2) and in the
 * kernel (BPF_PROG_TEST_RUN), checks that they agree, then times them.
 *
 * The machine is shared and noisy, so the modes are interleaved: every
 * round takes one sample of every (program, mode), each sample long
 * enough (--sample-ms, 40 ms by default) that the clock's resolution does
 * not matter, and the report uses the median over the rounds; ratios are
 * taken within a round, then their median. The number of runs per sample
 * is calibrated once. Samples are wall time (CLOCK_MONOTONIC), but one
 * during which other threads kept this one off the CPU is taken again
 * (CLOCK_THREAD_CPUTIME_ID tells): the kernel's test_run figure leaves
 * such time out too.
 *
 * Usage: harness --progs DIR --out DIR --cli PATH [--rounds N]
 *                [--sample-ms N] [--exec-runs N]
 * DIR holds NAME.bpfx.bin and NAME.xdp.bin (raw instructions) per program.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "bench.h"

/* bench/progs/NAME.c compiled with -DBENCH_NATIVE. */
uint64_t bench_fnv1a(const void *mem, uint64_t len);
uint64_t bench_crc32(const void *mem, uint64_t len);
uint64_t bench_alumix(const void *mem, uint64_t len);
uint64_t bench_xdp_parse(const void *mem, uint64_t len);
uint64_t bench_empty(const void *mem, uint64_t len);

static struct bench_prog progs[] = {
	{ .name = "fnv1a", .native = bench_fnv1a, .mem_len = 4096, .pkt_len = 2048,
	  .fill = bench_fill_twice,
	  .kernel_note = "fnv1a in the kernel hashes its 2 KiB packet twice: the same 4096 "
			 "bytes (test_run keeps < 3.5 KiB linear)" },
	{ .name = "crc32", .native = bench_crc32, .mem_len = 1024, .pkt_len = 1024,
	  .fill = bench_fill_random },
	{ .name = "alumix", .native = bench_alumix, .mem_len = 64, .pkt_len = 64,
	  .fill = bench_fill_random },
	{ .name = "xdp_parse", .native = bench_xdp_parse, .mem_len = 98, .pkt_len = 98,
	  .fill = bench_fill_ping },
	{ .name = "empty", .native = bench_empty, .mem_len = 64, .pkt_len = 64,
	  .fill = bench_fill_random },
};
#define PROG_CNT (sizeof(progs) / sizeof(progs[0]))

static struct bpfx_prog *bprogs[PROG_CNT];
static volatile uint64_t sink;   /* results go here so no run is dead code */

double bench_now_ns(void)
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

double bench_median(const double *v, int n)
{
	double s[BENCH_MAX_ROUNDS > 1024 ? BENCH_MAX_ROUNDS : 1024];

	if (n <= 0 || n > (int)(sizeof(s) / sizeof(s[0])))
		return NAN;
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Reads a file of raw 8-byte instructions. */
static struct bpf_insn *read_insns(const char *dir, const char *name, const char *kind,
				   size_t *cnt)
{
	char path[4096];
	struct bpf_insn *insns;
	FILE *f;
	long sz;

	snprintf(path, sizeof(path), "%s/%s.%s.bin", dir, name, kind);
	f = fopen(path, "rb");
	if (!f)
		die("%s: %s (bench/run.sh builds it)", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) <= 0 || sz % 8 || fseek(f, 0, SEEK_SET))
		die("%s: not a whole number of 8-byte instructions", path);
	insns = malloc((size_t)sz);
	if (!insns || fread(insns, 1, (size_t)sz, f) != (size_t)sz)
		die("%s: cannot read", path);
	fclose(f);
	*cnt = (size_t)sz / 8;
	return insns;
}

static void log_to_stderr(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)level;
	fprintf(stderr, "bench: %s: %s\n", (const char *)ctx, msg);
}

static int run_bpfx(size_t i, bool checked, enum bpfx_exec_mode mode,
		    struct bpfx_run_result *res)
{
	struct bench_prog *p = &progs[i];
	struct bpfx_region region = { p->mem, p->mem_len, false };
	struct bpfx_run_opts o = {
		.sz = sizeof(o), .r1 = (uintptr_t)p->mem, .r2 = p->mem_len,
		.checked = checked, .regions = &region, .region_cnt = 1,
		.mode = mode,
	};

	return bpfx_prog__run(bprogs[i], &o, res);
}

/* The JIT's result must agree too (checked and trusted code); and its
 * compile time, from fresh programs, per 1,000 instructions. */
static void jit_prepare(size_t i)
{
	struct bench_prog *p = &progs[i];
	struct bpfx_run_result jr, jcr;
	int jerr = run_bpfx(i, false, BPFX_EXEC_JIT, &jr);
	int jcerr = run_bpfx(i, true, BPFX_EXEC_JIT, &jcr);
	double us[16];

	if (jerr == -EOPNOTSUPP)
		return; /* no JIT on this machine: the column stays empty */
	if (jerr || jcerr || jr.r0 != p->r0 || jcr.r0 != p->r0 || jcr.insns != p->insns_per_run)
		die("%s: the JIT disagrees: r0 0x%016llx (err %d), checked 0x%016llx (err %d, "
		    "%llu insns), native 0x%016llx -- a bug in bpfx; not timing", p->name,
		    (unsigned long long)jr.r0, jerr, (unsigned long long)jcr.r0, jcerr,
		    (unsigned long long)jcr.insns, (unsigned long long)p->r0);
	p->has[MODE_JIT] = true;
	for (int k = 0; k < 16; k++) {
		int err = 0;
		struct bpfx_prog *fresh = bpfx_prog__new(p->insns, p->insn_cnt, NULL, &err);
		struct bpfx_jit_info info = { .sz = sizeof(info) };
		if (!fresh || bpfx_prog__jit(fresh, false, &info))
			die("%s: JIT compilation failed", p->name);
		us[k] = info.compile_ns / 1e3;
		bpfx_prog__free(fresh);
	}
	p->compile_us = bench_median(us, 16);
}

/* Compile time per instruction needs a program where the fixed cost of a
 * compilation (mapping and protecting the code pages) does not dominate:
 * 10,000 instructions of ALU operations, loads and stores on the stack,
 * and branches near and far. */
static void measure_big_compile(struct bench_report *rep)
{
	enum { N = 10000 };
	struct bpf_insn *p = calloc(N, sizeof(*p));
	double us[8];

	if (!p)
		die("out of memory");
	for (int i = 0; i < N - 1; i++) {
		int fwd = N - 2 - i < 40 ? N - 2 - i : 40;
		struct bpf_insn ops[6] = {
			{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 0, .imm = i },
			{ .code = BPF_ALU64 | BPF_XOR | BPF_X, .dst_reg = 2, .src_reg = 0 },
			{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = 10, .src_reg = 2,
			  .off = (int16_t)(-8 * (1 + i % 8)) },
			{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 3, .src_reg = 10, .off = -8 },
			{ .code = BPF_JMP | BPF_JGT | BPF_X, .dst_reg = 3, .src_reg = 2,
			  .off = (int16_t)(i % 64 ? fwd % 7 : fwd) },
			{ .code = BPF_ALU | BPF_MUL | BPF_K, .dst_reg = 4, .imm = 3 },
		};
		p[i] = ops[i % 6];
	}
	p[N - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	for (int k = 0; k < 8; k++) {
		int err = 0;
		struct bpfx_prog *prog = bpfx_prog__new(p, N, NULL, &err);
		struct bpfx_jit_info info = { .sz = sizeof(info) };
		if (!prog)
			die("the synthetic compile-time program is invalid: %s", strerror(-err));
		if ((err = bpfx_prog__jit(prog, false, &info))) {
			bpfx_prog__free(prog);
			free(p);
			return; /* no JIT here */
		}
		us[k] = info.compile_ns / 1e3;
		bpfx_prog__free(prog);
	}
	free(p);
	rep->big_compile_us = bench_median(us, 8);
	rep->big_insns = N;
}

/* Loads program i everywhere and checks that all runs agree; a
 * disagreement stops the bench: it is a bug to report. */
static void prepare(size_t i, const char *dir, const struct bench_kernel *k)
{
	struct bench_prog *p = &progs[i];
	struct bpfx_prog_opts po = { .sz = sizeof(po), .log = log_to_stderr,
				     .log_ctx = (void *)p->name };
	struct bpfx_run_result tr, cr;
	int err = 0, terr, cerr;

	p->mem = calloc(1, p->mem_len);
	if (!p->mem)
		die("out of memory");
	p->fill(p->mem, p->mem_len);
	p->insns = read_insns(dir, p->name, "bpfx", &p->insn_cnt);
	p->kinsns = read_insns(dir, p->name, "xdp", &p->kinsn_cnt);
	bprogs[i] = bpfx_prog__new(p->insns, p->insn_cnt, &po, &err);
	if (!bprogs[i])
		die("%s: bpfx_prog__new refused the program: %s", p->name, strerror(-err));

	p->r0 = p->native(p->mem, p->mem_len);
	cerr = run_bpfx(i, true, BPFX_EXEC_INTERP, &cr);
	terr = run_bpfx(i, false, BPFX_EXEC_INTERP, &tr);
	if (cerr || terr)
		die("%s: the interpreter stopped the program (%s at insn %d: %s); "
		    "native returns 0x%016llx", p->name, strerror(-(cerr ? cerr : terr)),
		    cerr ? cr.fault_insn : tr.fault_insn, cerr ? cr.fault_msg : tr.fault_msg,
		    (unsigned long long)p->r0);
	if (cr.r0 != p->r0 || tr.r0 != p->r0)
		die("%s: results differ: native 0x%016llx, interpreter 0x%016llx, checked "
		    "0x%016llx -- a bug in bpfx (or in the program); not timing", p->name,
		    (unsigned long long)p->r0, (unsigned long long)tr.r0,
		    (unsigned long long)cr.r0);
	p->insns_per_run = cr.insns;
	p->has[MODE_INTERP] = p->has[MODE_CHECKED] = p->has[MODE_NATIVE] = true;
	jit_prepare(i);

	p->kfd = -1;
	if (!k->available) {
		snprintf(p->kstatus, sizeof(p->kstatus), "unavailable");
		return;
	}
	p->kfd = kern_load(p->kinsns, p->kinsn_cnt, p->kstatus, sizeof(p->kstatus));
	if (p->kfd < 0)
		return;
	uint32_t dur;
	if ((err = kern_test_run(p->kfd, p->mem, p->pkt_len, 1, &p->kretval, &dur))) {
		snprintf(p->kstatus, sizeof(p->kstatus), "BPF_PROG_TEST_RUN: %s", strerror(-err));
		return;
	}
	p->kretval_match = p->kretval == (uint32_t)p->r0;
	if (!p->kretval_match)
		fprintf(stderr, "bench: warning: %s: kernel retval 0x%08x != low 32 bits of "
			"0x%016llx\n", p->name, p->kretval, (unsigned long long)p->r0);
	p->has[MODE_KERNEL] = true;
}

static double cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One sample: n runs of program i in mode m. Returns ns per run (wall
 * time; for the kernel, its own average), the sample's wall time in
 * *wall_ns and the share of it this thread was on a CPU in *on_cpu. */
static double sample(size_t i, enum bench_mode m, uint64_t n, double *wall_ns, double *on_cpu)
{
	struct bench_prog *p = &progs[i];
	struct bpfx_run_result res;
	uint64_t acc = 0;
	uint32_t retval = 0, dur = 0;
	int err = 0;
	double c0 = cpu_now_ns(), t0 = bench_now_ns();

	switch (m) {
	case MODE_INTERP:
	case MODE_CHECKED:
	case MODE_JIT:
		for (uint64_t k = 0; k < n; k++) {
			err |= run_bpfx(i, m == MODE_CHECKED,
					m == MODE_JIT ? BPFX_EXEC_JIT : BPFX_EXEC_INTERP, &res);
			acc ^= res.r0;
		}
		break;
	case MODE_NATIVE:
		for (uint64_t k = 0; k < n; k++) {
			acc ^= p->native(p->mem, p->mem_len);
			__asm__ volatile("" : : "r"(p->mem) : "memory");
		}
		break;
	case MODE_KERNEL:
		err = kern_test_run(p->kfd, p->mem, p->pkt_len, (uint32_t)n, &retval, &dur);
		acc = retval;
		break;
	case MODE_COUNT:
		break;
	}
	*wall_ns = bench_now_ns() - t0;
	*on_cpu = *wall_ns > 0 ? (cpu_now_ns() - c0) / *wall_ns : 1;
	if (err)
		die("%s: a timed run failed (%d)", p->name, err);
	sink ^= acc;
	return m == MODE_KERNEL ? (double)dur : *wall_ns / (double)n;
}

/* The number of runs that makes one sample last at least target_ns. */
static uint64_t calibrate(size_t i, enum bench_mode m, double target_ns)
{
	uint64_t n = 1, limit = m == MODE_KERNEL ? UINT32_MAX : UINT64_MAX / 4;
	double wall, on_cpu;

	for (;;) {
		sample(i, m, n, &wall, &on_cpu);
		if (wall >= target_ns || n >= limit)
			return n;
		double grow = wall > 0 ? 1.2 * target_ns / wall : 1000;
		if (grow < 2)
			grow = 2;
		if (grow > 1000)
			grow = 1000;
		n = (uint64_t)((double)n * grow);
		if (n > limit)
			n = limit;
	}
}

/* The median over the rounds of a[r] / b[r]. */
static double round_ratio(const double *a, const double *b, int rounds)
{
	double q[BENCH_MAX_ROUNDS];

	for (int r = 0; r < rounds; r++)
		q[r] = b[r] > 0 ? a[r] / b[r] : NAN;
	return bench_median(q, rounds);
}

static void summarise(struct bench_prog *p, int rounds)
{
	for (int m = 0; m < MODE_COUNT; m++)
		p->median[m] = p->has[m] ? bench_median(p->samples[m], rounds) : NAN;
	p->vs_native = round_ratio(p->samples[MODE_INTERP], p->samples[MODE_NATIVE], rounds);
	p->jit_vs_native = p->has[MODE_JIT] ?
		round_ratio(p->samples[MODE_JIT], p->samples[MODE_NATIVE], rounds) : NAN;
	p->vs_kernel = p->jit_vs_kernel = p->kwall_median = NAN;
	if (p->has[MODE_KERNEL]) {
		p->vs_kernel = round_ratio(p->samples[MODE_INTERP], p->samples[MODE_KERNEL],
					   rounds);
		if (p->has[MODE_JIT])
			p->jit_vs_kernel = round_ratio(p->samples[MODE_JIT],
						       p->samples[MODE_KERNEL], rounds);
		p->kwall_median = bench_median(p->kwall, rounds);
	}
}

/* A sample of a user-space mode, taken again while other threads kept
 * this one off the CPU for more than a few percent of it (the kernel's own
 * figure leaves such time out already). Keeps the least disturbed try;
 * counts the samples that stayed disturbed. */
static double clean_sample(size_t i, enum bench_mode m, double *wall, int *disturbed)
{
	double best = NAN, best_on_cpu = -1, on_cpu;

	for (int t = 0; t < SAMPLE_TRIES; t++) {
		double v = sample(i, m, progs[i].iters[m], wall, &on_cpu);
		if (m == MODE_KERNEL || on_cpu >= MIN_ON_CPU)
			return v;
		if (on_cpu > best_on_cpu) {
			best = v;
			best_on_cpu = on_cpu;
		}
	}
	(*disturbed)++;
	return best;
}

/* Returns the number of samples disturbed by other load. */
static int measure(int rounds, double sample_ns)
{
	int disturbed = 0;
	double wall;

	for (size_t i = 0; i < PROG_CNT; i++)
		for (int m = 0; m < MODE_COUNT; m++)
			if (progs[i].has[m])
				progs[i].iters[m] = calibrate(i, (enum bench_mode)m, sample_ns);
	for (int r = 0; r < rounds; r++) {
		for (size_t i = 0; i < PROG_CNT; i++) {
			struct bench_prog *p = &progs[i];
			for (int m = 0; m < MODE_COUNT; m++) {
				if (!p->has[m])
					continue;
				p->samples[m][r] = clean_sample(i, (enum bench_mode)m, &wall,
								&disturbed);
				if (m == MODE_KERNEL)
					p->kwall[r] = wall / (double)p->iters[m];
			}
		}
	}
	for (size_t i = 0; i < PROG_CNT; i++)
		summarise(&progs[i], rounds);
	return disturbed;
}

static void cpu_model(char *out, size_t sz)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(out, sz, "unknown CPU");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			colon[strcspn(colon, "\n")] = 0;
			snprintf(out, sz, "%.100s", colon + 2);
			break;
		}
	}
	if (f)
		fclose(f);
	size_t len = strlen(out);
	snprintf(out + len, sz - len, ", %ld CPUs", cpus);
}

static int int_arg(const char *opt, const char *v, int lo, int hi)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*end || n < lo || n > hi)
		die("%s: want a number from %d to %d, got \"%s\"", opt, lo, hi, v);
	return (int)n;
}

int main(int argc, char **argv)
{
	const char *prog_dir = NULL, *out_dir = NULL, *cli = NULL;
	int rounds = 7, sample_ms = 40, exec_runs = 200;
	struct bench_kernel kernel;
	struct bench_startup startup;
	struct bench_report rep = { .progs = progs, .prog_cnt = PROG_CNT };
	char json[4096];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--progs"))
			prog_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--out"))
			out_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--cli"))
			cli = argv[i + 1];
		else if (!strcmp(argv[i], "--rounds"))
			rounds = int_arg(argv[i], argv[i + 1], 1, BENCH_MAX_ROUNDS);
		else if (!strcmp(argv[i], "--sample-ms"))
			sample_ms = int_arg(argv[i], argv[i + 1], 1, 10000);
		else if (!strcmp(argv[i], "--exec-runs"))
			exec_runs = int_arg(argv[i], argv[i + 1], 0, 100000);
		else
			die("unknown option %s", argv[i]);
	}
	if (!prog_dir || !out_dir || !cli || argc % 2 == 0)
		die("usage: harness --progs DIR --out DIR --cli PATH [--rounds N] "
		    "[--sample-ms N] [--exec-runs N]");

	kern_probe(&kernel);
	for (size_t i = 0; i < PROG_CNT; i++)
		prepare(i, prog_dir, &kernel);
	fprintf(stderr, "bench: all %zu programs agree (native, interpreter, checked%s); "
		"timing %d rounds of %d ms samples\n", PROG_CNT,
		kernel.available ? ", kernel" : "", rounds, sample_ms);
	rep.disturbed = measure(rounds, sample_ms * 1e6);
	rep.samples = 0;
	for (size_t i = 0; i < PROG_CNT; i++)
		for (int m = 0; m < MODE_KERNEL; m++)
			rep.samples += progs[i].has[m] ? rounds : 0;
	if (exec_runs)
		startup_measure(&startup, cli, out_dir, exec_runs);
	else
		startup = (struct bench_startup){ .status = "skipped: --exec-runs 0" };

	measure_big_compile(&rep);
	rep.rounds = rounds;
	rep.kernel = &kernel;
	rep.startup = &startup;
	cpu_model(rep.cpu, sizeof(rep.cpu));
	report_table(&rep);
	snprintf(json, sizeof(json), "%s/results.json", out_dir);
	if (report_json(&rep, json))
		die("%s: %s", json, strerror(errno));
	printf("results: %s\n", json);

	for (size_t i = 0; i < PROG_CNT; i++) {
		bpfx_prog__free(bprogs[i]);
		if (progs[i].kfd >= 0)
			close(progs[i].kfd);
		free(progs[i].mem);
		free(progs[i].insns);
		free(progs[i].kinsns);
	}
	return 0;
}
