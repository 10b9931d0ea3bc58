/* SPDX-License-Identifier: MIT */
/*
 * The eBPF instruction set as one table (RFC 9669 plus what the Linux
 * kernel accepts today).
 *
 * Each entry is X(NAME, CODE, MATCH, VAL, SHAPE, SYM, CNAME):
 *   NAME   internal operation name; becomes ISA_OP_NAME and the
 *          interpreter's dispatch label;
 *   CODE   the opcode byte;
 *   MATCH  which other field tells operations with the same byte apart,
 *          and VAL the value it must have:
 *            M_OFF  insn->off == VAL   (sdiv/smod use off 1, movsx 8/16/32)
 *            M_IMM  insn->imm == VAL   (byte swaps, atomic operations)
 *            M_SRC  insn->src_reg == VAL (helper, local and kfunc calls)
 *            M_ANY  nothing else to match;
 *   SHAPE  the operand layout (enum isa_shape), which decides which fields
 *          are reserved, how the instruction prints and how it parses;
 *   SYM    the operator in the bpftool syntax ("+=", "s>", "be16", ...);
 *   CNAME  the mnemonic of the conformance dialect ("add32", "jsgt", ...).
 *
 * Adding an instruction means adding a line here, then a handler with the
 * same name in the interpreter (the build fails until it exists).
 */
#ifndef BPFX_ISA_OPCODES_H
#define BPFX_ISA_OPCODES_H

