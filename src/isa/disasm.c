/* SPDX-License-Identifier: MIT */
/*
 * The disassembler: one instruction to text, in two syntaxes.
 *
 * BPFX_SYNTAX_BPFTOOL is what the kernel's verifier log and
 * `bpftool prog dump xlated` print (kernel/bpf/disasm.c of Linux 6.x,
 * including the v4 additions: sdiv/smod, movsx, ldsx, bswap, gotol,
 * may_goto): decimal ALU and store immediates, hex compare immediates,
 * "pc+N" branch targets, "(r1 +4)" memory operands. Pseudo lddw sources
 * print like bpftool does for a loaded program, with "fd" for the map
 * reference of a program that has not been loaded.
 *
 * BPFX_SYNTAX_LLVM is the instruction column of `llvm-objdump -d` from
 * LLVM 19 without --mcpu (hex immediates, "(r1 + 0x4)", "goto +0x3",
 * "ll" after lddw). That default decodes 32-bit loads and stores with r
 * registers but cannot decode the 32-bit fetch/xchg/cmpxchg atomics; for
 * those we print what `--mcpu=v3` prints (w registers). LLVM has no text
 * for pseudo lddw sources or LD_IND offsets; we print the bpftool form
 * for the former and " + 0x..." for a non-zero LD_IND offset.
 *
 * Everything is driven by the opcode table: the operation comes from
 * isa_decode(), the layout from its shape, the operator from its sym.
 * Pure functions over the caller's buffers; safe from any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/names.h"
#include "isa/isa.h"

/* One instruction being printed. */
struct dis {
	const struct bpf_insn *in;
	const struct bpf_insn *next;   /* lddw's second slot, else NULL */
	const struct isa_info *info;
	bool llvm;
	char *buf;
	size_t sz;
};

static void put(struct dis *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct dis *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->buf, d->sz, fmt, ap);
	va_end(ap);
}

/* Signed hex the way LLVM prints immediates: "0x5", "-0x5". */
static const char *shex(char *t, size_t n, int64_t v)
{
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;

	snprintf(t, n, "%s0x%" PRIx64, v < 0 ? "-" : "", mag);
	return t;
}

/* An immediate operand: decimal (bpftool ALU, store, call ids), unsigned
 * 32-bit hex (bpftool compares) or signed hex (LLVM, everywhere). */
enum imm_style { IMM_DEC, IMM_HEX32 };

static const char *imm_text(const struct dis *d, char *t, size_t n, int32_t v,
			    enum imm_style style)
{
	if (d->llvm)
		return shex(t, n, v);
	if (style == IMM_HEX32)
		snprintf(t, n, "0x%x", (uint32_t)v);
	else
		snprintf(t, n, "%d", v);
	return t;
}

/* "(r1 +4)" or "(r1 + 0x4)". */
static const char *mem_text(const struct dis *d, char *t, size_t n, unsigned reg, int16_t off)
{
	if (d->llvm)
		snprintf(t, n, "(r%u %c 0x%x)", reg, off < 0 ? '-' : '+',
			 off < 0 ? -(int)off : off);
	else
		snprintf(t, n, "(r%u %+d)", reg, off);
	return t;
}

/* A branch target relative to the next instruction: "pc+3" or "+0x3". */
static const char *target_text(const struct dis *d, char *t, size_t n, int32_t rel)
{
	if (d->llvm)
		snprintf(t, n, "%c0x%" PRIx64, rel < 0 ? '-' : '+',
			 rel < 0 ? -(uint64_t)(int64_t)rel : (uint64_t)rel);
	else
		snprintf(t, n, "pc%+d", rel);
	return t;
}

/* Register letter of an ALU or JMP operation: w for the 32-bit classes. */
static char reg_letter(const struct isa_info *info)
{
	return isa_is_alu32(info->code) || isa_is_jmp32(info->code) ? 'w' : 'r';
}

