/* SPDX-License-Identifier: MIT */
/*
 * Prog arrays, tail calls and maps of maps (src/maps/fd_map.c, fd_hash.c,
 * src/helpers/tail_call.c), differentially: each scenario runs against
 * the kernel's bpf() (when available) and bpfx_bpf(), and every step's
 * result, errno and data must agree; the bpfx run must also meet the
 * expectations written here. Then, bpfx only: who holds whom (the object
 * registry), the release of a prog array when its last descriptor goes,
 * and pins that keep a prog array's programs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "api/obj.h"
#include "kbpf.h"
#include "talloc.h"
#include "tbpf.h"
#include "tcheck.h"
#include "tinsn.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LD_MAP(reg, fd) RAW(BPF_LD | BPF_IMM | BPF_DW, reg, BPF_PSEUDO_MAP_FD, 0, fd), RAW(0, 0, 0, 0, 0)

struct result {
	int err[128];
	uint64_t data[128];
	int n;
};

static void rec(struct result *r, int ret, uint64_t data)
{
	if (r->n < 128) {
		r->err[r->n] = ret < 0 ? errno : 0;
		r->data[r->n] = data;
		r->n++;
	}
}

static int map_create(bpf_fn sys, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
		      uint32_t flags, int inner)
{
	union bpf_attr a = { .map_type = type, .key_size = ks, .value_size = vs,
			     .max_entries = max, .map_flags = flags,
			     .inner_map_fd = (uint32_t)inner };
	return sys(BPF_MAP_CREATE, &a, sizeof(a));
}

static int update(bpf_fn sys, int map, uint32_t key, uint64_t value, uint64_t flags)
{
	union bpf_attr a = { .map_fd = (uint32_t)map, .key = (uintptr_t)&key,
			     .value = (uintptr_t)&value, .flags = flags };
	return sys(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
}

static int lookup(bpf_fn sys, int map, uint32_t key, uint64_t *value)
{
	*value = 0;
	union bpf_attr a = { .map_fd = (uint32_t)map, .key = (uintptr_t)&key,
			     .value = (uintptr_t)value };
	return sys(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a));
}

static int delete(bpf_fn sys, int map, uint32_t key)
{
	union bpf_attr a = { .map_fd = (uint32_t)map, .key = (uintptr_t)&key };
	return sys(BPF_MAP_DELETE_ELEM, &a, sizeof(a));
}

static uint32_t id_of(bpf_fn sys, int fd, bool prog)
{
	struct bpf_prog_info pi = { 0 };
	struct bpf_map_info mi = { 0 };
	union bpf_attr a = { .info = { .bpf_fd = (uint32_t)fd,
				       .info_len = prog ? sizeof(pi) : sizeof(mi),
				       .info = prog ? (uintptr_t)&pi : (uintptr_t)&mi } };
	if (sys(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
		return 0;
	return prog ? pi.id : mi.id;
}

static int load(bpf_fn sys, uint32_t type, const struct bpf_insn *insns, uint32_t cnt)
{
	union bpf_attr a = { .prog_type = type, .insn_cnt = cnt, .insns = (uintptr_t)insns,
			     .license = (uintptr_t)"GPL" };
	return sys(BPF_PROG_LOAD, &a, sizeof(a));
}

/* An XDP program with an expected attach type and flags. */
static int load_attach(bpf_fn sys, uint32_t attach, uint32_t flags)
{
	struct bpf_insn p[] = { MOV64_IMM(0, 2), EXIT() };
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_XDP, .insn_cnt = N(p),
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL",
			     .expected_attach_type = attach, .prog_flags = flags };
	return sys(BPF_PROG_LOAD, &a, sizeof(a));
}

static int run(bpf_fn sys, int prog, uint32_t *retval)
{
	uint8_t data[64] = { 0 };
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog, .data_in = (uintptr_t)data,
				       .data_size_in = sizeof(data) } };
	int ret = sys(BPF_PROG_TEST_RUN, &t, sizeof(t));
	*retval = t.test.retval;
	return ret;
}

/* state[1] += 1; if state[1] <= state[0]: tail call jmp[0]; return state[1].
 * With jmp[0] = itself, it runs min(state[0], 33) + 1 times. */
