/* SPDX-License-Identifier: MIT */
/*
 * kdiff_mapsq: LPM tries, queues, stacks, bloom filters and the batch
 * commands of bpfx against the running kernel's, through the whole bpf()
 * command layer (bpfx_bpf() against the real system call). The same
 * random operation sequences (fixed seeds, so runs repeat) go to a map of
 * each side; every step's return value, errno, count and output bytes
 * must agree, and at the end so must the contents (a get_next_key walk,
 * in the same order, with the same values; what is left in a queue).
 *
 *   kdiff_mapsq [--count N] [--seed S]
 *
 * Bloom filters and hash maps are created with BPF_F_ZERO_SEED, so that
 * false positives and bucket order are the kernel's; one bloom filter
 * with a random seed checks only that every pushed value is found. Per-CPU
 * maps need as many bpfx slots as the kernel has possible CPUs
 * (BPFX_SLOTS, set by tests/suites/maps_kernel_q.sh). Without a usable
 * bpf() the suite is one skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/bpfx.h>

#include "kbpf.h"
#include "kmap.h"
#include "maps/map.h"
#include "tcheck.h"
#include "tinsn.h"

#define OUT_MAX (256 * 1024)
#define LPM_T BPF_MAP_TYPE_LPM_TRIE
#define Q BPF_MAP_TYPE_QUEUE
#define S BPF_MAP_TYPE_STACK
#define B BPF_MAP_TYPE_BLOOM_FILTER
#define NP BPF_F_NO_PREALLOC
#define Z BPF_F_ZERO_SEED

typedef int (*sys_fn)(int cmd, union bpf_attr *attr, unsigned int size);

struct side {
	sys_fn sys;
	int fd;
};

/* What one step did on one side. */
struct rec {
	char what[48];
	size_t n;                     /* bytes of out */
	unsigned char out[OUT_MAX];   /* return values, errnos, counts, bytes */
};

struct config {
	const char *name;
	uint32_t type, ks, vs, max, flags;
	uint64_t extra;
	uint32_t keyspace;            /* distinct keys or values the steps use */
};

static const struct config *C;
static uint32_t NCPUS;
static bool EXACT;                    /* false: a bloom filter with a random seed */
static unsigned char PUSHED[4096];    /* values a bloom filter took */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void put(struct rec *r, const void *p, size_t n)
{
	if (r->n + n > sizeof(r->out))
		n = sizeof(r->out) - r->n;
	memcpy(r->out + r->n, p, n);
	r->n += n;
}

/* One command; its result (-errno or the return value) goes to r. */
static int sys(struct side *s, int cmd, union bpf_attr *a, struct rec *r)
{
	int ret = s->sys(cmd, a, sizeof(*a));

	ret = ret < 0 ? -errno : ret;
	put(r, &ret, sizeof(ret));
	return ret;
}

static uint32_t user_vs(void)
{
	bool percpu = C->type == BPF_MAP_TYPE_PERCPU_HASH || C->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		      C->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	return percpu ? ((C->vs + 7) & ~7u) * NCPUS : C->vs;
}

/* Key (or, for keyless maps, value) number i, spread over its bytes. An
 * LPM key gets a prefix length from `r` (sometimes past the maximum) and
 * data from a few patterns, so that prefixes share bits. */
static void make_key(unsigned char *k, uint32_t i, uint64_t r)
{
	uint64_t s = 0x9e3779b97f4a7c15ull * (i + 1);
	uint32_t n = C->ks ? C->ks : C->vs;

	for (uint32_t j = 0; j < n; j++)
		k[j] = (unsigned char)(xorshift(&s) >> 24);
	if (C->type == BPF_MAP_TYPE_ARRAY || C->type == BPF_MAP_TYPE_PERCPU_ARRAY)
		memcpy(k, &(uint32_t){ i % (C->max + 2) }, 4);
	if (C->type != LPM_T)
		return;
	uint32_t max_plen = (C->ks - 4) * 8;
	uint32_t plen = (uint32_t)(r % (max_plen + 2));
	if (r % 3 == 0)
		plen = max_plen;
	memcpy(k, &plen, 4);
	memset(k + 4, (int)(0x0a + i % 3 * 0x70), C->ks - 4); /* three patterns */
	uint32_t flip = (uint32_t)(s % max_plen);
	k[4 + flip / 8] ^= (unsigned char)(0x80 >> (flip % 8)); /* and a bit apart */
}

