/* SPDX-License-Identifier: MIT */
/*
 * The object's BTF as a loader hands it to BPF_BTF_LOAD: clang leaves the
 * sizes of data sections and the offsets of their variables to the
 * loader (DATASEC size 0), which the kernel refuses. Like libbpf's
 * btf_fixup_datasec, each DATASEC of a section the object has gets the
 * section's size, each variable the offset of its ELF symbol, variables
 * of restricted visibility become static, and the variables are sorted by
 * offset. Sections that back externs (.kconfig, .ksyms) are left alone:
 * their BTF stays unloadable and the object loads without BTF, as libbpf
 * does when the kernel refuses an object's BTF.
 *
 * Runs once per load on the loading thread; works on a copy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf.h"
#include "loader/elf.h"
#include "util/alloc.h"

/* The record of type `id` in the copy (same layout as the parsed BTF). */
static struct btf_type *type_in_copy(const struct btf *btf, uint8_t *copy, uint32_t id)
{
	size_t size;
	const uint8_t *raw = btf_raw_data(btf, &size);
	return (struct btf_type *)(copy + ((const uint8_t *)btf_type_by_id(btf, id) - raw));
}

/* The symbol `name` of section `sec`, or NULL. */
static const struct elf_var *find_var(const struct elf_obj *elf, const char *sec,
				      const char *name)
{
	for (uint32_t i = 0; i < elf->var_cnt; i++)
		if (!strcmp(elf->vars[i].sec, sec) && (!name || !strcmp(elf->vars[i].name, name)))
			return &elf->vars[i];
	return NULL;
}

static int cmp_secinfo(const void *a, const void *b)
{
	const struct btf_var_secinfo *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void fix_datasec(const struct elf_obj *elf, uint8_t *copy, uint32_t id)
{
	const struct btf *btf = elf->btf;
	struct btf_type *t = type_in_copy(btf, copy, id);
	const char *sec = btf_name(btf, t->name_off);
	if (!strcmp(sec, ".kconfig") || !strcmp(sec, ".ksyms"))
		return;
	const struct elf_var *any = find_var(elf, sec, NULL);
	if (!any)
		return; /* no symbol tells the section's size */
	t->size = any->sec_size;
	struct btf_var_secinfo *v = (struct btf_var_secinfo *)(t + 1);
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_type *vt = btf_type_by_id(btf, v[i].type);
		if (btf_kind(vt) != BTF_KIND_VAR)
			continue;
		const struct elf_var *sym = find_var(elf, sec, btf_name(btf, vt->name_off));
		if (!sym)
			continue;
		v[i].offset = sym->off;
		if (sym->hidden)
			*(uint32_t *)(type_in_copy(btf, copy, v[i].type) + 1) = BTF_VAR_STATIC;
	}
	qsort(v, btf_vlen(t), sizeof(*v), cmp_secinfo);
}

int elf_btf_for_load(const struct elf_obj *elf, void **blob, size_t *size)
{
	const void *raw = btf_raw_data(elf->btf, size);
	uint8_t *copy = mem_alloc(*size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, raw, *size);
	for (uint32_t id = 1; id < btf_type_cnt(elf->btf); id++)
		if (btf_kind(btf_type_by_id(elf->btf, id)) == BTF_KIND_DATASEC)
			fix_datasec(elf, copy, id);
	*blob = copy;
	return 0;
}
