/* SPDX-License-Identifier: MIT */
/*
 * LPM trie maps (src/maps/lpm_trie.c): longest-prefix lookups for IPv4,
 * IPv6 and 1-byte keys, exact updates and deletes with the kernel's
 * errnos, get_next_key in post-order (the kernel's documented example),
 * fullness, a reader thread against a writer (never a wrong value), and
 * writers killed inside the lock (the map keeps working and keeps its
 * keys). tests/suites/maps_kernel_q.sh compares all of it with the
 * kernel's own trie.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmap.h"
#include "maps/map.h"
#include "tcheck.h"

struct k4 {
	uint32_t plen;
	uint8_t a[4];
};

struct k16 {
	uint32_t plen;
	uint8_t a[16];
};

static struct map *mk(uint32_t ks, uint32_t vs, uint32_t max)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_LPM_TRIE, .key_size = ks,
			     .value_size = vs, .max_entries = max,
			     .map_flags = BPF_F_NO_PREALLOC };
	int err = 0;
	struct map *m = tmap_new(map_ops_of(BPF_MAP_TYPE_LPM_TRIE), &a, &err);

	CHECK(m, "create lpm %u/%u/%u: %d", ks, vs, max, err);
	return m;
}

static int create_err(uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
	union bpf_attr a = { .map_type = BPF_MAP_TYPE_LPM_TRIE, .key_size = ks,
			     .value_size = vs, .max_entries = max, .map_flags = flags };
	int err = 0;
	struct map *m = map_create(&a, &err);

	tmap_free(m);
	return m ? 0 : err;
}

static struct k4 v4(uint32_t plen, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (struct k4){ plen, { a, b, c, d } };
}

static int upd4(struct map *m, struct k4 k, uint32_t v, uint64_t flags)
{
	return m->ops->update(m, &k, &v, flags);
}

/* The value found for a /32 address, or -errno. */
static long look4(struct map *m, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct k4 k = v4(32, a, b, c, d);
	uint32_t v;
	int err = m->ops->lookup_copy(m, &k, &v, 0);

	return err ? err : (long)v;
}

static void expect4(struct map *m, struct k4 a, long want, const char *what)
{
	long got = look4(m, a.a[0], a.a[1], a.a[2], a.a[3]);

	CHECK(got == want, "%s: got %ld, want %ld", what, got, want);
}

static void test_create(void)
{
	CHECK(create_err(8, 4, 4, BPF_F_NO_PREALLOC) == 0, "ipv4 trie");
	CHECK(create_err(8, 4, 4, 0) == -EINVAL, "BPF_F_NO_PREALLOC is required");
	CHECK(create_err(4, 4, 4, BPF_F_NO_PREALLOC) == -EINVAL, "no data");
	CHECK(create_err(261, 4, 4, BPF_F_NO_PREALLOC) == -EINVAL, "data over 256 bytes");
	CHECK(create_err(260, 4, 4, BPF_F_NO_PREALLOC) == 0, "256 bytes of data");
	CHECK(create_err(8, 0, 4, BPF_F_NO_PREALLOC) == -EINVAL, "value size 0");
	CHECK(create_err(8, 4, 0, BPF_F_NO_PREALLOC) == -EINVAL, "max_entries 0");
	CHECK(create_err(8, 4, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED) == -EINVAL, "zero seed");
	CHECK(create_err(8, (4u << 20) - 256 - 23, 1, BPF_F_NO_PREALLOC) == -EINVAL,
	      "value over the kernel's limit");
}

/* The example of the kernel's lpm_trie.c: four prefixes, their lookups,
 * and get_next_key in post-order (more specific first). */
