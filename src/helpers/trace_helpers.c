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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "api/bpffs.h"
#include "helpers/bprintf.h"
#include "helpers/helpers.h"
#include "vm/slot.h"
#include "vm/vm.h"

#define TRACE_PRINTK_ARGS 3          /* the kernel's MAX_TRACE_PRINTK_VARARGS */

static int trace_fd = -1;
static pthread_once_t trace_once = PTHREAD_ONCE_INIT;

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

static void open_trace(void)
{
	char path[4096];
	if (helper_trace_path(path, sizeof(path)) == 0)
		trace_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

/* One line: the kernel's header, the message up to its first NUL, and the
 * newline the kernel's trace output adds (so a message ending in "\n"
 * leaves an empty line, as in the kernel). Lines that cannot be written
 * are dropped, as the kernel drops events when its buffer is full. */
static void trace_emit(const char *msg)
{
	char line[BPRINTF_BUF + 128], comm[17] = { 0 };
	struct timespec ts;

	pthread_once(&trace_once, open_trace);
	if (trace_fd < 0)
		return;
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(line, sizeof(line), "%16s-%-7d [%03u] ..... %5llu.%06lu: "
			 "bpf_trace_printk: %s\n", comm, (int)gettid(), vm_slot(),
			 (unsigned long long)ts.tv_sec, ts.tv_nsec / 1000, msg);
	if (n > 0 && (size_t)n < sizeof(line) && write(trace_fd, line, (size_t)n) < 0)
		return;
}

static uint64_t trace_common(struct bpfx_run_ctx *run, uint64_t fmt, uint32_t fmt_size,
			     const uint64_t *args, uint32_t nargs)
{
	char msg[BPRINTF_BUF];
	int n = bprintf_format(run, (const char *)(uintptr_t)fmt, fmt_size, args, nargs, msg,
			       sizeof(msg));
	if (n < 0)
		return (uint64_t)(int64_t)n;
	trace_emit(msg);
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
