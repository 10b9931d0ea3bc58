/* SPDX-License-Identifier: MIT */
/*
 * BTF test object (tests/suites/btf.sh): layouts the C dump must rebuild
 * with explicit padding and attributes, and names it must disambiguate.
 */
struct packed_small {
	int x;
	char y;
} __attribute__((packed));

struct holds_packed {
	short s;
	struct packed_small p;
};

struct packed_mid {
	char c;
	long l;
	short s;
} __attribute__((packed));

struct aligned16 {
	int x;
} __attribute__((aligned(16)));

struct holes {
	char a;
	long b;
	char c;
	int d;
	char e;
};

struct explicit_pad {
	int a;
	int: 32;
	int b;
	long: 64;
	long: 64;
	char c;
};

struct bf_pad {
	char a: 4;
	int: 8;
	char b: 4;
	long c: 20;
	long: 30;
	char d;
};

struct empty {};

struct with_empty {
	struct {} e;
	int x;
	struct empty e2;
};

struct flex {
	int n;
	char data[];
};

struct cache_line {
	int a;
	long: 64;
	long: 64;
	long: 64;
	int b;
} __attribute__((aligned(64)));

struct nested_packed {
	char c;
	struct {
		int i;
		char j;
	} __attribute__((packed)) in;
	short s;
};

/* Types of the same name in different scopes: the C dump numbers them
 * (dup___2, SAME___2). Static locals make clang emit the local types. */
struct dup_user1 {
	struct dup { int a; } d;
};

enum e1 { SAME = 1, OTHER1 = 2 };

__attribute__((noinline)) int dup_scope(int k)
{
	static struct dup { long b; } x;
	static enum e2 { SAME = 7 } v;
	static union dupu { int i; } u1;

	x.b += k;
	v = SAME;
	u1.i = k;
	return (int)x.b + v + u1.i;
}

__attribute__((noinline)) int dup_scope2(int k)
{
	static union dupu { char c[8]; } u2;
	static struct dup { char z; } y;

	u2.c[k & 7] = 1;
	y.z = (char)k;
	return u2.c[0] + y.z;
}

struct packed_small g_ps;
struct holds_packed g_hp;
struct packed_mid g_pm;
struct aligned16 g_a16;
struct holes g_holes;
struct explicit_pad g_ep;
struct bf_pad g_bfp;
struct with_empty g_we;
struct flex g_flex;
struct cache_line g_cl;
struct nested_packed g_np;
struct dup_user1 g_du;
enum e1 g_e1;

__attribute__((section("socket"), used))
int layout_prog(void *ctx)
{
	return g_ps.x + g_hp.s + g_holes.d + dup_scope(1) + dup_scope2(2) + g_flex.n;
}

char _license[] __attribute__((section("license"), used)) = "GPL";
