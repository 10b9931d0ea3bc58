/* SPDX-License-Identifier: MIT */
/*
 * CO-RE: a program compiled against one layout of a type (its own BTF,
 * "local") runs against another ("target": the running kernel's BTF, a
 * file, or the local BTF itself). Each bpf_core_relo record names an
 * instruction, a local type and an access string ("0:1:2": the pointer
 * index, then member or element indices); the relocator finds the same
 * access in the target by names - type names up to a "___flavor" suffix,
 * member names through anonymous structs and unions - computes what the
 * instruction must hold there (a byte offset, a size, whether the field,
 * type or enumerator exists, an enumerator's value, a type id, the shifts
 * that extract a bitfield), and patches the instruction's offset or
 * immediate. The rules are libbpf's (relo_core.c), written anew.
 *
 * A relocation that cannot be resolved (the field is gone) poisons its
 * instruction as libbpf does: `call 0xbad2310`, which fails the program
 * only if it runs (bpf_core_field_exists() guards usually keep it dead).
 *
 * Runs on the loading thread, once per program, before PROG_LOAD.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf.h"
#include "loader/core.h"

#define MAX_ACCESS 64

/* One step of an access: a named member, or an array (or pointer) index. */
struct accessor {
	uint32_t type_id;    /* the struct/union or array being accessed */
	uint32_t idx;        /* member or element index */
	const char *name;    /* member name; NULL for an index */
};

/* An access resolved in one BTF. */
struct spec {
	const struct btf *btf;
	uint32_t root_id;
	struct accessor acc[MAX_ACCESS];
	int len;
	uint32_t raw[MAX_ACCESS];     /* the access string's numbers */
	int raw_len;
	uint64_t bit_off;             /* of the field from the root pointer */
	uint32_t field_id;            /* the field's type */
	uint32_t bitfield_bits;       /* 0 unless the field is a bitfield */
};

struct relo_result {
	uint64_t value;
	uint32_t size;                /* FIELD_BYTE_OFFSET: the field's size */
	bool ok;
	bool bitfield;                /* clang's own bitfield numbers differ from
				       * the loader's, so they are not checked */
};

static uint32_t skip_mods(const struct btf *btf, uint32_t id)
{
	return btf_skip_modifiers(btf, id);
}

static const struct btf_type *type_of(const struct btf *btf, uint32_t id)
{
	return btf_type_by_id(btf, skip_mods(btf, id));
}

/* "task_struct___old" and "task_struct" are the same type to CO-RE. */
static size_t essential_len(const char *name)
{
	const char *f = strstr(name, "___");
	return f ? (size_t)(f - name) : strlen(name);
}

static bool same_essential(const char *a, const char *b)
{
	size_t n = essential_len(a);
	return n == essential_len(b) && !strncmp(a, b, n);
}

static int parse_access(const char *s, uint32_t *raw, int *len)
{
	*len = 0;
	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || *len >= MAX_ACCESS || v > UINT32_MAX)
			return -EINVAL;
		raw[(*len)++] = (uint32_t)v;
		s = *end == ':' ? end + 1 : end;
		if (*end && *end != ':')
			return -EINVAL;
	}
	return *len ? 0 : -EINVAL;
}

static void push(struct spec *s, uint32_t type_id, uint32_t idx, const char *name)
{
	s->acc[s->len++] = (struct accessor){ type_id, idx, name };
}

/* The local side: walks the access string through the local types. */
static int parse_field_spec(struct spec *s)
{
	uint64_t size;
	uint32_t id = s->root_id;
	if (btf_resolve_size(s->btf, id, &size))
		return -EINVAL;
	s->bit_off = (uint64_t)s->raw[0] * size * 8;
	push(s, id, s->raw[0], NULL);
	for (int i = 1; i < s->raw_len; i++) {
		const struct btf_type *t = type_of(s->btf, id);
		uint32_t at = skip_mods(s->btf, id);
		if (btf_is_composite(t)) {
			if (s->raw[i] >= btf_vlen(t))
				return -EINVAL;
			const struct btf_member *m = &btf_members(t)[s->raw[i]];
			uint32_t off = btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
			s->bit_off += off;
			s->bitfield_bits = btf_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
			const char *name = btf_name(s->btf, m->name_off);
			if (name && *name)
				push(s, at, s->raw[i], name);
			id = m->type;
		} else if (btf_kind(t) == BTF_KIND_ARRAY) {
			const struct btf_array *a = btf_array(t);
			if (btf_resolve_size(s->btf, a->type, &size))
				return -EINVAL;
			s->bit_off += (uint64_t)s->raw[i] * size * 8;
			s->bitfield_bits = 0;
			push(s, at, s->raw[i], NULL);
			id = a->type;
		} else {
			return -EINVAL;
		}
		if (s->len >= MAX_ACCESS)
			return -EINVAL;
	}
	s->field_id = id;
	return 0;
}

