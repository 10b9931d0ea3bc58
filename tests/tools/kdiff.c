/* SPDX-License-Identifier: MIT */
/*
 * kdiff: differential tests of the bpfx interpreter against the running
 * Linux kernel. Each program is loaded into the kernel (raw bpf(), socket
 * filter, run once by BPF_PROG_TEST_RUN) and built and run by bpfx
 * (interpreter, checked mode); r0 must agree in all 64 bits. The kernel
 * returns only the low 32 bits of r0, so every program also runs a second
 * time with `r0 >>= 32` before its exit.
 *
 *   kdiff [--count N] [--seed S] [--fail-dir DIR] [--no-minimize]
 *
 * The groups, in order: one small program per instruction group the
 * generator may use (probing which the kernel accepts; a group it refuses
 * is skipped everywhere), hand-picked edge cases (ALU boundaries, jumps,
 * loads, atomics, legacy packet loads), probes of two known kernel bugs
 * (bpfx is checked against the ISA there, the kernel only reported), and
 * N random programs from kgen.h with seeds S, S+1, ... (fixed defaults,
 * so runs are reproducible; `--seed X --count 1` replays the program with
 * seed X). A difference or a rejection prints the program as raw hex and
 * saves it under the failure directory (replay: `bpfx exec FILE`); a
 * difference is also shrunk to the fewest instructions that still differ.
 * Without a usable bpf() the whole suite is one skip. Run by
 * tests/suites/kernel.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "kgen.h"
#include "tcheck.h"
#include "tinsn.h"

#define DEFAULT_COUNT 600
#define DEFAULT_SEED 0x6b646966ull   /* "kdif" */
#define LOG_SZ (256 * 1024)
#define MIX ((int32_t)0x9e3779b1)

static struct {
	unsigned count;
	uint64_t seed;
	char fail_dir[512];
	bool minimize;
} opt = { DEFAULT_COUNT, DEFAULT_SEED, "", true };

/* Instruction groups the kernel accepted (run_features). */
static unsigned features = KGEN_F_ALL;
static char klog[LOG_SZ];

/* The outcome of running one program (one half of r0) on both sides. */
struct outcome {
	int kerr;            /* 0, or -errno of the kernel's load or run */
	bool rejected;       /* kerr came from the verifier (klog holds why) */
	uint32_t kret;
	int berr;            /* 0, or -errno of bpfx's build or run */
	uint64_t bret;
	char bwhy[256];
};

/* ------------------------------------------------------------------ */
/* Running one program on each side                                     */
/* ------------------------------------------------------------------ */

static void keep_log(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)level;
	snprintf((char *)ctx, 256, "%s", msg);
}

static void run_bpfx(const struct bpf_insn *p, size_t n, struct outcome *o)
{
	struct bpfx_prog_opts po = { .sz = sizeof(po), .log = keep_log, .log_ctx = o->bwhy };
	/* The packet a socket filter sees in the kernel's test_run: the
	 * link-layer header at the start of the data, the network header and
	 * the packet proper after it. */
	struct bpfx_run_opts ro = {
		.sz = sizeof(ro), .checked = true, .mode = BPFX_EXEC_INTERP,
		.pkt = kbpf_data() + KBPF_PKT_OFF, .pkt_len = KBPF_DATA_LEN - KBPF_PKT_OFF,
		.pkt_l2 = kbpf_data(), .pkt_l3 = kbpf_data() + KBPF_PKT_OFF,
	};
	struct bpfx_run_result res;
	struct bpfx_prog *prog;
	int err = 0;

	o->bwhy[0] = '\0';
	prog = bpfx_prog__new(p, n, &po, &err);
	if (!prog) {
		o->berr = err ? err : -EINVAL;
		return;
	}
	o->berr = bpfx_prog__run(prog, &ro, &res);
	if (o->berr)
		snprintf(o->bwhy, sizeof(o->bwhy), "insn %d: %s", res.fault_insn, res.fault_msg);
	o->bret = res.r0;
	bpfx_prog__free(prog);
}

/* `log` false skips the verifier log of a rejection (used while
 * shrinking, where rejections are expected). */
static void run_kernel(const struct bpf_insn *p, size_t n, bool log, struct outcome *o)
{
	int fd = kbpf_prog_load(KBPF_PROG_TYPE, p, n, log ? klog : NULL, sizeof(klog));

	o->rejected = fd < 0;
	if (fd < 0) {
		o->kerr = fd;
		return;
	}
	o->kerr = kbpf_test_run(fd, &o->kret);
	close(fd);
}

/* Runs prog and its high-half twin on both sides. Returns true when both
 * sides ran everything and the 64-bit answers agree. */
static bool run_both(const struct bpf_insn *p, size_t n, bool log,
		     struct outcome *lo, struct outcome *hi)
{
	static struct bpf_insn twin[KGEN_MAX_INSNS + 1];
	size_t tn = kgen_high_half(p, n, twin);

	memset(lo, 0, sizeof(*lo));
	memset(hi, 0, sizeof(*hi));
	run_kernel(p, n, log, lo);
	if (!lo->kerr)
		run_kernel(twin, tn, log, hi);
	run_bpfx(p, n, lo);
	run_bpfx(twin, tn, hi);
	return !lo->kerr && !hi->kerr && !lo->berr && !hi->berr &&
	       lo->kret == (uint32_t)lo->bret && hi->kret == (uint32_t)hi->bret;
}