static void set_what(struct rec *r, const char *w)
{
	snprintf(r->what, sizeof(r->what), "%s", w);
}

static void elem_op(struct side *s, int cmd, const void *key, void *value, uint64_t flags,
		    struct rec *r)
{
	union bpf_attr a = { .map_fd = (uint32_t)s->fd, .key = (uintptr_t)key,
			     .value = (uintptr_t)value, .flags = flags };
	int ret = sys(s, cmd, &a, r);

	if (cmd != BPF_MAP_UPDATE_ELEM && value && ret == 0)
		put(r, value, user_vs());
}

static void next_key_op(struct side *s, const void *key, bool null_next, struct rec *r)
{
	static unsigned char next[512];
	union bpf_attr a = { .map_fd = (uint32_t)s->fd, .key = (uintptr_t)key,
			     .next_key = null_next ? 0 : (uintptr_t)next };

	memset(next, 0xee, sizeof(next));
	if (sys(s, BPF_MAP_GET_NEXT_KEY, &a, r) == 0)
		put(r, next, C->ks);
}

/* A batch command; records the count it reports and what it wrote. */
static int batch_op(struct side *s, int cmd, void *keys, void *values, uint32_t count,
		    void *in, void *out, uint64_t elem_flags, uint64_t flags, struct rec *r)
{
	union bpf_attr a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.batch.map_fd = (uint32_t)s->fd;
	a.batch.keys = (uintptr_t)keys;
	a.batch.values = (uintptr_t)values;
	a.batch.count = count;
	a.batch.in_batch = (uintptr_t)in;
	a.batch.out_batch = (uintptr_t)out;
	a.batch.elem_flags = elem_flags;
	a.batch.flags = flags;
	ret = sys(s, cmd, &a, r);
	put(r, &a.batch.count, 4);
	/* What a lookup copied (after a refusal, count is the caller's). */
	if ((cmd == BPF_MAP_LOOKUP_BATCH || cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH) && keys &&
	    values && (ret == 0 || ret == -ENOENT || ret == -ENOSPC)) {
		uint32_t n = a.batch.count < count ? a.batch.count : count;
		put(r, keys, (size_t)n * C->ks);
		put(r, values, (size_t)n * user_vs());
	}
	return ret;
}

/* A whole lookup (or lookup-and-delete) walk in batches of `per`, each
 * call going on from the last one's token, until an error. */
static void batch_walk(struct side *s, int cmd, uint32_t per, uint64_t elem_flags,
		       uint64_t flags, unsigned nulls, struct rec *r)
{
	static unsigned char keys[64 * 1024], values[OUT_MAX / 2], tok[2][512];
	int i = 0;

	memset(tok, 0, sizeof(tok));
	for (int calls = 0; calls < 300; calls++, i ^= 1) {
		memset(keys, 0xee, sizeof(keys));
		/* nulls 1..3: no keys, values or out_batch buffer (EFAULT) */
		int ret = batch_op(s, cmd, nulls == 1 ? NULL : keys, nulls == 2 ? NULL : values,
				   per, calls ? tok[i ^ 1] : NULL, nulls == 3 ? NULL : tok[i],
				   elem_flags, flags, r);
		if (ret)
			break;
		put(r, tok[i], 4); /* bucket tokens: 4 bytes; keys: their first 4 */
	}
}

/* Updates or deletes `n` keys at once. */
static void batch_each(struct side *s, int cmd, uint64_t r0, uint32_t n, uint64_t elem_flags,
		       struct rec *r)
{
	static unsigned char keys[64 * 600], values[OUT_MAX / 4];
	uint64_t rr = r0 | 1;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t x = xorshift(&rr);
		make_key(keys + i * C->ks, (uint32_t)(x % C->keyspace), x >> 20);
	}
	for (size_t i = 0; i < (size_t)n * user_vs(); i++)
		values[i] = (unsigned char)xorshift(&rr);
	batch_op(s, cmd, (r0 >> 50) % 16 ? keys : NULL, (r0 >> 54) % 16 ? values : NULL, n, NULL,
		 NULL, elem_flags, 0, r);
}

