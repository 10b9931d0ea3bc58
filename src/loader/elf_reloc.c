/* SPDX-License-Identifier: MIT */
/*
 * The ELF object reader, references: the object's externs (.kconfig and
 * .ksyms, with the layout of the kconfig map), then every relocation of
 * every code section, resolved to what its instruction refers to:
 *
 *   R_BPF_64_64 on lddw   a map (.maps, maps), a global variable (.data*,
 *                          .rodata*, .bss*: map + offset), an extern, or a
 *                          function's address (a callback: BPF_PSEUDO_FUNC)
 *   R_BPF_64_32 on call   a function (subprogram call) or an extern
 *                          function (kfunc)
 *
 * R_BPF_64_ABS64/ABS32/NODYLD32 are data relocations: they appear in
 * .rel.maps (elf_maps.c) and in debug and BTF sections (ignored); on an
 * instruction they are an error. Calls between functions of one section
 * carry no relocation; elf_link.c follows them.
 *
 * Runs inside elf_obj_open_mem() after elf_collect_maps(); see elf_priv.h
 * for what elf.c has already checked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf.h"
#include "loader/elf_priv.h"
#include "util/alloc.h"

/* ------------------------------------------------------------------ */
/* Externs                                                              */
/* ------------------------------------------------------------------ */

/* Alignment of a kconfig value's type: the kinds libbpf accepts there. */
static int kcfg_align(const struct btf *btf, uint32_t id, int depth)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_skip_modifiers(btf, id));

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return t->size == 0 ? -EINVAL : t->size < 8 ? (int)t->size : 8;
	case BTF_KIND_ARRAY:
		return depth > 8 ? -EINVAL : kcfg_align(btf, btf_array(t)->type, depth + 1);
	default:
		return -EINVAL;
	}
}

/* libbpf's kconfig types: bool, char, 1/2/4/8-byte integers, the
 * libbpf_tristate enum, non-empty char arrays. */
static bool kcfg_type_ok(const struct btf *btf, uint32_t id, bool want_char)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_skip_modifiers(btf, id));
	const char *name = btf_name(btf, t->name_off);

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		if (BTF_INT_ENCODING(btf_int_data(t)) & BTF_INT_BOOL)
			return t->size == 1 && !want_char;
		if (want_char)
			return t->size == 1;
		return t->size >= 1 && t->size <= 8 && !(t->size & (t->size - 1));
	case BTF_KIND_ENUM:
		return !want_char && t->size == 4 && !strcmp(name, "libbpf_tristate");
	case BTF_KIND_ENUM64:
		return !want_char && !strcmp(name, "libbpf_tristate");
	case BTF_KIND_ARRAY:
		return !want_char && btf_array(t)->nelems && kcfg_type_ok(btf, btf_array(t)->type, true);
	default:
		return false;
	}
}

/* The BTF VAR or FUNC of extern `name` and the DATASEC that lists it. */
static int extern_btf(struct elf_ctx *c, const char *name, uint32_t *id, const char **sec)
{
	const struct btf *btf = c->obj->btf;
	uint32_t n = btf_type_cnt(btf);

	*id = 0;
	for (uint32_t i = 1; i < n && !*id; i++) {
		const struct btf_type *t = btf_type_by_id(btf, i);
		if ((btf_kind(t) != BTF_KIND_VAR && btf_kind(t) != BTF_KIND_FUNC) ||
		    strcmp(btf_name(btf, t->name_off), name))
			continue;
		if ((btf_kind(t) == BTF_KIND_VAR && btf_var(t)->linkage != BTF_VAR_GLOBAL_EXTERN) ||
		    (btf_kind(t) == BTF_KIND_FUNC && btf_vlen(t) != BTF_FUNC_EXTERN))
			return elf_fail(c, -EINVAL, "extern '%s': its BTF %s [%u] is not extern", name,
					btf_kind_str(btf_kind(t)), i);
		*id = i;
	}
	if (!*id)
		return elf_fail(c, -EINVAL, "extern '%s': no BTF VAR or FUNC of that name", name);
	for (uint32_t i = 1; i < n; i++) {
		const struct btf_type *t = btf_type_by_id(btf, i);
		if (btf_kind(t) != BTF_KIND_DATASEC)
			continue;
		for (uint32_t j = 0; j < btf_vlen(t); j++)
			if (btf_secinfos(t)[j].type == *id) {
				*sec = btf_name(btf, t->name_off);
				return 0;
			}
	}
	return elf_fail(c, -EINVAL, "extern '%s': no DATASEC lists BTF [%u]", name, *id);
}