/* libbpf's bpf_core_fields_are_compat: what a field may become. */
static bool fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			  int depth)
{
	const struct btf_type *l = type_of(lb, lid), *t = type_of(tb, tid);
	if (!l || !t || depth > 16)
		return false;
	int lk = btf_kind(l), tk = btf_kind(t);
	bool l_int = lk == BTF_KIND_INT || lk == BTF_KIND_ENUM || lk == BTF_KIND_ENUM64;
	bool t_int = tk == BTF_KIND_INT || tk == BTF_KIND_ENUM || tk == BTF_KIND_ENUM64;
	if (btf_is_composite(l) || lk == BTF_KIND_FWD)
		return btf_is_composite(t) || tk == BTF_KIND_FWD;
	if (l_int)
		return t_int;
	if (lk != tk)
		return false;
	switch (lk) {
	case BTF_KIND_PTR:
	case BTF_KIND_FLOAT:
		return true;
	case BTF_KIND_ARRAY:
		return fields_compat(lb, btf_array(l)->type, tb, btf_array(t)->type, depth + 1);
	default:
		return false;
	}
}

/* Finds member `name` in composite `id` of the target, looking into
 * anonymous members; adds its bit offset and returns its index (or -1). */
static int find_member(struct spec *s, uint32_t id, const char *name, uint32_t *member_type,
		       int depth)
{
	const struct btf_type *t = type_of(s->btf, id);
	if (!t || !btf_is_composite(t) || depth > 16)
		return -1;
	const struct btf_member *m = btf_members(t);
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf_name(s->btf, m[i].name_off);
		uint32_t off = btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m[i].offset) : m[i].offset;
		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			s->bit_off += off;
			s->bitfield_bits = btf_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(m[i].offset) : 0;
			*member_type = m[i].type;
			return (int)i;
		}
		uint64_t saved = s->bit_off;
		s->bit_off += off;
		if (find_member(s, m[i].type, name, member_type, depth + 1) >= 0)
			return (int)i;
		s->bit_off = saved;
	}
	return -1;
}

/* The target side of a field access: the local accessors, matched by
 * name in target type `root`. False when the target lacks the field. */
static bool match_field(const struct spec *local, struct spec *targ)
{
	uint64_t size;
	uint32_t id = targ->root_id;
	if (btf_resolve_size(targ->btf, id, &size))
		return false;
	targ->bit_off = (uint64_t)local->acc[0].idx * size * 8;
	for (int i = 1; i < local->len; i++) {
		const struct accessor *a = &local->acc[i];
		const struct btf_type *t = type_of(targ->btf, id);
		if (!t)
			return false;
		if (a->name) {
			uint32_t mtype;
			if (!btf_is_composite(t) || find_member(targ, id, a->name, &mtype, 0) < 0)
				return false;
			/* the local member's type, to check compatibility */
			const struct btf_type *lt = type_of(local->btf, a->type_id);
			uint32_t lmtype = btf_members(lt)[a->idx].type;
			if (!fields_compat(local->btf, lmtype, targ->btf, mtype, 0))
				return false;
			id = mtype;
		} else {
			if (btf_kind(t) != BTF_KIND_ARRAY)
				return false;
			const struct btf_array *arr = btf_array(t);
			if (arr->nelems && a->idx >= arr->nelems)
				return false;
			if (btf_resolve_size(targ->btf, arr->type, &size))
				return false;
			targ->bit_off += (uint64_t)a->idx * size * 8;
			targ->bitfield_bits = 0;
			id = arr->type;
		}
	}
	targ->field_id = id;
	return true;
}

