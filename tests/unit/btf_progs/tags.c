/* SPDX-License-Identifier: MIT */
/*
 * BTF test object (tests/suites/btf.sh): DECL_TAG and TYPE_TAG, FLOAT,
 * and the kinds newer compilers add (ENUM64 and signed enums with
 * clang >= 15).
 */
#define SEC(name) __attribute__((section(name), used))
#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user __attribute__((btf_type_tag("user")))
#define __rcu __attribute__((btf_type_tag("rcu")))

struct tagged {
	int a __tag("field_tag");
	int __user *up;
	int __user __rcu *urp;
	const int __user *cup;
	float f;
	double d;
} __tag("struct_tag") __tag("another");

typedef int tagged_int __tag("typedef_tag");

union tagged_u {
	int x __tag("u_field");
	long y;
} __tag("union_tag");

enum big64 { B_SMALL = 1, B_BIG = 0xfedcba9876543210ULL };
enum neg { N_MINUS = -5, N_PLUS = 5 };

struct tagged g_tagged __tag("var_tag");
union tagged_u g_tu;
tagged_int g_ti;
enum big64 g_big;
enum neg g_neg;

__attribute__((noinline)) __tag("func_tag")
int tagged_fn(int x __tag("arg_tag"), struct tagged *t)
{
	return x + t->a;
}

SEC("xdp")
int tags_prog(void *ctx)
{
	return tagged_fn(g_ti, &g_tagged) + g_tu.x + (int)g_big + g_neg;
}

char _license[] SEC("license") = "GPL";
