/* SPDX-License-Identifier: MIT */
/*
 * helperdiff OBJ: loads an object of tests/helper_progs into bpfx
 * (bpfx_object) and into the kernel (libbpf, only to ask the kernel), runs
 * each of its syscall programs once on the same struct hctx, and compares
 * errnos, return values and the whole context written back, byte for
 * byte. The lines the programs leave in the trace pipe (bpfx's file in the
 * bpffs root; the kernel's /sys/kernel/tracing/trace) that carry this
 * run's nonce are compared too, from "bpf_trace_printk: " on; the kernel
 * side of that is skipped, saying why, when tracefs is not mounted or
 * tracing is off. Everything kernel-side is skipped when bpf() is
 * unavailable. Programs named after_* run 300 ms after the one before
 * (timer callbacks have run by then).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>

#include "../helper_progs/helper_progs.h"
#include "kbpf.h"
#include "tcheck.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

#define MAX_PROGS 16
#define MAX_LINES 64
#define KTRACE "/sys/kernel/tracing/trace"

struct run {
	char name[64];
	int err;
	uint32_t retval;
	struct hctx ctx;
};

struct side {
	struct run runs[MAX_PROGS];
	int n;
	char *lines[MAX_LINES];    /* trace messages of this nonce, in order */
	int nlines;
};

static uint64_t nonce, ncpus;

static void run_prog(bpf_fn sys, int fd, const char *name, struct side *s)
{
	if (s->n >= MAX_PROGS)
		return;
	struct run *r = &s->runs[s->n++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	memset(&r->ctx, 0, sizeof(r->ctx));
	r->ctx.nonce = nonce;
	r->ctx.ncpus = ncpus;
	if (!strncmp(name, "after_", 6)) {
		/* Runs once the timers armed before have fired. */
		struct timespec pause = { 0, 300000000 };
		nanosleep(&pause, NULL);
	}
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)fd, .ctx_in = (uintptr_t)&r->ctx,
				       .ctx_size_in = sizeof(r->ctx) } };
	r->err = sys(BPF_PROG_TEST_RUN, &t, sizeof(t)) < 0 ? errno : 0;
	r->retval = t.test.retval;
}

/* The messages of this run's lines in a trace file: what follows
 * "bpf_trace_printk: " on lines whose message starts with the nonce; a
 * message that ended in "\n" keeps the empty line after it as "\n". */
static void read_trace(const char *path, struct side *s)
{
	char marker[64];
	size_t len;
	char *text = t_read_file(path, &len);
	if (!text)
		return;
	snprintf(marker, sizeof(marker), "bpf_trace_printk: %llx", (unsigned long long)nonce);
	for (char *line = text; line && *line && s->nlines < MAX_LINES;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *m = strstr(line, marker);
		if (m) {
			bool empty_next = nl && nl[1] == '\n';
			char buf[1200];
			snprintf(buf, sizeof(buf), "%s%s", m + 18, empty_next ? "\\n" : "");
			s->lines[s->nlines++] = strdup(buf);
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
}

static void log_line(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx, (void)level;
	fprintf(stderr, "  bpfx: %s\n", msg);
}

static bool run_bpfx(const char *path, struct side *s)
{
	struct bpfx_object_opts oo = { .sz = sizeof(oo), .log = log_line };
	int err = 0;
	struct bpfx_object *obj = bpfx_object__open(path, &oo, &err);
	if (!CHECK(obj != NULL, "bpfx opens %s: %d", path, err))
		return false;
	err = bpfx_object__load(obj);
	bool ok = CHECK(err == 0, "bpfx loads %s: %d", path, err);
	for (size_t i = 0; ok && i < bpfx_object__program_cnt(obj); i++) {
		struct bpfx_program *p = bpfx_object__program(obj, i);
		if (bpfx_program__type(p) == BPF_PROG_TYPE_SYSCALL)
			run_prog(bpfx_bpf, bpfx_program__fd(p), bpfx_program__name(p), s);
	}
	bpfx_object__close(obj);
	char pipe[4096];
	if (ok && CHECK(bpfx_trace_pipe_path(pipe, sizeof(pipe)) == 0, "trace pipe path"))
		read_trace(pipe, s);
	return ok;
}

static bool run_kernel(const char *path, struct side *s)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!CHECK(obj != NULL, "libbpf opens %s", path))
		return false;
	bool ok = CHECK(bpf_object__load(obj) == 0, "the kernel loads %s", path);
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (ok && bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL)
			run_prog(kbpf_sys, bpf_program__fd(prog), bpf_program__name(prog), s);
	}
	bpf_object__close(obj);
	return ok;
}

