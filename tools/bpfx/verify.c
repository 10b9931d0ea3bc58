/* SPDX-License-Identifier: MIT */
/*
 * bpfx verify FILE [type TYPE] [log_level N]
 *
 * Runs bpfx's verifier on a raw program (the file formats of `bpfx exec`)
 * as a program of TYPE (bpftool's names; socket_filter by default).
 * Prints the log when a level is given, then ACCEPT (exit 0) or REJECT
 * with the kernel's errno and error line (exit 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static void verify_usage(FILE *f)
{
	fputs("Usage: bpfx verify FILE [type TYPE] [log_level N]\n"
	      "\n"
	      "Verifies a raw eBPF program (8-byte records, or bpftool-syntax text when\n"
	      "FILE ends in .asm or .s) with the kernel's rules for privileged programs,\n"
	      "as a program of TYPE (xdp, sched_cls, socket_filter (default), syscall,\n"
	      "kprobe, tracepoint...). The program may call bpfx's built-in helpers and\n"
	      "reference no maps. With log_level 1 or 2 the verifier's log is printed.\n"
	      "Prints ACCEPT (exit code 0), or REJECT, the errno and the reason (exit 1).\n",
	      f);
}

static int type_by_name(const char *name)
{
	for (uint32_t t = 1; t < 64; t++) {
		const char *n = bpfx_prog_type_name(t);
		if (n && !strcmp(n, name))
			return (int)t;
	}
	return -1;
}

/* The last line of the log that is not the statistics line. */
static void print_reason(const char *log)
{
	const char *end = log + strlen(log), *best = NULL, *best_end = NULL;
	while (end > log) {
		const char *e = end;
		if (e > log && e[-1] == '\n')
			e--;
		const char *s = e;
		while (s > log && s[-1] != '\n')
			s--;
		if (e > s && strncmp(s, "processed ", 10)) {
			best = s, best_end = e;
			break;
		}
		end = s;
	}
	if (best)
		printf(": %.*s", (int)(best_end - best), best);
	printf("\n");
}

int cmd_verify(int argc, char **argv)
{
	struct bpfx_verify_opts o = { .sz = sizeof(o), .prog_type = 1 };
	const char *file = NULL;
	unsigned level = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "help") || !strcmp(argv[i], "--help")) {
			verify_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "type") && i + 1 < argc) {
			int t = type_by_name(argv[++i]);
			if (t < 0)
				return cli_error("unknown program type '%s'", argv[i]);
			o.prog_type = (uint32_t)t;
		} else if (!strcmp(argv[i], "log_level") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 0);
			if (*end || v > 15)
				return cli_error("invalid log_level '%s'", argv[i]);
			level = (unsigned)v;
		} else if (!file && argv[i][0] != '-') {
			file = argv[i];
		} else {
			verify_usage(stderr);
			return cli_error("unexpected argument '%s'", argv[i]);
		}
	}
	if (!file) {
		verify_usage(stderr);
		return cli_error("missing FILE");
	}
	struct bpf_insn *insns;
	size_t cnt;
	if (cli_load_program(file, &insns, &cnt))
		return 1;
	static char log[16 << 20];
	o.log_level = level ? level : 1;
	o.log_buf = log;
	o.log_size = sizeof(log);
	int err = bpfx_verify(insns, cnt, &o);
	free(insns);
	if (level)
		fputs(log, stdout);
	if (!err) {
		printf("ACCEPT\n");
		return 0;
	}
	printf("REJECT %s", strerror(-err));
	print_reason(log);
	return 1;
}
