/* SPDX-License-Identifier: MIT */
/*
 * The verifier's internal interface: the abstract state of a program
 * (registers, stack, call frames), the environment of one verification,
 * and the entry points of each stage file. One verification runs on one
 * thread; everything here belongs to its struct vfy_env and is freed when
 * it ends. Privileged rules only (root / CAP_BPF, the kernel's defaults).
 */
#ifndef BPFX_VERIFIER_VFY_H
#define BPFX_VERIFIER_VFY_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpfx/bpfx.h>

#include "verifier/bounds.h"
#include "verifier/verifier.h"
#include "isa/isa.h"

static inline unsigned isa_size(uint8_t code) { return isa_mem_size(code); }

#define VFY_MAX_FRAMES 8
#define VFY_STACK_SIZE 512
#define VFY_SLOTS (VFY_STACK_SIZE / 8)
#define VFY_INSN_LIMIT 1000000
#define VFY_MAX_BRANCHES 8192          /* the kernel's BPF_COMPLEXITY_LIMIT_JMP_SEQ */
#define VFY_MAX_STATES 65536           /* bpfx's memory bound on checkpoints */
#define VFY_MAX_STATES_PER_INSN 64     /* and on one instruction's list */

/* Register types (the kernel's enum bpf_reg_type, the ones bpfx tracks). */
enum vfy_type {
	NOT_INIT = 0,
	SCALAR_VALUE,
	PTR_TO_CTX,
	CONST_PTR_TO_MAP,
	PTR_TO_MAP_VALUE,
	PTR_TO_MAP_KEY,
	PTR_TO_STACK,
	PTR_TO_PACKET_META,
	PTR_TO_PACKET,
	PTR_TO_PACKET_END,
	PTR_TO_MEM,
	PTR_TO_FUNC,
};
#define VFY_MAYBE_NULL 0x100u
#define BASE_TYPE(t) ((t) & 0xffu)

struct vfy_reg {
	uint16_t type;          /* enum vfy_type | VFY_MAYBE_NULL */
	uint8_t frameno;        /* PTR_TO_STACK: whose frame */
	int32_t off;            /* pointers: the fixed offset */
	struct bounds b;        /* scalars: the value; pointers: the variable offset */
	uint32_t id;            /* nullable pointers: the null check's id; packets: the base */
	int32_t map;            /* map pointers and values: index in env->in->maps */
	int32_t range;          /* packets: bytes proven readable from the base; mem: size */
};

enum vfy_slot_kind { STACK_INVALID = 0, STACK_MISC, STACK_ZERO, STACK_SPILL };

struct vfy_slot {
	uint8_t kind[8];        /* per byte, kind[7] is the byte at the slot's lowest address */
	struct vfy_reg spill;   /* STACK_SPILL: the spilled register */
};

struct vfy_frame {
	struct vfy_reg regs[11];
	int callsite;           /* the call instruction (-1 in the main program) */
	int subprog;
	int nslots;             /* slots allocated (from fp-8 down) */
	struct vfy_slot *stack; /* owned */
};

struct vfy_ckpt;

struct vfy_state {
	struct vfy_frame *frames[VFY_MAX_FRAMES]; /* owned, 0..curframe */
	int curframe;
	struct vfy_ckpt *parent;  /* the last checkpoint on this path */
	uint32_t may_goto_depth;  /* may_goto loop iterations on this path */
};

/* A state kept at a prune point, to cut paths that reach it again. */
struct vfy_ckpt {
	struct vfy_state st;
	struct vfy_ckpt *next;    /* same instruction */
	uint32_t branches;        /* paths from it still being explored */
	uint32_t hit, miss;       /* paths it pruned / did not */
	int insn;
};

struct vfy_subprog {
	int start;
	int stack_depth;          /* deepest byte used, from the exploration */
};

struct vfy_branch {               /* a path waiting to be explored */
	struct vfy_state st;
	int insn, prev;
	size_t log_pos;
};

struct vfy_log {
	char *buf;                /* the whole log (owned); rewound at level 1 */
	size_t len, cap;
	uint32_t level;
	bool full;                /* the internal cap was reached */
};