static void dis_alu(struct dis *d)
{
	const struct bpf_insn *in = d->in;
	const char *sym = d->info->sym;
	char c = reg_letter(d->info), t[32];

	switch (d->info->shape) {
	case SH_ALU_K:
		put(d, "%c%u %s %s", c, in->dst_reg, sym,
		    imm_text(d, t, sizeof(t), in->imm, IMM_DEC));
		break;
	case SH_ALU_X:
		put(d, "%c%u %s %c%u", c, in->dst_reg, sym, c, in->src_reg);
		break;
	case SH_NEG:
		put(d, "%c%u = %s%c%u", c, in->dst_reg, sym, c, in->dst_reg);
		break;
	case SH_MOVSX:
		put(d, "%c%u = %s%c%u", c, in->dst_reg, sym, c, in->src_reg);
		break;
	case SH_END:  /* both syntaxes print r, whatever the class */
		put(d, "r%u = %s r%u", in->dst_reg, sym, in->dst_reg);
		break;
	}
}

static void dis_jmp(struct dis *d)
{
	const struct bpf_insn *in = d->in;
	const char *sym = d->info->sym;
	char c = reg_letter(d->info), t[32], v[32];

	switch (d->info->shape) {
	case SH_JA:
	case SH_MAY_GOTO:
		put(d, "%s %s", sym, target_text(d, t, sizeof(t), in->off));
		break;
	case SH_JA32:
		put(d, "%s %s", sym, target_text(d, t, sizeof(t), in->imm));
		break;
	case SH_JMP_K:
		put(d, "if %c%u %s %s goto %s", c, in->dst_reg, sym,
		    imm_text(d, v, sizeof(v), in->imm, IMM_HEX32),
		    target_text(d, t, sizeof(t), in->off));
		break;
	case SH_JMP_X:
		put(d, "if %c%u %s %c%u goto %s", c, in->dst_reg, sym, c, in->src_reg,
		    target_text(d, t, sizeof(t), in->off));
		break;
	case SH_CALLX:
		put(d, "%s r%u", sym, in->dst_reg);
		break;
	case SH_EXIT:
		put(d, "%s", sym);
		break;
	}
}

/* Helper calls name the helper (kernel: "call bpf_map_lookup_elem#1",
 * "call unknown#N"), local calls are pc-relative, kfunc calls carry a BTF
 * id the kernel prints as "kernel-function#N" without its BTF. */
static void dis_call(struct dis *d)
{
	const struct bpf_insn *in = d->in;
	const char *sym = d->info->sym;
	char t[32];

	if (d->llvm) {
		put(d, "%s %s", sym, shex(t, sizeof(t), in->imm));
		return;
	}
	switch (d->info->val) {
	case BPF_PSEUDO_CALL:
		put(d, "%s %s", sym, target_text(d, t, sizeof(t), in->imm));
		break;
	case BPF_PSEUDO_KFUNC_CALL:
		put(d, "%s kernel-function#%d", sym, in->imm);
		break;
	default: {
		const char *name = in->imm >= 0 ? helper_name((uint32_t)in->imm) : NULL;
		put(d, "%s %s#%d", sym, name ? name : "unknown", in->imm);
		break;
	}
	}
}

/* The 64-bit immediate load; src_reg picks what the value means. The
 * caller has checked that the second slot exists and the source is known. */
static void dis_lddw(struct dis *d)
{
	const struct bpf_insn *in = d->in;
	uint32_t lo = (uint32_t)in->imm, hi = (uint32_t)d->next->imm;
	uint64_t v = (uint64_t)hi << 32 | lo;
	unsigned r = in->dst_reg;
	char t[32];

	switch (in->src_reg) {
	case 0:
		if (d->llvm)
			put(d, "r%u = %s ll", r, shex(t, sizeof(t), (int64_t)v));
		else
			put(d, "r%u = 0x%" PRIx64, r, v);
		break;
	case BPF_PSEUDO_MAP_FD:
		put(d, "r%u = map[fd:%u]", r, lo);
		break;
	case BPF_PSEUDO_MAP_VALUE:
		put(d, "r%u = map[fd:%u][0]+%u", r, lo, hi);
		break;
	case BPF_PSEUDO_BTF_ID:
		if (hi)
			put(d, "r%u = btf_id[%u][fd:%u]", r, lo, hi);
		else
			put(d, "r%u = btf_id[%u]", r, lo);
		break;
	case BPF_PSEUDO_FUNC:
		put(d, "r%u = subprog[%+d]", r, in->imm);
		break;
	case BPF_PSEUDO_MAP_IDX:
		put(d, "r%u = map[idx:%u]", r, lo);
		break;
	case BPF_PSEUDO_MAP_IDX_VALUE:
		put(d, "r%u = map[idx:%u]+%u", r, lo, hi);
		break;
	}
}

