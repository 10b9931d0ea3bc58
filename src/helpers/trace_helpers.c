/* SPDX-License-Identifier: MIT */
/*
 * bpf_trace_printk and bpf_trace_vprintk: format like the kernel (the
 * rules of bprintf.c; at most 3 arguments for trace_printk, 12 for
 * trace_vprintk) and append one line in the kernel's trace_pipe format,
 *
 *   "<comm>-<tid> [<cpu>] <flags> <secs>.<usecs>: bpf_trace_printk: <msg>"
 *
 * to the trace pipe file of the bpffs root (helper_trace_path), which
 * `bpfx prog tracelog` follows. Every process of the root appends to the
 * same file; each line is one write() to a descriptor opened O_APPEND, so
 * lines of concurrent writers never interleave. Called on the program's
 * thread; the descriptor is opened once per process.
 *
 * Readers consume lines like readers of the kernel's trace_pipe
 * (bpfx_trace_pipe_read): under an exclusive flock they take what is
 * there and cut it from the file; writers hold a shared flock (and, within
 * a process, a mutex, since flock belongs to the shared descriptor) for
 * each write, so no line is lost or cut in two.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/bpffs.h"
#include "util/alloc.h"
#include "helpers/bprintf.h"
#include "helpers/helpers.h"
#include "hooks/hook.h"
#include "vm/slot.h"
#include "vm/vm.h"

#define TRACE_PRINTK_ARGS 3          /* the kernel's MAX_TRACE_PRINTK_VARARGS */

static int trace_fd = -1;
static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;

int helper_trace_path(char *out, size_t out_sz)
{
	const char *root = bpffs_root();
	if (!root)
		return -ENOENT;
	if ((size_t)snprintf(out, out_sz, "%s/%s", root, HELPER_TRACE_PIPE) >= out_sz)
		return -ENAMETOOLONG;
	return 0;
}

int bpfx_trace_pipe_path(char *out, size_t out_sz)
{
	return helper_trace_path(out, out_sz);
}

/* fork(): no thread of the parent holds the lock across it, so a child
 * can trace. */
static void before_fork(void)
{
	pthread_mutex_lock(&trace_lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&trace_lock);
}

