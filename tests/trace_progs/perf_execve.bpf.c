/* SPDX-License-Identifier: MIT */
/* One perf event (struct sample: the pid and a sequence number) per execve
 * of the traced command: `bpfx trace` prints them as they arrive
 * (tests/suites/trace_events.sh). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sample {
	__u32 pid;
	__u32 seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} samples SEC(".maps");

__u32 seq;

static __attribute__((noinline)) int send(void *ctx, struct sample *s)
{
	return bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, s, sizeof(*s));
}

SEC("tp/syscalls/sys_enter_execve")
int sample_execve(void *ctx)
{
	/* Programs run one at a time on bpfx's tracer thread: a plain
	 * increment numbers them (clang 14 has no fetch-add with a result
	 * for the default CPU version). */
	struct sample s = { bpf_get_current_pid_tgid() >> 32, seq++ };

	send(ctx, &s);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