static int add_extern(struct elf_ctx *c, const GElf_Sym *sym, const char *name)
{
	const struct btf *btf = c->obj->btf;
	const char *sec = "";
	uint32_t id;
	uint64_t size;
	int err;

	if (!btf)
		return elf_fail(c, -EINVAL, "extern '%s': externs need BTF, the object has none", name);
	if ((err = extern_btf(c, name, &id, &sec)))
		return err;
	const struct btf_type *t = btf_type_by_id(btf, id);
	bool func = btf_kind(t) == BTF_KIND_FUNC;
	bool kcfg = !strcmp(sec, ".kconfig");
	if (!kcfg && strcmp(sec, ".ksyms"))
		return elf_fail(c, -EOPNOTSUPP, "extern '%s': unknown extern section '%s'", name, sec);
	if (kcfg && func)
		return elf_fail(c, -EOPNOTSUPP, "extern '%s': a function cannot be in .kconfig", name);
	int align = kcfg ? kcfg_align(btf, t->type, 0) : 1;
	if (kcfg && (btf_resolve_size(btf, t->type, &size) || size == 0 || size > UINT32_MAX ||
		     align <= 0 || !kcfg_type_ok(btf, t->type, false)))
		return elf_fail(c, -EOPNOTSUPP, "extern '%s': unsupported .kconfig type [%u]", name,
				t->type);
	struct elf_obj *obj = c->obj;
	struct elf_extern *e = elf_array_push((void **)&obj->externs, &obj->extern_cnt, sizeof(*e));
	if (!e || !(e->name = mem_strdup(name)))
		return -ENOMEM;
	e->kind = kcfg ? ELF_EXT_KCONFIG : ELF_EXT_KSYM;
	e->is_func = func;
	e->is_weak = GELF_ST_BIND(sym->st_info) == STB_WEAK;
	e->btf_id = id;
	e->type_id = btf_skip_modifiers(btf, t->type);
	if (kcfg) {
		e->kcfg_size = (uint32_t)size;
		e->kcfg_align = (uint32_t)align;
	}
	return 0;
}

static bool sym_is_extern(const GElf_Sym *sym)
{
	int bind = GELF_ST_BIND(sym->st_info);

	return sym->st_shndx == SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK) &&
	       GELF_ST_TYPE(sym->st_info) == STT_NOTYPE;
}

static int find_extern(const struct elf_obj *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->extern_cnt; i++)
		if (!strcmp(obj->externs[i].name, name))
			return (int)i;
	return -1;
}

/* libbpf's order: kconfig first, by alignment (largest first), size
 * (smallest first), then name; then ksyms by name. */
