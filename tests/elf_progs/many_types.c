/* SPDX-License-Identifier: MIT */
/*
 * One small but real program per attach point the section table knows
 * (sockets, cgroups, sockmap parsers/verdicts, lwt, flow dissector,
 * sk_lookup, perf events, syscall): the kernel confirms each type.
 * (BPF_CGROUP_INET_INGRESS is attach type 0, shown as 0.)
 *
 * EXPECT: "name":"ops_rtt","section":"sockops","type":"sock_ops","expected_attach_type":"cgroup_sock_ops"
 * EXPECT: "name":"skb_in","section":"cgroup_skb/ingress","type":"cgroup_skb","expected_attach_type":0,
 * EXPECT: "name":"skb_out","section":"cgroup_skb/egress","type":"cgroup_skb","expected_attach_type":"cgroup_inet_egress"
 * EXPECT: "name":"connect4","section":"cgroup/connect4","type":"cgroup_sock_addr","expected_attach_type":"cgroup_inet4_connect"
 * EXPECT: "name":"sendmsg6","section":"cgroup/sendmsg6","type":"cgroup_sock_addr","expected_attach_type":"cgroup_udp6_sendmsg"
 * EXPECT: "name":"sock_create","section":"cgroup/sock_create","type":"cgroup_sock","expected_attach_type":"cgroup_inet_sock_create"
 * EXPECT: "name":"sysctl_ro","section":"cgroup/sysctl","type":"cgroup_sysctl"
 * EXPECT: "name":"getsockopt","section":"cgroup/getsockopt","type":"cgroup_sockopt","expected_attach_type":"cgroup_getsockopt"
 * EXPECT: "name":"dev_allow","section":"cgroup/dev","type":"cgroup_device"
 * EXPECT: "name":"parser","section":"sk_skb/stream_parser","type":"sk_skb","expected_attach_type":"sk_skb_stream_parser"
 * EXPECT: "name":"verdict","section":"sk_skb/stream_verdict","type":"sk_skb","expected_attach_type":"sk_skb_stream_verdict"
 * EXPECT: "name":"msg_verdict","section":"sk_msg","type":"sk_msg","expected_attach_type":"sk_msg_verdict"
 * EXPECT: "name":"lwt_in_count","section":"lwt_in","type":"lwt_in"
 * EXPECT: "name":"lwt_xmit_pass","section":"lwt_xmit","type":"lwt_xmit"
 * EXPECT: "name":"dissect","section":"flow_dissector","type":"flow_dissector"
 * EXPECT: "name":"lookup","section":"sk_lookup","type":"sk_lookup","expected_attach_type":"sk_lookup"
 * EXPECT: "name":"on_cycles","section":"perf_event","type":"perf_event"
 * EXPECT: "name":"sys_prog","section":"syscall","type":"syscall".*"prog_flags":16
 * EXPECT: "name":"reuse","section":"sk_reuseport","type":"sk_reuseport","expected_attach_type":"sk_reuseport_select"
 * EXPECT: "name":"frags","section":"xdp.frags","type":"xdp","expected_attach_type":"xdp".*"prog_flags":32
 * EXPECT: "name":"sock_map","real_name":"sock_map","kind":"btf","type":"sockmap"
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} sock_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&hits, &what);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("sockops")
int ops_rtt(struct bpf_sock_ops *ops)
{
	count(0);
	if (ops->op == BPF_SOCK_OPS_TCP_CONNECT_CB)
		bpf_sock_ops_cb_flags_set(ops, BPF_SOCK_OPS_RTT_CB_FLAG);
	return 1;
}

SEC("cgroup_skb/ingress")
int skb_in(struct __sk_buff *skb)
{
	count(1);
	return skb->len < 65536;
}

SEC("cgroup_skb/egress")
int skb_out(struct __sk_buff *skb)
{
	count(2);
	return 1;
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	count(3);
	return ctx->user_port == bpf_htons(7) ? 0 : 1;
}

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx)
{
	count(4);
	return 1;
}

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk)
{
	count(5);
	return sk->type != 3; /* no SOCK_RAW */
}

SEC("cgroup/sysctl")
int sysctl_ro(struct bpf_sysctl *ctx)
{
	count(6);
	return !ctx->write;
}

SEC("cgroup/getsockopt")
int getsockopt(struct bpf_sockopt *ctx)
{
	count(7);
	return 1;
}

SEC("cgroup/dev")
int dev_allow(struct bpf_cgroup_dev_ctx *ctx)
{
	count(8);
	return ctx->major != 1;
}

SEC("sk_skb/stream_parser")
int parser(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sk_skb/stream_verdict")
int verdict(struct __sk_buff *skb)
{
	count(9);
	return bpf_sk_redirect_map(skb, &sock_map, 0, 0);
}

SEC("sk_msg")
int msg_verdict(struct sk_msg_md *msg)
{
	count(10);
	return SK_PASS;
}

SEC("lwt_in")
int lwt_in_count(struct __sk_buff *skb)
{
	count(11);
	return BPF_OK;
}

SEC("lwt_xmit")
int lwt_xmit_pass(struct __sk_buff *skb)
{
	count(12);
	return BPF_OK;
}

SEC("flow_dissector")
int dissect(struct __sk_buff *skb)
{
	count(13);
	return BPF_FLOW_DISSECTOR_CONTINUE;
}

SEC("sk_lookup")
int lookup(struct bpf_sk_lookup *ctx)
{
	count(14);
	return SK_PASS;
}

SEC("perf_event")
int on_cycles(void *ctx)
{
	count(15);
	return 0;
}

SEC("syscall")
int sys_prog(void *ctx)
{
	count(16);
	return 0;
}

SEC("sk_reuseport")
int reuse(struct sk_reuseport_md *md)
{
	count(17);
	return SK_PASS;
}

SEC("xdp.frags")
int frags(struct xdp_md *ctx)
{
	count(18);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