/* Do the two sides still give different answers for this program (both
 * accepting and running it)? The shrinking predicate. */
static bool still_differs(const struct bpf_insn *p, size_t n, void *ctx)
{
	struct outcome lo, hi;

	(void)ctx;
	if (run_both(p, n, false, &lo, &hi))
		return false;
	return !lo.kerr && !hi.kerr && !lo.berr && !hi.berr;
}

/* ------------------------------------------------------------------ */
/* Reporting a failure                                                  */
/* ------------------------------------------------------------------ */

static void print_hex(const struct bpf_insn *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const unsigned char *b = (const unsigned char *)&p[i];

		fprintf(stderr, "%s", i % 6 == 0 ? "    " : " ");
		for (int j = 0; j < 8; j++)
			fprintf(stderr, "%02x", b[j]);
		if (i % 6 == 5 || i + 1 == n)
			fputc('\n', stderr);
	}
}

/* mkdir -p for the failure directory; errors show up when saving. */
static void make_dirs(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(buf, 0755);
		*s = '/';
	}
	mkdir(buf, 0755);
}

/* Writes the program as raw 8-byte instructions, the format `bpfx exec`
 * reads, as <fail-dir>/<cat>-<name><suffix>.bin. */
static void save(const char *cat, const char *name, const char *suffix,
		 const struct bpf_insn *p, size_t n)
{
	char path[768];
	size_t at;
	FILE *f;

	make_dirs(opt.fail_dir);
	at = (size_t)snprintf(path, sizeof(path), "%s/%s-", opt.fail_dir, cat);
	for (const char *s = name; *s && at + 16 < sizeof(path); s++) {
		char c = *s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-';
		path[at++] = plain ? c : '_';
	}
	snprintf(path + at, sizeof(path) - at, "%s.bin", suffix);
	f = fopen(path, "wb");
	if (!f || fwrite(p, sizeof(*p), n, f) != n) {
		fprintf(stderr, "    could not save %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	fprintf(stderr, "    saved as %s (replay: bpfx exec %s)\n", path, path);
}

/* Prints why a program failed, its hex, saves it, and for a difference
 * also the shrunk program. Runs once per failed program. */
static void report(const char *cat, const char *name, const struct bpf_insn *p, size_t n,
		   const struct outcome *lo, const struct outcome *hi)
{
	static struct bpf_insn small[KGEN_MAX_INSNS + 1];

	if (lo->rejected || hi->rejected) {
		CHECK(false, "%s %s: the kernel rejected the program (%s); verifier log ends:\n%s",
		      cat, name, strerror(-(lo->kerr ? lo->kerr : hi->kerr)),
		      kbpf_log_tail(klog, 6));
	} else if (lo->kerr || hi->kerr) {
		CHECK(false, "%s %s: the kernel's test_run failed: %s", cat, name,
		      strerror(-(lo->kerr ? lo->kerr : hi->kerr)));
	} else if (lo->berr || hi->berr) {
		CHECK(false, "%s %s: bpfx failed: %s (%s)", cat, name,
		      strerror(-(lo->berr ? lo->berr : hi->berr)), lo->berr ? lo->bwhy : hi->bwhy);
	} else {
		CHECK(false, "%s %s: kernel r0 = 0x%08x%08x, bpfx r0 = 0x%016llx", cat, name,
		      hi->kret, lo->kret, (unsigned long long)lo->bret);
	}
	fprintf(stderr, "    program, %zu insns (raw 8-byte little-endian insns):\n", n);
	print_hex(p, n);
	save(cat, name, "", p, n);
	if (!opt.minimize || lo->kerr || hi->kerr || lo->berr || hi->berr)
		return;

	struct outcome slo, shi;
	size_t sn;

	memcpy(small, p, n * sizeof(*p));
	sn = kgen_shrink(small, n, still_differs, NULL);
	if (sn == n)
		return;
	run_both(small, sn, false, &slo, &shi);
	fprintf(stderr, "    shrunk to %zu insns: kernel r0 = 0x%08x%08x, bpfx r0 = 0x%016llx\n",
		sn, shi.kret, slo.kret, (unsigned long long)slo.bret);
	print_hex(small, sn);
	save(cat, name, "-min", small, sn);
}

/* Compares one program; one check. */
static bool diff_one(const char *cat, const char *name, const struct bpf_insn *p, size_t n)
{
	struct outcome lo, hi;

	if (run_both(p, n, true, &lo, &hi)) {
		CHECK(true, "%s %s", cat, name);
		return true;
	}
	report(cat, name, p, n, &lo, &hi);
	return false;
}

/* ------------------------------------------------------------------ */
/* Hand-picked edge cases                                               */
/* ------------------------------------------------------------------ */

/* An edge case runs `r1 = a; r2 = b; body; r0 = r1; exit`: the body
 * leaves what it wants observed in r1. `feat` names the instruction group
 * it needs (0: none), so a kernel without it skips the case. A packet
 * case (feat PKT) runs `r6 = r1 (the kernel's skb); r7 = a; r0 = -1; body;
 * exit` instead: legacy packet loads take the skb in r6, write r0, and
 * clobber r1-r5. */
#define PKT (1u << 31)
struct edge {
	const char *name;
	unsigned feat;
	uint64_t a, b;
	struct bpf_insn body[8];
	size_t n;
};

#define EDGE(NAME, FEAT, A, B, ...)                                              \
	{ NAME, FEAT, (uint64_t)(A), (uint64_t)(B), { __VA_ARGS__ },             \
	  sizeof((struct bpf_insn[]){ __VA_ARGS__ }) / sizeof(struct bpf_insn) }

#define I64MIN 0x8000000000000000ull
/* tinsn.h builds instructions as compound literals, which a static table
 * cannot hold: within the table, RAW (and so every tinsn.h macro) gives a
 * plain initializer instead. Restored after the table. */
#undef RAW
#define RAW(c, d, s, o, i) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }
#define SX(cls, op, src, off) RAW((cls) | (op) | (src), 1, 2, off, 0)   /* r1 op= r2, signed */
#define SXK(cls, op, imm)     RAW((cls) | (op) | BPF_K, 1, 0, 1, imm)  /* r1 op= imm, signed */
#define MOVSX(cls, bits)      RAW((cls) | BPF_MOV | BPF_X, 1, 2, bits, 0)
#define ENDIAN(cls, order, w) RAW((cls) | BPF_END | (order), 1, 0, 0, w)
#define LDXS(size)            RAW(BPF_LDX | BPF_MEMSX | (size), 1, 10, -8, 0)
#define ATOMIC(size, op)      RAW(BPF_STX | BPF_ATOMIC | (size), 10, 2, -8, op)
#define JMP32_REG(op, d, s, o) RAW(BPF_JMP32 | (op) | BPF_X, d, s, o, 0)
#define JMP32_IMM(op, d, i, o) RAW(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
/* r1 = r1 * MIX ^ rX: observe a second register too */
#define FOLD(x)               ALU64_IMM(BPF_MUL, 1, MIX), ALU64_REG(BPF_XOR, 1, x)
/* jump cases: r1 keeps a when the jump is taken, becomes 0x77 when not */
#define TAKEN(jmp)            jmp, MOV64_IMM(1, 0x77)
/* packet cases: r0 = packet load (LD_IND adds r7), then r0 += 0x100 */
#define LDPKT(mode, size, imm) RAW(BPF_LD | (mode) | (size), 0, (mode) == BPF_IND ? 7 : 0, 0, imm)
#define ADD0                  ALU64_IMM(BPF_ADD, 0, 0x100)

static const struct edge edges[] = {
	/* signed division: overflow and division by zero */
	EDGE("sdiv64 INT64_MIN / -1", KGEN_F_SDIV, I64MIN, -1, SX(BPF_ALU64, BPF_DIV, BPF_X, 1)),
	EDGE("sdiv64 INT64_MIN / imm -1", KGEN_F_SDIV, I64MIN, 0, SXK(BPF_ALU64, BPF_DIV, -1)),
	EDGE("smod64 INT64_MIN % -1", KGEN_F_SDIV, I64MIN, -1, SX(BPF_ALU64, BPF_MOD, BPF_X, 1)),
	EDGE("smod64 INT64_MIN % imm -1", KGEN_F_SDIV, I64MIN, 0, SXK(BPF_ALU64, BPF_MOD, -1)),
	EDGE("sdiv32 INT32_MIN / -1, high bits set", KGEN_F_SDIV, 0xdead000080000000ull,
	     0x12345678ffffffffull, SX(BPF_ALU, BPF_DIV, BPF_X, 1)),
	EDGE("sdiv32 INT32_MIN / imm -1", KGEN_F_SDIV, 0x80000000, 0, SXK(BPF_ALU, BPF_DIV, -1)),
	EDGE("smod32 INT32_MIN % -1", KGEN_F_SDIV, 0xffffffff80000000ull, -1,
	     SX(BPF_ALU, BPF_MOD, BPF_X, 1)),
	EDGE("smod32 INT32_MIN % imm -1", KGEN_F_SDIV, 0x80000000, 0, SXK(BPF_ALU, BPF_MOD, -1)),
	EDGE("sdiv64 x / 0", KGEN_F_SDIV, -5, 0, SX(BPF_ALU64, BPF_DIV, BPF_X, 1)),
	EDGE("smod64 x % 0", KGEN_F_SDIV, -5, 0, SX(BPF_ALU64, BPF_MOD, BPF_X, 1)),
	EDGE("sdiv32 x / 0, high bits set", KGEN_F_SDIV, 0xabcdef00fffffff0ull, 0x700000000ull,
	     SX(BPF_ALU, BPF_DIV, BPF_X, 1)),
	EDGE("smod32 x % 0, high bits set", KGEN_F_SDIV, 0xabcdef00fffffff0ull, 0x700000000ull,
	     SX(BPF_ALU, BPF_MOD, BPF_X, 1)),
	EDGE("smod64 -7 % 3", KGEN_F_SDIV, -7, 3, SX(BPF_ALU64, BPF_MOD, BPF_X, 1)),
	EDGE("smod32 7 % -3", KGEN_F_SDIV, 7, -3, SX(BPF_ALU, BPF_MOD, BPF_X, 1)),
	EDGE("sdiv32 -7 / imm 2", KGEN_F_SDIV, -7, 0, SXK(BPF_ALU, BPF_DIV, 2)),
	/* unsigned division: by zero, by sign-extended immediates */
	EDGE("div64 x / 0", 0, 0x123456789ull, 0, ALU64_REG(BPF_DIV, 1, 2)),
	EDGE("mod64 x % 0", 0, 0xfedcba9876543210ull, 0, ALU64_REG(BPF_MOD, 1, 2)),
	EDGE("div32 x / 0, high bits set", 0, 0xffffffff00000007ull, 0, ALU32_REG(BPF_DIV, 1, 2)),
	EDGE("mod32 x % 0, divisor's high bits set", 0, 0xdeadbeef12345678ull, 0x100000000ull,
	     ALU32_REG(BPF_MOD, 1, 2)),
	EDGE("mod32 x % 0, negative low half", 0, 0xffffffff80000001ull, 0xffffffff00000000ull,
	     ALU32_REG(BPF_MOD, 1, 2)),
	EDGE("div32 ignores divisor's high bits", 0, 100, 0x100000007ull, ALU32_REG(BPF_DIV, 1, 2)),
	EDGE("div64 / imm -1 (sign-extended)", 0, -1, 0, ALU64_IMM(BPF_DIV, 1, -1)),
	EDGE("div32 / imm 0x80000000", 0, -1, 0, ALU32_IMM(BPF_DIV, 1, INT32_MIN)),
	EDGE("mod64 % imm -2", 0, -1, 0, ALU64_IMM(BPF_MOD, 1, -2)),
	EDGE("mod32 % imm -1", 0, 0x12345678fffffffeull, 0, ALU32_IMM(BPF_MOD, 1, -1)),
	/* shifts by a register count at or beyond the width */
	EDGE("lsh64 by 63", 0, 3, 63, ALU64_REG(BPF_LSH, 1, 2)),
	EDGE("lsh64 by 64", 0, 0x123, 64, ALU64_REG(BPF_LSH, 1, 2)),
	EDGE("lsh64 by 65", 0, 0x123, 65, ALU64_REG(BPF_LSH, 1, 2)),
	EDGE("rsh64 by 64", 0, I64MIN, 64, ALU64_REG(BPF_RSH, 1, 2)),
	EDGE("rsh64 by -1", 0, I64MIN, -1, ALU64_REG(BPF_RSH, 1, 2)),
	EDGE("arsh64 by 65", 0, I64MIN, 65, ALU64_REG(BPF_ARSH, 1, 2)),
	EDGE("arsh64 by 0x1_0000_003f", 0, I64MIN | 1, 0x10000003full, ALU64_REG(BPF_ARSH, 1, 2)),
	EDGE("lsh32 by 32, high bits set", 0, 0xffffffff00000003ull, 32, ALU32_REG(BPF_LSH, 1, 2)),
	EDGE("rsh32 by 33", 0, 0x180000000ull, 33, ALU32_REG(BPF_RSH, 1, 2)),
	EDGE("arsh32 by 31", 0, 0x80000000, 31, ALU32_REG(BPF_ARSH, 1, 2)),
	EDGE("arsh32 by 0x1_0000_0020", 0, 0xf0000000, 0x100000020ull, ALU32_REG(BPF_ARSH, 1, 2)),
	EDGE("arsh32 by imm 31, high bits set", 0, 0x7fffffff80000000ull, 0,
	     ALU32_IMM(BPF_ARSH, 1, 31)),
	EDGE("arsh64 by imm 63", 0, I64MIN, 0, ALU64_IMM(BPF_ARSH, 1, 63)),
	/* wrapping and zero-extension */
	EDGE("mul64 INT64_MIN * -1", 0, I64MIN, -1, ALU64_REG(BPF_MUL, 1, 2)),
	EDGE("mul32 0xffffffff * 0xffffffff", 0, -1, 0xffffffff, ALU32_REG(BPF_MUL, 1, 2)),
	EDGE("mul64 by imm INT32_MIN", 0, 3, 0, ALU64_IMM(BPF_MUL, 1, INT32_MIN)),
	EDGE("sub32 0 - 1 zero-extends", 0, 0xffffffff00000000ull, 1, ALU32_REG(BPF_SUB, 1, 2)),
	EDGE("add32 carry does not reach bit 32", 0, 0x1ffffffffull, 1, ALU32_REG(BPF_ADD, 1, 2)),
	EDGE("neg64 INT64_MIN", 0, I64MIN, 0, RAW(BPF_ALU64 | BPF_NEG, 1, 0, 0, 0)),
	EDGE("neg32, high bits set", 0, 0xffffffff80000000ull, 0, RAW(BPF_ALU | BPF_NEG, 1, 0, 0, 0)),
	EDGE("mov32 reg zero-extends", 0, 0, -1, ALU32_REG(BPF_MOV, 1, 2)),
	EDGE("mov64 imm -1 sign-extends", 0, 0, 0, ALU64_IMM(BPF_MOV, 1, -1)),
	EDGE("mov32 imm -1 zero-extends", 0, 0x5555555555555555ull, 0, ALU32_IMM(BPF_MOV, 1, -1)),
	EDGE("and64 imm INT32_MIN sign-extends", 0, -1, 0, ALU64_IMM(BPF_AND, 1, INT32_MIN)),
	EDGE("xor32 imm -1, high bits set", 0, 0x123456789abcdef0ull, 0, ALU32_IMM(BPF_XOR, 1, -1)),
	EDGE("or32 imm zero-extends", 0, 0xffffffff00000000ull, 0, ALU32_IMM(BPF_OR, 1, 1)),
	/* sign extension: movsx */
	EDGE("movsx64 s8", KGEN_F_MOVSX, 0, 0x1234567890abcd80ull, MOVSX(BPF_ALU64, 8)),
	EDGE("movsx64 s16", KGEN_F_MOVSX, 0, 0xffff00008000ull, MOVSX(BPF_ALU64, 16)),
	EDGE("movsx64 s32", KGEN_F_MOVSX, 0, 0x80000000, MOVSX(BPF_ALU64, 32)),
	EDGE("movsx32 s8 zero-extends", KGEN_F_MOVSX, -1, 0xff80, MOVSX(BPF_ALU, 8)),
	EDGE("movsx32 s16 zero-extends", KGEN_F_MOVSX, -1, 0x12348000, MOVSX(BPF_ALU, 16)),
	/* byte order */
	EDGE("be16", 0, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU, BPF_TO_BE, 16)),
	EDGE("be32", 0, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU, BPF_TO_BE, 32)),
	EDGE("be64", 0, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU, BPF_TO_BE, 64)),
	EDGE("le16", 0, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU, BPF_TO_LE, 16)),
	EDGE("le32", 0, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU, BPF_TO_LE, 32)),
	EDGE("le64", 0, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU, BPF_TO_LE, 64)),
	EDGE("bswap16", KGEN_F_BSWAP, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU64, BPF_TO_LE, 16)),
	EDGE("bswap32", KGEN_F_BSWAP, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU64, BPF_TO_LE, 32)),
	EDGE("bswap64", KGEN_F_BSWAP, 0x0123456789abcdefull, 0, ENDIAN(BPF_ALU64, BPF_TO_LE, 64)),
	/* loads and stores */
	EDGE("ldxsb", KGEN_F_LDXS, 0x1234567880, 0, STX(BPF_DW, 10, 1, -8), LDXS(BPF_B)),
	EDGE("ldxsh", KGEN_F_LDXS, 0x12348000, 0, STX(BPF_DW, 10, 1, -8), LDXS(BPF_H)),
	EDGE("ldxsw", KGEN_F_LDXS, 0x180000000ull, 0, STX(BPF_DW, 10, 1, -8), LDXS(BPF_W)),
	EDGE("ldxw zero-extends", 0, 0xffffffff80000000ull, 0, STX(BPF_DW, 10, 1, -8),
	     LDX(BPF_W, 1, 10, -8)),
	EDGE("stw imm into a dword", 0, 0, 0, ST(BPF_DW, 10, -8, -1), ST(BPF_W, 10, -4, 0x1234),
	     ST(BPF_H, 10, -8, -2), ST(BPF_B, 10, -7, 0x80), LDX(BPF_DW, 1, 10, -8)),
	/* atomics: what lands in memory, and what the fetch returns */
	EDGE("fetch_add32 zero-extends the old value", KGEN_F_ATOMIC, 0x00000001ffffffffull,
	     0xffffffff00000001ull, STX(BPF_DW, 10, 1, -8), ATOMIC(BPF_W, BPF_ADD | BPF_FETCH),
	     LDX(BPF_DW, 1, 10, -8), FOLD(2)),
	EDGE("add32 does not carry into the next word", KGEN_F_ATOMIC, 0x00000001ffffffffull, 1,
	     STX(BPF_DW, 10, 1, -8), ATOMIC(BPF_W, BPF_ADD), LDX(BPF_DW, 1, 10, -8), FOLD(2)),
	EDGE("fetch_xor64", KGEN_F_ATOMIC, I64MIN, -1, STX(BPF_DW, 10, 1, -8),
	     ATOMIC(BPF_DW, BPF_XOR | BPF_FETCH), LDX(BPF_DW, 1, 10, -8), FOLD(2)),
	EDGE("fetch_and32", KGEN_F_ATOMIC, 0xf0f0f0f0f0f0f0f0ull, 0xff00ff00ff00ff00ull,
	     STX(BPF_DW, 10, 1, -8), ATOMIC(BPF_W, BPF_AND | BPF_FETCH), LDX(BPF_DW, 1, 10, -8),
	     FOLD(2)),
	EDGE("xchg32 zero-extends", KGEN_F_ATOMIC, 0x80000000ffffffffull, 0x1234567812345678ull,
	     STX(BPF_DW, 10, 1, -8), ATOMIC(BPF_W, BPF_XCHG), LDX(BPF_DW, 1, 10, -8), FOLD(2)),
	EDGE("cmpxchg64 equal", KGEN_F_ATOMIC, 0x1122334455667788ull, 7, STX(BPF_DW, 10, 1, -8),
	     MOV64_REG(0, 1), ATOMIC(BPF_DW, BPF_CMPXCHG), LDX(BPF_DW, 1, 10, -8), FOLD(0)),
	EDGE("cmpxchg64 different", KGEN_F_ATOMIC, 0x1122334455667788ull, 7,
	     STX(BPF_DW, 10, 1, -8), MOV64_IMM(0, 5), ATOMIC(BPF_DW, BPF_CMPXCHG),
	     LDX(BPF_DW, 1, 10, -8), FOLD(0)),
	EDGE("cmpxchg32 equal low halves, r0 high bits set", KGEN_F_ATOMIC, 0x12345678,
	     0xabcdef01, STX(BPF_DW, 10, 1, -8), LDDW_LO(0, 0xffffffff12345678ull),
	     LDDW_HI(0xffffffff12345678ull), ATOMIC(BPF_W, BPF_CMPXCHG), LDX(BPF_DW, 1, 10, -8),
	     FOLD(0)),
	EDGE("cmpxchg32 different, r0 high bits set", KGEN_F_ATOMIC, 0x9999999912345678ull, 1,
	     STX(BPF_DW, 10, 1, -8), MOV64_IMM(0, -1), ATOMIC(BPF_W, BPF_CMPXCHG),
	     LDX(BPF_DW, 1, 10, -8), FOLD(0)),
	/* jumps: width, signedness, sign-extended immediates */
	EDGE("jset32 ignores high bits", 0, 0xff00000000ull, 0xff00000000ull,
	     TAKEN(JMP32_REG(BPF_JSET, 1, 2, 1))),
	EDGE("jsgt32 compares low halves signed", 0, 0x80000000, 1,
	     TAKEN(JMP32_REG(BPF_JSGT, 1, 2, 1))),
	EDGE("jslt64 imm -1 vs 0xffffffff", 0, 0xffffffff, 0, TAKEN(JMP_IMM(BPF_JSLT, 1, -1, 1))),
	EDGE("jeq64 imm -1 vs 0xffffffff", 0, 0xffffffff, 0, TAKEN(JMP_IMM(BPF_JEQ, 1, -1, 1))),
	EDGE("jeq32 imm -1 vs 0xffffffff", 0, 0x1ffffffffull, 0,
	     TAKEN(JMP32_IMM(BPF_JEQ, 1, -1, 1))),
	EDGE("jlt64 1 < -1 unsigned", 0, 1, -1, TAKEN(JMP_REG(BPF_JLT, 1, 2, 1))),
	EDGE("jle32 imm INT32_MIN unsigned", 0, 0x80000000, 0,
	     TAKEN(JMP32_IMM(BPF_JLE, 1, INT32_MIN, 1))),
	EDGE("jsge32 INT32_MIN vs INT32_MAX", 0, 0x80000000, 0x7fffffff,
	     TAKEN(JMP32_REG(BPF_JSGE, 1, 2, 1))),
	EDGE("jsle64 INT64_MIN vs imm INT32_MIN", 0, I64MIN, 0,
	     TAKEN(JMP_IMM(BPF_JSLE, 1, INT32_MIN, 1))),
	EDGE("jgt32 ignores high bits", 0, 0x100000000ull, 0, TAKEN(JMP32_IMM(BPF_JGT, 1, 0, 1))),
	EDGE("jne32 equal low halves", 0, 0x1234567800000001ull, 0x8765432100000001ull,
	     TAKEN(JMP32_REG(BPF_JNE, 1, 2, 1))),
	EDGE("jge64 imm INT32_MIN (sign-extended, huge)", 0, 0xffffffff80000000ull, 0,
	     TAKEN(JMP_IMM(BPF_JGE, 1, INT32_MIN, 1))),
	/* legacy packet loads: big-endian, zero-extended; out of bounds ends
	 * the program with r0 = 0 (so the `+= 0x100` after them must not run) */
	EDGE("ldabsb 0", PKT, 0, 0, LDPKT(BPF_ABS, BPF_B, 0), ADD0),
	EDGE("ldabsh 1, unaligned", PKT, 0, 0, LDPKT(BPF_ABS, BPF_H, 1), ADD0),
	EDGE("ldabsw 46, the last word", PKT, 0, 0, LDPKT(BPF_ABS, BPF_W, 46), ADD0),
	EDGE("ldabsw 47, one byte past the end", PKT, 0, 0, LDPKT(BPF_ABS, BPF_W, 47), ADD0),
	EDGE("ldabsb 50, past the end", PKT, 0, 0, LDPKT(BPF_ABS, BPF_B, 50), ADD0),
	EDGE("ldabsb -1", PKT, 0, 0, LDPKT(BPF_ABS, BPF_B, -1), ADD0),
	EDGE("ldabsw SKF_NET_OFF + 2 (network header)", PKT, 0, 0,
	     LDPKT(BPF_ABS, BPF_W, -0x100000 + 2), ADD0),
	EDGE("ldabsw SKF_NET_OFF - 1", PKT, 0, 0, LDPKT(BPF_ABS, BPF_W, -0x100000 - 1), ADD0),
	EDGE("ldabsw SKF_LL_OFF + 3 (link-layer header)", PKT, 0, 0,
	     LDPKT(BPF_ABS, BPF_W, -0x200000 + 3), ADD0),
	EDGE("ldabsh SKF_LL_OFF + 63, past the end", PKT, 0, 0,
	     LDPKT(BPF_ABS, BPF_H, -0x200000 + 63), ADD0),
	EDGE("ldabsb SKF_LL_OFF - 1", PKT, 0, 0, LDPKT(BPF_ABS, BPF_B, -0x200000 - 1), ADD0),
	EDGE("ldindh r7 = SKF_NET_OFF, imm 4", PKT, -0x100000, 0, LDPKT(BPF_IND, BPF_H, 4), ADD0),
	EDGE("ldindw r7 = 10, imm 3", PKT, 10, 0, LDPKT(BPF_IND, BPF_W, 3), ADD0),
	EDGE("ldindh r7 = -1, imm 2", PKT, -1, 0, LDPKT(BPF_IND, BPF_H, 2), ADD0),
	EDGE("ldindb r7 = 0x1_0000_0002 (offset is 32-bit)", PKT, 0x100000002ull, 0,
	     LDPKT(BPF_IND, BPF_B, 0), ADD0),
	EDGE("ldindb r7 = INT32_MAX, imm 1 (wraps negative)", PKT, 0x7fffffff, 0,
	     LDPKT(BPF_IND, BPF_B, 1), ADD0),
	EDGE("ldindw r7 = 48, imm -2", PKT, 48, 0, LDPKT(BPF_IND, BPF_W, -2), ADD0),
	EDGE("gotol over the else part", KGEN_F_JA32, 5, 6, JMP_REG(BPF_JNE, 1, 2, 2),
	     MOV64_IMM(1, 7), RAW(BPF_JMP32 | BPF_JA, 0, 0, 0, 1), MOV64_IMM(1, 8)),
};