/* A get_next_key walk that deletes keys as it goes: with `before`, the
 * current key goes before asking for the next one (the kernel then starts
 * over from the first key), otherwise after. Every third key is kept. */
static void walk_deleting(struct side *s, bool before, struct rec *rec)
{
	static unsigned char cur[512], next[512];
	union bpf_attr a = { .map_fd = (uint32_t)s->fd, .key = 0, .next_key = (uintptr_t)next };
	union bpf_attr d = { .map_fd = (uint32_t)s->fd, .key = (uintptr_t)cur };

	for (int n = 0; n < 200; n++) {
		bool del = n % 3 != 2;
		if (before && del && a.key)
			sys(s, BPF_MAP_DELETE_ELEM, &d, rec);
		if (sys(s, BPF_MAP_GET_NEXT_KEY, &a, rec))
			break;
		put(rec, next, C->ks);
		if (!before && del && a.key)
			sys(s, BPF_MAP_DELETE_ELEM, &d, rec);
		memcpy(cur, next, C->ks);
		a.key = (uintptr_t)cur;
	}
}

/* One random step of a keyed map (LPM trie, hash, array). */
static void keyed_step(struct side *s, uint64_t r, struct rec *rec)
{
	static const uint64_t uflags[] = { BPF_ANY, BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_ANY, 3,
					   BPF_F_LOCK, BPF_ANY };
	static unsigned char key[512], value[OUT_MAX / 4];
	uint32_t op = (uint32_t)(r % 100);
	uint64_t rr = r | 1;
	bool nul = (r >> 44) % 16 == 0; /* a NULL buffer somewhere: EFAULT */
	void *k = nul && (r >> 48) % 2 ? NULL : key, *v = nul && k ? NULL : value;

	make_key(key, (uint32_t)((r >> 8) % C->keyspace), r >> 24);
	for (uint32_t i = 0; i < user_vs(); i++)
		value[i] = (unsigned char)xorshift(&rr);
	if (op < 40) {
		set_what(rec, "update");
		elem_op(s, BPF_MAP_UPDATE_ELEM, k, v, uflags[(r >> 40) % 8], rec);
	} else if (op < 55) {
		set_what(rec, "lookup");
		elem_op(s, BPF_MAP_LOOKUP_ELEM, k, v, 0, rec);
	} else if (op < 68) {
		set_what(rec, "delete");
		elem_op(s, BPF_MAP_DELETE_ELEM, k, NULL, 0, rec);
	} else if (op < 78) {
		set_what(rec, "get_next_key");
		next_key_op(s, (r >> 50) % 4 ? key : NULL, nul, rec);
	} else if (op == 78) {
		set_what(rec, "walk deleting");
		walk_deleting(s, (r >> 30) % 2, rec);
	} else if (op < 80) {
		set_what(rec, "lookup_and_delete");
		elem_op(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, k, v, 0, rec);
	} else if (op < 86) {
		static const uint32_t pers[] = { 1, 2, 3, 5, 1000, 0 };
		set_what(rec, "lookup batch walk");
		batch_walk(s, BPF_MAP_LOOKUP_BATCH, pers[(r >> 30) % 6], (r >> 36) % 9 == 0,
			   (r >> 40) % 11 == 0, nul ? 1 + (unsigned)((r >> 48) % 3) : 0, rec);
	} else if (op < 88) {
		set_what(rec, "lookup_and_delete batch");
		batch_walk(s, BPF_MAP_LOOKUP_AND_DELETE_BATCH, 1 + (uint32_t)((r >> 30) % 4), 0, 0,
			   nul ? 1 + (unsigned)((r >> 48) % 3) : 0, rec);
	} else if (op < 95) {
		set_what(rec, "update batch");
		batch_each(s, BPF_MAP_UPDATE_BATCH, r, 1 + (uint32_t)((r >> 30) % 5),
			   (r >> 40) % 13 == 0 ? BPF_NOEXIST : 0, rec);
	} else {
		set_what(rec, "delete batch");
		batch_each(s, BPF_MAP_DELETE_BATCH, r, 1 + (uint32_t)((r >> 30) % 3), 0, rec);
	}
}