static int chain_prog(bpf_fn sys, int state, int jmp)
{
	struct bpf_insn p[] = {
		MOV64_REG(6, 1),
		ST(BPF_W, 10, -4, 1),
		LD_MAP(1, state), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, 0, 0, 20),
		MOV64_REG(7, 0),
		LDX(BPF_DW, 1, 7, 0), ALU64_IMM(BPF_ADD, 1, 1), STX(BPF_DW, 7, 1, 0),
		ST(BPF_W, 10, -4, 0),
		LD_MAP(1, state), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, 0, 0, 10),
		LDX(BPF_DW, 2, 7, 0), LDX(BPF_DW, 3, 0, 0),
		JMP_REG(BPF_JGT, 2, 3, 5),
		MOV64_REG(1, 6), LD_MAP(2, jmp), MOV64_IMM(3, 0),
		CALL(BPF_FUNC_tail_call),
		LDX(BPF_DW, 0, 7, 0),
		EXIT(),
		MOV64_IMM(0, 0),
		EXIT(),
	};
	return load(sys, BPF_PROG_TYPE_SOCKET_FILTER, p, N(p));
}

/* Five tail calls to jmp[slot] (empty or out of range), then to jmp[0].
 * variable: the index is slot + skb->len - 50 (0), unknown to the
 * verifier. */
static int burn_prog(bpf_fn sys, int jmp, int slot, bool variable)
{
#define TRY(s) MOV64_REG(1, 6), LD_MAP(2, jmp), MOV64_IMM(3, s), \
	       ALU64_REG(BPF_ADD, 3, 7), CALL(BPF_FUNC_tail_call)
	struct bpf_insn p[] = {
		MOV64_REG(6, 1),
		LDX(BPF_W, 7, 6, 0), ALU64_IMM(BPF_SUB, 7, 50),
		variable ? MOV64_REG(7, 7) : MOV64_IMM(7, 0),
		TRY(slot), TRY(slot), TRY(slot), TRY(slot), TRY(slot), TRY(0),
		MOV64_IMM(0, 77),
		EXIT(),
	};
#undef TRY
	return load(sys, BPF_PROG_TYPE_SOCKET_FILTER, p, N(p));
}

static void chain(bpf_fn sys, struct result *r, int state, int start, uint64_t limit)
{
	uint32_t retval = 0;
	uint64_t cnt;
	update(sys, state, 0, limit, 0);
	update(sys, state, 1, 0, 0);
	int ret = run(sys, start, &retval);
	lookup(sys, state, 1, &cnt);
	rec(r, ret, (uint64_t)retval << 32 | cnt);
}

