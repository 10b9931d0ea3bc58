/* SPDX-License-Identifier: MIT */
/*
 * BTF test object (tests/suites/btf.sh): the C type system. Structs,
 * unions, enums, typedefs, arrays, pointers, function pointers, bitfields,
 * qualifiers, anonymous and forward-declared types. Globals make clang
 * emit the full definitions.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef long long s64;
typedef _Bool bool_t;

enum color { RED, GREEN = 5, BLUE = -1 };
enum { ANON_A = 1, ANON_B = 2 };                 /* top-level anonymous enum */
enum small { S_A = 1 } __attribute__((packed));   /* 1-byte enum */
enum wide { W_A = 1, W_B = 0x123456789ULL };      /* 8 bytes: ENUM64 with clang >= 15 */

struct fwd_only;                                  /* only a pointer to it: FWD */
union fwd_union;

struct node {
	struct node *next;                        /* self-reference through a pointer */
	struct node **pprev;
	const struct node *const *cc;
	u32 key;
	u64 val;
};

struct bits {
	unsigned int a: 1;
	unsigned int b: 3;
	int c: 12;
	u8 d: 2;
	u64 e: 40;
	long f: 7;
	char g;
	int: 0;
	char h;
	unsigned long long i: 63;
};

struct quals {
	const int ci;
	volatile int vi;
	const volatile u32 cvi;
	int *restrict rp;
	const char *str;
	char *const cp;
	volatile void *vp;
};

struct arrays {
	int one[4];
	char two[2][3];
	u16 three[2][3][4];
	struct node nodes[2];
	int *ptrs[3];
	int (*aptr)[5];
	int zero[0];
};

struct fns {
	void (*v)(void);
	int (*i)(int, char);
	int (*va)(const char *, ...);
	struct node *(*ret_ptr)(struct node *, u32);
	int (*(*ret_fn)(int))(long);
	void (*arr_of_fn[2])(int);
	int (*(*ret_arr)(void))[3];
};

struct outer {
	int tag;
	union {
		u32 u;
		float fl;
		struct {
			u16 lo, hi;
		} parts;
		struct {
			u8 b0, b1;
		};
	};
	struct {
		int x, y;
	} pt;
	struct fwd_only *f;
	union fwd_union *fu;
	enum color col;
	enum { INNER_X, INNER_Y } inner;
	double d;
	s8 sc;
	bool_t flag;
};

typedef struct {
	int a;
	struct node *n;
} anon_typedef_t;

typedef union {
	int i;
	char c[4];
} anon_union_t;

typedef int (*callback_t)(anon_typedef_t *, void *);
typedef const volatile u32 cv_u32;
typedef callback_t callbacks_t[4];
typedef struct node node_t;
typedef node_t *node_ptr_t;

struct uses_typedefs {
	anon_typedef_t at;
	anon_union_t au;
	callback_t cb;
	callbacks_t cbs;
	cv_u32 cv;
	node_ptr_t np;
	enum small sm;
	enum wide wd;
};

struct node g_node;
struct bits g_bits;
struct quals g_quals;
struct arrays g_arrays;
struct fns g_fns;
struct outer g_outer;
struct uses_typedefs g_uses;
int g_anon_enum = ANON_A;

__attribute__((section("tc"), used))
int types_prog(void *ctx)
{
	return g_outer.tag + g_bits.c + g_node.key + g_anon_enum;
}

char _license[] __attribute__((section("license"), used)) = "GPL";
