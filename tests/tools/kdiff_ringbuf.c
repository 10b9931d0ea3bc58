/* SPDX-License-Identifier: MIT */
/*
 * kdiff_ringbuf: ringbuf maps of bpfx against the running kernel's. One
 * syscall program - bpf_ringbuf_output, reserve + submit, reserve +
 * discard, a reserve with bad flags, an output with bad flags, and every
 * bpf_ringbuf_query - is loaded into both and run with the same inputs:
 * first until the 4 KB ring is full and past it, then consumed and run
 * again, one run per consume, for many laps of the ring. The kernel's
 * records are read with libbpf's ring_buffer, bpfx's with bpfx_ringbuf;
 * every return value and every record (size and bytes, which include the
 * positions the program queried) must be the same, in the same order.
 * MAP_CREATE refusals and the errnos of the key commands are compared
 * too. Without a usable bpf() the suite is one skip.
 *
 *   kdiff_ringbuf [OBJ]
 *
 * With OBJ (tests/event_progs/ringbuf_events.bpf.c compiled by clang),
 * also its program "emit" and map "events", loaded by libbpf into the
 * kernel and by bpfx_object into bpfx: the same runs, the same records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "tcheck.h"
#include "tinsn.h"

typedef int (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned int size);

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LD_MAP(reg, fd) RAW(BPF_LD | BPF_IMM | BPF_DW, reg, BPF_PSEUDO_MAP_FD, 0, fd), RAW(0, 0, 0, 0, 0)
#define MAX_RECORDS 8192
#define RING 4096

static int sys(bpf_fn f, int cmd, union bpf_attr *a)
{
	int r = f(cmd, a, sizeof(*a));
	return r < 0 ? -errno : r;
}

/* Everything one side produced. */
struct log {
	int rets[1024];
	int nrets;
	uint32_t size[MAX_RECORDS];
	uint8_t *bytes[MAX_RECORDS];
	int nrec;
};

static int record(void *ctx, void *data, size_t size)
{
	struct log *l = ctx;
	if (l->nrec < MAX_RECORDS) {
		l->size[l->nrec] = (uint32_t)size;
		l->bytes[l->nrec] = malloc(size + 1);
		if (l->bytes[l->nrec])
			memcpy(l->bytes[l->nrec], data, size);
		l->nrec++;
	}
	return 0;
}

