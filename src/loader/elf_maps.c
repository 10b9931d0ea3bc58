/* SPDX-License-Identifier: MIT */
/*
 * The ELF object reader, maps: legacy `maps` definitions, BTF-defined
 * `.maps` (with inner maps of map-in-map), global data sections, the
 * .kconfig map of the object's externs, and the initial slots `.rel.maps`
 * gives prog arrays and maps of maps.
 *
 * Runs inside elf_obj_open_mem() after sections, symbols, BTF and entry
 * programs are loaded and checked (elf.c). BTF is validated by btf_parse,
 * so type ids found inside its records are in range and names resolve;
 * what the map definitions say about them is checked here.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf.h"
#include "loader/elf_priv.h"
#include "util/alloc.h"


void elf_internal_map_name(const char *obj_name, const char *sec_name,
			   char name[ELF_OBJ_NAME_LEN])
{
	/* libbpf: the section name keeps at least 7 chars (".rodata"), at
	 * most 15; names with a second '.' (".rodata.str1.1", ".data.x") get
	 * no object prefix; the prefix fills what remains of 15 chars. */
	size_t sfx = strlen(sec_name), pfx;

	if (sfx < 7)
		sfx = 7;
	if (sfx > ELF_OBJ_NAME_LEN - 1)
		sfx = ELF_OBJ_NAME_LEN - 1;
	if (sec_name[0] && strchr(sec_name + 1, '.'))
		pfx = 0;
	else
		pfx = strnlen(obj_name, ELF_OBJ_NAME_LEN - 1 - sfx);
	snprintf(name, ELF_OBJ_NAME_LEN, "%.*s%.*s", (int)pfx, obj_name, (int)sfx, sec_name);
	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			*p = '_';
}

void elf_map_clear(struct elf_map *map)
{
	if (map->inner) {
		elf_map_clear(map->inner);
		mem_free(map->inner);
	}
	mem_free(map->name);
	mem_free(map->real_name);
	mem_free(map->data);
	mem_free(map->slots);
}

static struct elf_map *add_map(struct elf_ctx *c, const char *name, const char *real_name,
			       enum elf_map_kind kind)
{
	struct elf_obj *obj = c->obj;
	struct elf_map *m = elf_array_push((void **)&obj->maps, &obj->map_cnt, sizeof(*m));

	if (!m)
		return NULL;
	m->kind = kind;
	m->internal = kind >= ELF_MAP_DATA;
	m->name = mem_strdup(name);
	m->real_name = mem_strdup(real_name);
	return m->name && m->real_name ? m : NULL;
}

/* ------------------------------------------------------------------ */
/* Legacy maps: SEC("maps") struct bpf_map_def                          */
/* ------------------------------------------------------------------ */

/* libbpf 0.x's struct bpf_map_def; longer definitions (iproute2's, the
 * old samples') are accepted when their extra bytes are zero. */
struct legacy_def {
	uint32_t type, key_size, value_size, max_entries, map_flags;
};

static int legacy_map(struct elf_ctx *c, const GElf_Sym *sym, const char *name, size_t def_sz)
{
	const struct elf_sec *s = &c->secs[c->legacy_maps_sec];
	struct legacy_def def = { 0 };

	if (sym->st_value > s->size || def_sz > s->size - sym->st_value)
		return elf_fail(c, -EINVAL, "section 'maps': map '%s' at offset %llu runs past the "
				"section (%zu bytes)", name, (unsigned long long)sym->st_value,
				s->size);
	const uint8_t *p = s->data + sym->st_value;
	memcpy(&def, p, def_sz < sizeof(def) ? def_sz : sizeof(def));
	for (size_t i = sizeof(def); i < def_sz; i++)
		if (p[i])
			return elf_fail(c, -EINVAL, "section 'maps': map '%s' has unknown non-zero "
					"fields after byte %zu of its %zu-byte definition", name,
					sizeof(def), def_sz);
	struct elf_map *m = add_map(c, name, name, ELF_MAP_LEGACY);
	if (!m)
		return -ENOMEM;
	m->def.type = def.type;
	m->def.key_size = def.key_size;
	m->def.value_size = def.value_size;
	m->def.max_entries = def.max_entries;
	m->def.map_flags = def.map_flags;
	m->sec_off = (uint32_t)sym->st_value;
	m->sec_size = (uint32_t)def_sz;
	return 0;
}

