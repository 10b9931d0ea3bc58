/* SPDX-License-Identifier: MIT */
/*
 * A socket filter that decides how much of a packet to keep from its
 * __sk_buff fields and bytes read with LD_ABS (load_byte/load_half):
 * TCP keeps the headers only, UDP to port 53 everything, the rest is cut
 * to 32 bytes; a per-decision counter array records the choices.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} decisions SEC(".maps");

static __always_inline int decide(__u32 which, int keep)
{
	__u64 *n = bpf_map_lookup_elem(&decisions, &which);
	if (n)
		(*n)++;
	return keep;
}

SEC("socket")
int keep_len(struct __sk_buff *skb)
{
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return decide(0, 0);
	__u8 ihl = load_byte(skb, 0) & 0xf;
	__u8 proto = load_byte(skb, 9);
	if (proto == IPPROTO_TCP)
		return decide(1, ihl * 4 + 20);
	if (proto == IPPROTO_UDP && load_half(skb, ihl * 4 + 2) == 53)
		return decide(2, skb->len);
	return decide(3, 32);
}

char LICENSE[] SEC("license") = "GPL";
