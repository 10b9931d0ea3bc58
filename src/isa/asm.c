/* SPDX-License-Identifier: MIT */
/*
 * The assembler of the bpftool syntax: reads back what bpfx_disasm()
 * prints (with or without the "N: (op)" prefixes and `opcodes` lines),
 * plus labels ("out:", "goto out", "call func", "subprog[func]").
 *
 * One pass over the lines emits instructions and records label uses;
 * a second pass patches them. The operation of each line is found in the
 * opcode table by shape and operator (isa_table[op].sym), never by a list
 * of opcodes here.
 *
 * Two spellings are ambiguous in the bpftool syntax and are settled as
 * the kernel prints them: "rN = 0x..." (an unsigned hex literal) is an
 * lddw, a decimal or negative value a mov; "... ll" forces lddw. ALU
 * immediates of 64-bit operations must fit a signed 32-bit field, while
 * 32-bit operations and compares also take 0x80000000..0xffffffff.
 *
 * Runs on the caller's thread; allocates through util/alloc.h except the
 * returned array, which comes from malloc (the caller frees it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/names.h"
#include "isa/asm_lex.h"
#include "isa/isa.h"
#include "util/alloc.h"

/* The whole assembly: what bpfx_asm() frees before it returns. */
struct asm_state {
	struct bpf_insn *insns;
	size_t cnt, cap;
	struct asm_labels labels;
	struct bpfx_isa_diag *diag;
};

/* What a label use patches (struct asm_label_use.kind). */
enum fix_kind {
	FIX_OFF,     /* insn->off = label - (at + 1) */
	FIX_IMM,     /* insn->imm = label - (at + 1) */
	FIX_CALL,    /* a local call to the label, else a helper by that name */
};

static int emit(struct asm_parser *p, struct bpf_insn in)
{
	struct asm_state *st = p->st;

	if (st->cnt >= BPFX_MAX_INSNS)
		return asm_perr(p, "program longer than %u instructions", BPFX_MAX_INSNS);
	if (asm_grow((void **)&st->insns, &st->cap, st->cnt + 1, sizeof(in)))
		return -ENOMEM;
	st->insns[st->cnt++] = in;
	return 0;
}

/* ---- the opcode table ---- */

/* The width an operation is told apart by: ALU and JMP class, atomic
 * access size; 0 when the operator alone decides. */
static int op_width(const struct isa_info *f)
{
	switch (f->shape) {
	case SH_ALU_K: case SH_ALU_X: case SH_NEG: case SH_MOVSX:
		return isa_is_alu32(f->code) ? 32 : 64;
	case SH_JMP_K: case SH_JMP_X:
		return isa_is_jmp32(f->code) ? 32 : 64;
	case SH_ATOMIC:
		return (int)isa_mem_size(f->code) * 8;
	default:
		return 0;
	}
}

/* The operation of `shape` whose sym is s[0..len) (any sym when s is
 * NULL) and whose width is `width` (any when 0); -1 if none. */
static int find_op(int shape, const char *s, size_t len, int width)
{
	for (int op = 0; op < ISA_OP_COUNT; op++) {
		const struct isa_info *f = &isa_table[op];
		if (f->shape != shape || (width && op_width(f) != width))
			continue;
		if (!s || (strlen(f->sym) == len && !memcmp(f->sym, s, len)))
			return op;
	}
	return -1;
}

static int find_op_tok(int shape, const struct asm_tok *t, int width)
{
	if (t->kind != TK_PUNCT && t->kind != TK_IDENT)
		return -1;
	return find_op(shape, t->s, t->len, width);
}

/* The call operation with src_reg == src (helper, local, kfunc). */
static int call_op(int src)
{
	for (int op = 0; op < ISA_OP_COUNT; op++)
		if (isa_table[op].shape == SH_CALL && isa_table[op].match == M_SRC &&
		    isa_table[op].val == src)
			return op;
	return -1;
}

/* An instruction of operation op with its discriminating field set. */
static struct bpf_insn op_insn(int op)
{
	const struct isa_info *f = &isa_table[op];
	struct bpf_insn in = { .code = f->code };