/* ctx: u64 seq. r9 collects failures (bit per step); returns r9. */
static int load(bpf_fn f, int map)
{
	struct bpf_insn p[] = {
		LDX(BPF_DW, 6, 1, 0), MOV64_IMM(9, 0),
		LDDW_LO(7, 0x1122334455667788ull), LDDW_HI(0x1122334455667788ull),
		STX(BPF_DW, 10, 6, -16), STX(BPF_DW, 10, 7, -8),
		/* output 16 bytes */
		LD_MAP(1, map), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -16), MOV64_IMM(3, 16),
		MOV64_IMM(4, 0), CALL(BPF_FUNC_ringbuf_output),
		JMP_IMM(BPF_JEQ, 0, 0, 1), ALU64_IMM(BPF_OR, 9, 1),
		/* reserve 24, fill, submit */
		LD_MAP(1, map), MOV64_IMM(2, 24), MOV64_IMM(3, 0), CALL(BPF_FUNC_ringbuf_reserve),
		JMP_IMM(BPF_JEQ, 0, 0, 7),
		STX(BPF_DW, 0, 6, 0), STX(BPF_DW, 0, 7, 8), STX(BPF_DW, 0, 9, 16),
		MOV64_REG(1, 0), MOV64_IMM(2, 0), CALL(BPF_FUNC_ringbuf_submit), JA(1),
		ALU64_IMM(BPF_OR, 9, 2),
		/* reserve 8, discard */
		LD_MAP(1, map), MOV64_IMM(2, 8), MOV64_IMM(3, 0), CALL(BPF_FUNC_ringbuf_reserve),
		JMP_IMM(BPF_JEQ, 0, 0, 5),
		STX(BPF_DW, 0, 6, 0), MOV64_REG(1, 0), MOV64_IMM(2, 0),
		CALL(BPF_FUNC_ringbuf_discard), JA(1),
		ALU64_IMM(BPF_OR, 9, 4),
		/* reserve with flags 1: NULL */
		LD_MAP(1, map), MOV64_IMM(2, 8), MOV64_IMM(3, 1), CALL(BPF_FUNC_ringbuf_reserve),
		JMP_IMM(BPF_JEQ, 0, 0, 4),
		MOV64_REG(1, 0), MOV64_IMM(2, 0), CALL(BPF_FUNC_ringbuf_discard),
		ALU64_IMM(BPF_OR, 9, 32),
		/* output 5 bytes, no wake-up; then with an unknown flag */
		LD_MAP(1, map), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -8), MOV64_IMM(3, 5),
		MOV64_IMM(4, BPF_RB_NO_WAKEUP), CALL(BPF_FUNC_ringbuf_output),
		JMP_IMM(BPF_JEQ, 0, 0, 1), ALU64_IMM(BPF_OR, 9, 8),
		LD_MAP(1, map), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -8), MOV64_IMM(3, 8),
		MOV64_IMM(4, 4), CALL(BPF_FUNC_ringbuf_output), STX(BPF_DW, 10, 0, -56),
		/* every query, then output them (48 bytes) */
		LD_MAP(1, map), MOV64_IMM(2, BPF_RB_AVAIL_DATA), CALL(BPF_FUNC_ringbuf_query),
		STX(BPF_DW, 10, 0, -48),
		LD_MAP(1, map), MOV64_IMM(2, BPF_RB_RING_SIZE), CALL(BPF_FUNC_ringbuf_query),
		STX(BPF_DW, 10, 0, -40),
		LD_MAP(1, map), MOV64_IMM(2, BPF_RB_CONS_POS), CALL(BPF_FUNC_ringbuf_query),
		STX(BPF_DW, 10, 0, -32),
		LD_MAP(1, map), MOV64_IMM(2, BPF_RB_PROD_POS), CALL(BPF_FUNC_ringbuf_query),
		STX(BPF_DW, 10, 0, -24),
		LD_MAP(1, map), MOV64_IMM(2, 99), CALL(BPF_FUNC_ringbuf_query),
		STX(BPF_DW, 10, 0, -64),
		LD_MAP(1, map), MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -64), MOV64_IMM(3, 48),
		MOV64_IMM(4, 0), CALL(BPF_FUNC_ringbuf_output),
		JMP_IMM(BPF_JEQ, 0, 0, 1), ALU64_IMM(BPF_OR, 9, 16),
		MOV64_REG(0, 9), EXIT(),
	};
	union bpf_attr a = { .prog_type = BPF_PROG_TYPE_SYSCALL, .insn_cnt = N(p),
			     .insns = (uintptr_t)p, .license = (uintptr_t)"GPL",
			     .prog_flags = BPF_F_SLEEPABLE };
	return sys(f, BPF_PROG_LOAD, &a);
}

static int run(bpf_fn f, int prog, uint64_t seq)
{
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)prog, .ctx_in = (uintptr_t)&seq,
				       .ctx_size_in = sizeof(seq) } };
	int err = sys(f, BPF_PROG_TEST_RUN, &t);
	return err ? -1000 + err : (int)t.test.retval;
}

/* The scenario, on one side; `consume` drains the ring into the log. */
static void scenario(bpf_fn f, int prog, struct log *l, int (*consume)(void *), void *c)
{
	uint64_t seq = 0;
	for (int i = 0; i < 40 && l->nrets < (int)N(l->rets); i++) /* fills, then overflows */
		l->rets[l->nrets++] = run(f, prog, seq++);
	consume(c);
	for (int i = 0; i < 400 && l->nrets < (int)N(l->rets); i++) { /* ~20 laps */
		l->rets[l->nrets++] = run(f, prog, seq++);
		if (i % 3 == 2)
			consume(c);
	}
	consume(c);
}

static int kernel_consume(void *rb)
{
	return ring_buffer__consume(rb);
}

static int bpfx_consume(void *rb)
{
	return bpfx_ringbuf__consume(rb);
}

