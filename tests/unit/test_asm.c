/* SPDX-License-Identifier: MIT */
/*
 * The bpftool-syntax assembler: everything the disassembler prints
 * assembles back to the same bytes (every operation of the table with
 * varied fields, and long random programs in listing form), labels and
 * the hand-written spellings work, and bad input gives -EINVAL with the
 * right line, never a crash or a leak (also when allocations fail).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "talloc.h"
#include "tcheck.h"
#include "tinsn.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const int16_t offs[] = { 0, 1, -1, 4, -8, 512, 32767, -32768 };
static const int32_t imms[] = { 0, 1, -1, 5, 255, -85, 0x7fffffff, INT32_MIN, 0x12345678, -4096 };

static int16_t pick_off(uint64_t *s)
{
	return rnd(s) & 1 ? offs[rnd(s) % N(offs)] : (int16_t)rnd(s);
}

static int32_t pick_imm(uint64_t *s)
{
	return rnd(s) & 1 ? imms[rnd(s) % N(imms)] : (int32_t)rnd(s);
}

/* A valid instance of operation op (reserved fields zero, r10 never
 * written, lddw's second slot as the validator wants). Returns slots. */
static size_t gen(int op, uint64_t *s, struct bpf_insn out[2])
{
	const struct isa_info *f = &isa_table[op];
	struct bpf_insn in = { .code = f->code };
	uint8_t rd = (uint8_t)(rnd(s) % 10), rs = (uint8_t)(rnd(s) % 11), any = (uint8_t)(rnd(s) % 11);

	switch (f->shape) {
	case SH_ALU_K:    in.dst_reg = rd; in.imm = pick_imm(s); break;
	case SH_ALU_X:    in.dst_reg = rd; in.src_reg = rs; break;
	case SH_NEG:      in.dst_reg = rd; break;
	case SH_MOVSX:    in.dst_reg = rd; in.src_reg = rs; break;
	case SH_END:      in.dst_reg = rd; break;
	case SH_JA:       in.off = pick_off(s); break;
	case SH_JA32:     in.imm = pick_imm(s); break;
	case SH_JMP_K:    in.dst_reg = any; in.imm = pick_imm(s); in.off = pick_off(s); break;
	case SH_JMP_X:    in.dst_reg = any; in.src_reg = rs; in.off = pick_off(s); break;
	case SH_CALL:     in.imm = rnd(s) & 1 ? (int32_t)(rnd(s) % 300) : pick_imm(s); break;
	case SH_CALLX:    in.dst_reg = any; break;
	case SH_EXIT:     break;
	case SH_MAY_GOTO: in.off = pick_off(s); break;
	case SH_LDDW:     in.dst_reg = rd; in.src_reg = (uint8_t)(rnd(s) % 7); in.imm = pick_imm(s); break;
	case SH_LDABS:    in.imm = pick_imm(s); break;
	case SH_LDIND:    in.src_reg = rs; in.imm = pick_imm(s); break;
	case SH_LDX:      in.dst_reg = rd; in.src_reg = rs; in.off = pick_off(s); break;
	case SH_ST:       in.dst_reg = any; in.off = pick_off(s); in.imm = pick_imm(s); break;
	case SH_STX:      in.dst_reg = any; in.src_reg = rs; in.off = pick_off(s); break;
	case SH_ATOMIC:   in.dst_reg = any; in.src_reg = rs; in.off = pick_off(s); break;
	}
	if (f->match == M_OFF)
		in.off = (int16_t)f->val;
	else if (f->match == M_IMM)
		in.imm = f->val;
	else if (f->match == M_SRC)
		in.src_reg = (uint8_t)f->val;
	out[0] = in;
	if (f->shape != SH_LDDW)
		return 1;
	out[1] = (struct bpf_insn){ 0 };
	if (in.src_reg == 0 || in.src_reg == BPF_PSEUDO_MAP_VALUE ||
	    in.src_reg == BPF_PSEUDO_MAP_IDX_VALUE || in.src_reg == BPF_PSEUDO_BTF_ID)
		out[1].imm = pick_imm(s);
	return 2;
}