struct vfy_env {
	const struct bpf_insn *insns;
	int cnt;
	const struct vfy_input *in;
	struct vfy_log log;
	uint8_t *flags;           /* per insn: VFY_F_* */
	struct vfy_subprog sub[256];
	int nsub;
	struct vfy_ckpt **ckpts;  /* per insn: list of kept states */
	struct vfy_ckpt *dropped; /* states taken off their list (still owned) */
	struct vfy_branch *stack; /* pending paths */
	int nstack, capstack;
	struct vfy_state cur;
	int insn, prev_insn;
	uint32_t id_gen;
	/* statistics for the closing line */
	uint64_t processed, prev_processed;
	uint64_t jmps, prev_jmps;         /* jumps processed (checkpoint spacing) */
	uint32_t total_states, peak_states, cur_states, max_states_per_insn;
	bool branch_print;        /* print the state before the next insn (level 1) */
};

#define VFY_F_PRUNE 1             /* a prune point: keep a checkpoint here */
#define VFY_F_SEEN 2
#define VFY_F_SUBSTART 4
#define VFY_F_MAY_GOTO 8          /* a may_goto: always keep a checkpoint */

/* log.c */
void vfy_log(struct vfy_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vfy_log_insn(struct vfy_env *env, int idx);
void vfy_log_state(struct vfy_env *env, const struct vfy_state *st, bool all, uint32_t regs_mask);
const char *vfy_type_str(uint32_t type);
int vfy_log_finish(struct vfy_env *env, int err);

/* cfg.c: structure, subprograms, reachability, and (after exploration)
 * the call-chain stack limits. */
int vfy_cfg(struct vfy_env *env);
int vfy_check_stack_depth(struct vfy_env *env);
int vfy_subprog_of(const struct vfy_env *env, int insn);

/* state.c */
void vfy_reg_scalar(struct vfy_reg *r, struct bounds b);
void vfy_reg_unknown(struct vfy_reg *r);
void vfy_reg_const(struct vfy_reg *r, uint64_t v);
void vfy_reg_not_init(struct vfy_reg *r);
struct vfy_frame *vfy_frame_new(int callsite, int subprog);
int vfy_state_copy(struct vfy_state *dst, const struct vfy_state *src);
void vfy_state_free(struct vfy_state *st);
void vfy_frame_free(struct vfy_frame *f);
int vfy_stack_grow(struct vfy_frame *f, int nslots);
static inline struct vfy_frame *vfy_cur(struct vfy_env *env)
{
	return env->cur.frames[env->cur.curframe];
}
static inline struct vfy_reg *vfy_regs(struct vfy_env *env)
{
	return vfy_cur(env)->regs;
}
int vfy_check_reg_init(struct vfy_env *env, int regno);

/* check_alu.c */
int vfy_check_alu(struct vfy_env *env, const struct bpf_insn *insn);
int vfy_check_ld_imm(struct vfy_env *env, const struct bpf_insn *insn);

/* check_mem.c */
int vfy_check_mem(struct vfy_env *env, const struct bpf_insn *insn);
/* [reg + off, + size) readable (write: writable) by a helper. */
int vfy_check_helper_mem(struct vfy_env *env, int regno, int32_t size_max, bool write,
			 bool zero_ok);
int vfy_check_ld_abs(struct vfy_env *env, const struct bpf_insn *insn);

/* check_call.c */
int vfy_check_helper_call(struct vfy_env *env, const struct bpf_insn *insn);
int vfy_check_local_call(struct vfy_env *env, const struct bpf_insn *insn, int *next);
int vfy_check_exit(struct vfy_env *env, int *next);

/* check_jmp.c: conditional jumps (refinement, null checks, packet ranges). */
int vfy_check_cond_jmp(struct vfy_env *env, const struct bpf_insn *insn, int *next);
int vfy_push_branch(struct vfy_env *env, int insn, const struct vfy_state *st);
/* may_goto: the exit side now, the loop side queued one level deeper. */
int vfy_check_may_goto(struct vfy_env *env, const struct bpf_insn *insn, int *next);

/* prune.c */
int vfy_prune(struct vfy_env *env, int insn, bool *pruned);
void vfy_path_done(struct vfy_env *env);
void vfy_prune_free(struct vfy_env *env);

/* explore.c */
int vfy_explore(struct vfy_env *env);

#endif
