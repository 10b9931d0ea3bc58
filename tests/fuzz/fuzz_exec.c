/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: arbitrary bytes as a program, run in checked mode.
 *
 * The first 32 bytes (when present) become the program's input memory,
 * the rest its instructions. Whatever the bytes, bpfx must refuse the
 * program or run it to an end (exit, fault, or budget) without touching
 * memory it was not given: AddressSanitizer turns any escape into a crash.
 *
 * Built as a libFuzzer target with
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *         -DFUZZ_LIBFUZZER -DBPFX_VERSION='"fuzz"' \
 *         -Iinclude -Isrc tests/fuzz/fuzz_exec.c src/[a-z]*[a-z]/[a-z]*.c -lelf -lpthread
 * and included by tests/unit/test_fuzz_exec.c, which feeds it generated
 * programs from fixed seeds in every `make test`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpfx/bpfx.h>

int fuzz_exec_one(const uint8_t *data, size_t size);

int fuzz_exec_one(const uint8_t *data, size_t size)
{
	uint8_t mem[32] = { 0 };
	size_t mem_len = size < sizeof(mem) ? size : sizeof(mem);
	memcpy(mem, data, mem_len);
	data += mem_len;
	size -= mem_len;

	size_t cnt = size / sizeof(struct bpf_insn);
	struct bpf_insn *insns = malloc(cnt ? cnt * sizeof(*insns) : 1);
	if (!insns)
		return 0;
	memcpy(insns, data, cnt * sizeof(*insns));

	int err;
	struct bpfx_prog *prog = bpfx_prog__new(insns, cnt, NULL, &err);
	if (prog) {
		struct bpfx_region region = { mem, sizeof(mem), true };
		struct bpfx_run_opts ro = {
			.sz = sizeof(ro), .r1 = (uintptr_t)mem, .r2 = sizeof(mem),
			.checked = true, .insn_budget = 100000,
			.regions = &region, .region_cnt = 1,
			.pkt = mem, .pkt_len = sizeof(mem),
		};
		struct bpfx_run_result res;
		bpfx_prog__run(prog, &ro, &res);
		bpfx_prog__free(prog);
	}
	free(insns);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_exec_one(data, size);
}
#endif
