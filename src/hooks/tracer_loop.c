/* SPDX-License-Identifier: MIT */
/*
 * The tracer's reaction to each stop of a traced thread, on the thread
 * that called bpfx_tracer__run: system-call stops run the hooked
 * programs with the kernel's contexts, every other stop is passed on so
 * that the tracee keeps its signals, job control and exit status.
 *
 * Contexts (what the kernel's kernel/trace/trace_syscalls.c and
 * include/trace/events/syscalls.h give BPF programs):
 *   sys_enter_NAME: 8 bytes where the trace entry's common fields would
 *     be - the kernel stores a struct pt_regs pointer there, so do we -,
 *     int __syscall_nr at 8, the syscall's arguments as u64 from 16 on
 *     (only as many as it has: the context ends there);
 *   sys_exit_NAME: the same header, long ret at 16;
 *   raw_syscalls/sys_enter|exit: a real trace entry (common_type = the
 *     event id, common_pid = the thread), long id at 8, args[6] / ret at 16;
 *   raw_tp/sys_enter|exit: struct bpf_raw_tracepoint_args {u64 args[2]}:
 *     a pointer to the pt_regs copy, and the syscall number / return value.
 * The pt_regs copy lives for the run, readable by the program and by
 * bpf_probe_read_kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/prog_obj.h"
#include "hooks/tracer.h"
#include "hooks/uprobe.h"

/* One stop's facts. */
struct stop {
	struct tracer_thread *th;
	bool enter;
	int nr;
	struct hook_regs regs;
};

/* Builds the context for a hook kind into buf (64 bytes); returns its size. */
static size_t build_ctx(const struct tracer_attach *a, const struct stop *s, uint8_t *buf)
{
	uint64_t args[6] = { s->regs.di, s->regs.si, s->regs.dx, s->regs.r10, s->regs.r8,
			     s->regs.r9 };
	uint64_t regs_ptr = (uintptr_t)&s->regs;
	int64_t nr = s->nr;

	memset(buf, 0, 64);
	switch (a->target.kind) {
	case HOOK_SYS_ENTER:
		memcpy(buf, &regs_ptr, 8);
		memcpy(buf + 8, &s->nr, 4);
		memcpy(buf + 16, args, 8 * (size_t)a->target.nargs);
		return 16 + 8 * (size_t)a->target.nargs;
	case HOOK_SYS_EXIT:
		memcpy(buf, &regs_ptr, 8);
		memcpy(buf + 8, &s->nr, 4);
		memcpy(buf + 16, &s->regs.ax, 8);
		return 24;
	case HOOK_RAW_SYS_ENTER:
	case HOOK_RAW_SYS_EXIT: {
		int32_t pid = s->th->tid;
		memcpy(buf, &a->target.event_id, 2);
		memcpy(buf + 4, &pid, 4);
		memcpy(buf + 8, &nr, 8);
		if (a->target.kind == HOOK_RAW_SYS_EXIT) {
			memcpy(buf + 16, &s->regs.ax, 8);
			return 24;
		}
		memcpy(buf + 16, args, sizeof(args));
		return 64;
	}
	default:
		memcpy(buf, &regs_ptr, 8);
		memcpy(buf + 8, a->target.kind == HOOK_RAWTP_SYS_ENTER ? (void *)&nr :
				(void *)&s->regs.ax, 8);
		return 16;
	}
}

static bool matches(const struct tracer_attach *a, const struct stop *s)
{
	if (a->up)
		return false; /* uprobes run at breakpoints, not system calls */
	bool enter = a->target.kind == HOOK_SYS_ENTER || a->target.kind == HOOK_RAW_SYS_ENTER ||
		     a->target.kind == HOOK_RAWTP_SYS_ENTER;
	return enter == s->enter && (a->target.nr < 0 || a->target.nr == s->nr);
}

/* The thread group of a task, from /proc (its own id when unreadable). */
static pid_t task_tgid(pid_t tid)
{
	char path[64], buf[1024];
	pid_t tgid = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	FILE *f = fopen(path, "re");
	while (f && fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "Tgid:", 5)) {
			tgid = (pid_t)atoi(buf + 5);
			break;
		}
	if (f)
		fclose(f);
	return tgid ? tgid : tid;
}