/* The value a field relocation wants, from a resolved spec. */
static int field_value(const struct spec *s, uint32_t kind, struct relo_result *r)
{
	const struct btf_type *t = type_of(s->btf, s->field_id);
	uint64_t size;
	uint32_t bits = s->bitfield_bits;
	if (!t)
		return -EINVAL;
	if (!bits && btf_kind(t) == BTF_KIND_INT) {
		uint32_t d = btf_int_data(t);
		if (BTF_INT_OFFSET(d) || BTF_INT_BITS(d) != t->size * 8)
			bits = BTF_INT_BITS(d);
	}
	if (btf_resolve_size(s->btf, s->field_id, &size))
		return -EINVAL;
	uint64_t byte_sz = size, byte_off = s->bit_off / 8;
	uint64_t bit_off = s->bit_off;
	if (bits) {
		/* the smallest aligned load of the int's size or more that
		 * covers the bitfield */
		byte_sz = t->size;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bits - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return -EINVAL;
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		bits = (uint32_t)(byte_sz * 8);
	}
	r->size = (uint32_t)byte_sz;
	r->bitfield = bits != byte_sz * 8 || s->bitfield_bits;
	switch (kind) {
	case BPF_CORE_FIELD_BYTE_OFFSET: r->value = byte_off; break;
	case BPF_CORE_FIELD_BYTE_SIZE: r->value = byte_sz; break;
	case BPF_CORE_FIELD_EXISTS: r->value = 1; break;
	case BPF_CORE_FIELD_SIGNED:
		r->value = (btf_kind(t) == BTF_KIND_INT && (BTF_INT_ENCODING(btf_int_data(t)) &
							      BTF_INT_SIGNED)) ||
			   ((btf_kind(t) == BTF_KIND_ENUM || btf_kind(t) == BTF_KIND_ENUM64) &&
			    btf_kflag(t));
		break;
	case BPF_CORE_FIELD_LSHIFT_U64: r->value = 64 - (bit_off + bits - byte_off * 8); break;
	case BPF_CORE_FIELD_RSHIFT_U64: r->value = 64 - bits; break;
	default: return -EINVAL;
	}
	r->ok = true;
	return 0;
}

static bool is_field_kind(uint32_t k)
{
	return k <= BPF_CORE_FIELD_RSHIFT_U64;
}

static bool is_enumval_kind(uint32_t k)
{
	return k == BPF_CORE_ENUMVAL_EXISTS || k == BPF_CORE_ENUMVAL_VALUE;
}

/* Same kind (a forward declaration matches its struct or union), and for
 * pointers and arrays compatible targets. */
static bool types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			 int depth)
{
	const struct btf_type *l = type_of(lb, lid), *t = type_of(tb, tid);
	if (!l || !t || depth > 16)
		return false;
	int lk = btf_kind(l), tk = btf_kind(t);
	if ((lk == BTF_KIND_ENUM || lk == BTF_KIND_ENUM64) &&
	    (tk == BTF_KIND_ENUM || tk == BTF_KIND_ENUM64))
		return true;
	if (lk == BTF_KIND_FWD || tk == BTF_KIND_FWD)
		return btf_is_composite(lk == BTF_KIND_FWD ? t : l) || lk == tk;
	if (lk != tk)
		return false;
	if (lk == BTF_KIND_PTR)
		return types_compat(lb, l->type, tb, t->type, depth + 1);
	if (lk == BTF_KIND_ARRAY)
		return types_compat(lb, btf_array(l)->type, tb, btf_array(t)->type, depth + 1);
	return true;
}

static int64_t enum_val(const struct btf_type *t, uint32_t i)
{
	if (btf_kind(t) == BTF_KIND_ENUM)
		return btf_kflag(t) ? (int64_t)(int32_t)btf_enums(t)[i].val
				    : (int64_t)(uint32_t)btf_enums(t)[i].val;
	return (int64_t)((uint64_t)btf_enums64(t)[i].val_hi32 << 32 | btf_enums64(t)[i].val_lo32);
}

static uint32_t enum_name_off(const struct btf_type *t, uint32_t i)
{
	return btf_kind(t) == BTF_KIND_ENUM ? btf_enums(t)[i].name_off
					    : btf_enums64(t)[i].name_off;
}

/* What the relocation wants with target candidate `cand`; r->ok false
 * when the candidate does not have what the relocation names. */
