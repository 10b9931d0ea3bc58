/* SPDX-License-Identifier: MIT */
/*
 * Deterministic run of the fuzz target tests/fuzz/fuzz_exec.c on programs
 * generated from the opcode table (so most pass validation and reach the
 * checked interpreter), with pointer-ish registers, from fixed seeds. Under
 * `make test SANITIZE=1` any access escaping checked mode is an ASan error.
 * Checks: nothing crashes, a good share of programs is valid and runs, and
 * faults are reported with an instruction index inside the program.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "../fuzz/fuzz_exec.c"

#include "isa/isa.h"
#include "progen.h"
#include "tcheck.h"

static struct progen gen = { 0x243f6a8885a308d3ull };

static uint64_t next(void)
{
	return progen_next(&gen);
}

/* Inputs that once broke the target (tests/fuzz/regressions/exec, one
 * file each, as libFuzzer wrote them): replayed on every run, so a fixed
 * bug stays fixed whatever the fuzzer's luck. Returns how many ran. */
static unsigned replay_regressions(const char *dir)
{
	unsigned n = 0;
	DIR *d = opendir(dir);
	if (!CHECK(d != NULL, "%s: cannot open", dir))
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		char path[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!CHECK(f != NULL, "%s: cannot open", path))
			continue;
		uint8_t data[65536];
		size_t len = fread(data, 1, sizeof(data), f);
		fclose(f);
		fuzz_exec_one(data, len);
		n++;
	}
	closedir(d);
	return n;
}

int main(void)
{
	unsigned replayed = replay_regressions("tests/fuzz/regressions/exec");
	CHECK(replayed >= 2, "regression inputs replayed (%u)", replayed);

	enum { PROGRAMS = 20000, MAX_LEN = 24 };
	uint8_t buf[32 + MAX_LEN * 8];
	unsigned valid = 0, ran_clean = 0, faulted = 0, bad_reports = 0;

	for (int n = 0; n < PROGRAMS; n++) {
		size_t cnt = 2 + next() % (MAX_LEN - 1);
		struct bpf_insn *p = (struct bpf_insn *)(buf + 32);
		for (size_t i = 0; i < 32; i++)
			buf[i] = (uint8_t)next();
		for (size_t i = 0; i < cnt; i++)
			progen_insn(&gen, &p[i], i, cnt);
		p[cnt - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };

		/* The fuzz target itself: must not crash. */
		fuzz_exec_one(buf, 32 + cnt * 8);

		/* And the same program, observed. */
		int err;
		struct bpfx_prog *prog = bpfx_prog__new(p, cnt, NULL, &err);
		if (!prog)
			continue;
		valid++;
		struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true, .insn_budget = 10000 };
		struct bpfx_run_result res;
		err = bpfx_prog__run(prog, &ro, &res);
		if (err == 0)
			ran_clean++;
		else if (res.fault_insn >= 0 && (size_t)res.fault_insn < cnt && res.fault_msg[0])
			faulted++;
		else if (bad_reports++ < 5)
			fprintf(stderr, "program %d: fault at %d (%s)\n", n, res.fault_insn, res.fault_msg);
		bpfx_prog__free(prog);
	}
	printf("%u generated programs: %u valid, %u ran to exit, %u stopped by checked mode\n",
	       PROGRAMS, valid, ran_clean, faulted);
	CHECK(bad_reports == 0, "every stop names an instruction of the program and a reason "
	      "(%u did not)", bad_reports);
	CHECK(valid > PROGRAMS / 2, "enough programs are valid to exercise the interpreter (%u)", valid);
	CHECK(ran_clean > 0 && faulted > 0, "both outcomes seen");
	return t_done("fuzz_exec");
}