static pid_t thread_tgid(struct tracer_thread *th)
{
	if (!th->tgid)
		th->tgid = task_tgid(th->tid);
	return th->tgid;
}

/* Uprobes: the thread's process gets its breakpoints at its first stop
 * (a process attached by pid; a spawned command gets them at its exec). */
static void uprobe_watch(struct bpfx_tracer *t, struct tracer_thread *th)
{
	thread_tgid(th);
	if (!uprobe_armed(t, th->tgid))
		uprobe_arm(t, th);
}

static void run_one(struct bpfx_tracer *t, struct tracer_attach *a, const struct stop *s)
{
	uint8_t ctx[64];
	size_t size = build_ctx(a, s, ctx);
	struct bpfx_task task = { thread_tgid(s->th), s->th->tid };
	/* Tracepoint programs may not read the first 8 bytes (the kernel's
	 * verifier refuses them: a pt_regs pointer, or the common fields). */
	size_t hidden = a->target.kind < HOOK_RAWTP_SYS_ENTER ? 8 : 0;
	struct bpfx_region regions[2] = { { ctx + hidden, size - hidden, false },
					  { (void *)&s->regs, sizeof(s->regs), false } };
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .r1 = (uintptr_t)ctx, .checked = true,
				    .regions = regions, .region_cnt = 2, .task = &task };

	tracer_run(t, a, &ro);
}

void tracer_run(struct bpfx_tracer *t, struct tracer_attach *a, const struct bpfx_run_opts *ro)
{
	struct bpfx_run_result res;

	t->stats.runs++;
	if (!bpfx_prog__run(a->prog->prog, ro, &res))
		return;
	t->stats.faults++;
	if (a->fault_reported)
		return;
	a->fault_reported = true;
	log_msg(&t->log, BPFX_LOG_WARN, "program '%s' (section '%s') faulted in task %d at "
		"insn %d: %s (later faults are only counted)", a->name, a->sec, (int)ro->task->tid,
		res.fault_insn, res.fault_msg);
}

/* A system-call stop: reads the registers and runs the matching programs.
 * Returns the system call's number, -1 when the thread is gone. */
static int syscall_stop(struct bpfx_tracer *t, struct tracer_thread *th, bool enter)
{
	struct user_regs_struct ur;
	struct stop s = { .th = th, .enter = enter };

	if (ptrace(PTRACE_GETREGS, th->tid, 0, &ur))
		return -1; /* killed meanwhile */
	_Static_assert(sizeof(s.regs) <= sizeof(ur), "pt_regs is a prefix of user_regs_struct");
	memcpy(&s.regs, &ur, sizeof(s.regs));
	s.nr = (int)(int64_t)ur.orig_rax;
	if (s.nr < 0 || s.nr >= HOOK_NR_SYSCALLS ||
	    !((t->want[s.nr] | t->want_all) & (enter ? WANT_ENTER : WANT_EXIT)))
		return s.nr;
	t->stats.stops++;
	for (size_t i = 0; i < t->att_cnt; i++)
		if (matches(&t->att[i], &s))
			run_one(t, &t->att[i], &s);
	return s.nr;
}

/* Resumes a thread: with PTRACE_SYSCALL when it must stop at the next
 * syscall exit or when there is no filter (attached by pid). */
static void resume(struct bpfx_tracer *t, struct tracer_thread *th, int sig)
{
	bool sysc = !t->spawned || (th && th->exit_pending);
	pid_t tid = th->tid;
	ptrace(sysc ? PTRACE_SYSCALL : PTRACE_CONT, tid, 0, (void *)(uintptr_t)sig);
}

/* Attached by pid: entry or exit? The kernel says (Linux 5.3+). */
static bool is_entry(pid_t tid)
{
	struct __ptrace_syscall_info info;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) <= 0)
		return false;
	return info.op == PTRACE_SYSCALL_INFO_ENTRY;
}