static int candidate_value(const struct spec *local, uint32_t kind, const struct btf *tb,
			   uint32_t cand, struct relo_result *r)
{
	memset(r, 0, sizeof(*r));
	if (is_field_kind(kind)) {
		struct spec targ = { .btf = tb, .root_id = cand };
		if (!match_field(local, &targ))
			return 0;
		return field_value(&targ, kind, r);
	}
	if (is_enumval_kind(kind)) {
		const struct btf_type *lt = type_of(local->btf, local->root_id);
		const struct btf_type *tt = type_of(tb, cand);
		const char *want = btf_name(local->btf, enum_name_off(lt, local->raw[0]));
		for (uint32_t i = 0; want && i < btf_vlen(tt); i++) {
			const char *n = btf_name(tb, enum_name_off(tt, i));
			if (n && same_essential(n, want)) {
				r->value = kind == BPF_CORE_ENUMVAL_EXISTS ? 1 : (uint64_t)enum_val(tt, i);
				r->ok = true;
				break;
			}
		}
		return 0;
	}
	if (!types_compat(local->btf, local->root_id, tb, cand, 0))
		return 0;
	uint64_t size = 0;
	switch (kind) {
	case BPF_CORE_TYPE_ID_TARGET: r->value = cand; break;
	case BPF_CORE_TYPE_EXISTS:
	case BPF_CORE_TYPE_MATCHES: r->value = 1; break;
	case BPF_CORE_TYPE_SIZE:
		if (btf_resolve_size(tb, cand, &size))
			return -EINVAL;
		r->value = size;
		break;
	default: return -EINVAL;
	}
	r->ok = true;
	return 0;
}

/* The answer when no candidate has it: "does not exist" for the
 * existence checks and the target type id, else a failure. */
static bool missing_value(uint32_t kind, struct relo_result *r)
{
	memset(r, 0, sizeof(*r));
	r->ok = kind == BPF_CORE_FIELD_EXISTS || kind == BPF_CORE_TYPE_EXISTS ||
		kind == BPF_CORE_TYPE_MATCHES || kind == BPF_CORE_ENUMVAL_EXISTS ||
		kind == BPF_CORE_TYPE_ID_TARGET;
	return r->ok;
}

/* The relocation's value in the target: every candidate (same kind of
 * type, same essential name) that has the access must agree. */
static int resolve(const struct spec *local, uint32_t kind, const struct btf *tb,
		   struct relo_result *out, const struct log_sink *log, const char *what)
{
	const struct btf_type *lt = type_of(local->btf, local->root_id);
	const char *name = btf_name(local->btf, lt->name_off);
	bool found = false;
	if (kind == BPF_CORE_TYPE_ID_LOCAL) {
		out->value = local->root_id, out->ok = true;
		return 0;
	}
	for (uint32_t id = 1; name && *name && id < btf_type_cnt(tb); id++) {
		const struct btf_type *t = btf_type_by_id(tb, id);
		int tk = btf_kind(t), lk = btf_kind(lt);
		bool kind_ok = tk == lk || (btf_is_composite(lt) && tk == BTF_KIND_FWD) ||
			       ((lk == BTF_KIND_ENUM || lk == BTF_KIND_ENUM64) &&
				(tk == BTF_KIND_ENUM || tk == BTF_KIND_ENUM64));
		const char *tn = btf_name(tb, t->name_off);
		if (!kind_ok || !tn || !same_essential(tn, name))
			continue;
		struct relo_result r;
		int err = candidate_value(local, kind, tb, id, &r);
		if (err || !r.ok)
			continue;
		if (found && (r.value != out->value || r.size != out->size)) {
			log_msg(log, BPFX_LOG_ERROR, "%s: CO-RE relocation of '%s' is ambiguous in "
				"the target BTF (candidates give %llu and %llu)", what, name,
				(unsigned long long)out->value, (unsigned long long)r.value);
			return -EINVAL;
		}
		*out = r;
		found = true;
	}
	if (!found)
		missing_value(kind, out);
	return 0;
}

/* Writes the value into the instruction, checking it holds the local
 * value first (as libbpf does: anything else means a wrong record). */
