/* SPDX-License-Identifier: MIT */
/* DESIGN habit 6: fail the Nth allocation, for every N, of building and
 * running a program; each attempt must fail cleanly (an error, no crash)
 * and leave nothing allocated. */
#include <errno.h>
#include <stdlib.h>

#include "talloc.h"
#include "tcheck.h"
#include "tinsn.h"
#include <bpfx/bpfx.h>



int main(void)
{
	struct bpf_insn p[] = { MOV64_IMM(1, 1), CALL(BPF_FUNC_ktime_get_ns), CALL_LOCAL(1), EXIT(),
				MOV64_IMM(0, 5), EXIT() };
	bpfx_set_allocator(t_failing_realloc, NULL);

	/* How many allocations does a successful build make? */
	t_fail_at = -1;
	t_alloc_count = t_alloc_live = 0;
	int err = 0;
	struct bpfx_prog *prog = bpfx_prog__new(p, 6, NULL, &err);
	long total = t_alloc_count;
	CHECK(prog != NULL && total > 0, "build succeeds with %ld allocations", total);
	CHECK(bpfx_prog__run(prog, NULL, NULL) == 0, "run succeeds");
	bpfx_prog__free(prog);
	CHECK(t_alloc_live == 0, "nothing left after free: %ld", t_alloc_live);

	for (long n = 0; n < total; n++) {
		t_fail_at = n;
		t_alloc_count = t_alloc_live = 0;
		err = 0;
		prog = bpfx_prog__new(p, 6, NULL, &err);
		CHECK(prog == NULL && err == -ENOMEM, "allocation %ld failing: prog %p err %d", n,
		      (void *)prog, err);
		bpfx_prog__free(prog);
		CHECK(t_alloc_live == 0, "allocation %ld failing leaks %ld blocks", n, t_alloc_live);
	}
	bpfx_set_allocator(NULL, NULL);
	return t_done("alloc_fail");
}
