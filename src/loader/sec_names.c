/* SPDX-License-Identifier: MIT */
/*
 * Program section names: what SEC("...") says about a program's type,
 * expected attach type, flags and attach target, with libbpf 1.x's table
 * and matching rules; and bpftool's names of program, map and attach
 * types. Pure functions over constant data; safe from any thread.
 *
 * Matching (libbpf's sec_def_matches): an entry "name+" matches "name"
 * itself or "name/anything" (the part after '/' is the attach target); an
 * entry without '+' matches only the exact name. The first match in table
 * order wins, so "xdp.frags/devmap" precedes "xdp.frags" and "xdp".
 */
#include <errno.h>
#include <string.h>

#include <bpfx/bpfx.h>

#include "loader/elf.h"

/* Values newer than the UAPI headers this builds with (kernel 6.1); the
 * numbers are the kernel's ABI. */
enum {
	PT_NETFILTER = 32,
	AT_NETFILTER = 45,
	AT_TCX_INGRESS = 46,
	AT_TCX_EGRESS = 47,
	AT_TRACE_UPROBE_MULTI = 48,
	AT_CGROUP_UNIX_CONNECT = 49,
	AT_CGROUP_UNIX_SENDMSG = 50,
	AT_CGROUP_UNIX_RECVMSG = 51,
	AT_CGROUP_UNIX_GETPEERNAME = 52,
	AT_CGROUP_UNIX_GETSOCKNAME = 53,
	AT_NETKIT_PRIMARY = 54,
	AT_NETKIT_PEER = 55,
	AT_TRACE_KPROBE_SESSION = 56,
	AT_TRACE_UPROBE_SESSION = 57,
	AT_MAX_KNOWN = 58,
	MT_CGRP_STORAGE = 32,
	MT_ARENA = 33,
	MT_MAX_KNOWN = 34,
};

enum {
	F_SLEEP = 1,     /* BPF_F_SLEEPABLE */
	F_FRAGS = 2,     /* BPF_F_XDP_HAS_FRAGS */
	F_BTF = 4,       /* the attach target is a kernel BTF name */
};

struct sec_entry {
	const char *sec;           /* ends with '+': also "sec/target" */
	uint8_t type;              /* enum bpf_prog_type */
	uint8_t attach;            /* enum bpf_attach_type */
	uint8_t flags;
};

