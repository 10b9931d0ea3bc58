/* SPDX-License-Identifier: MIT */
/* bpf_map_lookup_percpu_elem: every CPU's value, and NULL past the last. */
#include "helper_progs.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pa SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} ph SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pl SEC(".maps");

static __s64 sum_cpus(void *map, __u32 key, __u64 ncpus)
{
	__s64 sum = 0, found = 0;

	for (__u32 cpu = 0; cpu < 64; cpu++) {
		if (cpu >= ncpus)
			break;
		__u64 *v = bpf_map_lookup_percpu_elem(map, &key, cpu);
		if (v) {
			sum += *v;
			found++;
		}
	}
	return sum * 100 + found;
}

SEC("syscall")
int percpu_lookup(struct hctx *c)
{
	__u32 k = 1;
	__u64 v = 7;
	__u64 n = c->ncpus;

	bpf_map_update_elem(&pa, &k, &v, 0);
	bpf_map_update_elem(&ph, &k, &v, 0);
	bpf_map_update_elem(&pl, &k, &v, 0);
	c->ret[0] = sum_cpus(&pa, 1, n);
	c->ret[1] = sum_cpus(&ph, 1, n);
	c->ret[2] = sum_cpus(&pl, 1, n);
	c->ret[3] = sum_cpus(&ph, 2, n);     /* absent */
	c->ret[4] = sum_cpus(&pa, 9, n);     /* out of range */
	c->ret[5] = bpf_map_lookup_percpu_elem(&pa, &k, (__u32)n) != 0;
	c->ret[6] = bpf_map_lookup_percpu_elem(&ph, &k, 100000) != 0;
	return 0;
}