static void prog_array_scenario(bpf_fn sys, struct result *r)
{
	int jmp = map_create(sys, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0);
	rec(r, jmp, 0);
	rec(r, map_create(sys, BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0, 0), 0);
	rec(r, map_create(sys, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, 0), 0);
	rec(r, map_create(sys, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 0, 0, 0), 0);
	int state = map_create(sys, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0);
	int self = chain_prog(sys, state, jmp);
	int burn_empty = burn_prog(sys, jmp, 1, false), burn_range = burn_prog(sys, jmp, 100, false);
	int burn_var = burn_prog(sys, jmp, 1, true), burn_var_range = burn_prog(sys, jmp, 100, true);
	rec(r, self < 0 || burn_empty < 0 || burn_range < 0 || burn_var < 0 || burn_var_range < 0
	       ? -1 : 0, 0);
	uint64_t id;
	int ret = lookup(sys, jmp, 0, &id);
	rec(r, ret, id);                                          /* empty: ENOENT */
	rec(r, update(sys, jmp, 0, (uint32_t)self, 0), 0);
	ret = lookup(sys, jmp, 0, &id);
	rec(r, ret, id == id_of(sys, self, true));                /* the program's id */
	rec(r, update(sys, jmp, 0, (uint32_t)self, BPF_NOEXIST), 0);
	rec(r, update(sys, jmp, 4, (uint32_t)self, 0), 0);        /* E2BIG */
	rec(r, update(sys, jmp, 1, (uint32_t)state, 0), 0);       /* a map: EINVAL */
	rec(r, update(sys, jmp, 1, 9999, 0), 0);                  /* EBADF */
	struct bpf_insn xdp[] = { MOV64_IMM(0, 2), EXIT() };
	int other = load(sys, BPF_PROG_TYPE_XDP, xdp, N(xdp));
	rec(r, update(sys, jmp, 1, (uint32_t)other, 0), 0);       /* other type: EINVAL */
	/* Chains: 1, 33, 34 and 40 tail calls asked for; 33 happen at most. */
	static const uint64_t limits[] = { 0, 1, 2, 32, 33, 34, 40 };
	for (size_t i = 0; i < N(limits); i++)
		chain(sys, r, state, self, limits[i]);
	/* Empty slots count against the limit, out-of-range indices do not. */
	chain(sys, r, state, burn_empty, 40);
	chain(sys, r, state, burn_range, 40);
	chain(sys, r, state, burn_var, 40);
	chain(sys, r, state, burn_var_range, 40);
	rec(r, delete(sys, jmp, 1), 0);                           /* ENOENT */
	rec(r, delete(sys, jmp, 9), 0);                           /* E2BIG */
	uint32_t zero = 0;
	uint64_t v = 0;
	union bpf_attr lk = { .map_fd = (uint32_t)jmp, .key = (uintptr_t)&zero,
			      .value = (uintptr_t)&v, .flags = BPF_F_LOCK };
	ret = sys(BPF_MAP_LOOKUP_ELEM, &lk, sizeof(lk));
	rec(r, ret, 0);                                           /* EINVAL */
	lk.flags = 0;
	ret = sys(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &lk, sizeof(lk));
	rec(r, ret, 0);
	uint32_t k = 3, next = 0;
	union bpf_attr gn = { .map_fd = (uint32_t)jmp, .key = (uintptr_t)&k,
			      .next_key = (uintptr_t)&next };
	ret = sys(BPF_MAP_GET_NEXT_KEY, &gn, sizeof(gn));
	rec(r, ret, next);
	gn.key = 0;
	ret = sys(BPF_MAP_GET_NEXT_KEY, &gn, sizeof(gn));
	rec(r, ret, next);
	rec(r, delete(sys, jmp, 0), 0);
	chain(sys, r, state, self, 5);                            /* falls through: 1 */
	/* The owner: program type, expected attach type, XDP frags. */
	int owned = map_create(sys, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0);
	int x_any = load_attach(sys, 0, 0), x_xdp = load_attach(sys, BPF_XDP, 0);
	int x_frags = load_attach(sys, BPF_XDP, BPF_F_XDP_HAS_FRAGS);
	rec(r, update(sys, owned, 0, (uint32_t)x_any, 0), 0);
	rec(r, update(sys, owned, 1, (uint32_t)x_xdp, 0), 0);    /* attach type: EINVAL */
	rec(r, update(sys, owned, 2, (uint32_t)x_frags, 0), 0);  /* frags: EINVAL */
	rec(r, update(sys, owned, 3, (uint32_t)x_any, 0), 0);
	close(x_any);
	close(x_xdp);
	close(x_frags);
	close(owned);
	close(other);
	close(burn_empty);
	close(burn_range);
	close(burn_var);
	close(burn_var_range);
	close(self);
	close(state);
	close(jmp);
}

/* r0 = ++inner[1] through outer[0]; hash of maps key 7 -> inner hash,
 * inner[5] = 42 from the program. */
