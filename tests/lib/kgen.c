/* SPDX-License-Identifier: MIT */
/*
 * The random program generator of kgen.h. Everything here is pure and
 * deterministic; it runs in the test process before a program is handed
 * to the kernel and to bpfx.
 *
 * What keeps the kernel verifier happy (it is what the generator assumes
 * of the kernel):
 *   - every register is written before it is read (all of r0-r9 at the
 *     start), r10 is only ever a base address, never an ALU operand;
 *   - the stack area [r10-64, r10) is fully written before any load or
 *     atomic, and every stack access is aligned to its size (the kernel
 *     insists on aligned stack accesses);
 *   - no division or modulo by an immediate 0, no shift by an immediate
 *     at or beyond the operand width (register operands may be anything:
 *     that is the interesting case);
 *   - jumps only go forward over whole generated items, so there are no
 *     loops, no jump into the middle of lddw, and every instruction is
 *     reachable in the control-flow graph;
 *   - few enough conditional jumps that the verifier's path exploration
 *     stays far below its complexity limit;
 *   - fetching atomics come with companions that keep two verifier bugs
 *     out of the way (see gen_atomic).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kgen.h"

#define INSN(c, d, s, o, i)                                                      \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* Past this length the body only adds items of one instruction. */
#define BODY_SOFT_LIMIT 320
/* The longest item: an if/else at depth 0 whose two parts hold four
 * if/elses of depth 1 each, whose parts hold four items of at most three
 * instructions (a fetching atomic with its companions). */
#define ITEM_MAX (2 + 8 * (2 + 8 * 3))
/* The fold and the exit: two instructions per register r1-r9, three per
 * stack slot, one exit. */
#define FOLD_LEN (2 * 9 + 3 * KGEN_STACK_SLOTS + 1)
/* So a program always fits, with room for kgen_high_half's shift. */
_Static_assert(BODY_SOFT_LIMIT + ITEM_MAX + FOLD_LEN + 1 <= KGEN_MAX_INSNS,
	       "KGEN_MAX_INSNS too small for the generator's largest program");
/* An odd multiplier: r0 *= MIX is a bijection, so folding loses nothing. */
#define MIX ((int32_t)0x9e3779b1)

struct kgen {
	uint64_t rng;
	unsigned feat;
	struct bpf_insn *out;
	size_t cnt;
	unsigned jumps;    /* conditional jumps emitted so far */
};

uint64_t kgen_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(struct kgen *g, unsigned n)
{
	return (unsigned)(kgen_rand(&g->rng) % n);
}

uint64_t kgen_value64(uint64_t *state)
{
	static const uint64_t boundary[] = {
		0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256,
		0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001,
		0xffffffff, 0x100000000ull, 0x1ffffffffull, 0xffffffff00000000ull,
		0xffffffff80000000ull, 0xffffffff7fffffffull, 0x7fffffffffffffffull,
		0x8000000000000000ull, 0x8000000000000001ull, 0xffffffffffffffffull,
		0xfffffffffffffffeull, 0xffffffffffffff80ull, 0xffffffffffff8000ull,
		0x00000001ffffffffull, 0xdeadbeef00000000ull, 0x0123456789abcdefull,
	};
	uint64_t r = kgen_rand(state);

	switch (r % 8) {
	case 0: case 1: case 2: case 3:
		return boundary[(r >> 8) % (sizeof(boundary) / sizeof(boundary[0]))];
	case 4:
		return kgen_rand(state);                       /* any 64 bits */
	case 5:
		return (uint64_t)(int64_t)(int32_t)kgen_rand(state); /* sign-extended 32 */
	case 6:
		return (uint32_t)kgen_rand(state);             /* zero-extended 32 */
	default:
		return (r >> 8) % 72 - ((r >> 16) & 1 ? 36 : 0); /* small, +- */
	}
}

int32_t kgen_value32(uint64_t *state)
{
	static const int32_t boundary[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, -1, -2, -8, -31, -32,
		-33, -64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000,
		0x7fffffff, INT32_MIN, INT32_MIN + 1, -0x8000, -0x80,
	};
	uint64_t r = kgen_rand(state);

	if (r % 3)
		return boundary[(r >> 8) % (sizeof(boundary) / sizeof(boundary[0]))];
	if ((r >> 8) & 1)
		return (int32_t)((r >> 16) % 200) - 100;
	return (int32_t)kgen_rand(state);
}

