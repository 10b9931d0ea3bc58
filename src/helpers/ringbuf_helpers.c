/* SPDX-License-Identifier: MIT */
/*
 * The ringbuf helpers: bpf_ringbuf_output, _reserve, _submit, _discard
 * and _query, with the kernel's results (NULL / -EAGAIN when the ring is
 * full, -EINVAL for unknown output flags, 0 for an unknown query). Called
 * on the program's thread; the ring itself is maps/ringbuf.c.
 *
 * Checked runs (unverified programs) are held to what the kernel's
 * verifier enforces: r1 of output/reserve/query must be a ringbuf map of
 * the program, the data output copies must be readable, and submit and
 * discard take only a record this run reserved and has not released yet.
 * A reserved record is lent to the program (a writable region of exactly
 * its size) until it is released. A violation stops the run with -EFAULT;
 * a record the run still holds when it ends is discarded then.
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "maps/ringbuf.h"
#include "vm/vm.h"

/* The ring in r1, after a checked run's checks; NULL (run stopped) if
 * they fail. */
static struct map *ring_arg(struct bpfx_run_ctx *run, uint64_t r1, const char *helper)
{
	struct map *m = (struct map *)(uintptr_t)r1;

	if (!run->checked)
		return m;
	if (!vm_prog_owns(run->prog, m) || m->ops != &ringbuf_map_ops) {
		bpfx_run_ctx__fault(run, -EFAULT, "%s: R1 (0x%llx) is not a ringbuf map of this "
				    "program", helper, (unsigned long long)r1);
		return NULL;
	}
	return m;
}

/* Checked runs: the lent region that is exactly this record, or NULL. */
static struct bpfx_region *lent_record(struct bpfx_run_ctx *run, const void *rec)
{
	for (size_t i = 0; i < run->lent_cnt; i++)
		if (run->lent[i].ptr == rec)
			return &run->lent[i];
	return NULL;
}

static struct map *record_ring(struct bpfx_run_ctx *run, uint64_t r1, const char *helper);

/* After a checked run: a record still lent was never submitted nor
 * discarded (the program faulted, or forgot - the kernel's verifier would
 * have refused it). Discard it, or it would stop every consumer of the
 * ring for good. */
static void release_leftovers(struct bpfx_run_ctx *run)
{
	for (size_t i = 0; i < run->lent_cnt; i++) {
		void *rec = run->lent[i].ptr;
		struct map *m = rec ? record_ring(run, (uintptr_t)rec, NULL) : NULL;
		if (m)
			rb_commit(m, rec, 0, true);
	}
}

/* Lends a record to a checked run, reusing the entry of a released one. */
static int lend_record(struct bpfx_run_ctx *run, void *rec, size_t size)
{
	run->at_exit = release_leftovers;
	for (size_t i = 0; i < run->lent_cnt; i++)
		if (!run->lent[i].ptr) {
			run->lent[i] = (struct bpfx_region){ rec, size, true };
			return 0;
		}
	return bpfx_run_ctx__add_region(run, rec, size, true);
}

static uint64_t h_ringbuf_reserve(uint64_t r1, uint64_t size, uint64_t flags, uint64_t r4,
				  uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = ring_arg(run, r1, "bpf_ringbuf_reserve");
	if (!m || flags)
		return 0;
	void *rec = rb_reserve(m, size);
	if (rec && run->checked && lend_record(run, rec, size)) {
		rb_commit(m, rec, BPF_RB_NO_WAKEUP, true); /* cannot lend it: never reserved */
		return 0;
	}
	return (uintptr_t)rec;
}

/* The ring a record belongs to, among the program's maps; in checked runs
 * also the record's lent region, released here. NULL (run stopped, unless
 * helper is NULL: after the run) when `rec` is not a record this run may
 * release. */
static struct map *record_ring(struct bpfx_run_ctx *run, uint64_t r1, const char *helper)
{
	const struct bpfx_prog *prog = run->prog;
	const void *rec = (const void *)(uintptr_t)r1;
	struct bpfx_region *lent = NULL;

	if (run->checked && !(lent = lent_record(run, rec)))
		goto bad;
	for (size_t i = 0; i < prog->owner_cnt; i++) {
		struct map *m = prog->owners[i].owner;
		if (prog->owners[i].contains != map_value_contains || !rb_owns(m, rec))
			continue;
		if (lent)
			*lent = (struct bpfx_region){ NULL, 0, false };
		return m;
	}
bad:
	if (helper)
		bpfx_run_ctx__fault(run, -EFAULT, "%s: R1 (0x%llx) is not a record reserved by "
				    "this run", helper, (unsigned long long)r1);
	return NULL;
}

/* bpf_ringbuf_submit and bpf_ringbuf_discard. */
static uint64_t release(struct bpfx_run_ctx *run, uint64_t rec, uint64_t flags, bool discard)
{
	struct map *m = record_ring(run, rec, discard ? "bpf_ringbuf_discard" : "bpf_ringbuf_submit");
	if (m)
		rb_commit(m, (void *)(uintptr_t)rec, flags, discard);
	return 0;
}

static uint64_t h_ringbuf_submit(uint64_t rec, uint64_t flags, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct bpfx_run_ctx *run)
{
	return release(run, rec, flags, false);
}

static uint64_t h_ringbuf_discard(uint64_t rec, uint64_t flags, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct bpfx_run_ctx *run)
{
	return release(run, rec, flags, true);
}

static uint64_t h_ringbuf_output(uint64_t r1, uint64_t data, uint64_t size, uint64_t flags,
				 uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = ring_arg(run, r1, "bpf_ringbuf_output");
	if (!m)
		return 0;
	if (!bpfx_run_ctx__mem_ok(run, (const void *)(uintptr_t)data, size, false)) {
		bpfx_run_ctx__fault(run, -EFAULT, "bpf_ringbuf_output: the data (%llu bytes at "
				    "0x%llx) is not memory the program may read",
				    (unsigned long long)size, (unsigned long long)data);
		return 0;
	}
	if (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return (uint64_t)(int64_t)-EINVAL;
	void *rec = rb_reserve(m, size);
	if (!rec)
		return (uint64_t)(int64_t)-EAGAIN;
	memcpy(rec, (const void *)(uintptr_t)data, size);
	rb_commit(m, rec, flags, false);
	return 0;
}

static uint64_t h_ringbuf_query(uint64_t r1, uint64_t flags, uint64_t r3, uint64_t r4,
				uint64_t r5, struct bpfx_run_ctx *run)
{
	struct map *m = ring_arg(run, r1, "bpf_ringbuf_query");
	return m ? rb_query(m, flags) : 0;
}

/* Sorted by id. */
static const struct bpfx_helper ringbuf_helpers[] = {
	{ BPF_FUNC_ringbuf_output, "bpf_ringbuf_output", h_ringbuf_output, BPFX_RET_INTEGER,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE_OR_ZERO,
	    BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", h_ringbuf_reserve,
	  BPFX_RET_PTR_TO_RINGBUF_MEM_OR_NULL,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_CONST_ALLOC_SIZE_OR_ZERO, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit", h_ringbuf_submit, BPFX_RET_VOID,
	  { BPFX_ARG_PTR_TO_RINGBUF_MEM, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_ringbuf_discard, "bpf_ringbuf_discard", h_ringbuf_discard, BPFX_RET_VOID,
	  { BPFX_ARG_PTR_TO_RINGBUF_MEM, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_ringbuf_query, "bpf_ringbuf_query", h_ringbuf_query, BPFX_RET_INTEGER,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_ANYTHING } },
};
HELPER_GROUP(helpers_ringbuf_group, ringbuf_helpers);