static void test_ipv4(void)
{
	struct map *m = mk(8, 4, 16);
	struct k4 k, next;

	if (!m)
		return;
	CHECK(upd4(m, v4(16, 192, 168, 0, 0), 16, BPF_ANY) == 0, "192.168.0.0/16");
	CHECK(upd4(m, v4(24, 192, 168, 0, 0), 240, BPF_NOEXIST) == 0, "192.168.0.0/24");
	CHECK(upd4(m, v4(24, 192, 168, 1, 0), 241, BPF_ANY) == 0, "192.168.1.0/24");
	CHECK(upd4(m, v4(24, 192, 168, 128, 0), 242, BPF_ANY) == 0, "192.168.128.0/24");
	expect4(m, v4(32, 192, 168, 0, 7), 240, "192.168.0.7");
	expect4(m, v4(32, 192, 168, 1, 255), 241, "192.168.1.255");
	expect4(m, v4(32, 192, 168, 128, 1), 242, "192.168.128.1");
	expect4(m, v4(32, 192, 168, 2, 1), 16, "192.168.2.1 (the /16)");
	expect4(m, v4(32, 192, 169, 0, 1), -ENOENT, "192.169.0.1");
	expect4(m, v4(32, 10, 0, 0, 1), -ENOENT, "10.0.0.1");

	static const uint8_t order[][2] = { { 24, 0 }, { 24, 1 }, { 24, 128 }, { 16, 0 } };
	int n = 0, r;
	for (r = m->ops->get_next_key(m, NULL, &next); !r && n < 8;
	     r = m->ops->get_next_key(m, &k, &next), n++) {
		CHECK(n < 4 && next.plen == order[n][0] && next.a[2] == order[n][1],
		      "post-order key %d: /%u .%u", n, next.plen, next.a[2]);
		k = next;
	}
	CHECK(n == 4 && r == -ENOENT, "4 keys, then ENOENT (%d, %d)", n, r);
	k = v4(24, 10, 0, 0, 0);
	CHECK(m->ops->get_next_key(m, &k, &next) == 0 && next.plen == 24 && next.a[2] == 0,
	      "a missing key starts over");
	k = v4(33, 0, 0, 0, 0);
	CHECK(m->ops->get_next_key(m, &k, &next) == 0 && next.a[2] == 0, "an invalid key too");

	/* Exact-match updates and deletes, the kernel's errnos. */
	CHECK(upd4(m, v4(24, 192, 168, 0, 0), 1, BPF_NOEXIST) == -EEXIST, "NOEXIST on a key");
	CHECK(upd4(m, v4(20, 192, 168, 0, 0), 1, BPF_EXIST) == -ENOENT, "EXIST on no key");
	CHECK(upd4(m, v4(33, 192, 168, 0, 0), 1, BPF_ANY) == -EINVAL, "prefix over 32");
	CHECK(upd4(m, v4(8, 192, 0, 0, 0), 1, BPF_F_LOCK) == -EINVAL, "BPF_F_LOCK");
	k = v4(20, 192, 168, 0, 0);
	CHECK(m->ops->delete(m, &k) == -ENOENT, "delete a prefix not stored");
	k = v4(23, 192, 168, 0, 0); /* the intermediate node joining .0/24 and .1/24 */
	CHECK(m->ops->delete(m, &k) == -ENOENT, "delete an intermediate node");
	k = v4(16, 192, 168, 0, 0);
	CHECK(m->ops->delete(m, &k) == 0, "delete the /16 (it keeps its children)");
	expect4(m, v4(32, 192, 168, 2, 1), -ENOENT, "192.168.2.1 after");
	expect4(m, v4(32, 192, 168, 1, 1), 241, "192.168.1.1 after");
	CHECK(upd4(m, v4(0, 0, 0, 0, 0), 7, BPF_ANY) == 0, "a default route");
	expect4(m, v4(32, 10, 0, 0, 1), 7, "10.0.0.1 by the default route");
	k = v4(0, 1, 2, 3, 4);
	CHECK(m->ops->delete(m, &k) == 0, "delete /0 (data past the prefix ignored)");
	tmap_free(m);
}

static void test_ipv6_and_bytes(void)
{
	struct map *m = mk(20, 8, 8), *b = mk(5, 1, 9);
	struct k16 k = { 48, { 0x20, 0x01, 0x0d, 0xb8, 0xaa } }, q;
	uint64_t v = 48, out;

	if (!m || !b)
		goto out;
	CHECK(m->ops->update(m, &k, &v, 0) == 0, "2001:db8:aa::/48");
	k.plen = 128, v = 128;
	k.a[15] = 1;
	CHECK(m->ops->update(m, &k, &v, 0) == 0, "2001:db8:aa::1/128");
	q = k;
	CHECK(m->ops->lookup_copy(m, &q, &out, 0) == 0 && out == 128, "the /128 itself");
	q.a[15] = 2;
	CHECK(m->ops->lookup_copy(m, &q, &out, 0) == 0 && out == 48, "its neighbour: the /48");
	q.a[6] = 1;
	CHECK(m->ops->lookup_copy(m, &q, &out, 0) == 0 && out == 48, "2001:db8:aa:100::2");
	q.a[4] = 0xab;
	CHECK(m->ops->lookup_copy(m, &q, &out, 0) == -ENOENT, "outside the /48");
	q.plen = 129;
	CHECK(m->ops->lookup_copy(m, &q, &out, 0) == -ENOENT, "a key longer than 128 bits");

	/* One byte of data: all 8 prefixes of one address, then lookups. */
	uint8_t key[5] = { 0 }, val;
	for (uint32_t p = 0; p <= 8; p++) {
		memcpy(key, &p, 4);
		key[4] = 0xa5;
		val = (uint8_t)p;
		CHECK(b->ops->update(b, key, &val, 0) == 0, "0xa5/%u", p);
	}
	for (unsigned x = 0; x < 256; x++) {
		uint32_t p = 8, want = 0;
		memcpy(key, &p, 4);
		key[4] = (uint8_t)x;
		while (want < 8 && !((x ^ 0xa5) & (0x80u >> want)))
			want++;
		if (b->ops->lookup_copy(b, key, &val, 0) || val != want) {
			CHECK(0, "0x%02x: want /%u, got /%u", x, want, val);
			break;
		}
	}
	val = 0;
	memcpy(key, &(uint32_t){ 3 }, 4);
	CHECK(b->ops->update(b, key, &val, 0) == -ENOSPC, "a tenth prefix: full (ENOSPC)");
	memcpy(key, &(uint32_t){ 8 }, 4);
	key[4] = 0xa5;
	CHECK(b->ops->update(b, key, &val, 0) == 0, "replacing a key in a full trie");
out:
	tmap_free(m);
	tmap_free(b);
}