/* Appends one instruction. BODY_SOFT_LIMIT guarantees room; the check
 * only stops a generator bug from writing past the buffer (the program
 * it truncates is then rejected and reported). */
static void emit(struct kgen *g, struct bpf_insn insn)
{
	if (g->cnt < KGEN_MAX_INSNS - 1)
		g->out[g->cnt++] = insn;
}

static unsigned any_reg(struct kgen *g)
{
	return below(g, 10);
}

/* dst = v, with the shortest encoding the value allows (mov, mov32 for a
 * zero-extended value, or lddw), sometimes lddw anyway. */
static void emit_const(struct kgen *g, unsigned dst, uint64_t v)
{
	unsigned how = below(g, 4);

	if (how && (uint64_t)(int64_t)(int32_t)v == v) {
		emit(g, INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, (int32_t)v));
	} else if (how && v <= UINT32_MAX) {
		emit(g, INSN(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (int32_t)(uint32_t)v));
	} else {
		emit(g, INSN(BPF_LD | BPF_IMM | BPF_DW, dst, 0, 0, (int32_t)(uint32_t)v));
		emit(g, INSN(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
	}
}

/* Binary ALU operations: code bits, the offset that selects the signed
 * variant, and the feature group they need. */
static const struct {
	uint8_t op;
	int16_t off;
	unsigned feat;
} alu_ops[] = {
	{ BPF_ADD, 0, 0 }, { BPF_SUB, 0, 0 }, { BPF_MUL, 0, 0 },
	{ BPF_DIV, 0, 0 }, { BPF_DIV, 1, KGEN_F_SDIV },
	{ BPF_MOD, 0, 0 }, { BPF_MOD, 1, KGEN_F_SDIV },
	{ BPF_OR, 0, 0 }, { BPF_AND, 0, 0 }, { BPF_XOR, 0, 0 },
	{ BPF_LSH, 0, 0 }, { BPF_RSH, 0, 0 }, { BPF_ARSH, 0, 0 },
	{ BPF_MOV, 0, 0 },
};

/* dst op= imm or dst op= src, 64- or 32-bit. */
static void gen_alu(struct kgen *g)
{
	unsigned i;

	do
		i = below(g, sizeof(alu_ops) / sizeof(alu_ops[0]));
	while (alu_ops[i].feat & ~g->feat);

	uint8_t op = alu_ops[i].op;
	bool wide = below(g, 2);
	uint8_t cls = wide ? BPF_ALU64 : BPF_ALU;
	unsigned dst = any_reg(g);

	if (below(g, 2)) {
		emit(g, INSN(cls | op | BPF_X, dst, any_reg(g), alu_ops[i].off, 0));
		return;
	}
	int32_t imm = kgen_value32(&g->rng);
	if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
		imm = (int32_t)below(g, wide ? 64 : 32);
	else if ((op == BPF_DIV || op == BPF_MOD) && imm == 0)
		imm = below(g, 2) ? -1 : 3;
	emit(g, INSN(cls | op | BPF_K, dst, 0, alu_ops[i].off, imm));
}

/* One-operand operations: neg, movsx, byte-order conversions, bswap. */
static void gen_unary(struct kgen *g)
{
	static const int32_t widths[] = { 16, 32, 64 };
	unsigned dst = any_reg(g);

	switch (below(g, 4)) {
	case 0:
		emit(g, INSN((below(g, 2) ? BPF_ALU64 : BPF_ALU) | BPF_NEG | BPF_K, dst, 0, 0, 0));
		return;
	case 1: {
		/* movsx, or a plain 32-bit mov without v4 */
		static const int16_t off64[] = { 8, 16, 32 };
		unsigned src = any_reg(g);
		unsigned form = below(g, 5);

		if (!(g->feat & KGEN_F_MOVSX))
			emit(g, INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0));
		else if (form < 3)
			emit(g, INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, off64[form], 0));
		else
			emit(g, INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, form == 3 ? 8 : 16, 0));
		return;
	}
	case 2: {
		uint8_t order = below(g, 2) ? BPF_TO_BE : BPF_TO_LE;

		emit(g, INSN(BPF_ALU | BPF_END | order, dst, 0, 0, widths[below(g, 3)]));
		return;
	}
	default:
		if (g->feat & KGEN_F_BSWAP)
			emit(g, INSN(BPF_ALU64 | BPF_END | BPF_TO_LE, dst, 0, 0, widths[below(g, 3)]));
		else
			emit(g, INSN(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, widths[below(g, 3)]));
		return;
	}
}

