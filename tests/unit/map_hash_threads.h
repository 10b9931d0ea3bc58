/* SPDX-License-Identifier: MIT */
/*
 * The multi-threaded and multi-process half of test_map_hash.c (included
 * by it, after its helpers): no allocation on any operation, a writer
 * process dying inside a stripe lock, another process updating the map
 * through its own mapping, and threads hammering one map.
 */

static uint64_t xorshift_seed(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- no allocation ---- */

static long allocs;

static void *refusing_realloc(void *ptr, size_t size, void *ctx)
{
	(void)ctx;
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	allocs++;
	return NULL;
}



/* Map operations allocate nothing (all their memory is the mapping);
 * creation through map_create fails cleanly at every allocation. */
static void test_no_alloc(void)
{
	for (unsigned t = 0; t < 4; t++) {
		struct map *m = mk(types[t], 4, 8, 4, 0);
		uint64_t v[1024] = { 0 }, out[1024];
		uint32_t k, next;
		int bad = 0;

		if (!m)
			continue;
		allocs = 0;
		bpfx_set_allocator(refusing_realloc, NULL);
		for (k = 0; k < 10; k++) {
			int e = tmap_update(m, &k, v, BPF_ANY);
			bad += e != 0 && (k < 4 || is_lru(types[t]));
			bad += m->ops->update(m, &k, v, BPF_ANY) == -ENOMEM;
			m->ops->lookup(m, &k);
			m->ops->lookup_copy(m, &k, out, 0);
			m->ops->get_next_key(m, &k, &next);
			if (k & 1)
				m->ops->delete(m, &k);
			else
				m->ops->lookup_and_delete(m, &k, out, 0);
		}
		bpfx_set_allocator(NULL, NULL);
		CHECK(bad == 0 && allocs == 0, "type %u: operations allocate nothing (%ld)",
		      types[t], allocs);
		tmap_free(m);
	}
	if (!map_ops_of(BPF_MAP_TYPE_HASH)) {
		t_skip("map_create does not know hash maps yet: no failing-allocation loop");
		return;
	}
	union bpf_attr a = attr_of(BPF_MAP_TYPE_LRU_HASH, 4, 8, 64, 0);
	int err = 0, bad = 0;
	bpfx_set_allocator(t_failing_realloc, NULL);
	t_fail_at = -1;
	t_alloc_count = t_alloc_live = 0;
	struct map *m = map_create(&a, &err);
	long total = t_alloc_count;
	tmap_free(m);
	for (t_fail_at = 0; t_fail_at < total; t_fail_at++) {
		t_alloc_count = t_alloc_live = 0;
		m = map_create(&a, &err);
		bad += m != NULL || err != -ENOMEM;
		tmap_free(m);
		bad += t_alloc_live != 0;
	}
	bpfx_set_allocator(NULL, NULL);
	CHECK(bad == 0, "map_create fails cleanly at each of %ld allocations", total);
}

/* ---- other processes ---- */

/* A process dies inside a stripe lock, in the middle of writing a value:
 * readers and writers of that stripe go on. */
static void test_dead_writer(void)
{
	struct map *m = mk(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 16, 0);
	uint64_t v[1024], out[1024];
	uint32_t k = 3;
	int status = -1;

	if (!m)
		return;
	fill_value(m, v, 42);
	tmap_update(m, &k, v, BPF_ANY);
	pid_t pid = fork();
	if (pid == 0) {
		uint32_t b = htab_hash(m, &k) & (htab_of(m)->n_buckets - 1);
		unsigned seq;
		uint32_t idx = htab_find(m, &k, htab_hash(m, &k), &seq);
		if (htab_lock(m, b) == 0 && idx != HTAB_NONE) {
			htab_seq_begin(&htab_stripe_of(m, b)->seq);
			htab_seq_begin(&htab_elem_at(m, idx)->seq);
		}
		_exit(0); /* holding the lock, both seqcounts odd */
	}
	waitpid(pid, &status, 0);
	CHECK(pid > 0 && WIFEXITED(status), "child ran");
	CHECK(m->ops->lookup_copy(m, &k, out, 0) == 0 && out[0] == 42, "reader repairs and reads");
	fill_value(m, v, 43);
	CHECK(tmap_update(m, &k, v, BPF_EXIST) == 0 && m->ops->lookup_copy(m, &k, out, 0) == 0 &&
		      out[0] == 43, "writer goes on");
	uint32_t k2 = 1000;
	CHECK(tmap_update(m, &k2, v, BPF_ANY) == 0 && m->ops->delete(m, &k) == 0, "others too");
	tmap_free(m);
}

/* Another process updates through its own mapping of the map's file while
 * this one reads: values are never torn, and the last ones stay. */
static void test_other_process(void)
{
	struct map *m = mk(BPF_MAP_TYPE_HASH, 4, 32, 128, 0);
	uint64_t v[4], out[4];
	int status = -1, bad = 0;

	if (!m)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		int err;
		struct map *view = tmap_view(m, &err);
		for (uint32_t i = 0; view && i < 20000; i++) {
			uint32_t k = i % 100;
			v[0] = v[1] = v[2] = v[3] = i;
			if (view->ops->update(view, &k, v, BPF_ANY))
				_exit(2);
		}
		_exit(view ? 0 : 1);
	}
	for (int i = 0; i < 20000; i++) {
		uint32_t k = (uint32_t)i % 100;
		if (m->ops->lookup_copy(m, &k, out, 0) == 0)
			bad += out[0] != out[1] || out[0] != out[2] || out[0] != out[3];
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer process: %d", status);
	for (uint32_t k = 0; k < 100; k++)
		bad += m->ops->lookup_copy(m, &k, out, 0) != 0 || out[0] != 19900 + k;
	CHECK(bad == 0, "values from another process (%d bad)", bad);
	tmap_free(m);
}

/* Writer processes killed (SIGKILL) at random instants, inside or outside
 * a lock: afterwards every operation still completes and the map stays
 * consistent (at worst a key count or an element leaks per kill). */
static void test_killed_writers(uint32_t type)
{
	struct map *m = mk(type, 4, 16, 1024, 0);
	uint64_t v[1024], out[1024], seed = 99;
	int bad = 0, status;

	if (!m)
		return;
	for (int round = 0; round < 40; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			for (uint32_t i = 0;; i++) {
				uint32_t k = i % 64;
				fill_value(m, v, i + 1);
				tmap_update(m, &k, v, BPF_ANY);
				if (i % 3 == 0)
					m->ops->delete(m, &k);
			}
		}
		usleep((useconds_t)(xorshift_seed(&seed) % 2000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		for (uint32_t k = 0; k < 64; k++) {
			fill_value(m, v, 7);
			bad += tmap_update(m, &k, v, BPF_ANY) != 0;
			bad += m->ops->lookup_copy(m, &k, out, 0) != 0 || out[0] != 7;
		}
		bad += count_keys(m) != 64;
	}
	CHECK(bad == 0, "type %u: 40 writers killed: %d bad", type, bad);
	tmap_free(m);
}

/* ---- threads ---- */

#define OWN 256    /* keys each thread alone uses */
#define SHARED 64  /* keys all threads update */

static pthread_barrier_t start_line;

struct worker {
	struct map *m;
	uint64_t id;
	int ops;
	int lost, torn, other;
	pthread_t thread;
};

/* All words of a value equal, and a pattern some thread wrote. */
static bool untorn(const uint64_t *w, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (w[i] != w[0])
			return false;
	return (w[0] >> 48) >= 1 && (w[0] >> 48) <= 4;
}

static void own_op(struct worker *w, uint64_t r, uint64_t *model, uint64_t *val, uint64_t *out,
		   size_t words, uint64_t pattern)
{
	struct map *m = w->m;
	uint64_t slot = r % OWN, key = w->id * OWN + slot;
	int e;

	switch ((r >> 16) % 4) {
	case 0:
	case 1:
		for (size_t i = 0; i < words; i++)
			val[i] = pattern;
		w->other += tmap_update(m, &key, val, BPF_ANY) != 0;
		model[slot] = pattern;
		break;
	case 2:
		e = m->ops->lookup_copy(m, &key, out, 0);
		if (model[slot])
			w->lost += e != 0 || out[0] != model[slot] || !untorn(out, words);
		else
			w->lost += e != -ENOENT;
		w->lost += (m->ops->lookup(m, &key) != NULL) != (model[slot] != 0);
		break;
	default:
		w->lost += m->ops->delete(m, &key) != (model[slot] ? 0 : -ENOENT);
		model[slot] = 0;
	}
}

static void shared_op(struct worker *w, uint64_t r, uint64_t *val, uint64_t *out, size_t words,
		      uint64_t pattern)
{
	struct map *m = w->m;
	uint64_t key = 1000000 + r % SHARED, next;
	int e;

	switch ((r >> 16) % 8) {
	case 0: case 1: case 2:
		for (size_t i = 0; i < words; i++)
			val[i] = pattern;
		w->other += tmap_update(m, &key, val, BPF_ANY) != 0;
		break;
	case 3: case 4: case 5:
		e = m->ops->lookup_copy(m, &key, out, 0);
		w->torn += e == 0 && !untorn(out, words);
		w->other += e != 0 && e != -ENOENT;
		break;
	case 6:
		e = m->ops->get_next_key(m, &key, &next);
		w->other += e != 0 && e != -ENOENT;
		break;
	default:
		if ((r >> 24) % 8 == 0) {
			e = m->ops->delete(m, &key);
			w->other += e != 0 && e != -ENOENT;
		}
	}
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	size_t words = uval_size(w->m) / 8;
	uint64_t *val = calloc(words, 8), *out = calloc(words, 8);
	uint64_t model[OWN] = { 0 }, seed = w->id * 0x9e3779b97f4a7c15ull + 1;

	pthread_barrier_wait(&start_line);

	for (int i = 0; val && out && i < w->ops; i++) {
		uint64_t r = xorshift_seed(&seed), pattern = (w->id + 1) << 48 | (uint64_t)(i + 1);
		if (r % 2)
			own_op(w, r >> 8, model, val, out, words, pattern);
		else
			shared_op(w, r >> 8, val, out, words, pattern);
	}
	for (uint64_t s = 0; val && out && s < OWN; s++) { /* the final state */
		uint64_t key = w->id * OWN + s;
		int e = w->m->ops->lookup_copy(w->m, &key, out, 0);
		w->lost += model[s] ? e != 0 || out[0] != model[s] : e != -ENOENT;
	}
	w->other += !val || !out;
	free(val);
	free(out);
	return NULL;
}

/* 4 threads x n mixed operations: each thread's own keys behave exactly
 * as if it were alone (no lost update), shared keys are never torn. Two
 * threads use a second mapping of the map. */
static void test_threads(uint32_t type, int n)
{
	struct map *m = mk(type, 8, 64, 2048, 0), *view;
	struct worker w[4];
	int err = 0;

	if (!m)
		return;
	view = tmap_view(m, &err);
	pthread_barrier_init(&start_line, NULL, 4);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .m = i & 1 && view ? view : m, .id = (uint64_t)i,
					.ops = n };
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	}
	int lost = 0, torn = 0, other = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(w[i].thread, NULL);
		lost += w[i].lost;
		torn += w[i].torn;
		other += w[i].other;
	}
	pthread_barrier_destroy(&start_line);
	CHECK(lost == 0 && torn == 0 && other == 0,
	      "type %u, 4 threads x %d ops: %d lost, %d torn, %d other errors", type, n, lost, torn,
	      other);
	int keys = count_keys(m);
	CHECK(keys <= 4 * OWN + SHARED && (int)atomic_load(&htab_of(m)->count) == keys,
	      "type %u: %d keys, count %u", type, keys, atomic_load(&htab_of(m)->count));
	tmap_free(view);
	tmap_free(m);
}

