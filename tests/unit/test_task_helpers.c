/* SPDX-License-Identifier: MIT */
/*
 * Task helpers (src/helpers/task_helpers.c), called from programs: the
 * current task is the calling thread, or the run's task - here a forked
 * child, whose memory, name, ids and signals differ from ours. Return
 * values and zero-filling follow the kernel's bpf_trace.c and maccess.c;
 * checked runs refuse buffers the program may not write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks/hook.h"
#include "tcheck.h"
#include "tinsn.h"

static struct bpfx_region regions[2];
static size_t region_cnt;
static const struct bpfx_task *run_task;

/* Runs r0 = helper(a[0..4]) in checked mode with the current regions and
 * task; returns the run's error, r0 in *r0. */
static int call(uint32_t id, const uint64_t a[5], uint64_t *r0)
{
	struct bpf_insn p[18];
	size_t n = 0;
	for (int i = 0; i < 5; i++) {
		p[n++] = LDDW_LO(i + 1, a[i]);
		p[n++] = LDDW_HI(a[i]);
	}
	p[n++] = CALL((int)id);
	p[n++] = EXIT();
	int err;
	struct bpfx_prog *prog = bpfx_prog__new(p, n, NULL, &err);
	if (!CHECK(prog != NULL, "load call of helper %u: %d", id, err))
		return err;
	struct bpfx_run_opts o = { .sz = sizeof(o), .checked = true, .regions = regions,
				   .region_cnt = region_cnt, .task = run_task,
				   .attach_cookie = 0x1234 };
	struct bpfx_run_result res;
	err = bpfx_prog__run(prog, &o, &res);
	*r0 = res.r0;
	bpfx_prog__free(prog);
	return err;
}

static uint64_t call_ok(uint32_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	uint64_t a[5] = { a1, a2, a3, a4, 0 }, r0 = 0;
	int err = call(id, a, &r0);
	CHECK(err == 0, "helper %u runs: %d", id, err);
	return r0;
}

static void lend(void *p, size_t len)
{
	regions[region_cnt++] = (struct bpfx_region){ p, len, true };
}

#define U(p) ((uint64_t)(uintptr_t)(p))
#define NEG(e) ((uint64_t)(int64_t)-(e))

static char secret[64] = "parent's value";

static void test_self(void)
{
	char buf[32];
	prctl(PR_SET_NAME, "tasktest-long-name");
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_current_pid_tgid, 0, 0, 0, 0),
		     (uint64_t)getpid() << 32 | (uint32_t)gettid(), "pid_tgid of the caller");
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_current_uid_gid, 0, 0, 0, 0),
		     (uint64_t)getgid() << 32 | getuid(), "uid_gid of the caller");
	region_cnt = 0;
	lend(buf, sizeof(buf));
	memset(buf, 0xaa, sizeof(buf));
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_current_comm, U(buf), sizeof(buf), 0, 0), 0, "comm");
	CHECK(!strcmp(buf, "tasktest-long-n") && buf[31] == 0, "comm is the 15-char name, padded");
	memset(buf, 0xaa, sizeof(buf));
	call_ok(BPF_FUNC_get_current_comm, U(buf), 4, 0, 0);
	CHECK(!memcmp(buf, "tas", 4) && (uint8_t)buf[4] == 0xaa, "comm truncated to size-1");

	uint64_t a[5] = { U(buf), 64 }, r0;
	CHECK(call(BPF_FUNC_get_current_comm, a, &r0) == -EFAULT,
	      "checked: comm into a buffer too small for the size faults");
	uint64_t b[5] = { U(buf) - 64, 8, U(secret) };
	CHECK(call(BPF_FUNC_probe_read_user, b, &r0) == -EFAULT,
	      "checked: probe_read_user into memory outside the run faults");

	CHECK(call_ok(BPF_FUNC_get_current_task, 0, 0, 0, 0) != 0, "get_current_task is non-zero");
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_attach_cookie, 0, 0, 0, 0), 0x1234, "attach cookie");
}