static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };

static unsigned size_bytes(uint8_t size)
{
	switch (size) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	default: return 8;
	}
}

/* A stack offset aligned to `bytes` inside the generator's stack area. */
static int16_t stack_off(struct kgen *g, unsigned bytes)
{
	unsigned span = 8 * KGEN_STACK_SLOTS;

	return (int16_t)(-(int)span + (int)(bytes * below(g, span / bytes)));
}

/* *(size *)(r10 + off) = src or imm. */
static void gen_store(struct kgen *g)
{
	uint8_t size = sizes[below(g, 4)];
	int16_t off = stack_off(g, size_bytes(size));

	if (below(g, 2))
		emit(g, INSN(BPF_STX | BPF_MEM | size, BPF_REG_10, any_reg(g), off, 0));
	else
		emit(g, INSN(BPF_ST | BPF_MEM | size, BPF_REG_10, 0, off, kgen_value32(&g->rng)));
}

/* dst = *(size *)(r10 + off), zero- or sign-extending. */
static void gen_load(struct kgen *g)
{
	uint8_t size = sizes[below(g, 4)];
	uint8_t mode = BPF_MEM;
	unsigned dst = any_reg(g);
	int16_t off = stack_off(g, size_bytes(size));

	if (size != BPF_DW && (g->feat & KGEN_F_LDXS) && below(g, 2))
		mode = BPF_MEMSX;
	emit(g, INSN(BPF_LDX | mode | size, dst, BPF_REG_10, off, 0));
}

/* An atomic operation on an aligned stack word (cmpxchg also uses r0).
 *
 * Two kernel verifier bugs (seen on Linux 6.18) shape the fetching forms;
 * the programs here steer clear of them, as they are not what is tested:
 *   - a fetch from a stack word the verifier knows to hold a constant
 *     gives that constant, but precision tracking does not carry through
 *     the atomic to the stack slot, so state pruning may merge a path
 *     where the word holds something else, and a branch on the fetched
 *     value is then wrongly treated as always or never taken (dead code
 *     removal makes that real). So a fetch is preceded by a non-fetching
 *     atomic on the same word, after which the verifier knows nothing of
 *     it on any path;
 *   - after a 32-bit cmpxchg the verifier adds the zero-extension of r0
 *     (x86 cmpxchg leaves the upper half when the comparison succeeds)
 *     only if it sees r0 read as 64 bits on some path it does not prune.
 *     So a 32-bit cmpxchg is followed at once by a 64-bit read of r0. */
static void gen_atomic(struct kgen *g)
{
	static const int32_t ops[] = {
		BPF_ADD, BPF_OR, BPF_AND, BPF_XOR,
		BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH,
		BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG,
	};
	uint8_t size = below(g, 2) ? BPF_DW : BPF_W;
	unsigned src = any_reg(g);
	int16_t off = stack_off(g, size_bytes(size));
	int32_t op = ops[below(g, 10)];

	if (op & BPF_FETCH) {
		unsigned first_src = any_reg(g);

		emit(g, INSN(BPF_STX | BPF_ATOMIC | size, BPF_REG_10, first_src, off,
			     ops[below(g, 4)]));
	}
	emit(g, INSN(BPF_STX | BPF_ATOMIC | size, BPF_REG_10, src, off, op));
	if (op == BPF_CMPXCHG && size == BPF_W)
		emit(g, INSN(BPF_ALU64 | BPF_XOR | BPF_X, 1 + below(g, 9), 0, 0, 0));
}

/* `if dst <cond> src/imm goto +off`, 64- or 32-bit, all eleven conditions. */
static struct bpf_insn jcc(struct kgen *g, int16_t off)
{
	static const uint8_t conds[] = {
		BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
		BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE,
	};
	uint8_t cls = below(g, 2) ? BPF_JMP : BPF_JMP32;
	uint8_t code = cls | conds[below(g, 11)];
	unsigned dst = any_reg(g), src = any_reg(g);

	g->jumps++;
	if (below(g, 2))
		return INSN(code | BPF_X, dst, src, off, 0);
	return INSN(code | BPF_K, dst, 0, off, kgen_value32(&g->rng));
}

static void gen_items(struct kgen *g, unsigned n, unsigned depth);

/* if (cond) skip { then } [else { ... }]: the jump's offset is patched
 * once the block it skips is generated. */
