/* SPDX-License-Identifier: MIT */
/*
 * The verifier's corpus (tests/verifier/NAME.cases): each case is a program
 * in bpftool syntax with its program type, maps, expected verdict and
 * expected error line (the last line of the log that is not a statistics
 * line). bpfx's verifier must meet the expectation; when bpf() works
 * here, the kernel must too (same verdict, same errno, same error line),
 * so the corpus is a differential test: a case that disagrees with the
 * kernel is a failure, not a skip.
 *
 * Case format:
 *   == name
 *   type xdp                      (default socket_filter)
 *   map hash 4 8 16 [rdonly]      (type key value max_entries; map[idx:N])
 *   accept | reject EACCES|EINVAL|E2BIG
 *   error <text>                  (the error line, for rejects)
 *   nokernel <why>                (bpfx-only: the kernel's answer differs for
 *                                  a reason documented in docs/VERIFIER.md)
 *   --
 *   <program>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "kbpf.h"
#include "tcheck.h"
#include "verifier/verifier.h"

#define MAX_MAPS 8

struct vcase {
	char name[128];
	uint32_t prog_type;
	struct vfy_map maps[MAX_MAPS];
	int nmaps;
	bool accept, nokernel;
	int err;           /* expected errno (positive) for rejects */
	char error[256];
	char *text;        /* the program (points into the file buffer) */
	const char *file;
	int line;
};

static const struct { const char *name; uint32_t type; } prog_types[] = {
	{ "socket_filter", BPF_PROG_TYPE_SOCKET_FILTER }, { "xdp", BPF_PROG_TYPE_XDP },
	{ "sched_cls", BPF_PROG_TYPE_SCHED_CLS }, { "syscall", BPF_PROG_TYPE_SYSCALL },
	{ "kprobe", BPF_PROG_TYPE_KPROBE }, { "tracepoint", BPF_PROG_TYPE_TRACEPOINT },
};
static const struct { const char *name; uint32_t type; } map_types[] = {
	{ "hash", BPF_MAP_TYPE_HASH }, { "array", BPF_MAP_TYPE_ARRAY },
	{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY }, { "lru_hash", BPF_MAP_TYPE_LRU_HASH },
};

static int errno_of(const char *s)
{
	if (!strcmp(s, "EACCES")) return EACCES;
	if (!strcmp(s, "EINVAL")) return EINVAL;
	if (!strcmp(s, "E2BIG")) return E2BIG;
	if (!strcmp(s, "ENOSPC")) return ENOSPC;
	return -1;
}

/* Parses one header line into c; false on a malformed line. */
static bool header_line(struct vcase *c, char *l)
{
	char a[64], b[64];
	unsigned ks, vs, max;
	if (sscanf(l, "type %63s", a) == 1) {
		for (size_t i = 0; i < sizeof(prog_types) / sizeof(prog_types[0]); i++)
			if (!strcmp(a, prog_types[i].name)) {
				c->prog_type = prog_types[i].type;
				return true;
			}
		return false;
	}
	if (sscanf(l, "map %63s %u %u %u", a, &ks, &vs, &max) == 4 && c->nmaps < MAX_MAPS) {
		struct vfy_map *m = &c->maps[c->nmaps];
		memset(m, 0, sizeof(*m));
		for (size_t i = 0; i < sizeof(map_types) / sizeof(map_types[0]); i++)
			if (!strcmp(a, map_types[i].name))
				m->type = map_types[i].type;
		m->key_size = ks, m->value_size = vs, m->max_entries = max;
		m->name = "m";
		if (strstr(l, "rdonly"))
			m->map_flags = BPF_F_RDONLY_PROG;
		c->nmaps++;
		return m->type != 0;
	}
	if (!strcmp(l, "accept")) {
		c->accept = true;
		return true;
	}
	if (sscanf(l, "reject %63s", b) == 1) {
		c->err = errno_of(b);
		return c->err > 0;
	}
	if (!strncmp(l, "error ", 6)) {
		snprintf(c->error, sizeof(c->error), "%s", l + 6);
		return true;
	}
	if (!strncmp(l, "nokernel", 8)) {
		c->nokernel = true;
		return true;
	}
	return false;
}