static int mim_prog(bpf_fn sys, int outer, int hom)
{
	struct bpf_insn p[] = {
		ST(BPF_W, 10, -4, 0),
		LD_MAP(1, outer), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, 0, 0, 27),
		ST(BPF_W, 10, -4, 1),
		MOV64_REG(1, 0), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, 0, 0, 21),
		LDX(BPF_DW, 6, 0, 0), ALU64_IMM(BPF_ADD, 6, 1), STX(BPF_DW, 0, 6, 0),
		ST(BPF_W, 10, -4, 7),
		LD_MAP(1, hom), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, 0, 0, 9),
		ST(BPF_W, 10, -4, 5),
		ST(BPF_DW, 10, -16, 42),
		MOV64_REG(1, 0), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		MOV64_REG(3, 10), ALU64_IMM(BPF_ADD, 3, -16), MOV64_IMM(4, 0),
		CALL(BPF_FUNC_map_update_elem),
		MOV64_REG(0, 6),
		EXIT(),
		MOV64_IMM(0, 0),
		EXIT(),
	};
	int fd = load(sys, BPF_PROG_TYPE_SOCKET_FILTER, p, N(p));
	if (fd < 0 && getenv("PA_LOG")) {
		static char log[65536];
		union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SOCKET_FILTER, .insn_cnt = N(p),
				     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL",
				     .log_level = 1, .log_buf = (uintptr_t)log, .log_size = sizeof(log) };
		sys(BPF_PROG_LOAD, &a, sizeof(a));
		fprintf(stderr, "%s\n", log);
	}
	return fd;
}

static void map_in_map_scenario(bpf_fn sys, struct result *r)
{
	int inner = map_create(sys, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0);
	int inner2 = map_create(sys, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0);
	int longer = map_create(sys, BPF_MAP_TYPE_ARRAY, 4, 8, 3, 0, 0);
	int wider = map_create(sys, BPF_MAP_TYPE_ARRAY, 4, 16, 2, 0, 0);
	int ih = map_create(sys, BPF_MAP_TYPE_HASH, 4, 8, 8, 0, 0);
	int ih_big = map_create(sys, BPF_MAP_TYPE_HASH, 4, 8, 64, 0, 0);
	rec(r, inner < 0 || inner2 < 0 || longer < 0 || wider < 0 || ih < 0 || ih_big < 0, 0);
	int outer = map_create(sys, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0, inner);
	rec(r, outer, 0);
	rec(r, map_create(sys, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0, 9999), 0);  /* EBADF */
	rec(r, map_create(sys, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0, outer), 0); /* EINVAL */
	rec(r, map_create(sys, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 8, 2, 0, inner), 0); /* EINVAL */
	int hom = map_create(sys, BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, ih);
	rec(r, hom, 0);
	rec(r, update(sys, outer, 0, (uint32_t)inner2, 0), 0);
	uint64_t id;
	int ret = lookup(sys, outer, 0, &id);
	rec(r, ret, id == id_of(sys, inner2, false));
	rec(r, lookup(sys, outer, 1, &id), 0);                    /* ENOENT */
	rec(r, update(sys, outer, 1, (uint32_t)longer, 0), 0);    /* max_entries: EINVAL */
	rec(r, update(sys, outer, 1, (uint32_t)wider, 0), 0);     /* value size: EINVAL */
	rec(r, update(sys, outer, 2, (uint32_t)inner, 0), 0);     /* E2BIG */
	rec(r, update(sys, hom, 7, (uint32_t)ih_big, 0), 0);      /* hash: any size */
	rec(r, update(sys, hom, 7, (uint32_t)ih, BPF_NOEXIST), 0); /* EEXIST */
	rec(r, update(sys, hom, 8, (uint32_t)ih, BPF_EXIST), 0);  /* ENOENT */
	rec(r, update(sys, hom, 8, (uint32_t)inner, 0), 0);       /* array: EINVAL */
	ret = lookup(sys, hom, 7, &id);
	rec(r, ret, id == id_of(sys, ih_big, false));
	int prog = mim_prog(sys, outer, hom);
	rec(r, prog < 0 ? prog : 0, 0);
	for (int i = 0; i < 3; i++) {
		uint32_t retval = 0;
		ret = run(sys, prog, &retval);
		rec(r, ret, retval);
	}
	ret = lookup(sys, inner2, 1, &id);
	rec(r, ret, id);                                          /* 3 */
	union bpf_attr l = { .map_fd = (uint32_t)ih_big, .key = (uintptr_t)&(uint32_t){ 5 },
			     .value = (uintptr_t)&id };
	ret = sys(BPF_MAP_LOOKUP_ELEM, &l, sizeof(l));
	rec(r, ret, id);                                          /* 42 */
	rec(r, delete(sys, hom, 7), 0);
	rec(r, delete(sys, hom, 7), 0);                           /* ENOENT */
	rec(r, delete(sys, outer, 0), 0);
	uint32_t retval = 0;
	ret = run(sys, prog, &retval);
	rec(r, ret, retval);                                      /* 0: slot empty */
	/* BPF_F_INNER_MAP: arrays of any length fit, if they say so too. */
	int flex = map_create(sys, BPF_MAP_TYPE_ARRAY, 4, 8, 2, BPF_F_INNER_MAP, 0);
	int flex5 = map_create(sys, BPF_MAP_TYPE_ARRAY, 4, 8, 5, BPF_F_INNER_MAP, 0);
	int outer2 = map_create(sys, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0, flex);
	rec(r, flex < 0 || flex5 < 0 || outer2 < 0 ? -1 : 0, 0);
	rec(r, update(sys, outer2, 0, (uint32_t)flex5, 0), 0);
	rec(r, update(sys, outer2, 1, (uint32_t)longer, 0), 0);  /* flags differ: EINVAL */
	rec(r, map_create(sys, BPF_MAP_TYPE_HASH, 4, 8, 2, BPF_F_INNER_MAP, 0), 0); /* EINVAL */
	close(outer2);
	close(flex5);
	close(flex);
	int fds[] = { prog, hom, outer, ih_big, ih, wider, longer, inner2, inner };
	for (size_t i = 0; i < N(fds); i++)
		close(fds[i]);
}

