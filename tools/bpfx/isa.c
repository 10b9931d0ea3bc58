/* SPDX-License-Identifier: MIT */
/*
 * bpfx disasm FILE [--syntax bpftool|llvm] [--opcodes]
 * bpfx asm IN OUT [--dialect bpftool|conformance]
 *
 * Text <-> raw instruction files. Both only translate: nothing is run.
 */
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static void disasm_usage(FILE *f)
{
	fputs("Usage: bpfx disasm FILE [--syntax bpftool|llvm] [--opcodes]\n"
	      "\n"
	      "Prints the instructions of a raw program (8-byte struct bpf_insn records,\n"
	      "or a .asm text file), one per line with its index and opcode, in the\n"
	      "syntax of `bpftool prog dump xlated` (default) or of llvm-objdump.\n"
	      "  --opcodes   also print each instruction's bytes\n"
	      "With -j: [{\"idx\":N,\"code\":\"0xb7\",\"text\":\"r0 = 0\"},...]\n", f);
}

static void asm_usage(FILE *f)
{
	fputs("Usage: bpfx asm IN OUT [--dialect bpftool|conformance]\n"
	      "\n"
	      "Assembles a text program into a raw file of 8-byte struct bpf_insn records\n"
	      "(what `bpfx exec` and `bpfx disasm` read).\n"
	      "  --dialect bpftool      the syntax `bpfx disasm` prints (default):\n"
	      "                         r0 = *(u32 *)(r1 +4), if r1 > 0x5 goto pc+3, labels\n"
	      "  --dialect conformance  the dialect of the shared conformance suite:\n"
	      "                         ldxw %r0, [%r1+4], jgt %r1, 5, +3\n"
	      "Errors name the line; the output file is only written on success.\n", f);
}

static int disasm_json(const struct bpf_insn *insns, size_t cnt, enum bpfx_syntax syntax)
{
	char text[256], code[8];

	fputs(cli_pretty ? "[" : "[", stdout);
	for (size_t i = 0; i < cnt;) {
		int n = bpfx_disasm_insn(insns, cnt, i, syntax, text, sizeof(text));
		snprintf(code, sizeof(code), "0x%02x", insns[i].code);
		if (i)
			putchar(',');
		json_begin_object();
		json_key("idx");
		json_uint(i);
		json_key("code");
		json_string(code);
		json_key("text");
		json_string(text);
		json_end_object();
		i += n > 0 ? (size_t)n : 1;
	}
	puts("]");
	return 0;
}

int cmd_disasm(int argc, char **argv)
{
	const char *file = NULL;
	enum bpfx_syntax syntax = BPFX_SYNTAX_BPFTOOL;
	bool opcodes = false;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			disasm_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--syntax") && i + 1 < argc) {
			const char *s = argv[++i];
			if (!strcmp(s, "bpftool"))
				syntax = BPFX_SYNTAX_BPFTOOL;
			else if (!strcmp(s, "llvm"))
				syntax = BPFX_SYNTAX_LLVM;
			else
				return cli_error("--syntax takes bpftool or llvm, not '%s'", s);
		} else if (!strcmp(argv[i], "--opcodes") || !strcmp(argv[i], "opcodes")) {
			opcodes = true;
		} else if (argv[i][0] == '-') {
			return cli_error("disasm: unknown or incomplete option '%s'", argv[i]);
		} else if (!file) {
			file = argv[i];
		} else {
			return cli_error("disasm: unexpected argument '%s'", argv[i]);
		}
	}
	if (!file)
		return cli_error("disasm: no program file given (see bpfx disasm --help)");

	struct bpf_insn *insns;
	size_t cnt;
	if (cli_load_program(file, &insns, &cnt))
		return 1;
	int rc = 0;
	if (cli_json) {
		rc = disasm_json(insns, cnt, syntax);
	} else {
		int err;
		char *text = bpfx_disasm(insns, cnt, syntax, opcodes, &err);
		if (!text)
			rc = cli_error("%s: can't disassemble: %s", file, strerror(-err));
		else
			fputs(text, stdout);
		free(text);
	}
	free(insns);
	return rc;
}

static int write_all(const char *path, const void *buf, size_t len)
{
	/* Write to a temporary file and rename, so a failure leaves no partial
	 * output behind. */
	size_t plen = strlen(path) + 16;
	char *tmp = malloc(plen);
	if (!tmp)
		return cli_error("out of memory");
	snprintf(tmp, plen, "%s.tmp%u", path, (unsigned)getpid());
	FILE *f = fopen(tmp, "wb");
	int rc = 0;
	if (!f) {
		rc = cli_error("can't create %s: %m", tmp);
	} else {
		bool ok = fwrite(buf, 1, len, f) == len;
		ok = (fclose(f) == 0) && ok;
		if (!ok || rename(tmp, path) != 0) {
			rc = cli_error("can't write %s: %m", path);
			remove(tmp);
		}
	}
	free(tmp);
	return rc;
}

int cmd_asm(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	bool conformance = false;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			asm_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--dialect") && i + 1 < argc) {
			const char *d = argv[++i];
			if (!strcmp(d, "conformance"))
				conformance = true;
			else if (strcmp(d, "bpftool"))
				return cli_error("--dialect takes bpftool or conformance, not '%s'", d);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_error("asm: unknown or incomplete option '%s'", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			return cli_error("asm: unexpected argument '%s'", argv[i]);
		}
	}
	if (!in || !out)
		return cli_error("asm: needs an input and an output file (see bpfx asm --help)");

	uint8_t *text;
	size_t len;
	if (cli_read_file(in, &text, &len))
		return 1;
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	struct bpfx_isa_diag diag;
	int err = conformance ? bpfx_asm_conformance((char *)text, &insns, &cnt, &diag)
			      : bpfx_asm((char *)text, &insns, &cnt, &diag);
	free(text);
	if (err)
		return cli_error("%s:%d: %s", in, diag.insn, diag.msg);
	int rc = write_all(out, insns, cnt * sizeof(*insns));
	free(insns);
	return rc;
}
