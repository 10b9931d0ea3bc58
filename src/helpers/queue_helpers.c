/* SPDX-License-Identifier: MIT */
/*
 * bpf_map_push_elem (87), bpf_map_pop_elem (88), bpf_map_peek_elem (89):
 * the helpers of maps without keys - queues, stacks (push/pop/peek) and
 * bloom filters (push adds a value, peek tests one). Called on the
 * program's thread. Like the kernel's map ops, popping or peeking an
 * empty queue or stack zeroes the program's buffer and returns -ENOENT;
 * a bloom filter cannot pop (-EOPNOTSUPP). Maps of other types have no
 * such operation (the kernel's verifier refuses the call; unverified
 * runs get -EINVAL).
 */
#include <errno.h>
#include <string.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#include "vm/vm.h"

static uint64_t ret_of(int err)
{
	return (uint64_t)(int64_t)err;
}

/* Checked runs: pushing and popping change the map, which a program may
 * not do to a BPF_F_RDONLY_PROG map (the verifier's rule). */
static bool may_change(struct bpfx_run_ctx *run, const struct map *m, const char *name)
{
	if (!run->checked || !(m->map_flags & BPF_F_RDONLY_PROG))
		return true;
	bpfx_run_ctx__fault(run, -EFAULT, "%s: map is read-only for programs", name);
	return false;
}

static uint64_t helper_map_push_elem(uint64_t r1, uint64_t value, uint64_t flags, uint64_t r4,
				     uint64_t r5, struct bpfx_run_ctx *run)
{
	const char *name = "bpf_map_push_elem";
	struct map *m = helper_map_arg(run, r1, name);

	if (!m || !helper_mem_arg(run, value, m->value_size, name, "the value") ||
	    !may_change(run, m, name))
		return 0;
	if (!m->ops->push)
		return ret_of(-EINVAL);
	return ret_of(m->ops->push(m, (const void *)(uintptr_t)value, flags));
}

/* Pop and peek: the buffer is written for queues and stacks, read (the
 * value to test) for bloom filters. */
static uint64_t get_elem(uint64_t r1, uint64_t value, bool remove, const char *name,
			 struct bpfx_run_ctx *run)
{
	struct map *m = helper_map_arg(run, r1, name);
	void *v = (void *)(uintptr_t)value;
	bool bloom;
	int err;

	if (!m || (remove && !may_change(run, m, name)))
		return 0;
	bloom = m->type == BPF_MAP_TYPE_BLOOM_FILTER;
	if (!bpfx_run_ctx__mem_ok(run, v, m->value_size, !bloom)) {
		bpfx_run_ctx__fault(run, -EFAULT, "%s: the value (%u bytes at 0x%llx) is not "
				    "memory the program may %s", name, m->value_size,
				    (unsigned long long)value, bloom ? "read" : "write");
		return 0;
	}
	if (!m->ops->pop)
		return ret_of(-EINVAL);
	err = m->ops->pop(m, v, remove);
	if (err == -ENOENT && !bloom)
		memset(v, 0, m->value_size);
	return ret_of(err);
}

static uint64_t helper_map_pop_elem(uint64_t r1, uint64_t value, uint64_t r3, uint64_t r4,
				    uint64_t r5, struct bpfx_run_ctx *run)
{
	return get_elem(r1, value, true, "bpf_map_pop_elem", run);
}

static uint64_t helper_map_peek_elem(uint64_t r1, uint64_t value, uint64_t r3, uint64_t r4,
				     uint64_t r5, struct bpfx_run_ctx *run)
{
	return get_elem(r1, value, false, "bpf_map_peek_elem", run);
}

/* Sorted by id. */
static const struct bpfx_helper queue_helpers[] = {
	{ BPF_FUNC_map_push_elem, "bpf_map_push_elem", helper_map_push_elem, BPFX_RET_INTEGER,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_MAP_VALUE, BPFX_ARG_ANYTHING } },
	{ BPF_FUNC_map_pop_elem, "bpf_map_pop_elem", helper_map_pop_elem, BPFX_RET_INTEGER,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_UNINIT_MAP_VALUE } },
	{ BPF_FUNC_map_peek_elem, "bpf_map_peek_elem", helper_map_peek_elem, BPFX_RET_INTEGER,
	  { BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_UNINIT_MAP_VALUE } },
};
HELPER_GROUP(helpers_queue_group, queue_helpers);