/* Two kernel verifier bugs (Linux 6.18, x86-64) that make the kernel's
 * answer wrong; the random programs avoid them (gen_atomic in kgen.c).
 * bpfx must give the answer the ISA defines (`want`); the kernel's answer
 * is only reported, so the workaround can go once kernels are fixed. In
 * both, `w3 %= w1` makes r3 = 1 unknown to the verifier, and the taken
 * branch is explored after the fall-through, whose state prunes it. */
struct kbug {
	const char *name;
	uint64_t want;
	struct bpf_insn insns[16];
	size_t n;
};

#define KBUG(NAME, WANT, ...)                                                    \
	{ NAME, WANT, { __VA_ARGS__ },                                           \
	  sizeof((struct bpf_insn[]){ __VA_ARGS__ }) / sizeof(struct bpf_insn) }

static const struct kbug kbugs[] = {
	/* The fetch gives 0x800000000017, but the verifier, sure it gives the
	 * spilled 23, removes the branch and `r0 = 1` as dead code. */
	KBUG("atomic fetch from a stack word the verifier thinks constant", 1,
	     MOV64_IMM(0, 0), MOV64_IMM(1, 3), MOV64_IMM(3, 10), ST(BPF_DW, 10, -8, 23),
	     ALU32_REG(BPF_MOD, 3, 1), JMP_IMM(BPF_JNE, 3, 0, 1), JA(1),
	     ST(BPF_H, 10, -4, -32768), MOV64_IMM(5, 0),
	     RAW(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 5, -8, BPF_ADD | BPF_FETCH),
	     JMP_IMM(BPF_JLE, 5, 32, 1), MOV64_IMM(0, 1), EXIT()),
	/* A successful 32-bit cmpxchg must zero-extend r0; the kernel adds
	 * no zero-extension, and x86 keeps r0's upper half. */
	KBUG("cmpxchg32 without zero-extension of r0", 0x55667788,
	     LDDW_LO(0, 0x1122334455667788ull), LDDW_HI(0x1122334455667788ull),
	     MOV64_IMM(1, 3), MOV64_IMM(3, 10), STX(BPF_DW, 10, 0, -8), MOV64_IMM(6, 0),
	     ALU32_REG(BPF_MOD, 3, 1), JMP_IMM(BPF_JNE, 3, 0, 1), JA(1),
	     RAW(BPF_STX | BPF_ATOMIC | BPF_W, 10, 6, -8, BPF_CMPXCHG), EXIT()),
};

