/* SPDX-License-Identifier: MIT */
/*
 * The packet runner (bpfx_pkt_runner, hooks/runner.c) and the packet
 * contexts' guards: programs loaded through bpfx_bpf(PROG_LOAD) from raw
 * instructions run frame after frame on one runner; a faulting run is
 * contained and the runner goes on; refused frames give test_run's errno;
 * packet helpers refuse a forged context and runs outside a packet hook.
 * (The helpers' semantics are compared with the kernel in
 * tests/suites/packets.sh.)
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tbpf.h"
#include "tcheck.h"
#include "tinsn.h"

static int load(uint32_t type, const struct bpf_insn *insns, uint32_t cnt)
{
	union bpf_attr a = { .prog_type = type, .insns = (uintptr_t)insns, .insn_cnt = cnt,
			     .license = (uintptr_t)"GPL",
			     .prog_flags = type == BPF_PROG_TYPE_SYSCALL ? BPF_F_SLEEPABLE : 0 };
	return t_sys(BPF_PROG_LOAD, &a);
}

static uint8_t frame[64] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45 };

/* XDP: drop the Ethernet header (adjust_head +14), return XDP_TX. */
static void test_xdp_runner(void)
{
	const struct bpf_insn prog[] = {
		MOV64_IMM(2, 14), CALL(BPF_FUNC_xdp_adjust_head),
		JMP_IMM(BPF_JNE, 0, 0, 2), MOV64_IMM(0, 3), EXIT(),
		MOV64_IMM(0, 0), EXIT(),
	};
	int fd = load(BPF_PROG_TYPE_XDP, prog, 7), err = 0;
	if (!CHECK(fd >= 0, "XDP program loads: %d", fd))
		return;
	struct bpfx_pkt_runner *r = bpfx_pkt_runner__new(fd, &err);
	if (!CHECK(r != NULL, "runner: %d", err)) {
		close(fd);
		return;
	}
	CHECK(bpfx_pkt_runner__prog_type(r) == BPF_PROG_TYPE_XDP, "the runner's type");
	for (int i = 0; i < 3; i++) {
		struct bpfx_pkt_result res;
		frame[20] = (uint8_t)i;
		err = bpfx_pkt_runner__run(r, frame, sizeof(frame), &res);
		CHECK(err == 0 && res.verdict == 3 && res.len == sizeof(frame) - 14 &&
		      res.data[6] == i && res.data[0] == 0x45,
		      "frame %d: err %d verdict %u len %u", i, err, res.verdict, res.len);
	}
	struct bpfx_pkt_result res;
	CHECK(bpfx_pkt_runner__run(r, frame, 13, &res) == -EINVAL && !res.fault_msg[0],
	      "a frame shorter than an Ethernet header is refused");
	/* Longer than the linear buffer: fragments, returned in one piece. */
	static uint8_t big[9000], huge[80000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	err = bpfx_pkt_runner__run(r, big, sizeof(big), &res);
	CHECK(err == 0 && res.verdict == 3 && res.len == sizeof(big) - 14 &&
	      !memcmp(res.data, big + 14, res.len), "a 9000-byte frame: %d len %u", err, res.len);
	CHECK(bpfx_pkt_runner__run(r, huge, sizeof(huge), &res) == -ENOMEM,
	      "a frame needing more than 17 fragments is refused");
	bpfx_pkt_runner__free(r);
	close(fd);
}

/* A program reading past data_end faults; the next frame runs. */
static void test_fault_contained(void)
{
	const struct bpf_insn prog[] = {
		LDX(BPF_W, 2, 1, 4),            /* r2 = data_end */
		LDX(BPF_B, 0, 2, 8),            /* past the end */
		EXIT(),
	};
	const struct bpf_insn ok[] = { MOV64_IMM(0, 2), EXIT() };
	int fd = load(BPF_PROG_TYPE_XDP, prog, 3), err = 0;
	if (!CHECK(fd >= 0, "XDP program loads: %d", fd))
		return;
	struct bpfx_pkt_runner *r = bpfx_pkt_runner__new(fd, &err);
	if (CHECK(r != NULL, "runner: %d", err)) {
		struct bpfx_pkt_result res;
		for (int i = 0; i < 2; i++) {
			err = bpfx_pkt_runner__run(r, frame, sizeof(frame), &res);
			CHECK(err == -EFAULT && res.fault_msg[0], "run %d faults: %d '%s'", i, err,
			      res.fault_msg);
		}
	}
	bpfx_pkt_runner__free(r);
	close(fd);
	fd = load(BPF_PROG_TYPE_SYSCALL, ok, 2);
	CHECK(!bpfx_pkt_runner__new(fd, &err) && err == -EINVAL,
	      "a syscall program has no packet runner: %d", err);
	close(fd);
	CHECK(!bpfx_pkt_runner__new(fd, &err) && err == -EBADF, "a closed descriptor: %d", err);
}

/* Packet helpers: a forged context in a packet run, and a run outside
 * any packet hook, are faults, never memory accesses. */
static void test_helper_guards(void)
{
	const struct bpf_insn forged[] = {
		MOV64_IMM(1, 0x1000), MOV64_IMM(2, 4), CALL(BPF_FUNC_xdp_adjust_tail), EXIT(),
	};
	const struct bpf_insn store[] = {
		MOV64_REG(3, 10), ALU64_IMM(BPF_ADD, 3, -8), ST(BPF_DW, 10, -8, 0),
		MOV64_IMM(2, 0), MOV64_IMM(4, 4), MOV64_IMM(5, 0),
		CALL(BPF_FUNC_skb_store_bytes), EXIT(),
	};
	int fd = load(BPF_PROG_TYPE_XDP, forged, 4), err = 0;
	struct bpfx_pkt_runner *r = fd >= 0 ? bpfx_pkt_runner__new(fd, &err) : NULL;
	if (CHECK(r != NULL, "runner: %d %d", fd, err)) {
		struct bpfx_pkt_result res;
		err = bpfx_pkt_runner__run(r, frame, sizeof(frame), &res);
		CHECK(err == -EFAULT && strstr(res.fault_msg, "not the program's context"),
		      "forged context: %d '%s'", err, res.fault_msg);
	}
	bpfx_pkt_runner__free(r);
	close(fd);

	/* An skb helper in an XDP run. */
	fd = load(BPF_PROG_TYPE_XDP, store, 8);
	r = fd >= 0 ? bpfx_pkt_runner__new(fd, &err) : NULL;
	if (CHECK(r != NULL, "runner: %d %d", fd, err)) {
		struct bpfx_pkt_result res;
		err = bpfx_pkt_runner__run(r, frame, sizeof(frame), &res);
		CHECK(err != 0 && strstr(res.fault_msg, "outside a tc or socket filter run"),
		      "skb helper in XDP: %d '%s'", err, res.fault_msg);
	}
	bpfx_pkt_runner__free(r);
	close(fd);

	/* The embedding API, no hook at all. */
	struct bpfx_prog_opts po = { .sz = sizeof(po) };
	struct bpfx_prog *p = bpfx_prog__new(forged, 4, &po, &err);
	if (CHECK(p != NULL, "bpfx_prog__new: %d", err)) {
		struct bpfx_run_opts ro = { .sz = sizeof(ro), .checked = true };
		struct bpfx_run_result res;
		err = bpfx_prog__run(p, &ro, &res);
		CHECK(err != 0 && strstr(res.fault_msg, "outside an XDP run"),
		      "XDP helper without a packet: %d '%s'", err, res.fault_msg);
	}
	bpfx_prog__free(p);
}

/* A socket filter keeps r0 bytes; frames run from the network header. */
static void test_socket_runner(void)
{
	const struct bpf_insn prog[] = {
		RAW(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0), /* r0 = first byte (0x45) */
		EXIT(),
	};
	int fd = load(BPF_PROG_TYPE_SOCKET_FILTER, prog, 2), err = 0;
	struct bpfx_pkt_runner *r = fd >= 0 ? bpfx_pkt_runner__new(fd, &err) : NULL;
	if (CHECK(r != NULL, "runner: %d %d", fd, err)) {
		struct bpfx_pkt_result res;
		err = bpfx_pkt_runner__run(r, frame, sizeof(frame), &res);
		CHECK(err == 0 && res.verdict == 0x45 && res.len == sizeof(frame),
		      "socket filter: %d verdict %u len %u", err, res.verdict, res.len);
		CHECK(bpfx_pkt_runner__run(r, frame, 20, &res) == -EINVAL,
		      "an IPv4 frame without its header is refused");
	}
	bpfx_pkt_runner__free(r);
	close(fd);
}

/* DEVMAP from user space, as one scenario run against bpfx_bpf() and
 * the kernel's bpf(): every return value and errno, and the values. */
typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

/* The index of an interface other than the loopback device (live runs
 * redirect there), or 1 when there is none. */
static uint32_t other_interface(void)
{
	struct if_nameindex *all = if_nameindex();
	uint32_t idx = 1;
	for (struct if_nameindex *i = all; i && i->if_index; i++)
		if (i->if_index != 1) {
			idx = i->if_index;
			break;
		}
	if (all)
		if_freenameindex(all);
	return idx;
}

static void devmap_scenario(bpf_fn sys, char *log, size_t room)
{
	int n = 0;
	union bpf_attr c = { .map_type = BPF_MAP_TYPE_DEVMAP, .key_size = 4, .value_size = 4,
			     .max_entries = 4 };
	union bpf_attr bad = c;
	bad.value_size = 12;
	int r = sys(BPF_MAP_CREATE, &bad, sizeof(bad));
	n += snprintf(log + n, room - (size_t)n, "bad size %d/%d;", r, errno);
	int fd = sys(BPF_MAP_CREATE, &c, sizeof(c));
	if (fd < 0) {
		snprintf(log + n, room - (size_t)n, "create failed %d", errno);
		return;
	}
	struct { uint32_t key, val; uint64_t flags; } steps[] = {
		{ 1, 1, BPF_ANY }, { 2, 999999, BPF_ANY }, { 4, 1, BPF_ANY }, { 0, 1, BPF_NOEXIST },
		{ 0, 1, 5 }, { 3, 1, BPF_EXIST }, { 3, 0, BPF_ANY },
		{ 2, other_interface(), BPF_ANY },  /* a real interface: both accept it */
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		errno = 0;
		union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&steps[i].key,
				     .value = (uintptr_t)&steps[i].val, .flags = steps[i].flags };
		r = sys(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
		n += snprintf(log + n, room - (size_t)n, " upd%zu %d/%d", i, r, r ? errno : 0);
	}
	for (uint32_t k = 0; k < 5; k++) {
		uint32_t v = 0xdead;
		errno = 0;
		union bpf_attr a = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&k, .value = (uintptr_t)&v };
		r = sys(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a));
		n += snprintf(log + n, room - (size_t)n, " get%u %d/%d=%x", k, r, r ? errno : 0, v);
	}
	uint32_t k = 9, next = 0;
	union bpf_attr d = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&k };
	r = sys(BPF_MAP_DELETE_ELEM, &d, sizeof(d));
	n += snprintf(log + n, room - (size_t)n, " del9 %d/%d", r, r ? errno : 0);
	k = 1;
	r = sys(BPF_MAP_DELETE_ELEM, &d, sizeof(d));
	n += snprintf(log + n, room - (size_t)n, " del1 %d", r);
	union bpf_attr g = { .map_fd = (uint32_t)fd, .key = (uintptr_t)&k, .next_key = (uintptr_t)&next };
	r = sys(BPF_MAP_GET_NEXT_KEY, &g, sizeof(g));
	n += snprintf(log + n, room - (size_t)n, " next %d:%u", r, next);
	struct bpf_map_info info = { 0 };
	union bpf_attr in = { .info = { .bpf_fd = (uint32_t)fd, .info_len = sizeof(info),
					.info = (uintptr_t)&info } };
	r = sys(BPF_OBJ_GET_INFO_BY_FD, &in, sizeof(in));
	snprintf(log + n, room - (size_t)n, " info %d flags %x", r, info.map_flags);
	close(fd);
}

static void test_devmap(void)
{
	char mine[1024], theirs[1024];
	devmap_scenario(bpfx_bpf, mine, sizeof(mine));
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "devmap: %s\n", mine);
	CHECK(strstr(mine, "upd0 0/0 upd1 -1/22 upd2 -1/7 upd3 -1/17 upd4 -1/22") &&
	      strstr(mine, "get1 0/0=1") && strstr(mine, "get0 -1/2"),
	      "devmap in bpfx: %s", mine);
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("devmap against the kernel: %s", why);
		return;
	}
	devmap_scenario(kbpf_sys, theirs, sizeof(theirs));
	CHECK(!strcmp(mine, theirs), "devmap\n  bpfx:   %s\n  kernel: %s", mine, theirs);
}

int main(void)
{
	/* Some programs here are ones the kernel's verifier refuses, on
	 * purpose: they test checked mode's containment of faulting programs. They load unverified (and run checked), as
	 * a user asks with BPFX_VERIFY=0. */
	setenv("BPFX_VERIFY", "0", 1);
	test_devmap();
	test_xdp_runner();
	test_fault_contained();
	test_helper_guards();
	test_socket_runner();
	return t_done("packet");
}
