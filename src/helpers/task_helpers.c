/* SPDX-License-Identifier: MIT */
/*
 * Task helpers: who the current task is, its credentials, name, cgroup and
 * pid namespace, reading its memory, signalling it. "Current" is the run's
 * task (bpfx_run_opts.task: the traced thread a hook stopped), else the
 * calling thread. Called on the program's thread while that task is
 * stopped.
 *
 * Memory: user memory is the task's (process_vm_readv, which fails
 * cleanly on unmapped addresses). "Kernel" memory is bpfx's own: what the
 * run may read (its stack, context, the pt_regs copy a hook lends, map
 * values) - in checked runs nothing else - read through process_vm_readv
 * of this process so that a bad address is an error, never a crash; other
 * addresses give what their class gives in the kernel (-ERANGE for user
 * and non-canonical addresses, -EFAULT for kernel ones). The errors and
 * zero-filling are the kernel's (kernel/trace/bpf_trace.c, mm/maccess.c).
 *
 * In checked runs every buffer the program hands in must be memory it may
 * write, for the size it gives; otherwise the run stops with -EFAULT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "hooks/hook.h"
#include "vm/vm.h"

#define TASK_SIZE_MAX 0x00007ffffffff000ull   /* x86-64, 4-level paging */
#define EINVAL_RET ((uint64_t)(int64_t)-EINVAL)
#define EFAULT_RET ((uint64_t)(int64_t)-EFAULT)

static inline void *ptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* Checked mode: may the program have the helper write size bytes at dst? */
static bool out_ok(struct bpfx_run_ctx *run, uint64_t dst, uint64_t size, const char *helper)
{
	if (!size || bpfx_run_ctx__mem_ok(run, ptr(dst), (size_t)size, true))
		return true;
	bpfx_run_ctx__fault(run, -EFAULT, "%s: R1 (%llu bytes at 0x%llx) is not memory the "
			    "program may write", helper, (unsigned long long)size,
			    (unsigned long long)dst);
	return false;
}

static uint64_t h_get_current_pid_tgid(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				       uint64_t e, struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	hook_task_of(run, &t);
	return (uint64_t)(uint32_t)t.tgid << 32 | (uint32_t)t.tid;
}

static uint64_t h_get_current_uid_gid(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				      uint64_t e, struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	uint32_t uid, gid;
	hook_task_of(run, &t);
	if (hook_task_uid_gid(t.tid, &uid, &gid))
		return EINVAL_RET; /* the kernel's answer without a task */
	return (uint64_t)gid << 32 | uid;
}

/* strscpy_pad of the 16-byte comm: at most size-1 characters, then NULs. */
static uint64_t h_get_current_comm(uint64_t buf, uint64_t size, uint64_t c, uint64_t d,
				   uint64_t e, struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	char comm[16];

	if (!out_ok(run, buf, size, "bpf_get_current_comm"))
		return 0;
	if (!size)
		return 0;
	hook_task_of(run, &t);
	if (hook_task_comm(t.tid, comm)) {
		memset(ptr(buf), 0, size);
		return EINVAL_RET;
	}
	size_t n = strnlen(comm, sizeof(comm));
	if (n > size - 1)
		n = size - 1;
	memset(ptr(buf), 0, size);
	memcpy(ptr(buf), comm, n);
	return 0;
}

static uint64_t h_get_current_cgroup_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
					uint64_t e, struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	uint64_t id = 0;
	hook_task_of(run, &t);
	return hook_task_cgroup_id(t.tid, -1, &id) ? 0 : id;
}

static uint64_t h_get_current_ancestor_cgroup_id(uint64_t level, uint64_t b, uint64_t c,
						 uint64_t d, uint64_t e, struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	uint64_t id = 0;
	int l = (int)level;
	if (l < 0)
		return 0;
	hook_task_of(run, &t);
	return hook_task_cgroup_id(t.tid, l, &id) ? 0 : id;
}

