/* SPDX-License-Identifier: MIT */
/*
 * The ELF object reader, linking: gives every entry program its final
 * instruction array, libbpf's way. The program's own function comes
 * first; each function it calls or takes the address of (bpf_loop
 * callbacks), directly or through other functions, is appended once, in
 * depth-first order of first use, and the calls (BPF_PSEUDO_CALL imm) and
 * function addresses (lddw, which becomes BPF_PSEUDO_FUNC) are rewritten
 * to the appended copies. Calls may go to .text or to a function of the
 * caller's own section. Call graphs may be cyclic: a function already
 * appended is not appended again, so linking ends; the verifier rejects
 * the recursion later.
 *
 * The relocations of every appended function become the program's, and
 * its func_info, line_info and CO-RE relocation records from BTF.ext are
 * re-based to the final array.
 *
 * Runs inside elf_obj_open_mem() after elf_collect_relocs(); each
 * section's relocations are sorted by instruction (elf_priv.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "loader/btf.h"
#include "loader/elf_priv.h"
#include "util/alloc.h"

/* A function placed in the program being linked. */
struct piece {
	const struct elf_func *f;
	uint32_t off;            /* its first instruction in the final array */
};

struct frame {
	uint32_t piece;
	uint32_t next;           /* next instruction of the piece to look at */
};

struct linker {
	struct elf_ctx *c;
	struct elf_prog *p;
	struct piece *pieces;
	uint32_t piece_cnt;
	struct frame *stack;
	uint32_t depth;
	/* per function of c->funcs: its piece in this program, valid when
	 * stamp equals gen (one gen per program: no clearing between them) */
	uint32_t *stamp, *piece_of, gen;
};

