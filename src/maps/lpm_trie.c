/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_LPM_TRIE: longest-prefix-match maps, with the kernel's
 * semantics (kernel/bpf/lpm_trie.c). Keys are struct bpf_lpm_trie_key_u8:
 * a host-order u32 prefixlen, then key_size - 4 bytes of data (1..256:
 * IPv4, IPv6 or anything else), of which prefixlen bits count, most
 * significant bit of the first byte first. Lookups find the longest
 * stored prefix that covers the key; updates and deletes work on the
 * exact prefix. The trie is the kernel's: a binary trie whose nodes hold
 * a prefix; a node with prefixlen n has children for bit n of the data;
 * "intermediate" nodes (no value) join two subtrees that share a shorter
 * prefix than either. Identical shapes give identical get_next_key
 * orders: post-order (more specific prefixes first, child 0 before
 * child 1), as the kernel returns them. The data bytes beyond a prefix
 * are kept as the update gave them (get_next_key returns them).
 *
 * Layout, inside the map's shared mapping and position independent:
 *   struct lpm               constants, root, counters, writer lock
 *   nodes[nr_nodes]          struct lpm_node + data (8-padded) + value
 * Links (root, children, the free list) are node numbers plus one. Every
 * node a trie of max_entries values can hold at once (at most one
 * intermediate node per value) plus the two an update adds before it
 * frees one is preallocated; the memory is touched only when used.
 *
 * Concurrency: writers (update, delete) and get_next_key take one
 * process-shared robust mutex; writers bump a seqcount around their
 * changes. Lookups take no lock: they walk the trie with atomic loads and
 * retry when the seqcount moved. Updates replace a node by a new one
 * rather than writing in place (like the kernel's), so a program's value
 * pointer keeps pointing at a value. A writer that dies inside the lock
 * leaves at worst unreachable nodes and a wrong count: the next locker
 * (EOWNERDEAD) rebuilds the free list and the count from what is
 * reachable (lpm_repair).
 */
#include <errno.h>
#include <pthread.h>

#include "maps/hash.h" /* HTAB_LOAD/STORE, the seqcount and 8-byte word copies */

#define LPM_CREATE_FLAGS (BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | \
			  BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define LPM_DATA_MAX 256u
#define LPM_KEY_MIN (4u + 1u)
#define LPM_KEY_MAX (4u + LPM_DATA_MAX)
/* The kernel's KMALLOC_MAX_SIZE less the largest data and its node. */
#define LPM_VALUE_MAX ((4u << 20) - LPM_DATA_MAX - 24u)
#define LPM_FLAG_IM 1u
#define LPM_NONE UINT32_MAX

struct lpm_node {
	atomic_uint child[2];
	atomic_uint prefixlen;
	atomic_uint flags;            /* LPM_FLAG_IM: intermediate, no value */
	uint32_t flink;               /* free list (under the lock) */
	uint32_t mark;                /* lpm_repair's generation */
	/* data, padded to 8 bytes, then the value, padded to 8 */
};

struct lpm {
	pthread_mutex_t lock;
	atomic_uint seq;              /* odd while a writer changes the trie */
	atomic_uint root;
	uint32_t n_entries;           /* values in the trie (under the lock) */
	uint32_t data_size, max_prefixlen;
	uint32_t node_size, value_off;
	uint32_t nr_nodes;
	uint32_t free;                /* free list head (under the lock) */
	uint32_t used;                /* nodes handed out by the bump counter */
	uint32_t gen;                 /* lpm_repair's last generation */
	uint64_t nodes_off;
};

static inline struct lpm *lpm_of(const struct map *m)
{
	return m->data;
}

static inline struct lpm_node *node_at(const struct map *m, uint32_t idx)
{
	const struct lpm *t = lpm_of(m);
	return (struct lpm_node *)((char *)m->data + t->nodes_off + (uint64_t)idx * t->node_size);
}

static inline unsigned char *node_data(struct lpm_node *n)
{
	return (unsigned char *)(n + 1);
}

static inline void *node_value(const struct lpm *t, struct lpm_node *n)
{
	return (char *)n + t->value_off;
}

static inline uint32_t round8(uint32_t n)
{
	return (n + 7) & ~7u;
}

/* MAP_CREATE: the kernel's trie_alloc checks (all EINVAL). */
static int lpm_check(const union bpf_attr *attr)
{
	const uint32_t prog_rw = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

	if (attr->max_entries == 0 || !(attr->map_flags & BPF_F_NO_PREALLOC) ||
	    (attr->map_flags & ~LPM_CREATE_FLAGS) || (attr->map_flags & prog_rw) == prog_rw ||
	    attr->key_size < LPM_KEY_MIN || attr->key_size > LPM_KEY_MAX ||
	    attr->value_size < 1 || attr->value_size > LPM_VALUE_MAX)
		return -EINVAL;
	return 0;
}

/* The layout of a trie of these sizes; *size: the bytes of data. The
 * kernel allocates nodes on demand and takes any max_entries; a trie too
 * big to preallocate gets as many nodes as a map may hold, and an update
 * that finds none left is ENOMEM, as the kernel's would be. */
static int lpm_layout(uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		      struct lpm *t, uint64_t *size)
{
	uint64_t nodes = 2 * (uint64_t)max_entries + 2, most;

	t->data_size = key_size - 4;
	t->max_prefixlen = t->data_size * 8;
	t->value_off = (uint32_t)sizeof(struct lpm_node) + round8(t->data_size);
	t->node_size = t->value_off + round8(value_size);
	t->nodes_off = (sizeof(struct lpm) + 63) & ~63ull;
	most = (MAP_MAX_SIZE - 4096 - t->nodes_off) / t->node_size;
	if (nodes > most)
		nodes = most;
	if (nodes >= UINT32_MAX)
		nodes = UINT32_MAX - 1;
	t->nr_nodes = (uint32_t)nodes;
	*size = t->nodes_off + nodes * t->node_size;
	return 0;
}

static int lpm_data_size(const union bpf_attr *attr, uint32_t nr_slots, uint64_t *size)
{
	struct lpm t;

	(void)nr_slots;
	return lpm_layout(attr->key_size, attr->value_size, attr->max_entries, &t, size);
}

/* MAP_CREATE, before anyone else sees the map (the data is zeroed: an
 * empty trie with no free nodes yet). */
static int lpm_init(struct map *m)
{
	struct lpm *t = lpm_of(m);
	uint64_t size;
	int r;

	if ((r = lpm_layout(m->key_size, m->value_size, m->max_entries, t, &size)))
		return r;
	return map_robust_mutex_init(&t->lock);
}

/* Bit `i` of a key's data, most significant bit of byte 0 first. */
static inline unsigned bit_of(const unsigned char *data, uint32_t i)
{
	return (data[i / 8] >> (7 - i % 8)) & 1;
}

/* Byte i of a node's data (8-byte atomic loads: a lock-free reader may
 * meet a node being rewritten, which its seqcount check then notices). */
static inline unsigned char node_byte(struct lpm_node *n, uint32_t i)
{
	uint64_t w = HTAB_LOAD((_Atomic uint64_t *)(void *)(node_data(n) + (i & ~7u)));
	unsigned char b[8];

	memcpy(b, &w, 8);
	return b[i & 7];
}

/* The kernel's longest_prefix_match: how many leading bits of node's
 * data and the key's agree, at most min(node's, key's prefixlen). */
static uint32_t prefix_match(const struct lpm *t, struct lpm_node *n, uint32_t node_plen,
			     uint32_t key_plen, const unsigned char *key)
{
	uint32_t limit = node_plen < key_plen ? node_plen : key_plen, len = 0;

	for (uint32_t i = 0; i < t->data_size && len < limit; i++) {
		unsigned diff = node_byte(n, i) ^ key[i];
		if (!diff) {
			len += 8;
			continue;
		}
		len += (uint32_t)__builtin_clz(diff) - 24;
		break;
	}
	return len < limit ? len : limit;
}

static inline uint32_t key_plen(const void *key)
{
	uint32_t p;
	memcpy(&p, key, 4);
	return p;
}

static inline const unsigned char *key_data(const void *key)
{
	return (const unsigned char *)key + 4;
}

/* Marks node `link` and what hangs below it with generation `gen`;
 * counts the values. Depth is bounded by the prefix lengths, which grow
 * strictly along a path of a well-formed trie; the bound also stops
 * cycles a corrupted mapping could hold. */
static uint32_t mark_reachable(struct map *m, uint32_t link, uint32_t gen, uint32_t depth)
{
	const struct lpm *t = lpm_of(m);
	uint32_t values = 0;

	while (link && link <= t->nr_nodes && depth++ <= t->max_prefixlen + 1) {
		struct lpm_node *n = node_at(m, link - 1);
		if (n->mark == gen)
			break;
		n->mark = gen;
		values += !(HTAB_LOAD(&n->flags) & LPM_FLAG_IM);
		values += mark_reachable(m, HTAB_LOAD(&n->child[0]), gen, depth);
		link = HTAB_LOAD(&n->child[1]);
	}
	return values;
}

/* With the lock held after its owner died inside it: every node handed
 * out and not reachable from the root goes back to the free list, the
 * value count is recounted and the seqcount made even. */
static void lpm_repair(struct map *m)
{
	struct lpm *t = lpm_of(m);
	unsigned s = HTAB_LOAD(&t->seq);

	t->gen++;
	t->n_entries = mark_reachable(m, HTAB_LOAD(&t->root), t->gen, 0);
	t->free = 0;
	for (uint32_t i = t->used < t->nr_nodes ? t->used : t->nr_nodes; i-- > 0;) {
		if (node_at(m, i)->mark == t->gen)
			continue;
		node_at(m, i)->flink = t->free;
		t->free = i + 1;
	}
	if (s & 1)
		HTAB_STORE(&t->seq, s + 1);
}

static int lpm_lock(struct map *m)
{
	struct lpm *t = lpm_of(m);
	int r = pthread_mutex_lock(&t->lock);

	if (r == EOWNERDEAD) {
		lpm_repair(m);
		r = pthread_mutex_consistent(&t->lock);
	}
	return -r;
}

static void lpm_unlock(struct map *m)
{
	pthread_mutex_unlock(&lpm_of(m)->lock);
}

/* The node with the longest prefix covering `key`, or LPM_NONE: the
 * kernel's trie_lookup_elem walk (a key longer than the trie's prefixes
 * matches nothing). Lock-free; the answer held at one instant, and *seq
 * is the trie's (even) seqcount then. */
static uint32_t lpm_find(struct map *m, const void *key, unsigned *seq)
{
	struct lpm *t = lpm_of(m);
	uint32_t plen = key_plen(key), found, link, steps;
	const unsigned char *data = key_data(key);
	unsigned spins = 0;

	if (plen > t->max_prefixlen)
		return LPM_NONE;
	for (;; spins++) {
		if (spins >= 64 && spins % 64 == 0 && lpm_lock(m) == 0)
			lpm_unlock(m); /* a dead writer's odd seqcount gets repaired */
		*seq = HTAB_LOAD(&t->seq);
		if (*seq & 1)
			continue;
		found = LPM_NONE;
		link = HTAB_LOAD(&t->root);
		for (steps = 0; link && link <= t->nr_nodes && steps <= t->max_prefixlen; steps++) {
			struct lpm_node *n = node_at(m, link - 1);
			uint32_t np = HTAB_LOAD(&n->prefixlen), len;

			if (np > t->max_prefixlen)
				break; /* a node being reused: the seqcount moved */
			len = prefix_match(t, n, np, plen, data);
			if (len == t->max_prefixlen) {
				found = link - 1;
				break;
			}
			if (len < np)
				break;
			if (!(HTAB_LOAD(&n->flags) & LPM_FLAG_IM))
				found = link - 1;
			link = HTAB_LOAD(&n->child[bit_of(data, np)]);
		}
		if (htab_seq_still(&t->seq, *seq))
			return found;
	}
}

/* Programs: the value of the longest matching prefix, in place. */
static void *lpm_lookup(struct map *m, const void *key)
{
	unsigned seq;
	uint32_t idx = lpm_find(m, key, &seq);

	return idx == LPM_NONE ? NULL : node_value(lpm_of(m), node_at(m, idx));
}

/* User space: a copy, never torn (retried when a writer came by). */
static int lpm_lookup_copy(struct map *m, const void *key, void *value, uint64_t flags)
{
	unsigned seq;

	if (flags) /* BPF_F_LOCK: no spin lock without BTF */
		return -EINVAL;
	for (;;) {
		uint32_t idx = lpm_find(m, key, &seq);
		if (idx == LPM_NONE)
			return -ENOENT;
		htab_words_load(value, node_value(lpm_of(m), node_at(m, idx)), m->value_size);
		if (htab_seq_still(&lpm_of(m)->seq, seq))
			return 0;
	}
}

/* A node for a writer (lock held), or LPM_NONE when none is left (cannot
 * happen within max_entries; see the layout). */
static uint32_t node_alloc(struct map *m)
{
	struct lpm *t = lpm_of(m);
	uint32_t idx;

	if (t->free) {
		idx = t->free - 1;
		t->free = node_at(m, idx)->flink;
		return idx;
	}
	return t->used < t->nr_nodes ? t->used++ : LPM_NONE;
}

static void node_free(struct map *m, uint32_t idx)
{
	struct lpm *t = lpm_of(m);

	node_at(m, idx)->flink = t->free;
	t->free = idx + 1;
}

/* Fills a node the writer owns (unreachable, so no reader can be inside
 * it unless it went stale; those notice the seqcount). */
static void node_fill(struct map *m, uint32_t idx, uint32_t plen, uint32_t flags,
		      const unsigned char *data, const void *value)
{
	struct lpm *t = lpm_of(m);
	struct lpm_node *n = node_at(m, idx);

	HTAB_STORE(&n->child[0], 0);
	HTAB_STORE(&n->child[1], 0);
	HTAB_STORE(&n->prefixlen, plen);
	HTAB_STORE(&n->flags, flags);
	htab_words_store(node_data(n), data, t->data_size);
	if (value)
		htab_words_store(node_value(t, n), value, m->value_size);
}

/* The kernel's trie_check_add_elem: may one more value go in? */
static int check_add(struct lpm *t, uint64_t flags, struct map *m)
{
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (t->n_entries == m->max_entries)
		return -ENOSPC;
	t->n_entries++;
	return 0;
}

/* Where the walk of an update or a delete stopped. */
struct lpm_pos {
	atomic_uint *slot;            /* the link that points at node */
	atomic_uint *parent_slot;     /* the link that points at parent */
	uint32_t node, parent;        /* node numbers plus one; 0: none */
	uint32_t matchlen;
};

/* Walks down from the root as far as `key` matches, the kernel's insert
 * and delete walk. Under the lock. */
static void lpm_walk(struct map *m, const void *key, struct lpm_pos *p)
{
	struct lpm *t = lpm_of(m);
	uint32_t plen = key_plen(key);

	p->slot = p->parent_slot = &t->root;
	p->parent = 0;
	p->matchlen = 0;
	while ((p->node = HTAB_LOAD(p->slot))) {
		struct lpm_node *n = node_at(m, p->node - 1);
		uint32_t np = HTAB_LOAD(&n->prefixlen);

		p->matchlen = prefix_match(t, n, np, plen, key_data(key));
		if (np != p->matchlen || np == plen)
			break;
		p->parent = p->node;
		p->parent_slot = p->slot;
		p->slot = &n->child[bit_of(key_data(key), np)];
	}
}

/* Links a new node for `key` where the walk stopped; the kernel's
 * trie_update_elem after its walk. *old: a node replaced, to free. */
static int link_new(struct map *m, const void *key, uint64_t flags, struct lpm_pos *p,
		    uint32_t new_idx, uint32_t *old)
{
	struct lpm *t = lpm_of(m);
	uint32_t plen = key_plen(key), im;
	struct lpm_node *nn = node_at(m, new_idx), *n;
	int err;

	if (!p->node) {
		if (!(err = check_add(t, flags, m)))
			HTAB_STORE(p->slot, new_idx + 1);
		return err;
	}
	n = node_at(m, p->node - 1);
	if (HTAB_LOAD(&n->prefixlen) == p->matchlen) { /* the same prefix */
		if (!(HTAB_LOAD(&n->flags) & LPM_FLAG_IM) && flags == BPF_NOEXIST)
			return -EEXIST;
		if ((HTAB_LOAD(&n->flags) & LPM_FLAG_IM) && (err = check_add(t, flags, m)))
			return err;
		HTAB_STORE(&nn->child[0], HTAB_LOAD(&n->child[0]));
		HTAB_STORE(&nn->child[1], HTAB_LOAD(&n->child[1]));
		HTAB_STORE(p->slot, new_idx + 1);
		*old = p->node - 1;
		return 0;
	}
	if ((err = check_add(t, flags, m)))
		return err;
	if (p->matchlen == plen) { /* the new prefix covers node: above it */
		HTAB_STORE(&nn->child[bit_of(node_data(n), p->matchlen)], p->node);
		HTAB_STORE(p->slot, new_idx + 1);
		return 0;
	}
	if ((im = node_alloc(m)) == LPM_NONE) {
		t->n_entries--;
		return -ENOMEM;
	}
	unsigned char data[LPM_DATA_MAX + 8];
	htab_words_load(data, node_data(n), t->data_size);
	node_fill(m, im, p->matchlen, LPM_FLAG_IM, data, NULL);
	unsigned b = bit_of(key_data(key), p->matchlen);
	HTAB_STORE(&node_at(m, im)->child[b], new_idx + 1);
	HTAB_STORE(&node_at(m, im)->child[!b], p->node);
	HTAB_STORE(p->slot, im + 1);
	return 0;
}

/* Updates from programs and user space: the kernel's checks and errnos
 * (EINVAL for flags or a prefix too long, EEXIST, ENOENT with BPF_EXIST,
 * ENOSPC when max_entries values are there). */
static int lpm_update(struct map *m, const void *key, const void *value, uint64_t flags)
{
	struct lpm *t = lpm_of(m);
	struct lpm_pos p;
	uint32_t idx, old = LPM_NONE;
	unsigned s;
	int err;

	if (flags > BPF_EXIST || key_plen(key) > t->max_prefixlen)
		return -EINVAL;
	if ((err = lpm_lock(m)))
		return err;
	if ((idx = node_alloc(m)) == LPM_NONE) {
		lpm_unlock(m);
		return -ENOMEM;
	}
	node_fill(m, idx, key_plen(key), 0, key_data(key), value);
	s = htab_seq_begin(&t->seq);
	lpm_walk(m, key, &p);
	err = link_new(m, key, flags, &p, idx, &old);
	htab_seq_end(&t->seq, s);
	if (err)
		node_free(m, idx);
	if (old != LPM_NONE)
		node_free(m, old);
	lpm_unlock(m);
	return err;
}

/* Takes the found node out; the kernel's trie_delete_elem after its
 * walk. *freed gets up to two nodes to free. */
static void unlink_node(struct map *m, struct lpm_pos *p, uint32_t freed[2])
{
	struct lpm_node *n = node_at(m, p->node - 1);
	uint32_t c0 = HTAB_LOAD(&n->child[0]), c1 = HTAB_LOAD(&n->child[1]);

	if (c0 && c1) { /* keeps joining its subtrees, as an intermediate node */
		HTAB_STORE(&n->flags, HTAB_LOAD(&n->flags) | LPM_FLAG_IM);
		return;
	}
	freed[0] = p->node - 1;
	if (p->parent && (HTAB_LOAD(&node_at(m, p->parent - 1)->flags) & LPM_FLAG_IM) &&
	    !c0 && !c1) { /* the intermediate parent goes too */
		struct lpm_node *pn = node_at(m, p->parent - 1);
		uint32_t other = HTAB_LOAD(&pn->child[0]) == p->node ? HTAB_LOAD(&pn->child[1])
								      : HTAB_LOAD(&pn->child[0]);
		HTAB_STORE(p->parent_slot, other);
		freed[1] = p->parent - 1;
		return;
	}
	HTAB_STORE(p->slot, c0 ? c0 : c1);
}

static int lpm_delete(struct map *m, const void *key)
{
	struct lpm *t = lpm_of(m);
	uint32_t freed[2] = { LPM_NONE, LPM_NONE };
	struct lpm_pos p;
	unsigned s;
	int err;

	if (key_plen(key) > t->max_prefixlen)
		return -EINVAL;
	if ((err = lpm_lock(m)))
		return err;
	lpm_walk(m, key, &p);
	if (!p.node || HTAB_LOAD(&node_at(m, p.node - 1)->prefixlen) != key_plen(key) ||
	    p.matchlen != key_plen(key) ||
	    (HTAB_LOAD(&node_at(m, p.node - 1)->flags) & LPM_FLAG_IM)) {
		lpm_unlock(m);
		return -ENOENT;
	}
	s = htab_seq_begin(&t->seq);
	t->n_entries--;
	unlink_node(m, &p, freed);
	htab_seq_end(&t->seq, s);
	for (int i = 0; i < 2; i++)
		if (freed[i] != LPM_NONE)
			node_free(m, freed[i]);
	lpm_unlock(m);
	return 0;
}

/* The first value in post-order of the subtree at `link`: the kernel's
 * find_leftmost (intermediate nodes always have two children). */
static uint32_t leftmost(struct map *m, uint32_t link)
{
	uint32_t next = 0, steps = 0;

	while (link && steps++ <= lpm_of(m)->max_prefixlen + 1) {
		struct lpm_node *n = node_at(m, link - 1);
		if (HTAB_LOAD(&n->flags) & LPM_FLAG_IM) {
			link = HTAB_LOAD(&n->child[0]);
			continue;
		}
		next = link;
		link = HTAB_LOAD(&n->child[0]);
		if (!link)
			link = HTAB_LOAD(&n->child[1]);
	}
	return next;
}

/* The value after `key` in post-order (the kernel's trie_get_next_key),
 * 0 at the end. Under the lock. stack: room for max_prefixlen + 1 links. */
static uint32_t next_after(struct map *m, const void *key, uint32_t *stack)
{
	struct lpm *t = lpm_of(m);
	uint32_t plen = key_plen(key), link, len = 0;
	int sp = -1;

	for (link = HTAB_LOAD(&t->root); link && sp < (int)t->max_prefixlen;) {
		struct lpm_node *n = node_at(m, link - 1);
		uint32_t np = HTAB_LOAD(&n->prefixlen);
		stack[++sp] = link;
		len = prefix_match(t, n, np, plen, key_data(key));
		if (np != len || np == plen)
			break;
		link = HTAB_LOAD(&n->child[bit_of(key_data(key), np)]);
	}
	if (!link || HTAB_LOAD(&node_at(m, link - 1)->prefixlen) != len ||
	    (HTAB_LOAD(&node_at(m, link - 1)->flags) & LPM_FLAG_IM))
		return leftmost(m, HTAB_LOAD(&t->root));
	for (link = stack[sp]; sp > 0; sp--) {
		struct lpm_node *parent = node_at(m, stack[sp - 1] - 1);
		uint32_t right = HTAB_LOAD(&parent->child[1]);
		if (HTAB_LOAD(&parent->child[0]) == link && right)
			return leftmost(m, right);
		if (!(HTAB_LOAD(&parent->flags) & LPM_FLAG_IM))
			return stack[sp - 1];
		link = stack[sp - 1];
	}
	return 0;
}

static int lpm_get_next_key(struct map *m, const void *key, void *next_key)
{
	struct lpm *t = lpm_of(m);
	uint32_t stack[LPM_DATA_MAX * 8 + 1], next;
	int err;

	if ((err = lpm_lock(m)))
		return err;
	if (!HTAB_LOAD(&t->root))
		next = 0;
	else if (!key || key_plen(key) > t->max_prefixlen)
		next = leftmost(m, HTAB_LOAD(&t->root));
	else
		next = next_after(m, key, stack);
	if (next) {
		struct lpm_node *n = node_at(m, next - 1);
		uint32_t np = HTAB_LOAD(&n->prefixlen);
		memcpy(next_key, &np, 4);
		htab_words_load((char *)next_key + 4, node_data(n), t->data_size);
	}
	lpm_unlock(m);
	return next ? 0 : -ENOENT;
}

/* Checked mode: inside the value of a node. */
static bool lpm_contains(const struct map *m, uintptr_t addr, size_t size)
{
	const struct lpm *t = lpm_of(m);
	uintptr_t start = (uintptr_t)m->data + t->nodes_off;
	uint64_t off;

	if (addr < start || addr - start >= (uint64_t)t->nr_nodes * t->node_size ||
	    size > m->value_size)
		return false;
	off = (addr - start) % t->node_size;
	return off >= t->value_off && off - t->value_off + size <= m->value_size;
}

const struct map_ops lpm_trie_map_ops = {
	.name = "lpm_trie",
	.check = lpm_check,
	.data_size = lpm_data_size,
	.init = lpm_init,
	.lookup = lpm_lookup,
	.lookup_copy = lpm_lookup_copy,
	.update = lpm_update,
	.delete = lpm_delete,
	.get_next_key = lpm_get_next_key,
	.contains = lpm_contains,
	.batch = MAP_BATCH_LOOKUP | MAP_BATCH_UPDATE | MAP_BATCH_DELETE,
};