/* What the kernel answers, written down (errno per step; data checked
 * for the runs). */
static void expect_prog_array(const struct result *r)
{
	static const int want[] = { 0, EINVAL, EINVAL, EINVAL, 0, ENOENT, 0, 0, EINVAL, E2BIG,
				    EINVAL, EBADF, EINVAL };
	/* Neither empty slots nor indices out of range count, for constant
	 * (the JIT's direct calls) and variable indices alike. */
	static const uint32_t runs[] = { 1, 2, 3, 33, 34, 34, 34, 33, 33, 33, 33 };
	for (size_t i = 0; i < N(want); i++)
		CHECK(r->err[i] == (int)want[i], "prog array step %zu: errno %d, want %d", i,
		      r->err[i], want[i]);
	CHECK(r->data[7] == 1, "lookup from user space gives the program's id");
	for (size_t i = 0; i < N(runs); i++) {
		uint64_t d = r->data[N(want) + i];
		CHECK(r->err[N(want) + i] == 0 && d >> 32 == runs[i] && (uint32_t)d == runs[i],
		      "chain %zu: retval %llu count %u, want %u", i, (unsigned long long)(d >> 32),
		      (uint32_t)d, runs[i]);
	}
	size_t k = N(want) + N(runs);
	CHECK(r->err[k] == ENOENT && r->err[k + 1] == E2BIG, "deletes: %d %d", r->err[k],
	      r->err[k + 1]);
	CHECK(r->err[k + 2] == EINVAL && r->err[k + 3] == 524,
	      "lookup with BPF_F_LOCK: %d; lookup_and_delete: %d (ENOTSUPP)", r->err[k + 2],
	      r->err[k + 3]);
	k += 2;
	CHECK(r->err[k + 2] == ENOENT && r->err[k + 3] == 0 && r->data[k + 3] == 0,
	      "get_next_key: last, then first");
	CHECK(r->err[k + 4] == 0 && r->data[k + 5] == (1ull << 32 | 1), "emptied: falls through");
	CHECK(r->err[k + 6] == 0 && r->err[k + 7] == EINVAL && r->err[k + 8] == EINVAL &&
	      r->err[k + 9] == 0, "owner checks: %d %d %d %d", r->err[k + 6], r->err[k + 7],
	      r->err[k + 8], r->err[k + 9]);
}

