/* SPDX-License-Identifier: MIT */
/*
 * elf_show: prints what the ELF object reader (src/loader/elf.h) makes of
 * an object file, for tests/suites/elf.sh.
 *
 *   elf_show FILE.o          the description as JSON
 *   elf_show -k FILE.o       the part the kernel can confirm, one sorted
 *                            line per program and map, in the shape the
 *                            suite builds from `bpftool -j prog/map show`:
 *     prog <name/15> <bpftool type> gpl=<0|1> maps=<sorted map names/15>
 *       (the maps its relocations name, and every .rodata map: libbpf
 *       binds those to each program it loads); SEC("?...") programs,
 *       which bpftool does not load, are left out
 *     map <name/15> <bpftool type> flags=N key=N value=N max=N frozen=0|1
 *
 * Exit status 1 (and the reader's log on stderr) when the object is
 * refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf.h"
#include "loader/elf.h"

static void log_fn(void *ctx, enum bpfx_log_level level, const char *msg)
{
	(void)ctx;
	if (level <= BPFX_LOG_WARN)
		fprintf(stderr, "%s\n", msg);
}

static const char *str_or(const char *s)
{
	return s ? s : "unknown";
}

static void jstr(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static const char *reloc_kind(enum elf_reloc_kind k)
{
	switch (k) {
	case ELF_RELOC_MAP: return "map";
	case ELF_RELOC_MAP_VALUE: return "map_value";
	case ELF_RELOC_KSYM: return "ksym";
	default: return "kfunc";
	}
}

static const char *map_kind(enum elf_map_kind k)
{
	static const char *const names[] = { "btf", "legacy", "data", "rodata", "bss", "kconfig" };
	return names[k];
}

static void show_def(const struct elf_map_def *d)
{
	const char *t = elf_map_type_str(d->type);
	printf("\"type\":");
	if (t)
		jstr(t);
	else
		printf("%u", d->type);
	printf(",\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,\"flags\":%u,"
	       "\"numa_node\":%u,\"map_extra\":%llu,\"pinning\":%u,\"btf_key_type_id\":%u,"
	       "\"btf_value_type_id\":%u", d->key_size, d->value_size, d->max_entries,
	       d->map_flags, d->numa_node, (unsigned long long)d->map_extra, d->pinning,
	       d->btf_key_type_id, d->btf_value_type_id);
}

static void show_map(const struct elf_obj *obj, const struct elf_map *m)
{
	printf("{\"name\":");
	jstr(m->name);
	printf(",\"real_name\":");
	jstr(m->real_name);
	printf(",\"kind\":\"%s\",", map_kind(m->kind));
	show_def(&m->def);
	printf(",\"frozen\":%s", m->frozen ? "true" : "false");
	if (m->data) {
		uint64_t sum = 0;
		for (uint32_t i = 0; i < m->def.value_size; i++)
			sum = sum * 31 + ((const unsigned char *)m->data)[i];
		printf(",\"data_hash\":\"%016llx\"", (unsigned long long)sum);
	}
	if (m->inner) {
		printf(",\"inner\":{\"name\":");
		jstr(m->inner->name);
		printf(",");
		show_def(&m->inner->def);
		printf("}");
	}
	if (m->slot_cnt) {
		printf(",\"slots\":[");
		for (uint32_t i = 0; i < m->slot_cnt; i++) {
			const struct elf_map_slot *s = &m->slots[i];
			bool prog = m->def.type == BPF_MAP_TYPE_PROG_ARRAY;
			printf("%s{\"slot\":%u,\"%s\":", i ? "," : "", s->slot, prog ? "prog" : "map");
			jstr(prog ? obj->progs[s->target].name : obj->maps[s->target].name);
			printf("}");
		}
		printf("]");
	}
	printf("}");
}

static void show_relocs(const struct elf_obj *obj, const struct elf_prog *p)
{
	printf(",\"relocs\":[");
	for (uint32_t i = 0; i < p->reloc_cnt; i++) {
		const struct elf_reloc *r = &p->relocs[i];
		printf("%s{\"insn\":%u,\"kind\":\"%s\"", i ? "," : "", r->insn, reloc_kind(r->kind));
		if (r->map >= 0) {
			printf(",\"map\":");
			jstr(obj->maps[r->map].name);
		}
		if (r->kind == ELF_RELOC_MAP_VALUE)
			printf(",\"off\":%u", r->off);
		if (r->ext >= 0) {
			printf(",\"extern\":");
			jstr(obj->externs[r->ext].name);
		}
		printf("}");
	}
	printf("]");
}

/* The function of the linked program that instruction insn belongs to. */
static const char *func_of(const struct elf_prog *p, uint32_t insn)
{
	for (uint32_t i = 0; i < p->subprog_cnt; i++)
		if (insn >= p->subprogs[i].off && insn < p->subprogs[i].off + p->subprogs[i].cnt)
			return p->subprogs[i].name;
	return insn < p->own_insn_cnt ? p->name : "?";
}

