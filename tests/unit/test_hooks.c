/* SPDX-License-Identifier: MIT */
/*
 * The syscall hooks' pieces (src/hooks/): sections to hook kinds, syscall
 * names to numbers, tracefs facts, and the tracer's life cycle without
 * programs - spawn, exit status, stop (spawned: killed; attached: detached
 * and left running), API misuse, allocation failure. Programs at hooks are
 * tested end to end by tests/suites/trace.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks/hook.h"
#include "talloc.h"
#include "tcheck.h"

static void test_sections(void)
{
	struct hook_target t;
	const char *why;

	CHECK(hook_syscall_nr("execve") == 59, "execve is 59");
	CHECK(hook_syscall_nr("newstat") == 4, "stat's tracepoint name is newstat");
	CHECK(hook_syscall_nr("stat") == -ENOENT, "no tracepoint is called stat");
	CHECK(hook_syscall_nr("file_setattr") == 469, "the table reaches 469");
	CHECK(hook_syscall_nr("umount") == 166, "umount2's tracepoint name is umount");

	CHECK(hook_parse_section("tp/syscalls/sys_enter_execve", &t, &why) == 0 &&
	      t.kind == HOOK_SYS_ENTER && t.nr == 59, "tp/syscalls/sys_enter_execve");
	bool tracefs = access("/sys/kernel/tracing/events/syscalls", R_OK) == 0;
	if (tracefs)
		CHECK(t.nargs == 3 && t.event_id != 0, "execve has 3 arguments in tracefs "
		      "(got %d, id %u)", t.nargs, t.event_id);
	else
		t_skip("no tracefs: argument counts not checked");
	/* The built-in table (used without tracefs) says what tracefs says. */
	int agree = 0, listed = 0;
	for (int nr = 0; tracefs && nr < HOOK_NR_SYSCALLS; nr++) {
		char ev[64];
		uint16_t id;
		int nargs;
		if (!hook_syscalls[nr].name)
			continue;
		snprintf(ev, sizeof(ev), "sys_enter_%s", hook_syscalls[nr].name);
		if (hook_tracefs_event(ev, &id, &nargs))
			continue; /* not in this kernel */
		listed++;
		agree += CHECK(nargs == hook_syscalls[nr].nargs, "%s: %d arguments in tracefs, "
			       "%d in the table", ev, nargs, hook_syscalls[nr].nargs);
	}
	if (tracefs)
		CHECK(listed > 300 && agree == listed, "%d of %d syscall tracepoints agree",
		      agree, listed);
	CHECK(hook_parse_section("tracepoint/syscalls/sys_exit_getpid", &t, &why) == 0 &&
	      t.kind == HOOK_SYS_EXIT && t.nr == 39, "tracepoint/syscalls/sys_exit_getpid");
	CHECK(hook_parse_section("tp/syscalls/sys_enter_getpid", &t, &why) == 0 &&
	      (!tracefs || t.nargs == 0), "getpid has no arguments (%d)", t.nargs);
	CHECK(hook_parse_section("tp/raw_syscalls/sys_exit", &t, &why) == 0 &&
	      t.kind == HOOK_RAW_SYS_EXIT && t.nr == -1, "tp/raw_syscalls/sys_exit");
	CHECK(hook_parse_section("raw_tp/sys_enter", &t, &why) == 0 &&
	      t.kind == HOOK_RAWTP_SYS_ENTER && t.nr == -1, "raw_tp/sys_enter");
	CHECK(hook_parse_section("raw_tracepoint/sys_exit", &t, &why) == 0 &&
	      t.kind == HOOK_RAWTP_SYS_EXIT, "raw_tracepoint/sys_exit");
	CHECK(hook_parse_section("tp/syscalls/sys_enter_nosuchcall", &t, &why) == -ENOENT,
	      "an unknown system call");
	CHECK(hook_parse_section("tp/syscalls/execve", &t, &why) == -EOPNOTSUPP,
	      "syscalls tracepoints need sys_enter_/sys_exit_");
	CHECK(hook_parse_section("tp/sched/sched_switch", &t, &why) == -EOPNOTSUPP &&
	      strstr(why, "not a system-call hook"), "another tracepoint: %s", why);
	CHECK(hook_parse_section("raw_tp/sched_switch", &t, &why) == -EOPNOTSUPP,
	      "another raw tracepoint");
	CHECK(hook_parse_section("kprobe/do_sys_open", &t, &why) == -EOPNOTSUPP, "a kprobe");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_spawn(void)
{
	int err = 0, status = 0;
	struct bpfx_tracer *t = bpfx_tracer__new(NULL, &err);
	char *argv_exit[] = { "sh", "-c", "exit 3", NULL };
	char *argv_none[] = { "/nonexistent/cmd", NULL };

	if (!CHECK(t != NULL, "tracer: %d", err))
		return;
	CHECK(bpfx_tracer__run(t, &status) == -EINVAL && status == -1, "run before a start");
	CHECK(bpfx_tracer__spawn(t, argv_none) == -ENOENT, "a command that does not exist");
	CHECK(bpfx_tracer__spawn(t, NULL) == -EINVAL, "no command");
	CHECK(bpfx_tracer__spawn(t, argv_exit) > 0, "spawn sh");
	CHECK(bpfx_tracer__spawn(t, argv_exit) == -EBUSY, "a second start");
	CHECK(bpfx_tracer__attach_pid(t, getpid()) == -EBUSY, "attach after spawn");
	CHECK(bpfx_tracer__run(t, &status) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	      "exit status 3 (0x%x)", status);
	bpfx_tracer__free(t);

	char *argv_sleep[] = { "sleep", "5", NULL };
	t = bpfx_tracer__new(NULL, &err);
	int pid = bpfx_tracer__spawn(t, argv_sleep);
	CHECK(pid > 0, "spawn sleep");
	bpfx_tracer__stop(t);
	double start = now_s();
	CHECK(bpfx_tracer__run(t, &status) == 0 && status == -1, "stopped: no status");
	CHECK(now_s() - start < 2, "stop is prompt");
	CHECK(kill(pid, 0) == -1 && errno == ESRCH, "the spawned command is gone");
	bpfx_tracer__free(t);
}

