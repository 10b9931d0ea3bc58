/* SPDX-License-Identifier: MIT */
/*
 * The syntax layer of the bpftool-syntax assembler (asm.c): the tokenizer
 * (one source line at a time, into a bounded array of tokens pointing
 * into the line) and the parsers of operands that do not depend on the
 * operation (registers, numbers, addresses, casts, branch targets), and
 * the label table (names to instruction indexes, patched at the end).
 * Operators are recognised by longest match against the operator symbols
 * of the opcode table ("s>>=", "<=", "(s8)", ...), so a new operator in
 * opcodes.h needs no change here. Pure functions over the caller's
 * buffers; safe from any thread.
 */
#ifndef BPFX_ISA_ASM_LEX_H
#define BPFX_ISA_ASM_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ASM_MAX_LINE 1023   /* characters in one source line */
#define ASM_MAX_TOKS 48     /* tokens in one source line */

enum asm_tok_kind {
	TK_END = 0,   /* end of the line (always follows the last token) */
	TK_IDENT,     /* [A-Za-z_.][A-Za-z0-9_.]*: keywords, registers, labels */
	TK_NUM,       /* decimal or 0x-hex, no sign; value in num */
	TK_PUNCT,     /* operator or punctuation */
};

struct asm_tok {
	enum asm_tok_kind kind;
	const char *s;     /* into the line; not NUL-terminated */
	size_t len;
	uint64_t num;      /* TK_NUM */
	bool hex;          /* TK_NUM written as 0x... */
};

/* Cuts what is not an instruction from the line [*s, *s + *len): the
 * comment (";", "//", or "#" at the start or after a blank), surrounding
 * blanks, the "N:" index and "(op)" prefixes of a listing. Returns false
 * when nothing is left to parse: blank and comment lines, a line of raw
 * opcode bytes ("b7 00 00 ..."), bpftool's "int f(...):" headings. */
bool asm_lex_strip(const char **s, size_t *len);

/* Splits [s, s + len) into tokens; toks must hold ASM_MAX_TOKS + 1
 * entries (the last one TK_END). Returns the number of tokens, or -1
 * with a reason in err. */
int asm_lex_line(const char *s, size_t len, struct asm_tok *toks, char *err, size_t err_sz);

/* ---- parsing primitives over one line's tokens ---- */

struct bpfx_isa_diag;
struct asm_state;

struct asm_parser {
	const struct asm_tok *t;     /* the line's tokens; the last is TK_END */
	int i;                       /* the current token */
	int line;                    /* 1-based source line, for messages */
	struct bpfx_isa_diag *diag;  /* where errors go (may be NULL) */
	struct asm_state *st;        /* the assembler's state, opaque here */
};

/* A number with its optional sign: the value is neg ? -mag : mag. */
struct asm_num {
	bool neg;
	bool hex;
	uint64_t mag;
};

/* Records "line N: <message>" in diag; returns -EINVAL. */
int asm_err(struct bpfx_isa_diag *diag, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define asm_perr(p, ...) asm_err((p)->diag, (p)->line, __VA_ARGS__)

static inline const struct asm_tok *asm_cur(const struct asm_parser *p)
{
	return &p->t[p->i];
}

bool asm_tok_is(const struct asm_tok *t, enum asm_tok_kind kind, const char *s);
/* Steps over the current token if it is (kind, s). */
bool asm_accept(struct asm_parser *p, enum asm_tok_kind kind, const char *s);
/* Steps over the word or punctuation s, or fails with a message. */
int asm_expect(struct asm_parser *p, const char *s);
/* "'tok'" or "end of line", into b. */
const char *asm_quote(const struct asm_tok *t, char *b, size_t n);

/* "r7"/"w7"-shaped word (*num 999 when absurdly long). */
bool asm_reg_like(const struct asm_tok *t, unsigned *num, bool *w);
/* A register r0..r10 / w0..w10, or a message ("unknown register r11"). */
int asm_parse_reg(struct asm_parser *p, unsigned *reg, bool *w);
/* An optionally signed number. */
int asm_parse_num(struct asm_parser *p, struct asm_num *n);

/* Range checks with messages: a 32-bit immediate (also 2^31..2^32-1 when
 * `wrap`, the field being read as 32 bits), 16- and 32-bit offsets. */
int asm_num_s32(struct asm_parser *p, const struct asm_num *n, bool wrap, int32_t *out);
int asm_num_s64(const struct asm_num *n, int64_t *out);   /* -ERANGE, no message */
int asm_rel_s16(struct asm_parser *p, int64_t v, int16_t *out);
int asm_rel_s32(struct asm_parser *p, int64_t v, int32_t *out);

/* ---- operands ---- */

/* A word that can name a label (any word but a register). */
bool asm_label_like(const struct asm_tok *t);
/* A branch target "pc+3", "+3", "-2" (returns 0, offset in *rel) or a
 * label (returns 1, its token in *label). */
int asm_parse_target(struct asm_parser *p, int64_t *rel, const struct asm_tok **label);
/* "*(u32 *)" (deref) or "(u32 *)"; *size is the size word. */
int asm_parse_cast(struct asm_parser *p, bool deref, const struct asm_tok **size);
/* An optional signed term " + 4", " -8", " + -4": 1 and *n, or 0 when
 * no sign follows. */
int asm_parse_tail(struct asm_parser *p, struct asm_num *n);
/* "(r1 +4)", "(r1 - 0x8)", "(r1)". */
int asm_parse_addr(struct asm_parser *p, unsigned *reg, int16_t *off);
/* Bits of a "u8".."u64" size word, or 0. */
int asm_size_bits(const struct asm_tok *t);
/* A 32-bit field printed unsigned ("map[fd:%u]"), negatives wrapping. */
int asm_parse_u32(struct asm_parser *p, uint32_t *out);

/* ---- labels ---- */

#define ASM_MAX_LABEL 63

struct asm_label_def {
	char name[ASM_MAX_LABEL + 1];
	size_t at;          /* instruction index the label names */
	int line;
};

struct asm_label_use {
	char name[ASM_MAX_LABEL + 1];
	size_t at;          /* instruction to patch */
	int line;
	int kind;           /* the assembler's: which field, what it means */
};

/* Definitions and uses of one assembly; zero-initialise, then
 * asm_labels_free(). Growth goes through util/alloc.h (-ENOMEM). */
struct asm_labels {
	struct asm_label_def *def;
	size_t ndef, capdef;
	struct asm_label_use *use;
	size_t nuse, capuse;
};

int asm_label_define(struct asm_parser *p, struct asm_labels *l, const struct asm_tok *name,
		     size_t at);
int asm_label_use(struct asm_parser *p, struct asm_labels *l, int kind,
		  const struct asm_tok *name, size_t at);

/* Called once per use with its definition (NULL when undefined); patches
 * the instruction and returns 0, or returns -1 with a reason in msg. */
typedef int (*asm_patch_fn)(void *ctx, const struct asm_label_use *u,
			    const struct asm_label_def *d, char *msg, size_t msg_sz);

/* After the last line: reports a label defined twice, then patches every
 * use; of all the errors, the one of the lowest line goes to diag
 * (-EINVAL). */
int asm_labels_resolve(struct asm_labels *l, asm_patch_fn patch, void *ctx,
		       struct bpfx_isa_diag *diag);
void asm_labels_free(struct asm_labels *l);

/* Grows *arr (of *cap elements of elem bytes) to hold need; -ENOMEM. */
int asm_grow(void **arr, size_t *cap, size_t need, size_t elem);

#endif /* BPFX_ISA_ASM_LEX_H */