#undef RAW
#define RAW(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static size_t build_edge(const struct edge *e, struct bpf_insn *out)
{
	size_t n = 0;

	if (e->feat & PKT) {
		out[n++] = MOV64_REG(6, 1);
		out[n++] = LDDW_LO(7, e->a);
		out[n++] = LDDW_HI(e->a);
		out[n++] = MOV64_IMM(0, -1);
		memcpy(out + n, e->body, e->n * sizeof(*out));
		n += e->n;
		out[n++] = EXIT();
		return n;
	}
	out[n++] = LDDW_LO(1, e->a);
	out[n++] = LDDW_HI(e->a);
	out[n++] = LDDW_LO(2, e->b);
	out[n++] = LDDW_HI(e->b);
	/* The cmpxchg cases read r0 only after setting it; still, the
	 * verifier wants every register it sees read to be initialised. */
	out[n++] = MOV64_IMM(0, 0);
	memcpy(out + n, e->body, e->n * sizeof(*out));
	n += e->n;
	out[n++] = MOV64_REG(0, 1);
	out[n++] = EXIT();
	return n;
}

/* ------------------------------------------------------------------ */
/* The three groups                                                     */
/* ------------------------------------------------------------------ */

/* Runs first: loads one small program per instruction group; a group the
 * kernel refuses is left out of everything else (one skip each). The
 * accepted samples are compared like any other program. */