static void test_attach_pid(void)
{
	int err = 0, status = 0;
	pid_t child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	struct bpfx_tracer *t = bpfx_tracer__new(NULL, &err);
	CHECK(bpfx_tracer__attach_pid(t, -3) == -EINVAL, "a negative pid");
	CHECK(bpfx_tracer__attach_pid(t, 999999999) == -ESRCH, "no such process");
	CHECK(bpfx_tracer__attach_pid(t, child) == 0, "attach to a child");
	bpfx_tracer__stop(t);
	CHECK(bpfx_tracer__run(t, &status) == 0 && status == -1, "detached: no status");
	bpfx_tracer__free(t);

	/* Untraced, and back in pause() (sleeping) within a second. */
	char path[64], buf[4096];
	bool ok = false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)child);
	for (int i = 0; i < 100 && !ok; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		buf[n] = '\0';
		if (f)
			fclose(f);
		ok = strstr(buf, "TracerPid:\t0\n") && strstr(buf, "State:\tS");
		if (!ok)
			usleep(10000);
	}
	CHECK(ok, "the process runs on, untraced: %.200s", buf);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

static void test_alloc_fail(void)
{
	char *argv[] = { "/bin/true", NULL };
	bpfx_set_allocator(t_failing_realloc, NULL);
	for (long n = 0; n < 2; n++) {
		int err = 0;
		t_alloc_reset(n);
		struct bpfx_tracer *t = bpfx_tracer__new(NULL, &err);
		if (t) {
			err = bpfx_tracer__spawn(t, argv);
			CHECK(err == -ENOMEM, "allocation %ld failing: spawn %d", n, err);
		} else {
			CHECK(err == -ENOMEM, "allocation %ld failing: new %d", n, err);
		}
		bpfx_tracer__free(t);
		CHECK(t_alloc_live == 0, "allocation %ld failing leaks %ld blocks", n, t_alloc_live);
	}
	bpfx_set_allocator(NULL, NULL);
	CHECK(waitpid(-1, NULL, WNOHANG) <= 0, "no child left behind (exited and unreaped)");
}

int main(void)
{
	test_sections();
	test_spawn();
	test_attach_pid();
	test_alloc_fail();
	return t_done("hooks");
}
