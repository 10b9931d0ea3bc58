/* SPDX-License-Identifier: MIT */
/*
 * Externs: .kconfig values (the loader fills them into the kconfig map),
 * a weak one, a typeless .ksyms variable and a kfunc pair, in a BTF
 * raw tracepoint.
 *
 * The kconfig layout is libbpf's: by alignment (largest first), then size.
 *
 * EXPECT: "name":"kconfig.kconfig","real_name":".kconfig","kind":"kconfig","type":"array","key_size":4,"value_size":13,"max_entries":1,"flags":1152
 * EXPECT: "externs":\[\{"name":"CONFIG_HZ","kind":"kconfig","func":false,"weak":false,"off":0,"size":8\},\{"name":"LINUX_KERNEL_VERSION","kind":"kconfig","func":false,"weak":false,"off":8,"size":4\},\{"name":"CONFIG_BPF_SYSCALL","kind":"kconfig","func":false,"weak":true,"off":12,"size":1\}
 * EXPECT: "name":"bpf_rcu_read_lock","kind":"ksym","func":true
 * EXPECT: "name":"_stext","kind":"ksym","func":false
 * EXPECT: "name":"kcfg_task".*"kind":"map_value","map":"kconfig.kconfig","off":0,"extern":"CONFIG_HZ"
 * EXPECT: "name":"kcfg_task".*"kind":"kfunc","extern":"bpf_rcu_read_unlock"
 * EXPECT: "name":"kcfg_task".*"kind":"ksym","extern":"_stext"
 */
#include "common.h"
#include <bpf/bpf_tracing.h>

#define __kconfig __attribute__((section(".kconfig")))
#define __ksym __attribute__((section(".ksyms")))

extern int LINUX_KERNEL_VERSION __kconfig;
extern unsigned long CONFIG_HZ __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern const void _stext __ksym;

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

__u64 seen_version, seen_hz, forks, text_addr;

struct task_struct;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(kcfg_task, struct task_struct *parent, struct task_struct *child)
{
	seen_version = LINUX_KERNEL_VERSION;
	seen_hz = CONFIG_HZ;
	text_addr = (__u64)&_stext;
	if (!CONFIG_BPF_SYSCALL)
		return 0;
	bpf_rcu_read_lock();
	forks++;
	bpf_rcu_read_unlock();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