/* Every named, non-section symbol of `maps` is a map, all definitions
 * the same size (libbpf 0.x): section size / number of maps. */
static int collect_legacy_maps(struct elf_ctx *c)
{
	const struct elf_sec *s = &c->secs[c->legacy_maps_sec];
	size_t nr = 0;
	GElf_Sym sym;
	const char *name;
	int err;

	for (size_t i = 0; i < c->sym_cnt; i++) {
		if (elf_sym(c, i, &sym, &name))
			return -EINVAL;
		if (sym.st_shndx == c->legacy_maps_sec && GELF_ST_TYPE(sym.st_info) != STT_SECTION &&
		    name[0])
			nr++;
	}
	if (!nr)
		return 0;
	if (!s->data || s->size % nr)
		return elf_fail(c, -EINVAL, "section 'maps': %zu maps in %zu bytes: cannot tell the "
				"size of a definition", nr, s->size);
	for (size_t i = 0; i < c->sym_cnt; i++) {
		if (elf_sym(c, i, &sym, &name))
			return -EINVAL;
		if (sym.st_shndx != c->legacy_maps_sec || GELF_ST_TYPE(sym.st_info) == STT_SECTION ||
		    !name[0])
			continue;
		if (elf_obj_find_map(c->obj, name) >= 0)
			return elf_fail(c, -EINVAL, "section 'maps': two maps named '%s'", name);
		if ((err = legacy_map(c, &sym, name, s->size / nr)))
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* BTF-defined maps: SEC(".maps")                                       */
/* ------------------------------------------------------------------ */

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res)
{
	uint32_t r = btf_skip_modifiers(btf, id);

	if (res)
		*res = r;
	return btf_type_by_id(btf, r);
}

/* __uint(name, N) is `int (*name)[N]`: N is the array's length. */
static int map_field_int(struct elf_ctx *c, const char *map, const char *field,
			 const struct btf_member *m, uint32_t *val)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_type *t = skip_mods(btf, m->type, NULL);

	if (btf_kind(t) != BTF_KIND_PTR)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': field '%s' is a %s, expected "
				"PTR", map, field, btf_kind_str(btf_kind(t)));
	t = btf_type_by_id(btf, t->type);
	if (btf_kind(t) != BTF_KIND_ARRAY)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': field '%s' points to a %s, "
				"expected ARRAY", map, field, btf_kind_str(btf_kind(t)));
	*val = btf_array(t)->nelems;
	return 0;
}

/* __ulong(name, N) is an enum with one value N (map_extra). */
static int map_field_long(struct elf_ctx *c, const char *map, const struct btf_member *m,
			  uint64_t *val)
{
	const struct btf_type *t = skip_mods(c->obj->btf, m->type, NULL);
	uint32_t v32;
	int err;

	if (btf_kind(t) == BTF_KIND_PTR) {
		err = map_field_int(c, map, "map_extra", m, &v32);
		*val = v32;
		return err;
	}
	if ((btf_kind(t) != BTF_KIND_ENUM && btf_kind(t) != BTF_KIND_ENUM64) || btf_vlen(t) != 1)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': field 'map_extra' is not a "
				"pointer to an array nor a one-value enum", map);
	/* a 32-bit enum value is sign-extended, as libbpf does */
	*val = btf_kind(t) == BTF_KIND_ENUM ? (uint64_t)(int64_t)btf_enums(t)->val
					    : btf_enum64_value(btf_enums64(t));
	return 0;
}

