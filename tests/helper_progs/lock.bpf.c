/* SPDX-License-Identifier: MIT */
/* bpf_spin_lock and bpf_spin_unlock around updates of a map value. */
#include "helper_progs.h"

char LICENSE[] SEC("license") = "GPL";

struct locked {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 count;
	__u64 last;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct locked);
} vals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct locked);
} hvals SEC(".maps");

static __s64 bump(void *map, __u32 key, __u64 by)
{
	struct locked *v = bpf_map_lookup_elem(map, &key);
	__u64 n;

	if (!v)
		return -1;
	bpf_spin_lock(&v->lock);
	v->count += by;
	v->last = by;
	n = v->count;
	bpf_spin_unlock(&v->lock);
	return n;
}

SEC("syscall")
int locked_updates(struct hctx *c)
{
	struct locked init = { .count = 100 };
	__u32 k = 3;

	bpf_map_update_elem(&hvals, &k, &init, 0);
	c->ret[0] = bump(&vals, 0, 5);
	c->ret[1] = bump(&vals, 0, 7);
	c->ret[2] = bump(&vals, 1, 9);
	c->ret[3] = bump(&hvals, 3, 11);
	c->ret[4] = bump(&hvals, 4, 1);
	c->ret[5] = bump(&vals, 0, 1);
	return 0;
}
