/* SPDX-License-Identifier: MIT */
/*
 * The syscall tracer's setup: attaching programs, starting a command
 * under a seccomp filter, attaching to a running process, teardown.
 *
 * A spawned command gets a seccomp filter (installed in the child before
 * exec) that returns SECCOMP_RET_TRACE for the hooked system call numbers
 * and ALLOW for the others, so only hooked calls stop it
 * (PTRACE_O_TRACESECCOMP). A filter cannot be added to a process that is
 * already running, so a process attached by pid is traced with plain
 * PTRACE_SYSCALL: it stops at every system call's entry and exit, and the
 * tracer runs programs only at the hooked ones.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/obj.h"
#include "api/prog_obj.h"
#include "hooks/tracer.h"
#include "hooks/uprobe.h"
#include "util/alloc.h"
#include "util/opts.h"

#define OPTS_COMMON (PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | \
		     PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC)

struct bpfx_tracer *bpfx_tracer__new(const struct bpfx_tracer_opts *opts, int *err)
{
	struct bpfx_tracer_opts o;
	int e = opts_copy(&o, sizeof(o), opts);
	struct bpfx_tracer *t = e ? NULL : mem_zalloc(sizeof(*t));

	if (!t) {
		if (err)
			*err = e ? e : -ENOMEM;
		return NULL;
	}
	t->log = (struct log_sink){ o.log, o.log_ctx };
	t->leader_status = -1;
	return t;
}

void bpfx_tracer__free(struct bpfx_tracer *t)
{
	if (!t)
		return;
	if (t->started && t->thread_cnt) {
		t->stop = 1;
		tracer_finish(t);
	}
	for (size_t i = 0; i < t->att_cnt; i++) {
		obj_put(&t->att[i].prog->obj);
		mem_free(t->att[i].up);
	}
	uprobe_free(t);
	mem_free(t->att);
	mem_free(t->threads);
	mem_free(t);
}

static uint32_t expected_type(enum hook_kind k)
{
	return k >= HOOK_RAWTP_SYS_ENTER ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_TRACEPOINT;
}

/* A new attach of prog (a reference taken); NULL and *err when it is not
 * loaded or memory runs out. */
static struct tracer_attach *attach_new(struct bpfx_tracer *t, const struct bpfx_program *prog,
					int *err)
{
	const char *sec = bpfx_program__section(prog);
	struct obj *o = fd_get(bpfx_program__fd(prog), OBJ_PROG, err);
	if (!o) {
		log_msg(&t->log, BPFX_LOG_ERROR, "program '%s' (section '%s'): not loaded",
			bpfx_program__name(prog), sec);
		return NULL;
	}
	struct tracer_attach *a = mem_realloc(t->att, (t->att_cnt + 1) * sizeof(*a));
	if (!a) {
		obj_put(o);
		*err = -ENOMEM;
		return NULL;
	}
	t->att = a;
	a = &t->att[t->att_cnt++];
	memset(a, 0, sizeof(*a));
	a->prog = (struct prog_obj *)o;
	snprintf(a->name, sizeof(a->name), "%s", bpfx_program__name(prog));
	snprintf(a->sec, sizeof(a->sec), "%s", sec);
	return a;
}

/* uprobe/PATH:FUNC, uretprobe/PATH:FUNC: kprobe programs, run at the
 * function's breakpoints (uprobe.c). Code mapped later (libraries) is
 * found at the mmap calls' exits, which the filter then stops at. */
static int attach_uprobe(struct bpfx_tracer *t, const struct bpfx_program *prog,
			 const char *sec)
{
	const char *why = NULL;
	struct uprobe_spec *u = mem_zalloc(sizeof(*u));
	int err;

	if (!u)
		return -ENOMEM;
	if (bpfx_program__type(prog) != BPF_PROG_TYPE_KPROBE) {
		why = "a uprobe program must be of type kprobe";
		err = -EINVAL;
	} else {
		err = uprobe_parse(sec, u, &why);
	}
	struct tracer_attach *a = err ? NULL : attach_new(t, prog, &err);
	if (!a) {
		if (why)
			log_msg(&t->log, BPFX_LOG_ERROR, "program '%s' (section '%s'): can't attach: "
				"%s", bpfx_program__name(prog), sec, why);
		mem_free(u);
		return err;
	}
	a->up = u;
	snprintf(a->sec, sizeof(a->sec), "%s", sec);
	a->target.kind = u->ret ? HOOK_URETPROBE : HOOK_UPROBE;
	a->target.nr = -2; /* no system call */
	t->has_uprobes = true;
	t->want[SYS_mmap] |= WANT_EXIT;
	return 0;
}

