/* SPDX-License-Identifier: MIT */
/*
 * Hooks: where loaded programs meet real events. This header covers the
 * system-call hooks (syscall tracepoints, raw tracepoints) and the "current
 * task" that task helpers describe.
 *
 * The tracer (trace.c, ptrace_loop.c) runs a command or attaches to a
 * process under ptrace; a seccomp filter stops the tracee only at the
 * system calls some program hooks. At each stop the tracer builds the
 * kernel's context for the hook (tp_ctx.c) and runs the programs with the
 * stopped thread as the run's task.
 */
#ifndef BPFX_HOOKS_HOOK_H
#define BPFX_HOOKS_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bpfx/bpfx.h>

/* x86-64 system call numbers stay below this (the table below). */
#define HOOK_NR_SYSCALLS 512

/* The x86-64 system calls by number (syscall_table.c): tracepoint name
 * (NULL: no such number) and argument count (-1: unknown). */
struct hook_syscall {
	const char *name;
	int nargs;
};
extern const struct hook_syscall hook_syscalls[HOOK_NR_SYSCALLS];

/* The number of the system call whose tracepoints are sys_enter_NAME /
 * sys_exit_NAME, or -ENOENT. */
int hook_syscall_nr(const char *name);

/* What tracefs says about a syscall tracepoint ("sys_enter_execve"): its
 * event id (common_type) and, for sys_enter_*, its argument count. Without
 * tracefs: id 0 and 6 arguments (callers use the built-in table's count).
 * Returns 0, or -ENOENT when tracefs is readable and has no such event
 * (the kernel would refuse the attach). */
int hook_tracefs_event(const char *event, uint16_t *id, int *nargs);

/* The kinds of system-call hooks. */
enum hook_kind {
	HOOK_SYS_ENTER = 0,   /* tp/syscalls/sys_enter_NAME */
	HOOK_SYS_EXIT,        /* tp/syscalls/sys_exit_NAME */
	HOOK_RAW_SYS_ENTER,   /* tp/raw_syscalls/sys_enter: every syscall */
	HOOK_RAW_SYS_EXIT,
	HOOK_RAWTP_SYS_ENTER, /* raw_tp/sys_enter: bpf_raw_tracepoint_args */
	HOOK_RAWTP_SYS_EXIT,
	HOOK_UPROBE,          /* uprobe/PATH:FUNC (hooks/uprobe.h) */
	HOOK_URETPROBE,       /* uretprobe/PATH:FUNC */
	HOOK_KIND_CNT
};

/* A section parsed: its kind and, for per-syscall kinds, the number, the
 * tracepoint's id and the argument count. */
struct hook_target {
	enum hook_kind kind;
	int nr;               /* -1 for every syscall */
	uint16_t event_id;
	int nargs;
};

/* Parses a program's section (tp/..., tracepoint/..., raw_tp/...,
 * raw_tracepoint/...). Returns 0, -EOPNOTSUPP for a section that is not
 * a system-call hook, -ENOENT for an unknown system call; *why gets a
 * short reason on failure. */
int hook_parse_section(const char *sec, struct hook_target *t, const char **why);

/* The registers of a stopped tracee, as the kernel's struct pt_regs
 * (x86-64: r15 ... ss, 21 words) which user_regs_struct begins with. */
struct hook_regs {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di,
		orig_ax, ip, cs, flags, sp, ss;
};

/* Task helpers' view of the run's task (task_helpers.c uses it): the
 * task, or the calling thread when the run has none. */
void hook_task_of(const struct bpfx_run_ctx *run, struct bpfx_task *out);

/* Reads [addr, addr+len) of task tid's memory into dst; returns the number
 * of bytes read before the first unreadable byte (0..len). */
size_t hook_read_task(pid_t tid, void *dst, uint64_t addr, size_t len);

/* From /proc, for task helpers; each returns 0 or a negative errno.
 * comm: the thread's name, NUL-padded. uid/gid: the real ids. ns_ids: the
 * (dev, inode) of the task's pid namespace and its pid and tgid there.
 * cgroup_id: the inode of its cgroup v2 directory (the kernel's cgroup
 * id); level >= 0 asks for the ancestor that many levels below the root
 * (0 when the cgroup is not that deep); level < 0 for the cgroup itself. */
int hook_task_comm(pid_t tid, char comm[16]);
int hook_task_uid_gid(pid_t tid, uint32_t *uid, uint32_t *gid);
int hook_task_ns_ids(pid_t tid, uint64_t *dev, uint64_t *ino, int32_t *pid, int32_t *tgid);
int hook_task_cgroup_id(pid_t tid, int level, uint64_t *id);

#endif /* BPFX_HOOKS_HOOK_H */