static void show_prog(const struct elf_obj *obj, const struct elf_prog *p)
{
	const char *at = elf_attach_type_str(p->expected_attach_type);

	printf("{\"name\":");
	jstr(p->name);
	printf(",\"section\":");
	jstr(p->sec_name);
	printf(",\"type\":");
	jstr(str_or(elf_prog_type_str(p->type)));
	printf(",\"expected_attach_type\":");
	if (p->expected_attach_type && at)
		jstr(at);
	else
		printf("%u", p->expected_attach_type);
	printf(",\"attach_target\":");
	if (p->attach_target)
		jstr(p->attach_target);
	else
		printf("null");
	printf(",\"attach_btf\":%s,\"prog_flags\":%u,\"autoload\":%s,\"insns\":%u,"
	       "\"own_insns\":%u", p->attach_btf ? "true" : "false", p->prog_flags,
	       p->autoload ? "true" : "false", p->insn_cnt, p->own_insn_cnt);
	printf(",\"subprogs\":[");
	for (uint32_t i = 0; i < p->subprog_cnt; i++) {
		printf("%s{\"name\":", i ? "," : "");
		jstr(p->subprogs[i].name);
		printf(",\"off\":%u,\"insns\":%u}", p->subprogs[i].off, p->subprogs[i].cnt);
	}
	printf("]");
	show_relocs(obj, p);
	printf(",\"func_info\":[");
	for (uint32_t i = 0; i < p->func_info_cnt; i++) {
		const struct bpf_func_info *f = &p->func_info[i];
		const struct btf_type *t = btf_type_by_id(obj->btf, f->type_id);
		printf("%s{\"insn\":%u,\"func\":", i ? "," : "", f->insn_off);
		jstr(t ? btf_name(obj->btf, t->name_off) : "?");
		printf("}");
	}
	printf("],\"line_info\":%u,\"core_relos\":[", p->line_info_cnt);
	for (uint32_t i = 0; i < p->core_relo_cnt; i++) {
		const struct bpf_core_relo *r = &p->core_relos[i];
		printf("%s{\"insn\":%u,\"type_id\":%u,\"access\":", i ? "," : "", r->insn_off / 8,
		       r->type_id);
		jstr(btf_name(obj->btf, r->access_str_off));
		printf(",\"kind\":%u,\"in\":", r->kind);
		jstr(func_of(p, r->insn_off / 8));
		printf("}");
	}
	printf("]}");
}