struct lru_worker {
	struct map *m;
	uint64_t id;
	int failed;
	pthread_t thread;
};

static void *lru_worker_main(void *p)
{
	struct lru_worker *w = p;
	uint64_t seed = w->id + 77, v[512] = { 0 }, out[512];

	pthread_barrier_wait(&start_line);

	for (int i = 0; i < 20000; i++) {
		uint64_t key = xorshift_seed(&seed) % 5000;
		if (i % 3) {
			w->failed += tmap_update(w->m, &key, v, BPF_ANY) != 0;
		} else {
			w->m->ops->lookup(w->m, &key);
			w->m->ops->lookup_copy(w->m, &key, out, 0);
		}
	}
	return NULL;
}

/* Threads filling small LRU maps: every update succeeds, the map never
 * holds more than max_entries keys. */
static void test_lru_threads(void)
{
	static const uint32_t flags[] = { 0, BPF_F_NO_COMMON_LRU };

	for (unsigned t = 2; t < 4; t++)
		for (unsigned f = 0; f < 2; f++) {
			struct map *m = mk(types[t], 8, 8, 128, flags[f]);
			struct lru_worker w[4];
			int failed = 0;
			if (!m)
				continue;
			pthread_barrier_init(&start_line, NULL, 4);
			for (int i = 0; i < 4; i++) {
				w[i] = (struct lru_worker){ .m = m, .id = (uint64_t)i };
				pthread_create(&w[i].thread, NULL, lru_worker_main, &w[i]);
			}
			for (int i = 0; i < 4; i++) {
				pthread_join(w[i].thread, NULL);
				failed += w[i].failed;
			}
			pthread_barrier_destroy(&start_line);
			int keys = count_keys(m);
			CHECK(failed == 0 && keys <= (int)m->max_entries && keys > 0,
			      "LRU type %u flags 0x%x, 4 threads: %d failed, %d keys", types[t],
			      flags[f], failed, keys);
			tmap_free(m);
		}
}
