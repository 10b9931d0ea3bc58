/* SPDX-License-Identifier: MIT */
/*
 * The kernel's checks of union bpf_attr, byte by byte: for every command
 * bpfx implements and every byte of the union, the attributes are all
 * zero but that byte (0x80), and bpfx must answer EINVAL exactly where
 * the running kernel does - which bytes lie past the command's last field
 * (CHECK_ATTR), and which checks come before others (a bad descriptor
 * before a bad path, the attributes before the log). Bytes the kernel
 * answers with EFAULT (a pointer it read) are skipped: bpfx, a library,
 * dereferences the caller's pointers without a safety net, as memcpy
 * does. Each command runs in a child process, so a crash is a failure,
 * not the end of the test. Skipped when bpf() is unavailable.
 *
 * Known difference, left out: BPF_PROG_DETACH's replace_bpf_fd and
 * relative_fd (which of EBADF and EINVAL comes first in the kernel's
 * cgroup detach).
 *
 * The map element commands run twice: on zeroed attributes, and with
 * map_fd naming a real hash map on each side (so that the checks behind
 * the descriptor's are reached too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tcheck.h"

static const int commands[] = {
	BPF_MAP_CREATE, BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM,
	BPF_MAP_GET_NEXT_KEY, BPF_PROG_LOAD, BPF_OBJ_PIN, BPF_OBJ_GET, BPF_PROG_ATTACH,
	BPF_PROG_TEST_RUN, BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID,
	BPF_MAP_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_QUERY, BPF_RAW_TRACEPOINT_OPEN,
	BPF_BTF_LOAD, BPF_BTF_GET_FD_BY_ID, BPF_MAP_LOOKUP_AND_DELETE_ELEM, BPF_MAP_FREEZE,
	BPF_BTF_GET_NEXT_ID, BPF_MAP_LOOKUP_BATCH, BPF_MAP_LOOKUP_AND_DELETE_BATCH,
	BPF_MAP_UPDATE_BATCH, BPF_MAP_DELETE_BATCH, BPF_LINK_CREATE, BPF_LINK_UPDATE,
	BPF_LINK_GET_FD_BY_ID, BPF_LINK_GET_NEXT_ID, BPF_ENABLE_STATS, BPF_LINK_DETACH,
	BPF_PROG_BIND_MAP,
};

/* errno of one call (0 on success; a returned descriptor is closed). */
static int call(bool kernel, int cmd, union bpf_attr *a)
{
	errno = 0;
	int r = kernel ? kbpf_sys(cmd, a, sizeof(*a)) : bpfx_bpf(cmd, a, sizeof(*a));
	if (r > 2)
		close(r);
	return r < 0 ? errno : 0;
}

/* Is the 8-byte word holding byte b, taken as an address, memory of this
 * process? (Under AddressSanitizer, 0x80000000 is its shadow: the kernel
 * reads a "pointer" there while an instrumented bpfx traps. Such bytes
 * say nothing about attribute checks.) */
static bool word_is_mapped(const union bpf_attr *a, size_t b)
{
	uint64_t w;
	unsigned char vec;
	memcpy(&w, (const unsigned char *)a + (b & ~(size_t)7), sizeof(w));
	long page = sysconf(_SC_PAGESIZE);
	void *p = (void *)(uintptr_t)(w & ~(uint64_t)(page - 1));
	return w >= (uint64_t)page && mincore(p, (size_t)page, &vec) == 0;
}

static const int map_commands[] = {
	BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY,
	BPF_MAP_LOOKUP_AND_DELETE_ELEM, BPF_MAP_FREEZE,
};

/* In a child: the number of bytes where the answers differ (printing
 * the first few), as the exit status. kmap/xmap >= 0: map_fd is set to
 * them (kernel, bpfx) and its bytes are left alone. */
static int compare(int cmd, int kmap, int xmap)
{
	int diff = 0;
	for (size_t b = kmap >= 0 ? sizeof(uint32_t) : 0; b < sizeof(union bpf_attr); b++) {
		union bpf_attr k, x;
		memset(&k, 0, sizeof(k));
		((unsigned char *)&k)[b] = 0x80;
		x = k;
		if (kmap >= 0) {
			k.map_fd = (uint32_t)kmap;
			x.map_fd = (uint32_t)xmap;
		}
		if (word_is_mapped(&k, b))
			continue;
		int ke = call(true, cmd, &k);
		if (ke == EFAULT)
			continue;
		int xe = call(false, cmd, &x);
		if ((ke == EINVAL) != (xe == EINVAL) && diff++ < 4)
			fprintf(stderr, "  command %d%s, byte %zu: kernel %s, bpfx %s\n", cmd,
				kmap >= 0 ? " (with a map)" : "", b, strerror(ke), strerror(xe));
	}
	return diff > 100 ? 100 : diff;
}

static void in_child(int cmd, int kmap, int xmap)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(compare(cmd, kmap, xmap));
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "command %d%s: %s", cmd,
	      kmap >= 0 ? " (with a map)" : "",
	      WIFEXITED(status) ? "bytes answered differently from the kernel"
				: "bpfx crashed on zeroed attributes with one byte set");
}

int main(void)
{
	/* Zeroed attributes name descriptor 0: it must be no bpfx object
	 * (stdin may be closed when the suite runs; fill 0-2 then). */
	for (int fd = open("/dev/null", O_RDWR); fd >= 0 && fd <= 2; fd = open("/dev/null", O_RDWR))
		;
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("the kernel's bpf() is not available here: %s", why);
		return t_done("attr_bytes");
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		in_child(commands[i], -1, -1);
	union bpf_attr ka = { .map_type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8,
			      .max_entries = 4 };
	union bpf_attr xa = ka;
	int kmap = kbpf_sys(BPF_MAP_CREATE, &ka, sizeof(ka));
	int xmap = bpfx_bpf(BPF_MAP_CREATE, &xa, sizeof(xa));
	if (CHECK(kmap >= 0 && xmap >= 0, "create the maps: %d %d", kmap, xmap))
		for (size_t i = 0; i < sizeof(map_commands) / sizeof(map_commands[0]); i++)
			in_child(map_commands[i], kmap, xmap);
	return t_done("attr_bytes");
}