static void test_user_reads(void)
{
	uint8_t dst[32], src[32] = "hello\0XYZWVUTSRQPONML";
	region_cnt = 0;
	lend(dst, sizeof(dst));

	memset(dst, 0xaa, sizeof(dst));
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_user, U(dst), 16, U(src), 0), 0, "read_user");
	CHECK(!memcmp(dst, src, 16) && dst[16] == 0xaa, "read_user copies exactly size bytes");
	memset(dst, 0xaa, sizeof(dst));
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_user, U(dst), 16, 8, 0), NEG(EFAULT),
		     "read_user of an unmapped address");
	CHECK(dst[0] == 0 && dst[15] == 0 && dst[16] == 0xaa, "a failed read zero-fills dst");
	CHECK_EQ_U64(call_ok(BPF_FUNC_copy_from_user, U(dst), 8, 0xffff888000000000ull, 0),
		     NEG(EFAULT), "copy_from_user of a kernel address");

	memset(dst, 0xaa, sizeof(dst));
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_user_str, U(dst), 32, U(src), 0), 6,
		     "read_user_str returns the length with the NUL");
	CHECK(!memcmp(dst, "hello\0\0\0", 8) && dst[8] == 0xaa,
	      "bytes after the NUL are zero to the end of its 8-byte word, no further");
	memset(dst, 0xaa, sizeof(dst));
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_user_str, U(dst), 4, U(src), 0), 4,
		     "a truncated string returns size");
	CHECK(!memcmp(dst, "hel", 4) && dst[4] == 0xaa, "truncated: size-1 chars and a NUL");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_user_str, U(dst), 0, U(src), 0), 0,
		     "size 0 reads nothing");
	memset(dst, 0xaa, sizeof(dst));
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_user_str, U(dst), 32, 8, 0), NEG(EFAULT),
		     "read_user_str of an unmapped address");
	CHECK(dst[0] == 0 && dst[31] == 0, "a failed string read zero-fills all of dst");
}

static void test_kernel_reads(void)
{
	uint8_t dst[16], lent[16] = "lent memory", other[16] = "not lent";
	region_cnt = 0;
	lend(dst, sizeof(dst));
	lend(lent, sizeof(lent));
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_kernel, U(dst), 8, U(lent), 0), 0,
		     "read_kernel of the run's memory");
	CHECK(!memcmp(dst, "lent mem", 8), "read_kernel copies");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_kernel, U(dst), 8, U(other), 0), NEG(ERANGE),
		     "read_kernel of a user address outside the run's memory");
	CHECK(dst[0] == 0 && dst[7] == 0, "failed read_kernel zero-fills");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_kernel_str, U(dst), 16, U(lent), 0), 12,
		     "read_kernel_str returns the length with the NUL");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_kernel, U(dst), 8, 0xffff888000000000ull, 0),
		     NEG(EFAULT), "a kernel address");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_kernel, U(dst), 8, 0x8000000000000000ull, 0),
		     NEG(ERANGE), "a non-canonical address");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_kernel_str, U(dst), 8, U(other), 0),
		     NEG(ERANGE), "read_kernel_str of a user address");
	/* Legacy probe_read: the run's memory, else the task's (ours here). */
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read, U(dst), 8, U(lent), 0), 0, "probe_read lent");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read, U(dst), 8, U(other), 0), 0, "probe_read user");
	CHECK(!memcmp(dst, "not lent", 8), "probe_read of user memory copies");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_str, U(dst), 16, U(other), 0), 9,
		     "probe_read_str of user memory");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read, U(dst), 8, 0x8000000000000000ull, 0),
		     NEG(ERANGE), "probe_read of a non-canonical address: the kernel's path");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read, U(dst), 8, 8, 0), NEG(EFAULT),
		     "probe_read of an unmapped user address: the user path");
}