	switch (f->match) {
	case M_OFF: in.off = (int16_t)f->val; break;
	case M_IMM: in.imm = f->val; break;
	case M_SRC: in.src_reg = (uint8_t)f->val; break;
	default: break;
	}
	return in;
}

static const char *width_name(int width)
{
	return width == 32 ? "32-bit" : "64-bit";
}

/* ---- operands ---- */

/* A target stored in off (16 bits) or imm (32 bits). */
static int target_into(struct asm_parser *p, struct bpf_insn *in, bool imm)
{
	const struct asm_tok *label = NULL;
	int64_t rel;
	int err = asm_parse_target(p, &rel, &label);

	if (err < 0)
		return err;
	if (err == 1)
		return asm_label_use(p, &p->st->labels, imm ? FIX_IMM : FIX_OFF, label, p->st->cnt);
	return imm ? asm_rel_s32(p, rel, &in->imm) : asm_rel_s16(p, rel, &in->off);
}

/* The operation of a memory access of `shape` by its size word. */
static int size_op(struct asm_parser *p, int shape, const struct asm_tok *size)
{
	int op = find_op_tok(shape, size, 0);

	if (op < 0)
		return asm_perr(p, "unknown size '%.*s' for this access", (int)size->len, size->s);
	return op;
}

/* ---- instruction forms; each starts at the token after what chose it ---- */

/* "rD op= rS" or "rD op= IMM" (op the token at optok, "=" for mov). */
static int form_alu(struct asm_parser *p, unsigned dst, bool w, const struct asm_tok *optok)
{
	int width = w ? 32 : 64, op, err;
	unsigned src;
	bool sw;
	struct bpf_insn in;
	struct asm_num n;

	if (asm_reg_like(asm_cur(p), &src, &sw)) {
		if ((op = find_op_tok(SH_ALU_X, optok, width)) < 0)
			goto unknown;
		if ((err = asm_parse_reg(p, &src, &sw)))
			return err;
		if (sw != w)
			return asm_perr(p, "mixed 32-bit and 64-bit registers");
		in = op_insn(op);
		in.src_reg = (uint8_t)src;
	} else {
		if ((op = find_op_tok(SH_ALU_K, optok, width)) < 0)
			goto unknown;
		in = op_insn(op);
		if ((err = asm_parse_num(p, &n)) || (err = asm_num_s32(p, &n, w, &in.imm)))
			return err;
	}
	in.dst_reg = (uint8_t)dst;
	return emit(p, in);
unknown:
	return asm_perr(p, "unknown operator '%.*s' for a %s register", (int)optok->len, optok->s,
		    width_name(width));
}

static int emit_lddw(struct asm_parser *p, unsigned dst, unsigned src, uint32_t lo, uint32_t hi)
{
	struct bpf_insn in = op_insn(find_op(SH_LDDW, NULL, 0, 0));
	int err;

	in.dst_reg = (uint8_t)dst;
	in.src_reg = (uint8_t)src;
	in.imm = (int32_t)lo;
	if ((err = emit(p, in)))
		return err;
	return emit(p, (struct bpf_insn){ .imm = (int32_t)hi });
}

/* "rD = 0x1122334455667788" or "rD = -5 ll". */
static int form_lddw_imm(struct asm_parser *p, unsigned dst, bool w)
{
	struct asm_num n;
	int64_t v;
	int err;

	if (w)
		return asm_perr(p, "a 64-bit immediate needs a 64-bit register, not w%u", dst);
	if ((err = asm_parse_num(p, &n)))
		return err;
	if (asm_num_s64(&n, &v))
		return asm_perr(p, "immediate does not fit in 64 bits");
	asm_accept(p, TK_IDENT, "ll");
	return emit_lddw(p, dst, 0, (uint32_t)v, (uint32_t)((uint64_t)v >> 32));
}

/* "map[fd:N]", "map[fd:N][0]+OFF", "map[idx:N]", "map[idx:N]+OFF" ("id"
 * reads as "fd": a dump of a loaded program names map ids). */
