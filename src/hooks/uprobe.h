/* SPDX-License-Identifier: MIT */
/*
 * Uprobes under the tracer: `uprobe/PATH:FUNC[+OFF]` and
 * `uretprobe/PATH:FUNC[+OFF]` programs (BPF_PROG_TYPE_KPROBE) run when a
 * traced task enters FUNC of the file PATH (an executable or a shared
 * library; /proc/self/exe is the traced command's own executable) or
 * returns from it, with the task's registers as struct pt_regs.
 *
 * Mechanism (uprobe.c): breakpoints. The tracer writes int3 over the
 * probed instruction in every traced process that maps the file (when a
 * process execs, when it maps more code, when it forks); a hit is a
 * SIGTRAP stop, where the programs run, the original instruction is
 * single-stepped and the breakpoint put back. A uretprobe reads the
 * return address at entry and puts a breakpoint there too, matched to the
 * call by the stack pointer.
 */
#ifndef BPFX_HOOKS_UPROBE_H
#define BPFX_HOOKS_UPROBE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bpfx_tracer;
struct tracer_thread;
struct hook_regs;

/* What a uprobe section names. */
struct uprobe_spec {
	bool ret;                 /* uretprobe */
	bool self_exe;            /* PATH is /proc/self/exe: each process's own */
	char path[PATH_MAX];
	char func[128];
	uint64_t func_off;        /* +OFF */
	uint64_t file_off;        /* where FUNC+OFF lies in the file (not self_exe) */
	dev_t dev;                /* the file's identity (not self_exe) */
	ino_t ino;
};

/* Is this a uprobe section (uprobe/..., uretprobe/...)? */
bool uprobe_section(const char *sec);

/* Parses the section and, unless PATH is /proc/self/exe, finds FUNC in
 * the file's symbols. 0, or a negative errno with *why set. */
int uprobe_parse(const char *sec, struct uprobe_spec *u, const char **why);

/* Before the command starts: /proc/self/exe probes must name functions
 * of its executable exe (unless exe is a script: its interpreter runs
 * first). 0, or a negative errno after logging why. */
int uprobe_check_exe(struct bpfx_tracer *t, const char *exe);

/* The tracer's events, called on the tracer thread with the reporting
 * thread stopped. */
/* A process (tgid) was seen for the first time, exec'd or mapped more
 * code: breakpoints for every probe whose file it maps. */
void uprobe_arm(struct bpfx_tracer *t, struct tracer_thread *th);
/* parent forked child_tgid (a new process): the child's memory has the
 * parent's breakpoints; record them for it. */
void uprobe_fork(struct bpfx_tracer *t, struct tracer_thread *parent, pid_t child_tgid);
/* A process exec'd: its old breakpoints are gone with its old image. */
void uprobe_exec(struct bpfx_tracer *t, pid_t tgid);
/* A SIGTRAP stop: when it is one of our breakpoints, runs the programs,
 * steps over the instruction and returns true (the thread is stopped
 * again, ready to be resumed, with *pending_sig a signal that arrived
 * meanwhile, or 0); false when the trap is not ours. */
bool uprobe_hit(struct bpfx_tracer *t, struct tracer_thread *th, int *pending_sig);
/* Has process tgid had its breakpoints written (uprobe_arm, _fork)? */
bool uprobe_armed(struct bpfx_tracer *t, pid_t tgid);
/* Frees the tracer's breakpoint tables. */
void uprobe_free(struct bpfx_tracer *t);

#endif /* BPFX_HOOKS_UPROBE_H */
