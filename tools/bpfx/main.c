/* SPDX-License-Identifier: MIT */
/*
 * bpfx: the command line, with bpftool's grammar: global options, then an
 * object or command word, then its arguments. Dispatch only; each command
 * lives in its own file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static void usage(FILE *f)
{
	fputs("Usage: bpfx [OPTIONS] COMMAND [ARGS...]\n"
	      "\n"
	      "bpfx runs eBPF programs in user space, with the Linux kernel's semantics.\n"
	      "\n"
	      "Commands:\n"
	      "  exec FILE [--mem HEX | --mem-file F] [--interp | --jit] [--budget N]\n"
	      "                      run a raw program once, unverified, in checked mode;\n"
	      "                      prints r0\n"
	      "  disasm FILE [--syntax bpftool|llvm] [--opcodes]\n"
	      "                      print a raw program's instructions\n"
	      "  verify FILE [type TYPE] [log_level N]\n"
	      "                      verify a raw program; prints ACCEPT or REJECT and why\n"
	      "  asm IN OUT [--dialect bpftool|conformance]\n"
	      "                      assemble a text program into a raw file\n"
	      "  map { show | dump | lookup | update | delete | getnext | create | pin |\n"
	      "        freeze } ...    maps, bpftool's grammar (`bpfx map help`)\n"
	      "  prog { load | loadall | show | dump xlated | run | tracelog } ...\n"
	      "                      pinned programs, bpftool's grammar (`bpfx prog help`)\n"
	      "  ringbuf [pinned] PATH [count N]\n"
	      "                      print a pinned ringbuf's records as they arrive\n"
	      "  perf [pinned] PATH [count N]\n"
	      "                      the same for a pinned perf event array (per slot)\n"
	      "  xdp | tc | socket OBJ [prog NAME] --pcap IN [--out OUT] [pinmaps DIR]\n"
	      "      [--threads N]   run a packet program over a pcap file; print verdicts\n"
	      "  trace OBJ... [pinmaps DIR] [stats] { -p PID | -- CMD [ARGS...] }\n"
	      "                      run CMD (or attach to PID) with the objects' system-call\n"
	      "                      tracepoint programs attached (`bpfx trace help`)\n"
	      "  btf dump file FILE [format raw|c]\n"
	      "                      print the BTF types of a raw BTF file or an object\n"
	      "  link { show | pin | detach } LINK\n"
	      "                      pinned links, bpftool's grammar (`bpfx link help`)\n"
	      "  version             print the version\n"
	      "  help                print this text\n"
	      "\n"
	      "Raw program files hold 8-byte little-endian struct bpf_insn records; files\n"
	      "ending in .asm or .s are read as text in the bpftool syntax.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json          JSON output (errors too: {\"error\":\"...\"})\n"
	      "  -p, --pretty        indented JSON output (implies -j)\n"
	      "  --bpffs DIR         the bpffs root for pins (default: BPFX_FS, else\n"
	      "                      /run/bpfx for root, else $XDG_RUNTIME_DIR/bpfx)\n"
	      "  --btf FILE          BTF that CO-RE relocations resolve against (default:\n"
	      "                      /sys/kernel/btf/vmlinux, else the object's own)\n"
	      "  -d, --debug         the loader's debug lines, with every program's\n"
	      "                      verifier log (level 1 + 2 + 4), as bpftool -d\n"
	      "  -h, --help          this text; `bpfx COMMAND --help` for a command's\n"
	      "  -V, --version       print the version\n"
	      "\n"
	      "Exit code 0 on success, 1 when a command fails (one line on stderr\n"
	      "starting with \"Error: \"), 2 for a usage error.\n", f);
}

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "exec", cmd_exec },
	{ "disasm", cmd_disasm },
	{ "verify", cmd_verify },
	{ "asm", cmd_asm },
	{ "btf", cmd_btf },
	{ "map", cmd_map },
	{ "link", cmd_link },
	{ "prog", cmd_prog },
	{ "ringbuf", cmd_ringbuf },
	{ "perf", cmd_perf },
	{ "xdp", cmd_xdp },
	{ "tc", cmd_tc },
	{ "socket", cmd_socket },
	{ "trace", cmd_trace },
};

static int print_version(void)
{
	if (cli_json) {
		json_begin_object();
		json_key("version");
		json_string(bpfx_version());
		json_end_object();
		json_end_document();
	} else {
		printf("bpfx v%s\n", bpfx_version());
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			cli_json = true;
		} else if (!strcmp(o, "-p") || !strcmp(o, "--pretty")) {
			cli_json = cli_pretty = true;
		} else if ((!strcmp(o, "--bpffs") || !strcmp(o, "--btf")) && i + 1 < argc) {
			/* the root is the library's: it reads BPFX_FS */
			if (!strcmp(o, "--bpffs"))
				setenv("BPFX_FS", argv[++i], 1);
			else
				cli_btf_path = argv[++i];
		} else if (!strcmp(o, "-d") || !strcmp(o, "--debug")) {
			cli_debug = true;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			return print_version();
		} else {
			cli_error("unknown option '%s' (see bpfx --help)", o);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i];
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "version"))
		return print_version();
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(cmd, commands[c].name))
			return commands[c].run(argc - i - 1, argv + i + 1);
	cli_error("unknown command '%s' (see bpfx --help)", cmd);
	return 2;
}