static void dis_mem(struct dis *d)
{
	const struct bpf_insn *in = d->in;
	const char *sym = d->info->sym;
	char m[48], t[32];

	switch (d->info->shape) {
	case SH_LDX:
		put(d, "r%u = *(%s *)%s", in->dst_reg, sym,
		    mem_text(d, m, sizeof(m), in->src_reg, in->off));
		break;
	case SH_ST:
		put(d, "*(%s *)%s = %s", sym, mem_text(d, m, sizeof(m), in->dst_reg, in->off),
		    imm_text(d, t, sizeof(t), in->imm, IMM_DEC));
		break;
	case SH_STX:
		put(d, "*(%s *)%s = r%u", sym, mem_text(d, m, sizeof(m), in->dst_reg, in->off),
		    in->src_reg);
		break;
	case SH_LDABS:
		put(d, "r0 = *(%s *)skb[%s]", sym, imm_text(d, t, sizeof(t), in->imm, IMM_DEC));
		break;
	case SH_LDIND:
		if (!d->llvm)
			put(d, "r0 = *(%s *)skb[r%u + %d]", sym, in->src_reg, in->imm);
		else if (in->imm)
			put(d, "r0 = *(%s *)skb[r%u %c 0x%" PRIx64 "]", sym, in->src_reg,
			    in->imm < 0 ? '-' : '+',
			    in->imm < 0 ? -(uint64_t)(int64_t)in->imm : (uint64_t)in->imm);
		else
			put(d, "r0 = *(%s *)skb[r%u]", sym, in->src_reg);
		break;
	}
}

/* Atomics: the imm's BPF_FETCH bit decides between the "lock ... op= r"
 * form and the function-call form; cmpxchg also names r0. The sym is the
 * operator ("+=") or the operation name ("fetch_add", "xchg"). */
static void dis_atomic(struct dis *d)
{
	const struct bpf_insn *in = d->in;
	const char *sym = d->info->sym;
	unsigned bits = isa_mem_size(in->code) * 8;
	bool w = d->llvm && bits == 32;
	char c = w ? 'w' : 'r', m[48];

	mem_text(d, m, sizeof(m), in->dst_reg, in->off);
	if (!(in->imm & BPF_FETCH)) {
		put(d, "lock *(u%u *)%s %s r%u", bits, m, sym, in->src_reg);
	} else if (!d->llvm) {
		const char *wide = bits == 64 ? "64" : "";
		if (in->imm == BPF_CMPXCHG)
			put(d, "r0 = atomic%s_%s((u%u *)%s, r0, r%u)", wide, sym, bits, m,
			    in->src_reg);
		else
			put(d, "r%u = atomic%s_%s((u%u *)%s, r%u)", in->src_reg, wide, sym,
			    bits, m, in->src_reg);
	} else {
		/* LLVM: "xchg_64(r10 - 0x8, r1)", "cmpxchg32_32(...)" name the
		 * address without the cast; fetch_<op> keeps the C-like form. */
		const char *wide = bits == 64 ? "_64" : "32_32";
		char *addr = m + 1;               /* "(r10 - 0x8)" -> "r10 - 0x8" */
		addr[strlen(addr) - 1] = '\0';
		if (in->imm == BPF_CMPXCHG)
			put(d, "%c0 = %s%s(%s, %c0, %c%u)", c, sym, wide, addr, c, c, in->src_reg);
		else if (in->imm == BPF_XCHG)
			put(d, "%c%u = %s%s(%s, %c%u)", c, in->src_reg, sym, wide, addr, c,
			    in->src_reg);
		else
			put(d, "%c%u = atomic_%s((u%u *)(%s), %c%u)", c, in->src_reg, sym, bits,
			    addr, c, in->src_reg);
	}
}

