/* SPDX-License-Identifier: MIT */
/*
 * The JIT driver (see jit.h): passes until the labels settle, W^X memory,
 * one image per program and mode made on first use, and the run entry
 * that turns the compiled code's exits into the interpreter's results.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "jit/jit.h"
#include "util/alloc.h"

#define JIT_MAX_PASSES 20
#define JIT_SHORT_PASSES 10   /* then every jump long: sizes stop moving */

static int grow(struct jit_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *p = mem_realloc(b->p, cap);
	if (!p)
		return b->err = -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

uint8_t *jit_buf_reserve(struct jit_buf *b, size_t n)
{
	if (!b->err && b->len + n > b->cap)
		grow(b, n);
	return b->err ? b->scratch : b->p + b->len;
}

void jit_buf_put(struct jit_buf *b, const void *data, size_t n)
{
	if (b->err || (b->len + n > b->cap && grow(b, n)))
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

uint32_t jit_label_new(struct jit_ctx *c)
{
	if (c->label_cnt == c->label_cap) {
		size_t cap = c->label_cap ? 2 * c->label_cap : 256;
		uint32_t *p = mem_realloc(c->pos, cap * sizeof(*p));
		if (!p) {
			c->buf.err = -ENOMEM;
			return 0; /* the pass fails; any label will do meanwhile */
		}
		c->pos = p;
		c->label_cap = cap;
	}
	c->pos[c->label_cnt] = JIT_NOWHERE;
	return (uint32_t)c->label_cnt++;
}

uint32_t jit_label_pos(const struct jit_ctx *c, uint32_t label)
{
	if (label < c->label_cnt && c->pos[label] != JIT_NOWHERE)
		return c->pos[label];
	if (c->prev && label < c->prev_cnt)
		return c->prev[label];
	return JIT_NOWHERE;
}

/* Compile time is the compiling thread's CPU time: on a loaded machine
 * wall time would mostly measure the other processes. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One pass: labels 0..cnt are the instruction slots, unplaced. */
static int run_pass(struct jit_ctx *c, const struct jit_backend *be)
{
	c->buf.len = 0;
	c->buf.err = 0;
	c->settled = false;
	c->label_cnt = 0;
	if (c->label_cap < c->prog->cnt + 1) {
		size_t cap = c->prog->cnt + 64;
		uint32_t *p = mem_realloc(c->pos, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->pos = p;
		c->label_cap = cap;
	}
	memset(c->pos, 0xff, (c->prog->cnt + 1) * sizeof(*c->pos)); /* JIT_NOWHERE */
	c->label_cnt = c->prog->cnt + 1;
	return be->emit_pass(c);
}

static bool settled(const struct jit_ctx *c)
{
	return c->prev && c->prev_cnt == c->label_cnt &&
	       !memcmp(c->prev, c->pos, c->label_cnt * sizeof(*c->pos));
}

/* Copies the code into fresh pages, then makes them read+execute. */
static int map_code(struct jit_image *img, const struct jit_buf *b)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = (b->len + page - 1) / page * page;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return -ENOMEM;
	memcpy(mem, b->p, b->len);
	if (mprotect(mem, size, PROT_READ | PROT_EXEC)) {
		int e = -errno;
		munmap(mem, size);
		return e;
	}
	img->mem = mem;
	img->map_size = size;
	img->code_size = b->len;
	return 0;
}

struct jit_image *jit_compile(const struct bpfx_prog *prog, bool checked, int *err)
{
	const struct jit_backend *be = &jit_backend_x86_64;
	struct jit_ctx c = { .prog = prog, .checked = checked };
	struct jit_image *img = NULL;
	uint64_t t0 = now_ns();
	unsigned pass;
	int e = -EOPNOTSUPP;

	if (!jit_available())
		goto out;
	e = -E2BIG;
	if (prog->cnt >= (1u << 24))
		goto out;
	e = -ENOMEM;
	/* room for typical code at once: growing is the slow path */
	if (!(c.buf.p = mem_alloc(c.buf.cap = 16 * prog->cnt + 4096)))
		goto out;
	for (pass = 1;; pass++) {
		c.pass = pass;
		if ((e = run_pass(&c, be)))
			goto out;
		if (c.settled || settled(&c))
			break;
		e = -EFAULT; /* sizes that never settle are a backend bug */
		if (pass == JIT_MAX_PASSES)
			goto out;
		c.all_long |= pass >= JIT_SHORT_PASSES;
		/* this pass's positions become the previous ones; the old
		 * array is reused for the next pass */
		uint32_t *old = c.prev;
		size_t old_cap = c.prev_cap;
		c.prev = c.pos;
		c.prev_cnt = c.label_cnt;
		c.prev_cap = c.label_cap;
		c.pos = old;
		c.label_cap = old_cap;
	}
	e = -E2BIG;
	if (c.buf.len > UINT32_MAX)
		goto out;
	e = -ENOMEM;
	if (!(img = mem_zalloc(sizeof(*img))))
		goto out;
	if ((e = map_code(img, &c.buf))) {
		mem_free(img);
		img = NULL;
		goto out;
	}
	img->passes = pass;
	img->text_size = c.text_len ? c.text_len : c.buf.len;
	img->compile_ns = now_ns() - t0;
out:
	mem_free(c.buf.p);
	mem_free(c.pos);
	mem_free(c.prev);
	if (!img && err)
		*err = e;
	return img;
}

void jit_image_free(struct jit_image *img)
{
	if (!img)
		return;
	munmap(img->mem, img->map_size);
	mem_free(img);
}

const struct jit_image *jit_prog_image(const struct bpfx_prog *prog, bool checked, int *err)
{
	/* The program is immutable for its users; its image slots are the
	 * one thing set after building, once, atomically. */
	struct jit_image **slot = (struct jit_image **)&prog->jit[checked];
	struct jit_image *img = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	struct jit_image *none = NULL;

	if (img)
		return img;
	if (!(img = jit_compile(prog, checked, err)))
		return NULL;
	if (!__atomic_compare_exchange_n(slot, &none, img, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		jit_image_free(img);
		return none; /* another thread's image won */
	}
	return img;
}

void jit_prog_free(struct bpfx_prog *prog)
{
	jit_image_free(prog->jit[0]);
	jit_image_free(prog->jit[1]);
	prog->jit[0] = prog->jit[1] = NULL;
}

uint64_t jit_callx_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct bpfx_run_ctx *run)
{
	const struct bpfx_helper *h = vm_find_helper(run->prog, run->jit.aux);

	if (!h) {
		bpfx_run_ctx__fault(run, -EINVAL, "callx to 0x%llx: no such helper or function",
				    (unsigned long long)run->jit.aux);
		return 0;
	}
	return h->fn(r1, r2, r3, r4, r5, run);
}

static int fault(struct bpfx_run_result *res, uint32_t idx, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fault(struct bpfx_run_result *res, uint32_t idx, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	res->fault_insn = (int)idx;
	vsnprintf(res->fault_msg, sizeof(res->fault_msg), fmt, ap);
	va_end(ap);
	return err;
}

/* The interpreter's results and messages for each way out of the code
 * (interp_loop.h's "ways out"). */
static int exit_result(const struct bpfx_run_ctx *run, uint64_t r0, uint64_t budget,
		       struct bpfx_run_result *res)
{
	unsigned kind = run->jit.kind & 0xff, size = (run->jit.kind >> 8) & 0xff;
	unsigned long long aux = run->jit.aux;
	uint32_t idx = run->jit.idx;

	if (run->checked)
		res->insns = budget - (kind == JIT_EXIT_BUDGET ? 0 : run->jit.left);
	switch (kind) {
	case JIT_EXIT_OK:
		res->r0 = r0;
		return 0;
	case JIT_EXIT_PKT:
		res->r0 = 0;
		return 0;
	case JIT_EXIT_HELPER:
		if (run->action == VM_FAULT)
			return fault(res, idx, run->fault_err, "%s", run->fault_msg);
		res->r0 = run->stop_r0;
		return 0;
	case JIT_EXIT_BUDGET:
		return fault(res, idx, -ELOOP, "instruction budget of %llu exceeded (infinite loop?)",
			     (unsigned long long)budget);
	case JIT_EXIT_DEEP:
		return fault(res, idx, -EFAULT, "call stack deeper than %d frames", VM_MAX_FRAMES);
	case JIT_EXIT_BAD_CALLX:
		return fault(res, idx, -EINVAL, "callx to 0x%llx: no such helper or function", aux);
	case JIT_EXIT_MEM:
		return fault(res, idx, -EFAULT,
			     "invalid memory access: %s of %u bytes at 0x%llx is outside the "
			     "stack, context, packet and map values",
			     run->jit.kind >> 16 ? "write" : "read", size, aux);
	case JIT_EXIT_MISALIGNED:
		return fault(res, idx, -EFAULT, "misaligned atomic access at 0x%llx", aux);
	}
	return fault(res, idx, -EFAULT, "JIT: unknown exit %u", kind);
}

int jit_run(const struct jit_image *img, struct bpfx_run_ctx *run, uint64_t r1, uint64_t r2,
	    uint64_t budget, struct bpfx_run_result *res)
{
	uint8_t stack[VM_STACK_SIZE] __attribute__((aligned(16)));

	if (run->checked)
		memset(stack, 0, sizeof(stack)); /* as the checked interpreter */
	run->stack_lo = (uintptr_t)stack;
	run->jit.floor = run->stack_lo + VM_FRAME_SIZE;
	run->jit.kind = JIT_EXIT_OK;
	uint64_t r0 = ((jit_entry_fn)img->mem)(run, r1, r2, run->stack_lo + VM_STACK_SIZE, budget);
	return exit_result(run, r0, budget, res);
}

int bpfx_prog__jit(const struct bpfx_prog *prog, bool checked, struct bpfx_jit_info *info)
{
	int err = -EOPNOTSUPP;
	const struct jit_image *img;

	if (!prog || !info || info->sz < sizeof(*info))
		return -EINVAL;
	if (!(img = jit_prog_image(prog, checked, &err)))
		return err;
	info->code_size = img->code_size;
	info->text_size = img->text_size;
	info->code = img->mem;
	info->compile_ns = img->compile_ns;
	info->passes = img->passes;
	return 0;
}