static const char *hex_insns(const struct bpf_insn *in, size_t n, char *b, size_t bsz)
{
	size_t len = 0;

	b[0] = '\0';
	for (size_t i = 0; i < n && len + 20 < bsz; i++)
		len += (size_t)snprintf(b + len, bsz - len, "%02x %x%x %04x %08x  ", in[i].code,
					in[i].src_reg, in[i].dst_reg, (uint16_t)in[i].off,
					(uint32_t)in[i].imm);
	return b;
}

/* asm(disasm(x)) == x for one instruction; returns success. */
static bool round_trip(const struct bpf_insn *in, size_t slots)
{
	struct bpfx_isa_diag d;
	struct bpf_insn *out = NULL;
	size_t cnt = 0;
	char text[160], h1[128], h2[128];
	int n = bpfx_disasm_insn(in, slots, 0, BPFX_SYNTAX_BPFTOOL, text, sizeof(text));
	int err = bpfx_asm(text, &out, &cnt, &d);
	bool ok = n == (int)slots && !err && cnt == slots && !memcmp(out, in, slots * sizeof(*in));

	CHECK(ok, "round trip of %s '%s': err %d (%s), got %s", hex_insns(in, slots, h1, sizeof(h1)),
	      text, err, err ? d.msg : "", out ? hex_insns(out, cnt, h2, sizeof(h2)) : "nothing");
	free(out);
	return ok;
}

static void test_every_op(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct bpf_insn in[2];
	int bad = 0;

	for (int op = 0; op < ISA_OP_COUNT; op++)
		for (int k = 0; k < 60; k++) {
			size_t slots = gen(op, &seed, in);
			if (!round_trip(in, slots) && ++bad > 20)
				return;
		}
}

/* A random program; every instruction valid on its own. */
static struct bpf_insn *random_prog(uint64_t seed, size_t want, size_t *cnt)
{
	struct bpf_insn *p = calloc(want + 1, sizeof(*p));
	size_t n = 0;

	while (p && n < want) {
		struct bpf_insn in[2];
		size_t slots = gen((int)(rnd(&seed) % ISA_OP_COUNT), &seed, in);
		if (n + slots > want)
			break;
		memcpy(&p[n], in, slots * sizeof(*in));
		n += slots;
	}
	*cnt = n;
	return p;
}

static void check_same(const char *what, const struct bpf_insn *want, size_t n,
		       const char *text)
{
	struct bpfx_isa_diag d;
	struct bpf_insn *got = NULL;
	size_t cnt = 0, i;
	int err = bpfx_asm(text, &got, &cnt, &d);

	if (!CHECK(!err && cnt == n, "%s: err %d (%s), %zu insns, want %zu", what, err, d.msg, cnt, n)) {
		free(got);
		return;
	}
	for (i = 0; i < n && !memcmp(&got[i], &want[i], sizeof(*got)); i++)
		;
	CHECK(i == n, "%s: insn %zu differs", what, i);
	free(got);
}

static void test_random_programs(void)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		size_t n;
		struct bpf_insn *p = random_prog(seed * 0x2545f4914f6cdd1dull, 3000, &n);
		char what[64];
		for (int ops = 0; p && ops < 2; ops++) {
			char *text = bpfx_disasm(p, n, BPFX_SYNTAX_BPFTOOL, ops, NULL);
			snprintf(what, sizeof(what), "random program %llu%s", (unsigned long long)seed,
				 ops ? " with opcodes" : "");
			if (CHECK(text, "%s: no listing", what))
				check_same(what, p, n, text);
			free(text);
		}
		free(p);
	}
}