static unsigned run_features(void)
{
	struct bpf_insn p[8];
	unsigned compared = 0;

	for (unsigned i = 0; i < KGEN_F_COUNT; i++) {
		unsigned f = 1u << i;
		size_t n = kgen_feature_sample(f, p);
		int fd = kbpf_prog_load(KBPF_PROG_TYPE, p, n, klog, sizeof(klog));

		if (fd < 0) {
			features &= ~f;
			t_skip("kernel: this kernel rejects %s (%s): not tested; verifier says: %s",
			       kgen_feature_name(f), strerror(-fd), kbpf_log_reason(klog));
			continue;
		}
		close(fd);
		diff_one("feature", kgen_feature_name(f), p, n);
		compared++;
	}
	return compared;
}

static unsigned run_edges(void)
{
	struct bpf_insn p[32];
	unsigned compared = 0;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		if (edges[i].feat & ~features & ~PKT)
			continue;
		diff_one("edge", edges[i].name, p, build_edge(&edges[i], p));
		compared++;
	}
	return compared;
}

/* Runs after run_features: needs atomics. One check each, on bpfx. */
static unsigned run_kernel_bugs(void)
{
	unsigned checked = 0;

	if (!(features & KGEN_F_ATOMIC))
		return 0;
	for (size_t i = 0; i < sizeof(kbugs) / sizeof(kbugs[0]); i++) {
		const struct kbug *b = &kbugs[i];
		struct outcome lo, hi;
		uint64_t k;

		run_both(b->insns, b->n, true, &lo, &hi);
		k = (uint64_t)hi.kret << 32 | lo.kret;
		checked++;
		if (!CHECK(!lo.berr && !hi.berr && lo.bret == b->want,
			   "kernel bug probe '%s': bpfx r0 = 0x%llx (%s), want 0x%llx", b->name,
			   (unsigned long long)lo.bret, lo.berr ? lo.bwhy : "ran",
			   (unsigned long long)b->want))
			continue;
		if (lo.kerr || hi.kerr)
			printf("note: kernel bug probe '%s' did not run in the kernel: %s\n", b->name,
			       strerror(-(lo.kerr ? lo.kerr : hi.kerr)));
		else if (k != b->want)
			printf("note: kernel bug present: %s (kernel r0 = 0x%llx, the ISA's answer "
			       "0x%llx); the random programs avoid it\n", b->name,
			       (unsigned long long)k, (unsigned long long)b->want);
		else
			printf("note: this kernel no longer has the bug '%s' (kgen works around "
			       "it)\n", b->name);
	}
	return checked;
}

