/* SPDX-License-Identifier: MIT */
/*
 * The JIT's machine-independent half: a growable code buffer, labels whose
 * positions converge over passes, executable memory (W^X) and the run
 * entry. A backend (x86_64/ today) lowers a pre-decoded program into the
 * buffer in one pass; jit.c repeats passes until every label stays where
 * it was, then copies the bytes into memory that is first writable and
 * then read+execute, never both.
 *
 * The compiled code is entered as a C function (jit_entry_fn) on the
 * caller's thread and leaves either by returning r0 or through the
 * backend's fault exit, which records in run->jit what stopped it.
 */
#ifndef BPFX_JIT_JIT_H
#define BPFX_JIT_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/vm.h"

/* Bytes being emitted in one pass. Emission never fails midway: an
 * allocation failure sets err and later writes go to `scratch`. */
struct jit_buf {
	uint8_t *p;
	size_t len, cap;
	int err;
	uint8_t scratch[32];
};

void jit_buf_put(struct jit_buf *b, const void *data, size_t n);
/* Slow path of jit_room: grows the buffer (n <= 32). */
uint8_t *jit_buf_reserve(struct jit_buf *b, size_t n);

/* Where the next n (<= 32) bytes go; jit_commit(b, end) keeps what was
 * written up to end. */
static inline uint8_t *jit_room(struct jit_buf *b, size_t n)
{
	if (__builtin_expect(b->len + n <= b->cap && !b->err, 1))
		return b->p + b->len;
	return jit_buf_reserve(b, n);
}

static inline void jit_commit(struct jit_buf *b, const uint8_t *end)
{
	if (!b->err)
		b->len = (size_t)(end - b->p);
}

static inline void jit_put8(struct jit_buf *b, uint8_t v)
{
	uint8_t *q = jit_room(b, 1);
	*q++ = v;
	jit_commit(b, q);
}

static inline void jit_put32(struct jit_buf *b, uint32_t v)
{
	uint8_t *q = jit_room(b, 4);
	__builtin_memcpy(q, &v, 4);
	jit_commit(b, q + 4);
}

static inline void jit_put64(struct jit_buf *b, uint64_t v)
{
	uint8_t *q = jit_room(b, 8);
	__builtin_memcpy(q, &v, 8);
	jit_commit(b, q + 8);
}

/* How a run left the compiled code (stored in run->jit.kind by the fault
 * exit; 0 for a normal exit). The low byte is the kind; memory faults add
 * the access size << 8 and write << 16. */
enum jit_exit_kind {
	JIT_EXIT_OK = 0,
	JIT_EXIT_BUDGET,     /* -ELOOP: the checked run's instruction budget is spent */
	JIT_EXIT_DEEP,       /* -EFAULT: a call would need a ninth frame */
	JIT_EXIT_BAD_CALLX,  /* -EINVAL: callx to a function index outside the program */
	JIT_EXIT_MEM,        /* -EFAULT: checked access outside all allowed memory */
	JIT_EXIT_MISALIGNED, /* -EFAULT: checked atomic on a misaligned address */
	JIT_EXIT_HELPER,     /* a helper set run->action (stop or fault) */
	JIT_EXIT_PKT,        /* LD_ABS/LD_IND outside the packet: r0 = 0, no error */
};

/* One compilation: the program, the mode, this pass's buffer and the
 * label positions of this pass and the previous one. Labels 0..cnt are
 * the instruction slots (cnt: the end); a backend adds its own after
 * those with jit_label_new, in the same order every pass. */
struct jit_ctx {
	const struct bpfx_prog *prog;
	bool checked;            /* emit checked-mode code (bounds, budget) */
	bool all_long;           /* last resort for convergence: no short jumps */
	bool settled;            /* set by the backend: another pass would emit the same */
	struct jit_buf buf;
	uint32_t *pos;           /* this pass: position, or JIT_NOWHERE */
	uint32_t *prev;          /* previous pass's positions; NULL in the first */
	size_t label_cnt, label_cap, prev_cnt, prev_cap;
	unsigned pass;           /* 1, 2, ... */
	unsigned features;       /* the backend's CPU features, found in pass 1 */
	size_t text_len;         /* set by the backend: where data (tables) begins */
};

#define JIT_NOWHERE UINT32_MAX

uint32_t jit_label_new(struct jit_ctx *c);

static inline void jit_label_place(struct jit_ctx *c, uint32_t label)
{
	if (label < c->label_cnt)
		c->pos[label] = (uint32_t)c->buf.len;
}

/* Best known position: this pass's if placed already, else the previous
 * pass's; JIT_NOWHERE in the first pass before placement. */
uint32_t jit_label_pos(const struct jit_ctx *c, uint32_t label);
/* The previous pass's position, or JIT_NOWHERE (first pass). */
static inline uint32_t jit_label_prev(const struct jit_ctx *c, uint32_t label)
{
	return c->prev && label < c->prev_cnt ? c->prev[label] : JIT_NOWHERE;
}

/* A backend: one pass of lowering into c->buf. The code must start with
 * the entry (a jit_entry_fn) at offset 0. */
struct jit_backend {
	const char *name;
	int (*emit_pass)(struct jit_ctx *c);
};

extern const struct jit_backend jit_backend_x86_64;

/* Entry of compiled code: run = the run context (kept in a callee-saved
 * register for the whole run), fp = the top of the eBPF stack area,
 * budget = checked runs' instruction budget. Returns r0 (normal exit). */
typedef uint64_t (*jit_entry_fn)(struct bpfx_run_ctx *run, uint64_t r1, uint64_t r2,
				 uint64_t fp, uint64_t budget);

/* Executable code of one program in one mode; freed with the program. */
struct jit_image {
	void *mem;               /* mmap'ed, read+execute */
	size_t map_size;
	size_t code_size;        /* bytes of code and tables */
	size_t text_size;        /* of which instructions (the tables follow) */
	unsigned passes;
	uint64_t compile_ns;
};

/* Is there a backend for this machine? */
static inline bool jit_available(void)
{
#if defined(__x86_64__)
	return true;
#else
	return false;
#endif
}

/* Compiles prog (checked: for unverified runs). Returns the image or NULL
 * with *err: -EOPNOTSUPP no backend, -ENOMEM, -E2BIG code too large. */
struct jit_image *jit_compile(const struct bpfx_prog *prog, bool checked, int *err);
void jit_image_free(struct jit_image *img);

/* The program's image for the mode, compiled on first use (thread-safe:
 * concurrent first runs may both compile; one image wins, the other is
 * freed). NULL with *err on failure. */
const struct jit_image *jit_prog_image(const struct bpfx_prog *prog, bool checked, int *err);

/* Runs an image of a program with a run context bpfx_prog__run prepared
 * (for the image's mode). Same results, errors and fault reports as
 * vm_run_trusted/checked. */
int jit_run(const struct jit_image *img, struct bpfx_run_ctx *run, uint64_t r1, uint64_t r2,
	    uint64_t budget, struct bpfx_run_result *res);

/* callx of a helper id from compiled code: the helper with id
 * run->jit.aux, or a fault like the interpreter's when there is none. */
uint64_t jit_callx_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct bpfx_run_ctx *run);

/* Frees both images of a program (bpfx_prog__free). */
void jit_prog_free(struct bpfx_prog *prog);

#endif /* BPFX_JIT_JIT_H */
