/* SPDX-License-Identifier: MIT */
/*
 * The results: a table on stdout, the targets of the performance issue
 * (MET / NOT MET), and the same data as JSON for comparing runs.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define TARGET_NS_PER_INSN 2.5
#define TARGET_FNV_RATIO 15.0
#define TARGET_EXEC_MS 2.0
#define TARGET_JIT_NATIVE 1.2
#define TARGET_JIT_COMPILE_US 50.0

static double ns_per_insn(const struct bench_prog *p, enum bench_mode m)
{
	return p->insns_per_run ? p->median[m] / (double)p->insns_per_run : NAN;
}

static const char *fmt(char *buf, size_t sz, const char *f, double v)
{
	if (isnan(v))
		snprintf(buf, sz, "-");
	else
		snprintf(buf, sz, f, v);
	return buf;
}

/* Programs this long spend almost all their time executing instructions;
 * shorter ones also pay the fixed cost of a run (see empty). */
#define LONG_PROG_INSNS 1000

/* The slowest interpreter ns/insn over the long programs. */
static const struct bench_prog *worst_ns_per_insn(const struct bench_report *r)
{
	const struct bench_prog *worst = NULL;

	for (size_t i = 0; i < r->prog_cnt; i++) {
		const struct bench_prog *p = &r->progs[i];
		if (p->insns_per_run < LONG_PROG_INSNS)
			continue;
		if (!worst || ns_per_insn(p, MODE_INTERP) > ns_per_insn(worst, MODE_INTERP))
			worst = p;
	}
	return worst;
}

static const struct bench_prog *find(const struct bench_report *r, const char *name)
{
	for (size_t i = 0; i < r->prog_cnt; i++)
		if (strcmp(r->progs[i].name, name) == 0)
			return &r->progs[i];
	return NULL;
}

/* The kernel's cell: its figure, or in one word why there is none. */
static const char *kernel_cell(const struct bench_report *r, const struct bench_prog *p,
			       char *buf, size_t sz)
{
	if (p->has[MODE_KERNEL])
		return fmt(buf, sz, "%.0f", p->median[MODE_KERNEL]);
	if (!r->kernel->available)
		return "unavailable";
	return p->kfd < 0 ? "rejected" : "failed";
}

static void print_row(const struct bench_report *r, const struct bench_prog *p)
{
	char a[32], b[32], c[32], d[32], e[32], f[32], g[32], h[32], j[32], jn[32], jk[32];

	printf("%-10s %10llu %14s %8s %15s %8s %11s %14s %13s %11s %14s %14s %11s\n", p->name,
	       (unsigned long long)p->insns_per_run,
	       fmt(a, sizeof(a), "%.1f", p->median[MODE_INTERP]),
	       fmt(b, sizeof(b), "%.2f", ns_per_insn(p, MODE_INTERP)),
	       fmt(c, sizeof(c), "%.1f", p->median[MODE_CHECKED]),
	       fmt(d, sizeof(d), "%.2f", ns_per_insn(p, MODE_CHECKED)),
	       fmt(j, sizeof(j), "%.1f", p->median[MODE_JIT]),
	       fmt(e, sizeof(e), "%.1f", p->median[MODE_NATIVE]),
	       fmt(f, sizeof(f), "%.1fx", p->vs_native),
	       fmt(jn, sizeof(jn), "%.2fx", p->jit_vs_native),
	       kernel_cell(r, p, h, sizeof(h)),
	       fmt(g, sizeof(g), "%.1fx", p->vs_kernel),
	       fmt(jk, sizeof(jk), "%.2fx", p->jit_vs_kernel));
}

static void print_kernel_notes(const struct bench_report *r)
{
	const struct bench_kernel *k = r->kernel;

	if (!k->available) {
		printf("kernel: unavailable (%s)\n", k->reason);
		return;
	}
	printf("kernel: Linux %s, BPF_PROG_TEST_RUN of BPF_PROG_TYPE_XDP, %s; its ns/run is the "
	       "kernel's own average and includes test_run's per-run loop (see empty)\n",
	       k->release, k->jit ? "JIT on" : "JIT off (kernel interpreter)");
	for (size_t i = 0; i < r->prog_cnt; i++) {
		const struct bench_prog *p = &r->progs[i];
		if (!p->has[MODE_KERNEL])
			printf("kernel: %s: %s\n", p->name, p->kstatus);
		else if (!p->kretval_match)
			printf("kernel: warning: %s: retval 0x%08x, low 32 bits of the result are "
			       "0x%08x\n", p->name, p->kretval, (uint32_t)p->r0);
		if (p->kernel_note && p->has[MODE_KERNEL])
			printf("kernel: %s\n", p->kernel_note);
	}
}

/* The JIT's targets (issue 6): every program within 1.2x native and at
 * least as fast as the kernel's JIT; compile time under 50 us per 1,000
 * instructions. */