/* struct bpf_pidns_info: pid and tgid as seen in the namespace (dev, ino). */
static uint64_t h_get_ns_current_pid_tgid(uint64_t dev, uint64_t ino, uint64_t out,
					  uint64_t size, uint64_t e, struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	uint64_t ns_dev, ns_ino;
	int32_t pid, tgid;
	int err = -EINVAL;

	if (!out_ok(run, out, size, "bpf_get_ns_current_pid_tgid"))
		return 0;
	hook_task_of(run, &t);
	if (size != sizeof(struct bpf_pidns_info) || (uint64_t)(dev_t)dev != dev)
		goto clear;
	if (hook_task_ns_ids(t.tid, &ns_dev, &ns_ino, &pid, &tgid)) {
		err = -ENOENT;
		goto clear;
	}
	if (ns_dev != dev || ns_ino != ino)
		goto clear;
	struct bpf_pidns_info *info = ptr(out);
	info->pid = (uint32_t)pid;
	info->tgid = (uint32_t)tgid;
	return 0;
clear:
	if (size)
		memset(ptr(out), 0, size);
	return (uint64_t)(int64_t)err;
}

/* ---- memory ---- */

/* The pid whose memory "user" addresses are: the run's task, or us. */
static pid_t user_pid(const struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	hook_task_of(run, &t);
	return t.tid;
}

/* copy_from_user_nofault: all or -EFAULT (dst zeroed). */
static uint64_t read_user(struct bpfx_run_ctx *run, uint64_t dst, uint64_t size,
			  uint64_t src)
{
	if (src + size < src || src + size > TASK_SIZE_MAX ||
	    hook_read_task(user_pid(run), ptr(dst), src, size) != size) {
		memset(ptr(dst), 0, size);
		return EFAULT_RET;
	}
	return 0;
}

/* Is [src, src+size) bpfx memory the program may read ("kernel" memory)? */
static bool kernel_ok(struct bpfx_run_ctx *run, uint64_t src, uint64_t size)
{
	return src + size >= src && (!run->checked || vm_access_ok_ext(run, src, size, false));
}

/* The kernel's copy_from_kernel_nofault refuses user addresses and
 * non-canonical ones with -ERANGE (x86-64); other kernel addresses that
 * fault give -EFAULT. bpfx has no kernel memory: outside the run's
 * memory, an address gets the error its class gets in the kernel. */
static uint64_t kernel_err(uint64_t src)
{
	bool canonical = (uint64_t)((int64_t)(src << 16) >> 16) == src;
	if (src < TASK_SIZE_MAX + 4096 || !canonical)
		return (uint64_t)(int64_t)-ERANGE;
	return EFAULT_RET;
}

static uint64_t read_kernel(struct bpfx_run_ctx *run, uint64_t dst, uint64_t size,
			    uint64_t src)
{
	if (!kernel_ok(run, src, size) || hook_read_task(getpid(), ptr(dst), src, size) != size) {
		memset(ptr(dst), 0, size);
		return kernel_err(src);
	}
	return 0;
}

/* strncpy_from_user_nofault: up to size bytes ending at the first NUL;
 * returns the length with the NUL, or size with dst[size-1] = 0 when the
 * string is longer. Like the kernel's word-at-a-time copy, the bytes after
 * the NUL up to the end of its 8-byte word are zeroed when that word fits
 * in dst. On a fault: -EFAULT and dst zeroed. */
static uint64_t read_user_str(struct bpfx_run_ctx *run, uint64_t dst, uint64_t size,
			      uint64_t src)
{
	pid_t pid = user_pid(run);
	uint8_t *d = ptr(dst), buf[256];
	uint64_t done = 0;

	if (!size)
		return 0;
	/* Through buf: dst gets nothing past the NUL but the word's zeros. */
	while (done < size) {
		uint64_t chunk = 4096 - ((src + done) & 4095); /* never cross a page */
		if (chunk > size - done)
			chunk = size - done;
		if (chunk > sizeof(buf))
			chunk = sizeof(buf);
		if (src + done + chunk > TASK_SIZE_MAX ||
		    hook_read_task(pid, buf, src + done, chunk) != chunk) {
			memset(d, 0, size);
			return EFAULT_RET;
		}
		uint8_t *nul = memchr(buf, 0, chunk);
		uint64_t n = nul ? (uint64_t)(nul - buf) + 1 : chunk;
		memcpy(d + done, buf, n);
		if (nul) {
			uint64_t len = done + n - 1, word_end = (len & ~7ull) + 8;
			if (word_end <= size)
				memset(d + len + 1, 0, word_end - len - 1);
			return len + 1;
		}
		done += chunk;
	}
	d[size - 1] = 0;
	return size;
}