/* Splits a .cases file (modified in place) into cases. */
static int parse_cases(char *buf, const char *file, struct vcase **out)
{
	struct vcase *cs = NULL;
	int n = 0, lineno = 0;
	bool in_header = false;
	char *save, *l;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (!strncmp(l, "== ", 3)) {
			cs = realloc(cs, (size_t)(n + 1) * sizeof(*cs));
			memset(&cs[n], 0, sizeof(cs[n]));
			snprintf(cs[n].name, sizeof(cs[n].name), "%s", l + 3);
			cs[n].prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
			cs[n].file = file;
			cs[n].line = lineno;
			n++;
			in_header = true;
			continue;
		}
		if (!n || (l[0] == '#' && in_header) || !l[0])
			continue;
		if (in_header) {
			if (!strcmp(l, "--")) {
				in_header = false;
				continue;
			}
			CHECK(header_line(&cs[n - 1], l), "%s: case %s: bad header line '%s'", file,
			      cs[n - 1].name, l);
			continue;
		}
		/* program text: re-join the lines */
		struct vcase *c = &cs[n - 1];
		size_t old = c->text ? strlen(c->text) : 0;
		c->text = realloc(c->text, old + strlen(l) + 2);
		memcpy(c->text + old, l, strlen(l));
		c->text[old + strlen(l)] = '\n';
		c->text[old + strlen(l) + 1] = '\0';
	}
	*out = cs;
	return n;
}

static char vlog[1 << 20], klog[1 << 20];

/* The kernel's verdict: 0 or -errno, its log in klog. */
static int kernel_verdict(const struct vcase *c, const struct bpf_insn *insns, size_t cnt)
{
	int fds[MAX_MAPS], err = 0;
	for (int i = 0; i < c->nmaps; i++) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.map_type = c->maps[i].type;
		a.key_size = c->maps[i].key_size;
		a.value_size = c->maps[i].value_size;
		a.max_entries = c->maps[i].max_entries;
		a.map_flags = c->maps[i].map_flags;
		fds[i] = kbpf_sys(BPF_MAP_CREATE, &a, sizeof(a));
		if (fds[i] < 0) {
			for (int j = 0; j < i; j++)
				close(fds[j]);
			return -1000 - errno;
		}
	}
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = c->prog_type;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)klog;
	a.log_size = sizeof(klog);
	a.log_level = 1;
	a.fd_array = (uintptr_t)fds;
	if (c->prog_type == BPF_PROG_TYPE_SYSCALL)
		a.prog_flags = BPF_F_SLEEPABLE;
	klog[0] = '\0';
	int fd = kbpf_sys(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0)
		err = -errno;
	else
		close(fd);
	for (int i = 0; i < c->nmaps; i++)
		close(fds[i]);
	return err;
}

static void run_case(const struct vcase *c, const char *no_kernel)
{
	struct bpf_insn *insns;
	size_t cnt, hcnt;
	struct bpfx_isa_diag d;
	if (!CHECK(c->text && !bpfx_asm(c->text, &insns, &cnt, &d), "%s:%d %s: does not assemble: %s",
		   c->file, c->line, c->name, c->text ? d.msg : "no program"))
		return;
	const struct bpfx_helper *h = helpers_builtin(&hcnt);
	struct vfy_input in = { .prog_type = c->prog_type, .maps = c->maps, .map_cnt = (size_t)c->nmaps,
				.helpers = h, .helper_cnt = hcnt, .log_level = 1, .log_buf = vlog,
				.log_size = sizeof(vlog) };
	int err = vfy_verify(insns, cnt, &in, NULL);
	char reason[256];
	snprintf(reason, sizeof(reason), "%s", kbpf_log_reason(vlog));
	int want = c->accept ? 0 : -c->err;
	CHECK(err == want, "%s:%d %s: bpfx says %d, expected %d (%s)", c->file, c->line, c->name, err,
	      want, reason);
	if (!c->accept && c->error[0])
		CHECK(!strcmp(reason, c->error), "%s:%d %s: bpfx's error '%s', expected '%s'", c->file,
		      c->line, c->name, reason, c->error);
	if (c->nokernel || no_kernel) {
		free(insns);
		return;
	}
	int kerr = kernel_verdict(c, insns, cnt);
	const char *kreason = kbpf_log_reason(klog);
	CHECK(kerr == want, "%s:%d %s: the kernel says %d, the case expects %d (%s)", c->file, c->line,
	      c->name, kerr, want, kreason);
	if (!c->accept && c->error[0])
		CHECK(!strcmp(kreason, c->error), "%s:%d %s: the kernel's error '%s', the case says '%s'",
		      c->file, c->line, c->name, kreason, c->error);
	free(insns);
}