#define P(x) BPF_PROG_TYPE_##x
static const struct sec_entry table[] = {
	{ "socket", P(SOCKET_FILTER), 0, 0 },
	{ "sk_reuseport/migrate", P(SK_REUSEPORT), BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0 },
	{ "sk_reuseport", P(SK_REUSEPORT), BPF_SK_REUSEPORT_SELECT, 0 },
	{ "kprobe+", P(KPROBE), 0, 0 },
	{ "uprobe+", P(KPROBE), 0, 0 },
	{ "uprobe.s+", P(KPROBE), 0, F_SLEEP },
	{ "kretprobe+", P(KPROBE), 0, 0 },
	{ "uretprobe+", P(KPROBE), 0, 0 },
	{ "uretprobe.s+", P(KPROBE), 0, F_SLEEP },
	{ "kprobe.multi+", P(KPROBE), BPF_TRACE_KPROBE_MULTI, 0 },
	{ "kretprobe.multi+", P(KPROBE), BPF_TRACE_KPROBE_MULTI, 0 },
	{ "kprobe.session+", P(KPROBE), AT_TRACE_KPROBE_SESSION, 0 },
	{ "uprobe.multi+", P(KPROBE), AT_TRACE_UPROBE_MULTI, 0 },
	{ "uretprobe.multi+", P(KPROBE), AT_TRACE_UPROBE_MULTI, 0 },
	{ "uprobe.session+", P(KPROBE), AT_TRACE_UPROBE_SESSION, 0 },
	{ "uprobe.multi.s+", P(KPROBE), AT_TRACE_UPROBE_MULTI, F_SLEEP },
	{ "uretprobe.multi.s+", P(KPROBE), AT_TRACE_UPROBE_MULTI, F_SLEEP },
	{ "uprobe.session.s+", P(KPROBE), AT_TRACE_UPROBE_SESSION, F_SLEEP },
	{ "ksyscall+", P(KPROBE), 0, 0 },
	{ "kretsyscall+", P(KPROBE), 0, 0 },
	{ "usdt+", P(KPROBE), 0, 0 },
	{ "usdt.s+", P(KPROBE), 0, F_SLEEP },
	{ "tc/ingress", P(SCHED_CLS), AT_TCX_INGRESS, 0 },
	{ "tc/egress", P(SCHED_CLS), AT_TCX_EGRESS, 0 },
	{ "tcx/ingress", P(SCHED_CLS), AT_TCX_INGRESS, 0 },
	{ "tcx/egress", P(SCHED_CLS), AT_TCX_EGRESS, 0 },
	{ "tc", P(SCHED_CLS), 0, 0 },
	{ "classifier", P(SCHED_CLS), 0, 0 },
	{ "action", P(SCHED_ACT), 0, 0 },
	{ "netkit/primary", P(SCHED_CLS), AT_NETKIT_PRIMARY, 0 },
	{ "netkit/peer", P(SCHED_CLS), AT_NETKIT_PEER, 0 },
	{ "tracepoint+", P(TRACEPOINT), 0, 0 },
	{ "tp+", P(TRACEPOINT), 0, 0 },
	{ "tracepoint.s+", P(TRACEPOINT), 0, F_SLEEP },
	{ "tp.s+", P(TRACEPOINT), 0, F_SLEEP },
	{ "raw_tracepoint+", P(RAW_TRACEPOINT), 0, 0 },
	{ "raw_tp+", P(RAW_TRACEPOINT), 0, 0 },
	{ "raw_tracepoint.s+", P(RAW_TRACEPOINT), 0, F_SLEEP },
	{ "raw_tp.s+", P(RAW_TRACEPOINT), 0, F_SLEEP },
	{ "raw_tracepoint.w+", P(RAW_TRACEPOINT_WRITABLE), 0, 0 },
	{ "raw_tp.w+", P(RAW_TRACEPOINT_WRITABLE), 0, 0 },
	{ "tp_btf+", P(TRACING), BPF_TRACE_RAW_TP, F_BTF },
	{ "tp_btf.s+", P(TRACING), BPF_TRACE_RAW_TP, F_BTF | F_SLEEP },
	{ "fentry+", P(TRACING), BPF_TRACE_FENTRY, F_BTF },
	{ "fmod_ret+", P(TRACING), BPF_MODIFY_RETURN, F_BTF },
	{ "fexit+", P(TRACING), BPF_TRACE_FEXIT, F_BTF },
	{ "fentry.s+", P(TRACING), BPF_TRACE_FENTRY, F_BTF | F_SLEEP },
	{ "fmod_ret.s+", P(TRACING), BPF_MODIFY_RETURN, F_BTF | F_SLEEP },
	{ "fexit.s+", P(TRACING), BPF_TRACE_FEXIT, F_BTF | F_SLEEP },
	{ "freplace+", P(EXT), 0, F_BTF },
	{ "lsm+", P(LSM), BPF_LSM_MAC, F_BTF },
	{ "lsm.s+", P(LSM), BPF_LSM_MAC, F_BTF | F_SLEEP },
	{ "lsm_cgroup+", P(LSM), BPF_LSM_CGROUP, F_BTF },
	{ "iter+", P(TRACING), BPF_TRACE_ITER, F_BTF },
	{ "iter.s+", P(TRACING), BPF_TRACE_ITER, F_BTF | F_SLEEP },
	{ "syscall", P(SYSCALL), 0, F_SLEEP },
	{ "xdp.frags/devmap", P(XDP), BPF_XDP_DEVMAP, F_FRAGS },
	{ "xdp/devmap", P(XDP), BPF_XDP_DEVMAP, 0 },
	{ "xdp.frags/cpumap", P(XDP), BPF_XDP_CPUMAP, F_FRAGS },
	{ "xdp/cpumap", P(XDP), BPF_XDP_CPUMAP, 0 },
	{ "xdp.frags", P(XDP), BPF_XDP, F_FRAGS },
	{ "xdp", P(XDP), BPF_XDP, 0 },
	{ "perf_event", P(PERF_EVENT), 0, 0 },
	{ "lwt_in", P(LWT_IN), 0, 0 },
	{ "lwt_out", P(LWT_OUT), 0, 0 },
	{ "lwt_xmit", P(LWT_XMIT), 0, 0 },
	{ "lwt_seg6local", P(LWT_SEG6LOCAL), 0, 0 },
	{ "sockops", P(SOCK_OPS), BPF_CGROUP_SOCK_OPS, 0 },
	{ "sk_skb/stream_parser", P(SK_SKB), BPF_SK_SKB_STREAM_PARSER, 0 },
	{ "sk_skb/stream_verdict", P(SK_SKB), BPF_SK_SKB_STREAM_VERDICT, 0 },
	{ "sk_skb/verdict", P(SK_SKB), BPF_SK_SKB_VERDICT, 0 },
	{ "sk_skb", P(SK_SKB), 0, 0 },
	{ "sk_msg", P(SK_MSG), BPF_SK_MSG_VERDICT, 0 },
	{ "lirc_mode2", P(LIRC_MODE2), BPF_LIRC_MODE2, 0 },
	{ "flow_dissector", P(FLOW_DISSECTOR), BPF_FLOW_DISSECTOR, 0 },
	{ "cgroup_skb/ingress", P(CGROUP_SKB), BPF_CGROUP_INET_INGRESS, 0 },
	{ "cgroup_skb/egress", P(CGROUP_SKB), BPF_CGROUP_INET_EGRESS, 0 },
	{ "cgroup/skb", P(CGROUP_SKB), 0, 0 },
	{ "cgroup/sock_create", P(CGROUP_SOCK), BPF_CGROUP_INET_SOCK_CREATE, 0 },
	{ "cgroup/sock_release", P(CGROUP_SOCK), BPF_CGROUP_INET_SOCK_RELEASE, 0 },
	{ "cgroup/sock", P(CGROUP_SOCK), BPF_CGROUP_INET_SOCK_CREATE, 0 },
	{ "cgroup/post_bind4", P(CGROUP_SOCK), BPF_CGROUP_INET4_POST_BIND, 0 },
	{ "cgroup/post_bind6", P(CGROUP_SOCK), BPF_CGROUP_INET6_POST_BIND, 0 },
	{ "cgroup/bind4", P(CGROUP_SOCK_ADDR), BPF_CGROUP_INET4_BIND, 0 },
	{ "cgroup/bind6", P(CGROUP_SOCK_ADDR), BPF_CGROUP_INET6_BIND, 0 },
	{ "cgroup/connect4", P(CGROUP_SOCK_ADDR), BPF_CGROUP_INET4_CONNECT, 0 },
	{ "cgroup/connect6", P(CGROUP_SOCK_ADDR), BPF_CGROUP_INET6_CONNECT, 0 },
	{ "cgroup/connect_unix", P(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_CONNECT, 0 },
	{ "cgroup/sendmsg4", P(CGROUP_SOCK_ADDR), BPF_CGROUP_UDP4_SENDMSG, 0 },
	{ "cgroup/sendmsg6", P(CGROUP_SOCK_ADDR), BPF_CGROUP_UDP6_SENDMSG, 0 },
	{ "cgroup/sendmsg_unix", P(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_SENDMSG, 0 },
	{ "cgroup/recvmsg4", P(CGROUP_SOCK_ADDR), BPF_CGROUP_UDP4_RECVMSG, 0 },
	{ "cgroup/recvmsg6", P(CGROUP_SOCK_ADDR), BPF_CGROUP_UDP6_RECVMSG, 0 },
	{ "cgroup/recvmsg_unix", P(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_RECVMSG, 0 },
	{ "cgroup/getpeername4", P(CGROUP_SOCK_ADDR), BPF_CGROUP_INET4_GETPEERNAME, 0 },
	{ "cgroup/getpeername6", P(CGROUP_SOCK_ADDR), BPF_CGROUP_INET6_GETPEERNAME, 0 },
	{ "cgroup/getpeername_unix", P(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_GETPEERNAME, 0 },
	{ "cgroup/getsockname4", P(CGROUP_SOCK_ADDR), BPF_CGROUP_INET4_GETSOCKNAME, 0 },
	{ "cgroup/getsockname6", P(CGROUP_SOCK_ADDR), BPF_CGROUP_INET6_GETSOCKNAME, 0 },
	{ "cgroup/getsockname_unix", P(CGROUP_SOCK_ADDR), AT_CGROUP_UNIX_GETSOCKNAME, 0 },
	{ "cgroup/sysctl", P(CGROUP_SYSCTL), BPF_CGROUP_SYSCTL, 0 },
	{ "cgroup/getsockopt", P(CGROUP_SOCKOPT), BPF_CGROUP_GETSOCKOPT, 0 },
	{ "cgroup/setsockopt", P(CGROUP_SOCKOPT), BPF_CGROUP_SETSOCKOPT, 0 },
	{ "cgroup/dev", P(CGROUP_DEVICE), BPF_CGROUP_DEVICE, 0 },
	{ "struct_ops+", P(STRUCT_OPS), 0, 0 },
	{ "struct_ops.s+", P(STRUCT_OPS), 0, F_SLEEP },
	{ "sk_lookup", P(SK_LOOKUP), BPF_SK_LOOKUP, 0 },
	{ "netfilter", PT_NETFILTER, AT_NETFILTER, 0 },
};
#undef P

/* Returns the attach target ("" when none) on a match, else NULL. */
static const char *match(const char *def, const char *name)
{
	size_t len = strlen(def);

	if (def[len - 1] != '+')
		return strcmp(def, name) == 0 ? "" : NULL;
	len--;
	if (strncmp(def, name, len) != 0)
		return NULL;
	if (name[len] == '\0')
		return "";
	return name[len] == '/' ? name + len + 1 : NULL;
}

int elf_sec_def_find(const char *sec_name, struct elf_sec_def *def)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *target = match(table[i].sec, sec_name);
		if (!target)
			continue;
		def->type = (enum bpf_prog_type)table[i].type;
		def->expected_attach_type = (enum bpf_attach_type)table[i].attach;
		def->prog_flags = ((table[i].flags & F_SLEEP) ? BPF_F_SLEEPABLE : 0) |
				  ((table[i].flags & F_FRAGS) ? BPF_F_XDP_HAS_FRAGS : 0);
		def->attach_btf = table[i].flags & F_BTF;
		def->attach_target = target[0] ? target : NULL;
		return 0;
	}
	return -ENOENT;
}

static const char *const prog_types[] = {
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp",
	"perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit",
	"sock_ops", "sk_skb", "cgroup_device", "sk_msg", "raw_tracepoint",
	"cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
	"flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt",
	"tracing", "struct_ops", "ext", "lsm", "sk_lookup", "syscall", "netfilter",
};

static const char *const map_types[MT_MAX_KNOWN] = {
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap",
	"xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray",
	"percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
	"struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter",
	"user_ringbuf", "cgrp_storage", "arena",
};

static const char *const attach_types[AT_MAX_KNOWN] = {
	[BPF_CGROUP_INET_INGRESS] = "cgroup_inet_ingress",
	[BPF_CGROUP_INET_EGRESS] = "cgroup_inet_egress",
	[BPF_CGROUP_INET_SOCK_CREATE] = "cgroup_inet_sock_create",
	[BPF_CGROUP_INET_SOCK_RELEASE] = "cgroup_inet_sock_release",
	[BPF_CGROUP_SOCK_OPS] = "cgroup_sock_ops",
	[BPF_CGROUP_DEVICE] = "cgroup_device",
	[BPF_CGROUP_INET4_BIND] = "cgroup_inet4_bind",
	[BPF_CGROUP_INET6_BIND] = "cgroup_inet6_bind",
	[BPF_CGROUP_INET4_CONNECT] = "cgroup_inet4_connect",
	[BPF_CGROUP_INET6_CONNECT] = "cgroup_inet6_connect",
	[AT_CGROUP_UNIX_CONNECT] = "cgroup_unix_connect",
	[BPF_CGROUP_INET4_POST_BIND] = "cgroup_inet4_post_bind",
	[BPF_CGROUP_INET6_POST_BIND] = "cgroup_inet6_post_bind",
	[BPF_CGROUP_INET4_GETPEERNAME] = "cgroup_inet4_getpeername",
	[BPF_CGROUP_INET6_GETPEERNAME] = "cgroup_inet6_getpeername",
	[AT_CGROUP_UNIX_GETPEERNAME] = "cgroup_unix_getpeername",
	[BPF_CGROUP_INET4_GETSOCKNAME] = "cgroup_inet4_getsockname",
	[BPF_CGROUP_INET6_GETSOCKNAME] = "cgroup_inet6_getsockname",
	[AT_CGROUP_UNIX_GETSOCKNAME] = "cgroup_unix_getsockname",
	[BPF_CGROUP_UDP4_SENDMSG] = "cgroup_udp4_sendmsg",
	[BPF_CGROUP_UDP6_SENDMSG] = "cgroup_udp6_sendmsg",
	[AT_CGROUP_UNIX_SENDMSG] = "cgroup_unix_sendmsg",
	[BPF_CGROUP_SYSCTL] = "cgroup_sysctl",
	[BPF_CGROUP_UDP4_RECVMSG] = "cgroup_udp4_recvmsg",
	[BPF_CGROUP_UDP6_RECVMSG] = "cgroup_udp6_recvmsg",
	[AT_CGROUP_UNIX_RECVMSG] = "cgroup_unix_recvmsg",
	[BPF_CGROUP_GETSOCKOPT] = "cgroup_getsockopt",
	[BPF_CGROUP_SETSOCKOPT] = "cgroup_setsockopt",
	[BPF_SK_SKB_STREAM_PARSER] = "sk_skb_stream_parser",
	[BPF_SK_SKB_STREAM_VERDICT] = "sk_skb_stream_verdict",
	[BPF_SK_SKB_VERDICT] = "sk_skb_verdict",
	[BPF_SK_MSG_VERDICT] = "sk_msg_verdict",
	[BPF_LIRC_MODE2] = "lirc_mode2",
	[BPF_FLOW_DISSECTOR] = "flow_dissector",
	[BPF_TRACE_RAW_TP] = "trace_raw_tp",
	[BPF_TRACE_FENTRY] = "trace_fentry",
	[BPF_TRACE_FEXIT] = "trace_fexit",
	[BPF_MODIFY_RETURN] = "modify_return",
	[BPF_LSM_MAC] = "lsm_mac",
	[BPF_LSM_CGROUP] = "lsm_cgroup",
	[BPF_SK_LOOKUP] = "sk_lookup",
	[BPF_TRACE_ITER] = "trace_iter",
	[BPF_XDP_DEVMAP] = "xdp_devmap",
	[BPF_XDP_CPUMAP] = "xdp_cpumap",
	[BPF_XDP] = "xdp",
	[BPF_SK_REUSEPORT_SELECT] = "sk_reuseport_select",
	[BPF_SK_REUSEPORT_SELECT_OR_MIGRATE] = "sk_reuseport_select_or_migrate",
	[BPF_PERF_EVENT] = "perf_event",
	[BPF_TRACE_KPROBE_MULTI] = "trace_kprobe_multi",
	[44] = "struct_ops",
	[AT_NETFILTER] = "netfilter",
	[AT_TCX_INGRESS] = "tcx_ingress",
	[AT_TCX_EGRESS] = "tcx_egress",
	[AT_TRACE_UPROBE_MULTI] = "trace_uprobe_multi",
	[AT_NETKIT_PRIMARY] = "netkit_primary",
	[AT_NETKIT_PEER] = "netkit_peer",
	[AT_TRACE_KPROBE_SESSION] = "trace_kprobe_session",
	[AT_TRACE_UPROBE_SESSION] = "trace_uprobe_session",
};

const char *elf_prog_type_str(uint32_t type)
{
	return type < sizeof(prog_types) / sizeof(prog_types[0]) ? prog_types[type] : NULL;
}

const char *elf_map_type_str(uint32_t type)
{
	return type < MT_MAX_KNOWN ? map_types[type] : NULL;
}

const char *elf_attach_type_str(uint32_t type)
{
	return type < AT_MAX_KNOWN ? attach_types[type] : NULL;
}

const char *bpfx_map_type_name(uint32_t type)
{
	return elf_map_type_str(type);
}

int bpfx_map_type_from_name(const char *name)
{
	for (uint32_t t = 0; t < MT_MAX_KNOWN; t++)
		if (map_types[t] && !strcmp(map_types[t], name))
			return (int)t;
	return -1;
}

const char *bpfx_prog_type_name(uint32_t type)
{
	return elf_prog_type_str(type);
}