/* __type(name, T) is `T *name`: the size and type id of T. */
static int map_field_type(struct elf_ctx *c, const char *map, const char *field,
			  const struct btf_member *m, uint32_t *size, uint32_t *id)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_type *t = btf_type_by_id(btf, m->type);
	uint64_t sz;

	if (btf_kind(t) != BTF_KIND_PTR)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': field '%s' is a %s, expected "
				"PTR", map, field, btf_kind_str(btf_kind(t)));
	if (btf_resolve_size(btf, t->type, &sz) || sz > UINT32_MAX)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': the size of %s type [%u] is "
				"unknown", map, field, t->type);
	if (*size && *size != sz)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': conflicting %s size %u != %llu",
				map, field, *size, (unsigned long long)sz);
	*size = (uint32_t)sz;
	*id = t->type;
	return 0;
}

static bool is_map_in_map(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static int parse_map_def(struct elf_ctx *c, const char *map, const struct btf_type *st,
			 struct elf_map_def *def, struct elf_map_def *inner, bool *has_inner);

/* `values`: __array(values, struct {...}) for maps of maps (the inner
 * template), __array(values, int (void *)) for prog arrays. */
static int map_field_values(struct elf_ctx *c, const char *map, const struct btf_member *m,
			    bool last, struct elf_map_def *def, struct elf_map_def *inner,
			    bool *has_inner)
{
	const struct btf *btf = c->obj->btf;
	bool prog_array = def->type == BPF_MAP_TYPE_PROG_ARRAY;
	char inner_name[128];

	if (!inner)
		return elf_fail(c, -EOPNOTSUPP, "section '.maps': map '%s': multi-level inner maps "
				"are not supported", map);
	if (!last)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': 'values' must be the last "
				"field", map);
	if (!is_map_in_map(def->type) && !prog_array)
		return elf_fail(c, -EOPNOTSUPP, "section '.maps': map '%s': 'values' needs a map of "
				"maps or a prog array", map);
	if (def->value_size && def->value_size != 4)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': conflicting value size %u != 4",
				map, def->value_size);
	def->value_size = 4;
	const struct btf_type *t = btf_type_by_id(btf, m->type);
	if (btf_kind(t) != BTF_KIND_ARRAY || btf_array(t)->nelems)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': 'values' is not a zero-length "
				"array", map);
	t = skip_mods(btf, btf_array(t)->type, NULL);
	if (btf_kind(t) == BTF_KIND_PTR)
		t = skip_mods(btf, t->type, NULL);
	else
		t = NULL;
	if (prog_array) {
		if (!t || btf_kind(t) != BTF_KIND_FUNC_PROTO)
			return elf_fail(c, -EINVAL, "section '.maps': map '%s': 'values' of a prog "
					"array must point to functions", map);
		return 0;
	}
	if (!t || btf_kind(t) != BTF_KIND_STRUCT)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': 'values' must point to the "
				"inner map's definition", map);
	snprintf(inner_name, sizeof(inner_name), "%s.inner", map);
	*has_inner = true;
	return parse_map_def(c, inner_name, t, inner, NULL, NULL);
}

/* One member of a definition; inner == NULL while parsing an inner map. */
static int map_field(struct elf_ctx *c, const char *map, const struct btf_type *st, uint32_t i,
		     struct elf_map_def *def, struct elf_map_def *inner, bool *has_inner)
{
	const struct btf_member *m = &btf_members(st)[i];
	const char *f = btf_name(c->obj->btf, m->name_off);
	uint32_t v;
	int err;

