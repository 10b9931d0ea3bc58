/* SPDX-License-Identifier: MIT */
/*
 * The benchmark harness (bench/run.sh builds it into $BUILD/bench/harness).
 * harness.c measures and verifies, kernel.c runs programs in the real
 * kernel through BPF_PROG_TEST_RUN, startup.c times `bpfx exec`, report.c
 * prints the table and writes the JSON file. Single-threaded; nothing
 * here is part of the library.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

#define BENCH_MAX_ROUNDS 31

/* A user-space sample counts when this thread ran for at least MIN_ON_CPU
 * of its wall time; else it is taken again, up to SAMPLE_TRIES times. */
#define MIN_ON_CPU 0.97
#define SAMPLE_TRIES 8

/* How a program is run; the columns of the table. */
enum bench_mode {
	MODE_INTERP,    /* bpfx interpreter, trusted (unchecked) */
	MODE_CHECKED,   /* bpfx interpreter, checked mode */
	MODE_JIT,       /* bpfx JIT, trusted (unchecked) code */
	MODE_NATIVE,    /* the same C compiled by gcc -O2 */
	MODE_KERNEL,    /* the kernel, BPF_PROG_TEST_RUN as an XDP program */
	MODE_COUNT,
};

/* One benchmark program and what was measured of it. */
struct bench_prog {
	const char *name;
	uint64_t (*native)(const void *mem, uint64_t len);
	size_t mem_len;             /* bytes at r1 for bpfx and native */
	size_t pkt_len;             /* bytes of the kernel's packet: a prefix of mem */
	const char *kernel_note;    /* how the kernel variant differs, or NULL */
	void (*fill)(uint8_t *mem, size_t len);  /* makes the input */

	uint8_t *mem;               /* the input (owned) */
	struct bpf_insn *insns;     /* the "bpfx" section */
	size_t insn_cnt;
	struct bpf_insn *kinsns;    /* the "xdp" section */
	size_t kinsn_cnt;

	uint64_t r0;                /* the agreed result */
	uint64_t insns_per_run;     /* executed instructions (checked-mode count) */
	uint64_t iters[MODE_COUNT]; /* runs per sample, from calibration */
	bool has[MODE_COUNT];       /* the mode was measured */
	double samples[MODE_COUNT][BENCH_MAX_ROUNDS]; /* ns per run */
	double median[MODE_COUNT];
	double kwall[BENCH_MAX_ROUNDS]; /* kernel: wall time of a sample / repeat */
	double kwall_median;
	/* Ratios taken within each round (the samples are seconds apart at
	 * most, so slow phases of the machine cancel out), then the median. */
	double vs_native;           /* interpreter / native */
	double vs_kernel;           /* interpreter / kernel */
	double jit_vs_native;       /* JIT / native */
	double jit_vs_kernel;       /* JIT / kernel */
	double compile_us;          /* JIT compile time, us (median of fresh programs) */

	int kfd;                    /* the loaded kernel program, or -1 */
	uint32_t kretval;
	bool kretval_match;         /* low 32 bits of r0 == kernel retval */
	char kstatus[160];          /* why there is no kernel figure */
};

/* The kernel side, or why there is none. */
struct bench_kernel {
	bool available;
	bool jit;                   /* programs come back JIT-compiled */
	char release[80];
	char reason[160];           /* when not available */
};

/* Start-up time of `bpfx exec` on a 10-instruction program. */
struct bench_startup {
	bool measured;
	char status[160];           /* when not measured, or a warning */
	int runs;
	double median_ms;
	double baseline_ms;         /* /bin/true through the same path; < 0: none */
};

/* kernel.c */
void kern_probe(struct bench_kernel *k);
int kern_load(const struct bpf_insn *insns, size_t cnt, char *why, size_t why_sz);
bool kern_is_jited(int fd);
/* Runs the program `repeat` times on the packet; the kernel's average ns
 * per run in *duration. Returns 0 or -errno. */
int kern_test_run(int fd, const void *pkt, size_t len, uint32_t repeat,
		  uint32_t *retval, uint32_t *duration);

/* startup.c */
void startup_measure(struct bench_startup *s, const char *cli, const char *dir, int runs);

/* inputs.c: the fill functions of struct bench_prog */
void bench_fill_random(uint8_t *mem, size_t len);
void bench_fill_twice(uint8_t *mem, size_t len);
void bench_fill_ping(uint8_t *mem, size_t len);

/* report.c */
struct bench_report {
	struct bench_prog *progs;
	size_t prog_cnt;
	int rounds;
	const struct bench_kernel *kernel;
	const struct bench_startup *startup;
	char cpu[128];
	int samples;                /* user-space samples taken */
	double big_compile_us;      /* JIT compile time of a big synthetic program */
	size_t big_insns;           /* its size (0: no JIT) */
	int disturbed;              /* of which other load kept us off the CPU */
};
void report_table(const struct bench_report *r);
int report_json(const struct bench_report *r, const char *path);

/* harness.c */
double bench_now_ns(void);
double bench_median(const double *v, int n);

#endif /* BENCH_BENCH_H */
