/* SPDX-License-Identifier: MIT */
/*
 * A syscall program that sends events through a ringbuf the way programs
 * written against libbpf do: reserve + submit (one discarded), output
 * without a wake-up, the queried data size inside the events. Loaded from
 * the same object into the kernel (libbpf) and into bpfx (bpfx_object) by
 * tests/tools/kdiff_ringbuf.c; every return value and record must match.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct args {
	__u64 seq;
	__u32 n;
	__u32 pad;
};

struct event {
	__u64 seq;
	__u32 i;
	__u32 pad;
	__u64 avail;
};

SEC("syscall")
int emit(struct args *a)
{
	__u64 seq = a->seq;
	__u32 n = a->n;
	int fails = 0;

	for (__u32 i = 0; i < 8; i++) {
		if (i >= n)
			break;
		struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			fails++;
			continue;
		}
		e->seq = seq;
		e->i = i;
		e->pad = 0;
		e->avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
		if (i == 3)
			bpf_ringbuf_discard(e, 0);
		else
			bpf_ringbuf_submit(e, 0);
	}
	struct { __u64 seq; __u32 tag; } small = { seq, 0x7a7a7a7a };
	if (bpf_ringbuf_output(&events, &small, 12, BPF_RB_NO_WAKEUP))
		fails += 100;
	return fails;
}

char LICENSE[] SEC("license") = "GPL";