static int invalid(char *buf, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int invalid(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(buf, sz, "invalid insn: ");
	if (n >= 0 && (size_t)n < sz) {
		va_start(ap, fmt);
		vsnprintf(buf + n, sz - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int bpfx_disasm_insn(const struct bpf_insn *insns, size_t cnt, size_t idx,
		     enum bpfx_syntax syntax, char *buf, size_t buf_sz)
{
	char scratch[1];
	struct dis d;
	int op;

	if (!buf || !buf_sz) {
		buf = scratch;
		buf_sz = sizeof(scratch);
	}
	buf[0] = '\0';
	if (!insns || idx >= cnt)
		return invalid(buf, buf_sz, "index %zu out of range", idx);
	if (syntax != BPFX_SYNTAX_BPFTOOL && syntax != BPFX_SYNTAX_LLVM)
		return invalid(buf, buf_sz, "unknown syntax %d", (int)syntax);

	d = (struct dis){ .in = &insns[idx], .llvm = syntax == BPFX_SYNTAX_LLVM,
			  .buf = buf, .sz = buf_sz };
	op = isa_decode(d.in);
	if (op < 0)
		return invalid(buf, buf_sz, "unknown opcode 0x%02x", d.in->code);
	d.info = &isa_table[op];

	switch (d.info->shape) {
	case SH_ALU_K: case SH_ALU_X: case SH_NEG: case SH_MOVSX: case SH_END:
		dis_alu(&d);
		break;
	case SH_JA: case SH_JA32: case SH_MAY_GOTO: case SH_JMP_K: case SH_JMP_X:
	case SH_CALLX: case SH_EXIT:
		dis_jmp(&d);
		break;
	case SH_CALL:
		dis_call(&d);
		break;
	case SH_LDDW:
		if (idx + 1 >= cnt)
			return invalid(buf, buf_sz, "lddw without its second slot");
		if (d.in->src_reg > BPF_PSEUDO_MAP_IDX_VALUE)
			return invalid(buf, buf_sz, "lddw with unknown source %u", d.in->src_reg);
		d.next = &insns[idx + 1];
		dis_lddw(&d);
		break;
	case SH_LDABS: case SH_LDIND: case SH_LDX: case SH_ST: case SH_STX:
		dis_mem(&d);
		break;
	case SH_ATOMIC:
		dis_atomic(&d);
		break;
	default:
		return invalid(buf, buf_sz, "no printer for opcode 0x%02x", d.in->code);
	}
	return (int)isa_slots(d.in);
}

/* A growing output string; `oom` sticks after the first failed growth.
 * Plain malloc/realloc: the result is handed to the caller's free(). */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = true;
		return;
	}
	if ((size_t)n >= sb->cap - sb->len) {
		size_t cap = sb->cap * 2 + (size_t)n + 1;
		char *p = realloc(sb->p, cap);
		if (!p) {
			sb->oom = true;
			return;
		}
		sb->p = p;
		sb->cap = cap;
		va_start(ap, fmt);
		vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

/* bpftool's `opcodes` line: the raw bytes of every slot of the insn. */
static void sb_bytes(struct sbuf *sb, const struct bpf_insn *in, size_t slots)
{
	const unsigned char *b = (const unsigned char *)in;

	sb_printf(sb, "      ");
	for (size_t i = 0; i < slots * sizeof(*in); i++)
		sb_printf(sb, " %02x", b[i]);
	sb_printf(sb, "\n");
}

char *bpfx_disasm(const struct bpf_insn *insns, size_t cnt, enum bpfx_syntax syntax,
		  bool opcodes, int *err)
{
	struct sbuf sb = { .cap = 256 };
	char text[160];

	if ((!insns && cnt) ||
	    (syntax != BPFX_SYNTAX_BPFTOOL && syntax != BPFX_SYNTAX_LLVM)) {
		if (err)
			*err = -EINVAL;
		return NULL;
	}
	sb.p = malloc(sb.cap);
	if (!sb.p) {
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	sb.p[0] = '\0';
	for (size_t i = 0; i < cnt && !sb.oom;) {
		int n = bpfx_disasm_insn(insns, cnt, i, syntax, text, sizeof(text));
		size_t slots = n > 0 ? (size_t)n : 1;

		sb_printf(&sb, "%4zu: (%02x) %s\n", i, insns[i].code, text);
		if (opcodes)
			sb_bytes(&sb, &insns[i], slots);
		i += slots;
	}
	if (sb.oom) {
		free(sb.p);
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	return sb.p;
}
