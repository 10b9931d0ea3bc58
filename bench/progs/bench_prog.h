/* SPDX-License-Identifier: MIT */
/*
 * What the benchmark programs share. Each bench/progs/NAME.c is written
 * once and compiled three ways (bench/run.sh):
 *
 *   -DBENCH_NATIVE  gcc -O2, linked into the harness as
 *                   u64 bench_NAME(const void *mem, u64 len);
 *   (no macro)      clang -O2 -target bpf, the same function in section
 *                   "bpfx": r1 = mem, r2 = len, r0 = the result;
 *   -DBENCH_KERNEL  clang -O2 -target bpf, an XDP program in section "xdp"
 *                   that runs the same body over the packet and returns
 *                   the low 32 bits of the result (BPF_PROG_TEST_RUN).
 *
 * The bodies are always_inline helpers so that each variant is a single
 * function: no bpf-to-bpf calls, no maps, no global data, hence no
 * relocations, and the raw section is the whole program. Every loop has a
 * constant bound and every memory access is checked against the end
 * pointer first, so the kernel's verifier accepts the XDP variant. Keep
 * the number of paths the verifier walks small: no data-dependent branch
 * or 0/-1 mask inside a long loop (see crc32.c: a mask per bit crashed a
 * 6.18 kernel's verifier).
 */
#ifndef BENCH_PROG_H
#define BENCH_PROG_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Loads of 16 and 32 bits from packet bytes in network order, spelled out
 * so that neither variant depends on alignment or on a byte-swap header. */
ALWAYS_INLINE u32 be16_at(const u8 *p)
{
	return (u32)p[0] << 8 | p[1];
}

ALWAYS_INLINE u32 be32_at(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

#if defined(BENCH_NATIVE)
/* The harness calls through a pointer; noinline keeps the body a real
 * call like the interpreter's run, the prototype keeps -Wmissing-prototypes
 * quiet. */
#define BENCH_ENTRY(name)                                                   \
	u64 bench_##name(const void *mem, u64 len);                        \
	__attribute__((noinline)) u64 bench_##name(const void *mem, u64 len)
#elif !defined(BENCH_KERNEL)
#define BENCH_ENTRY(name)                                                   \
	__attribute__((section("bpfx"), used)) u64 bench_##name(const void *mem, u64 len)
#else
/* The head of the kernel's struct xdp_md (UAPI): the packet's bounds as
 * 32-bit values the verifier rewrites into pointers. */
struct bench_xdp_md {
	u32 data;
	u32 data_end;
};

#define BENCH_XDP(name)                                                     \
	__attribute__((section("xdp"), used)) int bench_##name##_xdp(struct bench_xdp_md *ctx)
#define XDP_DATA(ctx) ((const u8 *)(unsigned long)(ctx)->data)
#define XDP_END(ctx) ((const u8 *)(unsigned long)(ctx)->data_end)

/* The license the kernel wants to see; no GPL-only helper is called. */
#define BENCH_LICENSE \
	char _license[] __attribute__((section("license"), used)) = "Dual MIT/GPL"
#endif

#endif /* BENCH_PROG_H */