static const struct elf_rel *find_rel(const struct elf_sec *s, uint32_t insn)
{
	uint32_t lo = 0, hi = s->rel_cnt;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->rels[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->rel_cnt && s->rels[lo].insn == insn ? &s->rels[lo] : NULL;
}

/* Appends f's instructions and makes it the function looked at next. */
static int append(struct linker *l, const struct elf_func *f)
{
	struct elf_prog *p = l->p;
	const struct elf_sec *s = &l->c->secs[f->sec];

	if ((uint64_t)p->insn_cnt + f->cnt > BPFX_MAX_INSNS)
		return elf_fail(l->c, -E2BIG, "program '%s': more than %u instructions once linked",
				p->name, BPFX_MAX_INSNS);
	struct bpf_insn *insns = mem_realloc(p->insns, (size_t)(p->insn_cnt + f->cnt) *
					     sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	p->insns = insns;
	memcpy(insns + p->insn_cnt, s->data + (size_t)f->off * ELF_INSN_SZ,
	       (size_t)f->cnt * ELF_INSN_SZ);
	struct piece *pc = elf_array_push((void **)&l->pieces, &l->piece_cnt, sizeof(*pc));
	struct frame *fr = elf_array_push((void **)&l->stack, &l->depth, sizeof(*fr));
	if (!pc || !fr)
		return -ENOMEM;
	pc->f = f;
	pc->off = p->insn_cnt;
	fr->piece = l->piece_cnt - 1;
	l->stamp[f - l->c->funcs] = l->gen;
	l->piece_of[f - l->c->funcs] = l->piece_cnt - 1;
	p->insn_cnt += f->cnt;
	if (l->piece_cnt == 1)
		return 0;
	struct elf_subprog *sp = elf_array_push((void **)&p->subprogs, &p->subprog_cnt,
						 sizeof(*sp));
	if (!sp || !(sp->name = mem_strdup(f->name)))
		return -ENOMEM;
	sp->off = pc->off;
	sp->cnt = f->cnt;
	return 0;
}

static int add_reloc(struct linker *l, uint32_t insn, const struct elf_rel *r)
{
	struct elf_prog *p = l->p;
	struct elf_reloc *o = elf_array_push((void **)&p->relocs, &p->reloc_cnt, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->insn = insn;
	o->map = -1;
	o->ext = -1;
	switch (r->kind) {
	case ELF_REL_MAP:
		o->kind = ELF_RELOC_MAP;
		o->map = r->map;
		break;
	case ELF_REL_MAP_VALUE:
	case ELF_REL_KCONFIG:
		o->kind = ELF_RELOC_MAP_VALUE;
		o->map = r->map;
		o->off = r->off;
		o->ext = r->kind == ELF_REL_KCONFIG ? r->ext : -1;
		break;
	case ELF_REL_KSYM:
		o->kind = ELF_RELOC_KSYM;
		o->ext = r->ext;
		break;
	default:
		o->kind = ELF_RELOC_KFUNC;
		o->ext = r->ext;
		break;
	}
	return 0;
}

/* Points the call or function address at final index `at` to function
 * instruction (sec, target), appending the function when it is new. */
static int link_target(struct linker *l, uint32_t at, int sec, int64_t target, bool addr)
{
	struct elf_ctx *c = l->c;
	const struct elf_func *cur = l->pieces[l->stack[l->depth - 1].piece].f;
	const struct elf_func *f = target >= 0 ? elf_func_at(c, sec, (uint64_t)target) : NULL;
	int err;

	if (!f)
		return elf_fail(c, -EINVAL, "%s at insn %u of '%s' targets insn %lld outside "
				"the functions of '%s'", addr ? "function address" : "call",
				at, cur->name, (long long)target, c->secs[sec].name);
	if (l->stamp[f - c->funcs] != l->gen && (err = append(l, f)))
		return err;
	uint32_t i = l->piece_of[f - c->funcs];
	int64_t rel = (int64_t)l->pieces[i].off + (target - f->off) - at - 1;
	struct bpf_insn *in = &l->p->insns[at];
	in->imm = (int32_t)rel;
	if (addr)
		in->src_reg = BPF_PSEUDO_FUNC;
	return 0;
}

/* Jumps must stay inside their function: linking moves functions apart. */
static int check_branch(struct linker *l, const struct elf_func *f, uint32_t i)
{
	const struct bpf_insn *in = (const struct bpf_insn *)l->c->secs[f->sec].data + f->off + i;
	int op = isa_decode(in);

	if (op < 0)
		return 0;   /* the verifier reports unknown opcodes */
	int shape = isa_table[op].shape;
	if (shape != SH_JA && shape != SH_JA32 && shape != SH_JMP_K && shape != SH_JMP_X &&
	    shape != SH_MAY_GOTO)
		return 0;
	int64_t t = isa_branch_target(in, op, i);
	if (t < 0 || t >= f->cnt)
		return elf_fail(l->c, -EINVAL, "jump at insn %u of '%s' leaves the function (target "
				"%lld of %u insns)", i, f->name, (long long)t, f->cnt);
	return 0;
}

/* Looks at instruction i of the piece on top of the stack. */
static int link_insn(struct linker *l, uint32_t pi, uint32_t *i)
{
	struct elf_ctx *c = l->c;
	const struct piece *pc = &l->pieces[pi];
	const struct elf_func *f = pc->f;
	const struct elf_sec *s = &c->secs[f->sec];
	uint32_t at = pc->off + *i, si = f->off + *i;
	const struct elf_rel *r = find_rel(s, si);
	const struct bpf_insn in = l->p->insns[at];
	bool lddw = in.code == (BPF_LD | BPF_IMM | BPF_DW);

	if (lddw && *i + 1 >= f->cnt)
		return elf_fail(c, -EINVAL, "lddw at insn %u of '%s' is cut in half at the end of "
				"the function", *i, f->name);
	if (lddw)
		++*i;
	if (r && (r->kind == ELF_REL_CALL || r->kind == ELF_REL_FUNC_ADDR))
		return link_target(l, at, r->sec, (int64_t)r->target, r->kind == ELF_REL_FUNC_ADDR);
	if (r)
		return add_reloc(l, at, r);
	if (in.code == (BPF_JMP | BPF_CALL) && in.src_reg == BPF_PSEUDO_CALL)
		return link_target(l, at, f->sec, (int64_t)si + in.imm + 1, false);
	if (lddw && in.src_reg == BPF_PSEUDO_FUNC)
		return elf_fail(c, -EINVAL, "function address at insn %u of '%s' has no relocation",
				*i - 1, f->name);
	return lddw ? 0 : check_branch(l, f, *i);
}

/* Copies the BTF.ext records of every piece, re-based. want_all: every
 * piece must have some (func_info, line_info), else none is kept. */
static int ext_records(struct linker *l, int kind, void **out, uint32_t *cnt, size_t sz)
{
	const struct btf_ext *ext = l->c->obj->btf_ext;

	for (uint32_t pi = 0; pi < l->piece_cnt; pi++) {
		const struct elf_func *f = l->pieces[pi].f;
		const struct btf_ext_sec *es = btf_ext_find_sec(ext, l->c->secs[f->sec].name);
		const struct btf_ext_info *info = !es ? NULL : kind == 0 ? &es->func_info :
						  kind == 1 ? &es->line_info : &es->core_relo;
		uint32_t found = 0;
		for (uint32_t k = 0; info && k < info->cnt; k++) {
			const uint8_t *rec = (const uint8_t *)info->recs + (size_t)k * info->rec_size;
			uint32_t off;
			memcpy(&off, rec, sizeof(off));
			off /= ELF_INSN_SZ;
			if (off < f->off || off >= f->off + f->cnt)
				continue;
			void *o = elf_array_push(out, cnt, sz);
			if (!o)
				return -ENOMEM;
			memcpy(o, rec, sz);
			off = off - f->off + l->pieces[pi].off;
			if (kind == 2)
				off *= ELF_INSN_SZ;
			memcpy(o, &off, sizeof(off));
			found++;
		}
		if (kind == 2 || found)
			continue;
		if (pi == 0)
			return 0;   /* libbpf: none for the main program, none at all */
		return elf_fail(l->c, -EINVAL, "program '%s': subprogram '%s' has no BTF.ext %s",
				l->p->name, f->name, kind ? "line_info" : "func_info");
	}
	return 0;
}

static int link_ext(struct linker *l)
{
	struct elf_prog *p = l->p;
	int err;

	if (!l->c->obj->btf_ext)
		return 0;
	if ((err = ext_records(l, 0, (void **)&p->func_info, &p->func_info_cnt,
			       sizeof(*p->func_info))) ||
	    (err = ext_records(l, 1, (void **)&p->line_info, &p->line_info_cnt,
			       sizeof(*p->line_info))) ||
	    (err = ext_records(l, 2, (void **)&p->core_relos, &p->core_relo_cnt,
			       sizeof(*p->core_relos))))
		return err;
	return 0;
}

static int cmp_relocs(const void *a, const void *b)
{
	const struct elf_reloc *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int link_prog(struct linker *base, const struct elf_func *main_fn, struct elf_prog *p)
{
	struct linker l = *base;
	int err;

	l.p = p;
	err = append(&l, main_fn);

	p->own_insn_cnt = main_fn->cnt;
	while (!err && l.depth) {
		struct frame *fr = &l.stack[l.depth - 1];
		if (fr->next >= l.pieces[fr->piece].f->cnt) {
			l.depth--;
			continue;
		}
		uint32_t i = fr->next, d = l.depth;
		err = link_insn(&l, fr->piece, &i);
		/* link_insn may have pushed a frame (and moved the stack) */
		l.stack[d - 1].next = i + 1;
	}
	if (!err && p->reloc_cnt)
		qsort(p->relocs, p->reloc_cnt, sizeof(*p->relocs), cmp_relocs);
	if (!err)
		err = link_ext(&l);
	mem_free(l.pieces);
	mem_free(l.stack);
	return err;
}

int elf_link_progs(struct elf_ctx *c)
{
	struct linker l = { .c = c };
	int err = 0;

	if (!c->func_cnt)
		return 0;
	l.stamp = mem_array(c->func_cnt, sizeof(*l.stamp));
	l.piece_of = mem_array(c->func_cnt, sizeof(*l.piece_of));
	if (!l.stamp || !l.piece_of)
		err = -ENOMEM;
	for (uint32_t i = 0; !err && i < c->func_cnt; i++) {
		const struct elf_func *f = &c->funcs[i];
		l.gen = i + 1;
		if (f->prog >= 0)
			err = link_prog(&l, f, &c->obj->progs[f->prog]);
	}
	mem_free(l.stamp);
	mem_free(l.piece_of);
	return err;
}