static void print_jit_targets(const struct bench_report *r)
{
	double worst_native = 0, worst_kernel = 0;
	const char *wn = NULL, *wk = NULL;

	for (size_t i = 0; i < r->prog_cnt; i++) {
		const struct bench_prog *p = &r->progs[i];
		if (!p->has[MODE_JIT])
			continue;
		if (p->jit_vs_native > worst_native)
			worst_native = p->jit_vs_native, wn = p->name;
		if (p->has[MODE_KERNEL] && p->jit_vs_kernel > worst_kernel)
			worst_kernel = p->jit_vs_kernel, wk = p->name;
	}
	if (!wn || !r->big_insns) {
		printf("target: JIT: NOT MEASURED (no JIT on this machine)\n");
		return;
	}
	printf("target: jit <= %.1fx native on every program: %s (worst %.2fx, %s)\n",
	       TARGET_JIT_NATIVE, worst_native <= TARGET_JIT_NATIVE ? "MET" : "NOT MET",
	       worst_native, wn);
	if (wk)
		printf("target: jit at least as fast as the kernel's JIT: %s (worst %.2fx, %s)\n",
		       worst_kernel <= 1.0 ? "MET" : "NOT MET", worst_kernel, wk);
	double per_k = r->big_compile_us / ((double)r->big_insns / 1000);
	printf("target: jit compile < %.0f us per 1000 insns: %s (%.1f us for a %zu-insn "
	       "program, CPU time; the bench programs:", TARGET_JIT_COMPILE_US,
	       per_k < TARGET_JIT_COMPILE_US ? "MET" : "NOT MET", per_k, r->big_insns);
	for (size_t i = 0; i < r->prog_cnt; i++)
		if (r->progs[i].has[MODE_JIT])
			printf(" %s %.1f us (%zu insns)", r->progs[i].name, r->progs[i].compile_us,
			       r->progs[i].insn_cnt);
	printf(")\n");
}

static void print_targets(const struct bench_report *r)
{
	const struct bench_prog *w = worst_ns_per_insn(r), *fnv = find(r, "fnv1a");
	const struct bench_startup *s = r->startup;

	if (w) {
		double v = ns_per_insn(w, MODE_INTERP);
		printf("target: interpreter <= %.1f ns/insn: %s (%.2f in %s, the slowest program of "
		       ">= %d insns/run", TARGET_NS_PER_INSN,
		       v <= TARGET_NS_PER_INSN ? "MET" : "NOT MET", v, w->name, LONG_PROG_INSNS);
		for (size_t i = 0; i < r->prog_cnt; i++) {
			const struct bench_prog *p = &r->progs[i];
			if (p->insns_per_run >= LONG_PROG_INSNS || p->insns_per_run < 10)
				continue;
			printf("; %s: %.2f with the cost of a run", p->name,
			       ns_per_insn(p, MODE_INTERP));
		}
		printf(")\n");
	}
	if (fnv) {
		double v = fnv->vs_native;
		printf("target: fnv1a interp <= %.0fx native: %s (%.1fx)\n", TARGET_FNV_RATIO,
		       v <= TARGET_FNV_RATIO ? "MET" : "NOT MET", v);
	}
	print_jit_targets(r);
	if (s->measured)
		printf("target: exec start-up < %.0f ms: %s (%.2f ms)\n", TARGET_EXEC_MS,
		       s->median_ms < TARGET_EXEC_MS ? "MET" : "NOT MET", s->median_ms);
	else
		printf("target: exec start-up < %.0f ms: NOT MEASURED (%s)\n", TARGET_EXEC_MS,
		       s->status);
}

void report_table(const struct bench_report *r)
{
	const struct bench_kernel *k = r->kernel;
	const struct bench_startup *s = r->startup;

	printf("\nbpfx bench — interpreter and JIT vs native (gcc -O2) vs kernel (test_run, %s)"
	       "   [median of %d rounds]\n",
	       !k->available ? "unavailable" : k->jit ? "JIT on" : "JIT off", r->rounds);
	printf("%-10s %10s %14s %8s %15s %8s %11s %14s %13s %11s %14s %14s %11s\n", "program",
	       "insns/run", "interp ns/run", "ns/insn", "checked ns/run", "ns/insn", "jit ns/run",
	       "native ns/run", "interp/native", "jit/native", "kernel ns/run", "interp/kernel",
	       "jit/kernel");
	for (size_t i = 0; i < r->prog_cnt; i++)
		print_row(r, &r->progs[i]);
	printf("\nns/insn: ns/run over the instructions a run executes (counted in checked mode); "
	       "ratios: the median of the ratios within each round\n");
	printf("cpu: %s; %d of %d user-space samples stayed disturbed by other load "
	       "(off the CPU > %.0f%% of the time in %d tries)\n", r->cpu, r->disturbed, r->samples,
	       100 * (1 - MIN_ON_CPU), SAMPLE_TRIES);
	print_kernel_notes(r);
	if (s->measured) {
		printf("exec start-up: %.2f ms per `bpfx exec` of a 10-insn program (median of %d",
		       s->median_ms, s->runs);
		if (s->baseline_ms >= 0)
			printf("; /bin/true: %.2f ms", s->baseline_ms);
		printf(")\n");
		if (s->status[0])
			printf("exec start-up: warning: %s\n", s->status);
	} else {
		printf("exec start-up: %s\n", s->status);
	}
	print_targets(r);
}