static int form_map(struct asm_parser *p, unsigned dst)
{
	const struct asm_tok *kind;
	bool idx, value = false;
	uint32_t lo, hi = 0;
	int err;

	if ((err = asm_expect(p, "[")))
		return err;
	kind = asm_cur(p);
	idx = asm_tok_is(kind, TK_IDENT, "idx");
	if (!idx && !asm_tok_is(kind, TK_IDENT, "fd") && !asm_tok_is(kind, TK_IDENT, "id"))
		return asm_perr(p, "expected fd, id or idx in a map reference");
	p->i++;
	if ((err = asm_expect(p, ":")) || (err = asm_parse_u32(p, &lo)) ||
	    (err = asm_expect(p, "]")))
		return err;
	if (asm_accept(p, TK_PUNCT, "[")) {
		if (!asm_tok_is(asm_cur(p), TK_NUM, "0"))
			return asm_perr(p, "only element [0] of a map value can be addressed");
		p->i++;
		if ((err = asm_expect(p, "]")))
			return err;
		value = true;
	}
	if (value || asm_tok_is(asm_cur(p), TK_PUNCT, "+")) {
		if ((err = asm_expect(p, "+")) || (err = asm_parse_u32(p, &hi)))
			return err;
		value = true;
	}
	return emit_lddw(p, dst, idx ? (value ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_IDX)
				     : (value ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD), lo, hi);
}

/* The pseudo sources of lddw: maps, "subprog[+N]" / "subprog[label]",
 * "btf_id[N]" / "btf_id[N][fd:M]". */
static int form_pseudo(struct asm_parser *p, unsigned dst, bool w)
{
	struct bpf_insn in = { 0 };
	uint32_t lo, hi = 0;
	int err;

	if (w)
		return asm_perr(p, "a 64-bit load needs a 64-bit register, not w%u", dst);
	if (asm_accept(p, TK_IDENT, "map"))
		return form_map(p, dst);
	if (asm_accept(p, TK_IDENT, "subprog")) {
		if ((err = asm_expect(p, "[")) || (err = target_into(p, &in, true)) ||
		    (err = asm_expect(p, "]")))
			return err;
		return emit_lddw(p, dst, BPF_PSEUDO_FUNC, (uint32_t)in.imm, 0);
	}
	p->i++;  /* btf_id */
	if ((err = asm_expect(p, "[")) || (err = asm_parse_u32(p, &lo)) ||
	    (err = asm_expect(p, "]")))
		return err;
	if (asm_accept(p, TK_PUNCT, "[")) {
		if ((err = asm_expect(p, "fd")) || (err = asm_expect(p, ":")) ||
		    (err = asm_parse_u32(p, &hi)) || (err = asm_expect(p, "]")))
			return err;
	}
	return emit_lddw(p, dst, BPF_PSEUDO_BTF_ID, lo, hi);
}

/* "r0 = *(u8 *)skb[12]" or "r0 = *(u16 *)skb[r1 + 4]"; at the "[". */
static int form_pkt(struct asm_parser *p, unsigned dst, bool w, const struct asm_tok *size)
{
	bool ind = asm_reg_like(asm_cur(p) + 1, &(unsigned){ 0 }, &(bool){ 0 });
	int op = size_op(p, ind ? SH_LDIND : SH_LDABS, size), err;
	struct bpf_insn in;
	unsigned src;
	struct asm_num n = { 0 };
	bool sw;

	if (op < 0)
		return op;
	if (dst != 0 || w)
		return asm_perr(p, "packet loads write r0");
	in = op_insn(op);
	if ((err = asm_expect(p, "[")))
		return err;
	if (ind) {
		if ((err = asm_parse_reg(p, &src, &sw)))
			return err;
		in.src_reg = (uint8_t)src;
		if ((err = asm_parse_tail(p, &n)) < 0 ||
		    (err && (err = asm_num_s32(p, &n, false, &in.imm))))
			return err;
	} else if ((err = asm_parse_num(p, &n)) || (err = asm_num_s32(p, &n, false, &in.imm))) {
		return err;
	}
	if ((err = asm_expect(p, "]")))
		return err;
	return emit(p, in);
}

/* "rD = *(u32 *)(rS +off)" and the packet loads; at the "*". */
static int form_load(struct asm_parser *p, unsigned dst, bool w)
{
	const struct asm_tok *size;
	struct bpf_insn in;
	unsigned src;
	int op, err;

	if ((err = asm_parse_cast(p, true, &size)))
		return err;
	if (asm_accept(p, TK_IDENT, "skb"))
		return form_pkt(p, dst, w, size);
	if ((op = size_op(p, SH_LDX, size)) < 0)
		return op;
	in = op_insn(op);
	in.dst_reg = (uint8_t)dst;
	if ((err = asm_parse_addr(p, &src, &in.off)))
		return err;
	in.src_reg = (uint8_t)src;
	return emit(p, in);
}

