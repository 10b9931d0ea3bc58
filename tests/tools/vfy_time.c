/* SPDX-License-Identifier: MIT */
/*
 * vfy_time FILE TYPE [N]: times bpfx's verifier against the kernel's
 * BPF_PROG_LOAD on one raw program (the file formats of `bpfx exec`),
 * both with the statistics log (level 4), N rounds each, interleaved;
 * prints the medians, their ratio and both statistics lines. A timing
 * tool (docs/VERIFIER.md), not a test: it asserts nothing.
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int load_file(const char *path, struct bpf_insn **insns, size_t *cnt)
{
	size_t n = strlen(path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	if ((n > 4 && !strcmp(path + n - 4, ".asm")) || (n > 2 && !strcmp(path + n - 2, ".s"))) {
		struct bpfx_isa_diag d;
		return bpfx_asm(buf, insns, cnt, &d);
	}
	*cnt = len / sizeof(struct bpf_insn);
	*insns = malloc(len + 1);
	if (!*insns)
		return -1;
	memcpy(*insns, buf, len);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: vfy_time FILE PROG_TYPE_NUMBER [ROUNDS]\n");
		return 2;
	}
	struct bpf_insn *insns;
	size_t cnt;
	if (load_file(argv[1], &insns, &cnt)) {
		fprintf(stderr, "vfy_time: can't read %s\n", argv[1]);
		return 2;
	}
	uint32_t type = (uint32_t)atoi(argv[2]);
	int rounds = argc > 3 ? atoi(argv[3]) : 50;
	const char *why = kbpf_unavailable();
	double *tb = calloc((size_t)rounds, sizeof(double)), *tk = calloc((size_t)rounds, sizeof(double));
	static char blog[1 << 16], klog[1 << 16];
	int berr = 0, kerr = 0;
	for (int i = 0; i < rounds; i++) {
		struct bpfx_verify_opts o = { .sz = sizeof(o), .prog_type = type, .log_level = 4,
					      .log_buf = blog, .log_size = sizeof(blog) };
		double t0 = now_us();
		berr = bpfx_verify(insns, cnt, &o);
		tb[i] = now_us() - t0;
		if (why)
			continue;
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.prog_type = type;
		a.insns = (uintptr_t)insns;
		a.insn_cnt = (uint32_t)cnt;
		a.license = (uintptr_t)"GPL";
		a.log_buf = (uintptr_t)klog;
		a.log_size = sizeof(klog);
		a.log_level = 4;
		if (type == BPF_PROG_TYPE_SYSCALL)
			a.prog_flags = BPF_F_SLEEPABLE;
		t0 = now_us();
		int fd = kbpf_sys(BPF_PROG_LOAD, &a, sizeof(a));
		tk[i] = now_us() - t0;
		kerr = fd < 0 ? -1 : 0;
		if (fd >= 0)
			close(fd);
	}
	qsort(tb, (size_t)rounds, sizeof(double), cmp_double);
	qsort(tk, (size_t)rounds, sizeof(double), cmp_double);
	printf("%s: %zu insns, bpfx %.1f us (%s), ", argv[1], cnt, tb[rounds / 2],
	       berr ? "rejected" : "accepted");
	if (why)
		printf("kernel: %s\n", why);
	else
		printf("kernel %.1f us (%s), bpfx/kernel %.2f\n", tk[rounds / 2],
		       kerr ? "rejected" : "accepted", tb[rounds / 2] / tk[rounds / 2]);
	printf("  bpfx:   %s", strstr(blog, "processed") ? strstr(blog, "processed") : "\n");
	if (!why)
		printf("  kernel: %s", strstr(klog, "processed") ? strstr(klog, "processed") : "\n");
	free(tb);
	free(tk);
	free(insns);
	return 0;
}
