/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 encoder (see emit.h). Called by the lowering during every
 * JIT pass; output only depends on the arguments and the buffer position.
 */
#include <errno.h>
#include <string.h>

#include "jit/x86_64/emit.h"

enum {
	F_W = 1,       /* REX.W */
	F_66 = 2,      /* operand-size prefix */
	F_BYTE = 4,    /* byte register operand: any REX makes sil/dil/bpl/spl */
	F_LOCK = 8,
};

static bool fits8(int64_t v) { return v >= -128 && v <= 127; }

/* One instruction's bytes are written straight into the buffer, after
 * making room for the longest encoding (this runs for every instruction
 * of every pass). */
struct ins {
	struct jit_buf *b;
	uint8_t *q;
};

static inline struct ins ins_begin(struct jit_buf *b)
{
	return (struct ins){ b, jit_room(b, 16) };
}

static inline void put(struct ins *i, uint8_t v) { *i->q++ = v; }

static inline void flush(struct jit_buf *b, const struct ins *i)
{
	jit_commit(b, i->q);
}

/* Prefixes, REX and opcode bytes (opc: up to 3 bytes, first in the low byte). */
static inline void prefix(struct ins *i, unsigned f, int reg, int rm, uint32_t opc, int nopc)
{
	uint8_t rex = 0x40 | (f & F_W ? 8 : 0) | (reg & 8 ? 4 : 0) | (rm & 8 ? 1 : 0);

	if (f & F_LOCK)
		put(i, 0xf0);
	if (f & F_66)
		put(i, 0x66);
	if (rex != 0x40 || ((f & F_BYTE) && ((reg & 7) >= 4 || (rm & 7) >= 4)))
		put(i, rex);
	for (int k = 0; k < nopc; k++)
		put(i, (uint8_t)(opc >> (8 * k)));
}

