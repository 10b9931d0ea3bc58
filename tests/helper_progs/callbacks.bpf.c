/* SPDX-License-Identifier: MIT */
/*
 * bpf_loop and bpf_for_each_map_elem: how many times the callback runs,
 * what it sees, what stopping, flags and limits return.
 */
#include "helper_progs.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} phash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct loop_ctx {
	__u64 sum;
	__u64 calls;
	__u32 stop_at;
};

/* The callbacks keep their counts in globals: the kernel's verifier
 * tracks a stack counter exactly through every iteration of a callback
 * and gives up; map values it does not track. */
struct loop_ctx lc;
struct walk {
	__u64 keys;
	__u64 values;
	__u64 calls;
	__u64 stop_after;
	__u64 deleted;
} w;
__u64 nested_sum;

static long add_index(__u32 i, void *data)
{
	lc.sum += i;
	lc.calls++;
	return lc.stop_at && i >= lc.stop_at;
}

static long nested(__u32 i, void *data)
{
	bpf_loop(i + 1, add_index, 0, 0);
	nested_sum += lc.sum;
	return 0;
}

/* The context reaches the callback: it marks the caller's stack. */
static long mark_ctx(__u32 i, void *data)
{
	*(__u64 *)data = 0x5eed;
	return 1;
}

static long no_ctx(__u32 i, void *data)
{
	return data != 0;
}

SEC("syscall")
int loops(struct hctx *c)
{
	__u64 mark = 0;

	c->ret[0] = bpf_loop(10, add_index, 0, 0);
	c->ret[1] = lc.sum;
	c->ret[2] = lc.calls;
	lc = (struct loop_ctx){ .stop_at = 4 };
	c->ret[3] = bpf_loop(100, add_index, 0, 0);
	c->ret[4] = lc.sum;
	c->ret[5] = bpf_loop(0, add_index, 0, 0);
	c->ret[6] = bpf_loop(5, add_index, 0, 1);
	c->ret[7] = bpf_loop((1 << 23) + 1, add_index, 0, 0);
	c->ret[8] = lc.calls;
	lc = (struct loop_ctx){ 0 };
	c->ret[9] = bpf_loop(6, nested, 0, 0);
	c->ret[10] = nested_sum;
	c->ret[11] = bpf_loop(3, no_ctx, 0, 0);
	c->ret[12] = bpf_loop(3, mark_ctx, &mark, 0);
	c->ret[13] = mark;
	return 0;
}

static long walk_elem(void *map, __u32 *key, __u64 *val, void *data)
{
	w.keys += *key;
	w.values += *val;
	w.calls++;
	return w.stop_after && w.calls >= w.stop_after;
}

static long delete_odd(void *map, __u32 *key, __u64 *val, void *data)
{
	__u32 k = *key;

	w.calls++;
	if (k & 1)
		w.deleted += bpf_map_delete_elem(map, &k) == 0;
	return 0;
}

static long bump(void *map, __u32 *key, __u64 *val, void *data)
{
	*val += 1000;
	w.calls++;
	return 0;
}

static long fill_arr(__u32 i, void *data)
{
	__u32 k = i * 3;
	__u64 v = k * 10 + 1;

	bpf_map_update_elem(&arr, &k, &v, 0);
	return 0;
}

static long fill_hash(__u32 i, void *data)
{
	__u32 k = i + 1;
	__u64 v = (__u64)k * k;

	bpf_map_update_elem(&hash, &k, &v, 0);
	bpf_map_update_elem(&lru, &k, &v, 0);
	if (k <= 8)
		bpf_map_update_elem(&phash, &k, &v, 0);
	return 0;
}

/* Runs first (programs run in the object's order): fills the maps. */
SEC("syscall")
int fill_maps(struct hctx *c)
{
	__u32 k = 2;
	__u64 v = 5;

	c->ret[0] = bpf_loop(6, fill_arr, 0, 0);
	c->ret[1] = bpf_loop(20, fill_hash, 0, 0);
	bpf_map_update_elem(&pcpu, &k, &v, 0);
	return 0;
}

SEC("syscall")
int each_array(struct hctx *c)
{
	w = (struct walk){ 0 };

	c->ret[0] = bpf_for_each_map_elem(&arr, walk_elem, 0, 0);
	c->ret[1] = w.keys, c->ret[2] = w.values, c->ret[3] = w.calls;
	return 0;
}

SEC("syscall")
int each_hash(struct hctx *c)
{
	w = (struct walk){ 0 };

	c->ret[0] = bpf_for_each_map_elem(&hash, walk_elem, 0, 0);
	c->ret[1] = w.keys, c->ret[2] = w.values, c->ret[3] = w.calls;
	return 0;
}

SEC("syscall")
int each_array_stop(struct hctx *c)
{
	w = (struct walk){ .stop_after = 5 };

	c->ret[0] = bpf_for_each_map_elem(&arr, walk_elem, 0, 0);
	c->ret[1] = w.keys, c->ret[2] = w.calls;
	return 0;
}

SEC("syscall")
int each_hash_stop(struct hctx *c)
{
	w = (struct walk){ .stop_after = 7 };

	c->ret[0] = bpf_for_each_map_elem(&hash, walk_elem, 0, 0);
	c->ret[1] = w.calls;
	return 0;
}

SEC("syscall")
int each_flags(struct hctx *c)
{
	w = (struct walk){ 0 };

	c->ret[0] = bpf_for_each_map_elem(&hash, walk_elem, 0, 1);
	c->ret[1] = w.calls;
	return 0;
}

SEC("syscall")
int each_delete(struct hctx *c)
{
	w = (struct walk){ 0 };

	c->ret[0] = bpf_for_each_map_elem(&hash, delete_odd, 0, 0);
	c->ret[1] = w.calls, c->ret[2] = w.deleted;
	w = (struct walk){ 0 };
	c->ret[3] = bpf_for_each_map_elem(&hash, walk_elem, 0, 0);
	c->ret[4] = w.keys, c->ret[5] = w.values;
	return 0;
}

SEC("syscall")
int each_write(struct hctx *c)
{
	w = (struct walk){ 0 };
	__u32 k = 3;

	c->ret[0] = bpf_for_each_map_elem(&arr, bump, 0, 0);
	__u64 *p = bpf_map_lookup_elem(&arr, &k);
	c->ret[1] = p ? *p : -1;
	return 0;
}

/* Per-CPU: the calling CPU's values. */
SEC("syscall")
int each_percpu(struct hctx *c)
{
	w = (struct walk){ 0 };

	c->ret[0] = bpf_for_each_map_elem(&pcpu, walk_elem, 0, 0);
	c->ret[1] = w.keys, c->ret[2] = w.values;
	return 0;
}

SEC("syscall")
int each_lru_phash(struct hctx *c)
{
	w = (struct walk){ 0 };
	c->ret[0] = bpf_for_each_map_elem(&lru, walk_elem, 0, 0);
	c->ret[1] = w.keys, c->ret[2] = w.values;
	w = (struct walk){ 0 };
	c->ret[3] = bpf_for_each_map_elem(&phash, walk_elem, 0, 0);
	c->ret[4] = w.keys, c->ret[5] = w.values;
	return 0;
}