static bool is_group_stop_sig(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

void tracer_handle(struct bpfx_tracer *t, pid_t tid, int status)
{
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		tracer_thread_remove(t, tid);
		if (tid == t->leader)
			t->leader_status = status;
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	struct tracer_thread *th = tracer_thread_add(t, tid);
	if (!th) {
		ptrace(PTRACE_DETACH, tid, 0, 0); /* out of memory: let it go */
		return;
	}
	int sig = WSTOPSIG(status), event = status >> 16;
	/* (an exec stop arms the new image below, once) */
	if (t->has_uprobes && event != PTRACE_EVENT_EXEC)
		uprobe_watch(t, th);
	if (sig == (SIGTRAP | 0x80)) {
		bool enter = t->spawned ? false : is_entry(tid);
		if (!t->spawned || th->exit_pending) {
			th->exit_pending = false;
			int nr = syscall_stop(t, th, enter);
			/* new code mapped (a library): probes it holds */
			if (!enter && nr == SYS_mmap && t->has_uprobes)
				uprobe_arm(t, th);
		}
		resume(t, th, 0);
	} else if (event == PTRACE_EVENT_SECCOMP) {
		int nr = syscall_stop(t, th, true);
		th->exit_pending = nr >= 0 && nr < HOOK_NR_SYSCALLS &&
				   ((t->want[nr] | t->want_all) & WANT_EXIT);
		resume(t, th, 0);
	} else if (event == PTRACE_EVENT_STOP) {
		if (is_group_stop_sig(sig))
			ptrace(PTRACE_LISTEN, tid, 0, 0); /* job control: stay stopped */
		else
			resume(t, th, 0);
	} else if (event) {
		unsigned long former;
		if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
		    event == PTRACE_EVENT_CLONE) {
			/* Known from now on, even if its creator ends before
			 * it first reports. */
			if (!ptrace(PTRACE_GETEVENTMSG, tid, 0, &former)) {
				tracer_thread_add(t, (pid_t)former);
				th = tracer_thread_find(t, tid);
				if (t->has_uprobes && th)
					uprobe_fork(t, th, event == PTRACE_EVENT_CLONE
						    ? task_tgid((pid_t)former) : (pid_t)former);
			}
			th = tracer_thread_find(t, tid);
		} else if (event == PTRACE_EVENT_EXEC) {
			/* A non-leader that execs takes the leader's id; its
			 * own id is gone without an exit report. */
			th->tgid = 0;
			if (!ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) && (pid_t)former != tid)
				tracer_thread_remove(t, (pid_t)former);
			th = tracer_thread_find(t, tid);
			if (t->has_uprobes && th) {
				/* a new image: its own breakpoints */
				uprobe_exec(t, thread_tgid(th));
				uprobe_arm(t, th);
			}
		}
		resume(t, th, 0);
	} else {
		int pending = sig;
		/* a breakpoint of ours (uprobes), or a signal for the tracee */
		if (sig == SIGTRAP && t->has_uprobes && uprobe_hit(t, th, &pending) &&
		    !tracer_thread_find(t, tid))
			return; /* ended while stepping */
		resume(t, th, pending);
	}
}

void tracer_finish(struct bpfx_tracer *t)
{
	int st;

	if (t->spawned) {
		/* Without its tracer the command's hooked calls would fail with
		 * ENOSYS: it ends with us. */
		for (size_t i = 0; i < t->thread_cnt; i++)
			kill(t->threads[i].tid, SIGKILL);
		while (t->thread_cnt) {
			pid_t tid = waitpid(-1, &st, __WALL);
			if (tid < 0 && errno == EINTR)
				continue;
			if (tid < 0)
				break;
			if (WIFEXITED(st) || WIFSIGNALED(st))
				tracer_thread_remove(t, tid);
		}
		t->thread_cnt = 0;
		return;
	}
	for (size_t i = 0; i < t->thread_cnt; i++)
		ptrace(PTRACE_INTERRUPT, t->threads[i].tid, 0, 0);
	/* Each thread reports one more stop (or its end): detach it there,
	 * handing back a signal it was about to receive. */
	while (t->thread_cnt) {
		pid_t tid = waitpid(-1, &st, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st), event = st >> 16;
			bool deliver = !event && sig != (SIGTRAP | 0x80);
			ptrace(PTRACE_DETACH, tid, 0, (void *)(uintptr_t)(deliver ? sig : 0));
		}
		tracer_thread_remove(t, tid);
	}
	t->thread_cnt = 0;
}
