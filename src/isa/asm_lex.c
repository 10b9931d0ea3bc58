/* SPDX-License-Identifier: MIT */
/*
 * Tokens and operands of the bpftool-syntax assembler; see asm_lex.h.
 * Every function works on one line's tokens, bounded by TK_END, and
 * reports errors through asm_err() with the line number.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/asm_lex.h"
#include "isa/isa.h"
#include "util/alloc.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || is_digit(c);
}

/* Where the comment of the line starts (or its end). */
static size_t comment_at(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ';')
			return i;
		if (s[i] == '/' && i + 1 < len && s[i + 1] == '/')
			return i;
		if (s[i] == '#' && (i == 0 || is_blank(s[i - 1])))
			return i;
	}
	return len;
}

/* True for a line of 8 or 16 two-digit hex groups: bpftool's `opcodes`
 * line under an instruction (16 for lddw). */
static bool only_hex_bytes(const char *s, size_t len)
{
	size_t i = 0, groups = 0;

	while (i < len) {
		if (i + 2 > len || !is_xdigit(s[i]) || !is_xdigit(s[i + 1]))
			return false;
		i += 2;
		groups++;
		if (i < len && !is_blank(s[i]))
			return false;
		while (i < len && is_blank(s[i]))
			i++;
	}
	return groups == 8 || groups == 16;
}

bool asm_lex_strip(const char **sp, size_t *lenp)
{
	const char *s = *sp;
	size_t len = comment_at(s, *lenp), i;

	while (len && is_blank(s[len - 1]))
		len--;
	while (len && is_blank(*s))
		s++, len--;
	/* "  12: " index prefix (labels never start with a digit) */
	for (i = 0; i < len && is_digit(s[i]); i++)
		;
	if (i > 0) {
		size_t j = i;
		while (j < len && is_blank(s[j]))
			j++;
		if (j < len && s[j] == ':') {
			s += j + 1, len -= j + 1;
			while (len && is_blank(*s))
				s++, len--;
		}
	}
	/* "(b7) " opcode prefix */
	if (len >= 4 && s[0] == '(' && is_xdigit(s[1]) && is_xdigit(s[2]) && s[3] == ')') {
		s += 4, len -= 4;
		while (len && is_blank(*s))
			s++, len--;
	}
	*sp = s;
	*lenp = len;
	if (!len || only_hex_bytes(s, len))
		return false;
	/* bpftool's BTF heading "int prog(struct __sk_buff * skb):" */
	if (s[len - 1] == ':' && memchr(s, '(', len))
		return false;
	return true;
}

/* The operator spellings: the table's symbols that are not words, plus
 * the punctuation of the syntax itself. Built once. */
#define MAX_PUNCTS 96
static const char *puncts[MAX_PUNCTS];
static size_t punct_cnt;
static pthread_once_t puncts_once = PTHREAD_ONCE_INIT;

static void add_punct(const char *p)
{
	for (size_t i = 0; i < punct_cnt; i++)
		if (!strcmp(puncts[i], p))
			return;
	if (punct_cnt < MAX_PUNCTS)
		puncts[punct_cnt++] = p;
}

static void build_puncts(void)
{
	static const char *const syntax[] = {
		"*", "(", ")", "[", "]", ",", "+", "-", ":", "#", "=",
	};

	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++)
		add_punct(syntax[i]);
	for (int op = 0; op < ISA_OP_COUNT; op++) {
		const char *sym = isa_table[op].sym;
		/* "s>=" is an operator, "skb" and "s8" are words */
		bool word = is_ident_start(sym[0]) &&
			    !(sym[0] == 's' && sym[1] && !is_ident(sym[1]));
		if (!word)
			add_punct(sym);
	}
}

static size_t punct_len(const char *s, size_t len)
{
	size_t best = 0;

	pthread_once(&puncts_once, build_puncts);
	for (size_t i = 0; i < punct_cnt; i++) {
		size_t l = strlen(puncts[i]);
		if (l > best && l <= len && !memcmp(s, puncts[i], l))
			best = l;
	}
	return best;
}

/* Scans a number at s; returns its length or 0 with err set. */
static size_t lex_num(const char *s, size_t len, struct asm_tok *t, char *err, size_t err_sz)
{
	bool hex = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && is_xdigit(s[2]);
	size_t i = hex ? 2 : 0;
	uint64_t v = 0;

	for (; i < len && (hex ? is_xdigit(s[i]) : is_digit(s[i])); i++) {
		unsigned d = is_digit(s[i]) ? (unsigned)(s[i] - '0')
					    : (unsigned)((s[i] | 0x20) - 'a' + 10);
		uint64_t base = hex ? 16 : 10;
		if (v > (UINT64_MAX - d) / base) {
			snprintf(err, err_sz, "number '%.*s' is too large",
				 (int)(len < 40 ? len : 40), s);
			return 0;
		}
		v = v * base + d;
	}
	if (i < len && is_ident(s[i])) {
		size_t e = i;
		while (e < len && is_ident(s[e]))
			e++;
		snprintf(err, err_sz, "bad number '%.*s'", (int)(e < 40 ? e : 40), s);
		return 0;
	}
	t->kind = TK_NUM;
	t->num = v;
	t->hex = hex;
	return i;
}

