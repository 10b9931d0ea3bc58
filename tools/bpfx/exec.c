/* SPDX-License-Identifier: MIT */
/*
 * bpfx exec FILE [--mem HEX | --mem-file F] [--interp | --jit] [--budget N]
 *
 * Runs a raw, unverified program once in checked mode: r1 points at a
 * private copy of the memory (writable), r2 holds its length, and every
 * access outside the stack and that memory stops the program. Prints r0.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static void exec_usage(FILE *f)
{
	fputs("Usage: bpfx exec FILE [--mem HEX | --mem-file F] [--interp | --jit] [--budget N]\n"
	      "\n"
	      "Runs a raw eBPF program once, unverified, in checked mode, and prints r0 as\n"
	      "0x followed by 16 hex digits (exit code 0).\n"
	      "\n"
	      "  FILE           8-byte little-endian struct bpf_insn records, or a text\n"
	      "                 program in the bpftool syntax when it ends in .asm or .s\n"
	      "  --mem HEX      input memory as hex bytes (\"01 02 ff\" or \"0102ff\");\n"
	      "                 r1 points at a writable copy, r2 is its length\n"
	      "  --mem-file F   input memory read from a file\n"
	      "                 (without either, r1 = r2 = 0)\n"
	      "  --interp       run in the interpreter\n"
	      "  --jit          run JIT-compiled code (the default on x86-64)\n"
	      "  --budget N     stop after N executed instructions (default 10000000)\n"
	      "  --stats        also print the number of executed instructions (stderr)\n"
	      "\n"
	      "A program that is refused (invalid instruction, access outside its memory,\n"
	      "budget exceeded) gets one line on stderr naming the instruction index and\n"
	      "the reason, and exit code 1. With -j: {\"r0\":\"0x...\",\"retval\":N,\"insns\":N}.\n",
	      f);
}

/* Parses hex bytes: tokens separated by white space or commas, each an
 * optional 0x followed by an even number of hex digits. */
static int parse_hex(const char *s, uint8_t **out, size_t *len)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	uint8_t *b = malloc(cap);

	if (!b)
		return ENOMEM;
	while (*s) {
		if (isspace((unsigned char)*s) || *s == ',') {
			s++;
			continue;
		}
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		size_t digits = 0;
		while (isxdigit((unsigned char)s[digits]))
			digits++;
		if (digits == 0 || digits % 2 ||
		    (s[digits] && !isspace((unsigned char)s[digits]) && s[digits] != ',')) {
			free(b);
			return EINVAL;
		}
		for (size_t i = 0; i < digits; i += 2) {
			char pair[3] = { s[i], s[i + 1], 0 };
			b[n++] = (uint8_t)strtoul(pair, NULL, 16);
		}
		s += digits;
	}
	*out = b;
	*len = n;
	return 0;
}

static void keep_last_log_line(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)level;
	snprintf((char *)ctx, 512, "%s", msg);
}

struct exec_args {
	const char *file;
	const char *mem_hex;
	const char *mem_file;
	enum bpfx_exec_mode mode;
	uint64_t budget;
	bool stats;
};

static int parse_exec_args(int argc, char **argv, struct exec_args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		bool has_next = i + 1 < argc;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			exec_usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--mem") && has_next) {
			a->mem_hex = argv[++i];
		} else if (!strcmp(arg, "--mem-file") && has_next) {
			a->mem_file = argv[++i];
		} else if (!strcmp(arg, "--interp")) {
			a->mode = BPFX_EXEC_INTERP;
		} else if (!strcmp(arg, "--jit")) {
			a->mode = BPFX_EXEC_JIT;
		} else if (!strcmp(arg, "--stats")) {
			a->stats = true;
		} else if (!strcmp(arg, "--budget") && has_next) {
			char *end;
			a->budget = strtoull(argv[++i], &end, 0);
			if (*end || a->budget == 0)
				return cli_error("--budget takes a positive number, not '%s'", argv[i]);
		} else if (arg[0] == '-' && arg[1]) {
			return cli_error("exec: unknown or incomplete option '%s' (see bpfx exec --help)",
					 arg);
		} else if (!a->file) {
			a->file = arg;
		} else {
			return cli_error("exec: unexpected argument '%s'", arg);
		}
	}
	if (!a->file)
		return cli_error("exec: no program file given (see bpfx exec --help)");
	if (a->mem_hex && a->mem_file)
		return cli_error("exec: --mem and --mem-file exclude each other");
	return 0;
}

static int load_mem(const struct exec_args *a, uint8_t **mem, size_t *len)
{
	*mem = NULL;
	*len = 0;
	if (a->mem_hex) {
		int err = parse_hex(a->mem_hex, mem, len);
		if (err)
			return cli_error("--mem: '%s' is not a list of hex bytes", a->mem_hex);
	} else if (a->mem_file) {
		return cli_read_file(a->mem_file, mem, len);
	}
	return 0;
}

static void print_result(const struct bpfx_run_result *res, bool stats)
{
	if (cli_json) {
		char hex[24];
		snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)res->r0);
		json_begin_object();
		json_key("r0");
		json_string(hex);
		json_key("retval");
		json_uint(res->r0);
		json_key("insns");
		json_uint(res->insns);
		json_end_object();
		json_end_document();
		return;
	}
	printf("0x%016llx\n", (unsigned long long)res->r0);
	if (stats)
		fprintf(stderr, "%llu instructions executed\n", (unsigned long long)res->insns);
}

int cmd_exec(int argc, char **argv)
{
	struct exec_args a = { 0 };
	struct bpf_insn *insns = NULL;
	size_t cnt = 0, mem_len = 0;
	uint8_t *mem = NULL;
	struct bpfx_prog *prog = NULL;
	char log[512] = "";
	int err, rc = 1;

	if (parse_exec_args(argc, argv, &a) || cli_load_program(a.file, &insns, &cnt) ||
	    load_mem(&a, &mem, &mem_len))
		goto out;

	struct bpfx_prog_opts po = { .sz = sizeof(po), .log = keep_last_log_line, .log_ctx = log };
	prog = bpfx_prog__new(insns, cnt, &po, &err);
	if (!prog) {
		cli_error("%s: %s", a.file, log[0] ? log : strerror(-err));
		goto out;
	}

	struct bpfx_region region = { mem, mem_len, true };
	struct bpfx_run_opts ro = {
		.sz = sizeof(ro),
		.r1 = (uintptr_t)mem,
		.r2 = mem_len,
		.checked = true,
		.insn_budget = a.budget,
		.regions = mem ? &region : NULL,
		.region_cnt = mem ? 1 : 0,
		.pkt = mem,
		.pkt_len = mem_len,
		.mode = a.mode,
	};
	struct bpfx_run_result res;
	err = bpfx_prog__run(prog, &ro, &res);
	if (err) {
		if (res.fault_insn >= 0)
			cli_error("%s: insn %d: %s", a.file, res.fault_insn, res.fault_msg);
		else
			cli_error("%s: %s", a.file, res.fault_msg[0] ? res.fault_msg : strerror(-err));
		goto out;
	}
	print_result(&res, a.stats);
	rc = 0;
out:
	bpfx_prog__free(prog);
	free(insns);
	free(mem);
	return rc;
}