/* "*(u32 *)(rD +off) = rS" or "= IMM"; at the "*". */
static int form_store(struct asm_parser *p)
{
	const struct asm_tok *size;
	struct bpf_insn in;
	unsigned dst, src;
	int16_t off;
	bool sw;
	struct asm_num n;
	int op, err;

	if ((err = asm_parse_cast(p, true, &size)) || (err = asm_parse_addr(p, &dst, &off)) ||
	    (err = asm_expect(p, "=")))
		return err;
	if (asm_reg_like(asm_cur(p), &src, &sw)) {
		if ((op = size_op(p, SH_STX, size)) < 0 || (err = asm_parse_reg(p, &src, &sw)))
			return op < 0 ? op : err;
		in = op_insn(op);
		in.src_reg = (uint8_t)src;
	} else {
		if ((op = size_op(p, SH_ST, size)) < 0)
			return op;
		in = op_insn(op);
		if ((err = asm_parse_num(p, &n)) ||
		    (err = asm_num_s32(p, &n, isa_mem_size(in.code) < 8, &in.imm)))
			return err;
	}
	in.dst_reg = (uint8_t)dst;
	in.off = off;
	return emit(p, in);
}

/* "lock *(u64 *)(r10 -8) += r1"; after "lock". */
static int form_lock(struct asm_parser *p)
{
	const struct asm_tok *size, *optok;
	struct bpf_insn in;
	unsigned dst, src;
	int16_t off;
	bool sw;
	int op, err;

	if ((err = asm_parse_cast(p, true, &size)) || (err = asm_parse_addr(p, &dst, &off)))
		return err;
	optok = asm_cur(p);
	op = find_op_tok(SH_ATOMIC, optok, asm_size_bits(size));
	if (op < 0 || (isa_table[op].val & BPF_FETCH))
		return asm_perr(p, "unknown atomic operator %.*s on %.*s", (int)optok->len,
				optok->s, (int)size->len, size->s);
	p->i++;
	if ((err = asm_parse_reg(p, &src, &sw)))
		return err;
	in = op_insn(op);
	in.dst_reg = (uint8_t)dst;
	in.src_reg = (uint8_t)src;
	in.off = off;
	return emit(p, in);
}

/* "rS = atomic64_fetch_add((u64 *)(rD +off), rS)", "r0 =
 * atomic64_cmpxchg((u64 *)(rD +off), r0, rS)"; at the function name. The
 * width comes from the cast ("atomic64_" must agree; LLVM's
 * "atomic_fetch_add((u64 *)...)" is accepted too). */
static int form_fetch(struct asm_parser *p, unsigned lhs)
{
	const struct asm_tok *t = asm_cur(p), *size;
	const char *s = t->s + 6;           /* after "atomic" */
	size_t len = t->len - 6;
	bool wide = len >= 2 && !memcmp(s, "64", 2);
	unsigned dst, src, r0;
	struct bpf_insn in;
	int16_t off;
	bool sw;
	int bits, op, err;

	if (wide)
		s += 2, len -= 2;
	if (!len || *s != '_')
		return asm_perr(p, "unknown atomic operation '%.*s'", (int)t->len, t->s);
	p->i++;
	if ((err = asm_expect(p, "(")) || (err = asm_parse_cast(p, false, &size)) ||
	    (err = asm_parse_addr(p, &dst, &off)) || (err = asm_expect(p, ",")))
		return err;
	bits = asm_size_bits(size);
	op = find_op(SH_ATOMIC, s + 1, len - 1, bits);
	if (op < 0 || !(isa_table[op].val & BPF_FETCH) || (wide && bits != 64))
		return asm_perr(p, "unknown atomic operation '%.*s' on %.*s", (int)t->len, t->s,
			    (int)size->len, size->s);
	if (isa_table[op].val == BPF_CMPXCHG) {
		if ((err = asm_parse_reg(p, &r0, &sw)) || (err = asm_expect(p, ",")))
			return err;
		if (r0 != 0 || lhs != 0)
			return asm_perr(p, "cmpxchg compares with and returns r0");
	}
	if ((err = asm_parse_reg(p, &src, &sw)) || (err = asm_expect(p, ")")))
		return err;
	if (isa_table[op].val != BPF_CMPXCHG && lhs != src)
		return asm_perr(p, "the fetched value goes to the source register r%u", src);
	in = op_insn(op);
	in.dst_reg = (uint8_t)dst;
	in.src_reg = (uint8_t)src;
	in.off = off;
	return emit(p, in);
}

