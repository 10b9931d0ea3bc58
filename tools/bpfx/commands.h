/* SPDX-License-Identifier: MIT */
/* The commands of the bpfx CLI. Each takes the arguments after its own
 * name and returns the process exit code. */
#ifndef BPFX_TOOLS_COMMANDS_H
#define BPFX_TOOLS_COMMANDS_H

int cmd_exec(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_btf(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_prog(int argc, char **argv);
int cmd_ringbuf(int argc, char **argv);
int cmd_perf(int argc, char **argv);
int cmd_link(int argc, char **argv);

/* `map dump` of a map with BTF (map_btf.c): bpftool's formatted output;
 * cpus is the number of values per key (1 unless per-CPU). */
struct bpf_map_info;
int map_dump_btf(int fd, const struct bpf_map_info *info, unsigned int cpus);

/* PROG := pinned PATH | id ID | name NAME (prog.c): consumes two
 * arguments; a descriptor, or -1 after printing the error. */
int prog_open_arg(int *argc, char ***argv);
int cmd_prog_tracelog(int argc, char **argv);   /* tracelog.c, under `prog` */
int cmd_xdp(int argc, char **argv);
int cmd_tc(int argc, char **argv);
int cmd_socket(int argc, char **argv);
int cmd_trace(int argc, char **argv);

#endif