static void open_trace(void)
{
	pthread_atfork(before_fork, after_fork, after_fork);
	char path[4096];
	if (helper_trace_path(path, sizeof(path)) == 0)
		trace_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

/* One line: the kernel's header, the message up to its first NUL, and the
 * newline the kernel's trace output adds (so a message ending in "\n"
 * leaves an empty line, as in the kernel). Lines that cannot be written
 * are dropped, as the kernel drops events when its buffer is full. */
static void trace_emit(const struct bpfx_run_ctx *run, const char *msg)
{
	char line[BPRINTF_BUF + 128], comm[17] = { 0 };
	struct timespec ts;
	struct bpfx_task task;

	pthread_once(&trace_once, open_trace);
	if (trace_fd < 0)
		return;
	/* The kernel names the current task: for a traced system call, the
	 * tracee's thread, else the thread running the program. */
	hook_task_of(run, &task);
	if (task.tid == (int32_t)gettid() || hook_task_comm(task.tid, comm))
		prctl(PR_GET_NAME, comm, 0, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(line, sizeof(line), "%16s-%-7d [%03u] ..... %5llu.%06lu: "
			 "bpf_trace_printk: %s\n", comm, (int)task.tid, vm_slot(),
			 (unsigned long long)ts.tv_sec, ts.tv_nsec / 1000, msg);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	pthread_mutex_lock(&trace_lock);
	if (flock(trace_fd, LOCK_SH) == 0) {
		if (write(trace_fd, line, (size_t)n) < 0) {
			/* dropped, like an event the kernel has no room for */
		}
		flock(trace_fd, LOCK_UN);
	}
	pthread_mutex_unlock(&trace_lock);
}

/* Reads the whole file from the start; NULL (and *err) on failure. */
static char *slurp(int fd, size_t *len, int *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		*err = -errno;
		return NULL;
	}
	char *all = mem_alloc((size_t)st.st_size + 1);
	if (!all) {
		*err = -ENOMEM;
		return NULL;
	}
	ssize_t got = pread(fd, all, (size_t)st.st_size, 0);
	if (got < 0) {
		*err = -errno;
		mem_free(all);
		return NULL;
	}
	*len = (size_t)got;
	return all;
}

/* Takes whole lines, at most out_sz bytes, from the start of the file and
 * keeps the rest for the next reader. Runs under the exclusive lock. */
static int take_lines(int fd, char *out, size_t out_sz)
{
	size_t len = 0;
	int err = 0;
	char *all = slurp(fd, &len, &err);
	if (!all)
		return err;
	size_t n = len < out_sz ? len : out_sz;
	while (n > 0 && all[n - 1] != '\n')
		n--;
	if (n == 0) {
		mem_free(all);
		return len > out_sz ? -ENOSPC : 0; /* a line longer than out, or none */
	}
	memcpy(out, all, n);
	if (ftruncate(fd, 0) < 0 || (len > n && pwrite(fd, all + n, len - n, 0) != (ssize_t)(len - n)))
		err = -errno;
	mem_free(all);
	return err ? err : (int)n;
}

int bpfx_trace_pipe_read(char *out, size_t out_sz)
{
	char path[4096];
	int err = helper_trace_path(path, sizeof(path));
	if (err)
		return err;
	if (out_sz > INT32_MAX)
		out_sz = INT32_MAX;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	int n = take_lines(fd, out, out_sz);
	close(fd); /* releases the lock */
	return n;
}

static uint64_t trace_common(struct bpfx_run_ctx *run, uint64_t fmt, uint32_t fmt_size,
			     const uint64_t *args, uint32_t nargs)
{
	char msg[BPRINTF_BUF];
	int n = bprintf_format(run, (const char *)(uintptr_t)fmt, fmt_size, args, nargs, msg,
			       sizeof(msg));
	if (n < 0)
		return (uint64_t)(int64_t)n;
	trace_emit(run, msg);
	return (uint64_t)n;
}

/* bpf_trace_printk(fmt, fmt_size, a1, a2, a3): the length of the message
 * (untruncated, without its NUL), or -EINVAL for a bad format. */
static uint64_t h_trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2,
			       uint64_t a3, struct bpfx_run_ctx *run)
{
	const uint64_t args[TRACE_PRINTK_ARGS] = { a1, a2, a3 };

	if (!helper_mem_ok(run, fmt, (uint32_t)fmt_size, false, "bpf_trace_printk", "the format"))
		return 0;
	return trace_common(run, fmt, (uint32_t)fmt_size, args, TRACE_PRINTK_ARGS);
}

/* bpf_trace_vprintk(fmt, fmt_size, args, data_len): the same with up to
 * 12 arguments in an array. */
static uint64_t h_trace_vprintk(uint64_t fmt, uint64_t fmt_size, uint64_t data,
				uint64_t data_len, uint64_t r5, struct bpfx_run_ctx *run)
{
	uint32_t len = (uint32_t)data_len;
	uint64_t args[BPRINTF_MAX_ARGS];

	if (!helper_mem_ok(run, fmt, (uint32_t)fmt_size, false, "bpf_trace_vprintk", "the format") ||
	    !helper_mem_ok(run, data, len, false, "bpf_trace_vprintk", "the arguments"))
		return 0;
	if (len % 8 || len > BPRINTF_MAX_ARGS * 8 || (len && !data))
		return (uint64_t)(int64_t)-EINVAL;
	if (len)
		memcpy(args, (const void *)(uintptr_t)data, len);
	return trace_common(run, fmt, (uint32_t)fmt_size, args, len / 8);
}

/* Sorted by id. */
static const struct bpfx_helper trace_helpers[] = {
	{ BPF_FUNC_trace_printk, "bpf_trace_printk", h_trace_printk, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE } },
	{ BPF_FUNC_trace_vprintk, "bpf_trace_vprintk", h_trace_vprintk, BPFX_RET_INTEGER,
	  { BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE, BPFX_ARG_PTR_TO_MEM_OR_NULL,
	    BPFX_ARG_CONST_SIZE_OR_ZERO } },
};
HELPER_GROUP(helpers_trace_group, trace_helpers);