static void expect_map_in_map(const struct result *r)
{
	static const int want[] = { 0, 0, EBADF, EINVAL, EINVAL, 0, 0, 0, ENOENT, EINVAL,
				    EINVAL, E2BIG, 0, EEXIST, ENOENT, EINVAL, 0, 0, 0, 0, 0,
				    0, 0, 0, ENOENT, 0, 0, 0, 0, EINVAL, EINVAL };
	CHECK(r->n == (int)N(want), "map in map steps: %d", r->n);
	for (size_t i = 0; i < N(want) && i < (size_t)r->n; i++)
		CHECK(r->err[i] == want[i], "map in map step %zu: errno %d, want %d", i, r->err[i],
		      want[i]);
	CHECK(r->data[7] == 1 && r->data[16] == 1, "lookups give the inner maps' ids");
	CHECK(r->data[18] == 1 && r->data[19] == 2 && r->data[20] == 3 && r->data[21] == 3 &&
	      r->data[22] == 42, "programs reach the inner maps: %llu %llu %llu %llu %llu",
	      (unsigned long long)r->data[18], (unsigned long long)r->data[19],
	      (unsigned long long)r->data[20], (unsigned long long)r->data[21],
	      (unsigned long long)r->data[22]);
	CHECK(r->data[26] == 0, "an emptied slot: the program sees NULL");
}

static bool alive(enum obj_kind kind, uint32_t id)
{
	struct obj *o = obj_by_id(kind, id);
	obj_put(o);
	return o != NULL;
}

/* bpfx only: references, seen through the object registry. */
static void lifetimes(void)
{
	struct bpf_insn ret0[] = { MOV64_IMM(0, 0), EXIT() };
	int jmp = map_create(bpfx_bpf, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0);
	int p = load(bpfx_bpf, BPF_PROG_TYPE_SOCKET_FILTER, ret0, N(ret0));
	uint32_t pid = id_of(bpfx_bpf, p, true), jid = id_of(bpfx_bpf, jmp, false);
	CHECK(update(bpfx_bpf, jmp, 0, (uint32_t)p, 0) == 0 &&
	      update(bpfx_bpf, jmp, 1, (uint32_t)p, 0) == 0, "two slots, one program");
	close(p);
	fd_sweep();
	CHECK(alive(OBJ_PROG, pid), "slots hold the program after its descriptor closed");
	delete(bpfx_bpf, jmp, 0);
	CHECK(alive(OBJ_PROG, pid), "one slot still holds it");
	delete(bpfx_bpf, jmp, 1);
	CHECK(!alive(OBJ_PROG, pid), "the last slot gone: freed");

	/* A program tail-calling through the array that holds it. */
	int state = map_create(bpfx_bpf, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0);
	int self = chain_prog(bpfx_bpf, state, jmp);
	uint32_t sid = id_of(bpfx_bpf, self, true);
	update(bpfx_bpf, jmp, 2, (uint32_t)self, 0);
	close(self);
	close(state);
	fd_sweep();
	CHECK(alive(OBJ_PROG, sid) && alive(OBJ_MAP, jid), "cycle alive while the array's fd is");
	close(jmp);
	fd_sweep();
	CHECK(!alive(OBJ_PROG, sid) && !alive(OBJ_MAP, jid),
	      "last descriptor of the array closed: emptied, cycle freed");

	/* A pin keeps the array, and so its programs. */
	jmp = map_create(bpfx_bpf, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0);
	p = load(bpfx_bpf, BPF_PROG_TYPE_SOCKET_FILTER, ret0, N(ret0));
	pid = id_of(bpfx_bpf, p, true);
	update(bpfx_bpf, jmp, 3, (uint32_t)p, 0);
	CHECK(t_pin(jmp, "jmp") == 0, "pin the prog array");
	close(p);
	close(jmp);
	fd_sweep();
	CHECK(alive(OBJ_PROG, pid), "pinned array keeps its program");
	jmp = t_get("jmp");
	uint64_t id = 0;
	CHECK(jmp >= 0 && lookup(bpfx_bpf, jmp, 3, &id) == 0 && id == pid,
	      "OBJ_GET: the same array, its slot intact (id %llu)", (unsigned long long)id);
	close(jmp);
	char path[256];
	snprintf(path, sizeof(path), "%s/jmp", getenv("BPFX_FS"));
	unlink(path);
	fd_sweep();
	CHECK(!alive(OBJ_PROG, pid), "pin removed, descriptors closed: freed");
}

