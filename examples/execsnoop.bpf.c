/* SPDX-License-Identifier: MIT */
/*
 * execsnoop: one record per execve of the traced command and its
 * descendants - who (pid, comm) runs what (the filename execve was given)
 * - sent through a ring buffer, as the kernel's execsnoop tools do. The
 * same object runs in the kernel (every execve of the machine) and under
 * `bpfx trace`, which prints each record as it arrives, formatted through
 * the object's BTF type struct event:
 *
 *   clang -O2 -g -target bpf -c examples/execsnoop.bpf.c -o execsnoop.o
 *   bpfx trace execsnoop.o format event -- sh script.sh
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 pid;            /* the thread group (process) id */
	__u32 tid;
	char comm[16];        /* the name of the task calling execve */
	char filename[128];   /* the program it asks for */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* The fields of syscalls:sys_enter_execve (its tracefs format). */
struct execve_args {
	__u64 common;         /* type, flags, preempt count, pid */
	__s32 syscall_nr;
	__u32 pad;
	const char *filename;
	const char *const *argv;
	const char *const *envp;
};

/* A subprogram of its own (not inlined), so that struct event is in the
 * object's BTF, where `format event` finds it. */
static __attribute__((noinline)) int fill(struct event *e, const char *filename)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), filename) < 0)
		e->filename[0] = '\0';
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int snoop_execve(struct execve_args *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	fill(e, ctx->filename);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
