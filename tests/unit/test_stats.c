/* SPDX-License-Identifier: MIT */
/*
 * BPF_ENABLE_STATS, differentially: runs are counted exactly while a stats
 * descriptor is open and not after it was closed; run_time_ns grows with
 * them. The same steps run in the kernel and in bpfx, and the counts must
 * agree (times only in being non-zero).
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

struct counts {
	int enable_err[3];
	uint64_t cnt[4], ns[4];
};

static int run(bpf_fn sys, int prog, uint32_t repeat)
{
	unsigned char data[64] = { 0 };
	union bpf_attr a = { .test = { .prog_fd = prog, .data_in = (uintptr_t)data,
				       .data_size_in = sizeof(data), .repeat = repeat } };
	return sys(BPF_PROG_TEST_RUN, &a, sizeof(a));
}

static void stats(bpf_fn sys, int prog, uint64_t *cnt, uint64_t *ns)
{
	struct bpf_prog_info info;
	memset(&info, 0, sizeof(info));
	union bpf_attr a = { .info = { .bpf_fd = prog, .info_len = sizeof(info),
				       .info = (uintptr_t)&info } };
	*cnt = *ns = ~0ull;
	if (!sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a))) {
		*cnt = info.run_cnt;
		*ns = info.run_time_ns;
	}
}

static int enable(bpf_fn sys, uint32_t type, int tail)
{
	union bpf_attr a = { .enable_stats = { .type = type } };
	((uint32_t *)&a)[1] = (uint32_t)tail;
	int fd = sys(BPF_ENABLE_STATS, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

static void scenario(bpf_fn sys, struct counts *c)
{
	struct bpf_insn p[] = { MOV64_IMM(0, 0), EXIT() };
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER, .insn_cnt = 2,
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL" };
	int prog = sys(BPF_PROG_LOAD, &a, sizeof(a));
	CHECK(prog >= 0, "load: %s", strerror(errno));
	c->enable_err[0] = enable(sys, 1, 0);
	c->enable_err[1] = enable(sys, BPF_STATS_RUN_TIME, 1);
	run(sys, prog, 10);                       /* stats off: not counted */
	stats(sys, prog, &c->cnt[0], &c->ns[0]);
	int s1 = enable(sys, BPF_STATS_RUN_TIME, 0), s2 = enable(sys, BPF_STATS_RUN_TIME, 0);
	c->enable_err[2] = s1 < 0 ? s1 : s2 < 0 ? s2 : 0;
	run(sys, prog, 100);
	stats(sys, prog, &c->cnt[1], &c->ns[1]);
	if (s1 >= 0)
		close(s1);
	run(sys, prog, 7);                        /* one descriptor still open */
	stats(sys, prog, &c->cnt[2], &c->ns[2]);
	if (s2 >= 0)
		close(s2);
	stats(sys, prog, &c->cnt[3], &c->ns[3]); /* bpfx notices the close here */
	run(sys, prog, 20);                       /* off again */
	stats(sys, prog, &c->cnt[3], &c->ns[3]);
	if (prog >= 0)
		close(prog);
}

int main(void)
{
	struct counts mine = { 0 }, theirs = { 0 };

	scenario(bpfx_bpf, &mine);
	CHECK(mine.enable_err[0] == -EINVAL && mine.enable_err[1] == -EINVAL &&
	      mine.enable_err[2] == 0, "enable: %d %d %d", mine.enable_err[0], mine.enable_err[1],
	      mine.enable_err[2]);
	CHECK(mine.cnt[0] == 0 && mine.ns[0] == 0, "no stats while off: %llu",
	      (unsigned long long)mine.cnt[0]);
	CHECK(mine.cnt[1] == 100 && mine.ns[1] > 0, "100 runs counted: %llu, %llu ns",
	      (unsigned long long)mine.cnt[1], (unsigned long long)mine.ns[1]);
	CHECK(mine.cnt[2] == 107 && mine.ns[2] >= mine.ns[1], "7 more: %llu",
	      (unsigned long long)mine.cnt[2]);
	CHECK(mine.cnt[3] == 107 && mine.ns[3] == mine.ns[2], "not counted once closed: %llu",
	      (unsigned long long)mine.cnt[3]);

	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of run stats: %s", why);
		return t_done("stats");
	}
	scenario(kbpf_sys, &theirs);
	CHECK(!memcmp(mine.enable_err, theirs.enable_err, sizeof(mine.enable_err)),
	      "same enable answers: kernel %d %d %d", theirs.enable_err[0], theirs.enable_err[1],
	      theirs.enable_err[2]);
	for (int i = 0; i < 4; i++)
		CHECK(mine.cnt[i] == theirs.cnt[i] && !mine.ns[i] == !theirs.ns[i],
		      "step %d: bpfx %llu runs, kernel %llu (%llu ns)", i,
		      (unsigned long long)mine.cnt[i], (unsigned long long)theirs.cnt[i],
		      (unsigned long long)theirs.ns[i]);
	return t_done("stats");
}