int asm_lex_line(const char *s, size_t len, struct asm_tok *toks, char *err, size_t err_sz)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		struct asm_tok *t = &toks[n];
		size_t l = 0;

		if (is_blank(s[i])) {
			i++;
			continue;
		}
		if (n == ASM_MAX_TOKS) {
			snprintf(err, err_sz, "too many tokens (the limit is %d)", ASM_MAX_TOKS);
			return -1;
		}
		*t = (struct asm_tok){ .kind = TK_PUNCT, .s = s + i };
		if (is_digit(s[i])) {
			l = lex_num(s + i, len - i, t, err, err_sz);
			if (!l)
				return -1;
		} else if (is_ident_start(s[i]) &&
			   !(s[i] == 's' && (l = punct_len(s + i, len - i)))) {
			/* a word, unless an operator such as "s>=" starts here */
			for (l = 1; i + l < len && is_ident(s[i + l]); l++)
				;
			t->kind = TK_IDENT;
		} else if (!l && !(l = punct_len(s + i, len - i))) {
			unsigned char c = (unsigned char)s[i];
			if (c >= 0x20 && c < 0x7f)
				snprintf(err, err_sz, "unexpected character '%c'", c);
			else
				snprintf(err, err_sz, "unexpected byte 0x%02x", c);
			return -1;
		}
		t->len = l;
		i += l;
		n++;
	}
	toks[n] = (struct asm_tok){ .kind = TK_END, .s = s + len };
	return n;
}

/* ---- parsing primitives ---- */