/* Hand-written text, with labels and the spellings people type. */
static void test_hand_written(void)
{
	const char *src =
		"; a loop and a subprogram\n"
		"start:\n"
		"\tr0 = 0\n"
		"loop: r0 += 1            // inline label\n"
		"\tif r0 < 10 goto loop\n"
		"\tif w0 == 0xa goto out  # hex compare\n"
		"\tgoto +0\n"
		"\tcall func\n"
		"\tcall bpf_ktime_get_ns\n"
		"\tcall bpf_map_lookup_elem#1\n"
		"\tgotol out\n"
		"\tmay_goto out\n"
		"\tr1 = subprog[func]\n"
		"\tr2 = -5 ll\n"
		"\tr3 = *(u32 *)(r1 + 0x4)\n"
		"\t*(u64 *)(r10 - 8) = -1\n"
		"\tr4 = *(u8 *)(r1)\n"
		"   12: (b7) r5 = -0x10\n"
		"       b7 05 00 00 f0 ff ff ff\n"
		"\tw6 = 0xffffffff\n"
		"out:\n"
		"\texit\n"
		"func:\tr0 = 1\n"
		"\texit\n";
	const struct bpf_insn want[] = {
		MOV64_IMM(0, 0), ALU64_IMM(BPF_ADD, 0, 1), JMP_IMM(BPF_JLT, 0, 10, -2),
		RAW(0x16, 0, 0, 15, 10), JA(0), CALL_LOCAL(14), CALL(5), CALL(1),
		RAW(0x06, 0, 0, 0, 10), RAW(0xe5, 0, 0, 9, 0), RAW(0x18, 1, 4, 0, 9), RAW(0, 0, 0, 0, 0),
		LDDW_LO(2, -5), LDDW_HI((uint64_t)-5), LDX(BPF_W, 3, 1, 4), ST(BPF_DW, 10, -8, -1),
		LDX(BPF_B, 4, 1, 0), MOV64_IMM(5, -16), ALU32_IMM(BPF_MOV, 6, -1), EXIT(),
		MOV64_IMM(0, 1), EXIT(),
	};
	check_same("hand-written", want, N(want), src);

	/* llvm-objdump spellings the parser also takes */
	const char *llvm =
		"r1 = 0x1122334455667788 ll\n"
		"if r1 s> r2 goto +0x3\n"
		"lock *(u64 *)(r10 - 0x8) += r1\n"
		"w1 = atomic_fetch_or((u32 *)(r10 - 0x8), w1)\n"
		"r1 = atomic_fetch_add((u64 *)(r10 - 0x8), r1)\n"
		"r0 = *(u16 *)skb[r1]\n"
		"call 0x5\n";
	const struct bpf_insn lwant[] = {
		LDDW_LO(1, 0x1122334455667788ull), LDDW_HI(0x1122334455667788ull),
		JMP_REG(BPF_JSGT, 1, 2, 3), RAW(0xdb, 10, 1, -8, 0), RAW(0xc3, 10, 1, -8, 0x41),
		RAW(0xdb, 10, 1, -8, 0x01), RAW(0x48, 0, 1, 0, 0), CALL(5),
	};
	check_same("llvm spellings", lwant, N(lwant), llvm);

	/* bpftool's own dump, with its BTF headings and source lines */
	const char *dump =
		"int prog(struct __sk_buff * skb):\n"
		"; int prog(struct __sk_buff *skb)\n"
		"   0: (b7) r1 = 5\n"
		"; volatile long x = 5;\n"
		"   1: (7b) *(u64 *)(r10 -8) = r1\n"
		"   2: (18) r1 = map[id:35]\n"
		"   4: (85) call pc+2#bpf_prog_6deef7357e7b4530_F\n"
		"   5: (95) exit\n";
	const struct bpf_insn dwant[] = {
		MOV64_IMM(1, 5), STX(BPF_DW, 10, 1, -8), RAW(0x18, 1, 1, 0, 35), RAW(0, 0, 0, 0, 0),
		CALL_LOCAL(2), EXIT(),
	};
	check_same("bpftool dump", dwant, N(dwant), dump);

	check_same("empty", NULL, 0, "\n ; nothing\n\n# at all\n");
}

