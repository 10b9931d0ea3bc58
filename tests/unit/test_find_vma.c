/* SPDX-License-Identifier: MIT */
/*
 * bpf_find_vma (helpers/vma_helpers.c) from a program: the callback gets
 * the task and the vma of the mapping that contains the address (its
 * vm_start and vm_end as /proc/self/maps gives them), the context, and
 * the helper returns 0; -ENOENT for an unmapped address, -EINVAL for
 * flags. Checked and trusted runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "tcheck.h"
#include "tinsn.h"

#define LD_FUNC(d, rel) RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_FUNC, 0, rel)
#define LD_HI0 RAW(0, 0, 0, 0, 0)

/* out[0] address, out[1] flags (in); out[2] r0, out[3..4] vm_start and
 * vm_end, out[5] the task the callback got (out). */
static uint64_t out[8];
static const char probe[] = "a string in this binary's read-only data";

static const struct bpf_insn prog[] = {
	/* 0 */ MOV64_REG(6, 1), CALL(BPF_FUNC_get_current_task_btf), MOV64_REG(1, 0),
	/* 3 */ LDX(BPF_DW, 2, 6, 0), LD_FUNC(3, 16 - 5), LD_HI0,
	/* 6 */ MOV64_REG(4, 6), LDX(BPF_DW, 5, 6, 8), CALL(BPF_FUNC_find_vma),
	/* 9 */ STX(BPF_DW, 6, 0, 16), LDX(BPF_DW, 0, 6, 16), EXIT(),
	/* 12 */ MOV64_IMM(0, 0), MOV64_IMM(0, 0), MOV64_IMM(0, 0), MOV64_IMM(0, 0),
	/* 16: the callback (task, vma, ctx) */
	LDX(BPF_DW, 4, 2, 0), STX(BPF_DW, 3, 4, 24), LDX(BPF_DW, 4, 2, 8), STX(BPF_DW, 3, 4, 32),
	STX(BPF_DW, 3, 1, 40), MOV64_IMM(0, 0), EXIT(),
};

static int64_t run(bool checked, uint64_t addr, uint64_t flags)
{
	int err;
	struct bpfx_region r = { out, sizeof(out), true };
	struct bpfx_run_opts o = { .sz = sizeof(o), .r1 = (uintptr_t)out, .checked = checked,
				   .regions = &r, .region_cnt = 1 };
	struct bpfx_run_result res;
	memset(out, 0, sizeof(out));
	out[0] = addr, out[1] = flags;
	struct bpfx_prog *p = bpfx_prog__new(prog, sizeof(prog) / sizeof(prog[0]), NULL, &err);
	if (!CHECK(p != NULL, "load: %d", err))
		return 0;
	err = bpfx_prog__run(p, &o, &res);
	CHECK(err == 0, "run: %d (%s)", err, res.fault_msg);
	bpfx_prog__free(p);
	return (int64_t)res.r0;
}

/* The /proc/self/maps line containing addr. */
static bool mapping_of(uint64_t addr, uint64_t *s, uint64_t *e)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long long a, b;
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &a, &b) == 2 && addr >= a && addr < b)
			*s = a, *e = b, found = true;
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	uint64_t s = 0, e = 0, addr = (uintptr_t)probe;
	CHECK(mapping_of(addr, &s, &e), "the probe is mapped");
	for (int checked = 0; checked <= 1; checked++) {
		CHECK(run(checked, addr, 0) == 0, "found: r0 0");
		CHECK(out[3] == s && out[4] == e, "vm_start/vm_end %llx-%llx, want %llx-%llx",
		      (unsigned long long)out[3], (unsigned long long)out[4],
		      (unsigned long long)s, (unsigned long long)e);
		uint64_t task = out[5];
		CHECK(task != 0, "the callback gets the task");
		CHECK(run(checked, 0x1000, 0) == -ENOENT && out[5] == 0,
		      "unmapped: -ENOENT, no callback");
		CHECK(run(checked, addr, 1) == -EINVAL && out[5] == 0, "flags: -EINVAL");
	}
	return t_done("find_vma");
}
