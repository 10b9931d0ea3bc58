/* SPDX-License-Identifier: MIT */
/*
 * The real kernel as a point of comparison: loads a program as
 * BPF_PROG_TYPE_XDP with the bpf() system call and runs it with
 * BPF_PROG_TEST_RUN, whose `duration` is the kernel's own average of
 * nanoseconds per run over `repeat` runs. No libbpf: the programs have no
 * maps or relocations, so the raw instructions are all there is to load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static const struct bpf_insn probe_prog[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2 },   /* XDP_PASS */
	{ .code = BPF_JMP | BPF_EXIT },
};

/* Is bpf() there and may we load and test-run an XDP program? */
void kern_probe(struct bench_kernel *k)
{
	struct utsname u;
	char why[160];
	uint8_t pkt[64] = { 0 };
	uint32_t retval, duration;
	int fd, err;

	memset(k, 0, sizeof(*k));
	if (uname(&u) == 0)
		snprintf(k->release, sizeof(k->release), "%s", u.release);
	fd = kern_load(probe_prog, 2, why, sizeof(why));
	if (fd < 0) {
		snprintf(k->reason, sizeof(k->reason), "%s", why);
		return;
	}
	err = kern_test_run(fd, pkt, sizeof(pkt), 1, &retval, &duration);
	if (err) {
		snprintf(k->reason, sizeof(k->reason), "BPF_PROG_TEST_RUN: %s", strerror(-err));
	} else {
		k->available = true;
		k->jit = kern_is_jited(fd);
	}
	close(fd);
}

/* The verifier's reason: the last line of its log that is not one of the
 * statistics lines it ends with. */
static void last_log_line(char *log, char *out, size_t out_sz)
{
	char *line = NULL;

	for (char *s = strtok(log, "\n"); s; s = strtok(NULL, "\n"))
		if (strncmp(s, "processed ", 10) && strncmp(s, "verification time", 17))
			line = s;
	snprintf(out, out_sz, "%s", line ? line : "(no log)");
}

/* Loads an XDP program; returns its fd, or -1 with the reason in why
 * (the verifier's last log line when it refused the program). */
int kern_load(const struct bpf_insn *insns, size_t cnt, char *why, size_t why_sz)
{
	union bpf_attr a;
	int fd, err;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t)"Dual MIT/GPL";
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err != EACCES && err != EINVAL) {
		snprintf(why, why_sz, "bpf(BPF_PROG_LOAD): %s", strerror(err));
		return -1;
	}
	/* Refused: load again with a log to say why. */
	size_t log_sz = 1 << 20;
	char *log = calloc(1, log_sz);
	if (!log) {
		snprintf(why, why_sz, "bpf(BPF_PROG_LOAD): %s", strerror(err));
		return -1;
	}
	a.log_buf = (uintptr_t)log;
	a.log_size = (uint32_t)log_sz;
	a.log_level = 1;
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		free(log);
		return fd;        /* accepted the second time: take it */
	}
	char line[128];
	last_log_line(log, line, sizeof(line));
	snprintf(why, why_sz, "verifier: %s (%s)", line, strerror(err));
	free(log);
	return -1;
}

/* Did the kernel JIT-compile the program (bpf_prog_info.jited_prog_len)? */
bool kern_is_jited(int fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a))
		return false;
	return info.jited_prog_len > 0;
}

int kern_test_run(int fd, const void *pkt, size_t len, uint32_t repeat,
		  uint32_t *retval, uint32_t *duration)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)pkt;
	a.test.data_size_in = (uint32_t)len;
	a.test.repeat = repeat;
	if (sys_bpf(BPF_PROG_TEST_RUN, &a))
		return -errno;
	*retval = a.test.retval;
	*duration = a.test.duration;
	return 0;
}
