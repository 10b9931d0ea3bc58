/* SPDX-License-Identifier: MIT */
/*
 * XDP test runs reuse one packet page per thread (prog_run.c). Checks
 * that reuse cannot leak between runs or threads: many calls from two
 * threads at once, each with its own packet, each seeing exactly its
 * packet (the program returns the sum of its bytes and marks one byte,
 * which data_out must show), and the page of a thread that exited is not
 * needed by the next one. And a reused page looks fresh: headroom that a
 * run wrote (after bpf_xdp_adjust_head) reads as zeros in the next run,
 * as in the kernel's zeroed buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpfx/bpfx.h>

#include "tcheck.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define CALLS 2000
#define PKT 32

static int prog_fd;

/* r0 = sum of the packet's PKT bytes (data_end is not needed: the test
 * always gives PKT bytes; checked mode bounds it anyway); data[0] = 0xee. */
static int load(void)
{
	struct bpf_insn p[] = {
		INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0),      /* r2 = data */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, PKT),
		/* loop: */
		INSN(BPF_LDX | BPF_MEM | BPF_B, 4, 2, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 4, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, 1),
		INSN(BPF_ALU64 | BPF_SUB | BPF_K, 3, 0, 0, 1),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 3, 0, -5, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0),
		INSN(BPF_ST | BPF_MEM | BPF_B, 2, 0, 0, 0xee),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_XDP, .insn_cnt = sizeof(p) / sizeof(p[0]),
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL" };
	return bpfx_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

static void *worker(void *arg)
{
	uintptr_t seed = (uintptr_t)arg;
	long bad = 0;
	for (int i = 0; i < CALLS; i++) {
		uint8_t in[PKT], out[PKT] = { 0 };
		uint32_t sum = 0;
		for (int j = 0; j < PKT; j++)
			sum += in[j] = (uint8_t)(seed * 31 + (uintptr_t)i * 7 + (uintptr_t)j);
		union bpf_attr a = { 0 };
		a.test.prog_fd = (uint32_t)prog_fd;
		a.test.data_in = (uintptr_t)in;
		a.test.data_size_in = PKT;
		a.test.data_out = (uintptr_t)out;
		a.test.data_size_out = PKT;
		a.test.repeat = 1 + (uint32_t)i % 3;
		/* Repeats share the buffer: after the first, byte 0 is 0xee. */
		uint32_t want = a.test.repeat == 1 ? sum : sum - in[0] + 0xee;
		if (bpfx_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a)) || a.test.retval != want ||
		    out[0] != 0xee || memcmp(out + 1, in + 1, PKT - 1))
			bad++;
	}
	return (void *)bad;
}

/* Grows the head by 16 bytes (bpf_xdp_adjust_head(ctx, -16)), then
 * returns the new first 8 bytes, after storing `mark` over them. */
static int load_head_reader(int32_t mark)
{
	struct bpf_insn p[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, -16),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_xdp_adjust_head),
		INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 6, 0, 0),      /* r2 = data */
		INSN(BPF_LDX | BPF_MEM | BPF_W, 3, 6, 4, 0),      /* r3 = data_end */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 8),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1),
		INSN(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 2, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 0, 2, 0, 0),
		INSN(BPF_ST | BPF_MEM | BPF_DW, 2, 0, 0, mark),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_XDP, .insn_cnt = sizeof(p) / sizeof(p[0]),
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL" };
	return bpfx_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

static void headroom_fresh(void)
{
	int fd = load_head_reader(-1);
	CHECK(fd >= 0, "load head reader: %s", strerror(errno));
	if (fd < 0)
		return;
	uint8_t in[64] = { 1, 2, 3 };
	for (int i = 0; i < 3; i++) {
		union bpf_attr a = { 0 };
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uintptr_t)in;
		a.test.data_size_in = sizeof(in);
		int err = bpfx_bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
		CHECK(err == 0 && a.test.retval == 0, "run %d: headroom read 0x%x (err %d), want 0 "
		      "although the run before wrote it", i, a.test.retval, err);
	}
}

int main(void)
{
	/* Some programs here are ones the kernel's verifier refuses, on
	 * purpose: they test the packet page's reuse with a program that trusts the packet's length. They load unverified (and run checked), as
	 * a user asks with BPFX_VERIFY=0. */
	setenv("BPFX_VERIFY", "0", 1);
	headroom_fresh();
	prog_fd = load();
	CHECK(prog_fd >= 0, "load: %s", strerror(errno));
	for (int round = 0; round < 2 && prog_fd >= 0; round++) {
		pthread_t t[2];
		void *bad[2] = { 0, 0 };
		for (uintptr_t i = 0; i < 2; i++)
			CHECK(!pthread_create(&t[i], NULL, worker, (void *)(i + 1 + 2 * (uintptr_t)round)),
			      "thread");
		for (int i = 0; i < 2; i++) {
			pthread_join(t[i], &bad[i]);
			CHECK(bad[i] == NULL, "round %d thread %d: %ld of %d runs wrong", round, i,
			      (long)bad[i], CALLS);
		}
	}
	void *bad = worker((void *)9);
	CHECK(bad == NULL, "main thread: %ld runs wrong", (long)bad);
	return t_done("prog_run_page");
}