struct bad_case {
	const char *text;
	int line;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "r0 = 0\nr11 = 1\n", 2, "unknown register r11" },
	{ "r0 = 0\n\nfoo r1\n", 3, "unknown instruction 'foo'" },
	{ "goto out\nexit\n", 1, "undefined label 'out'" },
	{ "r0 = 1\nif r0 > 2 goto nowhere\ncall nothing_here\n", 2, "undefined label 'nowhere'" },
	{ "r0 =\n", 1, "end of line" },
	{ "r0 = *(u32 *)(r1 +4\n", 1, "expected ')'" },
	{ "exit\n\x01\x02\n", 2, "unexpected byte 0x01" },
	{ "if r1 += r2 goto +1\n", 1, "unknown comparison '+='" },
	{ "if r1 >> r2 goto +1\n", 1, "expected a number but found '>'" },
	{ "r0 = 99999999999\n", 1, "does not fit in 32 bits" },
	{ "r0 += 0x80000000\n", 1, "does not fit in 32 bits" },
	{ "goto pc+40000\n", 1, "does not fit in 16 bits" },
	{ "a:\nexit\na:\nexit\n", 3, "label 'a' already defined at line 1" },
	{ "w1 += r2\n", 1, "mixed 32-bit and 64-bit" },
	{ "lock *(u64 *)(r10 -8) -= r1\n", 1, "unknown atomic operator" },
	{ "r2 = atomic64_fetch_add((u64 *)(r10 -8), r1)\n", 1, "source register" },
	{ "r1 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)\n", 1, "r0" },
	{ "r1 = *(u8 *)skb[4]\n", 1, "packet loads write r0" },
	{ "exit exit\n", 1, "unexpected 'exit' after the instruction" },
	{ "r0 = 0x\n", 1, "bad number '0x'" },
	{ "r0 = 99999999999999999999999\n", 1, "too large" },
	{ "call\n", 1, "end of line" },
	{ "r1 = *(u24 *)(r1 +0)\n", 1, "unknown size 'u24'" },
	{ "w1 = map[fd:3]\n", 1, "64-bit" },
	{ "r1 = map[fd:3][1]+4\n", 1, "element [0]" },
	{ "r1 = 5 ll\nw1 = 5 ll\n", 2, "64-bit register" },
	{ "r1 = be16 r2\n", 1, "same register" },
	{ "r1 = -r2\n", 1, "same register" },
	{ "r1:\n", 1, "register name is not a label" },
	{ "r0 = 1\n r0 s<<= 1\n", 2, "unknown operator" },
	{ "r0 = 0 @\n", 1, "unexpected character '@'" },
	{ "   3: (b7) r0 = r12\n", 1, "unknown register r12" },
	{ "exit\nff\n", 2, "unknown instruction 'ff'" },
	{ "w0 = be16 w0\n", 1, "mixed 32-bit and 64-bit" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < N(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct bpfx_isa_diag d;
		struct bpf_insn *out = (struct bpf_insn *)&d;
		size_t cnt = 99;
		int err = bpfx_asm(c->text, &out, &cnt, &d);
		CHECK(err == -EINVAL && d.insn == c->line && strstr(d.msg, c->msg) && !out && !cnt,
		      "bad case %zu: err %d line %d '%s', want line %d '%s'", i, err, d.insn, d.msg,
		      c->line, c->msg);
	}

	/* limits: a line too long, too many tokens */
	char *big = malloc(4096);
	if (big) {
		memset(big, ' ', 4095);
		memcpy(big, "r0 = 0\nexit\n", 12);
		big[4095] = '\0';
		struct bpfx_isa_diag d;
		struct bpf_insn *out = NULL;
		size_t cnt;
		int err = bpfx_asm(big, &out, &cnt, &d);
		CHECK(err == -EINVAL && d.insn == 3 && strstr(d.msg, "longer than"), "long line: %d %s",
		      err, d.msg);
		strcpy(big, "r0 = 0\nr0 = r0");
		for (int k = 0; k < 60; k++)
			strcat(big, " + r0");
		err = bpfx_asm(big, &out, &cnt, &d);
		CHECK(err == -EINVAL && d.insn == 2 && strstr(d.msg, "too many tokens"), "tokens: %d %s",
		      err, d.msg);
		free(big);
	}
	struct bpf_insn *out = NULL;
	size_t cnt;
	CHECK(bpfx_asm(NULL, &out, &cnt, NULL) == -EINVAL, "NULL text");
	CHECK(bpfx_asm("exit", NULL, &cnt, NULL) == -EINVAL, "NULL result");
	CHECK(bpfx_asm("r99 = 1", &out, &cnt, NULL) == -EINVAL, "no diag");
}