/* A tail call from a subprogram: as the kernel's JIT does it, the target
 * replaces the subprogram and returns to its caller: 100 + 7 with the
 * slot filled, 100 + 1 when it is empty. bpfx only: the kernel wants BTF
 * for this (tail_call.bpf.c's sub_tail compares it through objdiff). */
static void subprogram_scenario(bpf_fn sys, struct result *r)
{
	struct bpf_insn ret7[] = { MOV64_IMM(0, 7), EXIT() };
	int jmp = map_create(sys, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, 0, 0);
	int target = load(sys, BPF_PROG_TYPE_SOCKET_FILTER, ret7, N(ret7));
	uint32_t retval = 0;
	struct bpf_insn p[] = {
		MOV64_IMM(6, 100),
		CALL_LOCAL(2),
		ALU64_REG(BPF_ADD, 0, 6),
		EXIT(),
		LD_MAP(2, jmp), MOV64_IMM(3, 0),
		CALL(BPF_FUNC_tail_call),
		MOV64_IMM(0, 1),
		EXIT(),
	};
	int prog = load(sys, BPF_PROG_TYPE_SOCKET_FILTER, p, N(p));
	rec(r, prog < 0 || target < 0 ? -1 : 0, 0);
	rec(r, update(sys, jmp, 0, (uint32_t)target, 0), 0);
	int ret = run(sys, prog, &retval);
	rec(r, ret, retval);
	rec(r, delete(sys, jmp, 0), 0);
	ret = run(sys, prog, &retval);
	rec(r, ret, retval);
	close(target);
	close(prog);
	close(jmp);
}

/* Maps of maps and prog arrays with a slot each, then closed: 0 or the
 * first errno. */