/* Everything after "rD =". */
static int form_assign(struct asm_parser *p, unsigned dst, bool w, const struct asm_tok *eq)
{
	const struct asm_tok *t = asm_cur(p), *nt;
	int width = w ? 32 : 64, op, err;
	unsigned src;
	bool sw;

	if (asm_reg_like(t, &src, &sw))
		return form_alu(p, dst, w, eq);
	if ((op = find_op_tok(SH_MOVSX, t, width)) >= 0 ||
	    ((op = find_op_tok(SH_NEG, t, width)) >= 0 && asm_reg_like(t + 1, &src, &sw)) ||
	    (op = find_op_tok(SH_END, t, 0)) >= 0) {
		struct bpf_insn in = op_insn(op);
		p->i++;
		if ((err = asm_parse_reg(p, &src, &sw)))
			return err;
		if (isa_table[op].shape == SH_END ? (w || sw) : sw != w)
			return asm_perr(p, "mixed 32-bit and 64-bit registers");
		if (isa_table[op].shape != SH_MOVSX && src != dst)
			return asm_perr(p, "%s needs the same register on both sides",
					isa_table[op].sym);
		in.dst_reg = (uint8_t)dst;
		in.src_reg = isa_table[op].shape == SH_MOVSX ? (uint8_t)src : 0;
		return emit(p, in);
	}
	nt = asm_tok_is(t, TK_PUNCT, "-") || asm_tok_is(t, TK_PUNCT, "+") ? t + 1 : t;
	if (nt->kind == TK_NUM) {
		bool ll = asm_tok_is(nt + 1, TK_IDENT, "ll");
		if (ll || (nt->hex && !w && !asm_tok_is(t, TK_PUNCT, "-")))
			return form_lddw_imm(p, dst, w);
		return form_alu(p, dst, w, eq);
	}
	if (asm_tok_is(t, TK_PUNCT, "*"))
		return form_load(p, dst, w);
	if (asm_tok_is(t, TK_IDENT, "map") || asm_tok_is(t, TK_IDENT, "subprog") ||
	    asm_tok_is(t, TK_IDENT, "btf_id"))
		return form_pseudo(p, dst, w);
	if (t->kind == TK_IDENT && t->len > 6 && !memcmp(t->s, "atomic", 6))
		return form_fetch(p, dst);
	char q[48];
	return asm_perr(p, "unexpected %s after '='", asm_quote(t, q, sizeof(q)));
}

/* "if rD op rS goto T" or "if rD op IMM goto T"; after "if". */
static int form_if(struct asm_parser *p)
{
	const struct asm_tok *optok;
	struct bpf_insn in;
	unsigned dst, src;
	bool w, sw, x;
	struct asm_num n;
	int op, err;

	if ((err = asm_parse_reg(p, &dst, &w)))
		return err;
	optok = asm_cur(p);
	x = asm_reg_like(optok + 1, &src, &sw);
	if ((op = find_op_tok(x ? SH_JMP_X : SH_JMP_K, optok, w ? 32 : 64)) < 0) {
		char q[48];
		return asm_perr(p, "unknown comparison %s", asm_quote(optok, q, sizeof(q)));
	}
	p->i++;
	in = op_insn(op);
	in.dst_reg = (uint8_t)dst;
	if (x) {
		if ((err = asm_parse_reg(p, &src, &sw)))
			return err;
		if (sw != w)
			return asm_perr(p, "mixed 32-bit and 64-bit registers");
		in.src_reg = (uint8_t)src;
	} else if ((err = asm_parse_num(p, &n)) || (err = asm_num_s32(p, &n, true, &in.imm))) {
		return err;
	}
	if ((err = asm_expect(p, "goto")) || (err = target_into(p, &in, false)))
		return err;
	return emit(p, in);
}

