/* SPDX-License-Identifier: MIT */
/*
 * Start-up time of the CLI: `bpfx exec FILE` on a 10-instruction program,
 * spawned and waited for `runs` times; the median wall time of one
 * invocation. /bin/true through the same path gives the floor that
 * fork/exec alone costs on this machine. The two are interleaved so that
 * noise hits both alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "bench.h"

extern char **environ;

/* r0 = ((17 + 3) * 7) ^ (... >> 1) + 5, masked: 10 instructions. */
static const struct bpf_insn exec10[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 17 },
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1, .imm = 3 },
	{ .code = BPF_ALU64 | BPF_ADD | BPF_X, .dst_reg = 0, .src_reg = 1 },
	{ .code = BPF_ALU64 | BPF_MUL | BPF_K, .dst_reg = 0, .imm = 7 },
	{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 2, .src_reg = 0 },
	{ .code = BPF_ALU64 | BPF_RSH | BPF_K, .dst_reg = 2, .imm = 1 },
	{ .code = BPF_ALU64 | BPF_XOR | BPF_X, .dst_reg = 0, .src_reg = 2 },
	{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 0, .imm = 5 },
	{ .code = BPF_ALU64 | BPF_AND | BPF_K, .dst_reg = 0, .imm = 0xffff },
	{ .code = BPF_JMP | BPF_EXIT },
};

/* Spawns argv with stdout into out_fd (or /dev/null when -1) and waits.
 * Returns the exit status, or -1 when it could not run. */
static int spawn_wait(char *const argv[], int out_fd)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, err;

	posix_spawn_file_actions_init(&fa);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* What the library says the program returns. */
static int expected_r0(uint64_t *r0)
{
	struct bpfx_run_opts o = { .sz = sizeof(o) };
	struct bpfx_run_result res;
	int err = 0;
	struct bpfx_prog *p = bpfx_prog__new(exec10, 10, NULL, &err);

	if (!p)
		return err;
	err = bpfx_prog__run(p, &o, &res);
	bpfx_prog__free(p);
	*r0 = res.r0;
	return err;
}

/* One run with stdout captured: does the CLI print the right r0? */
static int check_output(char *const argv[], uint64_t want, char *why, size_t why_sz)
{
	char out[128] = { 0 }, exp[32];
	FILE *tmp = tmpfile();
	int st;

	if (!tmp) {
		snprintf(why, why_sz, "tmpfile: %s", strerror(errno));
		return -1;
	}
	st = spawn_wait(argv, fileno(tmp));
	rewind(tmp);
	if (!fgets(out, sizeof(out), tmp))
		out[0] = 0;
	fclose(tmp);
	out[strcspn(out, "\n")] = 0;
	snprintf(exp, sizeof(exp), "0x%016llx", (unsigned long long)want);
	if (st != 0) {
		snprintf(why, why_sz, "`bpfx exec` failed (exit status %d)", st);
		return -1;
	}
	if (strcmp(out, exp) != 0) {
		snprintf(why, why_sz, "`bpfx exec` printed \"%.40s\", expected %s", out, exp);
		return 1;     /* a wrong answer, but it ran: still time it */
	}
	return 0;
}

void startup_measure(struct bench_startup *s, const char *cli, const char *dir, int runs)
{
	char path[4096];
	uint64_t want = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	if (access(cli, X_OK) != 0) {
		snprintf(s->status, sizeof(s->status), "bpfx CLI not built");
		return;
	}
	snprintf(path, sizeof(path), "%s/exec10.bin", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(exec10, sizeof(exec10), 1, f) != 1 || fclose(f)) {
		snprintf(s->status, sizeof(s->status), "cannot write %.120s", path);
		return;
	}
	if (expected_r0(&want)) {
		snprintf(s->status, sizeof(s->status), "the library cannot run the program");
		return;
	}
	char *argv[] = { (char *)cli, "exec", path, NULL };
	char *true_argv[] = { "/bin/true", NULL };
	if (check_output(argv, want, s->status, sizeof(s->status)) < 0)
		return;

	double *t = calloc((size_t)runs, sizeof(*t)), *b = calloc((size_t)runs, sizeof(*b));
	if (!t || !b) {
		free(t);
		free(b);
		snprintf(s->status, sizeof(s->status), "out of memory");
		return;
	}
	bool baseline = access(true_argv[0], X_OK) == 0;
	for (int i = 0; i < runs; i++) {
		double t0 = bench_now_ns();
		spawn_wait(argv, -1);
		double t1 = bench_now_ns();
		if (baseline)
			spawn_wait(true_argv, -1);
		double t2 = bench_now_ns();
		t[i] = (t1 - t0) / 1e6;
		b[i] = (t2 - t1) / 1e6;
	}
	s->measured = true;
	s->runs = runs;
	s->median_ms = bench_median(t, runs);
	s->baseline_ms = baseline ? bench_median(b, runs) : -1;
	free(t);
	free(b);
}