static int fd_maps_cycle(void)
{
	struct bpf_insn ret0[] = { MOV64_IMM(0, 0), EXIT() };
	int fds[5] = { -1, -1, -1, -1, -1 }, err = 0;
	int *inner = &fds[0], *hom = &fds[1], *aom = &fds[2], *jmp = &fds[3], *prog = &fds[4];

	if ((*inner = map_create(bpfx_bpf, BPF_MAP_TYPE_HASH, 4, 8, 4, 0, 0)) < 0 ||
	    (*hom = map_create(bpfx_bpf, BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, *inner)) < 0 ||
	    (*aom = map_create(bpfx_bpf, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, *inner)) < 0 ||
	    (*jmp = map_create(bpfx_bpf, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0)) < 0 ||
	    (*prog = load(bpfx_bpf, BPF_PROG_TYPE_SOCKET_FILTER, ret0, N(ret0))) < 0 ||
	    update(bpfx_bpf, *hom, 1, (uint32_t)*inner, 0) ||
	    update(bpfx_bpf, *aom, 1, (uint32_t)*inner, 0) ||
	    update(bpfx_bpf, *jmp, 1, (uint32_t)*prog, 0))
		err = -errno;
	for (size_t i = 0; i < N(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fd_sweep();
	return err;
}

/* DESIGN habit 6: every allocation of that cycle failing in turn gives
 * ENOMEM, and nothing stays allocated. Runs first, on a fresh process. */
static void alloc_failures(void)
{
	bpfx_set_allocator(t_failing_realloc, NULL);
	t_alloc_reset(-1);
	CHECK(fd_maps_cycle() == 0, "cycle without failures");
	t_alloc_reset(-1);
	fd_maps_cycle();
	long total = t_alloc_count;
	for (long n = 0; n < total; n++) {
		t_alloc_reset(n);
		int err = fd_maps_cycle();
		CHECK(err == -ENOMEM && t_alloc_live == 0, "allocation %ld of %ld failing: err %d, "
		      "%ld blocks left", n, total, err, t_alloc_live);
	}
	bpfx_set_allocator(NULL, NULL);
}

/* Threads tail-call through a slot that user space keeps replacing and
 * emptying: every run ends in one of the two programs or falls through,
 * and when all is closed every program is gone. */
struct race {
	int prog;
	atomic_bool stop;
	atomic_int bad, runs;
};

static void *race_runner(void *arg)
{
	struct race *r = arg;
	while (!atomic_load(&r->stop)) {
		uint32_t retval = 0;
		if (run(bpfx_bpf, r->prog, &retval) || (retval != 7 && retval != 8 && retval != 1))
			atomic_fetch_add(&r->bad, 1);
		atomic_fetch_add(&r->runs, 1);
	}
	return NULL;
}

static void concurrency(void)
{
	struct bpf_insn ret7[] = { MOV64_IMM(0, 7), EXIT() }, ret8[] = { MOV64_IMM(0, 8), EXIT() };
	int jmp = map_create(bpfx_bpf, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, 0, 0);
	int t7 = load(bpfx_bpf, BPF_PROG_TYPE_SOCKET_FILTER, ret7, N(ret7));
	int t8 = load(bpfx_bpf, BPF_PROG_TYPE_SOCKET_FILTER, ret8, N(ret8));
	uint32_t id7 = id_of(bpfx_bpf, t7, true), id8 = id_of(bpfx_bpf, t8, true);
	struct bpf_insn p[] = {
		LD_MAP(2, jmp), MOV64_IMM(3, 0), CALL(BPF_FUNC_tail_call),
		MOV64_IMM(0, 1), EXIT(),
	};
	struct race r = { .prog = load(bpfx_bpf, BPF_PROG_TYPE_SOCKET_FILTER, p, N(p)) };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, race_runner, &r);
	for (int i = 0; i < 2000; i++) {
		update(bpfx_bpf, jmp, 0, (uint32_t)(i & 1 ? t7 : t8), 0);
		if (i % 3 == 0)
			delete(bpfx_bpf, jmp, 0);
	}
	atomic_store(&r.stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(atomic_load(&r.bad) == 0 && atomic_load(&r.runs) > 0,
	      "concurrent tail calls and updates: %d bad of %d runs", atomic_load(&r.bad),
	      atomic_load(&r.runs));
	close(r.prog);
	close(t7);
	close(t8);
	close(jmp);
	fd_sweep();
	CHECK(!alive(OBJ_PROG, id7) && !alive(OBJ_PROG, id8), "all released after the race");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	static struct result mine, theirs, mine2, theirs2;
	char root[] = "/tmp/bpfx-prog-array-XXXXXX";
	if (!mkdtemp(root))
		return CHECK(0, "mkdtemp"), t_done("prog_array");
	setenv("BPFX_FS", root, 1);

	alloc_failures();
	prog_array_scenario(bpfx_bpf, &mine);
	expect_prog_array(&mine);
	map_in_map_scenario(bpfx_bpf, &mine2);
	expect_map_in_map(&mine2);
	lifetimes();
	concurrency();
	static struct result mine3;
	subprogram_scenario(bpfx_bpf, &mine3);
	CHECK(mine3.n == 5 && mine3.err[2] == 0 && mine3.data[2] == 107 && mine3.err[4] == 0 &&
	      mine3.data[4] == 101, "tail call from a subprogram: %llu %llu (errno %d)",
	      (unsigned long long)mine3.data[2], (unsigned long long)mine3.data[4], mine3.err[2]);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS); /* pins and the object store */

	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel comparison of prog arrays and maps of maps: %s", why);
		return t_done("prog_array");
	}
	prog_array_scenario(kbpf_sys, &theirs);
	map_in_map_scenario(kbpf_sys, &theirs2);
	const struct result *a[] = { &mine, &mine2 }, *b[] = { &theirs, &theirs2 };
	for (int s = 0; s < 2; s++) {
		CHECK(a[s]->n == b[s]->n, "scenario %d: steps %d vs %d", s, a[s]->n, b[s]->n);
		for (int i = 0; i < a[s]->n && i < b[s]->n; i++)
			CHECK(a[s]->err[i] == b[s]->err[i] && a[s]->data[i] == b[s]->data[i],
			      "scenario %d step %d: bpfx errno %d data %llx, kernel errno %d data %llx",
			      s, i, a[s]->err[i], (unsigned long long)a[s]->data[i], b[s]->err[i],
			      (unsigned long long)b[s]->data[i]);
	}
	return t_done("prog_array");
}
