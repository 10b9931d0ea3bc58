/* SPDX-License-Identifier: MIT */
/*
 * Building a runnable program from raw instructions: validate, bind the
 * callable helpers, pre-decode for the interpreter. Runs once per program
 * on the loading thread; the result is immutable and may then run on any
 * number of threads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "isa/isa.h"
#include "jit/jit.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/opts.h"
#include "vm/vm.h"

static int cmp_helper_id(const void *a, const void *b)
{
	const struct bpfx_helper *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The program's helper table: the built-in helpers unless turned off, then
 * the embedder's, which replace built-ins of the same id. Sorted by id. */
static int bind_helpers(struct bpfx_prog *prog, const struct bpfx_prog_opts *o,
			const struct log_sink *log)
{
	size_t builtin = 0;
	const struct bpfx_helper *table = NULL;
	size_t n = 0;

	if (!o->no_builtin_helpers) {
		table = helpers_builtin(&builtin);
		if (!table)
			return -ENOMEM;
	}

	prog->helpers = mem_array(builtin + o->helper_cnt + 1, sizeof(*prog->helpers));
	if (!prog->helpers)
		return -ENOMEM;
	for (size_t i = 0; i < o->helper_cnt; i++) {
		const struct bpfx_helper *h = &o->helpers[i];
		if (!h->fn || h->id > BPFX_MAX_HELPER_ID) {
			log_msg(log, BPFX_LOG_ERROR, "helper %u (%s): %s", h->id,
				h->name ? h->name : "?",
				h->fn ? "id above the limit" : "no function");
			return -EINVAL;
		}
		prog->helpers[n++] = *h;
	}
	for (size_t i = 0; i < builtin; i++) {
		bool replaced = false;
		for (size_t j = 0; j < o->helper_cnt; j++)
			replaced |= o->helpers[j].id == table[i].id;
		if (!replaced)
			prog->helpers[n++] = table[i];
	}
	qsort(prog->helpers, n, sizeof(*prog->helpers), cmp_helper_id);
	prog->helper_cnt = n;
	return 0;
}

/* A CO-RE relocation the loader could not resolve left `call 0xbad2310`
 * (libbpf's mark) in its instruction: loading succeeds, as the kernel's
 * verifier accepts it in dead code; running it stops the program. */
static uint64_t core_poisoned(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct bpfx_run_ctx *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	bpfx_run_ctx__fault(run, -EINVAL, "reached an instruction whose CO-RE relocation failed "
			    "(the target BTF lacks what it names)");
	return 0;
}

