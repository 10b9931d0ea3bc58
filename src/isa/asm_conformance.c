/* SPDX-License-Identifier: MIT */
/*
 * The assembler for the dialect of the shared conformance suite:
 *
 *     add32 %r0, 1            ldxw %r0, [%r1+4]        lock fetch add [%r10-8], %r1
 *     jeq %r1, 0x5, +2        stw [%r1+2], 5           lddw %r0, 0x1122334455667788
 *     jne %r0, 15, failed     call local func          call %r2   (callx)
 *
 * Mnemonics come from the opcode table (isa_table[op].cname); an operation
 * is picked among those sharing a mnemonic by the kinds of its operands
 * (`add %r0, 1` is ADD64_K, `add %r0, %r1` ADD64_X), so this file holds no
 * opcode list of its own. A few spellings of the dialect that the table
 * does not name are aliases (swapN for bswapN, `call %rN` for callx).
 *
 * Labels are `name:` at the start of a line (alone or before an
 * instruction). Jump targets are labels or signed slot offsets (`+2`,
 * `-3`, `2`). As in the suite's reference assembler, the label `exit`,
 * when the text does not define it, names the first exit instruction of
 * the program. Immediates are decimal or hex (`0x`), optionally negative;
 * a 32-bit field takes any value from -2^31 to 2^32-1, the upper half
 * wrapping to its 32-bit pattern (`mov32 %r0, 0xffffffff` is imm -1).
 * `#` starts a comment anywhere on a line.
 *
 * Runs on the caller's thread with no shared state. The result array comes
 * from plain malloc (the caller free()s it); the label and fixup tables are
 * scratch from the library allocator, freed before returning.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "util/alloc.h"

#define CASM_MAX_OPNDS 3

/* A piece of the source text (not NUL-terminated). */
struct span {
	const char *p;
	size_t n;
};

enum opnd_kind { O_REG = 'R', O_NUM = 'N', O_MEM = 'M', O_NAME = 'L' };

struct opnd {
	char kind;           /* enum opnd_kind */
	uint8_t reg;         /* O_REG, O_MEM: the register */
	bool neg;            /* O_NUM: written with a minus sign */
	uint64_t num;        /* O_NUM: the value's two's-complement bits */
	int16_t off;         /* O_MEM: the offset */
	struct span name;    /* O_NAME: the label */
};

/* A label definition, or a reference waiting for its label. */
struct casm_label {
	struct span name;
	size_t pc;           /* slot defined at, or slot of the referring insn */
	int line;
	bool in_imm;         /* reference: the offset goes to imm (ja32, call local) */
};

struct casm {
	struct bpf_insn *out;            /* malloc: handed to the caller */
	size_t cnt, cap;
	struct casm_label *labels;       /* definitions (library allocator) */
	size_t nlabels, cap_labels;
	struct casm_label *refs;         /* unresolved references (library allocator) */
	size_t nrefs, cap_refs;
	long first_exit;                 /* slot of the first exit, -1 if none */
	int line;                        /* 1-based line being assembled */
	struct bpfx_isa_diag *diag;
};

/* Spellings of the dialect that are not a table cname: the mnemonic also
 * stands for the operations of `target`. */
static const struct {
	const char *alias;
	const char *target;
} casm_aliases[] = {
	{ "swap16", "bswap16" },
	{ "swap32", "bswap32" },
	{ "swap64", "bswap64" },
	{ "call", "callx" },           /* `call %r2`: helper id in a register */
};

