/* SPDX-License-Identifier: MIT */
/*
 * CO-RE against the running kernel's BTF: local, partial definitions of
 * kernel structs (with ___flavor suffixes, fields in another order, a
 * field and a type the kernel does not have, a bitfield reached through
 * anonymous structs) and an enum. The `count` program stores what every
 * kind of relocation resolved to in global variables, so a load by libbpf
 * into the kernel and a load by bpfx give the same .bss only if both
 * relocated alike.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___mine {
	char comm[16];
	int tgid;
	int pid;
	int no_such_field;
	struct task_struct___mine *real_parent;
} __attribute__((preserve_access_index));

struct sk_buff___mine {
	__u8 pkt_type : 3;
	__u32 len;
} __attribute__((preserve_access_index));

struct no_such_type___mine {
	int x;
} __attribute__((preserve_access_index));

__u64 pid_off, tgid_off, comm_size, parent_pid_off, missing_exists, pid_exists;
__u64 task_exists, made_up_exists, task_size, task_id_nonzero;
__u64 pkt_type_off, pkt_type_size, pkt_type_lshift, pkt_type_rshift, pkt_type_signed;
__u64 ringbuf_value, ringbuf_exists, bogus_enum_exists;

struct args {
	__u32 key;
	__u32 add;
	__u64 out;
};

SEC("syscall")
int count(struct args *ctx)
{
	struct task_struct___mine *t = 0;
	struct sk_buff___mine *skb = 0;

	pid_off = bpf_core_field_offset(t->pid);
	tgid_off = bpf_core_field_offset(t->tgid);
	comm_size = bpf_core_field_size(t->comm);
	parent_pid_off = bpf_core_field_offset(t->real_parent);
	missing_exists = bpf_core_field_exists(t->no_such_field);
	pid_exists = bpf_core_field_exists(t->pid);
	task_exists = bpf_core_type_exists(struct task_struct___mine);
	made_up_exists = bpf_core_type_exists(struct no_such_type___mine);
	task_size = bpf_core_type_size(struct task_struct___mine);
	task_id_nonzero = bpf_core_type_id_kernel(struct task_struct___mine) != 0;
	pkt_type_off = __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_BYTE_OFFSET);
	pkt_type_size = __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_BYTE_SIZE);
	pkt_type_lshift = __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_LSHIFT_U64);
	pkt_type_rshift = __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_RSHIFT_U64);
	pkt_type_signed = __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_SIGNED);
	ringbuf_value = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	ringbuf_exists = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	ctx->out = pid_off + comm_size;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
