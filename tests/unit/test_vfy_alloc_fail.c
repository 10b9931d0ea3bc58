/* SPDX-License-Identifier: MIT */
/*
 * DESIGN habit 6 for the verifier: fail its Nth allocation, for every N,
 * on a program with branches, a loop, a call and a log; each failure must
 * answer ENOMEM (or, for the log alone, ENOSPC) and leak nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "talloc.h"
#include "tcheck.h"
#include <bpfx/bpfx.h>

static const char prog[] =
	"r6 = *(u32 *)(r1 +0)\n"
	"r0 = 0\n"
	"r2 = 0\n"
	"r2 += 1\n"
	"if r6 & 0x1 goto +1\n"
	"r0 += 2\n"
	"if r2 < 20 goto -4\n"
	"*(u64 *)(r10 -8) = r0\n"
	"r1 = r10\n"
	"r1 += -8\n"
	"call pc+2\n"
	"r0 = *(u64 *)(r10 -8)\n"
	"exit\n"
	"r0 = *(u64 *)(r1 +0)\n"
	"exit\n";

int main(void)
{
	struct bpf_insn *insns;
	size_t cnt;
	struct bpfx_isa_diag d;
	if (!CHECK(!bpfx_asm(prog, &insns, &cnt, &d), "assembles: %s", d.msg))
		return t_done("vfy_alloc_fail");
	static char log[1 << 16];
	struct bpfx_verify_opts o = { .sz = sizeof(o), .log_level = 2, .log_buf = log,
				      .log_size = sizeof(log) };
	bpfx_set_allocator(t_failing_realloc, NULL);
	t_alloc_reset(-1);
	int err = bpfx_verify(insns, cnt, &o);
	long total = t_alloc_count;
	CHECK(err == 0 && total > 0 && t_alloc_live == 0,
	      "verifies with %ld allocations, none left (%d, %ld live)", total, err, t_alloc_live);
	int bad = 0;
	for (long n = 0; n < total; n++) {
		t_alloc_reset(n);
		err = bpfx_verify(insns, cnt, &o);
		if ((err != -ENOMEM && err != -ENOSPC) || t_alloc_live) {
			if (bad++ < 5)
				CHECK(false, "allocation %ld failing: err %d, %ld blocks leaked", n, err,
				      t_alloc_live);
		}
	}
	CHECK(bad == 0, "every one of %ld failing allocations answers ENOMEM/ENOSPC and leaks nothing", total);
	bpfx_set_allocator(NULL, NULL);
	free(insns);
	return t_done("vfy_alloc_fail");
}
