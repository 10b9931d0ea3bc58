/* SPDX-License-Identifier: MIT */
/* bpftool's names of attach types and link types, for the CLI. */
#include <bpfx/bpfx.h>

#include "api/link_obj.h"
#include "loader/elf.h"

const char *bpfx_attach_type_name(uint32_t type)
{
	if (type == BPF_TCX_INGRESS)
		return "tcx_ingress";
	if (type == BPF_TCX_EGRESS)
		return "tcx_egress";
	return elf_attach_type_str(type);
}

const char *bpfx_link_type_name(uint32_t type)
{
	static const char *const names[] = {
		[BPF_LINK_TYPE_RAW_TRACEPOINT] = "raw_tracepoint", [BPF_LINK_TYPE_TRACING] = "tracing",
		[BPF_LINK_TYPE_CGROUP] = "cgroup", [BPF_LINK_TYPE_ITER] = "iter",
		[BPF_LINK_TYPE_NETNS] = "netns", [BPF_LINK_TYPE_XDP] = "xdp",
		[BPF_LINK_TYPE_PERF_EVENT] = "perf_event", [BPF_LINK_TYPE_KPROBE_MULTI] = "kprobe_multi",
		[BPF_LINK_TYPE_STRUCT_OPS] = "struct_ops", [10] = "netfilter",
		[LINK_TYPE_TCX] = "tcx",
	};
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}
