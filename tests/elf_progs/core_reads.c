/* SPDX-License-Identifier: MIT */
/*
 * CO-RE: field reads of kernel structs through local definitions marked
 * preserve_access_index, a field-existence check and a type-existence
 * check, some inside a subprogram: the reader keeps the bpf_core_relo
 * records of every linked function, re-based, unresolved.
 *
 * EXPECT: "name":"fork_core".*"subprogs":\[\{"name":"task_tgid"
 * EXPECT: "name":"fork_core".*"core_relos":\[\{"insn":[0-9]+,"type_id":[0-9]+,"access":"0:0","kind":0,"in":"fork_core"\}
 * EXPECT: "name":"fork_core".*"access":"0:2","kind":2,"in":"fork_core"\}
 * EXPECT: "name":"fork_core".*"access":"0","kind":8,"in":"fork_core"\}
 * EXPECT: "name":"fork_core".*"access":"0:3","kind":0,"in":"task_tgid"\}
 * EXPECT: "name":"fork_core".*"access":"0:1","kind":0,"in":"task_tgid"\}
 */
#include "common.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
	int pid;
	int tgid;
	int made_up_field;
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

struct rq {
	int cpu;
} __attribute__((preserve_access_index));

__u64 last_pid, last_ppid_tgid, has_made_up, has_rq;

static __noinline int task_tgid(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, tgid);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_core, struct task_struct *parent, struct task_struct *child)
{
	last_pid = BPF_CORE_READ(child, pid);
	last_ppid_tgid = task_tgid(child);
	has_made_up = bpf_core_field_exists(child->made_up_field);
	has_rq = bpf_core_type_exists(struct rq);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