/* Mutated listings and token soup: only 0 or -EINVAL, a sane line. */
static void test_garbage(void)
{
	static const char *const words[] = {
		"r1", "w2", "r10", "=", "+=", "s>>=", "*", "(", ")", "[", "]", "u32", "u64", "skb",
		"goto", "pc", "+", "-", "1", "0x10", "if", "lock", "call", "map", "fd", ":", "#",
		"atomic64_fetch_add", "atomic64_cmpxchg", ",", "ll", "exit", "\n", "label", "(s8)",
		"subprog", "btf_id", "idx", "be16", "may_goto", "gotol", "callx", "kernel", "function",
	};
	uint64_t seed = 42;
	size_t n;
	struct bpf_insn *p = random_prog(7, 300, &n);
	char *text = p ? bpfx_disasm(p, n, BPFX_SYNTAX_BPFTOOL, false, NULL) : NULL;
	size_t len = text ? strlen(text) : 0;
	int odd = 0;

	for (int k = 0; text && k < 2000; k++) {
		char *m = strdup(text), soup[512];
		struct bpfx_isa_diag d;
		struct bpf_insn *out = NULL;
		size_t cnt;
		for (int j = 0; m && j < 1 + (int)(rnd(&seed) % 4); j++)
			m[rnd(&seed) % len] = (char)(1 + rnd(&seed) % 255);
		int err = m ? bpfx_asm(m, &out, &cnt, &d) : 0;
		if (err && (err != -EINVAL || d.insn < 1 || d.insn > 400))
			odd++;
		free(out);
		free(m);
		soup[0] = '\0';
		for (int j = 0; j < 1 + (int)(rnd(&seed) % 30); j++) {
			strcat(soup, words[rnd(&seed) % N(words)]);
			strcat(soup, rnd(&seed) & 1 ? " " : "");
		}
		out = NULL;
		err = bpfx_asm(soup, &out, &cnt, &d);
		if (err && err != -EINVAL)
			odd++;
		free(out);
	}
	CHECK(text && !odd, "garbage: %d odd results", odd);
	free(text);
	free(p);
}

/* Fails the Nth allocation of the library for every N: the assembler
 * returns -ENOMEM (or succeeds) and frees what it took. */


static void test_alloc_failures(void)
{
	size_t n;
	struct bpf_insn *p = random_prog(11, 2000, &n);
	char *text = p ? bpfx_disasm(p, n, BPFX_SYNTAX_BPFTOOL, false, NULL) : NULL;
	int bad = 0, ok_at = -1;

	for (t_fail_at = 0; text && t_fail_at < 64 && ok_at < 0; t_fail_at++) {
		struct bpf_insn *out = NULL;
		size_t cnt;
		t_alloc_count = t_alloc_live = 0;
		bpfx_set_allocator(t_failing_realloc, NULL);
		int err = bpfx_asm(text, &out, &cnt, NULL);
		bpfx_set_allocator(NULL, NULL);
		if ((err && err != -ENOMEM) || t_alloc_live)
			bad++;
		if (!err)
			ok_at = (int)t_fail_at;
		free(out);
	}
	CHECK(text && !bad && ok_at > 0, "allocation failures: %d bad, succeeded from %d", bad, ok_at);
	free(text);
	free(p);
}

int main(void)
{
	test_every_op();
	test_random_programs();
	test_hand_written();
	test_errors();
	test_garbage();
	test_alloc_failures();
	return t_done("asm");
}