/* What the verifier does not model answers EOPNOTSUPP (PROG_LOAD then
 * loads unverified); PROG_LOAD refuses what it rejects, with the log. */
static void test_fallbacks_and_load(void)
{
	static const struct bpf_insn call_new[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1 },
		{ .code = BPF_JMP | BPF_CALL, .imm = 5 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpfx_helper h = { 5, "bpf_new", NULL, BPFX_RET_INTEGER, { (enum bpfx_arg_type)99 } };
	struct vfy_input in = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER, .helpers = &h,
				.helper_cnt = 1, .log_level = 1, .log_buf = vlog, .log_size = sizeof(vlog) };
	CHECK(vfy_verify(call_new, 3, &in, NULL) == -EOPNOTSUPP && strstr(vlog, "not supported"),
	      "an unknown argument type is EOPNOTSUPP (%s)", vlog);
	static const struct bpf_insn ctx_read[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 0, .src_reg = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	in.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	CHECK(vfy_verify(ctx_read, 2, &in, NULL) == -EOPNOTSUPP,
	      "the context of an unmodelled program type is EOPNOTSUPP");

	static const struct bpf_insn bad[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)bad;
	a.insn_cnt = 2;
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)vlog;
	a.log_size = sizeof(vlog);
	a.log_level = 1;
	vlog[0] = '\0';
	unsetenv("BPFX_VERIFY");
	int fd = bpfx_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	CHECK(fd < 0 && errno == EACCES && !strcmp(kbpf_log_reason(vlog), "R0 !read_ok"),
	      "by default PROG_LOAD refuses an unsafe program with EACCES and the log (%d, %s)",
	      fd, vlog);
	setenv("BPFX_VERIFY", "1", 1);
	vlog[0] = '\0';
	fd = bpfx_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	CHECK(fd < 0 && errno == EACCES && !strcmp(kbpf_log_reason(vlog), "R0 !read_ok"),
	      "so does BPFX_VERIFY=1 (%d, %s)", fd, vlog);
	setenv("BPFX_VERIFY", "0", 1);
	a.log_level = 0, a.log_buf = 0, a.log_size = 0;
	fd = bpfx_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	CHECK(fd >= 0, "BPFX_VERIFY=0 loads it unverified (%d)", fd);
	if (fd >= 0)
		close(fd);
	unsetenv("BPFX_VERIFY");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/verifier";
	const char *no_kernel = kbpf_unavailable();
	char pat[512];
	glob_t g;
	int total = 0;
	test_fallbacks_and_load();
	if (no_kernel)
		t_skip("verifier corpus vs kernel: %s", no_kernel);
	snprintf(pat, sizeof(pat), "%s/*.cases", dir);
	if (glob(pat, 0, NULL, &g)) {
		CHECK(false, "no case files in %s", dir);
		return t_done("verifier");
	}
	for (size_t f = 0; f < g.gl_pathc; f++) {
		char *buf = t_read_file(g.gl_pathv[f], NULL);
		if (!CHECK(buf, "can't read %s", g.gl_pathv[f]))
			continue;
		struct vcase *cs;
		int n = parse_cases(buf, g.gl_pathv[f], &cs);
		for (int i = 0; i < n; i++) {
			run_case(&cs[i], no_kernel);
			free(cs[i].text);
		}
		total += n;
		free(cs);
		free(buf);
	}
	globfree(&g);
	CHECK(total >= 10, "only %d cases", total);
	return t_done("verifier");
}