/* Why the kernel's trace cannot be compared here, or NULL. */
static const char *ktrace_unavailable(void)
{
	size_t len;
	char *on = t_read_file("/sys/kernel/tracing/tracing_on", &len);
	if (!on)
		return "tracefs is not mounted at /sys/kernel/tracing";
	bool off = on[0] != '1';
	free(on);
	return off ? "kernel tracing is off (/sys/kernel/tracing/tracing_on is 0)" : NULL;
}

static void compare_runs(const struct side *mine, const struct side *theirs)
{
	CHECK(mine->n == theirs->n, "programs run: bpfx %d, kernel %d", mine->n, theirs->n);
	for (int i = 0; i < mine->n && i < theirs->n; i++) {
		const struct run *a = &mine->runs[i], *b = &theirs->runs[i];
		CHECK(a->err == b->err && a->retval == b->retval, "%s: bpfx err %d ret %u, kernel "
		      "err %d ret %u", a->name, a->err, a->retval, b->err, b->retval);
		for (int k = 0; k < HCTX_RETS; k++)
			CHECK(a->ctx.ret[k] == b->ctx.ret[k], "%s: ret[%d] bpfx %lld, kernel %lld",
			      a->name, k, (long long)a->ctx.ret[k], (long long)b->ctx.ret[k]);
		for (int k = 0; k < HCTX_TEXTS; k++)
			CHECK(!memcmp(a->ctx.text[k], b->ctx.text[k], HCTX_TEXT),
			      "%s: text[%d]\n  bpfx:   \"%.96s\"\n  kernel: \"%.96s\"", a->name, k,
			      a->ctx.text[k], b->ctx.text[k]);
	}
}

int main(int argc, char **argv)
{
	static struct side mine, theirs;
	char root[] = "/tmp/helperdiff.XXXXXX";

	if (argc != 2) {
		fprintf(stderr, "usage: helperdiff OBJ\n");
		return 2;
	}
	/* A bpffs root of its own: the trace pipe starts empty. */
	if (!mkdtemp(root))
		return 2;
	setenv("BPFX_FS", root, 1);
	ncpus = kbpf_possible_cpus();
	char slots[16];
	snprintf(slots, sizeof(slots), "%llu", (unsigned long long)ncpus);
	setenv("BPFX_SLOTS", slots, 1);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	nonce = ((uint64_t)ts.tv_nsec << 20 ^ (uint64_t)getpid() << 8 ^ (uint64_t)ts.tv_sec) |
		(1ull << 60);

	const char *suite = "helperdiff";
	if (!run_bpfx(argv[1], &mine))
		goto out;
	CHECK(mine.n > 0, "%s has syscall programs", argv[1]);
	for (int i = 0; getenv("HELPERDIFF_VERBOSE") && i < mine.n; i++) {
		fprintf(stderr, "%s:", mine.runs[i].name);
		for (int k = 0; k < 24; k++)
			fprintf(stderr, " %lld", (long long)mine.runs[i].ctx.ret[k]);
		fputc('\n', stderr);
	}
	for (int i = 0; i < mine.n; i++)
		CHECK(mine.runs[i].err == 0, "bpfx runs %s: errno %d", mine.runs[i].name,
		      mine.runs[i].err);
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of %s: %s", argv[1], why);
		goto out;
	}
	if (!getenv("HELPERDIFF_VERBOSE"))
		libbpf_set_print(NULL);
	if (!run_kernel(argv[1], &theirs))
		goto out;
	compare_runs(&mine, &theirs);
	if (mine.nlines) {
		const char *no_trace = ktrace_unavailable();
		if (no_trace) {
			t_skip("kernel trace lines of %s: %s", argv[1], no_trace);
			goto out;
		}
		read_trace(KTRACE, &theirs);
		CHECK(mine.nlines == theirs.nlines, "trace lines: bpfx %d, kernel %d", mine.nlines,
		      theirs.nlines);
		for (int i = 0; i < mine.nlines && i < theirs.nlines; i++)
			CHECK(!strcmp(mine.lines[i], theirs.lines[i]),
			      "trace line %d\n  bpfx:   %s\n  kernel: %s", i, mine.lines[i],
			      theirs.lines[i]);
	}
out:
	for (int i = 0; i < mine.nlines; i++)
		free(mine.lines[i]);
	for (int i = 0; i < theirs.nlines; i++)
		free(theirs.lines[i]);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "helperdiff: could not remove %s\n", root);
	return t_done(suite);
}