static bool kernel_side(struct log *l)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_RINGBUF, .max_entries = RING };
	int map = sys(kbpf_sys, BPF_MAP_CREATE, &a);
	int prog = map >= 0 ? load(kbpf_sys, map) : map;
	struct ring_buffer *rb = prog >= 0 ? ring_buffer__new(map, record, l, NULL) : NULL;

	if (!CHECK(rb, "kernel: ring, program and libbpf consumer (%d)", prog))
		return false;
	scenario(kbpf_sys, prog, l, kernel_consume, rb);
	ring_buffer__free(rb);
	close(prog), close(map);
	return true;
}

static bool bpfx_side(struct log *l)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_RINGBUF, .max_entries = RING };
	int map = sys(bpfx_bpf, BPF_MAP_CREATE, &a);
	int prog = map >= 0 ? load(bpfx_bpf, map) : map;
	struct bpfx_ringbuf *rb = prog >= 0 ? bpfx_ringbuf__new(map, record, l, NULL, NULL) : NULL;

	if (!CHECK(rb, "bpfx: ring, program and consumer (%d)", prog))
		return false;
	scenario(bpfx_bpf, prog, l, bpfx_consume, rb);
	bpfx_ringbuf__free(rb);
	close(prog), close(map);
	return true;
}

static void compare(const struct log *k, const struct log *x, int min_records)
{
	int first_bad = -1, full = 0;
	for (int i = 0; i < k->nrets && i < x->nrets; i++) {
		if (k->rets[i] != x->rets[i] && first_bad < 0)
			first_bad = i;
		full += k->rets[i] != 0;
	}
	CHECK(k->nrets == x->nrets && first_bad < 0, "%d return values equal (first difference "
	      "at run %d: kernel %d, bpfx %d)", k->nrets, first_bad,
	      first_bad < 0 ? 0 : k->rets[first_bad], first_bad < 0 ? 0 : x->rets[first_bad]);
	CHECK(full > 0, "the scenario filled the ring (%d runs with a failed step)", full);
	first_bad = -1;
	for (int i = 0; i < k->nrec && i < x->nrec; i++)
		if (k->size[i] != x->size[i] || !k->bytes[i] || !x->bytes[i] ||
		    memcmp(k->bytes[i], x->bytes[i], k->size[i])) {
			first_bad = i;
			break;
		}
	CHECK(k->nrec == x->nrec && first_bad < 0 && k->nrec > min_records,
	      "records: kernel %d, bpfx %d, first difference at %d", k->nrec, x->nrec, first_bad);
}

/* The object scenario: runs "emit" with (seq, n), consuming every 30th
 * run so that the ring overflows in between. */
struct emit_args {
	uint64_t seq;
	uint32_t n, pad;
};

static void obj_scenario(int (*run_fn)(void *, struct emit_args *), void *prog, struct log *l,
			 int (*consume)(void *), void *c)
{
	for (int i = 0; i < 120 && l->nrets < (int)N(l->rets); i++) {
		struct emit_args a = { (uint64_t)i, (uint32_t)(i % 9), 0 };
		l->rets[l->nrets++] = run_fn(prog, &a);
		if (i % 30 == 29)
			consume(c);
	}
	consume(c);
}

static int kernel_emit(void *prog, struct emit_args *a)
{
	union bpf_attr t = { .test = { .prog_fd = (uint32_t)bpf_program__fd(prog),
				       .ctx_in = (uintptr_t)a, .ctx_size_in = sizeof(*a) } };
	int err = sys(kbpf_sys, BPF_PROG_TEST_RUN, &t);
	return err ? -1000 + err : (int)t.test.retval;
}

static int bpfx_emit(void *prog, struct emit_args *a)
{
	union bpf_attr t = { .test = { .ctx_in = (uintptr_t)a, .ctx_size_in = sizeof(*a) } };
	int err = bpfx_program__test_run(prog, &t);
	return err ? -1000 + err : (int)t.test.retval;
}

static bool kernel_object(const char *path, struct log *l)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	struct bpf_program *p = o ? bpf_object__find_program_by_name(o, "emit") : NULL;
	struct bpf_map *m = p && !bpf_object__load(o) ? bpf_object__find_map_by_name(o, "events")
						       : NULL;
	struct ring_buffer *rb = m ? ring_buffer__new(bpf_map__fd(m), record, l, NULL) : NULL;

	if (CHECK(rb, "kernel: %s loaded by libbpf, with a ring_buffer", path))
		obj_scenario(kernel_emit, p, l, kernel_consume, rb);
	ring_buffer__free(rb);
	bpf_object__close(o);
	return rb != NULL;
}