/* A string with JSON escapes. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* A number, or null for what was not measured. */
static void json_num(FILE *f, const char *key, double v, const char *sep)
{
	if (isnan(v))
		fprintf(f, "\"%s\": null%s", key, sep);
	else
		fprintf(f, "\"%s\": %.4f%s", key, v, sep);
}

/* Every sample (ns per run), by mode, in round order. */
static void json_samples(FILE *f, const struct bench_prog *p, int rounds)
{
	static const char *const names[MODE_COUNT] = { "interp", "checked", "jit", "native",
							       "kernel" };

	fprintf(f, "\"samples\": {");
	for (int m = 0; m < MODE_COUNT; m++) {
		fprintf(f, "%s\"%s\": [", m ? ", " : "", names[m]);
		for (int i = 0; p->has[m] && i < rounds; i++)
			fprintf(f, "%s%.1f", i ? ", " : "", p->samples[m][i]);
		fprintf(f, "]");
	}
	fprintf(f, "}, ");
}

static void json_prog(FILE *f, const struct bench_prog *p, int rounds, const char *sep)
{
	fprintf(f, "    {\"name\": \"%s\", \"insns_per_run\": %llu, \"result\": \"0x%016llx\", ",
		p->name, (unsigned long long)p->insns_per_run, (unsigned long long)p->r0);
	json_num(f, "interp_ns", p->median[MODE_INTERP], ", ");
	json_num(f, "interp_ns_per_insn", ns_per_insn(p, MODE_INTERP), ", ");
	json_num(f, "checked_ns", p->median[MODE_CHECKED], ", ");
	json_num(f, "checked_ns_per_insn", ns_per_insn(p, MODE_CHECKED), ", ");
	json_num(f, "jit_ns", p->median[MODE_JIT], ", ");
	json_num(f, "jit_vs_native", p->jit_vs_native, ", ");
	json_num(f, "jit_vs_kernel", p->jit_vs_kernel, ", ");
	json_num(f, "jit_compile_us", p->compile_us, ", ");
	json_num(f, "native_ns", p->median[MODE_NATIVE], ", ");
	json_num(f, "interp_native_ratio",
		 p->vs_native, ", ");
	json_num(f, "kernel_ns", p->median[MODE_KERNEL], ", ");
	json_num(f, "kernel_wall_ns", p->kwall_median, ", ");
	json_num(f, "interp_kernel_ratio",
		 p->vs_kernel, ", ");
	json_samples(f, p, rounds);
	if (p->has[MODE_KERNEL]) {
		fprintf(f, "\"kernel_retval\": %u, \"kernel_retval_match\": %s",
			p->kretval, p->kretval_match ? "true" : "false");
	} else {
		fprintf(f, "\"kernel_status\": ");
		json_str(f, p->kstatus);
	}
	fprintf(f, "}%s\n", sep);
}

int report_json(const struct bench_report *r, const char *path)
{
	const struct bench_kernel *k = r->kernel;
	const struct bench_startup *s = r->startup;
	const struct bench_prog *w = worst_ns_per_insn(r), *fnv = find(r, "fnv1a");
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "{\n  \"time\": %lld,\n  \"rounds\": %d,\n  \"cpu\": ",
		(long long)time(NULL), r->rounds);
	json_str(f, r->cpu);
	fprintf(f, ",\n  \"kernel\": {\"available\": %s, \"jit\": %s, \"release\": ",
		k->available ? "true" : "false", k->jit ? "true" : "false");
	json_str(f, k->release);
	fprintf(f, ", \"reason\": ");
	json_str(f, k->reason);
	fprintf(f, "},\n  \"jit_compile\": {\"insns\": %zu, ", r->big_insns);
	json_num(f, "us", r->big_insns ? r->big_compile_us : NAN, "},\n");
	fprintf(f, "  \"samples\": %d,\n  \"disturbed_samples\": %d,\n", r->samples, r->disturbed);
	fprintf(f, "  \"programs\": [\n");
	for (size_t i = 0; i < r->prog_cnt; i++)
		json_prog(f, &r->progs[i], r->rounds, i + 1 < r->prog_cnt ? "," : "");
	fprintf(f, "  ],\n  \"exec_startup\": {\"measured\": %s, ",
		s->measured ? "true" : "false");
	json_num(f, "median_ms", s->measured ? s->median_ms : NAN, ", ");
	json_num(f, "true_ms", s->measured && s->baseline_ms >= 0 ? s->baseline_ms : NAN, ", ");
	fprintf(f, "\"runs\": %d},\n  \"targets\": {", s->runs);
	json_num(f, "worst_ns_per_insn", w ? ns_per_insn(w, MODE_INTERP) : NAN, ", ");
	fprintf(f, "\"worst_program\": \"%s\", ", w ? w->name : "");
	json_num(f, "fnv1a_interp_native_ratio",
		 fnv ? fnv->vs_native : NAN, ", ");
	json_num(f, "exec_startup_ms", s->measured ? s->median_ms : NAN, "");
	fprintf(f, "}\n}\n");
	return fclose(f);
}
