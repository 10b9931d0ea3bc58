/* SPDX-License-Identifier: MIT */
/*
 * The syscall tracer's state, shared by trace.c (setup: attach, spawn,
 * attach by pid, teardown) and tracer_loop.c (the waitpid loop that runs
 * programs at the stops). One thread - the one calling bpfx_tracer__run -
 * touches it, except `stop`, which a signal handler may set.
 */
#ifndef BPFX_HOOKS_TRACER_H
#define BPFX_HOOKS_TRACER_H

#include <signal.h>
#include <sys/types.h>

#include "hooks/hook.h"
#include "util/log.h"

struct prog_obj;
struct uprobe_spec;
struct uprobe_state;

/* One attached program. */
struct tracer_attach {
	struct prog_obj *prog;        /* one reference, owned */
	struct hook_target target;
	char name[64], sec[128];
	bool fault_reported;          /* the first fault is logged, the others counted */
	struct uprobe_spec *up;       /* uprobes (owned); NULL: a system-call hook */
};

/* One traced thread. */
struct tracer_thread {
	pid_t tid;
	pid_t tgid;                   /* 0 until needed (read from /proc) */
	bool exit_pending;            /* resumed with PTRACE_SYSCALL for a sys_exit hook */
};

#define WANT_ENTER 1u
#define WANT_EXIT 2u

struct bpfx_tracer {
	struct log_sink log;
	struct tracer_attach *att;    /* owned array */
	size_t att_cnt;
	uint8_t want[HOOK_NR_SYSCALLS];   /* WANT_* per syscall number */
	uint8_t want_all;             /* WANT_* for every syscall (raw hooks) */
	bool started;                 /* spawn or attach_pid done */
	bool spawned;                 /* seccomp mode: a command we started */
	pid_t leader;                 /* the command, or the attached process */
	int leader_status;            /* its wait status once it ended, else -1 */
	struct tracer_thread *threads; /* owned array */
	size_t thread_cnt, thread_cap;
	volatile sig_atomic_t stop;
	struct bpfx_tracer_stats stats;
	bool has_uprobes;             /* some attach is a uprobe: watch exec, mmap, fork */
	struct uprobe_state *uprobes; /* their breakpoints (uprobe.c), owned */
};

/* Threads (trace.c). find returns NULL for unknown tids; add returns NULL
 * when out of memory. */
struct tracer_thread *tracer_thread_find(struct bpfx_tracer *t, pid_t tid);
struct tracer_thread *tracer_thread_add(struct bpfx_tracer *t, pid_t tid);
void tracer_thread_remove(struct bpfx_tracer *t, pid_t tid);

/* Runs an attached program (checked) with run options ro, whose task is
 * the stopped thread: counts the run, logs its first fault (tracer_loop.c). */
void tracer_run(struct bpfx_tracer *t, struct tracer_attach *a, const struct bpfx_run_opts *ro);

/* Handles one waitpid report of a traced thread and resumes it
 * (tracer_loop.c). */
void tracer_handle(struct bpfx_tracer *t, pid_t tid, int status);

/* After stop: detaches from (attached) or kills (spawned) every thread
 * and reaps them (tracer_loop.c). */
void tracer_finish(struct bpfx_tracer *t);

#endif /* BPFX_HOOKS_TRACER_H */