/* One random step of a keyless map (queue, stack, bloom filter). */
static void keyless_step(struct side *s, uint64_t r, struct rec *rec)
{
	static const uint64_t pflags[] = { BPF_ANY, BPF_ANY, BPF_EXIST, BPF_ANY, BPF_NOEXIST,
					   BPF_F_LOCK, 3, BPF_EXIST };
	static unsigned char value[OUT_MAX / 4], key[8];
	uint32_t op = (uint32_t)(r % 100);
	void *k = (r >> 56) % 16 == 0 ? key : NULL; /* a key where none belongs */

	make_key(value, (uint32_t)((r >> 8) % C->keyspace), 0);
	if (op < 45) {
		union bpf_attr a = { .map_fd = (uint32_t)s->fd, .key = (uintptr_t)k,
				     .value = (uintptr_t)value, .flags = pflags[(r >> 40) % 8] };
		set_what(rec, "push");
		if (sys(s, BPF_MAP_UPDATE_ELEM, &a, rec) == 0)
			PUSHED[(r >> 8) % C->keyspace] = 1;
	} else if (op < 75) {
		set_what(rec, "peek");
		elem_op(s, BPF_MAP_LOOKUP_ELEM, k, value, (r >> 40) % 16 == 0 ? BPF_F_LOCK : 0, rec);
	} else if (op < 90) {
		set_what(rec, "pop");
		elem_op(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, k, value, (r >> 40) % 16 == 0, rec);
	} else if (op < 94) {
		set_what(rec, "delete");
		elem_op(s, BPF_MAP_DELETE_ELEM, k, NULL, 0, rec);
	} else if (op < 97) {
		set_what(rec, "get_next_key");
		next_key_op(s, k, (r >> 40) % 8 == 0, rec);
	} else {
		set_what(rec, "lookup batch");
		batch_walk(s, BPF_MAP_LOOKUP_BATCH, 4, 0, 0, 0, rec);
	}
}

/* Loads a socket filter on side s and runs it once; records whether
 * each worked and the program's return value. */
static void run_prog(struct side *s, const struct bpf_insn *insns, size_t cnt, struct rec *r)
{
	unsigned char data[KBPF_DATA_LEN];
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = KBPF_PROG_TYPE;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t)"GPL";
	fd = s->sys(BPF_PROG_LOAD, &a, sizeof(a));
	put(r, &(int){ fd < 0 ? -errno : 0 }, sizeof(int));
	if (fd < 0)
		return;
	memcpy(data, kbpf_data(), sizeof(data));
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)data;
	a.test.data_size_in = sizeof(data);
	a.test.repeat = 1;
	if (sys(s, BPF_PROG_TEST_RUN, &a, r) == 0)
		put(r, &a.test.retval, 4);
	close(fd);
}

/* Instructions storing `len` bytes at fp + off. */
static size_t store_bytes(struct bpf_insn *p, int off, const unsigned char *b, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = ST(BPF_B, 10, (short)(off + (int)i), b[i]);
	return len;
}

/* r1 = the map of descriptor fd (two instructions at p). */
static size_t map_ld(struct bpf_insn *p, int fd)
{
	p[0] = RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, fd);
	p[1] = LDDW_HI(0);
	return 2;
}

/* A program pushing, popping or peeking one value (bloom filters: pushing
 * or testing). It returns the helper's result xor the first 8 bytes of
 * its buffer (pre-filled with 0xff; zeroed by an empty pop or peek). */
