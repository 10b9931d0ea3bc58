/* SPDX-License-Identifier: MIT */
/*
 * Differential test: the JIT against the interpreter on random programs
 * (tests/lib/progen.c, fixed seeds, a bounded count), in checked mode:
 * same error, r0, fault instruction and message, executed-instruction
 * count, and the same bytes in the program's memory afterwards.
 *
 * A helper (replacing ktime_get_ns, which the generator calls) mixes its
 * five arguments and sometimes stops or faults the run, so argument
 * passing and helper exits are compared too. Every other program is
 * compiled without BMI2 (BPFX_JIT_NO_BMI2=1).
 *
 * Results that depend on where the stack is (r0 = r10, a stack address
 * in a message or stored to memory) cannot be compared: every program
 * also runs in the interpreter at 21 other stack depths, and what
 * differs there is not compared (messages: after hex numbers are masked).
 */
#include <alloca.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpfx/bpfx.h>

#include "progen.h"
#include "tcheck.h"

enum { PROGRAMS = 30000, MAX_LEN = 24, MEM = 32 };

static uint8_t mem[MEM];

static uint64_t mix_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfx_run_ctx *run)
{
	if ((r1 & 0xff) == 0x42) {
		bpfx_run_ctx__stop(run, r2);
		return 0;
	}
	if ((r1 & 0xff) == 0x43) {
		bpfx_run_ctx__fault(run, -EPERM, "mix: refused %llu", (unsigned long long)r3);
		return 0;
	}
	return r1 * 31 + (r2 ^ (r3 << 7)) - r4 * 3 + (r5 >> 3);
}

struct outcome {
	int err;
	uint64_t r0, insns;
	int fault_insn;
	char msg[192];
	uint8_t mem[MEM];
};

static void run_once(const struct bpfx_prog *prog, const uint8_t *init,
		     enum bpfx_exec_mode mode, struct outcome *o)
{
	struct bpfx_region region = { mem, sizeof(mem), true };
	struct bpfx_run_opts ro = {
		.sz = sizeof(ro), .r1 = (uintptr_t)mem, .r2 = sizeof(mem),
		.checked = true, .insn_budget = 10000, .regions = &region, .region_cnt = 1,
		.pkt = mem, .pkt_len = sizeof(mem), .mode = mode,
	};
	struct bpfx_run_result res;

	memcpy(mem, init, sizeof(mem));
	o->err = bpfx_prog__run(prog, &ro, &res);
	o->r0 = res.r0;
	o->insns = res.insns;
	o->fault_insn = res.fault_insn;
	snprintf(o->msg, sizeof(o->msg), "%s", res.fault_msg);
	memcpy(o->mem, mem, sizeof(mem));
}

/* The same run with the C stack `depth` bytes deeper. */
static __attribute__((noinline)) void run_deeper(const struct bpfx_prog *prog,
						 const uint8_t *init, size_t depth,
						 struct outcome *o)
{
	volatile uint8_t *pad = alloca(depth);
	pad[0] = 0;
	run_once(prog, init, BPFX_EXEC_INTERP, o);
	pad[depth - 1] = 1;
}

/* Replaces every hex number (an address) in a message by "0x?". */
static void mask_hex(char *s)
{
	for (char *p = s; (p = strstr(p, "0x")); ) {
		char *q = p + 2;
		while ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f'))
			q++;
		p[2] = '?';
		memmove(p + 3, q, strlen(q) + 1);
		p += 3;
	}
}

static unsigned compared, address_dependent, failures;

/* Keeps a failing program for `bpfx exec` (its memory: the first 32
 * bytes of the file are the input, as in tests/fuzz/fuzz_exec.c). */
static void save(unsigned n, const uint8_t *init, const struct bpf_insn *p, size_t cnt)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/bpfx-jit-diff-%u.bin", n);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(p, sizeof(*p), cnt, f);
	fclose(f);
	snprintf(path, sizeof(path), "/tmp/bpfx-jit-diff-%u.mem", n);
	if ((f = fopen(path, "wb"))) {
		fwrite(init, 1, MEM, f);
		fclose(f);
	}
	fprintf(stderr, "  saved as /tmp/bpfx-jit-diff-%u.bin (input: .mem)\n", n);
}

/* What of the interpreter's outcome depends on where the stack is: runs
 * with the C stack deeper take the address bits 4 to 7 (the stack is
 * 16-aligned in both engines; r10's low byte, r10 & 63 as a shift count)
 * through all values and flip every bit up to 13 once. */
struct dependence {
	bool path, r0, mem, msg;
};

