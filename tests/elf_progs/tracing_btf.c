/* SPDX-License-Identifier: MIT */
/*
 * BTF-attached tracing: fentry/fexit on do_unlinkat, a BTF raw
 * tracepoint on sched_switch, an LSM hook and a sleepable LSM hook; the
 * attach target is a kernel BTF name. fentry/fexit/LSM programs need BPF
 * trampolines, which some kernels (or their sandboxes) refuse.
 *
 * KERNEL: optional (needs BPF trampolines for fentry/fexit/lsm)
 * EXPECT: "name":"unlink_fentry","section":"fentry/do_unlinkat","type":"tracing","expected_attach_type":"trace_fentry","attach_target":"do_unlinkat","attach_btf":true
 * EXPECT: "name":"unlink_fexit","section":"fexit/do_unlinkat","type":"tracing","expected_attach_type":"trace_fexit"
 * EXPECT: "name":"on_switch","section":"tp_btf/sched_switch","type":"tracing","expected_attach_type":"trace_raw_tp","attach_target":"sched_switch"
 * EXPECT: "name":"file_open_check","section":"lsm/file_open","type":"lsm","expected_attach_type":"lsm_mac","attach_target":"file_open"
 * EXPECT: "name":"bprm_check","section":"lsm.s/bprm_check_security","type":"lsm".*"prog_flags":16
 */
#include "common.h"
#include <bpf/bpf_tracing.h>

struct filename;
struct file;
struct linux_binprm;
struct task_struct;

__u64 unlinks, unlink_errors, switches, opens, execs;

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink_fentry, int dfd, struct filename *name)
{
	unlinks++;
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlink_fexit, int dfd, struct filename *name, long ret)
{
	if (ret < 0)
		unlink_errors++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, _Bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switches++;
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(file_open_check, struct file *file)
{
	opens++;
	return 0;
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(bprm_check, struct linux_binprm *bprm)
{
	execs++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