	if (!strcmp(f, "type"))
		return map_field_int(c, map, f, m, &def->type);
	if (!strcmp(f, "max_entries"))
		return map_field_int(c, map, f, m, &def->max_entries);
	if (!strcmp(f, "map_flags"))
		return map_field_int(c, map, f, m, &def->map_flags);
	if (!strcmp(f, "numa_node"))
		return map_field_int(c, map, f, m, &def->numa_node);
	if (!strcmp(f, "map_extra"))
		return map_field_long(c, map, m, &def->map_extra);
	if (!strcmp(f, "key"))
		return map_field_type(c, map, f, m, &def->key_size, &def->btf_key_type_id);
	if (!strcmp(f, "value"))
		return map_field_type(c, map, f, m, &def->value_size, &def->btf_value_type_id);
	if (!strcmp(f, "values"))
		return map_field_values(c, map, m, i + 1 == btf_vlen(st), def, inner, has_inner);
	if (!strcmp(f, "key_size") || !strcmp(f, "value_size")) {
		uint32_t *sz = f[0] == 'k' ? &def->key_size : &def->value_size;
		if ((err = map_field_int(c, map, f, m, &v)))
			return err;
		if (*sz && *sz != v)
			return elf_fail(c, -EINVAL, "section '.maps': map '%s': conflicting %s %u != %u",
					map, f, *sz, v);
		*sz = v;
		return 0;
	}
	if (!strcmp(f, "pinning")) {
		if (!inner)
			return elf_fail(c, -EINVAL, "section '.maps': map '%s': an inner map cannot be "
					"pinned", map);
		if ((err = map_field_int(c, map, f, m, &v)))
			return err;
		if (v != ELF_PIN_NONE && v != ELF_PIN_BY_NAME)
			return elf_fail(c, -EINVAL, "section '.maps': map '%s': invalid pinning %u",
					map, v);
		def->pinning = v;
		return 0;
	}
	return elf_fail(c, -EOPNOTSUPP, "section '.maps': map '%s': unknown field '%s'", map, f);
}

static int parse_map_def(struct elf_ctx *c, const char *map, const struct btf_type *st,
			 struct elf_map_def *def, struct elf_map_def *inner, bool *has_inner)
{
	int err;

	for (uint32_t i = 0; i < btf_vlen(st); i++)
		if ((err = map_field(c, map, st, i, def, inner, has_inner)))
			return err;
	if (def->type == BPF_MAP_TYPE_UNSPEC)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s': no map type", map);
	return 0;
}

/* Where the definition of VAR `name` lies in .maps: its ELF symbol (clang
 * leaves DATASEC offsets zero), else the DATASEC's own record once a
 * linker filled it in (DATASEC size non-zero). */
static int map_def_place(struct elf_ctx *c, const char *name, const struct btf_type *sec,
			 const struct btf_var_secinfo *vi, uint32_t *off, uint32_t *size)
{
	GElf_Sym sym;

	if (elf_find_object(c, name, c->maps_sec, false, &sym) >= 0 &&
	    sym.st_value <= UINT32_MAX && sym.st_size <= UINT32_MAX) {
		*off = (uint32_t)sym.st_value;
		*size = (uint32_t)sym.st_size;
		return 0;
	}
	if (!sec->size)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s' has no symbol", name);
	*off = vi->offset;
	*size = vi->size;
	return 0;
}

static int btf_map(struct elf_ctx *c, const struct btf_type *sec, uint32_t i)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_var_secinfo *vi = &btf_secinfos(sec)[i];
	const struct btf_type *var = btf_type_by_id(btf, vi->type);
	const char *name = btf_name(btf, var->name_off);
	uint32_t off = 0, size = 0;
	int err;

	if (btf_kind(var) != BTF_KIND_VAR || !name[0])
		return elf_fail(c, -EINVAL, "section '.maps': DATASEC entry %u is not a named VAR", i);
	if (btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED)
		return elf_fail(c, -EOPNOTSUPP, "section '.maps': map '%s' is not a global variable "
				"(linkage %u)", name, btf_var(var)->linkage);
	const struct btf_type *st = skip_mods(btf, var->type, NULL);
	if (btf_kind(st) != BTF_KIND_STRUCT)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s' is a %s, expected a STRUCT",
				name, btf_kind_str(btf_kind(st)));
	if ((err = map_def_place(c, name, sec, vi, &off, &size)))
		return err;
	const struct elf_sec *s = &c->secs[c->maps_sec];
	if (off > s->size || size > s->size - off || st->size > size)
		return elf_fail(c, -EINVAL, "section '.maps': map '%s' at offset %u size %u (type "
				"size %u) does not fit the section (%zu bytes)", name, off, size,
				st->size, s->size);
	if (elf_obj_find_map(c->obj, name) >= 0)
		return elf_fail(c, -EINVAL, "section '.maps': two maps named '%s'", name);

	struct elf_map_def def = { 0 }, inner = { 0 };
	bool has_inner = false;
	if ((err = parse_map_def(c, name, st, &def, &inner, &has_inner)))
		return err;
	struct elf_map *m = add_map(c, name, name, ELF_MAP_BTF);
	if (!m)
		return -ENOMEM;
	m->def = def;
	m->sec_off = off;
	m->sec_size = size;
	m->btf_var_id = vi->type;
	if (!has_inner)
		return 0;
	m->inner = mem_zalloc(sizeof(*m->inner));
	if (!m->inner)
		return -ENOMEM;
	m->inner->kind = ELF_MAP_BTF;
	m->inner->def = inner;
	m->inner->sec_off = off;
	m->inner->name = mem_alloc(strlen(name) + sizeof(".inner"));
	if (!m->inner->name)
		return -ENOMEM;
	sprintf(m->inner->name, "%s.inner", name);
	m->inner->real_name = mem_strdup(m->inner->name);
	return m->inner->real_name ? 0 : -ENOMEM;
}

