/* SPDX-License-Identifier: MIT */
/*
 * Which program types may call bpf_get_stackid (27) and bpf_get_stack
 * (67): PROG_LOAD of a call to each, for the program types of both
 * families, must be refused with the kernel's message ("program of this
 * type cannot use helper ...", EINVAL) exactly where the kernel refuses
 * it. The kernel's answer is read from its log (a program it lets call the
 * helper fails later, on the arguments); bpfx's from its own PROG_LOAD.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tcheck.h"
#include "tinsn.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

static const uint32_t types[] = {
	BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_SCHED_CLS,
	BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_TRACEPOINT, BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_PERF_EVENT, BPF_PROG_TYPE_CGROUP_SKB, BPF_PROG_TYPE_CGROUP_SOCK,
	BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
	BPF_PROG_TYPE_SYSCALL,
};

/* 1: refused as a helper the type may not call; 0: not for that reason. */
static int refused(bpf_fn sys, uint32_t type, int helper)
{
	static char log[16384];
	struct bpf_insn p[] = { MOV64_IMM(1, 0), MOV64_IMM(2, 0), MOV64_IMM(3, 0),
				MOV64_IMM(4, 0), CALL(helper), MOV64_IMM(0, 0), EXIT() };
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insns = (uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	if (type == BPF_PROG_TYPE_SYSCALL)
		a.prog_flags = BPF_F_SLEEPABLE;
	log[0] = '\0';
	errno = 0;
	int fd = sys(BPF_PROG_LOAD, &a, sizeof(a));
	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == EINVAL && strstr(log, "cannot use helper") != NULL;
}

int main(void)
{
	static const int helpers[] = { BPF_FUNC_get_stackid, BPF_FUNC_get_stack };
	const size_t nt = sizeof(types) / sizeof(types[0]);
	int mine[2][16];

	for (int h = 0; h < 2; h++)
		for (size_t t = 0; t < nt; t++)
			mine[h][t] = refused(bpfx_bpf, types[t], helpers[h]);
	/* what the kernel's func_proto tables say, written down */
	for (int h = 0; h < 2; h++) {
		CHECK(mine[h][0] && mine[h][2] && mine[h][5] && mine[h][7],
		      "helper %d refused to socket filters, tc, XDP, cgroup skb", helpers[h]);
		CHECK(!mine[h][1] && !mine[h][4] && !mine[h][6] && !mine[h][9] && !mine[h][11],
		      "helper %d allowed to kprobe, tracepoint, perf event, raw tp, syscall",
		      helpers[h]);
	}
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of helper program types: %s", why);
		return t_done("helper_types");
	}
	for (int h = 0; h < 2; h++)
		for (size_t t = 0; t < nt; t++) {
			int k = refused(kbpf_sys, types[t], helpers[h]);
			CHECK(mine[h][t] == k, "helper %d, program type %u: bpfx %s, kernel %s",
			      helpers[h], types[t], mine[h][t] ? "refuses" : "allows",
			      k ? "refuses" : "allows");
		}
	return t_done("helper_types");
}
