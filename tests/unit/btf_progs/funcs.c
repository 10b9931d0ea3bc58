/* SPDX-License-Identifier: MIT */
/*
 * BTF test object (tests/suites/btf.sh): FUNC, FUNC_PROTO and BTF.ext
 * func_info/line_info. Several programs in several sections, static and
 * global subprograms, parameters of many kinds, and a .text section.
 */
#define SEC(name) __attribute__((section(name), used))

struct ctx { unsigned int len; unsigned int mark; void *data; };

static __attribute__((noinline)) int static_sub(int a, int b)
{
	return a * b + 1;
}

__attribute__((noinline)) int global_sub(struct ctx *c, unsigned long long v)
{
	if (!c)
		return 0;
	return c->len + (int)v + static_sub(c->mark, 3);
}

__attribute__((noinline)) long vararg_like(const char *fmt, int n)
{
	long s = 0;

	for (int i = 0; i < n; i++)
		s += fmt[i];
	return s;
}

SEC("kprobe/do_sys_open")
int prog_a(struct ctx *c)
{
	int r = global_sub(c, 7);

	if (r > 3)
		r += static_sub(r, 2);
	return r;
}

SEC("kprobe/do_sys_open")
int prog_b(struct ctx *c)
{
	return static_sub(c->len, c->mark) + vararg_like("abc", 2);
}

SEC("tracepoint/syscalls/sys_enter_execve")
int prog_c(void *ctx)
{
	volatile int x = 1;

	for (int i = 0; i < 4; i++)
		x += i;
	return x;
}

char _license[] SEC("license") = "GPL";