static struct dependence depends(const struct bpfx_prog *prog, const uint8_t *init,
				 const struct outcome *interp)
{
	static const size_t deeper[] = { 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192,
					 208, 224, 240, 256, 512, 1024, 2048, 4096, 8192 };
	struct dependence d = { 0 };

	for (size_t j = 0; j < sizeof(deeper) / sizeof(deeper[0]); j++) {
		struct outcome o;
		run_deeper(prog, init, deeper[j], &o);
		d.path |= o.err != interp->err || o.insns != interp->insns ||
			  o.fault_insn != interp->fault_insn;
		d.r0 |= o.r0 != interp->r0;
		d.mem |= memcmp(o.mem, interp->mem, MEM) != 0;
		d.msg |= strcmp(o.msg, interp->msg) != 0;
	}
	return d;
}

static bool compare(unsigned n, const struct outcome *interp, struct dependence dep,
		    struct outcome *jit)
{
	struct outcome a = *interp;
	bool r0_fixed = !dep.r0, mem_fixed = !dep.mem;
	bool ok;

	if (dep.msg) {
		mask_hex(a.msg);
		mask_hex(jit->msg);
	}
	if (dep.path) {
		address_dependent++; /* the path itself depends on the stack address */
		return true;
	}
	address_dependent += !r0_fixed || !mem_fixed;
	ok = a.err == jit->err && a.fault_insn == jit->fault_insn && a.insns == jit->insns &&
	     !strcmp(a.msg, jit->msg) && (!r0_fixed || a.r0 == jit->r0) &&
	     (!mem_fixed || !memcmp(a.mem, jit->mem, MEM));
	compared++;
	if (!ok && failures++ < 5)
		fprintf(stderr, "program %u: interpreter err %d r0 0x%llx insns %llu at %d '%s'; "
			"jit err %d r0 0x%llx insns %llu at %d '%s'%s\n", n, a.err,
			(unsigned long long)a.r0, (unsigned long long)a.insns, a.fault_insn, a.msg,
			jit->err, (unsigned long long)jit->r0, (unsigned long long)jit->insns,
			jit->fault_insn, jit->msg,
			mem_fixed && memcmp(a.mem, jit->mem, MEM) ? " (memory differs)" : "");
	return ok;
}

int main(void)
{
	struct progen gen = { 0x9e3779b97f4a7c15ull };
	struct bpfx_helper mix = { .id = BPF_FUNC_ktime_get_ns, .name = "mix", .fn = mix_helper };
	struct bpfx_prog_opts po = { .sz = sizeof(po), .helpers = &mix, .helper_cnt = 1 };
	struct bpf_insn p[MAX_LEN];
	uint8_t init[MEM];
	unsigned faults = 0;

	for (unsigned n = 0; n < PROGRAMS; n++) {
		size_t cnt = 2 + progen_next(&gen) % (MAX_LEN - 1);
		for (size_t i = 0; i < MEM; i++)
			init[i] = (uint8_t)progen_next(&gen);
		for (size_t i = 0; i < cnt; i++)
			progen_insn(&gen, &p[i], i, cnt);
		/* Arguments worth mixing and sometimes the stop/fault values. */
		for (size_t i = 0; i + 1 < cnt; i++)
			if (p[i].code == (BPF_JMP | BPF_CALL) && p[i].src_reg == 0 && i > 0 &&
			    progen_next(&gen) % 4 == 0)
				p[i - 1] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
							      .dst_reg = 1,
							      .imm = 0x42 + (int)(progen_next(&gen) % 2) };
		p[cnt - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };

		/* Every other program compiled without BMI2 (shifts through cl). */
		setenv("BPFX_JIT_NO_BMI2", n % 2 ? "1" : "0", 1);
		int err;
		struct bpfx_prog *prog = bpfx_prog__new(p, cnt, &po, &err);
		if (!prog)
			continue;
		struct outcome interp, jit;
		run_once(prog, init, BPFX_EXEC_INTERP, &interp);
		run_once(prog, init, BPFX_EXEC_JIT, &jit);
		faults += interp.err != 0;
		if (!compare(n, &interp, depends(prog, init, &interp), &jit) && failures <= 5)
			save(n, init, p, cnt);
		bpfx_prog__free(prog);
	}
	printf("%u programs compared (%u stopped with an error, %u with address-dependent "
	       "results)\n", compared, faults, address_dependent);
	CHECK(failures == 0, "the JIT agrees with the interpreter (%u programs differ)", failures);
	CHECK(compared > PROGRAMS / 2, "enough valid programs (%u)", compared);
	CHECK(faults > compared / 20, "faults are exercised too (%u)", faults);
	return t_done("jit_diff");
}