static unsigned run_random(unsigned *insns)
{
	static struct bpf_insn p[KGEN_MAX_INSNS];
	unsigned compared = 0;

	*insns = 0;
	for (unsigned i = 0; i < opt.count; i++) {
		uint64_t seed = opt.seed + i;
		size_t n = kgen_random_prog(seed, features, p);
		char name[32];

		snprintf(name, sizeof(name), "seed-0x%llx", (unsigned long long)seed);
		diff_one("random", name, p, n);
		compared++;
		*insns += (unsigned)n;
	}
	return compared;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: kdiff [--count N] [--seed S] [--fail-dir DIR] [--no-minimize]\n"
		   "Compares the bpfx interpreter with the running kernel on edge cases\n"
		   "and N random programs (seeds S, S+1, ...; defaults %u and 0x%llx).\n",
		DEFAULT_COUNT, (unsigned long long)DEFAULT_SEED);
}

/* Returns 0, or 2 after printing usage for a bad command line. */
static int parse_args(int argc, char **argv)
{
	const char *build = getenv("BUILD");

	snprintf(opt.fail_dir, sizeof(opt.fail_dir), "%s/tests/kdiff-failures",
		 build && *build ? build : "build");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end = NULL;

		if (!strcmp(a, "--no-minimize")) {
			opt.minimize = false;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (i + 1 < argc && !strcmp(a, "--count")) {
			opt.count = (unsigned)strtoul(argv[++i], &end, 0);
		} else if (i + 1 < argc && !strcmp(a, "--seed")) {
			opt.seed = strtoull(argv[++i], &end, 0);
		} else if (i + 1 < argc && !strcmp(a, "--fail-dir")) {
			snprintf(opt.fail_dir, sizeof(opt.fail_dir), "%s", argv[++i]);
		} else {
			end = (char *)"?";
		}
		if (end && *end) {
			fprintf(stderr, "kdiff: bad argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned nfeat, nedge, nbug, nrand, insns;
	const char *why;
	double t0;

	if (parse_args(argc, argv))
		return 2;
	why = kbpf_unavailable();
	if (why) {
		t_skip("kernel: no kernel to compare with: %s", why);
		return t_done("kernel");
	}
	t0 = now();
	nfeat = run_features();
	nedge = run_edges();
	nbug = run_kernel_bugs();
	nrand = run_random(&insns);
	printf("feature samples: %u programs compared\n", nfeat);
	printf("edge cases: %u programs compared\n", nedge);
	printf("kernel bug probes: %u programs run (bpfx checked against the ISA)\n", nbug);
	printf("random programs: %u compared (seeds 0x%llx..., %u insns in all)\n", nrand,
	       (unsigned long long)opt.seed, insns);
	printf("each program ran 4 times (kernel and bpfx, low and high half of r0); %.1f s\n",
	       now() - t0);
	return t_done("kernel");
}
