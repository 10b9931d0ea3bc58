/* SPDX-License-Identifier: MIT */
/*
 * Embedding bpfx: run an eBPF program over your own data, with a helper of
 * your own. Build against an installed bpfx:
 *
 *   cc embed.c $(pkg-config --cflags --libs bpfx) -o embed
 *
 * The program sums the bytes of its input, then calls helper 1000 (ours)
 * with the sum; the helper scales it by a factor the application chose.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <bpfx/bpfx.h>

/* Our helper: r1 * the factor in the run's user pointer. */
static uint64_t scale(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct bpfx_run_ctx *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	return r1 * *(const uint64_t *)bpfx_run_ctx__user(run);
}

static const char source[] =
	"	r0 = 0\n"
	"	r3 = 0\n"
	"loop:\n"
	"	if r3 >= r2 goto done\n"
	"	r4 = r1\n"
	"	r4 += r3\n"
	"	r4 = *(u8 *)(r4 +0)\n"
	"	r0 += r4\n"
	"	r3 += 1\n"
	"	goto loop\n"
	"done:\n"
	"	r1 = r0\n"
	"	call 1000\n"
	"	exit\n";

int main(void)
{
	struct bpfx_helper helpers[] = { { .id = 1000, .name = "scale", .fn = scale } };
	struct bpfx_prog_opts po = { .sz = sizeof(po), .helpers = helpers, .helper_cnt = 1 };
	struct bpfx_isa_diag diag;
	struct bpf_insn *insns;
	size_t cnt;
	int err;

	if (bpfx_asm(source, &insns, &cnt, &diag)) {
		fprintf(stderr, "line %d: %s\n", diag.insn, diag.msg);
		return 1;
	}
	struct bpfx_prog *prog = bpfx_prog__new(insns, cnt, &po, &err);
	free(insns);
	if (!prog) {
		fprintf(stderr, "load failed: %d\n", err);
		return 1;
	}

	uint8_t data[] = { 1, 2, 3, 4, 5 };
	uint64_t factor = 10;
	struct bpfx_region region = { data, sizeof(data), false };
	struct bpfx_run_opts ro = {
		.sz = sizeof(ro), .r1 = (uintptr_t)data, .r2 = sizeof(data),
		.checked = true, .regions = &region, .region_cnt = 1, .user = &factor,
	};
	struct bpfx_run_result res;
	err = bpfx_prog__run(prog, &ro, &res);
	if (err)
		fprintf(stderr, "run failed at insn %d: %s\n", res.fault_insn, res.fault_msg);
	else
		printf("sum of bytes x %llu = %llu\n", (unsigned long long)factor,
		       (unsigned long long)res.r0);
	bpfx_prog__free(prog);
	return err ? 1 : 0;
}