int asm_err(struct bpfx_isa_diag *diag, int line, const char *fmt, ...)
{
	va_list ap;

	/* The line goes in diag->insn only; callers print "file:line: msg". */
	if (diag) {
		diag->insn = line;
		va_start(ap, fmt);
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

bool asm_tok_is(const struct asm_tok *t, enum asm_tok_kind kind, const char *s)
{
	return t->kind == kind && strlen(s) == t->len && !memcmp(t->s, s, t->len);
}

bool asm_accept(struct asm_parser *p, enum asm_tok_kind kind, const char *s)
{
	if (!asm_tok_is(asm_cur(p), kind, s))
		return false;
	p->i++;
	return true;
}

/* Quotes a token for a message: 'xyz' or "end of line". */
const char *asm_quote(const struct asm_tok *t, char *b, size_t n)
{
	if (t->kind == TK_END)
		snprintf(b, n, "end of line");
	else
		snprintf(b, n, "'%.*s'", (int)(t->len < 40 ? t->len : 40), t->s);
	return b;
}

int asm_expect(struct asm_parser *p, const char *s)
{
	char q[48];

	if (asm_accept(p, TK_PUNCT, s) || asm_accept(p, TK_IDENT, s))
		return 0;
	return asm_perr(p, "expected '%s' but found %s", s, asm_quote(asm_cur(p), q, sizeof(q)));
}

/* "r7" or "w7" (digits only); *num is the register number (999 when too
 * long to be one). */
bool asm_reg_like(const struct asm_tok *t, unsigned *num, bool *w)
{
	unsigned v = 0;

	if (t->kind != TK_IDENT || t->len < 2 || (t->s[0] != 'r' && t->s[0] != 'w'))
		return false;
	for (size_t i = 1; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return false;
		v = i > 4 ? 999 : v * 10 + (unsigned)(t->s[i] - '0');
	}
	*num = v;
	*w = t->s[0] == 'w';
	return true;
}

int asm_parse_reg(struct asm_parser *p, unsigned *reg, bool *w)
{
	char q[48];

	if (!asm_reg_like(asm_cur(p), reg, w))
		return asm_perr(p, "expected a register but found %s",
				asm_quote(asm_cur(p), q, sizeof(q)));
	if (*reg > BPF_REG_10)
		return asm_perr(p, "unknown register %.*s", (int)asm_cur(p)->len, asm_cur(p)->s);
	p->i++;
	return 0;
}

int asm_parse_num(struct asm_parser *p, struct asm_num *n)
{
	char q[48];

	n->neg = false;
	if (asm_accept(p, TK_PUNCT, "-"))
		n->neg = true;
	else
		asm_accept(p, TK_PUNCT, "+");
	if (asm_cur(p)->kind != TK_NUM)
		return asm_perr(p, "expected a number but found %s",
				asm_quote(asm_cur(p), q, sizeof(q)));
	n->mag = asm_cur(p)->num;
	n->hex = asm_cur(p)->hex;
	p->i++;
	return 0;
}

/* Range checks: [-2^31, 2^31) for a signed field, up to 2^32 - 1 as well
 * when `wrap` (the field is read as 32 bits). */
int asm_num_s32(struct asm_parser *p, const struct asm_num *n, bool wrap, int32_t *out)
{
	if (n->neg ? n->mag <= 0x80000000ull : n->mag <= (wrap ? 0xffffffffull : 0x7fffffffull)) {
		uint32_t u = n->neg ? (uint32_t)-(uint32_t)n->mag : (uint32_t)n->mag;
		*out = (int32_t)u;
		return 0;
	}
	return asm_perr(p, "immediate %s%llu does not fit in 32 bits", n->neg ? "-" : "",
		    (unsigned long long)n->mag);
}

int asm_num_s64(const struct asm_num *n, int64_t *out)
{
	if (n->neg && n->mag > 0x8000000000000000ull)
		return -ERANGE;
	*out = (int64_t)(n->neg ? -n->mag : n->mag);
	return 0;
}

int asm_rel_s16(struct asm_parser *p, int64_t v, int16_t *out)
{
	if (v < INT16_MIN || v > INT16_MAX)
		return asm_perr(p, "offset %lld does not fit in 16 bits", (long long)v);
	*out = (int16_t)v;
	return 0;
}

int asm_rel_s32(struct asm_parser *p, int64_t v, int32_t *out)
{
	if (v < INT32_MIN || v > INT32_MAX)
		return asm_perr(p, "offset %lld does not fit in 32 bits", (long long)v);
	*out = (int32_t)v;
	return 0;
}


/* ---- operands ---- */

bool asm_label_like(const struct asm_tok *t)
{
	unsigned r;
	bool w;

	return t->kind == TK_IDENT && !asm_reg_like(t, &r, &w);
}

/* A branch target: "pc+3", "+3", "-2" or a label. Returns 1 and leaves
 * the label token at *label, or 0 and the offset in *rel. */
static bool is_sign(const struct asm_tok *t)
{
	return asm_tok_is(t, TK_PUNCT, "+") || asm_tok_is(t, TK_PUNCT, "-");
}

int asm_parse_target(struct asm_parser *p, int64_t *rel, const struct asm_tok **label)
{
	const struct asm_tok *t = asm_cur(p);
	struct asm_num n;
	char q[48];
	int err;

	if (asm_tok_is(t, TK_IDENT, "pc") && is_sign(t + 1)) {
		p->i++;
	} else if (asm_label_like(t)) {
		*label = t;
		p->i++;
		return 1;
	} else if (!is_sign(t)) {
		return asm_perr(p, "expected a jump target but found %s",
				asm_quote(t, q, sizeof(q)));
	}
	if ((err = asm_parse_num(p, &n)))
		return err;
	if (asm_num_s64(&n, rel))
		return asm_perr(p, "jump offset out of range");
	return 0;
}

/* "*(u32 *)" (deref) or "(u32 *)": returns the size word. */
int asm_parse_cast(struct asm_parser *p, bool deref, const struct asm_tok **size)
{
	int err;

	if (deref && (err = asm_expect(p, "*")))
		return err;
	if ((err = asm_expect(p, "(")))
		return err;
	if (asm_cur(p)->kind != TK_IDENT) {
		char q[48];
		return asm_perr(p, "expected a size such as u32 but found %s",
				asm_quote(asm_cur(p), q, sizeof(q)));
	}
	*size = asm_cur(p);
	p->i++;
	if ((err = asm_expect(p, "*")) || (err = asm_expect(p, ")")))
		return err;
	return 0;
}

/* " + 4", " -8", " - 0x8", " + -4": returns 1 and the signed number, or 0
 * when no sign follows. */
int asm_parse_tail(struct asm_parser *p, struct asm_num *n)
{
	bool neg = asm_tok_is(asm_cur(p), TK_PUNCT, "-");
	int err;

	if (!neg && !asm_tok_is(asm_cur(p), TK_PUNCT, "+"))
		return 0;
	p->i++;
	if ((err = asm_parse_num(p, n)))
		return err;
	n->neg ^= neg;
	return 1;
}

/* "(r1 +4)", "(r1 - 0x8)", "(r1)". */
int asm_parse_addr(struct asm_parser *p, unsigned *reg, int16_t *off)
{
	struct asm_num n;
	int64_t v;
	bool w;
	int err;

	if ((err = asm_expect(p, "(")) || (err = asm_parse_reg(p, reg, &w)))
		return err;
	if (w)
		return asm_perr(p, "an address needs a 64-bit register, not w%u", *reg);
	*off = 0;
	if ((err = asm_parse_tail(p, &n)) <= 0)
		return err < 0 ? err : asm_expect(p, ")");
	if (asm_num_s64(&n, &v))
		return asm_perr(p, "offset out of range");
	if ((err = asm_rel_s16(p, v, off)))
		return err;
	return asm_expect(p, ")");
}

/* Bits of a "u8".."u64" size word, or 0. */
int asm_size_bits(const struct asm_tok *t)
{
	static const char *const names[] = { "u8", "u16", "u32", "u64" };

	for (int i = 0; i < 4; i++)
		if (asm_tok_is(t, TK_IDENT, names[i]))
			return 8 << i;
	return 0;
}

/* A 32-bit field printed unsigned ("map[fd:%u]"). */
int asm_parse_u32(struct asm_parser *p, uint32_t *out)
{
	struct asm_num n;
	int32_t v;
	int err;

	if ((err = asm_parse_num(p, &n)) || (err = asm_num_s32(p, &n, true, &v)))
		return err;
	*out = (uint32_t)v;
	return 0;
}

/* ---- labels ---- */

int asm_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	n = mem_realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

static int copy_name(struct asm_parser *p, char *dst, const struct asm_tok *t)
{
	if (t->len > ASM_MAX_LABEL)
		return asm_perr(p, "label name longer than %d characters", ASM_MAX_LABEL);
	memcpy(dst, t->s, t->len);
	dst[t->len] = '\0';
	return 0;
}

int asm_label_define(struct asm_parser *p, struct asm_labels *l, const struct asm_tok *name,
		     size_t at)
{
	struct asm_label_def *d;
	int err;

	if (asm_grow((void **)&l->def, &l->capdef, l->ndef + 1, sizeof(*d)))
		return -ENOMEM;
	d = &l->def[l->ndef];
	if ((err = copy_name(p, d->name, name)))
		return err;
	d->at = at;
	d->line = p->line;
	l->ndef++;
	return 0;
}

int asm_label_use(struct asm_parser *p, struct asm_labels *l, int kind,
		  const struct asm_tok *name, size_t at)
{
	struct asm_label_use *u;
	int err;

	if (asm_grow((void **)&l->use, &l->capuse, l->nuse + 1, sizeof(*u)))
		return -ENOMEM;
	u = &l->use[l->nuse];
	if ((err = copy_name(p, u->name, name)))
		return err;
	u->at = at;
	u->line = p->line;
	u->kind = kind;
	l->nuse++;
	return 0;
}

/* Sorted by name, then line: duplicates end up next to each other, the
 * first definition first. */
static int def_cmp(const void *a, const void *b)
{
	const struct asm_label_def *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int def_name_cmp(const void *key, const void *b)
{
	return strcmp(key, ((const struct asm_label_def *)b)->name);
}

int asm_labels_resolve(struct asm_labels *l, asm_patch_fn patch, void *ctx,
		       struct bpfx_isa_diag *diag)
{
	char msg[120], first[120] = "";
	int first_line = 0;

	if (l->ndef)
		qsort(l->def, l->ndef, sizeof(*l->def), def_cmp);
	for (size_t i = 1; i < l->ndef; i++) {
		const struct asm_label_def *d = &l->def[i];
		if (strcmp(d->name, d[-1].name) || (first_line && first_line <= d->line))
			continue;
		first_line = d->line;
		snprintf(first, sizeof(first), "label '%s' already defined at line %d", d->name,
			 d[-1].line);
	}
	/* uses are in source order: the first failing one has the lowest line */
	for (size_t i = 0; i < l->nuse; i++) {
		const struct asm_label_use *u = &l->use[i];
		const struct asm_label_def *d = l->ndef ?
			bsearch(u->name, l->def, l->ndef, sizeof(*d), def_name_cmp) : NULL;
		if (patch(ctx, u, d, msg, sizeof(msg)) == 0)
			continue;
		if (!first_line || u->line < first_line) {
			first_line = u->line;
			memcpy(first, msg, sizeof(first));
		}
		break;
	}
	return first_line ? asm_err(diag, first_line, "%s", first) : 0;
}

void asm_labels_free(struct asm_labels *l)
{
	mem_free(l->def);
	mem_free(l->use);
	*l = (struct asm_labels){ 0 };
}