static bool bpfx_object(const char *path, struct log *l)
{
	int err = 0;
	struct bpfx_object *o = bpfx_object__open(path, NULL, &err);
	struct bpfx_program *p = o && !bpfx_object__load(o) ? bpfx_object__find_program(o, "emit")
							   : NULL;
	struct bpfx_map *m = p ? bpfx_object__find_map(o, "events") : NULL;
	struct bpfx_ringbuf *rb = m ? bpfx_ringbuf__new(bpfx_map__fd(m), record, l, NULL, &err)
				    : NULL;

	if (CHECK(rb, "bpfx: %s loaded, with a consumer (%d)", path, err))
		obj_scenario(bpfx_emit, p, l, bpfx_consume, rb);
	bpfx_ringbuf__free(rb);
	bpfx_object__close(o);
	return rb != NULL;
}

static void free_log(struct log *l)
{
	for (int i = 0; i < l->nrec; i++)
		free(l->bytes[i]);
	memset(l, 0, sizeof(*l));
}

/* MAP_CREATE and the key commands: the same errno on both sides. */
static void compare_errnos(void)
{
	static const struct { uint32_t ks, vs, max, flags; } cases[] = {
		{ 0, 0, 4096, 0 }, { 4, 0, 4096, 0 }, { 0, 4, 4096, 0 }, { 0, 0, 4096 * 3, 0 },
		{ 0, 0, 2048, 0 }, { 0, 0, 0, 0 }, { 0, 0, 4096, BPF_F_RDONLY_PROG },
		{ 0, 0, 4096, BPF_F_NUMA_NODE }, { 0, 0, 1u << 31, 0 }, { 0, 0, 8192, BPF_F_MMAPABLE },
	};
	for (size_t i = 0; i < N(cases); i++) {
		union bpf_attr a = { .map_type = BPF_MAP_TYPE_RINGBUF, .key_size = cases[i].ks,
				     .value_size = cases[i].vs, .max_entries = cases[i].max,
				     .map_flags = cases[i].flags };
		int k = sys(kbpf_sys, BPF_MAP_CREATE, &a), x = sys(bpfx_bpf, BPF_MAP_CREATE, &a);
		CHECK((k < 0 ? k : 0) == (x < 0 ? x : 0), "create case %zu: kernel %d, bpfx %d", i,
		      k < 0 ? k : 0, x < 0 ? x : 0);
		if (k < 0 || x < 0)
			goto next;
		uint32_t key = 0, next;
		uint64_t v = 0;
		union bpf_attr l = { .map_fd = (uint32_t)k, .key = (uintptr_t)&key,
				     .value = (uintptr_t)&v };
		int cmds[] = { BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM,
			       BPF_MAP_GET_NEXT_KEY };
		for (size_t c = 0; c < 2 * N(cmds); c++) {
			l.key = c < N(cmds) ? (uintptr_t)&key : 0; /* with a key, then without */
			l.map_fd = (uint32_t)k;
			int cmd = cmds[c % N(cmds)];
			l.next_key = cmd == BPF_MAP_GET_NEXT_KEY ? (uintptr_t)&next : 0;
			int ke = sys(kbpf_sys, cmd, &l);
			l.map_fd = (uint32_t)x;
			int xe = sys(bpfx_bpf, cmd, &l);
			CHECK(ke == xe, "command %d (key %s) on a ringbuf: kernel %d, bpfx %d", cmd,
			      l.key ? "given" : "NULL", ke, xe);
		}
next:
		if (k >= 0)
			close(k);
		if (x >= 0)
			close(x);
	}
}

int main(int argc, char **argv)
{
	const char *why = kbpf_unavailable();
	if (why) {
		t_skip("kernel ringbuf comparison: %s", why);
		return t_done("ringbuf_kernel");
	}
	static struct log k, x;
	compare_errnos();
	if (kernel_side(&k) && bpfx_side(&x))
		compare(&k, &x, 1000);
	free_log(&k);
	free_log(&x);
	if (argc > 1 && kernel_object(argv[1], &k) && bpfx_object(argv[1], &x))
		compare(&k, &x, 300);
	free_log(&k);
	free_log(&x);
	return t_done("ringbuf_kernel");
}