static int cmp_externs(const void *a, const void *b)
{
	const struct elf_extern *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->kind == ELF_EXT_KCONFIG) {
		if (x->kcfg_align != y->kcfg_align)
			return x->kcfg_align > y->kcfg_align ? -1 : 1;
		if (x->kcfg_size != y->kcfg_size)
			return x->kcfg_size < y->kcfg_size ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

int elf_collect_externs(struct elf_ctx *c)
{
	struct elf_obj *obj = c->obj;
	GElf_Sym sym;
	const char *name;
	int err;

	for (size_t i = 0; i < c->sym_cnt; i++) {
		if (elf_sym(c, i, &sym, &name))
			return -EINVAL;
		if (!sym_is_extern(&sym) || !name[0] || find_extern(obj, name) >= 0)
			continue;
		if ((err = add_extern(c, &sym, name)))
			return err;
	}
	if (!obj->extern_cnt)
		return 0;
	qsort(obj->externs, obj->extern_cnt, sizeof(*obj->externs), cmp_externs);
	uint64_t off = 0;
	bool kcfg = false;
	for (uint32_t i = 0; i < obj->extern_cnt; i++) {
		struct elf_extern *e = &obj->externs[i];
		if (e->kind != ELF_EXT_KCONFIG)
			continue;
		off = (off + e->kcfg_align - 1) / e->kcfg_align * e->kcfg_align;
		if (off + e->kcfg_size > UINT32_MAX)
			return elf_fail(c, -EINVAL, "extern '%s': .kconfig is too large", e->name);
		e->kcfg_off = (uint32_t)off;
		off += e->kcfg_size;
		kcfg = true;
	}
	return kcfg ? elf_add_kconfig_map(c, (uint32_t)off) : 0;
}

/* ------------------------------------------------------------------ */
/* Relocations of code sections                                         */
/* ------------------------------------------------------------------ */

struct rel_site {
	struct elf_ctx *c;
	const struct elf_sec *s;     /* the code section */
	size_t idx;                  /* relocation number */
	const struct bpf_insn *insn;
	GElf_Sym sym;
	const char *name;
	uint32_t type;
};

static int bad(const struct rel_site *r, const char *what)
{
	return elf_fail(r->c, -EINVAL, "relocation %zu in '%s' (insn %llu, symbol '%s'): %s",
			r->idx, r->c->secs[r->s->rel].name,
			(unsigned long long)(r->insn - (const struct bpf_insn *)r->s->data), r->name,
			what);
}

static int rel_call(const struct rel_site *r, struct elf_rel *out)
{
	struct elf_ctx *c = r->c;

	if (r->type != ELF_R_BPF_64_32)
		return bad(r, "a call needs an R_BPF_64_32 relocation");
	if (sym_is_extern(&r->sym)) {
		out->kind = ELF_REL_KFUNC;
		out->ext = find_extern(c->obj, r->name);
		if (out->ext < 0 || !c->obj->externs[out->ext].is_func)
			return bad(r, "calls an extern that is not a .ksyms function");
		return 0;
	}
	if (r->insn->src_reg != BPF_PSEUDO_CALL)
		return bad(r, "relocated call is not a BPF_PSEUDO_CALL");
	if (r->sym.st_shndx == SHN_UNDEF || r->sym.st_shndx >= SHN_LORESERVE ||
	    c->secs[r->sym.st_shndx].kind != ELF_SEC_CODE || r->sym.st_value % ELF_INSN_SZ)
		return bad(r, "call target is not in a code section or misaligned");
	out->kind = ELF_REL_CALL;
	out->sec = r->sym.st_shndx;
	/* function symbol: imm is -1; section symbol: imm + 1 is the offset */
	out->target = (uint64_t)((int64_t)(r->sym.st_value / ELF_INSN_SZ) + r->insn->imm + 1);
	return 0;
}

static int rel_data(const struct rel_site *r, int map, struct elf_rel *out)
{
	const struct elf_map *m = &r->c->obj->maps[map];
	int64_t off = (int64_t)r->sym.st_value + r->insn->imm;

	if (off < 0 || off > m->def.value_size)
		return bad(r, "offset outside the global data section");
	out->kind = ELF_REL_MAP_VALUE;
	out->map = map;
	out->off = (uint32_t)off;
	return 0;
}

static int rel_lddw_extern(const struct rel_site *r, struct elf_rel *out)
{
	struct elf_obj *obj = r->c->obj;

	out->ext = find_extern(obj, r->name);
	if (out->ext < 0)
		return bad(r, "undefined symbol is not an extern of .kconfig or .ksyms");
	if (obj->externs[out->ext].kind == ELF_EXT_KSYM) {
		out->kind = ELF_REL_KSYM;
		return 0;
	}
	out->kind = ELF_REL_KCONFIG;
	out->map = obj->kconfig_map;
	out->off = obj->externs[out->ext].kcfg_off;
	return 0;
}

static int rel_lddw(const struct rel_site *r, struct elf_rel *out)
{
	struct elf_ctx *c = r->c;
	const struct elf_sec *ts;

	if ((const uint8_t *)(r->insn + 2) > r->s->data + r->s->size)
		return bad(r, "lddw is cut in half at the section end");
	if (r->type != ELF_R_BPF_64_64)
		return bad(r, "an lddw needs an R_BPF_64_64 relocation");
	if (sym_is_extern(&r->sym))
		return rel_lddw_extern(r, out);
	if (r->sym.st_shndx == SHN_UNDEF || r->sym.st_shndx >= SHN_LORESERVE)
		return bad(r, "symbol is undefined or in a special section (uninitialised global "
			   "variable?)");
	ts = &c->secs[r->sym.st_shndx];
	switch (ts->kind) {
	case ELF_SEC_CODE: {
		int64_t off = (int64_t)r->sym.st_value + r->insn->imm;
		if (off < 0 || off % ELF_INSN_SZ)
			return bad(r, "function address is misaligned");
		out->kind = ELF_REL_FUNC_ADDR;
		out->sec = r->sym.st_shndx;
		out->target = (uint64_t)off / ELF_INSN_SZ;
		return 0;
	}
	case ELF_SEC_MAPS:
	case ELF_SEC_LEGACY_MAPS:
		for (uint32_t i = 0; i < c->obj->map_cnt; i++) {
			const struct elf_map *m = &c->obj->maps[i];
			if (m->sec_off == r->sym.st_value &&
			    m->kind == (ts->kind == ELF_SEC_MAPS ? ELF_MAP_BTF : ELF_MAP_LEGACY)) {
				out->kind = ELF_REL_MAP;
				out->map = (int)i;
				return 0;
			}
		}
		return bad(r, "no map at that offset");
	default:
		if (ts->map >= 0)
			return rel_data(r, ts->map, out);
		return bad(r, "symbol is not a map, global data, extern or function");
	}
}

static int resolve_rel(struct elf_ctx *c, const struct elf_sec *s, size_t idx,
		       const GElf_Rel *rel, struct elf_rel *out)
{
	struct rel_site r = { .c = c, .s = s, .idx = idx, .name = "?" };
	size_t symi = GELF_R_SYM(rel->r_info);

	r.type = GELF_R_TYPE(rel->r_info);
	if (elf_sym(c, symi, &r.sym, &r.name))
		return elf_fail(c, -EINVAL, "relocation %zu in '%s' points at symbol %zu of %zu",
				idx, c->secs[s->rel].name, symi, c->sym_cnt);
	if (!r.name[0] && GELF_ST_TYPE(r.sym.st_info) == STT_SECTION &&
	    r.sym.st_shndx < c->sec_cnt)
		r.name = c->secs[r.sym.st_shndx].name;
	if (rel->r_offset % ELF_INSN_SZ || rel->r_offset >= s->size)
		return elf_fail(c, -EINVAL, "relocation %zu in '%s': offset %llu is not an "
				"instruction of '%s' (%zu bytes)", idx, c->secs[s->rel].name,
				(unsigned long long)rel->r_offset, s->name, s->size);
	r.insn = (const struct bpf_insn *)(s->data + rel->r_offset);
	out->insn = (uint32_t)(rel->r_offset / ELF_INSN_SZ);
	out->idx = (uint32_t)idx;
	out->map = -1;
	out->ext = -1;
	if (r.insn->code == (BPF_JMP | BPF_CALL))
		return rel_call(&r, out);
	if (r.insn->code == (BPF_LD | BPF_IMM | BPF_DW))
		return rel_lddw(&r, out);
	return bad(&r, "instruction is neither a call nor an lddw");
}

static int cmp_rels(const void *a, const void *b)
{
	const struct elf_rel *x = a, *y = b;

	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

static int section_relocs(struct elf_ctx *c, struct elf_sec *s)
{
	const struct elf_sec *rs = &c->secs[s->rel];
	size_t n = rs->size / sizeof(Elf64_Rel);
	Elf_Data *d = elf_getdata(elf_getscn(c->elf, (size_t)s->rel), NULL);
	int err;

	if (n && (!d || d->d_size != rs->size))
		return elf_fail(c, -EINVAL, "section '%s': unreadable", rs->name);
	for (size_t i = 0; i < n; i++) {
		GElf_Rel rel;
		if (!gelf_getrel(d, (int)i, &rel))
			return elf_fail(c, -EINVAL, "section '%s': relocation %zu unreadable",
					rs->name, i);
		if (GELF_R_TYPE(rel.r_info) == ELF_R_BPF_NONE)
			continue;
		struct elf_rel *out = elf_array_push((void **)&s->rels, &s->rel_cnt, sizeof(*out));
		if (!out)
			return -ENOMEM;
		if ((err = resolve_rel(c, s, i, &rel, out)))
			return err;
	}
	if (s->rel_cnt)
		qsort(s->rels, s->rel_cnt, sizeof(*s->rels), cmp_rels);
	for (uint32_t i = 1; i < s->rel_cnt; i++)
		if (s->rels[i].insn == s->rels[i - 1].insn)
			return elf_fail(c, -EINVAL, "section '%s': relocations %u and %u both apply to "
					"insn %u", rs->name, s->rels[i - 1].idx, s->rels[i].idx,
					s->rels[i].insn);
	return 0;
}

int elf_collect_relocs(struct elf_ctx *c)
{
	int err;

	for (size_t i = 1; i < c->sec_cnt; i++) {
		struct elf_sec *s = &c->secs[i];
		if (s->kind == ELF_SEC_CODE && s->rel && (err = section_relocs(c, s)))
			return err;
	}
	return 0;
}