static void test_ns_cgroup(void)
{
	struct bpf_pidns_info info;
	struct stat st;
	region_cnt = 0;
	lend(&info, sizeof(info));
	if (!CHECK(stat("/proc/self/ns/pid", &st) == 0, "stat /proc/self/ns/pid"))
		return;
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_ns_current_pid_tgid, st.st_dev, st.st_ino, U(&info),
			     sizeof(info)), 0, "ns_current_pid_tgid in our namespace");
	CHECK(info.pid == (uint32_t)gettid() && info.tgid == (uint32_t)getpid(),
	      "pid %u tgid %u in our own namespace", info.pid, info.tgid);
	info.pid = 7;
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_ns_current_pid_tgid, st.st_dev, st.st_ino + 1, U(&info),
			     sizeof(info)), NEG(EINVAL), "another namespace");
	CHECK(info.pid == 0 && info.tgid == 0, "a failed call zeroes the info");
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_ns_current_pid_tgid, st.st_dev, st.st_ino, U(&info), 4),
		     NEG(EINVAL), "a wrong size");

	uint64_t id = 0, root = 0;
	if (hook_task_cgroup_id(getpid(), -1, &id)) {
		t_skip("no cgroup v2 hierarchy: cgroup ids not tested");
		return;
	}
	hook_task_cgroup_id(getpid(), 0, &root);
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_current_cgroup_id, 0, 0, 0, 0), id, "cgroup id");
	CHECK(id != 0 && root != 0, "cgroup ids are non-zero");
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_current_ancestor_cgroup_id, 0, 0, 0, 0), root,
		     "ancestor level 0 is the root");
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_current_ancestor_cgroup_id, 1000, 0, 0, 0), 0,
		     "an ancestor deeper than the cgroup is 0");
}

/* The run's task is a forked child: same addresses, its own memory. */
static void test_child_task(void)
{
	int go[2];
	char buf[64], comm[16];
	if (!CHECK(pipe(go) == 0, "pipe"))
		return;
	pid_t child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "the-child");
		strcpy(secret, "child's value");
		if (write(go[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	CHECK(read(go[0], &c, 1) == 1, "child ready");
	struct bpfx_task task = { child, child };
	run_task = &task;
	region_cnt = 0;
	lend(buf, sizeof(buf));
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_current_pid_tgid, 0, 0, 0, 0),
		     (uint64_t)child << 32 | (uint32_t)child, "pid_tgid of the task");
	CHECK_EQ_U64(call_ok(BPF_FUNC_probe_read_user_str, U(buf), sizeof(buf), U(secret), 0),
		     14, "read_user_str of the task's memory");
	CHECK(!strcmp(buf, "child's value"), "the task's memory, not ours: '%s'", buf);
	call_ok(BPF_FUNC_get_current_comm, U(buf), 16, 0, 0);
	memcpy(comm, buf, 16);
	CHECK(!strcmp(comm, "the-child"), "comm of the task: '%s'", comm);
	CHECK_EQ_U64(call_ok(BPF_FUNC_send_signal, 65, 0, 0, 0), NEG(EINVAL), "invalid signal");
	CHECK_EQ_U64(call_ok(BPF_FUNC_send_signal, 0, 0, 0, 0), 0, "signal 0 checks only");
	CHECK_EQ_U64(call_ok(BPF_FUNC_send_signal_thread, SIGUSR1, 0, 0, 0), 0,
		     "send_signal_thread to the task");
	int st = 0;
	CHECK(waitpid(child, &st, 0) == child && WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1,
	      "the task died of SIGUSR1 (status 0x%x)", st);
	CHECK_EQ_U64(call_ok(BPF_FUNC_get_current_uid_gid, 0, 0, 0, 0), NEG(EINVAL),
		     "uid_gid of a task that is gone");
	run_task = NULL;
	close(go[0]);
	close(go[1]);
}

int main(void)
{
	test_self();
	test_user_reads();
	test_kernel_reads();
	test_ns_cgroup();
	test_child_task();
	return t_done("task_helpers");
}