static int cmp_map_off(const void *a, const void *b)
{
	const struct elf_map *x = a, *y = b;

	return x->sec_off < y->sec_off ? -1 : x->sec_off > y->sec_off;
}

static int collect_btf_maps(struct elf_ctx *c)
{
	const struct btf *btf = c->obj->btf;
	uint32_t first = c->obj->map_cnt;
	int err;

	if (!btf)
		return elf_fail(c, -EINVAL, "section '.maps': map definitions need BTF, the object "
				"has no .BTF section");
	int32_t id = btf_find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC);
	if (id < 0)
		return elf_fail(c, -EINVAL, "section '.maps': BTF has no DATASEC '.maps'");
	const struct btf_type *sec = btf_type_by_id(btf, (uint32_t)id);
	for (uint32_t i = 0; i < btf_vlen(sec); i++)
		if ((err = btf_map(c, sec, i)))
			return err;
	/* libbpf creates them in the order of their offsets */
	qsort(c->obj->maps + first, c->obj->map_cnt - first, sizeof(struct elf_map), cmp_map_off);
	for (uint32_t i = first + 1; i < c->obj->map_cnt; i++) {
		const struct elf_map *a = &c->obj->maps[i - 1], *b = &c->obj->maps[i];
		if ((uint64_t)a->sec_off + a->sec_size > b->sec_off)
			return elf_fail(c, -EINVAL, "section '.maps': maps '%s' and '%s' overlap",
					a->name, b->name);
	}
	c->btf_maps_begin = first;
	c->btf_maps_end = c->obj->map_cnt;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Global data                                                          */
/* ------------------------------------------------------------------ */

static bool var_hidden(struct elf_ctx *c, const char *name)
{
	GElf_Sym sym;

	if (elf_find_object(c, name, -1, true, &sym) < 0)
		return false;
	return GELF_ST_VISIBILITY(sym.st_other) == STV_HIDDEN ||
	       GELF_ST_VISIBILITY(sym.st_other) == STV_INTERNAL;
}

/* libbpf maps global data BPF_F_MMAPABLE when its DATASEC has a global
 * variable that is not hidden (the skeleton exposes those). */
static bool datasec_mmapable(struct elf_ctx *c, uint32_t id)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_type *t = btf_type_by_id(btf, id);

	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_type *v = btf_type_by_id(btf, btf_secinfos(t)[i].type);
		if (btf_kind(v) != BTF_KIND_VAR || btf_var(v)->linkage == BTF_VAR_STATIC)
			continue;
		if (btf_var(v)->linkage == BTF_VAR_GLOBAL_EXTERN ||
		    !var_hidden(c, btf_name(btf, v->name_off)))
			return true;
	}
	return false;
}

