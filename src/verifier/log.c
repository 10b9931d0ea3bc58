/* SPDX-License-Identifier: MIT */
/*
 * The verifier's log in the kernel's format: instruction lines
 * "0: (b7) r0 = 0", register state "R1=ctx() R10=fp0", the error line, and
 * the closing statistics. The whole log is built in memory; at level 1 a
 * path that ends well is cut from it again (vfy_branch.log_pos), as the
 * kernel does, so a rejection's log shows the failing path. At the end it
 * goes to the caller's buffer: its tail (the kernel's default rotating
 * log) or its head (BPF_LOG_FIXED), -ENOSPC when it did not fit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "verifier/vfy.h"

#define LOG_CAP (64u << 20)  /* bpfx's bound on the in-memory log */
#define BPF_LOG_FIXED 8

static void log_vadd(struct vfy_log *l, const char *fmt, va_list ap)
{
	char small[512];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0 || l->full) {
		va_end(ap2);
		return;
	}
	if (l->len + (size_t)n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;
		while (cap < l->len + (size_t)n + 1)
			cap *= 2;
		char *b = cap <= LOG_CAP ? mem_realloc(l->buf, cap) : NULL;
		if (!b) {
			l->full = true;
			va_end(ap2);
			return;
		}
		l->buf = b, l->cap = cap;
	}
	if ((size_t)n < sizeof(small))
		memcpy(l->buf + l->len, small, (size_t)n + 1);
	else
		vsnprintf(l->buf + l->len, (size_t)n + 1, fmt, ap2);
	l->len += (size_t)n;
	va_end(ap2);
}

void vfy_log(struct vfy_env *env, const char *fmt, ...)
{
	if (!env->log.level)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vadd(&env->log, fmt, ap);
	va_end(ap);
}

const char *vfy_type_str(uint32_t type)
{
	static const char *const names[] = {
		[NOT_INIT] = "?", [SCALAR_VALUE] = "scalar", [PTR_TO_CTX] = "ctx",
		[CONST_PTR_TO_MAP] = "map_ptr", [PTR_TO_MAP_VALUE] = "map_value",
		[PTR_TO_MAP_KEY] = "map_key", [PTR_TO_STACK] = "fp", [PTR_TO_PACKET_META] = "pkt_meta",
		[PTR_TO_PACKET] = "pkt", [PTR_TO_PACKET_END] = "pkt_end", [PTR_TO_MEM] = "mem",
		[PTR_TO_FUNC] = "func",
	};
	static const char *const null_names[] = {
		[PTR_TO_MAP_VALUE] = "map_value_or_null", [PTR_TO_MEM] = "mem_or_null",
	};
	uint32_t b = BASE_TYPE(type);
	if (b > PTR_TO_FUNC)
		return "?";
	if ((type & VFY_MAYBE_NULL) && null_names[b])
		return null_names[b];
	return names[b];
}

/* A number like the kernel's log: small magnitudes in decimal, else hex. */
static void log_num(struct vfy_env *env, const char *name, uint64_t v, bool sign)
{
	if (sign && (int64_t)v < 0 && (int64_t)v > -1000000)
		vfy_log(env, "%s%" PRId64, name, (int64_t)v);
	else if (v < 1000000)
		vfy_log(env, "%s%" PRIu64, name, v);
	else
		vfy_log(env, "%s%#" PRIx64, name, v);
}

static void log_scalar(struct vfy_env *env, const struct vfy_reg *r)
{
	const struct bounds *b = &r->b;
	if (bounds_is_const(b)) {
		log_num(env, "", b->var_off.value, true);
		return;
	}
	const char *sep = "";
	vfy_log(env, "scalar(");
#define FIELD(cond, name, v, s)                     \
	do {                                         \
		if (cond) {                          \
			vfy_log(env, "%s", sep);     \
			log_num(env, name, (uint64_t)(v), s); \
			sep = ",";                   \
		}                                    \
	} while (0)
	FIELD(b->smin != INT64_MIN, "smin=", b->smin, true);
	FIELD(b->smax != INT64_MAX, "smax=", b->smax, true);
	FIELD(b->umin != 0, "umin=", b->umin, false);
	FIELD(b->umax != UINT64_MAX, "umax=", b->umax, false);
	FIELD(b->s32_min != INT32_MIN && b->s32_min != b->smin, "smin32=", (int64_t)b->s32_min, true);
	FIELD(b->s32_max != INT32_MAX && b->s32_max != b->smax, "smax32=", (int64_t)b->s32_max, true);
	FIELD(b->u32_min != 0 && b->u32_min != b->umin, "umin32=", b->u32_min, false);
	FIELD(b->u32_max != UINT32_MAX && b->u32_max != b->umax, "umax32=", b->u32_max, false);
#undef FIELD
	if (!tnum_is_unknown(b->var_off))
		vfy_log(env, "%svar_off=(0x%" PRIx64 "; 0x%" PRIx64 ")", sep, b->var_off.value,
			b->var_off.mask);
	vfy_log(env, ")");
}