static int patch(struct bpf_insn *insns, size_t cnt, uint32_t idx, uint32_t kind,
		 const struct relo_result *local, const struct relo_result *targ,
		 const struct log_sink *log, const char *what)
{
	struct bpf_insn *in = &insns[idx];
	uint8_t cls = BPF_CLASS(in->code);

	if (!targ->ok) { /* poison: fails only if it runs */
		log_msg(log, BPFX_LOG_WARN, "%s: insn %u: CO-RE relocation (kind %u) has no "
			"target; the instruction is poisoned", what, idx, kind);
		bool ld64 = in->code == (BPF_LD | BPF_IMM | BPF_DW);
		*in = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = CORE_POISON_IMM };
		if (ld64 && idx + 1 < cnt)
			insns[idx + 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL,
							    .imm = CORE_POISON_IMM };
		return 0;
	}
	bool check = !local->bitfield || kind == BPF_CORE_FIELD_EXISTS;
	if (cls == BPF_ALU || cls == BPF_ALU64) {
		if (BPF_SRC(in->code) != BPF_K ||
		    (check && (uint64_t)(int64_t)in->imm != local->value) || targ->value > INT32_MAX)
			goto bad;
		in->imm = (int32_t)targ->value;
	} else if (cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) {
		if ((check && (uint64_t)(int64_t)in->off != local->value) || targ->value > INT16_MAX)
			goto bad;
		in->off = (int16_t)targ->value;
		/* A field that changed size: load what is there now. */
		if (kind == BPF_CORE_FIELD_BYTE_OFFSET && cls == BPF_LDX && targ->size != local->size) {
			static const uint8_t sz[9] = { [1] = BPF_B, [2] = BPF_H, [4] = BPF_W, [8] = BPF_DW };
			if (targ->size > 8 || (!sz[targ->size] && targ->size != 1))
				goto bad;
			in->code = (uint8_t)(BPF_CLASS(in->code) | BPF_MODE(in->code) | sz[targ->size]);
		}
	} else if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && idx + 1 < cnt) {
		uint64_t cur = (uint32_t)in->imm | (uint64_t)(uint32_t)insns[idx + 1].imm << 32;
		if (check && cur != local->value)
			goto bad;
		in->imm = (int32_t)(uint32_t)targ->value;
		insns[idx + 1].imm = (int32_t)(uint32_t)(targ->value >> 32);
	} else {
		goto bad;
	}
	return 0;
bad:
	log_msg(log, BPFX_LOG_ERROR, "%s: insn %u: CO-RE relocation (kind %u) does not fit the "
		"instruction (code 0x%02x, local value %llu, target %llu)", what, idx, kind,
		in->code, (unsigned long long)local->value, (unsigned long long)targ->value);
	return -EINVAL;
}

int core_relocate(const struct btf *local, const struct btf *target, struct bpf_insn *insns,
		  size_t cnt, const struct bpf_core_relo *relos, size_t n,
		  const struct log_sink *log, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const struct bpf_core_relo *r = &relos[i];
		struct spec s = { .btf = local, .root_id = r->type_id };
		const char *access = btf_name(local, r->access_str_off);
		uint32_t idx = r->insn_off / 8;
		struct relo_result lv = { 0 }, tv;
		int err = -EINVAL;

		if (r->insn_off % 8 || idx >= cnt || !access ||
		    r->kind > BPF_CORE_TYPE_MATCHES || !btf_type_by_id(local, r->type_id) ||
		    parse_access(access, s.raw, &s.raw_len))
			goto fail;
		if (is_field_kind(r->kind)) {
			if (parse_field_spec(&s) || field_value(&s, r->kind, &lv))
				goto fail;
		} else if (is_enumval_kind(r->kind)) {
			const struct btf_type *t = type_of(local, r->type_id);
			if ((btf_kind(t) != BTF_KIND_ENUM && btf_kind(t) != BTF_KIND_ENUM64) ||
			    s.raw[0] >= btf_vlen(t))
				goto fail;
			lv.value = r->kind == BPF_CORE_ENUMVAL_EXISTS ? 1 : (uint64_t)enum_val(t, s.raw[0]);
		} else {
			uint64_t size = 0;
			lv.value = r->kind == BPF_CORE_TYPE_SIZE
					   ? (btf_resolve_size(local, r->type_id, &size), size)
				   : r->kind == BPF_CORE_TYPE_ID_LOCAL || r->kind == BPF_CORE_TYPE_ID_TARGET
					   ? r->type_id : 1;
		}
		lv.ok = true;
		if ((err = resolve(&s, r->kind, target, &tv, log, what)) ||
		    (err = patch(insns, cnt, idx, r->kind, &lv, &tv, log, what)))
			return err;
		continue;
fail:
		log_msg(log, BPFX_LOG_ERROR, "%s: CO-RE relocation #%zu is malformed (insn offset %u, "
			"type %u, access '%s', kind %u)", what, i, r->insn_off, r->type_id,
			access ? access : "?", r->kind);
		return err;
	}
	return 0;
}