int bpfx_tracer__attach_uprobe(struct bpfx_tracer *t, const struct bpfx_program *prog,
			       const char *target, bool retprobe)
{
	char sec[PATH_MAX + 160];

	if (t->started)
		return -EBUSY;
	if (!target || snprintf(sec, sizeof(sec), "%s/%s", retprobe ? "uretprobe" : "uprobe",
				target) >= (int)sizeof(sec))
		return -EINVAL;
	return attach_uprobe(t, prog, sec);
}

int bpfx_tracer__attach(struct bpfx_tracer *t, const struct bpfx_program *prog)
{
	const char *sec = bpfx_program__section(prog), *why = NULL;
	struct hook_target tg;
	int err;

	if (t->started)
		return -EBUSY;
	if (uprobe_section(sec))
		return attach_uprobe(t, prog, sec);
	if ((err = hook_parse_section(sec, &tg, &why))) {
		log_msg(&t->log, BPFX_LOG_ERROR, "program '%s' (section '%s'): can't attach: %s",
			bpfx_program__name(prog), sec, why);
		return err;
	}
	if (bpfx_program__type(prog) != expected_type(tg.kind)) {
		log_msg(&t->log, BPFX_LOG_ERROR, "program '%s' (section '%s'): can't attach: "
			"program type %s does not match the section", bpfx_program__name(prog), sec,
			bpfx_prog_type_name(bpfx_program__type(prog)));
		return -EINVAL;
	}
	struct tracer_attach *a = attach_new(t, prog, &err);
	if (!a)
		return err;
	a->target = tg;
	uint8_t w = tg.kind == HOOK_SYS_ENTER || tg.kind == HOOK_RAW_SYS_ENTER ||
				    tg.kind == HOOK_RAWTP_SYS_ENTER ? WANT_ENTER : WANT_EXIT;
	if (tg.nr >= 0)
		t->want[tg.nr] |= w;
	else
		t->want_all |= w;
	return 0;
}

/* ---- threads ---- */

struct tracer_thread *tracer_thread_find(struct bpfx_tracer *t, pid_t tid)
{
	for (size_t i = 0; i < t->thread_cnt; i++)
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	return NULL;
}

struct tracer_thread *tracer_thread_add(struct bpfx_tracer *t, pid_t tid)
{
	struct tracer_thread *th = tracer_thread_find(t, tid);
	if (th)
		return th;
	if (t->thread_cnt == t->thread_cap) {
		size_t cap = t->thread_cap ? t->thread_cap * 2 : 16;
		th = mem_realloc(t->threads, cap * sizeof(*th));
		if (!th)
			return NULL;
		t->threads = th;
		t->thread_cap = cap;
	}
	th = &t->threads[t->thread_cnt++];
	*th = (struct tracer_thread){ .tid = tid };
	return th;
}

void tracer_thread_remove(struct bpfx_tracer *t, pid_t tid)
{
	struct tracer_thread *th = tracer_thread_find(t, tid);
	if (th)
		*th = t->threads[--t->thread_cnt];
}

/* ---- spawn: a command under a seccomp filter ---- */

/* The filter: TRACE for hooked x86-64 syscall numbers, ALLOW otherwise
 * (other ABIs - i386 int 0x80, x32 - run untraced). Two instructions per
 * number keep every jump short. Returns the instruction count. */
static size_t build_filter(const struct bpfx_tracer *t, struct sock_filter *f)
{
	size_t n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (int nr = 0; nr < HOOK_NR_SYSCALLS && !t->want_all; nr++) {
		if (!t->want[nr])
			continue;
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					      t->want_all ? SECCOMP_RET_TRACE : SECCOMP_RET_ALLOW);
	return n;
}

static void child_fail(const char *what, const char *arg, int err)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "bpfx: %s%s%s: %s\n", what, arg ? " " : "",
			 arg ? arg : "", strerror(err));
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		_exit(127);
	_exit(err == ENOENT ? 127 : 126);
}

/* The file execvp would run for `cmd`, looked up here so that the traced
 * command makes exactly one execve for it (as under strace) rather than
 * one per PATH directory. Writes it into buf; -ENOENT when not found. */
static int resolve_cmd(const char *cmd, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (strchr(cmd, '/')) {
		if (snprintf(buf, size, "%s", cmd) >= (int)size)
			return -ENAMETOOLONG;
		return access(buf, X_OK) ? -errno : 0;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path; ; p = strchr(p, ':') + 1) {
		size_t len = strcspn(p, ":");
		if (snprintf(buf, size, "%.*s%s%s", (int)len, p, len ? "/" : "", cmd) < (int)size &&
		    !stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK))
			return 0;
		if (!p[len])
			return -ENOENT;
	}
}

/* In the child, after fork: waits until the tracer has seized it, then
 * installs the filter (without no_new_privs when privileged, so setuid
 * programs keep working) and execs. Only async-signal-safe calls. */
