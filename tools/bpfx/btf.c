/* SPDX-License-Identifier: MIT */
/*
 * bpfx btf dump file FILE [format raw|c]
 *
 * Prints the BTF of a raw BTF file or of an ELF object's .BTF section,
 * exactly as `bpftool btf dump file` does (-j: bpftool's JSON).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static void btf_usage(FILE *f)
{
	fputs("Usage: bpfx btf dump file FILE [format raw|c]\n"
	      "\n"
	      "Prints the types of FILE: raw BTF (like /sys/kernel/btf/vmlinux) or an eBPF\n"
	      "object compiled with -g (its .BTF section), as bpftool does.\n"
	      "  format raw   one line per type and member (default; -j gives JSON)\n"
	      "  format c     a C header declaring every type\n", f);
}

static void keep_log(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)level;
	snprintf((char *)ctx, 256, "%s", msg);
}

int cmd_btf(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help") ||
	    !strcmp(argv[0], "-h")) {
		btf_usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	if (!cli_is_prefix(argv[0], "dump"))
		return cli_error("unknown btf command '%s' (see bpfx btf help)", argv[0]);
	if (argc < 3 || strcmp(argv[1], "file"))
		return cli_error("btf dump takes: file FILE [format raw|c] (btf dump id comes "
				 "with BTF objects)");
	enum bpfx_btf_format fmt = cli_json ? BPFX_BTF_JSON : BPFX_BTF_RAW;
	if (argc == 5 && !strcmp(argv[3], "format")) {
		if (!strcmp(argv[4], "c"))
			fmt = BPFX_BTF_C;
		else if (strcmp(argv[4], "raw"))
			return cli_error("unknown format '%s': raw or c", argv[4]);
	} else if (argc != 3) {
		return cli_error("btf dump file FILE [format raw|c]: unexpected '%s'", argv[3]);
	}
	if (fmt == BPFX_BTF_C && cli_json)
		return cli_error("the C format has no JSON form");

	char log[256] = "";
	int err = 0;
	struct bpfx_btf *btf = bpfx_btf__parse_file(argv[2], keep_log, log, &err);
	if (!btf) {
		if (err == -ENOENT && !log[0])
			return cli_error("%s: no such file, or no .BTF section in it", argv[2]);
		return cli_error("%s: %s", argv[2], log[0] ? log : strerror(-err));
	}
	char *text = bpfx_btf__dump(btf, fmt, &err);
	bpfx_btf__free(btf);
	if (!text)
		return cli_error("%s: can't dump: %s", argv[2], strerror(-err));
	fputs(text, stdout);
	free(text);
	return 0;
}