/* After "call": "pc+N" / "+N" (local), "kernel-function#N" (kfunc),
 * "name#N" / "unknown#N" / "N" (helper by id), "name" (a label, else a
 * helper by name; decided once all labels are known). */
static int form_call(struct asm_parser *p)
{
	const struct asm_tok *t = asm_cur(p);
	struct bpf_insn in = op_insn(call_op(0));
	struct asm_num n;
	int err;

	if (asm_tok_is(t, TK_IDENT, "pc") || asm_tok_is(t, TK_PUNCT, "+") ||
	    asm_tok_is(t, TK_PUNCT, "-")) {
		in = op_insn(call_op(BPF_PSEUDO_CALL));
		if ((err = target_into(p, &in, true)))
			return err;
		/* bpftool names the JITed callee: "call pc+2#bpf_prog_..._F" */
		if (asm_accept(p, TK_PUNCT, "#") && asm_cur(p)->kind != TK_END)
			p->i++;
		return emit(p, in);
	}
	if (asm_tok_is(t, TK_IDENT, "kernel") && asm_tok_is(t + 1, TK_PUNCT, "-") &&
	    asm_tok_is(t + 2, TK_IDENT, "function")) {
		in = op_insn(call_op(BPF_PSEUDO_KFUNC_CALL));
		p->i += 3;
		if ((err = asm_expect(p, "#")))
			return err;
	} else if (t->kind == TK_IDENT && asm_tok_is(t + 1, TK_PUNCT, "#")) {
		p->i += 2;   /* the id decides, whatever the name says */
	} else if (asm_label_like(t)) {
		if ((err = asm_label_use(p, &p->st->labels, FIX_CALL, t, p->st->cnt)))
			return err;
		p->i++;
		return emit(p, in);
	}
	if ((err = asm_parse_num(p, &n)) || (err = asm_num_s32(p, &n, true, &in.imm)))
		return err;
	return emit(p, in);
}

/* Instructions that start with their keyword, the sym of their
 * operation: exit, goto, gotol, may_goto, call, callx. */
static int keyword_op(const struct asm_tok *t)
{
	static const int shapes[] = { SH_EXIT, SH_JA, SH_JA32, SH_MAY_GOTO, SH_CALL, SH_CALLX };

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		int op = find_op_tok(shapes[i], t, 0);
		if (op >= 0)
			return op;
	}
	return -1;
}

static int form_keyword(struct asm_parser *p, int op)
{
	struct bpf_insn in = op_insn(op);
	unsigned reg;
	bool w;
	int err = 0;

	p->i++;
	switch (isa_table[op].shape) {
	case SH_CALL:
		return form_call(p);
	case SH_JA:
	case SH_MAY_GOTO:
		err = target_into(p, &in, false);
		break;
	case SH_JA32:
		err = target_into(p, &in, true);
		break;
	case SH_CALLX:
		if (!(err = asm_parse_reg(p, &reg, &w)))
			in.dst_reg = (uint8_t)reg;
		break;
	default:
		break;
	}
	return err ? err : emit(p, in);
}