static void child_run(int go, const struct sock_fprog *prog, const char *file,
		      char *const argv[])
{
	char c;
	if (read(go, &c, 1) != 1)
		_exit(127); /* the tracer gave up */
	close(go);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog)) {
		if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog))
			child_fail("can't install the seccomp filter", NULL, errno);
	}
	execv(file, argv);
	child_fail("can't run", file, errno);
}

int bpfx_tracer__spawn(struct bpfx_tracer *t, char *const argv[])
{
	struct sock_filter *f;
	char file[4096];
	int pipefd[2], err;

	if (t->started)
		return -EBUSY;
	if (!argv || !argv[0])
		return -EINVAL;
	if ((err = resolve_cmd(argv[0], file, sizeof(file))) ||
	    (t->has_uprobes && (err = uprobe_check_exe(t, file))))
		return err;
	if (!(f = mem_array(2 * HOOK_NR_SYSCALLS + 8, sizeof(*f))))
		return -ENOMEM;
	struct sock_fprog prog = { (unsigned short)build_filter(t, f), f };
	if (pipe2(pipefd, O_CLOEXEC)) {
		mem_free(f);
		return -errno;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(pipefd[1]);
		child_run(pipefd[0], &prog, file, argv);
	}
	err = pid < 0 ? -errno : 0;
	close(pipefd[0]);
	mem_free(f);
	if (!err && ptrace(PTRACE_SEIZE, pid, 0,
			   OPTS_COMMON | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL))
		err = -errno;
	if (!err && !tracer_thread_add(t, pid))
		err = -ENOMEM;
	if (!err && write(pipefd[1], "g", 1) != 1)
		err = -errno;
	close(pipefd[1]);
	if (err) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, __WALL);
		}
		t->thread_cnt = 0;
		return err;
	}
	t->started = t->spawned = true;
	t->leader = pid;
	return pid;
}

/* ---- attach to a running process ---- */

/* Seizes every thread of pid not yet traced and interrupts it, so that
 * it stops and the loop resumes it with PTRACE_SYSCALL. Returns how many
 * were new, or a negative errno. */
static int seize_threads(struct bpfx_tracer *t, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	struct dirent *de;
	int added = 0;

	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		if (tid <= 0 || tracer_thread_find(t, tid))
			continue;
		if (ptrace(PTRACE_SEIZE, tid, 0, OPTS_COMMON)) {
			if (errno == ESRCH)
				continue; /* the thread just ended */
			int err = -errno;
			closedir(d);
			return err;
		}
		if (!tracer_thread_add(t, tid)) {
			ptrace(PTRACE_DETACH, tid, 0, 0);
			closedir(d);
			return -ENOMEM;
		}
		ptrace(PTRACE_INTERRUPT, tid, 0, 0);
		added++;
	}
	closedir(d);
	return added;
}

int bpfx_tracer__attach_pid(struct bpfx_tracer *t, int pid)
{
	int n;

	if (t->started)
		return -EBUSY;
	if (pid <= 0)
		return -EINVAL;
	char exe[64];
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	if (t->has_uprobes && (n = uprobe_check_exe(t, exe)))
		return n;
	/* Threads created meanwhile are seized by the next pass (or, once
	 * their creator is traced, automatically). */
	while ((n = seize_threads(t, pid)) > 0)
		;
	if (n < 0 || !t->thread_cnt) {
		t->started = true;
		t->leader = pid;
		tracer_finish(t);
		t->started = false;
		t->thread_cnt = 0;
		return n < 0 ? n : -ESRCH;
	}
	t->started = true;
	t->leader = pid;
	return 0;
}

void bpfx_tracer__stop(struct bpfx_tracer *t)
{
	t->stop = 1;
	/* Wake the loop's waitpid: a spawned command is killed (it can't run
	 * without us), an attached process is interrupted (then detached). */
	if (t->started && t->spawned)
		kill(t->leader, SIGKILL);
	else if (t->started)
		ptrace(PTRACE_INTERRUPT, t->leader, 0, 0);
}

void bpfx_tracer__stats(const struct bpfx_tracer *t, struct bpfx_tracer_stats *stats)
{
	*stats = t->stats;
}

int bpfx_tracer__run(struct bpfx_tracer *t, int *status)
{
	*status = -1;
	if (!t->started)
		return -EINVAL;
	/* The thread table holds every traced task (new ones are added at
	 * their creator's fork/clone event), so tracing ends when it is
	 * empty - not at ECHILD: the caller may have other children. */
	while (!t->stop && t->thread_cnt) {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			return -errno;
		}
		tracer_handle(t, tid, st);
	}
	if (t->stop) {
		tracer_finish(t);
		return 0;
	}
	t->thread_cnt = 0;
	*status = t->leader_status;
	return 0;
}