/* ALU operations come in four forms: 64/32-bit, immediate/register. */
#define ISA_ALU4(X, N, OP, MATCH, VAL, SYM, CN)                                  \
	X(N##64_K, 0x07 | (OP), MATCH, VAL, SH_ALU_K, SYM, CN)                      \
	X(N##64_X, 0x0f | (OP), MATCH, VAL, SH_ALU_X, SYM, CN)                      \
	X(N##32_K, 0x04 | (OP), MATCH, VAL, SH_ALU_K, SYM, CN "32")                 \
	X(N##32_X, 0x0c | (OP), MATCH, VAL, SH_ALU_X, SYM, CN "32")

/* Conditional jumps: JMP/JMP32, immediate/register. */
#define ISA_JMP4(X, N, OP, SYM, CN)                                              \
	X(N##_K, 0x05 | (OP), M_ANY, 0, SH_JMP_K, SYM, CN)                          \
	X(N##_X, 0x0d | (OP), M_ANY, 0, SH_JMP_X, SYM, CN)                          \
	X(N##32_K, 0x06 | (OP), M_ANY, 0, SH_JMP_K, SYM, CN "32")                   \
	X(N##32_X, 0x0e | (OP), M_ANY, 0, SH_JMP_X, SYM, CN "32")

/* Atomic read-modify-write on 32- and 64-bit words (BPF_STX | BPF_ATOMIC). */
#define ISA_ATOMIC2(X, N, IMM, SYM, CN)                                          \
	X(N##64, 0xdb, M_IMM, IMM, SH_ATOMIC, SYM, CN)                              \
	X(N##32, 0xc3, M_IMM, IMM, SH_ATOMIC, SYM, CN "32")

#define ISA_OPCODES(X)                                                            \
	/* ---- ALU and ALU64 ---- */                                             \
	ISA_ALU4(X, ADD,  0x00, M_OFF, 0, "+=",   "add")                          \
	ISA_ALU4(X, SUB,  0x10, M_OFF, 0, "-=",   "sub")                          \
	ISA_ALU4(X, MUL,  0x20, M_OFF, 0, "*=",   "mul")                          \
	ISA_ALU4(X, DIV,  0x30, M_OFF, 0, "/=",   "div")                          \
	ISA_ALU4(X, SDIV, 0x30, M_OFF, 1, "s/=",  "sdiv")                         \
	ISA_ALU4(X, OR,   0x40, M_OFF, 0, "|=",   "or")                           \
	ISA_ALU4(X, AND,  0x50, M_OFF, 0, "&=",   "and")                          \
	ISA_ALU4(X, LSH,  0x60, M_OFF, 0, "<<=",  "lsh")                          \
	ISA_ALU4(X, RSH,  0x70, M_OFF, 0, ">>=",  "rsh")                          \
	ISA_ALU4(X, MOD,  0x90, M_OFF, 0, "%=",   "mod")                          \
	ISA_ALU4(X, SMOD, 0x90, M_OFF, 1, "s%=",  "smod")                         \
	ISA_ALU4(X, XOR,  0xa0, M_OFF, 0, "^=",   "xor")                          \
	ISA_ALU4(X, MOV,  0xb0, M_OFF, 0, "=",    "mov")                          \
	ISA_ALU4(X, ARSH, 0xc0, M_OFF, 0, "s>>=", "arsh")                         \
	X(NEG64,      0x87, M_OFF, 0,  SH_NEG,   "-",       "neg")                 \
	X(NEG32,      0x84, M_OFF, 0,  SH_NEG,   "-",       "neg32")               \
	X(MOVSX8_64,  0xbf, M_OFF, 8,  SH_MOVSX, "(s8)",    "movsx864")            \
	X(MOVSX16_64, 0xbf, M_OFF, 16, SH_MOVSX, "(s16)",   "movsx1664")           \
	X(MOVSX32_64, 0xbf, M_OFF, 32, SH_MOVSX, "(s32)",   "movsx3264")           \
	X(MOVSX8_32,  0xbc, M_OFF, 8,  SH_MOVSX, "(s8)",    "movsx832")            \
	X(MOVSX16_32, 0xbc, M_OFF, 16, SH_MOVSX, "(s16)",   "movsx1632")           \
	X(LE16,       0xd4, M_IMM, 16, SH_END,   "le16",    "le16")                \
	X(LE32,       0xd4, M_IMM, 32, SH_END,   "le32",    "le32")                \
	X(LE64,       0xd4, M_IMM, 64, SH_END,   "le64",    "le64")                \
	X(BE16,       0xdc, M_IMM, 16, SH_END,   "be16",    "be16")                \
	X(BE32,       0xdc, M_IMM, 32, SH_END,   "be32",    "be32")                \
	X(BE64,       0xdc, M_IMM, 64, SH_END,   "be64",    "be64")                \
	X(BSWAP16,    0xd7, M_IMM, 16, SH_END,   "bswap16", "bswap16")             \
	X(BSWAP32,    0xd7, M_IMM, 32, SH_END,   "bswap32", "bswap32")             \
	X(BSWAP64,    0xd7, M_IMM, 64, SH_END,   "bswap64", "bswap64")             \
	/* ---- JMP and JMP32 ---- */                                             \
	X(JA,         0x05, M_ANY, 0,  SH_JA,    "goto",    "ja")                  \
	X(JA32,       0x06, M_ANY, 0,  SH_JA32,  "gotol",   "ja32")                \
	ISA_JMP4(X, JEQ,  0x10, "==",  "jeq")                                     \
	ISA_JMP4(X, JGT,  0x20, ">",   "jgt")                                     \
	ISA_JMP4(X, JGE,  0x30, ">=",  "jge")                                     \
	ISA_JMP4(X, JSET, 0x40, "&",   "jset")                                    \
	ISA_JMP4(X, JNE,  0x50, "!=",  "jne")                                     \
	ISA_JMP4(X, JSGT, 0x60, "s>",  "jsgt")                                    \
	ISA_JMP4(X, JSGE, 0x70, "s>=", "jsge")                                    \
	ISA_JMP4(X, JLT,  0xa0, "<",   "jlt")                                     \
	ISA_JMP4(X, JLE,  0xb0, "<=",  "jle")                                     \
	ISA_JMP4(X, JSLT, 0xc0, "s<",  "jslt")                                    \
	ISA_JMP4(X, JSLE, 0xd0, "s<=", "jsle")                                    \
	X(CALL_HELPER, 0x85, M_SRC, 0, SH_CALL,  "call",    "call")                \
	X(CALL_LOCAL,  0x85, M_SRC, 1, SH_CALL,  "call",    "call local")          \
	X(CALL_KFUNC,  0x85, M_SRC, 2, SH_CALL,  "call",    "call kfunc")          \
	X(CALLX,       0x8d, M_ANY, 0, SH_CALLX, "callx",   "callx")               \
	X(EXIT,        0x95, M_ANY, 0, SH_EXIT,  "exit",    "exit")                \
	X(MAY_GOTO,    0xe5, M_ANY, 0, SH_MAY_GOTO, "may_goto", "may_goto")        \
	/* ---- loads and stores ---- */                                          \
	X(LDDW,       0x18, M_ANY, 0,  SH_LDDW,  "u64",     "lddw")                \
	X(LDABS_W,    0x20, M_ANY, 0,  SH_LDABS, "u32",     "ldabsw")              \
	X(LDABS_H,    0x28, M_ANY, 0,  SH_LDABS, "u16",     "ldabsh")              \
	X(LDABS_B,    0x30, M_ANY, 0,  SH_LDABS, "u8",      "ldabsb")              \
	X(LDIND_W,    0x40, M_ANY, 0,  SH_LDIND, "u32",     "ldindw")              \
	X(LDIND_H,    0x48, M_ANY, 0,  SH_LDIND, "u16",     "ldindh")              \
	X(LDIND_B,    0x50, M_ANY, 0,  SH_LDIND, "u8",      "ldindb")              \
	X(LDXW,       0x61, M_ANY, 0,  SH_LDX,   "u32",     "ldxw")                \
	X(LDXH,       0x69, M_ANY, 0,  SH_LDX,   "u16",     "ldxh")                \
	X(LDXB,       0x71, M_ANY, 0,  SH_LDX,   "u8",      "ldxb")                \
	X(LDXDW,      0x79, M_ANY, 0,  SH_LDX,   "u64",     "ldxdw")               \
	X(LDXSW,      0x81, M_ANY, 0,  SH_LDX,   "s32",     "ldxsw")               \
	X(LDXSH,      0x89, M_ANY, 0,  SH_LDX,   "s16",     "ldxsh")               \
	X(LDXSB,      0x91, M_ANY, 0,  SH_LDX,   "s8",      "ldxsb")               \
	X(STW,        0x62, M_ANY, 0,  SH_ST,    "u32",     "stw")                 \
	X(STH,        0x6a, M_ANY, 0,  SH_ST,    "u16",     "sth")                 \
	X(STB,        0x72, M_ANY, 0,  SH_ST,    "u8",      "stb")                 \
	X(STDW,       0x7a, M_ANY, 0,  SH_ST,    "u64",     "stdw")                \
	X(STXW,       0x63, M_ANY, 0,  SH_STX,   "u32",     "stxw")                \
	X(STXH,       0x6b, M_ANY, 0,  SH_STX,   "u16",     "stxh")                \
	X(STXB,       0x73, M_ANY, 0,  SH_STX,   "u8",      "stxb")                \
	X(STXDW,      0x7b, M_ANY, 0,  SH_STX,   "u64",     "stxdw")               \
	/* ---- atomics: imm selects the operation (BPF_FETCH = 0x01) ---- */     \
	ISA_ATOMIC2(X, AADD,     0x00, "+=",      "lock add")                     \
	ISA_ATOMIC2(X, AOR,      0x40, "|=",      "lock or")                      \
	ISA_ATOMIC2(X, AAND,     0x50, "&=",      "lock and")                     \
	ISA_ATOMIC2(X, AXOR,     0xa0, "^=",      "lock xor")                     \
	ISA_ATOMIC2(X, AFADD,    0x01, "fetch_add", "lock fetch add")             \
	ISA_ATOMIC2(X, AFOR,     0x41, "fetch_or",  "lock fetch or")              \
	ISA_ATOMIC2(X, AFAND,    0x51, "fetch_and", "lock fetch and")             \
	ISA_ATOMIC2(X, AFXOR,    0xa1, "fetch_xor", "lock fetch xor")             \
	ISA_ATOMIC2(X, AXCHG,    0xe1, "xchg",      "lock xchg")                  \
	ISA_ATOMIC2(X, ACMPXCHG, 0xf1, "cmpxchg",   "lock cmpxchg")

/* How an operation uses the instruction's fields. */
enum isa_shape {
	SH_ALU_K,    /* dst op= imm                 src 0                        */
	SH_ALU_X,    /* dst op= src                 imm 0                        */
	SH_NEG,      /* dst = -dst                  src 0, imm 0                 */
	SH_MOVSX,    /* dst = (sN)src               imm 0                        */
	SH_END,      /* dst = swap(dst), imm width  src 0, off 0                 */
	SH_JA,       /* goto off                    dst, src, imm 0              */
	SH_JA32,     /* gotol imm                   dst, src, off 0              */
	SH_JMP_K,    /* if dst op imm goto off      src 0                        */
	SH_JMP_X,    /* if dst op src goto off      imm 0                        */
	SH_CALL,     /* call imm (helper id, pc-relative offset or BTF id)       */
	SH_CALLX,    /* callx dst                   src, off, imm 0              */
	SH_EXIT,     /* exit                        all 0                        */
	SH_MAY_GOTO, /* may_goto off                dst, src, imm 0              */
	SH_LDDW,     /* dst = imm64 (two slots), src = pseudo kind 0..6          */
	SH_LDABS,    /* r0 = ntoh(pkt[imm])         dst, src, off 0              */
	SH_LDIND,    /* r0 = ntoh(pkt[src + imm])   dst, off 0                   */
	SH_LDX,      /* dst = *(size *)(src + off)  imm 0                        */
	SH_ST,       /* *(size *)(dst + off) = imm  src 0                        */
	SH_STX,      /* *(size *)(dst + off) = src  imm 0                        */
	SH_ATOMIC,   /* atomic op on *(size *)(dst + off) with src               */
};

enum isa_match { M_ANY, M_OFF, M_IMM, M_SRC };

enum isa_op {
#define ISA_ENUM(NAME, CODE, MATCH, VAL, SHAPE, SYM, CN) ISA_OP_##NAME,
	ISA_OPCODES(ISA_ENUM)
#undef ISA_ENUM
	ISA_OP_COUNT
};

#endif /* BPFX_ISA_OPCODES_H */