static void prog_keyless(struct side *s, uint64_t r, struct rec *rec)
{
	static const uint64_t pflags[] = { BPF_ANY, BPF_EXIST, BPF_NOEXIST };
	struct bpf_insn p[64];
	unsigned char value[64];
	uint32_t op = (uint32_t)((r >> 3) % 3);
	size_t n = 0;

	if (C->type == B && op == 1)
		op = 2; /* the kernel's verifier allows no pop on a bloom filter */
	if (!EXACT)
		op = 0; /* random seeds: false positives differ, so only pushes */
	set_what(rec, op == 0 ? "program push" : op == 1 ? "program pop" : "program peek");
	make_key(value, (uint32_t)((r >> 8) % C->keyspace), 0);
	p[n++] = ST(BPF_DW, 10, -32, -1);
	p[n++] = ST(BPF_DW, 10, -24, -1);
	if (op == 0 || C->type == B)
		n += store_bytes(p + n, -32, value, C->vs);
	n += map_ld(p + n, s->fd);
	p[n++] = MOV64_REG(2, 10);
	p[n++] = ALU64_IMM(BPF_ADD, 2, -32);
	p[n++] = MOV64_IMM(3, (int32_t)pflags[(r >> 40) % 3]);
	p[n++] = CALL(op == 0 ? BPF_FUNC_map_push_elem : op == 1 ? BPF_FUNC_map_pop_elem
								 : BPF_FUNC_map_peek_elem);
	p[n++] = MOV64_REG(6, 0);
	p[n++] = LDX(BPF_W, 0, 10, -32);
	p[n++] = LDX(BPF_W, 7, 10, -28);
	p[n++] = ALU64_REG(BPF_XOR, 0, 7);
	p[n++] = ALU64_REG(BPF_XOR, 0, 6);
	p[n++] = EXIT();
	run_prog(s, p, n, rec);
	if (op == 0 && C->type == B && (r >> 40) % 3 == 0)
		PUSHED[(r >> 8) % C->keyspace] = 1; /* BPF_ANY: in the filter now */
}

/* A program looking up (its value's first byte, or -1), updating or
 * deleting one key of an LPM trie. Key at fp-288, value at fp-24. */
static void prog_lpm(struct side *s, uint64_t r, struct rec *rec)
{
	static const uint64_t uflags[] = { BPF_ANY, BPF_NOEXIST, BPF_EXIST, 8 };
	struct bpf_insn p[600];
	unsigned char key[512], value[64];
	uint32_t op = (uint32_t)((r >> 3) % 3);
	uint64_t rr = r | 1;
	size_t n = 0;

	if (C->flags & BPF_F_RDONLY_PROG)
		op = 0;
	set_what(rec, op == 0 ? "program lookup" : op == 1 ? "program update" : "program delete");
	make_key(key, (uint32_t)((r >> 8) % C->keyspace), r >> 24);
	for (uint32_t i = 0; i < C->vs; i++)
		value[i] = (unsigned char)xorshift(&rr);
	n += store_bytes(p + n, -288, key, C->ks);
	n += store_bytes(p + n, -24, value, C->vs);
	n += map_ld(p + n, s->fd);
	p[n++] = MOV64_REG(2, 10);
	p[n++] = ALU64_IMM(BPF_ADD, 2, -288);
	p[n++] = MOV64_REG(3, 10);
	p[n++] = ALU64_IMM(BPF_ADD, 3, -24);
	p[n++] = MOV64_IMM(4, (int32_t)uflags[(r >> 40) % 4]);
	p[n++] = CALL(op == 0 ? BPF_FUNC_map_lookup_elem : op == 1 ? BPF_FUNC_map_update_elem
								   : BPF_FUNC_map_delete_elem);
	if (op == 0) {
		p[n++] = JMP_IMM(BPF_JNE, 0, 0, 2);
		p[n++] = MOV64_IMM(0, -1);
		p[n++] = EXIT();
		p[n++] = LDX(BPF_B, 0, 0, 0);
	}
	p[n++] = EXIT();
	run_prog(s, p, n, rec);
}

static void prog_step(struct side *s, uint64_t r, struct rec *rec)
{
	if (C->type == LPM_T)
		prog_lpm(s, r, rec);
	else
		prog_keyless(s, r, rec);
}