/* strncpy_from_kernel_nofault: byte by byte, no padding. */
static uint64_t read_kernel_str(struct bpfx_run_ctx *run, uint64_t dst, uint64_t size,
				uint64_t src)
{
	uint8_t *d = ptr(dst);
	for (uint64_t i = 0; i < size; i++) {
		if (!kernel_ok(run, src + i, 1) || hook_read_task(getpid(), d + i, src + i, 1) != 1) {
			memset(d, 0, size);
			return i ? EFAULT_RET : kernel_err(src);
		}
		if (!d[i])
			return i + 1;
	}
	if (size)
		d[size - 1] = 0;
	return size;
}

/* One checked entry for the read helpers: dst must be writable. */
#define READ_HELPER(fname, hname, how)                                                   \
	static uint64_t fname(uint64_t dst, uint64_t size, uint64_t src, uint64_t d,       \
			      uint64_t e, struct bpfx_run_ctx *run)                        \
	{                                                                                 \
		if (!out_ok(run, dst, size, hname))                                        \
			return 0;                                                          \
		return how(run, dst, size, src);                                           \
	}

/* bpf_probe_read / _str (legacy): on x86-64 the address decides (below
 * TASK_SIZE: user memory); in bpfx memory of the run is "kernel" memory
 * too, so it is read as such. */
static uint64_t read_compat(struct bpfx_run_ctx *run, uint64_t dst, uint64_t size, uint64_t src)
{
	if (src >= TASK_SIZE_MAX || (run->checked && kernel_ok(run, src, size)))
		return read_kernel(run, dst, size, src);
	return read_user(run, dst, size, src);
}

static uint64_t read_compat_str(struct bpfx_run_ctx *run, uint64_t dst, uint64_t size,
				uint64_t src)
{
	if (src >= TASK_SIZE_MAX || (run->checked && kernel_ok(run, src, 1)))
		return read_kernel_str(run, dst, size, src);
	return read_user_str(run, dst, size, src);
}

READ_HELPER(h_probe_read, "bpf_probe_read", read_compat)
READ_HELPER(h_probe_read_str, "bpf_probe_read_str", read_compat_str)
READ_HELPER(h_probe_read_user, "bpf_probe_read_user", read_user)
READ_HELPER(h_probe_read_user_str, "bpf_probe_read_user_str", read_user_str)
READ_HELPER(h_probe_read_kernel, "bpf_probe_read_kernel", read_kernel)
READ_HELPER(h_probe_read_kernel_str, "bpf_probe_read_kernel_str", read_kernel_str)
READ_HELPER(h_copy_from_user, "bpf_copy_from_user", read_user)

/* ---- signals, task pointer, cookie ---- */

static uint64_t send_signal(struct bpfx_run_ctx *run, uint64_t sig, bool thread)
{
	struct bpfx_task t;
	hook_task_of(run, &t);
	if (t.tgid == 1)
		return (uint64_t)(int64_t)-EPERM; /* never init, as the kernel */
	if (sig > 64)
		return EINVAL_RET;
	long r = thread ? syscall(SYS_tgkill, t.tgid, t.tid, (int)sig) : kill(t.tgid, (int)sig);
	return r ? (uint64_t)(int64_t)-errno : 0;
}

static uint64_t h_send_signal(uint64_t sig, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			      struct bpfx_run_ctx *run)
{
	return send_signal(run, (uint32_t)sig, false);
}

static uint64_t h_send_signal_thread(uint64_t sig, uint64_t b, uint64_t c, uint64_t d,
				     uint64_t e, struct bpfx_run_ctx *run)
{
	return send_signal(run, (uint32_t)sig, true);
}

/* An opaque, non-zero value shaped like a kernel address, distinct per
 * thread; reading through it (probe_read_kernel) gives -EFAULT. */
