/* SPDX-License-Identifier: MIT */
/*
 * bpf_find_vma (180): bpf_find_vma(task, addr, callback, ctx, flags)
 * calls callback(task, vma, ctx) once for the memory mapping of the task
 * that contains addr, and returns 0; -ENOENT when no mapping contains it,
 * -EINVAL for flags other than 0 (kernel/bpf/task_iter.c). The mappings
 * are the task's /proc/TID/maps. Called on the program's thread;
 * callbacks run in the interpreter (vm_call_callback).
 *
 * The vma the callback gets is bpfx's stand-in for the kernel's struct
 * vm_area_struct, laid out as the running kernel's (its BTF, read once
 * from /sys/kernel/btf/vmlinux, so CO-RE reads land on the right fields;
 * 6.x x86-64 offsets when it is unreadable), zero but for: vm_start,
 * vm_end, vm_pgoff (the file offset in pages), vm_flags (VM_READ,
 * VM_WRITE, VM_EXEC, VM_SHARED from the permissions), vm_file (an
 * opaque non-NULL value for file-backed mappings, NULL for anonymous
 * ones: reading through it gives -EFAULT) and vm_mm (opaque, non-NULL).
 * The callback may read it, not write it, and only during the call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "helpers/helpers.h"
#include "hooks/hook.h"
#include "loader/btf.h"
#include "vm/vm.h"

#define VMA_MAX 512u
#define VM_READ 0x1u
#define VM_WRITE 0x2u
#define VM_EXEC 0x4u
#define VM_SHARED 0x8u

struct vma_layout {
	uint32_t size;
	int32_t start, end, mm, flags, pgoff, file;  /* byte offsets, -1: absent */
};

/* 6.x x86-64 (no randomised layout), for when vmlinux BTF is missing. */
static struct vma_layout layout = { 184, 0, 8, 16, 32, 120, 128 };
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

/* The bit offset of member `name` of composite type id, looking into
 * anonymous struct and union members as CO-RE does; -1 if none. */
static int64_t member_bits(const struct btf *btf, uint32_t id, const char *name, int depth)
{
	const struct btf_type *t = btf_type_by_id(btf, btf_skip_modifiers(btf, id));
	if (!t || !btf_is_composite(t) || depth > 4)
		return -1;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *n = btf_name(btf, m->name_off);
		if (n && !strcmp(n, name))
			return btf_member_bit_offset(t, i);
		if (!n || !*n) {
			int64_t in = member_bits(btf, m->type, name, depth + 1);
			if (in >= 0)
				return btf_member_bit_offset(t, i) + in;
		}
	}
	return -1;
}

static void load_layout(void)
{
	int err;
	struct bpfx_btf *pb = bpfx_btf__parse_file("/sys/kernel/btf/vmlinux", NULL, NULL, &err);
	const struct btf *btf = pb ? btf_of_public(pb) : NULL;
	int32_t id = btf ? btf_find_by_name_kind(btf, "vm_area_struct", BTF_KIND_STRUCT) : -1;
	const struct btf_type *t = id > 0 ? btf_type_by_id(btf, (uint32_t)id) : NULL;

	if (t && t->size <= VMA_MAX) {
		static const char *const names[] = { "vm_start", "vm_end", "vm_mm", "vm_flags",
						     "vm_pgoff", "vm_file" };
		static const size_t where[] = {
			offsetof(struct vma_layout, start), offsetof(struct vma_layout, end),
			offsetof(struct vma_layout, mm), offsetof(struct vma_layout, flags),
			offsetof(struct vma_layout, pgoff), offsetof(struct vma_layout, file) };
		struct vma_layout l = { .size = t->size };
		bool ok = true;
		for (size_t i = 0; i < 6; i++) {
			int64_t bits = member_bits(btf, (uint32_t)id, names[i], 0);
			int32_t *o = (int32_t *)((char *)&l + where[i]);
			*o = bits >= 0 && bits % 64 == 0 && bits / 8 + 8 <= t->size ? (int32_t)(bits / 8) : -1;
			ok &= *o >= 0;
		}
		if (ok)
			layout = l;
	}
	bpfx_btf__free(pb);
}

/* The mapping of tid containing addr, from /proc/TID/maps: 0, or -ENOENT. */
static int find_mapping(pid_t tid, uint64_t addr, uint64_t *start, uint64_t *end,
			uint32_t *flags, uint64_t *pgoff, bool *file)
{
	char path[64], line[512], perms[8];
	unsigned long long s, e, off, inode;
	int found = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/maps", (int)tid, (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -ENOENT; /* the kernel's answer for a task without mm */
	while (found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %llu", &s, &e, perms, &off, &inode) != 5 ||
		    addr < s || addr >= e)
			continue;
		*start = s, *end = e, *pgoff = off / 4096, *file = inode != 0;
		*flags = (perms[0] == 'r' ? VM_READ : 0) | (perms[1] == 'w' ? VM_WRITE : 0) |
			 (perms[2] == 'x' ? VM_EXEC : 0) | (perms[3] == 's' ? VM_SHARED : 0);
		found = 0;
	}
	fclose(f);
	return found;
}

static void put64(uint8_t *vma, int32_t off, uint64_t v)
{
	if (off >= 0)
		memcpy(vma + off, &v, 8);
}

static uint64_t h_find_vma(uint64_t task, uint64_t addr, uint64_t fn, uint64_t ctx,
			   uint64_t flags, struct bpfx_run_ctx *run)
{
	uint8_t vma[VMA_MAX] __attribute__((aligned(8)));
	uint64_t start, end, pgoff, r0;
	uint32_t vflags;
	bool file;
	int32_t tid = helper_task_tid(task);

	if (flags)
		return (uint64_t)(int64_t)-EINVAL;
	if (!tid || find_mapping(tid, addr, &start, &end, &vflags, &pgoff, &file))
		return (uint64_t)(int64_t)-ENOENT;
	pthread_once(&layout_once, load_layout);
	memset(vma, 0, sizeof(vma));
	put64(vma, layout.start, start);
	put64(vma, layout.end, end);
	put64(vma, layout.mm, HELPER_TASK_PTR(tid) + 0x1000); /* opaque */
	put64(vma, layout.flags, vflags);
	put64(vma, layout.pgoff, pgoff);
	put64(vma, layout.file, file ? HELPER_TASK_PTR(tid) + 0x2000 : 0); /* opaque */
	size_t lent = run->lent_cnt;
	if (run->checked && bpfx_run_ctx__add_region(run, vma, layout.size, false)) {
		bpfx_run_ctx__fault(run, -ENOSPC, "bpf_find_vma: too many regions");
		return 0;
	}
	/* the callback's r0 is ignored, as in the kernel; when it stopped
	 * the run, what this returns is not seen */
	vm_call_callback(run, fn, task, (uintptr_t)vma, ctx, 0, 0, &r0);
	run->lent_cnt = lent; /* the vma dies here */
	return 0;
}

/* Sorted by id. */
static const struct bpfx_helper vma_helpers[] = {
	{ BPF_FUNC_find_vma, "bpf_find_vma", h_find_vma, BPFX_RET_INTEGER,
	  { BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_FUNC,
	    BPFX_ARG_PTR_TO_STACK_OR_NULL, BPFX_ARG_ANYTHING } },
};
HELPER_GROUP(helpers_vma_group, vma_helpers);