/* The contents at the end: a get_next_key walk with every value, or
 * what pops out of a queue/stack, or which values a bloom filter has. */
static void final_step(struct side *s, uint64_t r, struct rec *rec)
{
	static unsigned char key[512], value[OUT_MAX / 4];

	(void)r;
	set_what(rec, "final contents");
	if (C->type == Q || C->type == S) {
		for (uint32_t i = 0; i <= C->max + 1; i++)
			elem_op(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, NULL, value, 0, rec);
		return;
	}
	if (C->type == B) {
		for (uint32_t i = 0; i < C->keyspace; i++) {
			if (!EXACT && !PUSHED[i])
				continue; /* a false positive is up to the seed */
			make_key(value, i, 0);
			elem_op(s, BPF_MAP_LOOKUP_ELEM, NULL, value, 0, rec);
		}
		return;
	}
	union bpf_attr a = { .map_fd = (uint32_t)s->fd, .key = 0, .next_key = (uintptr_t)key };
	for (int n = 0; n < 5000 && sys(s, BPF_MAP_GET_NEXT_KEY, &a, rec) == 0; n++) {
		put(rec, key, C->ks);
		elem_op(s, BPF_MAP_LOOKUP_ELEM, key, value, 0, rec);
		a.key = (uintptr_t)key;
	}
}

static int bpfx_sys(int cmd, union bpf_attr *attr, unsigned int size)
{
	return bpfx_bpf(cmd, attr, size);
}

/* Creates the map of C on both sides: false when either refused (err[]:
 * their -errno, 0 for success; what did get created is closed). */
static bool create_both(struct side sides[2], int err[2])
{
	union bpf_attr a;

	sides[0].sys = kbpf_sys;
	sides[1].sys = bpfx_sys;
	for (int i = 0; i < 2; i++) {
		memset(&a, 0, sizeof(a));
		a.map_type = C->type;
		a.key_size = C->ks;
		a.value_size = C->vs;
		a.max_entries = C->max;
		a.map_flags = C->flags;
		a.map_extra = C->extra;
		sides[i].fd = sides[i].sys(BPF_MAP_CREATE, &a, sizeof(a));
		err[i] = sides[i].fd < 0 ? -errno : 0;
	}
	if (sides[0].fd >= 0 && sides[1].fd >= 0)
		return true;
	for (int i = 0; i < 2; i++)
		if (sides[i].fd >= 0)
			close(sides[i].fd);
	return false;
}

static bool open_sides(struct side sides[2])
{
	int err[2];

	return create_both(sides, err) ||
	       CHECK(0, "%s: create: kernel %d, bpfx %d", C->name, err[0], err[1]);
}

/* Runs `fn` with the same random word on both sides; false (after saying
 * why) when they disagree. */
static bool same_step(struct side sides[2], void (*fn)(struct side *, uint64_t, struct rec *),
		      uint64_t r, int n)
{
	static struct rec rk, rb;

	rk.n = rb.n = 0;
	fn(&sides[0], r, &rk);
	fn(&sides[1], r, &rb);
	if (rk.n == rb.n && !memcmp(rk.out, rb.out, rk.n))
		return true;
	int kr, br;
	memcpy(&kr, rk.out, 4);
	memcpy(&br, rb.out, 4);
	if (getenv("KDIFF_VERBOSE")) {
		unsigned char key[512];
		make_key(key, (uint32_t)((r >> 8) % C->keyspace), r >> 24);
		fprintf(stderr, "key:");
		for (uint32_t i = 0; i < C->ks; i++)
			fprintf(stderr, " %02x", key[i]);
		fprintf(stderr, "\n");
		for (int i = 0; i < 2; i++) {
			rk.n = 0;
			final_step(&sides[i], 0, &rk);
			fprintf(stderr, "%s:", i ? "bpfx" : "kernel");
			for (size_t j = 0; j < rk.n; j++)
				fprintf(stderr, "%s%02x", j % 4 ? "" : " ", rk.out[j]);
			fprintf(stderr, "\n");
		}
	}
	size_t at = 0;
	while (at < rk.n && at < rb.n && rk.out[at] == rb.out[at])
		at++;
	return CHECK(0, "%s step %d: %s: kernel %d, bpfx %d (%zu/%zu bytes recorded, first "
		     "difference at %zu)", C->name, n, rk.what, kr, br, rk.n, rb.n, at);
}