static void show_json(const struct elf_obj *obj)
{
	printf("{\"name\":");
	jstr(obj->name);
	printf(",\"license\":");
	jstr(obj->license);
	printf(",\"kern_version\":%u,\"btf_types\":%u,\"btf_ext\":%s,\"programs\":[",
	       obj->kern_version, obj->btf ? btf_type_cnt(obj->btf) : 0,
	       obj->btf_ext ? "true" : "false");
	for (uint32_t i = 0; i < obj->prog_cnt; i++) {
		printf(i ? ",\n  " : "\n  ");
		show_prog(obj, &obj->progs[i]);
	}
	printf("],\"maps\":[");
	for (uint32_t i = 0; i < obj->map_cnt; i++) {
		printf(i ? ",\n  " : "\n  ");
		show_map(obj, &obj->maps[i]);
	}
	printf("],\"externs\":[");
	for (uint32_t i = 0; i < obj->extern_cnt; i++) {
		const struct elf_extern *e = &obj->externs[i];
		printf("%s{\"name\":", i ? "," : "");
		jstr(e->name);
		printf(",\"kind\":\"%s\",\"func\":%s,\"weak\":%s", e->kind == ELF_EXT_KCONFIG ?
		       "kconfig" : "ksym", e->is_func ? "true" : "false", e->is_weak ? "true" : "false");
		if (e->kind == ELF_EXT_KCONFIG)
			printf(",\"off\":%u,\"size\":%u", e->kcfg_off, e->kcfg_size);
		printf("}");
	}
	printf("],\"vars\":%u}\n", obj->var_cnt);
}

/* The kernel's license_is_gpl_compatible(). */
static int gpl(const char *l)
{
	static const char *const ok[] = { "GPL", "GPL v2", "GPL and additional rights",
					  "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(l, ok[i]))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void show_kernel_prog(const struct elf_obj *obj, const struct elf_prog *p)
{
	const char *names[64];
	size_t n = 0;

	for (uint32_t i = 0; i < p->reloc_cnt && n < 64; i++) {
		int m = p->relocs[i].map;
		bool seen = false;
		if (m < 0)
			continue;
		for (size_t j = 0; j < n; j++)
			seen |= names[j] == obj->maps[m].name;
		if (!seen)
			names[n++] = obj->maps[m].name;
	}
	/* libbpf binds every .rodata map to every program it loads */
	for (uint32_t i = 0; i < obj->map_cnt && n < 64; i++) {
		bool seen = false;
		if (obj->maps[i].kind != ELF_MAP_RODATA)
			continue;
		for (size_t j = 0; j < n; j++)
			seen |= names[j] == obj->maps[i].name;
		if (!seen)
			names[n++] = obj->maps[i].name;
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	printf("prog %.15s %s gpl=%d maps=", p->name, str_or(elf_prog_type_str(p->type)),
	       gpl(obj->license));
	for (size_t j = 0; j < n; j++)
		printf("%s%.15s", j ? "," : "", names[j]);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct log_sink log = { log_fn, NULL };
	bool kernel = argc == 3 && !strcmp(argv[1], "-k");
	int err;

	if (argc != 2 && !kernel) {
		fprintf(stderr, "usage: elf_show [-k] FILE.o\n");
		return 2;
	}
	struct elf_obj *obj = elf_obj_open_file(argv[argc - 1], &log, &err);
	if (!obj) {
		fprintf(stderr, "elf_show: %s: %s\n", argv[argc - 1], strerror(-err));
		return 1;
	}
	if (!kernel) {
		show_json(obj);
	} else {
		for (uint32_t i = 0; i < obj->prog_cnt; i++)
			if (obj->progs[i].autoload)
				show_kernel_prog(obj, &obj->progs[i]);
		for (uint32_t i = 0; i < obj->map_cnt; i++) {
			const struct elf_map *m = &obj->maps[i];
			printf("map %.15s %s flags=%u key=%u value=%u max=%u frozen=%d\n", m->name,
			       str_or(elf_map_type_str(m->def.type)), m->def.map_flags, m->def.key_size,
			       m->def.value_size, m->def.max_entries, m->frozen);
		}
	}
	elf_obj_free(obj);
	return 0;
}