static int data_map(struct elf_ctx *c, int idx, enum elf_map_kind kind, const char *real,
		    uint64_t size)
{
	char name[ELF_OBJ_NAME_LEN];
	struct elf_sec *s = idx ? &c->secs[idx] : NULL;

	if (size > UINT32_MAX)
		return elf_fail(c, -EINVAL, "section '%s': size %llu is too large for a map", real,
				(unsigned long long)size);
	elf_internal_map_name(c->obj->name, real, name);
	struct elf_map *m = add_map(c, name, real, kind);
	if (!m)
		return -ENOMEM;
	m->def.type = BPF_MAP_TYPE_ARRAY;
	m->def.key_size = sizeof(uint32_t);
	m->def.value_size = (uint32_t)size;
	m->def.max_entries = 1;
	m->frozen = kind == ELF_MAP_RODATA || kind == ELF_MAP_KCONFIG;
	m->def.map_flags = m->frozen ? BPF_F_RDONLY_PROG : 0;
	int32_t id = c->obj->btf ? btf_find_by_name_kind(c->obj->btf, real, BTF_KIND_DATASEC) : -1;
	if (id > 0) {
		m->def.btf_value_type_id = (uint32_t)id;
		if (datasec_mmapable(c, (uint32_t)id))
			m->def.map_flags |= BPF_F_MMAPABLE;
	}
	if (s)
		s->map = (int)c->obj->map_cnt - 1;
	if (kind == ELF_MAP_DATA || kind == ELF_MAP_RODATA) {
		m->data = mem_alloc(size);
		if (!m->data)
			return -ENOMEM;
		memcpy(m->data, s->data, size);
	}
	return 0;
}

int elf_collect_maps(struct elf_ctx *c)
{
	int err;

	if (c->legacy_maps_sec && (err = collect_legacy_maps(c)))
		return err;
	if (c->maps_sec && (err = collect_btf_maps(c)))
		return err;
	for (size_t i = 1; i < c->sec_cnt; i++) {
		struct elf_sec *s = &c->secs[i];
		enum elf_map_kind kind;
		switch (s->kind) {
		case ELF_SEC_DATA: kind = ELF_MAP_DATA; break;
		case ELF_SEC_RODATA: kind = ELF_MAP_RODATA; break;
		case ELF_SEC_BSS: kind = ELF_MAP_BSS; break;
		default: continue;
		}
		if (s->size && (err = data_map(c, (int)i, kind, s->name, s->size)))
			return err;
	}
	return 0;
}

/* The kconfig map, once the externs know their layout (elf_externs). */
int elf_add_kconfig_map(struct elf_ctx *c, uint32_t size)
{
	int err = data_map(c, 0, ELF_MAP_KCONFIG, ".kconfig", size);

	if (!err)
		c->obj->kconfig_map = (int32_t)c->obj->map_cnt - 1;
	return err;
}

/* ------------------------------------------------------------------ */
/* Initial slots: .rel.maps                                             */
/* ------------------------------------------------------------------ */

/* The BTF map containing bytes [off, off + 8) of .maps and the offset of
 * the last member of its definition, `values`. BTF maps are sorted by
 * offset and do not overlap (collect_btf_maps). */