/* ModRM with a register operand. */
static void enc_rr(struct jit_buf *b, unsigned f, uint32_t opc, int nopc, int reg, int rm)
{
	struct ins i = ins_begin(b);

	prefix(&i, f, reg, rm, opc, nopc);
	put(&i, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
	flush(b, &i);
}

/* ModRM with a [base + disp] operand: rsp/r12 need a SIB byte, rbp/r13
 * have no form without displacement. */
static void enc_rm(struct jit_buf *b, unsigned f, uint32_t opc, int nopc, int reg, int base,
		   int32_t disp)
{
	int mod = (disp == 0 && (base & 7) != X86_RBP) ? 0 : fits8(disp) ? 1 : 2;
	struct ins i = ins_begin(b);

	prefix(&i, f, reg, base, opc, nopc);
	put(&i, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == X86_RSP)
		put(&i, 0x24);
	if (mod == 1) {
		put(&i, (uint8_t)disp);
	} else if (mod == 2) {
		memcpy(i.q, &disp, 4);
		i.q += 4;
	}
	flush(b, &i);
}

static unsigned wf(bool w) { return w ? F_W : 0; }

void x86_alu_rr(struct jit_buf *b, enum x86_alu op, bool w, int dst, int src)
{
	enc_rr(b, wf(w), op * 8 + 1, 1, src, dst);
}

void x86_alu_ri(struct jit_buf *b, enum x86_alu op, bool w, int dst, int32_t imm)
{
	if (fits8(imm)) {
		enc_rr(b, wf(w), 0x83, 1, op, dst);
		jit_put8(b, (uint8_t)imm);
	} else {
		enc_rr(b, wf(w), 0x81, 1, op, dst);
		jit_put32(b, (uint32_t)imm);
	}
}

void x86_alu_mi(struct jit_buf *b, enum x86_alu op, bool w, int base, int32_t disp, int32_t imm)
{
	if (fits8(imm)) {
		enc_rm(b, wf(w), 0x83, 1, op, base, disp);
		jit_put8(b, (uint8_t)imm);
	} else {
		enc_rm(b, wf(w), 0x81, 1, op, base, disp);
		jit_put32(b, (uint32_t)imm);
	}
}

void x86_alu_rm(struct jit_buf *b, enum x86_alu op, bool w, int dst, int base, int32_t disp)
{
	enc_rm(b, wf(w), op * 8 + 3, 1, dst, base, disp);
}

void x86_alu_mr(struct jit_buf *b, enum x86_alu op, bool w, bool lock, int base, int32_t disp,
		int src)
{
	enc_rm(b, wf(w) | (lock ? F_LOCK : 0), op * 8 + 1, 1, src, base, disp);
}

void x86_test_rr(struct jit_buf *b, bool w, int dst, int src)
{
	enc_rr(b, wf(w), 0x85, 1, src, dst);
}

void x86_test_ri(struct jit_buf *b, bool w, int dst, int32_t imm)
{
	enc_rr(b, wf(w), 0xf7, 1, 0, dst);
	jit_put32(b, (uint32_t)imm);
}

void x86_mov_rr(struct jit_buf *b, bool w, int dst, int src)
{
	enc_rr(b, wf(w), 0x89, 1, src, dst);
}

void x86_mov_ri32(struct jit_buf *b, int dst, uint32_t v)
{
	if (dst & 8)
		jit_put8(b, 0x41);
	jit_put8(b, (uint8_t)(0xb8 + (dst & 7)));
	jit_put32(b, v);
}

void x86_mov_ri(struct jit_buf *b, int dst, uint64_t v)
{
	if (v == 0) {
		x86_alu_rr(b, X86_XOR, false, dst, dst);
	} else if (v <= UINT32_MAX) {
		x86_mov_ri32(b, dst, (uint32_t)v);
	} else if ((int64_t)v == (int32_t)v) {
		enc_rr(b, F_W, 0xc7, 1, 0, dst);
		jit_put32(b, (uint32_t)v);
	} else {
		jit_put8(b, (uint8_t)(0x48 | (dst & 8 ? 1 : 0)));
		jit_put8(b, (uint8_t)(0xb8 + (dst & 7)));
		jit_put64(b, v);
	}
}

void x86_imul_rr(struct jit_buf *b, bool w, int dst, int src)
{
	enc_rr(b, wf(w), 0xaf0f, 2, dst, src);
}

void x86_imul_rri(struct jit_buf *b, bool w, int dst, int src, int32_t imm)
{
	if (fits8(imm)) {
		enc_rr(b, wf(w), 0x6b, 1, dst, src);
		jit_put8(b, (uint8_t)imm);
	} else {
		enc_rr(b, wf(w), 0x69, 1, dst, src);
		jit_put32(b, (uint32_t)imm);
	}
}

void x86_grp3(struct jit_buf *b, enum x86_grp3 op, bool w, int reg)
{
	enc_rr(b, wf(w), 0xf7, 1, op, reg);
}

void x86_shift_ri(struct jit_buf *b, enum x86_shift op, bool w, int reg, uint8_t cnt)
{
	if (cnt == 1) {
		enc_rr(b, wf(w), 0xd1, 1, op, reg);
		return;
	}
	enc_rr(b, wf(w), 0xc1, 1, op, reg);
	jit_put8(b, cnt);
}

void x86_shift_cl(struct jit_buf *b, enum x86_shift op, bool w, int reg)
{
	enc_rr(b, wf(w), 0xd3, 1, op, reg);
}

/* VEX.LZ.0F38 F7 /r with the prefix chosen by pp: 66 shlx, F3 sarx, F2 shrx. */
void x86_shiftx(struct jit_buf *b, enum x86_shift op, bool w, int dst, int src, int cnt)
{
	unsigned pp = op == X86_SHL ? 1 : op == X86_SAR ? 2 : 3;

	jit_put8(b, 0xc4);
	jit_put8(b, (uint8_t)((dst & 8 ? 0 : 0x80) | 0x40 | (src & 8 ? 0 : 0x20) | 0x02));
	jit_put8(b, (uint8_t)((w ? 0x80 : 0) | (~cnt & 15) << 3 | pp));
	jit_put8(b, 0xf7);
	jit_put8(b, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
}

void x86_rol16(struct jit_buf *b, int reg, uint8_t cnt)
{
	enc_rr(b, F_66, 0xc1, 1, X86_ROL, reg);
	jit_put8(b, cnt);
}

void x86_bswap(struct jit_buf *b, bool w, int reg)
{
	struct ins i = ins_begin(b);

	prefix(&i, wf(w), 0, reg, 0x0f, 1);
	put(&i, (uint8_t)(0xc8 + (reg & 7)));
	flush(b, &i);
}

void x86_movx_rr(struct jit_buf *b, unsigned bits, bool sign, bool w, int dst, int src)
{
	switch (bits) {
	case 8:
		enc_rr(b, wf(w) | F_BYTE, sign ? 0xbe0f : 0xb60f, 2, dst, src);
		break;
	case 16:
		enc_rr(b, wf(w), sign ? 0xbf0f : 0xb70f, 2, dst, src);
		break;
	default:
		if (sign)
			enc_rr(b, F_W, 0x63, 1, dst, src);
		else
			x86_mov_rr(b, false, dst, src);
	}
}

void x86_load(struct jit_buf *b, unsigned size, bool sign, int dst, int base, int32_t disp)
{
	switch (size) {
	case 1:
		enc_rm(b, sign ? F_W : 0, sign ? 0xbe0f : 0xb60f, 2, dst, base, disp);
		break;
	case 2:
		enc_rm(b, sign ? F_W : 0, sign ? 0xbf0f : 0xb70f, 2, dst, base, disp);
		break;
	case 4:
		enc_rm(b, sign ? F_W : 0, sign ? 0x63 : 0x8b, 1, dst, base, disp);
		break;
	default:
		enc_rm(b, F_W, 0x8b, 1, dst, base, disp);
	}
}

void x86_store_r(struct jit_buf *b, unsigned size, int base, int32_t disp, int src)
{
	switch (size) {
	case 1: enc_rm(b, F_BYTE, 0x88, 1, src, base, disp); break;
	case 2: enc_rm(b, F_66, 0x89, 1, src, base, disp); break;
	case 4: enc_rm(b, 0, 0x89, 1, src, base, disp); break;
	default: enc_rm(b, F_W, 0x89, 1, src, base, disp);
	}
}

void x86_store_i(struct jit_buf *b, unsigned size, int base, int32_t disp, int32_t imm)
{
	switch (size) {
	case 1:
		enc_rm(b, 0, 0xc6, 1, 0, base, disp);
		jit_put8(b, (uint8_t)imm);
		break;
	case 2:
		enc_rm(b, F_66, 0xc7, 1, 0, base, disp);
		jit_put8(b, (uint8_t)imm);
		jit_put8(b, (uint8_t)(imm >> 8));
		break;
	default:
		enc_rm(b, size == 8 ? F_W : 0, 0xc7, 1, 0, base, disp);
		jit_put32(b, (uint32_t)imm);
	}
}

void x86_lea(struct jit_buf *b, int dst, int base, int32_t disp)
{
	enc_rm(b, F_W, 0x8d, 1, dst, base, disp);
}

void x86_lea_rip(struct jit_buf *b, int dst, uint32_t target)
{
	struct ins i = ins_begin(b);

	prefix(&i, F_W, dst, 0, 0x8d, 1);
	put(&i, (uint8_t)((dst & 7) << 3 | 5));
	flush(b, &i);
	jit_put32(b, (uint32_t)((int64_t)target - (int64_t)(b->len + 4)));
}

void x86_xadd_m(struct jit_buf *b, bool w, int base, int32_t disp, int src)
{
	enc_rm(b, wf(w) | F_LOCK, 0xc10f, 2, src, base, disp);
}

void x86_xchg_m(struct jit_buf *b, bool w, int base, int32_t disp, int src)
{
	enc_rm(b, wf(w), 0x87, 1, src, base, disp); /* locked implicitly */
}

void x86_cmpxchg_m(struct jit_buf *b, bool w, int base, int32_t disp, int src)
{
	enc_rm(b, wf(w) | F_LOCK, 0xb10f, 2, src, base, disp);
}

void x86_push(struct jit_buf *b, int reg)
{
	if (reg & 8)
		jit_put8(b, 0x41);
	jit_put8(b, (uint8_t)(0x50 + (reg & 7)));
}

void x86_pop(struct jit_buf *b, int reg)
{
	if (reg & 8)
		jit_put8(b, 0x41);
	jit_put8(b, (uint8_t)(0x58 + (reg & 7)));
}

void x86_call_reg(struct jit_buf *b, int reg)
{
	enc_rr(b, 0, 0xff, 1, 2, reg);
}

void x86_ret(struct jit_buf *b) { jit_put8(b, 0xc3); }

void x86_cqo(struct jit_buf *b, bool w)
{
	if (w)
		jit_put8(b, 0x48);
	jit_put8(b, 0x99);
}

static int64_t rel(const struct jit_buf *b, uint32_t target, size_t insn_len)
{
	return (int64_t)target - (int64_t)(b->len + insn_len);
}

void x86_jcc(struct jit_buf *b, enum x86_cc cc, uint32_t target, bool short_form)
{
	if (short_form) {
		jit_put8(b, (uint8_t)(0x70 | cc));
		jit_put8(b, (uint8_t)rel(b, target, 1));
		return;
	}
	jit_put8(b, 0x0f);
	jit_put8(b, (uint8_t)(0x80 | cc));
	jit_put32(b, (uint32_t)rel(b, target, 4));
}

void x86_jmp(struct jit_buf *b, uint32_t target, bool short_form)
{
	if (short_form) {
		jit_put8(b, 0xeb);
		jit_put8(b, (uint8_t)rel(b, target, 1));
		return;
	}
	jit_put8(b, 0xe9);
	jit_put32(b, (uint32_t)rel(b, target, 4));
}

void x86_call(struct jit_buf *b, uint32_t target)
{
	jit_put8(b, 0xe8);
	jit_put32(b, (uint32_t)rel(b, target, 4));
}

size_t x86_jcc8_fwd(struct jit_buf *b, enum x86_cc cc)
{
	jit_put8(b, (uint8_t)(0x70 | cc));
	jit_put8(b, 0);
	return b->len - 1;
}

size_t x86_jmp8_fwd(struct jit_buf *b)
{
	jit_put8(b, 0xeb);
	jit_put8(b, 0);
	return b->len - 1;
}

void x86_patch8(struct jit_buf *b, size_t hole)
{
	size_t d = b->len - (hole + 1);

	if (b->err)
		return;
	if (d > 127) {
		b->err = -E2BIG; /* a lowering bug: sequences are short */
		return;
	}
	b->p[hole] = (uint8_t)d;
}
