/* SPDX-License-Identifier: MIT */
/*
 * Callbacks: bpf_loop() and bpf_for_each_map_elem() take the address of
 * a static function (lddw of a function: BPF_PSEUDO_FUNC), which is
 * linked into the program like a call target.
 *
 * EXPECT: "name":"sum_loop".*"subprogs":\[\{"name":"add_one".*\{"name":"visit_elem"
 * EXPECT: "name":"sum_loop".*"func_info":\[\{"insn":0,"func":"sum_loop"\},\{"insn":[0-9]+,"func":"add_one"\},\{"insn":[0-9]+,"func":"visit_elem"\}\]
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} samples SEC(".maps");

struct loop_ctx {
	__u64 sum;
	__u32 limit;
};

__u64 result;
__u64 visited;

static long add_one(__u32 i, void *data)
{
	struct loop_ctx *lc = data;

	lc->sum += i;
	return i >= lc->limit;
}

static long visit_elem(void *map, __u32 *key, __u64 *val, void *data)
{
	*(__u64 *)data += *val;
	visited++;
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int sum_loop(void *ctx)
{
	struct loop_ctx lc = { .sum = 0, .limit = 100 };
	__u64 total = 0;

	bpf_loop(1000, add_one, &lc, 0);
	bpf_for_each_map_elem(&samples, visit_elem, &total, 0);
	result = lc.sum + total;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