/* A writer keeps adding and removing a /16 and a /24 under a permanent
 * /8; a reader looking up an address inside all three must always find
 * one of their values, never nothing and never anything else. */
struct race {
	struct map *m;
	atomic_bool stop;
	int bad, reads;
};

static void *reader(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		long v = look4(r->m, 10, 1, 2, 3);
		struct k4 k = v4(32, 10, 1, 2, 3);
		uint32_t *p = r->m->ops->lookup(r->m, &k);
		r->bad += v != 8 && v != 16 && v != 24;
		r->bad += !p;
		r->reads++;
	}
	return NULL;
}

static void test_reader_writer(void)
{
	struct race r = { .m = mk(8, 4, 8) };
	pthread_t t;

	if (!r.m)
		return;
	upd4(r.m, v4(8, 10, 0, 0, 0), 8, 0);
	pthread_create(&t, NULL, reader, &r);
	for (int i = 0; i < 20000; i++) {
		struct k4 k16 = v4(16, 10, 1, 0, 0), k24 = v4(24, 10, 1, 2, 0);
		upd4(r.m, k16, 16, 0);
		upd4(r.m, k24, 24, 0);
		r.m->ops->delete(r.m, i % 2 ? &k16 : &k24);
		r.m->ops->delete(r.m, i % 2 ? &k24 : &k16);
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	CHECK(r.bad == 0, "reader against a writer: %d bad of %d reads", r.bad, r.reads);
	tmap_free(r.m);
}

static int count_keys(struct map *m)
{
	struct k4 k, next;
	int n = 0;

	for (int r = m->ops->get_next_key(m, NULL, &next); !r && n < 1000;
	     r = m->ops->get_next_key(m, &k, &next), n++)
		k = next;
	return n;
}

/* Writer processes killed (SIGKILL) at random instants, and one that dies
 * holding the lock with the trie marked "being written": afterwards every
 * operation completes, the lasting keys are all there and the trie takes
 * max_entries keys again (the repair recounts and frees what leaked). */
static void test_killed_writers(void)
{
	struct map *m = mk(8, 4, 64);
	uint64_t seed = 0x1234567;
	int bad = 0, status;

	if (!m)
		return;
	for (uint8_t i = 0; i < 8; i++)
		upd4(m, v4(24, 10, 0, i, 0), i, 0);
	for (int round = 0; round < 30; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			for (uint32_t i = 0;; i++) {
				struct k4 k = v4(16 + i % 17, 172, (uint8_t)(i * 7), (uint8_t)i, 0);
				upd4(m, k, i, 0);
				m->ops->delete(m, &k);
			}
		}
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		usleep((useconds_t)(seed % 3000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		for (uint8_t i = 0; i < 8; i++)
			bad += look4(m, 10, 0, i, 9) != i;
	}
	pid_t pid = fork();
	if (pid == 0) { /* the lock is the first field of the trie's data */
		pthread_mutex_lock((pthread_mutex_t *)m->data);
		atomic_fetch_add((atomic_uint *)((char *)m->data + sizeof(pthread_mutex_t)), 1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	for (uint8_t i = 0; i < 8; i++)
		bad += look4(m, 10, 0, i, 9) != i;
	CHECK(bad == 0, "30 writers killed, one inside the lock: %d bad lookups", bad);
	int n = count_keys(m), added = 0;
	for (uint32_t i = 0; i < 100; i++)
		added += upd4(m, v4(32, 192, 0, (uint8_t)i, 1), i, 0) == 0;
	CHECK(n >= 8 && n + added == 64, "after the repair: %d keys + %d added = 64", n, added);
	tmap_free(m);
}

/* A second mapping of the same map at another address (what a process
 * opening the pin gets): both see and change one trie. */
static void test_two_views(void)
{
	struct map *m = mk(8, 4, 8), *v;
	int err = 0;

	if (!m)
		return;
	if (!CHECK((v = tmap_view(m, &err)), "view: %d", err)) {
		tmap_free(m);
		return;
	}
	CHECK(upd4(m, v4(8, 10, 0, 0, 0), 8, 0) == 0 && upd4(v, v4(16, 10, 1, 0, 0), 16, 0) == 0,
	      "updates through both");
	expect4(v, v4(32, 10, 2, 3, 4), 8, "the view sees the /8");
	expect4(m, v4(32, 10, 1, 3, 4), 16, "the map sees the view's /16");
	struct k4 k = v4(8, 10, 0, 0, 0);
	CHECK(v->ops->delete(v, &k) == 0, "delete through the view");
	expect4(m, v4(32, 10, 2, 3, 4), -ENOENT, "gone for the map too");
	CHECK(count_keys(m) == 1 && count_keys(v) == 1, "one key for both");
	tmap_free(v);
	tmap_free(m);
}

int main(void)
{
	test_create();
	test_ipv4();
	test_ipv6_and_bytes();
	test_reader_writer();
	test_killed_writers();
	test_two_views();
	return t_done("map_lpm");
}
