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

#endif