/* Records the memory owner behind a resolved lddw, once per owner. */
static int add_owner(struct bpfx_prog *prog, const struct vm_mem_owner *owner)
{
	if (!owner->owner || vm_prog_owns(prog, owner->owner))
		return 0;
	struct vm_mem_owner *n = mem_realloc(prog->owners, (prog->owner_cnt + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	n[prog->owner_cnt++] = *owner;
	prog->owners = n;
	return 0;
}

/* lddw: the 64-bit value; for BPF_PSEUDO_FUNC a function token callx
 * understands; for references to maps whatever the resolver says. */
static int decode_lddw(struct bpfx_prog *prog, size_t i, struct vm_insn *out,
		       const struct vm_ld_resolver *resolver, const struct log_sink *log)
{
	const struct bpf_insn *in = &prog->insns[i];

	switch (in->src_reg) {
	case 0:
		out->imm = (uint32_t)in->imm | (uint64_t)(uint32_t)prog->insns[i + 1].imm << 32;
		return 0;
	case BPF_PSEUDO_FUNC: {
		int64_t t = (int64_t)i + 1 + in->imm;
		if (t < 0 || t >= (int64_t)prog->cnt ||
		    (t > 0 && prog->insns[t - 1].code == (BPF_LD | BPF_IMM | BPF_DW))) {
			log_msg(log, BPFX_LOG_ERROR, "insn %zu: function reference to %lld "
				"is not an instruction of the program", i, (long long)t);
			return -EINVAL;
		}
		out->imm = VM_FUNC_TAG | (uint64_t)t;
		return 0;
	}
	default: {
		if (!resolver) {
			log_msg(log, BPFX_LOG_ERROR, "insn %zu: lddw with pseudo source %u refers "
				"to a map or BTF object, which a raw program cannot", i,
				in->src_reg);
			return -EOPNOTSUPP;
		}
		struct vm_mem_owner owner = { 0 };
		int err = resolver->resolve(resolver->ctx, in, i, &out->imm, &owner);
		return err ? err : add_owner(prog, &owner);
	}
	}
}

bool vm_prog_owns(const struct bpfx_prog *prog, const void *ptr)
{
	for (size_t i = 0; i < prog->owner_cnt; i++)
		if (prog->owners[i].owner == ptr)
			return true;
	return false;
}

static int predecode(struct bpfx_prog *prog, const struct vm_ld_resolver *resolver,
		     const struct log_sink *log)
{
	prog->code = mem_array(prog->cnt, sizeof(*prog->code));
	if (!prog->code)
		return -ENOMEM;

	for (size_t i = 0; i < prog->cnt; i += isa_slots(&prog->insns[i])) {
		const struct bpf_insn *in = &prog->insns[i];
		struct vm_insn *out = &prog->code[i];
		int op = isa_decode(in); /* valid: isa_check passed */
		int err;

		out->op = (uint16_t)op;
		out->dst = in->dst_reg;
		out->src = in->src_reg;
		out->off = in->off;
		out->imm = (uint64_t)(int64_t)in->imm;

		switch (isa_table[op].shape) {
		case SH_JA: case SH_JA32: case SH_JMP_K: case SH_JMP_X: case SH_MAY_GOTO:
			out->off = (int32_t)(isa_branch_target(in, op, i) - (int64_t)i);
			break;
		}
		switch (op) {
		case ISA_OP_CALL_LOCAL:
			out->off = (int32_t)(isa_branch_target(in, op, i) - (int64_t)i);
			break;
		case ISA_OP_CALL_HELPER: {
			const struct bpfx_helper *h = vm_find_helper(prog, (uint32_t)in->imm);
			if (!h && (uint32_t)in->imm == VM_CORE_POISON) {
				out->imm = (uintptr_t)core_poisoned;
				break;
			}
			/* callbacks, tail calls and spin locks (released by the
			 * interpreter when a checked run ends holding one) run
			 * only in the interpreter for now */
			prog->interp_only |= in->imm == BPF_FUNC_tail_call ||
					     in->imm == BPF_FUNC_spin_lock ||
					     in->imm == BPF_FUNC_loop ||
					     in->imm == BPF_FUNC_for_each_map_elem ||
					     in->imm == BPF_FUNC_timer_set_callback ||
					     in->imm == BPF_FUNC_find_vma;
			if (!h) {
				log_msg(log, BPFX_LOG_ERROR, "insn %zu: invalid func unknown#%d", i,
					in->imm);
				return -ENOENT;
			}
			out->imm = (uintptr_t)h->fn;
			break;
		}
		case ISA_OP_CALL_KFUNC:
			log_msg(log, BPFX_LOG_ERROR, "insn %zu: kfunc calls (BTF id %d) are not "
				"supported", i, in->imm);
			return -EOPNOTSUPP;
		case ISA_OP_LDDW:
			if ((err = decode_lddw(prog, i, out, resolver, log)))
				return err;
			prog->code[i + 1] = *out; /* never executed: jumps cannot land here */
			break;
		}
	}
	return 0;
}

struct bpfx_prog *bpfx_prog__new(const struct bpf_insn *insns, size_t cnt,
				 const struct bpfx_prog_opts *opts, int *err)
{
	return vm_prog_build(insns, cnt, opts, NULL, err);
}

struct bpfx_prog *vm_prog_build(const struct bpf_insn *insns, size_t cnt,
				const struct bpfx_prog_opts *opts,
				const struct vm_ld_resolver *resolver, int *err)
{
	struct bpfx_prog_opts o;
	struct bpfx_isa_diag diag;
	struct log_sink log;
	struct bpfx_prog *prog = NULL;
	int e;

	if ((e = opts_copy(&o, sizeof(o), opts)))
		goto fail;
	log = (struct log_sink){ o.log, o.log_ctx };
	if (!insns && cnt) {
		e = -EINVAL;
		goto fail;
	}
	if ((e = isa_check(insns, cnt, &diag))) {
		log_msg(&log, BPFX_LOG_ERROR, "insn %d: %s", diag.insn, diag.msg);
		goto fail;
	}
	e = -ENOMEM;
	if (!(prog = mem_zalloc(sizeof(*prog))))
		goto fail;
	if (!(prog->insns = mem_array(cnt, sizeof(*insns))))
		goto fail;
	memcpy(prog->insns, insns, cnt * sizeof(*insns));
	prog->cnt = cnt;
	if ((e = bind_helpers(prog, &o, &log)) || (e = predecode(prog, resolver, &log)))
		goto fail;
	return prog;
fail:
	bpfx_prog__free(prog);
	if (err)
		*err = e;
	return NULL;
}

void bpfx_prog__free(struct bpfx_prog *prog)
{
	if (!prog)
		return;
	helper_timers_forget(NULL, prog); /* no callback of it may run any more */
	jit_prog_free(prog);
	mem_free(prog->code);
	mem_free(prog->helpers);
	mem_free(prog->owners);
	mem_free(prog->insns);
	mem_free(prog);
}

size_t bpfx_prog__insn_cnt(const struct bpfx_prog *prog)
{
	return prog ? prog->cnt : 0;
}

const struct bpf_insn *bpfx_prog__insns(const struct bpfx_prog *prog)
{
	return prog ? prog->insns : NULL;
}

const char *bpfx_version(void)
{
	return BPFX_VERSION; /* from the Makefile's VERSION */
}