static void log_reg(struct vfy_env *env, const struct vfy_reg *r)
{
	uint32_t t = BASE_TYPE(r->type);
	if (t == SCALAR_VALUE) {
		log_scalar(env, r);
		return;
	}
	if (t == PTR_TO_STACK && bounds_is_const(&r->b)) {
		vfy_log(env, "fp%d", r->off + (int32_t)r->b.var_off.value);
		return;
	}
	vfy_log(env, "%s(", vfy_type_str(r->type));
	const char *sep = "";
	if (r->id)
		vfy_log(env, "id=%u", r->id), sep = ",";
	if (r->map >= 0 && (t == PTR_TO_MAP_VALUE || t == CONST_PTR_TO_MAP)) {
		const struct vfy_map *m = &env->in->maps[r->map];
		vfy_log(env, "%smap=%s,ks=%u,vs=%u", sep, m->name ? m->name : "", m->key_size,
			m->value_size);
		sep = ",";
	}
	if (r->off)
		vfy_log(env, "%soff=%d", sep, r->off), sep = ",";
	if (t == PTR_TO_PACKET || t == PTR_TO_PACKET_META)
		vfy_log(env, "%sr=%d", sep, r->range), sep = ",";
	if (!bounds_is_const(&r->b) || r->b.var_off.value) {
		vfy_log(env, "%s", sep);
		log_scalar(env, r);
	}
	vfy_log(env, ")");
}

static void log_slot(struct vfy_env *env, const struct vfy_slot *s, int off)
{
	static const char kc[] = { '?', 'm', '0', 'r' };
	if (s->kind[0] == STACK_SPILL && s->kind[7] == STACK_SPILL) {
		vfy_log(env, " fp%d=", off);
		log_reg(env, &s->spill);
		return;
	}
	char k[9];
	for (int i = 0; i < 8; i++)
		k[i] = kc[s->kind[i] & 3];
	k[8] = '\0';
	vfy_log(env, " fp%d=%s", off, k);
}

void vfy_log_state(struct vfy_env *env, const struct vfy_state *st, bool all, uint32_t mask)
{
	const struct vfy_frame *f = st->frames[st->curframe];
	if (st->curframe)
		vfy_log(env, " frame%d:", st->curframe);

	for (int i = 0; i <= 10; i++) {
		if (f->regs[i].type == NOT_INIT || (!all && !(mask & (1u << i))))
			continue;
		vfy_log(env, " R%d=", i);

		log_reg(env, &f->regs[i]);
	}
	if (!all)
		return;
	for (int s = 0; s < f->nslots; s++) {
		const struct vfy_slot *sl = &f->stack[s];
		bool any = false;
		for (int i = 0; i < 8; i++)
			any |= sl->kind[i] != STACK_INVALID;
		if (any)
			log_slot(env, sl, -8 * (s + 1));
	}
}

void vfy_log_insn(struct vfy_env *env, int idx)
{
	char text[160];
	bpfx_disasm_insn(env->insns, (size_t)env->cnt, (size_t)idx, BPFX_SYNTAX_BPFTOOL, text,
			 sizeof(text));
	vfy_log(env, "%d: (%02x) %s", idx, env->insns[idx].code, text);
}

/* Copies the log to the caller's buffer. Returns err, or -ENOSPC when
 * the log did not fit, whatever the verdict (the kernel's rule). */
int vfy_log_finish(struct vfy_env *env, int err)
{
	const struct vfy_input *in = env->in;
	struct vfy_log *l = &env->log;
	if (!in->log_buf || !in->log_size || !in->log_level)
		return err;
	size_t room = in->log_size - 1, n = l->len < room ? l->len : room;
	if (!l->buf)
		n = 0;
	const char *src = l->buf ? l->buf : "";
	if (l->len > room && !(in->log_level & BPF_LOG_FIXED))
		src += l->len - room;  /* rotating: keep the end */
	memcpy(in->log_buf, src, n);
	in->log_buf[n] = '\0';
	if (l->len > room || l->full)
		return -ENOSPC;
	return err;
}