static uint64_t h_get_current_task(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
				   uint64_t e, struct bpfx_run_ctx *run)
{
	struct bpfx_task t;
	hook_task_of(run, &t);
	return HELPER_TASK_PTR(t.tid);
}

static uint64_t h_get_attach_cookie(uint64_t ctx, uint64_t b, uint64_t c, uint64_t d,
				    uint64_t e, struct bpfx_run_ctx *run)
{
	return run->attach_cookie;
}

/* bpf_get_func_ip(ctx): the probed function's address (a uprobe's, at its
 * entry and its return, as the kernel's bpf_get_func_ip_kprobe gives a
 * uprobe's address); 0 in runs without one. */
static uint64_t h_get_func_ip(uint64_t ctx, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			      struct bpfx_run_ctx *run)
{
	return run->func_ip;
}

#define RD { BPFX_ARG_PTR_TO_UNINIT_MEM, BPFX_ARG_CONST_SIZE_OR_ZERO, BPFX_ARG_ANYTHING }
#define NOARGS BPFX_RET_INTEGER, { 0 }

/* Sorted by id. */
static const struct bpfx_helper task_helpers[] = {
	{ BPF_FUNC_probe_read, "bpf_probe_read", h_probe_read, BPFX_RET_INTEGER, RD },
	{ BPF_FUNC_get_current_pid_tgid, "bpf_get_current_pid_tgid", h_get_current_pid_tgid,
	  NOARGS },
	{ BPF_FUNC_get_current_uid_gid, "bpf_get_current_uid_gid", h_get_current_uid_gid,
	  NOARGS },
	{ BPF_FUNC_get_current_comm, "bpf_get_current_comm", h_get_current_comm,
	  BPFX_RET_INTEGER, { BPFX_ARG_PTR_TO_UNINIT_MEM, BPFX_ARG_CONST_SIZE } },
	{ BPF_FUNC_get_current_task, "bpf_get_current_task", h_get_current_task, NOARGS },
	{ BPF_FUNC_probe_read_str, "bpf_probe_read_str", h_probe_read_str, BPFX_RET_INTEGER,
	  RD },
	{ BPF_FUNC_get_current_cgroup_id, "bpf_get_current_cgroup_id", h_get_current_cgroup_id,
	  NOARGS },
	{ BPF_FUNC_send_signal, "bpf_send_signal", h_send_signal, BPFX_RET_INTEGER,
	  { BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_probe_read_user, "bpf_probe_read_user", h_probe_read_user,
	  BPFX_RET_INTEGER, RD },
	{ BPF_FUNC_probe_read_kernel, "bpf_probe_read_kernel", h_probe_read_kernel,
	  BPFX_RET_INTEGER, RD },
	{ BPF_FUNC_probe_read_user_str, "bpf_probe_read_user_str", h_probe_read_user_str,
	  BPFX_RET_INTEGER, RD },
	{ BPF_FUNC_probe_read_kernel_str, "bpf_probe_read_kernel_str", h_probe_read_kernel_str,
	  BPFX_RET_INTEGER, RD },
	{ BPF_FUNC_send_signal_thread, "bpf_send_signal_thread", h_send_signal_thread,
	  BPFX_RET_INTEGER, { BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_get_ns_current_pid_tgid, "bpf_get_ns_current_pid_tgid",
	  h_get_ns_current_pid_tgid, BPFX_RET_INTEGER,
	  { BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_UNINIT_MEM,
	    BPFX_ARG_CONST_SIZE } },
	{ BPF_FUNC_get_current_ancestor_cgroup_id, "bpf_get_current_ancestor_cgroup_id",
	  h_get_current_ancestor_cgroup_id, BPFX_RET_INTEGER, { BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_copy_from_user, "bpf_copy_from_user", h_copy_from_user, BPFX_RET_INTEGER,
	  RD },
	{ BPF_FUNC_get_func_ip, "bpf_get_func_ip", h_get_func_ip, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_CTX } },
	{ BPF_FUNC_get_attach_cookie, "bpf_get_attach_cookie", h_get_attach_cookie,
	  BPFX_RET_INTEGER, { BPFX_ARG_PTR_TO_CTX } },
};
HELPER_GROUP(helpers_task_group, task_helpers);
