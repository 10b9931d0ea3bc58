/* SPDX-License-Identifier: MIT */
/*
 * A socket filter as test_run (and `bpfx socket`) runs it: LD_ABS offset
 * 0 is the network header. Keeps the IPv4 and transport headers of TCP
 * and UDP packets to ports 53, 80 and 443, drops the rest, and counts
 * both in a map. Run by pktdiff (helpers) and by packets.sh over a pcap.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} kept SEC(".maps");

static __always_inline int count(__u32 keep, int len)
{
	__u64 *v = bpf_map_lookup_elem(&kept, &keep);
	if (v)
		__sync_fetch_and_add(v, 1);
	return keep ? len : 0;
}

SEC("socket")
int sk_keep(struct __sk_buff *skb)
{
	if (skb->protocol != __builtin_bswap16(0x0800))
		return count(0, 0);
	__u32 proto = load_byte(skb, 9), ihl = (load_byte(skb, 0) & 15) * 4;
	if (proto != 6 && proto != 17)
		return count(0, 0);
	__u32 dport = load_half(skb, ihl + 2);
	if (dport == 53 || dport == 80 || dport == 443)
		return count(1, ihl + (proto == 6 ? 20 : 8));
	return count(0, 0);
}

char _license[] SEC("license") = "GPL";
