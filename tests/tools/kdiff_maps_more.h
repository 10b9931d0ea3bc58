/* SPDX-License-Identifier: MIT */
/*
 * kdiff_maps, part two (included by kdiff_maps.c). MAP_CREATE attributes
 * of hash maps, on both sides: same errno; when both accept, the same
 * max_entries (BPF_F_NO_COMMON_LRU rounds it to a multiple of the CPUs).
 * No case makes the kernel allocate more than a few MiB. Then programs
 * updating and reading per-CPU maps.
 */

#define F_NUMA (1u << 31) /* in `flags` of a case: BPF_F_NUMA_NODE, node 0 */
#define F_GENERIC (1u << 30) /* refused by map_create's checks, before the type's */
#define K4M (4u << 20)

static const struct create_case {
	const char *name;
	uint32_t type, ks, vs, max, flags;
} create_cases[] = {
	{ "key size 0", H, 0, 4, 4, 0 },
	{ "value size 0", H, 4, 0, 4, 0 },
	{ "max_entries 0", H, 4, 4, 0, 0 },
	{ "lru value size 0", L, 4, 0, 4, 0 },
	{ "mmapable", H, 4, 4, 4, BPF_F_MMAPABLE },
	{ "inner map flag", H, 4, 4, 4, BPF_F_INNER_MAP },
	{ "flag 1<<20", H, 4, 4, 4, 1u << 20 },
	{ "no common lru on hash", H, 4, 4, 4, BPF_F_NO_COMMON_LRU },
	{ "no common lru on percpu", P, 4, 4, 4, BPF_F_NO_COMMON_LRU },
	{ "lru no prealloc", L, 4, 4, 4, BPF_F_NO_PREALLOC },
	{ "lru percpu no prealloc", LP, 4, 4, 4, BPF_F_NO_PREALLOC },
	{ "rdonly+wronly prog", H, 4, 4, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG },
	{ "rdonly+wronly", H, 4, 4, 4, F_GENERIC | BPF_F_RDONLY | BPF_F_WRONLY },
	{ "numa percpu", P, 4, 4, 4, F_NUMA },
	{ "numa no common lru", L, 4, 4, 4, F_NUMA | BPF_F_NO_COMMON_LRU },
	{ "numa lru", L, 4, 4, 4, F_NUMA },
	{ "numa hash", H, 4, 4, 4, F_NUMA },
	{ "element too big", H, 4, K4M - 48 - 4, 1, 0 },
	{ "element just fits", H, 4, K4M - 48 - 5, 1, 0 },
	{ "key too big", H, K4M - 48 - 4, 4, 1, 0 },
	{ "percpu value too big", P, 4, 32769, 1, 0 },
	{ "percpu value at the limit", P, 4, 32768, 1, 0 },
	{ "lru percpu value too big", LP, 4, 32768 + 1, 1, 0 },
	{ "buckets over 4 GiB", H, 4, 4, (1u << 27) + 1, 0 },
	{ "max_entries over 2^31", H, 4, 4, (1u << 31) + 1, 0 },
	{ "max_entries 2^32-1, no common lru", L, 4, 4, UINT32_MAX, BPF_F_NO_COMMON_LRU },
	{ "no common lru rounds up", L, 4, 4, 3, BPF_F_NO_COMMON_LRU },
	{ "no common lru percpu rounds up", LP, 4, 4, 5, BPF_F_NO_COMMON_LRU },
	{ "all hash flags", H, 4, 4, 4,
	  BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED | BPF_F_RDONLY | BPF_F_RDONLY_PROG },
	{ "percpu wronly", P, 4, 4, 4, BPF_F_WRONLY | BPF_F_WRONLY_PROG },
	{ "big key", H, 1000, 4, 4, 0 },
	{ "odd sizes", LP, 3, 13, 7, 0 },
};

static void run_create_cases(void)
{
	for (size_t i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++) {
		const struct create_case *cc = &create_cases[i];
		struct config c = { cc->name, cc->type, cc->ks, cc->vs, cc->max,
				    cc->flags & ~(F_NUMA | F_GENERIC), 1 };
		union bpf_attr a = attr_of(&c);
		struct bpf_map_info info;
		int err = 0, fd;
		struct map *m;

		if (percpu(cc->type) && ncpus != map_nr_slots())
			continue;
		if ((cc->flags & F_GENERIC) && !map_ops_of(cc->type)) {
			t_skip("create %s: map_create does not know the type yet", cc->name);
			continue;
		}
		if (cc->flags & F_NUMA)
			a.map_flags |= BPF_F_NUMA_NODE; /* node 0 */
		fd = kmap_create(&a);
		m = tmap_new(ops_of(cc->type), &a, &err);
		if (fd >= 0 && m) {
			kmap_info(fd, &info);
			CHECK(info.max_entries == m->max_entries,
			      "create %s: max_entries: kernel %u, bpfx %u", cc->name,
			      info.max_entries, m->max_entries);
		} else {
			CHECK((fd < 0 ? fd : 0) == (m ? 0 : err), "create %s: kernel %d, bpfx %d",
			      cc->name, fd < 0 ? fd : 0, m ? 0 : err);
		}
		if (fd >= 0)
			close(fd);
		tmap_free(m);
	}
}