/* One line's tokens: labels, then at most one instruction. */
static int parse_line(struct asm_parser *p)
{
	const struct asm_tok *t;
	char q[48];
	unsigned reg;
	bool w;
	int op, err;

	while (asm_cur(p)->kind == TK_IDENT && asm_tok_is(asm_cur(p) + 1, TK_PUNCT, ":")) {
		if (!asm_label_like(asm_cur(p)))
			return asm_perr(p, "a register name is not a label: %.*s",
					(int)asm_cur(p)->len, asm_cur(p)->s);
		if ((err = asm_label_define(p, &p->st->labels, asm_cur(p), p->st->cnt)))
			return err;
		p->i += 2;
	}
	t = asm_cur(p);
	if (t->kind == TK_END)
		return 0;
	if (asm_accept(p, TK_IDENT, "if"))
		err = form_if(p);
	else if (asm_accept(p, TK_IDENT, "lock"))
		err = form_lock(p);
	else if (asm_tok_is(t, TK_PUNCT, "*"))
		err = form_store(p);
	else if (asm_reg_like(t, &reg, &w)) {
		if ((err = asm_parse_reg(p, &reg, &w)))
			return err;
		t = asm_cur(p);
		if (t->kind != TK_PUNCT)
			return asm_perr(p, "expected an operator but found %s",
					asm_quote(t, q, sizeof(q)));
		p->i++;
		if (asm_tok_is(t, TK_PUNCT, "="))
			err = form_assign(p, reg, w, t);
		else
			err = form_alu(p, reg, w, t);
	} else if ((op = keyword_op(t)) >= 0)
		err = form_keyword(p, op);
	else
		return asm_perr(p, "unknown instruction %s", asm_quote(t, q, sizeof(q)));
	if (err)
		return err;
	if (asm_cur(p)->kind != TK_END)
		return asm_perr(p, "unexpected %s after the instruction",
				asm_quote(asm_cur(p), q, sizeof(q)));
	return 0;
}

/* Pass 1: every line, in order; stops at the first error. */
static int assemble_lines(struct asm_state *st, const char *text)
{
	struct asm_tok toks[ASM_MAX_TOKS + 1];
	char msg[96];
	int line = 0, err;

	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		const char *ls = s;
		size_t ll = len;

		line++;
		if (len > ASM_MAX_LINE)
			return asm_err(st->diag, line, "line longer than %d characters",
				       ASM_MAX_LINE);
		if (asm_lex_strip(&ls, &ll)) {
			struct asm_parser p = { .t = toks, .line = line, .diag = st->diag,
						.st = st };
			if (asm_lex_line(ls, ll, toks, msg, sizeof(msg)) < 0)
				return asm_err(st->diag, line, "%s", msg);
			if ((err = parse_line(&p)))
				return err;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return 0;
}

/* Pass 2, for each label use: patches the instruction, or says why not. */
static int patch(void *ctx, const struct asm_label_use *u, const struct asm_label_def *d,
		 char *msg, size_t msg_sz)
{
	struct asm_state *st = ctx;
	struct bpf_insn *in = &st->insns[u->at];
	int64_t rel;
	int id;

	if (!d) {
		if (u->kind != FIX_CALL || (id = helper_id(u->name, strlen(u->name))) < 0) {
			snprintf(msg, msg_sz, "undefined label '%s'", u->name);
			return -1;
		}
		in->imm = id;
		return 0;
	}
	rel = (int64_t)d->at - (int64_t)(u->at + 1);
	if (u->kind == FIX_OFF) {
		if (rel < INT16_MIN || rel > INT16_MAX) {
			snprintf(msg, msg_sz, "label '%s' is too far for a 16-bit offset", u->name);
			return -1;
		}
		in->off = (int16_t)rel;
		return 0;
	}
	if (u->kind == FIX_CALL)
		*in = op_insn(call_op(BPF_PSEUDO_CALL));
	in->imm = (int32_t)rel;   /* |rel| < BPFX_MAX_INSNS */
	return 0;
}

int bpfx_asm(const char *text, struct bpf_insn **insns, size_t *cnt,
	     struct bpfx_isa_diag *diag)
{
	struct asm_state st = { .diag = diag };
	int err;

	if (diag) {
		diag->insn = -1;
		diag->msg[0] = '\0';
	}
	if (insns)
		*insns = NULL;
	if (cnt)
		*cnt = 0;
	if (!text || !insns || !cnt)
		return asm_err(diag, 0, "no text or no place for the result");

	err = assemble_lines(&st, text);
	if (!err)
		err = asm_labels_resolve(&st.labels, patch, &st, diag);
	if (!err) {
		/* the caller free()s the result: plain malloc, never empty */
		*insns = malloc((st.cnt ? st.cnt : 1) * sizeof(**insns));
		if (*insns) {
			if (st.cnt)
				memcpy(*insns, st.insns, st.cnt * sizeof(**insns));
			*cnt = st.cnt;
		} else {
			err = -ENOMEM;
		}
	}
	if (err == -ENOMEM && diag)
		snprintf(diag->msg, sizeof(diag->msg), "out of memory");
	mem_free(st.insns);
	asm_labels_free(&st.labels);
	return err;
}
