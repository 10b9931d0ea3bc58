/* SPDX-License-Identifier: MIT */
/* bpf_trace_printk's trace pipe and `bpfx prog tracelog`: lines in the
 * kernel's trace_pipe format, written by threads and processes at once
 * and never interleaved or lost; tracelog prints the lines waiting when it
 * starts and those that arrive, consumes them, stops cleanly on SIGINT,
 * and with -j prints a JSON array of the lines. (The message text is
 * compared with the kernel's by tests/suites/helpers.sh.) */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tcheck.h"
#include "tinsn.h"
#include <bpfx/bpfx.h>

#define THREADS 4
#define PER_WRITER 100
#define CHILD_BASE 9000

/* trace_printk("t%d", r1): the line "t<r1>"; returns the length. */
static uint64_t print_t(uint64_t n)
{
	static const struct bpf_insn p[] = {
		ST(BPF_W, 10, -8, 0x00642574), /* "t%d\0" */
		MOV64_REG(3, 1), MOV64_REG(1, 10), ALU64_IMM(BPF_ADD, 1, -8), MOV64_IMM(2, 4),
		CALL(BPF_FUNC_trace_printk), EXIT(),
	};
	struct bpfx_run_result res;
	int err;
	struct bpfx_prog *prog = bpfx_prog__new(p, sizeof(p) / sizeof(p[0]), NULL, &err);
	if (!prog)
		return (uint64_t)err;
	struct bpfx_run_opts o = { .sz = sizeof(o), .r1 = n, .checked = true };
	err = bpfx_prog__run(prog, &o, &res);
	bpfx_prog__free(prog);
	return err ? (uint64_t)err : res.r0;
}

static void *writer(void *arg)
{
	uintptr_t base = (uintptr_t)arg;
	for (uintptr_t i = 0; i < PER_WRITER; i++)
		print_t(base + i);
	return NULL;
}

/* Starts `bpfx [-j] prog tracelog` with its stdout on a pipe. */
static pid_t start_tracelog(bool json, int *out)
{
	char bin[512];
	int fds[2];
	snprintf(bin, sizeof(bin), "%s/bpfx", getenv("BUILD") ? getenv("BUILD") : "build");
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (json)
			execl(bin, bin, "-j", "prog", "tracelog", (char *)NULL);
		else
			execl(bin, bin, "prog", "tracelog", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	*out = fds[0];
	return pid;
}

/* Reads from fd until `want` occurrences of `needle` arrived or 10 s
 * passed; returns the text (malloc'd). */
static char *read_until(int fd, const char *needle, int want)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = calloc(1, cap);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int seen = 0;
		for (char *p = buf; (p = strstr(p, needle)); p++)
			seen++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seen >= want || now.tv_sec - start.tv_sec > 10 || len + 1 >= cap)
			return buf;
		struct pollfd pf = { fd, POLLIN, 0 };
		if (poll(&pf, 1, 200) <= 0)
			continue;
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return buf;
		len += (size_t)n;
	}
}

static int stop_tracelog(pid_t pid, int fd, char **rest)
{
	int status = 0;
	kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	*rest = read_until(fd, "\x01", 1); /* whatever it printed last */
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Every line well-formed; each number of [0, THREADS*1000) ... seen once. */
static void check_lines(char *text, int expected)
{
	static bool seen[CHILD_BASE + PER_WRITER];
	regex_t re;
	int lines = 0, bad = 0, dup = 0;
	regcomp(&re, "^ *test_helpers_tr-[0-9]+ +\\[[0-9]{3}\\] \\.\\.\\.\\.\\. +[0-9]+\\.[0-9]{6}: "
		"bpf_trace_printk: t([0-9]+)$", REG_EXTENDED);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		regmatch_t m[2];
		lines++;
		if (regexec(&re, line, 2, m, 0)) {
			if (bad++ < 3)
				CHECK(false, "malformed trace line: \"%s\"", line);
			continue;
		}
		long n = strtol(line + m[1].rm_so, NULL, 10);
		if (n < 0 || n >= CHILD_BASE + PER_WRITER || seen[n])
			dup++;
		else
			seen[n] = true;
	}
	regfree(&re);
	CHECK(lines == expected && bad == 0 && dup == 0, "tracelog lines: %d of %d, %d malformed, "
	      "%d repeated", lines, expected, bad, dup);
}

int main(void)
{
	char root[] = "/tmp/bpfx-trace.XXXXXX";
	if (!mkdtemp(root))
		return 1;
	setenv("BPFX_FS", root, 1);

	CHECK(print_t(5) == 2, "trace_printk returns the message length");
	print_t(6);

	/* Two lines wait; then 4 threads and a child process write 500. */
	int out;
	pid_t tl = start_tracelog(false, &out);
	pid_t child = fork(); /* before the threads: it must not inherit a held lock */
	if (child == 0) {
		writer((void *)(uintptr_t)CHILD_BASE);
		_exit(0);
	}
	pthread_t th[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, writer, (void *)(1000 * (i + 1)));
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	waitpid(child, NULL, 0);
	int expected = 2 + (THREADS + 1) * PER_WRITER;
	char *text = read_until(out, "bpf_trace_printk", expected), *rest;
	int rc = stop_tracelog(tl, out, &rest);
	CHECK(rc == 0, "tracelog exits 0 on SIGINT: %d", rc);
	check_lines(text, expected);
	free(text);
	free(rest);
	char buf[4096];
	CHECK(bpfx_trace_pipe_read(buf, sizeof(buf)) == 0, "the lines were consumed");

	/* -j: a JSON array of the lines, closed on SIGINT. */
	print_t(7);
	print_t(8);
	tl = start_tracelog(true, &out);
	text = read_until(out, "bpf_trace_printk", 2);
	rc = stop_tracelog(tl, out, &rest);
	size_t len = strlen(text);
	CHECK(rc == 0 && text[0] == '[' && strstr(text, "bpf_trace_printk: t7\\n\",\"") &&
	      strstr(text, "bpf_trace_printk: t8\\n\"") && !strcmp(rest, "]\n") && len > 2,
	      "tracelog -j: \"%s\" then \"%s\"", text, rest);
	free(text);
	free(rest);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0, "cleanup");
	return t_done("helpers_trace");
}