static void gen_branch(struct kgen *g, unsigned depth)
{
	size_t at = g->cnt;

	emit(g, jcc(g, 0));
	gen_items(g, 1 + below(g, 4), depth + 1);
	if (below(g, 3)) {
		g->out[at].off = (int16_t)(g->cnt - at - 1);
		return;
	}
	/* if/else: the then-part ends with an unconditional jump over the
	 * else-part, a plain ja or (v4) a gotol with its offset in imm. */
	size_t ja = g->cnt;
	bool wide = (g->feat & KGEN_F_JA32) && below(g, 2);

	emit(g, INSN(wide ? BPF_JMP32 | BPF_JA : BPF_JMP | BPF_JA, 0, 0, 0, 0));
	g->out[at].off = (int16_t)(g->cnt - at - 1);
	gen_items(g, 1 + below(g, 4), depth + 1);
	if (wide)
		g->out[ja].imm = (int32_t)(g->cnt - ja - 1);
	else
		g->out[ja].off = (int16_t)(g->cnt - ja - 1);
}

/* A register gets a fresh boundary value. (The draws are sequenced here:
 * the order of evaluation of call arguments is unspecified, and the same
 * seed must give the same program with any compiler.) */
static void gen_reload(struct kgen *g)
{
	unsigned dst = any_reg(g);

	emit_const(g, dst, kgen_value64(&g->rng));
}

/* One random item of the body. Near the length limit only items of one
 * instruction are made, so the fold always fits. */
static void gen_item(struct kgen *g, unsigned depth)
{
	unsigned pick = below(g, 100);

	if (g->cnt > BODY_SOFT_LIMIT)
		pick = 0;
	if (pick < 40)
		gen_alu(g);
	else if (pick < 52)
		gen_unary(g);
	else if (pick < 62 && depth < 2 && g->jumps < 14)
		gen_branch(g, depth);
	else if (pick < 70)
		gen_store(g);
	else if (pick < 78)
		gen_load(g);
	else if (pick < 86 && (g->feat & KGEN_F_ATOMIC))
		gen_atomic(g);
	else if (pick < 91)
		gen_reload(g);
	else
		gen_alu(g);
}

static void gen_items(struct kgen *g, unsigned n, unsigned depth)
{
	while (n--)
		gen_item(g, depth);
}

/* Runs after the body: r0 = ((r0 * MIX) ^ r1) * MIX ^ r2 ... over r1-r9
 * and then every stack slot, so a difference anywhere shows in r0. */
static void gen_fold(struct kgen *g)
{
	for (unsigned r = 1; r <= 9; r++) {
		emit(g, INSN(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, MIX));
		emit(g, INSN(BPF_ALU64 | BPF_XOR | BPF_X, 0, r, 0, 0));
	}
	for (int s = 1; s <= KGEN_STACK_SLOTS; s++) {
		emit(g, INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, BPF_REG_10, (int16_t)(-8 * s), 0));
		emit(g, INSN(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, MIX));
		emit(g, INSN(BPF_ALU64 | BPF_XOR | BPF_X, 0, 1, 0, 0));
	}
	emit(g, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

size_t kgen_random_prog(uint64_t seed, unsigned features, struct bpf_insn *out)
{
	struct kgen g = { .rng = seed, .feat = features, .out = out };

	/* Decorrelate neighbouring seeds before the first draw. */
	kgen_rand(&g.rng);
	for (unsigned r = 0; r <= 9; r++)
		emit_const(&g, r, kgen_value64(&g.rng));
	for (int s = 1; s <= KGEN_STACK_SLOTS; s++) {
		if (below(&g, 2))
			emit(&g, INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, any_reg(&g),
				      (int16_t)(-8 * s), 0));
		else
			emit(&g, INSN(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0,
				      (int16_t)(-8 * s), kgen_value32(&g.rng)));
	}
	gen_items(&g, 16 + below(&g, 48), 0);
	gen_fold(&g);
	return g.cnt;
}

/* ------------------------------------------------------------------ */
/* Shrinking a program that shows a difference                          */
/* ------------------------------------------------------------------ */

static bool is_nop(const struct bpf_insn *i)
{
	return i->code == (BPF_JMP | BPF_JA) && i->off == 0;
}

/* Removes insn `at`, keeping every forward jump on its target (a jump to
 * the removed insn lands on the one after it). */
