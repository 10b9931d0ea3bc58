/* SPDX-License-Identifier: MIT */
/* bpf_get_stackid and bpf_get_stack at the getppid of chain.c (the first
 * one only): results[i] holds the helpers' return values, stacks the
 * stack ids' ips, bufs the bpf_get_stack buffers. See stackmap.sh. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16);
	__uint(key_size, 4);
	__uint(value_size, 4 * 8);     /* 4 frames: f3, f2, f1, main */
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16);
	__uint(key_size, 4);
	__uint(value_size, 3 * 8);     /* skip 1: f2, f1, main */
} stacks1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1);        /* one bucket: every stack collides */
	__uint(key_size, 4);
	__uint(value_size, 2 * 8);
} tiny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_STACK_BUILD_ID);
	__uint(key_size, 4);
	__uint(value_size, 4 * sizeof(struct bpf_stack_build_id));
} bstacks SEC(".maps");        /* f3, f2, f1, main as build id + offset */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_stack_build_id[2]);
} bids SEC(".maps");           /* bpf_get_stack with BPF_F_USER_BUILD_ID */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __s64);
} results SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64[6]);
} bufs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64[6]);
} vmas SEC(".maps");   /* bpf_find_vma: r0, start, end, flags & 0xf, pgoff, has file */

/* The fields the find_vma callback reads, relocated (CO-RE) to the
 * running kernel's layout. */
struct file;
struct vm_area_struct {
	unsigned long vm_start, vm_end, vm_flags, vm_pgoff;
	struct file *vm_file;
} __attribute__((preserve_access_index));

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	__u64 *o = ctx;
	o[1] = vma->vm_start;
	o[2] = vma->vm_end;
	o[3] = vma->vm_flags & 0xf;   /* VM_READ, VM_WRITE, VM_EXEC, VM_SHARED */
	o[4] = vma->vm_pgoff;
	o[5] = vma->vm_file != 0;
	return 0;
}

static void find_vma(__u32 k, __u64 addr, __u64 flags)
{
	__u64 o[6] = {};
	o[0] = bpf_find_vma(bpf_get_current_task_btf(), addr, vma_cb, o, flags);
	bpf_map_update_elem(&vmas, &k, o, 0);
}

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} ts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __s64);
} storage_res SEC(".maps");   /* task storage helpers' results */

static void sput(__u32 k, __s64 v)
{
	bpf_map_update_elem(&storage_res, &k, &v, 0);
}

/* Task storage of the traced thread: create, find again, bad flags,
 * delete twice, and a NULL task. */
static void storage(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 init = 40, *v;

	sput(0, bpf_task_storage_get(&ts, task, 0, 0) != 0);
	v = bpf_task_storage_get(&ts, task, &init, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v)
		*v += 2;
	v = bpf_task_storage_get(&ts, task, 0, 0);
	sput(1, v ? (__s64)*v : -1);
	sput(2, bpf_task_storage_get(&ts, task, 0, 2) != 0);
	sput(3, bpf_task_storage_delete(&ts, task));
	sput(4, bpf_task_storage_delete(&ts, task));
	v = bpf_task_storage_get(&ts, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	sput(5, v ? (__s64)*v : -1);
}

/* Set by tests/tools/ktrace in the kernel run (first in .rodata). */
const volatile __u32 target_tgid = 0;

static void put(__u32 k, __s64 v)
{
	bpf_map_update_elem(&results, &k, &v, 0);
}

SEC("tp/syscalls/sys_enter_getppid")
int at_getppid(void *ctx)
{
	char comm[16];
	__u32 k0 = 0, k1 = 1;
	__s64 *done = bpf_map_lookup_elem(&results, &(__u32){15});
	__u64 *b0 = bpf_map_lookup_elem(&bufs, &k0), *b1 = bpf_map_lookup_elem(&bufs, &k1);

	if (target_tgid && bpf_get_current_pid_tgid() >> 32 != target_tgid)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 'c' || comm[1] != 'h' || comm[2] != 'a' || comm[3] != 'i' ||
	    comm[4] != 'n' || comm[5] || !done || *done || !b0 || !b1)
		return 0;
	*done = 1;
	put(0, bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK));
	put(1, bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK));          /* same id */
	put(2, bpf_get_stackid(ctx, &stacks1, BPF_F_USER_STACK | 1));     /* from f2 */
	put(3, bpf_get_stack(ctx, b0, 6 * 8, BPF_F_USER_STACK));
	put(4, bpf_get_stack(ctx, b1, 2 * 8, BPF_F_USER_STACK | 2));      /* f1, main */
	put(5, bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK | (1 << 12)));  /* bad flag */
	put(6, bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK | 255));    /* skips all */
	put(7, bpf_get_stack(ctx, b1 + 2, 12, BPF_F_USER_STACK));         /* size % 8 */
	put(8, bpf_get_stackid(ctx, &tiny, BPF_F_USER_STACK));
	put(9, bpf_get_stackid(ctx, &tiny, BPF_F_USER_STACK | 1));        /* collides */
	put(10, bpf_get_stackid(ctx, &tiny, BPF_F_USER_STACK | 1 | BPF_F_REUSE_STACKID));
	put(11, bpf_get_stackid(ctx, &tiny, BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP));
	put(12, bpf_get_stackid(ctx, &bstacks, BPF_F_USER_STACK));
	struct bpf_stack_build_id *bi = bpf_map_lookup_elem(&bids, &k0);
	if (bi) {
		put(14, bpf_get_stack(ctx, bi, 40, BPF_F_USER_STACK | BPF_F_USER_BUILD_ID));
		put(13, bpf_get_stack(ctx, bi, 2 * sizeof(*bi), BPF_F_USER_STACK | BPF_F_USER_BUILD_ID));
	}
	find_vma(0, b0[0], 0);          /* the text of chain: f3's instruction */
	find_vma(1, b0[4], 0);          /* libc, where main returns to */
	find_vma(2, 0x1000, 0);         /* nothing: -ENOENT */
	find_vma(3, b0[0], 1);          /* flags: -EINVAL */
	storage();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
