/* SPDX-License-Identifier: MIT */
/*
 * LOOKUP_BATCH and LOOKUP_AND_DELETE_BATCH of the hash maps, as the
 * kernel's __htab_map_lookup_and_delete_batch does them: whole buckets at
 * a time, in bucket order, each bucket from its head (the order of
 * get_next_key). The token (in_batch / out_batch) is a u32 bucket
 * number: the next bucket to copy. A bucket that does not fit in what
 * is left of `count` ends the batch there (ENOSPC if nothing was copied
 * yet); passing the last bucket ends it with ENOENT, count set.
 *
 * Runs on the bpf() caller's thread; each bucket is copied (and, with
 * del, emptied) under its stripe lock, so a bucket is seen whole.
 */
#include <errno.h>

#include "maps/hash.h"

static inline void *uptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

/* Keys in bucket b's chain (the stripe lock held). */
static uint32_t chain_len(struct map *m, uint32_t b)
{
	uint32_t n = 0, link = HTAB_LOAD(htab_bucket(m, b));

	for (; link && n <= htab_of(m)->nr_elems; n++)
		link = HTAB_LOAD(&htab_elem_at(m, link - 1)->next);
	return n;
}

/* Copies bucket b out (and empties it with del); the stripe lock held.
 * Returns the number of keys (copied only when both buffers are there). Emptied elements go back to the pool at
 * once (lock-free), after each has left the chain. */
static uint32_t copy_bucket(struct map *m, uint32_t b, char *keys, char *values, bool del,
			    bool locked)
{
	struct htab_stripe *st = htab_stripe_of(m, b);
	uint64_t vs = map_user_value_size(m);
	uint32_t link, n = 0;
	unsigned s;

	for (link = HTAB_LOAD(htab_bucket(m, b)); link; n++) {
		struct htab_elem *e = htab_elem_at(m, link - 1);
		if (keys && values) {
			htab_words_load(keys + (uint64_t)n * m->key_size, htab_key(e),
					m->key_size);
			if (locked) { /* BPF_F_LOCK: under the value's spin lock */
				map_value_copy_locked(m, values + n * vs,
						      htab_value(htab_of(m), e, 0), true);
				map_value_hide_special(m, values + n * vs);
			} else {
				htab_copy_out(m, e, values + n * vs);
			}
		}
		link = HTAB_LOAD(&e->next);
	}
	if (!del)
		return n;
	s = htab_seq_begin(&st->seq);
	while ((link = HTAB_LOAD(htab_bucket(m, b)))) {
		htab_unlink(m, b, link - 1);
		htab_pool_push(m, link - 1);
	}
	htab_seq_end(&st->seq, s);
	atomic_fetch_sub_explicit(&htab_of(m)->count, n, memory_order_relaxed);
	return n;
}

/* One bucket: 1 copied (*cnt keys), 0 it does not fit in `room`, or a
 * negative errno. */
static int one_bucket(struct map *m, uint32_t b, char *keys, char *values, uint32_t room,
		      bool del, bool locked, uint32_t *cnt)
{
	int err;

	*cnt = 0;
	if (!HTAB_LOAD(htab_bucket(m, b)))
		return 1; /* empty: no lock needed, as in the kernel */
	if ((err = htab_lock(m, b)))
		return err;
	if (chain_len(m, b) > room) {
		htab_unlock(m, b);
		return 0;
	}
	/* NULL keys or values: the kernel copies (and with del, empties) the
	 * bucket, then fails to copy it out. */
	*cnt = copy_bucket(m, b, keys, values, del, locked);
	htab_unlock(m, b);
	return keys && values ? 1 : -EFAULT;
}

int htab_lookup_batch(struct map *m, const union bpf_attr *attr, bool del, uint32_t *count)
{
	const struct htab *h = htab_of(m);
	uint32_t batch = 0, total = 0, max = attr->batch.count, cnt;
	char *keys = uptr(attr->batch.keys), *values = uptr(attr->batch.values);
	uint64_t vs = map_user_value_size(m);
	int ret;

	bool locked = attr->batch.elem_flags & BPF_F_LOCK;

	if ((attr->batch.elem_flags & ~(uint64_t)BPF_F_LOCK) || attr->batch.flags ||
	    (locked && !m->has_spin_lock)) /* BPF_F_LOCK needs a spin lock */
		return -EINVAL;
	if (!max)
		return 0;
	*count = 0;
	if (attr->batch.in_batch)
		memcpy(&batch, uptr(attr->batch.in_batch), sizeof(batch));
	if (batch >= h->n_buckets)
		return -ENOENT;
	for (;;) {
		ret = one_bucket(m, batch, keys ? keys + (uint64_t)total * m->key_size : NULL,
				 values ? values + total * vs : NULL, max - total, del, locked, &cnt);
		if (ret == 0 && total == 0)
			ret = -ENOSPC;
		if (ret <= 0)
			break;
		total += cnt;
		if (++batch >= h->n_buckets) {
			ret = -ENOENT;
			break;
		}
	}
	if (ret == -EFAULT || !attr->batch.out_batch) /* count stays 0 then */
		return -EFAULT;
	*count = total;
	memcpy(uptr(attr->batch.out_batch), &batch, sizeof(batch));
	return ret;
}