static size_t remove_insn(struct bpf_insn *p, size_t n, size_t at)
{
	for (size_t j = 0; j < at; j++) {
		uint8_t cls = BPF_CLASS(p[j].code);
		bool ja32 = p[j].code == (BPF_JMP32 | BPF_JA);

		if ((cls != BPF_JMP && cls != BPF_JMP32) || BPF_OP(p[j].code) == BPF_EXIT ||
		    BPF_OP(p[j].code) == BPF_CALL)
			continue;
		if (ja32 && (int64_t)j + p[j].imm + 1 > (int64_t)at)
			p[j].imm--;
		else if (!ja32 && (int64_t)j + p[j].off + 1 > (int64_t)at)
			p[j].off--;
	}
	memmove(p + at, p + at + 1, (n - at - 1) * sizeof(*p));
	return n - 1;
}

/* What is written on every path to an instruction: stack bytes (bit i of
 * word i / 64 stands for the byte at r10 - 512 + i) and registers (bit r;
 * r10 always). */
struct written {
	uint64_t stack[8];
	uint16_t regs;
};

/* Marks the stack bytes an r10-based access touches as written, or with
 * `read` checks they all are. Returns false for a read of unwritten bytes
 * or an access outside the 512-byte frame. */
static bool stack_bytes(struct written *w, const struct bpf_insn *i, bool read)
{
	static const unsigned bytes[4] = { 4, 2, 1, 8 };   /* BPF_W, H, B, DW >> 3 */

	for (unsigned k = 0; k < bytes[BPF_SIZE(i->code) >> 3]; k++) {
		int at = 512 + i->off + (int)k;
		uint64_t bit = 1ull << (at & 63);

		if (at < 0 || at >= 512)
			return false;
		if (read && !(w->stack[at / 64] & bit))
			return false;
		w->stack[at / 64] |= bit;
	}
	return true;
}

/* Applies one instruction to *w; returns false if it reads a register or
 * stack bytes that may be unwritten. (Only r10-based stack accesses are
 * followed; the generator makes no others.) */
static bool written_step(struct written *w, const struct bpf_insn *i)
{
	uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code), mode = BPF_MODE(i->code);
	bool x = BPF_SRC(i->code) == BPF_X;
	uint16_t need = 0, sets = 0;
	bool mem_ok = true;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		need = (op == BPF_MOV ? 0 : 1u << i->dst_reg) |
		       (x && op != BPF_END ? 1u << i->src_reg : 0);
		sets = 1u << i->dst_reg;
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			need = 1;
		else if (op != BPF_JA && op != BPF_CALL)
			need = 1u << i->dst_reg | (x ? 1u << i->src_reg : 0);
		break;
	case BPF_LD:
		sets = 1u << i->dst_reg;
		break;
	case BPF_LDX:
		need = 1u << i->src_reg;
		sets = 1u << i->dst_reg;
		mem_ok = i->src_reg != BPF_REG_10 || stack_bytes(w, i, true);
		break;
	default: /* BPF_ST, BPF_STX */
		need = 1u << i->dst_reg | (cls == BPF_STX ? 1u << i->src_reg : 0);
		if (mode == BPF_ATOMIC && i->imm == BPF_CMPXCHG)
			need |= 1, sets = 1;
		else if (mode == BPF_ATOMIC && (i->imm & BPF_FETCH))
			sets = 1u << i->src_reg;
		mem_ok = i->dst_reg != BPF_REG_10 || stack_bytes(w, i, mode == BPF_ATOMIC);
		break;
	}
	if ((w->regs & need) != need || !mem_ok)
		return false;
	w->regs |= sets;
	return true;
}

/* All jumps go forward, so one pass in program order meets every
 * predecessor of an instruction before the instruction itself. */