static int casm_err(struct casm *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int casm_err(struct casm *a, const char *fmt, ...)
{
	if (a->diag) {
		va_list ap;
		va_start(ap, fmt);
		a->diag->insn = a->line;
		vsnprintf(a->diag->msg, sizeof(a->diag->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- text helpers ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static struct span trim(struct span s)
{
	while (s.n && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool span_eq(struct span a, struct span b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static bool span_is(struct span a, const char *s)
{
	return a.n == strlen(s) && memcmp(a.p, s, a.n) == 0;
}

/* Length of the prefix of s that spells the words of `words` (separated by
 * single spaces there, by any blanks in s) followed by a blank or the end,
 * or 0 when s does not start with them. */
static size_t match_words(struct span s, const char *words)
{
	size_t i = 0;

	for (const char *w = words; *w; w++) {
		if (*w == ' ') {
			if (i >= s.n || !is_space(s.p[i]))
				return 0;
			while (i < s.n && is_space(s.p[i]))
				i++;
			continue;
		}
		if (i >= s.n || s.p[i] != *w)
			return 0;
		i++;
	}
	return i == s.n || is_space(s.p[i]) ? i : 0;
}

/* ---- operands ---- */

/* Parses an optionally signed decimal or hex number filling the whole
 * span. Accepts values from -2^63 to 2^64-1. */
static int parse_num(struct casm *a, struct span s, struct opnd *o)
{
	char buf[72];
	size_t i = 0;
	uint64_t v = 0;
	unsigned base = 10;

	o->kind = O_NUM;
	o->neg = false;
	if (s.n && (s.p[0] == '+' || s.p[0] == '-')) {
		o->neg = s.p[0] == '-';
		i++;
	}
	if (s.n - i > 2 && s.p[i] == '0' && (s.p[i + 1] == 'x' || s.p[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (i == s.n)
		goto bad;
	for (; i < s.n; i++) {
		char c = s.p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			goto bad;
		if (v > (UINT64_MAX - d) / base)
			goto range;
		v = v * base + d;
	}
	if (o->neg && v > (uint64_t)INT64_MAX + 1)
		goto range;
	o->num = o->neg ? 0 - v : v;
	return 0;
range:
	snprintf(buf, sizeof(buf), "%.*s", (int)(s.n < 40 ? s.n : 40), s.p);
	return casm_err(a, "number '%s' does not fit in 64 bits", buf);
bad:
	snprintf(buf, sizeof(buf), "%.*s", (int)(s.n < 40 ? s.n : 40), s.p);
	return casm_err(a, "invalid number '%s'", buf);
}

/* `%r0` ... `%r10`. */
static int parse_reg(struct casm *a, struct span s, uint8_t *reg)
{
	if (s.n >= 3 && s.n <= 4 && s.p[0] == '%' && s.p[1] == 'r' &&
	    s.p[2] >= '0' && s.p[2] <= '9') {
		unsigned r = (unsigned)(s.p[2] - '0');
		if (s.n == 4) {
			if (s.p[3] < '0' || s.p[3] > '9' || r == 0)
				goto bad;
			r = r * 10 + (unsigned)(s.p[3] - '0');
		}
		if (r <= BPF_REG_10) {
			*reg = (uint8_t)r;
			return 0;
		}
	}
bad:
	return casm_err(a, "invalid register '%.*s' (expected %%r0 ... %%r10)",
			(int)(s.n < 40 ? s.n : 40), s.p);
}

/* `[%rN]`, `[%rN+off]`, `[%rN-off]`, blanks allowed inside. */
static int parse_mem(struct casm *a, struct span s, struct opnd *o)
{
	struct span in = { s.p + 1, s.n - 1 };
	size_t i = 0;
	int err;

	if (s.n < 2 || s.p[s.n - 1] != ']')
		return casm_err(a, "memory operand '%.*s' lacks its closing ']'",
				(int)(s.n < 40 ? s.n : 40), s.p);
	in.n--;
	in = trim(in);
	while (i < in.n && in.p[i] != '+' && in.p[i] != '-')
		i++;
	if ((err = parse_reg(a, trim((struct span){ in.p, i }), &o->reg)))
		return err;
	o->kind = O_MEM;
	o->off = 0;
	if (i == in.n)
		return 0;

	struct opnd n;
	struct span rest = { in.p + i + 1, in.n - i - 1 };
	if ((err = parse_num(a, trim(rest), &n)))
		return err;
	if (n.neg)  /* `[%r1+-4]` */
		return casm_err(a, "invalid memory offset in '%.*s'", (int)s.n, s.p);
	int64_t off = in.p[i] == '-' ? -(int64_t)n.num : (int64_t)n.num;
	if (n.num > 32768 || off < INT16_MIN || off > INT16_MAX)
		return casm_err(a, "memory offset in '%.*s' does not fit in 16 bits",
				(int)(s.n < 40 ? s.n : 40), s.p);
	o->off = (int16_t)off;
	return 0;
}

static int parse_opnd(struct casm *a, struct span s, struct opnd *o)
{
	memset(o, 0, sizeof(*o));
	if (s.n == 0)
		return casm_err(a, "missing operand");
	if (s.p[0] == '%') {
		o->kind = O_REG;
		return parse_reg(a, s, &o->reg);
	}
	if (s.p[0] == '[')
		return parse_mem(a, s, o);
	if (is_ident_start(s.p[0])) {
		for (size_t i = 1; i < s.n; i++)
			if (!is_ident(s.p[i]))
				return casm_err(a, "invalid operand '%.*s'",
						(int)(s.n < 40 ? s.n : 40), s.p);
		o->kind = O_NAME;
		o->name = s;
		return 0;
	}
	return parse_num(a, s, o);
}

/* Splits the operand text at commas and parses each part. */
static int parse_opnds(struct casm *a, struct span s, struct opnd *o, int *n)
{
	*n = 0;
	s = trim(s);
	if (s.n == 0)
		return 0;
	for (;;) {
		const char *comma = memchr(s.p, ',', s.n);
		size_t len = comma ? (size_t)(comma - s.p) : s.n;
		int err;

		if (*n == CASM_MAX_OPNDS)
			return casm_err(a, "too many operands");
		if ((err = parse_opnd(a, trim((struct span){ s.p, len }), &o[*n])))
			return err;
		(*n)++;
		if (!comma)
			return 0;
		s = (struct span){ comma + 1, s.n - len - 1 };
	}
}

/* ---- choosing the operation ---- */

/* The operand kinds an operation takes: R register, N number, M memory,
 * T jump target (number or label), and how to write them. */
static const char *op_pattern(int op, const char **help)
{
	static const struct {
		const char *kinds, *help;
	} by_shape[] = {
		[SH_ALU_K]    = { "RN",  "%rD, imm" },
		[SH_ALU_X]    = { "RR",  "%rD, %rS" },
		[SH_NEG]      = { "R",   "%rD" },
		[SH_MOVSX]    = { "RR",  "%rD, %rS" },
		[SH_END]      = { "R",   "%rD" },
		[SH_JA]       = { "T",   "+off or label" },
		[SH_JA32]     = { "T",   "+off or label" },
		[SH_JMP_K]    = { "RNT", "%rD, imm, +off or label" },
		[SH_JMP_X]    = { "RRT", "%rD, %rS, +off or label" },
		[SH_CALL]     = { "N",   "imm" },
		[SH_CALLX]    = { "R",   "%rD" },
		[SH_EXIT]     = { "",    "no operands" },
		[SH_MAY_GOTO] = { "T",   "+off or label" },
		[SH_LDDW]     = { "RN",  "%rD, imm64" },
		[SH_LDABS]    = { "N",   "imm" },
		[SH_LDIND]    = { "RN",  "%rS, imm" },
		[SH_LDX]      = { "RM",  "%rD, [%rS+off]" },
		[SH_ST]       = { "MN",  "[%rD+off], imm" },
		[SH_STX]      = { "MR",  "[%rD+off], %rS" },
		[SH_ATOMIC]   = { "MR",  "[%rD+off], %rS" },
	};
	int shape = isa_table[op].shape;

	if (op == ISA_OP_CALL_LOCAL) {
		*help = "label or +off";
		return "T";
	}
	*help = by_shape[shape].help;
	return by_shape[shape].kinds;
}

static bool opnds_fit(const char *kinds, const struct opnd *o, int n)
{
	int i;

	for (i = 0; kinds[i]; i++) {
		if (i >= n)
			return false;
		if (kinds[i] == 'T') {
			if (o[i].kind != O_NUM && o[i].kind != O_NAME)
				return false;
		} else if (kinds[i] != o[i].kind) {
			return false;
		}
	}
	return i == n;
}

/* Finds the longest mnemonic (cname or alias) the line starts with.
 * Returns its length in the text (0: none) and the name in *cname. */
static size_t find_mnemonic(struct span s, const char **cname)
{
	size_t best = 0, best_len = 0;

	*cname = NULL;
	for (int op = 0; op < ISA_OP_COUNT; op++) {
		size_t len = strlen(isa_table[op].cname);
		size_t used = match_words(s, isa_table[op].cname);
		if (used && len > best_len) {
			best = used;
			best_len = len;
			*cname = isa_table[op].cname;
		}
	}
	for (size_t i = 0; i < sizeof(casm_aliases) / sizeof(casm_aliases[0]); i++) {
		size_t len = strlen(casm_aliases[i].alias);
		size_t used = match_words(s, casm_aliases[i].alias);
		if (used && len > best_len) {
			best = used;
			best_len = len;
			*cname = casm_aliases[i].alias;
		}
	}
	return best;
}

/* The operation called `name` (directly or through an alias) whose
 * operands fit, or -1. *help describes the form of the first candidate. */
static int pick_op(const char *name, const struct opnd *o, int n, const char **help)
{
	const char *names[1 + sizeof(casm_aliases) / sizeof(casm_aliases[0])];
	size_t nnames = 0;

	names[nnames++] = name;
	for (size_t i = 0; i < sizeof(casm_aliases) / sizeof(casm_aliases[0]); i++)
		if (strcmp(casm_aliases[i].alias, name) == 0)
			names[nnames++] = casm_aliases[i].target;
	*help = NULL;
	for (size_t k = 0; k < nnames; k++) {
		for (int op = 0; op < ISA_OP_COUNT; op++) {
			const char *h;
			if (strcmp(isa_table[op].cname, names[k]) != 0)
				continue;
			if (opnds_fit(op_pattern(op, &h), o, n))
				return op;
			if (!*help)
				*help = h;
		}
	}
	return -1;
}

/* ---- output ---- */

static struct bpf_insn *emit(struct casm *a)
{
	if (a->cnt == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct bpf_insn *p;
		if (cap > BPFX_MAX_INSNS + 2)
			cap = BPFX_MAX_INSNS + 2;
		if (a->cnt >= cap)
			return NULL;
		p = realloc(a->out, cap * sizeof(*p));
		if (!p)
			return NULL;
		a->out = p;
		a->cap = cap;
	}
	memset(&a->out[a->cnt], 0, sizeof(a->out[0]));
	return &a->out[a->cnt++];
}

/* Appends to a label table (library allocator: scratch). */
static int add_label(struct casm_label **tab, size_t *n, size_t *cap,
		     const struct casm_label *l)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct casm_label *p = mem_realloc(*tab, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*tab = p;
		*cap = ncap;
	}
	(*tab)[(*n)++] = *l;
	return 0;
}

static const struct casm_label *find_label(const struct casm *a, struct span name)
{
	for (size_t i = 0; i < a->nlabels; i++)
		if (span_eq(a->labels[i].name, name))
			return &a->labels[i];
	return NULL;
}

/* A 32-bit immediate field: -2^31 .. 2^32-1, the top half wrapping. */
static int imm32(struct casm *a, const struct opnd *o, int32_t *imm)
{
	int64_t v = (int64_t)o->num;

	if (o->neg ? v < INT32_MIN : o->num > UINT32_MAX)
		return casm_err(a, "immediate %s0x%llx does not fit in 32 bits",
				o->neg ? "-" : "", (unsigned long long)(o->neg ? 0 - o->num : o->num));
	*imm = (int32_t)(uint32_t)o->num;
	return 0;
}

/* A jump target operand: a number is the offset itself (range-checked
 * against the field), a label becomes a reference resolved at the end. */
static int target(struct casm *a, const struct opnd *o, size_t pc, bool in_imm)
{
	struct bpf_insn *in = &a->out[pc];
	int64_t v = (int64_t)o->num;

	if (o->kind == O_NAME) {
		struct casm_label ref = { o->name, pc, a->line, in_imm };
		return add_label(&a->refs, &a->nrefs, &a->cap_refs, &ref);
	}
	if (in_imm)
		return imm32(a, o, &in->imm);
	if ((o->neg && v < INT16_MIN) || (!o->neg && o->num > INT16_MAX))
		return casm_err(a, "jump offset %lld does not fit in 16 bits (use ja32)",
				(long long)v);
	in->off = (int16_t)v;
	return 0;
}

/* Fills the fields of the instruction at out[pc] from its operands. */
static int encode(struct casm *a, int op, const struct opnd *o, size_t pc)
{
	const struct isa_info *info = &isa_table[op];
	struct bpf_insn *in = &a->out[pc];

	in->code = info->code;
	if (info->match == M_OFF)
		in->off = (int16_t)info->val;
	else if (info->match == M_IMM)
		in->imm = info->val;
	else if (info->match == M_SRC)
		in->src_reg = (uint8_t)info->val;

	switch (info->shape) {
	case SH_ALU_K:
	case SH_JMP_K:
		in->dst_reg = o[0].reg;
		if (imm32(a, &o[1], &in->imm))
			return -EINVAL;
		return info->shape == SH_JMP_K ? target(a, &o[2], pc, false) : 0;
	case SH_ALU_X:
	case SH_MOVSX:
	case SH_JMP_X:
		in->dst_reg = o[0].reg;
		in->src_reg = o[1].reg;
		return info->shape == SH_JMP_X ? target(a, &o[2], pc, false) : 0;
	case SH_NEG:
	case SH_END:
	case SH_CALLX:
		in->dst_reg = o[0].reg;
		return 0;
	case SH_JA:
	case SH_MAY_GOTO:
		return target(a, &o[0], pc, false);
	case SH_JA32:
		return target(a, &o[0], pc, true);
	case SH_CALL:
		if (op == ISA_OP_CALL_LOCAL)
			return target(a, &o[0], pc, true);
		return imm32(a, &o[0], &in->imm);
	case SH_EXIT:
		return 0;
	case SH_LDDW:
		in->dst_reg = o[0].reg;
		in->imm = (int32_t)(uint32_t)o[1].num;
		a->out[pc + 1].imm = (int32_t)(uint32_t)(o[1].num >> 32);
		return 0;
	case SH_LDABS:
		return imm32(a, &o[0], &in->imm);
	case SH_LDIND:
		in->src_reg = o[0].reg;
		return imm32(a, &o[1], &in->imm);
	case SH_LDX:
		in->dst_reg = o[0].reg;
		in->src_reg = o[1].reg;
		in->off = o[1].off;
		return 0;
	case SH_ST:
		in->dst_reg = o[0].reg;
		in->off = o[0].off;
		return imm32(a, &o[1], &in->imm);
	case SH_STX:
	case SH_ATOMIC:
		in->dst_reg = o[0].reg;
		in->off = o[0].off;
		in->src_reg = o[1].reg;
		return 0;
	}
	return casm_err(a, "internal error: unhandled shape %d", info->shape);
}

/* ---- lines ---- */

/* A label definition at the start of s, if any; s is advanced past it. */
static int take_label(struct casm *a, struct span *s)
{
	size_t i = 0;

	if (!s->n || !is_ident_start(s->p[0]))
		return 0;
	while (i < s->n && is_ident(s->p[i]))
		i++;
	if (i == s->n || s->p[i] != ':')
		return 0;

	struct casm_label l = { { s->p, i }, a->cnt, a->line, false };
	const struct casm_label *prev = find_label(a, l.name);
	if (prev)
		return casm_err(a, "label '%.*s' already defined on line %d",
				(int)(i < 40 ? i : 40), s->p, prev->line);
	*s = trim((struct span){ s->p + i + 1, s->n - i - 1 });
	return add_label(&a->labels, &a->nlabels, &a->cap_labels, &l);
}

static int assemble_line(struct casm *a, struct span s)
{
	const char *hash = memchr(s.p, '#', s.n);
	struct opnd o[CASM_MAX_OPNDS];
	const char *name, *help;
	int n, op, err;

	if (hash)
		s.n = (size_t)(hash - s.p);
	s = trim(s);
	if ((err = take_label(a, &s)) || s.n == 0)
		return err;

	size_t used = find_mnemonic(s, &name);
	if (!used) {
		size_t w = 0;
		while (w < s.n && !is_space(s.p[w]) && w < 40)
			w++;
		return casm_err(a, "unknown instruction '%.*s'", (int)w, s.p);
	}
	if ((err = parse_opnds(a, (struct span){ s.p + used, s.n - used }, o, &n)))
		return err;
	op = pick_op(name, o, n, &help);
	if (op < 0)
		return casm_err(a, "invalid operands for '%s' (expected %s)", name,
				help ? help : "other operands");

	size_t pc = a->cnt;
	unsigned slots = isa_table[op].shape == SH_LDDW ? 2 : 1;
	for (unsigned k = 0; k < slots; k++)
		if (!emit(a))
			return a->cnt >= BPFX_MAX_INSNS ?
				casm_err(a, "more than %u instructions", BPFX_MAX_INSNS) : -ENOMEM;
	if (op == ISA_OP_EXIT && a->first_exit < 0)
		a->first_exit = (long)pc;
	return encode(a, op, o, pc);
}

/* Writes the offsets of the references to labels, once all are known. */
static int resolve(struct casm *a)
{
	for (size_t i = 0; i < a->nrefs; i++) {
		const struct casm_label *r = &a->refs[i];
		const struct casm_label *l = find_label(a, r->name);
		int64_t dest;

		a->line = r->line;
		if (l)
			dest = (int64_t)l->pc;
		else if (span_is(r->name, "exit") && a->first_exit >= 0)
			dest = a->first_exit;
		else
			return casm_err(a, "undefined label '%.*s'",
					(int)(r->name.n < 60 ? r->name.n : 60), r->name.p);

		int64_t rel = dest - (int64_t)r->pc - 1;
		struct bpf_insn *in = &a->out[r->pc];
		if (r->in_imm) {
			in->imm = (int32_t)rel;   /* |rel| < BPFX_MAX_INSNS */
		} else if (rel < INT16_MIN || rel > INT16_MAX) {
			return casm_err(a, "jump to '%.*s' is %lld slots away, more than a "
					"16-bit offset holds (use ja32)",
					(int)(r->name.n < 60 ? r->name.n : 60), r->name.p,
					(long long)rel);
		} else {
			in->off = (int16_t)rel;
		}
	}
	return 0;
}

int bpfx_asm_conformance(const char *text, struct bpf_insn **insns, size_t *cnt,
			 struct bpfx_isa_diag *diag)
{
	struct casm a = { .first_exit = -1, .diag = diag };
	int err = 0;

	if (diag) {
		diag->insn = -1;
		diag->msg[0] = '\0';
	}
	if (!text || !insns || !cnt)
		return -EINVAL;
	*insns = NULL;
	*cnt = 0;

	for (const char *p = text; *p && !err; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		a.line++;
		err = assemble_line(&a, (struct span){ p, len });
		p += len + (nl ? 1 : 0);
	}
	if (!err)
		err = resolve(&a);
	if (!err && a.cnt == 0) {
		a.line = a.line ? a.line : 1;
		err = casm_err(&a, "no instructions");
	}
	mem_free(a.labels);
	mem_free(a.refs);
	if (err) {
		if (err == -ENOMEM && diag) {
			diag->insn = a.line;
			snprintf(diag->msg, sizeof(diag->msg), "out of memory");
		}
		free(a.out);
		return err;
	}
	*insns = a.out;
	*cnt = a.cnt;
	return 0;
}
