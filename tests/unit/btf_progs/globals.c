/* SPDX-License-Identifier: MIT */
/*
 * BTF test object (tests/suites/btf.sh): DATASEC and VAR. Global and
 * static variables in .data, .rodata and .bss, a custom data section,
 * BTF-defined maps in .maps, extern kernel symbols and kconfig values.
 */
#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __ksym __attribute__((section(".ksyms")))
#define __kconfig __attribute__((section(".kconfig")))

struct key { unsigned int a, b; };
struct value { long long cnt; char name[16]; };

struct {
	__uint(type, 1);               /* BPF_MAP_TYPE_HASH */
	__uint(max_entries, 128);
	__type(key, struct key);
	__type(value, struct value);
} hash_map SEC(".maps");

struct {
	__uint(type, 2);               /* BPF_MAP_TYPE_ARRAY */
	__uint(max_entries, 4);
	__type(key, unsigned int);
	__type(value, long long);
} array_map SEC(".maps");

int data_var = 42;
long data_arr[3] = { 1, 2, 3 };
const volatile int rodata_var = 7;
const char rodata_str[] = "hello";
int bss_var;
struct value bss_val;
static int static_var;
static volatile long static_data = 5;
int custom_var SEC(".data.custom") = 9;

extern int LINUX_KERNEL_VERSION __kconfig;
extern const void bpf_prog_active __ksym;
extern int bpf_kfunc_example(int x, long y) __attribute__((weak)) __ksym;

SEC("xdp")
int globals_prog(void *ctx)
{
	static_var++;
	bss_var += data_var + rodata_var + rodata_str[1] + static_data + custom_var;
	bss_val.cnt = LINUX_KERNEL_VERSION + data_arr[2];
	if (bpf_kfunc_example)
		bss_var += bpf_kfunc_example(1, 2);
	return bss_var + (int)(long)&bpf_prog_active + (int)(long)hash_map.max_entries + (int)(long)&array_map;
}

char _license[] SEC("license") = "GPL";
