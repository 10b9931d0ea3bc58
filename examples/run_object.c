/* SPDX-License-Identifier: MIT */
/* Load an eBPF object and run one of its programs: the example of
 * docs/EMBEDDING.md. Usage: run_object OBJ PROGRAM KEY ADD */
#include <stdio.h>
#include <stdlib.h>
#include <bpfx/bpfx.h>

struct args { unsigned key, add; unsigned long long out; };

int main(int argc, char **argv)
{
	int err = 0;
	if (argc != 5)
		return fprintf(stderr, "usage: %s OBJ PROGRAM KEY ADD\n", argv[0]), 2;
	struct bpfx_object *obj = bpfx_object__open(argv[1], NULL, &err);
	if (!obj || (err = bpfx_object__load(obj)))
		return fprintf(stderr, "%s: error %d\n", argv[1], err), 1;
	struct bpfx_program *prog = bpfx_object__find_program(obj, argv[2]);
	struct args ctx = { (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), 0 };
	union bpf_attr run = { .test = { .ctx_in = (unsigned long)&ctx, .ctx_size_in = sizeof(ctx) } };
	if (!prog || (err = bpfx_program__test_run(prog, &run)))
		return fprintf(stderr, "%s: error %d\n", argv[2], err), 1;
	printf("retval %u, out %llu\n", run.test.retval, ctx.out);
	bpfx_object__close(obj);
	return 0;
}