static void run_config(const struct config *c, uint64_t seed, unsigned count, int steps)
{
	C = c;
	for (unsigned i = 0; i < count; i++) {
		struct side sides[2];
		uint64_t rng = (seed + i) * 0x2545f4914f6cdd1dull + 1;
		bool keyless = c->ks == 0, ok = true;

		EXACT = !(c->type == B && !(c->flags & Z));
		memset(PUSHED, 0, sizeof(PUSHED));
		if (!open_sides(sides))
			return;
		for (int n = 0; ok && n < steps; n++) {
			uint64_t r = xorshift(&rng);
			if (!EXACT && r % 100 >= 45 && r % 100 < 75)
				continue; /* random seeds: peeks only at the end */
			if (c->type <= BPF_MAP_TYPE_LRU_PERCPU_HASH && c->type != LPM_T)
				ok = same_step(sides, keyed_step, r, n);
			else if ((r >> 58) % 5 == 0) /* programs use the map too */
				ok = same_step(sides, prog_step, r, n);
			else
				ok = same_step(sides, keyless ? keyless_step : keyed_step, r, n);
		}
		if (ok)
			CHECK(same_step(sides, final_step, 0, steps), "%s seed %llu: contents",
			      c->name, (unsigned long long)(seed + i));
		close(sides[0].fd);
		close(sides[1].fd);
	}
}

static const struct config configs[] = {
	{ "lpm ipv4", LPM_T, 8, 4, 16, NP, 0, 24 },
	{ "lpm ipv6", LPM_T, 20, 12, 32, NP, 0, 40 },
	{ "lpm 1 byte", LPM_T, 5, 1, 8, NP, 0, 12 },
	{ "lpm 3 bytes, odd value", LPM_T, 7, 13, 64, NP, 0, 90 },
	{ "lpm 256 bytes", LPM_T, 260, 8, 24, NP, 0, 30 },
	{ "lpm rdonly prog", LPM_T, 8, 8, 6, NP | BPF_F_RDONLY_PROG, 0, 10 },
	{ "queue", Q, 0, 4, 8, 0, 0, 50 },
	{ "queue odd value", Q, 0, 7, 3, 0, 0, 50 },
	{ "stack", S, 0, 8, 5, 0, 0, 50 },
	{ "stack 1 entry", S, 0, 3, 1, 0, 0, 50 },
	{ "bloom 4 bytes", B, 0, 4, 32, Z, 0, 400 },
	{ "bloom 5 bytes 1 hash", B, 0, 5, 10, Z, 1, 400 },
	{ "bloom 16 bytes 15 hashes", B, 0, 16, 100, Z, 15, 400 },
	{ "bloom random seed", B, 0, 8, 50, 0, 3, 60 },
	{ "hash batches", BPF_MAP_TYPE_HASH, 4, 8, 16, Z, 0, 24 },
	{ "hash batches 3/5", BPF_MAP_TYPE_HASH, 3, 5, 64, Z, 0, 90 },
	{ "hash batches no prealloc", BPF_MAP_TYPE_HASH, 8, 4, 8, Z | NP, 0, 12 },
	{ "lru hash batches", BPF_MAP_TYPE_LRU_HASH, 4, 4, 256, Z, 0, 40 },
	{ "array batches", BPF_MAP_TYPE_ARRAY, 4, 6, 10, 0, 0, 14 },
	{ "percpu hash batches", BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 16, Z, 0, 24 },
	{ "lru percpu hash batches", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 12, 256, Z, 0, 32 },
	{ "percpu array batches", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 6, 0, 0, 9 },
};

