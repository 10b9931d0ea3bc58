/* SPDX-License-Identifier: MIT */
/*
 * The verifier on generated programs.
 *
 * Soundness: programs of random instructions (tests/lib/progen.c) and the
 * kernel-style programs of tests/lib/kgen.c go through the verifier as
 * socket filters; every program it accepts then runs in checked mode on
 * a context of the size of __sk_buff and a packet, and must reach its exit
 * without a checked-mode fault (an access outside what it was given, a
 * bad helper argument, an endless loop).
 *
 * Agreement: the kgen programs are also loaded into the kernel; bpfx's
 * verdict (accept / reject and errno) must be the kernel's.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "kbpf.h"
#include "kgen.h"
#include "tcheck.h"
#include "progen.h"
#include "verifier/verifier.h"

static uint8_t ctx[sizeof(struct __sk_buff)];
static uint8_t pkt[64];

/* Verifies p; when accepted, runs it checked. Returns 1 accepted and ran
 * clean, 0 rejected, -1 accepted but faulted. */
static int verify_and_run(const struct bpf_insn *p, size_t cnt, int *verr, bool limited)
{
	size_t hcnt;
	const struct bpfx_helper *h = helpers_builtin(&hcnt);
	struct vfy_input in = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER, .helpers = h,
				.helper_cnt = hcnt, .insn_limit = limited ? 100000 : 0 };
	*verr = vfy_verify(p, cnt, &in, NULL);
	if (*verr)
		return 0;
	int err;
	struct bpfx_prog *prog = bpfx_prog__new(p, cnt, NULL, &err);
	if (!prog) {
		fprintf(stderr, "verified program does not build: %d\n", err);
		return -1;
	}
	struct bpfx_region r = { ctx, sizeof(ctx), true };
	struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true, .insn_budget = 4000000,
				    .r1 = (uintptr_t)ctx, .regions = &r, .region_cnt = 1,
				    .pkt = pkt, .pkt_len = sizeof(pkt) };
	struct bpfx_run_result res;
	memset(ctx, 0, sizeof(ctx));
	err = bpfx_prog__run(prog, &ro, &res);
	bpfx_prog__free(prog);
	if (err) {
		fprintf(stderr, "accepted program faulted: %d at insn %d: %s\n", err, res.fault_insn,
			res.fault_msg);
		return -1;
	}
	return 1;
}

static void dump(const struct bpf_insn *p, size_t cnt)
{
	int err;
	char *text = bpfx_disasm(p, cnt, BPFX_SYNTAX_BPFTOOL, false, &err);
	if (text)
		fprintf(stderr, "%s", text);
	free(text);
}

static void random_programs(void)
{
	enum { PROGRAMS = 30000, MAX_LEN = 24, PRO = 2 * 9 };
	struct progen gen = { 0x9e3779b97f4a7c15ull };
	struct bpf_insn p[PRO + MAX_LEN];
	unsigned accepted = 0, faults = 0;
	for (int n = 0; n < PROGRAMS; n++) {
		/* a prologue sets r0 and r2-r9: small constants, stack
		 * pointers, the context */
		size_t pro = 0;
		for (uint8_t r = 0; r <= 9; r++) {
			if (r == 1)
				continue;
			uint64_t k = progen_next(&gen);
			if (k % 4 < 2) {
				p[pro++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = r,
							      .imm = (int32_t)(k >> 8) % 64 };
			} else {
				p[pro++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = r,
							      .src_reg = k % 4 == 2 ? 10 : 1 };
				p[pro++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = r,
							      .imm = k % 4 == 2 ? -8 * (int32_t)((k >> 8) % 8 + 1)
										: 0 };
			}
		}
		size_t body = 2 + progen_next(&gen) % (MAX_LEN - 1), cnt = pro + body;
		for (size_t i = 0; i < body; i++)
			progen_insn(&gen, &p[pro + i], i, body);
		p[cnt - 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
		int verr, r = verify_and_run(p, cnt, &verr, true);
		accepted += r != 0;
		if (r < 0 && faults++ < 3)
			dump(p, cnt);
	}
	printf("vfy_sound: %d random programs, %u accepted, %u faulted\n", PROGRAMS, accepted, faults);
	CHECK(faults == 0, "random programs the verifier accepts run without fault (%u faulted)", faults);
	CHECK(accepted > 100, "enough random programs are accepted to mean something (%u)", accepted);
}

static void kgen_programs(void)
{
	enum { PROGRAMS = 600 };
	static struct bpf_insn p[KGEN_MAX_INSNS];
	static char log[1 << 16];
	const char *no_kernel = kbpf_unavailable();
	unsigned accepted = 0, faults = 0, agree = 0, disagree = 0;
	if (no_kernel)
		t_skip("kgen programs vs the kernel's verifier: %s", no_kernel);
	for (int n = 0; n < PROGRAMS; n++) {
		size_t cnt = kgen_random_prog(0x5eed0000u + (uint64_t)n, KGEN_F_ALL, p);
		int verr, r = verify_and_run(p, cnt, &verr, false);
		accepted += r != 0;
		if (r < 0 && faults++ < 3)
			dump(p, cnt);
		if (no_kernel)
			continue;
		int fd = kbpf_prog_load(KBPF_PROG_TYPE, p, cnt, log, sizeof(log));
		int kerr = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
		if (kerr == verr) {
			agree++;
		} else if (disagree++ < 3) {
			fprintf(stderr, "kgen seed %d: kernel %d (%s), bpfx %d\n", n, kerr,
				kbpf_log_reason(log), verr);
			dump(p, cnt);
		}
	}
	printf("vfy_sound: %d kgen programs, %u accepted by bpfx, %u faulted; verdicts agree with the kernel on %u, differ on %u\n",
	       PROGRAMS, accepted, faults, agree, disagree);
	CHECK(faults == 0, "kgen programs the verifier accepts run without fault (%u faulted)", faults);
	if (!no_kernel)
		CHECK(disagree == 0, "bpfx's verdict is the kernel's on every kgen program (%u differ)",
		      disagree);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	random_programs();
	kgen_programs();
	return t_done("vfy_sound");
}
