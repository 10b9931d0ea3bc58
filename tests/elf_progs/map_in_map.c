/* SPDX-License-Identifier: MIT */
/*
 * Maps of maps: an array of maps and a hash of maps, each with its inner
 * map template and initial slots naming BTF maps (`__array(values, ...)`
 * initialised with `[slot] = &map`). A tracepoint picks a per-CPU-group
 * table through the outer map.
 *
 * EXPECT: "name":"tables","real_name":"tables","kind":"btf","type":"array_of_maps","key_size":4,"value_size":4,"max_entries":4
 * EXPECT: "name":"tables".*"inner":\{"name":"tables.inner","type":"array","key_size":4,"value_size":8,"max_entries":8
 * EXPECT: "name":"tables".*"slots":\[\{"slot":0,"map":"table_a"\},\{"slot":2,"map":"table_b"\}\]
 * EXPECT: "name":"by_id".*"type":"hash_of_maps".*"inner":\{"name":"by_id.inner","type":"hash".*"slots":\[\{"slot":1,"map":"table_c"\}\]
 */
#include "common.h"

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner_array table_a SEC(".maps");
struct inner_array table_b SEC(".maps");

struct inner_hash {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner_hash table_c SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_array);
} tables SEC(".maps") = {
	.values = { [0] = &table_a, [2] = &table_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 16);
	__type(key, __u32);
	__array(values, struct inner_hash);
} by_id SEC(".maps") = {
	.values = { [1] = &table_c },
};

SEC("tp/sched/sched_process_fork")
int pick_table(void *ctx)
{
	__u32 group = bpf_get_smp_processor_id() & 3, slot = 0, id = 1;
	__u64 *cnt;
	__u32 *v;
	void *inner;

	inner = bpf_map_lookup_elem(&tables, &group);
	if (inner) {
		cnt = bpf_map_lookup_elem(inner, &slot);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
	}
	inner = bpf_map_lookup_elem(&by_id, &id);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &id);
		if (v)
			*v += 1;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