bool kgen_reads_ok(const struct bpf_insn *p, size_t n)
{
	static struct written in[KGEN_MAX_INSNS + 2];
	static bool reached[KGEN_MAX_INSNS + 2];

	memset(reached, 0, sizeof(reached));
	in[0] = (struct written){ .regs = 1u << BPF_REG_10 };
	reached[0] = true;
	for (size_t i = 0; i < n && i < KGEN_MAX_INSNS; i++) {
		const struct bpf_insn *x = &p[i];
		uint8_t cls = BPF_CLASS(x->code), op = BPF_OP(x->code);
		size_t next[2] = { i + 1, SIZE_MAX };
		struct written w = in[i];

		if (!reached[i])
			continue;
		if (!written_step(&w, x))
			return false;
		if (x->code == (BPF_LD | BPF_IMM | BPF_DW))
			next[0] = i + 2;
		if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT)
			next[0] = SIZE_MAX;
		else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_JA)
			next[0] = i + 1 + (size_t)(cls == BPF_JMP32 ? x->imm : x->off);
		else if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL)
			next[1] = i + 1 + (size_t)x->off;
		for (int k = 0; k < 2; k++) {
			size_t t = next[k];

			if (t > n || t > KGEN_MAX_INSNS)
				continue;
			if (!reached[t])
				in[t] = w;
			for (int j = 0; j < 8; j++)
				in[t].stack[j] &= w.stack[j];
			in[t].regs &= w.regs;
			reached[t] = true;
		}
	}
	return true;
}

/* Replaces instructions by no-ops (`ja +0`; both slots of lddw at once)
 * while `keep` stays true, then removes the no-ops one by one, each only
 * if `keep` still holds. */
size_t kgen_shrink(struct bpf_insn *p, size_t n, kgen_keep_fn keep, void *ctx)
{
	const struct bpf_insn nop = INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0);
	bool progress = kgen_reads_ok(p, n);

	while (progress) {
		progress = false;
		for (size_t i = 0; i + 1 < n; i++) {
			struct bpf_insn save_i[2];
			size_t w = p[i].code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;

			if (is_nop(&p[i]))
				continue;
			memcpy(save_i, &p[i], w * sizeof(*p));
			for (size_t k = 0; k < w; k++)
				p[i + k] = nop;
			if (kgen_reads_ok(p, n) && keep(p, n, ctx))
				progress = true;
			else
				memcpy(&p[i], save_i, w * sizeof(*p));
			i += w - 1;
		}
	}
	/* Removing a no-op moves jumps and prune points, which can matter
	 * to the kernel: each removal is kept only if the difference stays. */
	static struct bpf_insn before[KGEN_MAX_INSNS + 1];

	for (size_t i = n - 1; i-- > 0;) {
		if (!is_nop(&p[i]))
			continue;
		memcpy(before, p, n * sizeof(*p));
		size_t m = remove_insn(p, n, i);

		if (keep(p, m, ctx))
			n = m;
		else
			memcpy(p, before, n * sizeof(*p));
	}
	return n;
}

size_t kgen_high_half(const struct bpf_insn *prog, size_t cnt, struct bpf_insn *out)
{
	memcpy(out, prog, (cnt - 1) * sizeof(*prog));
	out[cnt - 1] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 32);
	out[cnt] = prog[cnt - 1];
	return cnt + 1;
}

size_t kgen_feature_sample(unsigned feature, struct bpf_insn *out)
{
	size_t n = 0;

	switch (feature) {
	case KGEN_F_SDIV:
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -7);
		out[n++] = INSN(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, 2);
		out[n++] = INSN(BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 1, 2);
		break;
	case KGEN_F_MOVSX:
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0x80);
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 8, 0);
		break;
	case KGEN_F_LDXS:
		out[n++] = INSN(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -8, 0x80);
		out[n++] = INSN(BPF_LDX | BPF_MEMSX | BPF_B, 0, BPF_REG_10, -8, 0);
		break;
	case KGEN_F_BSWAP:
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0x1234);
		out[n++] = INSN(BPF_ALU64 | BPF_END | BPF_TO_LE, 0, 0, 0, 16);
		break;
	case KGEN_F_JA32:
		/* if/else, so that no instruction is unreachable */
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
		out[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 1);
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 2);
		out[n++] = INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 1);
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 3);
		break;
	case KGEN_F_ATOMIC:
		out[n++] = INSN(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_10, 0, -8, 5);
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 3);
		out[n++] = INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_10, 0, -8,
				BPF_ADD | BPF_FETCH);
		break;
	default:
		out[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		break;
	}
	out[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

const char *kgen_feature_name(unsigned feature)
{
	switch (feature) {
	case KGEN_F_SDIV: return "sdiv/smod";
	case KGEN_F_MOVSX: return "movsx";
	case KGEN_F_LDXS: return "sign-extending loads";
	case KGEN_F_BSWAP: return "bswap";
	case KGEN_F_JA32: return "gotol (ja32)";
	case KGEN_F_ATOMIC: return "atomics";
	default: return "?";
	}
}