/* MAP_CREATE of the new types: the same errno on both sides. */
static const struct config creates[] = {
	{ "lpm without no_prealloc", LPM_T, 8, 4, 4, 0, 0, 0 },
	{ "lpm key 4", LPM_T, 4, 4, 4, NP, 0, 0 },
	{ "lpm key 261", LPM_T, 261, 4, 4, NP, 0, 0 },
	{ "lpm key 260", LPM_T, 260, 4, 4, NP, 0, 0 },
	{ "lpm value 0", LPM_T, 8, 0, 4, NP, 0, 0 },
	{ "lpm value max", LPM_T, 8, (4u << 20) - 256 - 24, 1, NP, 0, 0 },
	{ "lpm value max+1", LPM_T, 8, (4u << 20) - 256 - 23, 1, NP, 0, 0 },
	{ "lpm 0 entries", LPM_T, 8, 4, 0, NP, 0, 0 },
	{ "lpm zero seed", LPM_T, 8, 4, 4, NP | Z, 0, 0 },
	{ "lpm mmapable", LPM_T, 8, 4, 4, NP | BPF_F_MMAPABLE, 0, 0 },
	{ "lpm map_extra", LPM_T, 8, 4, 4, NP, 1, 0 },
	{ "lpm rdonly+wronly prog", LPM_T, 8, 4, 4, NP | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, 0 },
	{ "lpm max_entries 2^32-1", LPM_T, 8, 4, UINT32_MAX, NP, 0, 0 },
	{ "queue of 16 TiB", Q, 0, 4096, UINT32_MAX, 0, 0, 0 },
	{ "queue key 4", Q, 4, 4, 4, 0, 0, 0 },
	{ "queue value 0", Q, 0, 0, 4, 0, 0, 0 },
	{ "queue 0 entries", Q, 0, 4, 0, 0, 0, 0 },
	{ "queue no prealloc", Q, 0, 4, 4, NP, 0, 0 },
	{ "stack zero seed", S, 0, 4, 4, Z, 0, 0 },
	{ "stack value 4M", S, 0, 4u << 20, 1, 0, 0, 0 },
	{ "stack value 4M+1", S, 0, (4u << 20) + 1, 1, 0, 0, 0 },
	{ "queue map_extra", Q, 0, 4, 4, 0, 2, 0 },
	{ "bloom key 4", B, 4, 4, 4, 0, 0, 0 },
	{ "bloom value 0", B, 0, 0, 4, 0, 0, 0 },
	{ "bloom 0 entries", B, 0, 4, 0, 0, 0, 0 },
	{ "bloom extra 16", B, 0, 4, 4, 0, 16, 0 },
	{ "bloom extra 15", B, 0, 4, 4, 0, 15, 0 },
	{ "bloom no prealloc", B, 0, 4, 4, NP, 0, 0 },
	{ "bloom value 4M+1", B, 1, (4u << 20) + 1, 4, 0, 0, 0 },
	{ "hash map_extra", BPF_MAP_TYPE_HASH, 4, 4, 4, 0, 1, 0 },
};

static void run_creates(void)
{
	for (size_t i = 0; i < sizeof(creates) / sizeof(creates[0]); i++) {
		struct side sides[2];
		int err[2];

		C = &creates[i];
		if (create_both(sides, err)) {
			close(sides[0].fd);
			close(sides[1].fd);
		}
		CHECK(err[0] == err[1], "create %s: kernel %d, bpfx %d", C->name, err[0], err[1]);
	}
}

int main(int argc, char **argv)
{
	uint64_t seed = 0x6d617071; /* "mapq" */
	unsigned count = 6;
	const char *why;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = (unsigned)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
	}
	if ((why = kmap_unavailable())) {
		t_skip("%s", why);
		return t_done("maps_kernel_q");
	}
	NCPUS = kmap_possible_cpus();
	run_creates();
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		const struct config *c = &configs[i];
		bool percpu = c->type == BPF_MAP_TYPE_PERCPU_HASH ||
			      c->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
			      c->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
		if (percpu && NCPUS != map_nr_slots()) {
			t_skip("%s: the kernel has %u possible CPUs, bpfx %u slots (set BPFX_SLOTS)",
			       c->name, NCPUS, map_nr_slots());
			continue;
		}
		run_config(c, seed, count, 300);
	}
	return t_done("maps_kernel_q");
}