static int slot_owner(struct elf_ctx *c, uint64_t off, struct elf_map **owner, uint32_t *moff)
{
	const struct btf *btf = c->obj->btf;
	uint32_t lo = c->btf_maps_begin, hi = c->btf_maps_end;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct elf_map *m = &c->obj->maps[mid];
		if ((uint64_t)m->sec_off + m->sec_size <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct elf_map *m = lo < c->btf_maps_end ? &c->obj->maps[lo] : NULL;
	if (!m || off < m->sec_off ||
	    off + 8 > (uint64_t)m->sec_off + m->sec_size)
		return -ENOENT;
	const struct btf_type *st = skip_mods(btf, btf_type_by_id(btf, m->btf_var_id)->type, NULL);
	uint32_t n = btf_vlen(st);
	if (!n || strcmp(btf_name(btf, btf_members(st)[n - 1].name_off), "values"))
		return -ENOENT;
	*owner = m;
	*moff = btf_member_bit_offset(st, n - 1) / 8;
	return 0;
}

static int slot_target(struct elf_ctx *c, const struct elf_map *m, const GElf_Sym *sym,
		       const char *name, size_t r, int32_t *target)
{
	if (is_map_in_map(m->def.type)) {
		if (sym->st_shndx != c->maps_sec || (*target = elf_obj_find_map(c->obj, name)) < 0)
			return elf_fail(c, -EINVAL, "relocation %zu in '.rel.maps': '%s' is not a "
					"BTF-defined map", r, name);
		if (m->def.type == BPF_MAP_TYPE_HASH_OF_MAPS && m->def.key_size != 4)
			return elf_fail(c, -EINVAL, "relocation %zu in '.rel.maps': hash of maps '%s' "
					"needs 4-byte keys", r, m->name);
		return 0;
	}
	struct elf_func *f = NULL;
	if (sym->st_shndx < c->sec_cnt && sym->st_value % ELF_INSN_SZ == 0)
		f = elf_func_at(c, sym->st_shndx, sym->st_value / ELF_INSN_SZ);
	if (!f || f->prog < 0 || f->off != sym->st_value / ELF_INSN_SZ)
		return elf_fail(c, -EINVAL, "relocation %zu in '.rel.maps': '%s' is not an entry "
				"program", r, name);
	*target = f->prog;
	return 0;
}

static int add_slot(struct elf_ctx *c, size_t r, const Elf64_Rel *rel)
{
	struct elf_map *m;
	GElf_Sym sym;
	const char *name;
	uint32_t moff;
	int32_t target = -1;
	int err;

	if (elf_sym(c, GELF_R_SYM(rel->r_info), &sym, &name))
		return elf_fail(c, -EINVAL, "relocation %zu in '.rel.maps' points at symbol %llu of "
				"%zu", r, (unsigned long long)GELF_R_SYM(rel->r_info), c->sym_cnt);
	uint32_t type = GELF_R_TYPE(rel->r_info);
	if (type != ELF_R_BPF_64_ABS64 && type != ELF_R_BPF_64_64)
		return elf_fail(c, -EINVAL, "relocation %zu in '.rel.maps': type %u, expected %d",
				r, type, ELF_R_BPF_64_ABS64);
	if (slot_owner(c, rel->r_offset, &m, &moff) || rel->r_offset - m->sec_off < moff ||
	    (rel->r_offset - m->sec_off - moff) % 8)
		return elf_fail(c, -EINVAL, "relocation %zu in '.rel.maps': offset %llu is not a slot "
				"of a map's 'values'", r, (unsigned long long)rel->r_offset);
	if ((err = slot_target(c, m, &sym, name, r, &target)))
		return err;
	uint32_t slot = (uint32_t)((rel->r_offset - m->sec_off - moff) / 8);
	for (uint32_t i = 0; i < m->slot_cnt; i++)
		if (m->slots[i].slot == slot) {
			m->slots[i].target = target;
			return 0;
		}
	struct elf_map_slot *s = elf_array_push((void **)&m->slots, &m->slot_cnt, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->slot = slot;
	s->target = target;
	return 0;
}

int elf_collect_map_slots(struct elf_ctx *c)
{
	int err;

	if (!c->maps_sec || !c->secs[c->maps_sec].rel)
		return 0;
	int ri = c->secs[c->maps_sec].rel;
	Elf_Data *d = elf_getdata(elf_getscn(c->elf, ri), NULL);
	size_t n = c->secs[ri].size / sizeof(Elf64_Rel);
	if (n && (!d || d->d_size != c->secs[ri].size))
		return elf_fail(c, -EINVAL, "section '%s': unreadable", c->secs[ri].name);
	for (size_t r = 0; r < n; r++) {
		GElf_Rel rel;
		if (!gelf_getrel(d, (int)r, &rel))
			return elf_fail(c, -EINVAL, "section '%s': relocation %zu unreadable",
					c->secs[ri].name, r);
		if ((err = add_slot(c, r, &rel)))
			return err;
	}
	return 0;
}
