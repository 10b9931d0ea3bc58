/* SPDX-License-Identifier: MIT */
/*
 * Global data of every kind: .data, .rodata (const tables and a const
 * volatile configuration), .bss counters, custom .data.* and .rodata.*
 * sections, a hidden variable (its map is not mmapable), string literals
 * (.rodata.str1.1), static variables. The file name is longer than 15
 * chars, so the object name is truncated and the internal map names
 * keep 8 of it ("global_v.rodata").
 *
 * EXPECT: "name":"global_variable"
 * EXPECT: "name":"global_v.rodata","real_name":".rodata","kind":"rodata".*"flags":1152
 * EXPECT: "name":"global_v.data","real_name":".data","kind":"data"
 * EXPECT: "name":"global_v.bss","real_name":".bss","kind":"bss"
 * EXPECT: "name":".data.custom","real_name":".data.custom","kind":"data"
 * EXPECT: "name":".data.priv","real_name":".data.priv","kind":"data".*"flags":0,
 * EXPECT: "name":".rodata.str1.1".*"flags":128,
 * EXPECT: "name":".rodata.cfg","real_name":".rodata.cfg","kind":"rodata".*"frozen":true
 * EXPECT: "name":"count_exec".*"map_value","map":"global_v.bss","off":8
 */
#include "common.h"

#define __hidden __attribute__((visibility("hidden")))

int verbose = 1;                                   /* .data */
const volatile __u32 sample_rate = 10;             /* .rodata */
const __u16 weights[4] = { 1, 2, 4, 8 };           /* .rodata */
__u64 events;                                      /* .bss */
__u64 sampled;                                     /* .bss */
static __u32 ticks;                                /* .bss, static */
__u64 custom_counter SEC(".data.custom") = 7;      /* .data.custom */
__hidden __u32 private_seed SEC(".data.priv") = 12345;
const volatile char banner[16] SEC(".rodata.cfg") = "bpfx-elf-test";

SEC("tracepoint/syscalls/sys_enter_execve")
int count_exec(void *ctx)
{
	__u32 seed = private_seed;

	events++;
	ticks++;
	private_seed = seed * 1103515245 + 12345;
	if (sample_rate && seed % sample_rate == 0) {
		sampled += weights[seed & 3];
		custom_counter++;
		if (verbose && banner[0])
			bpf_printk("exec sampled %u", (__u32)sampled);
	}
	if (verbose > 1) {
		/* a bare literal: .rodata.str1.1 */
		bpf_trace_printk("ticks %u", sizeof("ticks %u"), ticks);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