/* Programs on per-CPU maps: a program's update writes the calling CPU's
 * value only (a new key's other values are zero), its lookup reads the
 * calling CPU's value. The kernel runs the program with BPF_PROG_TEST_RUN
 * on this process's CPU; bpfx calls the ops on this thread, whose slot is
 * that CPU's number (main pins it so). */
static int prog_update(int map_fd, uint32_t key, uint64_t value, uint64_t flags)
{
	struct bpf_insn p[] = {
		ST(BPF_W, 10, -4, (int32_t)key),
		LDDW_LO(1, value), LDDW_HI(value),
		STX(BPF_DW, 10, 1, -16),
		RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map_fd), LDDW_HI(0),
		MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		MOV64_REG(3, 10), ALU64_IMM(BPF_ADD, 3, -16),
		MOV64_IMM(4, (int32_t)flags),
		CALL(BPF_FUNC_map_update_elem),
		EXIT(),
	};
	uint32_t ret;
	int fd = kbpf_prog_load(KBPF_PROG_TYPE, p, sizeof(p) / sizeof(p[0]), NULL, 0);
	int err = fd < 0 ? fd : kbpf_test_run(fd, &ret);

	if (fd >= 0)
		close(fd);
	return err ? err : (int)ret;
}

/* The low 32 bits of the calling CPU's value of key, or -1 if absent. */
static int64_t prog_lookup(int map_fd, uint32_t key)
{
	struct bpf_insn p[] = {
		ST(BPF_W, 10, -4, (int32_t)key),
		RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, map_fd), LDDW_HI(0),
		MOV64_REG(2, 10), ALU64_IMM(BPF_ADD, 2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JNE, 0, 0, 2),
		MOV64_IMM(0, -1),
		EXIT(),
		LDX(BPF_W, 0, 0, 0),
		EXIT(),
	};
	uint32_t ret;
	int fd = kbpf_prog_load(KBPF_PROG_TYPE, p, sizeof(p) / sizeof(p[0]), NULL, 0);
	int err = fd < 0 ? fd : kbpf_test_run(fd, &ret);

	if (fd >= 0)
		close(fd);
	return err ? err : (int64_t)(int32_t)ret;
}

static void run_prog_cases(uint32_t type)
{
	const struct config c = { type == P ? "percpu, programs" : "lru_percpu, programs", type,
				  4, 6, 16, Z, 1 };
	static unsigned char v[MAXV], kv[MAXV], bv[MAXV];
	struct { uint32_t key; uint64_t value, flags; } ups[] = {
		{ 1, 0x0000a1a2a3a4a5a6ull, BPF_ANY },      /* existing key: one slot */
		{ 2, 0x0000b1b2b3b4b5b6ull, BPF_NOEXIST },  /* new key: others zero */
		{ 2, 0x0000c1c2c3c4c5c6ull, BPF_NOEXIST },  /* EEXIST */
		{ 3, 0x0000d1d2d3d4d5d6ull, BPF_EXIST },    /* ENOENT */
		{ 1, 0x0000e1e2e3e4e5e6ull, 4 },            /* EINVAL */
	};
	struct pair p;

	if (!pair_open(&p, &c))
		return;
	for (size_t i = 0; i < p.vsz; i++)
		v[i] = (unsigned char)(0x10 + i);
	uint32_t k = 1;
	CHECK(kmap_update(p.fd, &k, v, BPF_ANY) == 0 && tmap_update(p.m, &k, v, BPF_ANY) == 0,
	      "%s: user update", c.name);
	for (size_t i = 0; i < sizeof(ups) / sizeof(ups[0]); i++) {
		int kr = prog_update(p.fd, ups[i].key, ups[i].value, ups[i].flags);
		int br = p.m->ops->update(p.m, &ups[i].key, &ups[i].value, ups[i].flags);
		CHECK(kr == br, "%s: update %zu: kernel %d, bpfx %d", c.name, i, kr, br);
	}
	for (k = 1; k <= 3; k++) {
		int kr = kmap_lookup(p.fd, &k, kv, 0), br = p.m->ops->lookup_copy(p.m, &k, bv, 0);
		uint32_t *bp = p.m->ops->lookup(p.m, &k);
		int64_t kl = prog_lookup(p.fd, k), bl = bp ? (int64_t)(int32_t)*bp : -1;
		CHECK(kr == br && (kr || !memcmp(kv, bv, p.vsz)),
		      "%s: key %u: kernel %d, bpfx %d%s", c.name, k, kr, br,
		      kr == br ? " (different values)" : "");
		CHECK(kl == bl, "%s: program lookup of key %u: kernel %lld, bpfx %lld", c.name, k,
		      (long long)kl, (long long)bl);
	}
	pair_close(&p);
}
