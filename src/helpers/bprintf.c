/* SPDX-License-Identifier: MIT */
/*
 * The printf-like helpers' format engine: a checking pass that follows
 * the kernel's bpf_bprintf_prepare (what it accepts, in which order it
 * fails, what it copies into its 512-byte argument buffer), then a
 * formatting pass that prints each conversion as the kernel's
 * bstr_printf does. Runs on the program's thread, keeps no state.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers/bprintf.h"
#include "vm/vm.h"

/* CONV_RAW: a string the kernel pre-formats into its argument buffer
 * (%pks, %pus, %pI4..., %pB) and prints without width or flags. */
enum conv_kind { CONV_INT, CONV_PTR, CONV_STR, CONV_CHAR, CONV_RAW };

/* The kernel's <linux/ctype.h>, whose table is Latin-1: 0xa0 is a space,
 * 0xa1-0xbf, 0xd7 and 0xf7 are punctuation. */
static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static bool k_ispunct(unsigned char c)
{
	if (c < 0x80)
		return ispunct(c);
	return (c >= 0xa1 && c <= 0xbf) || c == 0xd7 || c == 0xf7;
}

/* What a format may hold: printable ASCII and blanks; this kernel (6.18)
 * lets every non-ASCII byte through (older ones refused them). */
static bool fmt_char_ok(unsigned char c)
{
	return c >= 0x80 || isprint(c) || k_isspace(c);
}

/* One conversion of the format, as the checking pass found it. */
struct conv {
	uint32_t start, end;       /* fmt[start..end): '%' to the last char */
	char flags[8];             /* of "0+- ", in order, at most 7 kept */
	int width;                 /* 0: none */
	enum conv_kind kind;
	char letter;               /* d i u x X; p forms: x (hex), s (symbol) */
	bool is64;
	uint64_t val;              /* integers, chars, pointers */
	uint32_t str;              /* strings: offset in the argument buffer */
};

struct prepared {
	struct conv conv[BPRINTF_MAX_ARGS];
	uint32_t n;
	char bin[BPRINTF_BIN_ARGS];
	uint32_t used;             /* bytes of bin taken, as the kernel counts */
};

size_t bprintf_read(struct bpfx_run_ctx *run, uint64_t addr, void *dst, size_t len)
{
	if (run->checked) {
		size_t n = 0;
		while (n < len && bpfx_run_ctx__mem_ok(run, (const void *)(uintptr_t)(addr + n), 1,
						      false))
			n++;
		if (n)
			memcpy(dst, (const void *)(uintptr_t)addr, n);
		return n;
	}
	/* A read that cannot fault, like the kernel's *_nofault copies. */
	struct iovec local = { dst, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return got < 0 ? 0 : (size_t)got;
}

long bprintf_const_strlen(struct bpfx_run_ctx *run, uint64_t addr)
{
	if (!run->checked)
		return (long)strlen((const char *)(uintptr_t)addr);
	/* Addresses are integers until proven readable: a program may pass
	 * NULL or any value, and pointer arithmetic on those is undefined. */
	for (uint64_t n = 0;; n++) {
		const char *c = (const char *)(uintptr_t)(addr + n);
		if (!bpfx_run_ctx__mem_ok(run, c, 1, false))
			return -1;
		if (!*c)
			return (long)n;
	}
}

/* Is addr memory of the program (its stack, its maps' values), which the
 * kernel counts as kernel memory: %pus cannot read it there. */
static bool program_memory(const struct bpfx_run_ctx *run, uint64_t addr)
{
	const struct bpfx_prog *prog = run->prog;
	if (addr - run->stack_lo < VM_STACK_SIZE)
		return true;
	for (size_t i = 0; i < prog->owner_cnt; i++)
		if (prog->owners[i].contains(prog->owners[i].owner, addr, 1, false))
			return true;
	return false;
}

/* strncpy_from_*_nofault: the string at addr into dst (at most room
 * bytes, NUL included, cut short when longer); returns the bytes taken,
 * or 1 and an empty string when a read faults before the end. */
static uint32_t copy_string(struct bpfx_run_ctx *run, uint64_t addr, char *dst, uint32_t room)
{
	size_t got = bprintf_read(run, addr, dst, room);
	char *nul = memchr(dst, 0, got);
	if (nul)
		return (uint32_t)(nul - dst) + 1;
	if (got < room) {
		dst[0] = '\0';
		return 1;
	}
	dst[room - 1] = '\0';
	return room;
}

/* %pI4 %pi4 %pI6 %pi6, pre-formatted into the argument buffer like the
 * kernel does; an unreadable address prints as zeros. */
static void format_ip(struct bpfx_run_ctx *run, char kind, char fam, uint64_t addr, char *dst,
		      size_t room)
{
	uint8_t ip[16] = { 0 };
	size_t len = fam == '4' ? 4 : 16, n = 0;

	if (bprintf_read(run, addr, ip, len) != len)
		memset(ip, 0, sizeof(ip));
	if (fam == '4') {
		snprintf(dst, room, kind == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u", ip[0],
			 ip[1], ip[2], ip[3]);
		return;
	}
	for (size_t i = 0; i < 16 && n < room; i += 2)
		n += (size_t)snprintf(dst + n, room - n, kind == 'I' ? "%s%02x%02x" : "%s%02x%02x",
				      kind == 'I' && i ? ":" : "", ip[i], ip[i + 1]);
}

/* Takes `size` bytes of the argument buffer at `align`; false if full. */
static bool take(struct prepared *p, uint32_t size, uint32_t align)
{
	uint32_t at = (p->used + align - 1) & ~(align - 1);
	if (at > BPRINTF_BIN_ARGS || BPRINTF_BIN_ARGS - at < size)
		return false;
	p->used = at + size;
	return true;
}

/* "%pks", "%pus", "%s" (type 'k', 'u', 's'): the kernel wants the
 * conversion to end there. */
static int prepare_string(struct bpfx_run_ctx *run, const char *fmt, size_t i, char type,
			  uint64_t arg, struct prepared *p, struct conv *c)
{
	unsigned char next = (unsigned char)fmt[i + 1];
	if (next && !k_isspace(next) && !k_ispunct(next))
		return -EINVAL;
	if (p->used >= BPRINTF_BIN_ARGS)
		return -ENOSPC;
	c->kind = type == 's' ? CONV_STR : CONV_RAW;
	c->str = p->used;
	if (type == 'u' && program_memory(run, arg)) {
		p->bin[p->used++] = '\0'; /* a user read of kernel memory faults */
		return 0;
	}
	p->used += copy_string(run, arg, p->bin + p->used, BPRINTF_BIN_ARGS - p->used);
	return 0;
}

/* The 'p' forms at fmt[i] == 'p'. Leaves *ip on the conversion's last
 * character. */
static int prepare_pointer(struct bpfx_run_ctx *run, const char *fmt, size_t *ip, uint64_t arg,
			   struct prepared *p, struct conv *c)
{
	size_t i = *ip;
	char n1 = fmt[i + 1];

	if ((n1 == 'k' || n1 == 'u') && fmt[i + 2] == 's') {
		*ip = i + 2;
		return prepare_string(run, fmt, i + 2, n1, arg, p, c);
	}
	if (!n1 || k_isspace((unsigned char)n1) || k_ispunct((unsigned char)n1) || n1 == 'K' ||
	    n1 == 'x' || n1 == 's' || n1 == 'S') {
		/* Plain pointers: %p, %pK, %px as hex; %ps, %pS as a symbol,
		 * which user space has none of. A punctuation is not part of it. */
		bool takes_next = n1 == 'K' || n1 == 'x' || n1 == 's' || n1 == 'S';
		c->kind = CONV_PTR;
		c->letter = n1 == 's' || n1 == 'S' ? 's' : 'x';
		c->val = arg;
		*ip = takes_next ? i + 1 : i;
		return take(p, 8, 4) ? 0 : -ENOSPC;
	}
	char *dst = p->bin + p->used;
	size_t room = BPRINTF_BIN_ARGS - p->used;
	if (n1 == 'B') {
		c->kind = CONV_RAW;
		c->str = p->used;
		p->used += (uint32_t)snprintf(dst, room, "0x%llx", (unsigned long long)arg) + 1;
		if (p->used > BPRINTF_BIN_ARGS)
			p->used = BPRINTF_BIN_ARGS;
		*ip = i + 1;
		return 0;
	}
	if ((n1 != 'i' && n1 != 'I') || (fmt[i + 2] != '4' && fmt[i + 2] != '6'))
		return -EINVAL;
	*ip = i + 2;
	if (room < (fmt[i + 2] == '4' ? 4u : 16u))
		return -ENOSPC;
	c->kind = CONV_RAW;
	c->str = p->used;
	format_ip(run, n1, fmt[i + 2], arg, dst, room);
	p->used += (uint32_t)strlen(dst) + 1;
	return 0;
}

/* One conversion starting at fmt[*ip] == '%' (not "%%"); leaves *ip on
 * its last character. */
static int prepare_conv(struct bpfx_run_ctx *run, const char *fmt, size_t *ip, uint64_t arg,
			struct prepared *p, struct conv *c)
{
	size_t i = *ip + 1, nf = 0;
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->start = (uint32_t)*ip;
	while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ') {
		if (nf < sizeof(c->flags) - 1)
			c->flags[nf++] = fmt[i];
		i++;
	}
	if (fmt[i] >= '1' && fmt[i] <= '9') {
		while (fmt[i] >= '0' && fmt[i] <= '9') {
			if (c->width < (1 << 20))
				c->width = c->width * 10 + (fmt[i] - '0');
			i++;
		}
	}
	size_t conv_at = i;
	if (fmt[i] == 'p') {
		err = prepare_pointer(run, fmt, &i, arg, p, c);
	} else if (fmt[i] == 's') {
		err = prepare_string(run, fmt, i, 's', arg, p, c);
	} else if (fmt[i] == 'c') {
		if (p->used >= BPRINTF_BIN_ARGS)
			return -ENOSPC;
		p->used++;
		c->kind = CONV_CHAR;
		c->val = (uint8_t)arg;
	} else {
		uint32_t size = 4;
		if (fmt[i] == 'l')
			size = 8, i++;
		if (fmt[i] == 'l')
			size = 8, i++;
		if (fmt[i] != 'i' && fmt[i] != 'd' && fmt[i] != 'u' && fmt[i] != 'x' &&
		    fmt[i] != 'X')
			return -EINVAL;
		c->kind = CONV_INT;
		c->letter = fmt[i];
		c->is64 = size == 8;
		c->val = arg;
		if (!take(p, size, 4))
			return -ENOSPC;
	}
	*ip = i;
	c->end = (uint32_t)i + 1;
	/* bstr_printf skips the letters and digits after any %p form. */
	if (fmt[conv_at] == 'p')
		while (isalnum((unsigned char)fmt[c->end]))
			c->end++;
	return err;
}

/* The checking pass (bpf_bprintf_prepare). */
static int prepare(struct bpfx_run_ctx *run, const char *fmt, size_t len, const uint64_t *args,
		   uint32_t nargs, struct prepared *p)
{
	p->n = 0;
	p->used = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)fmt[i];
		if (!fmt_char_ok(ch))
			return -EINVAL;
		if (ch != '%')
			continue;
		if (fmt[i + 1] == '%') {
			i++;
			continue;
		}
		if (p->n >= nargs)
			return -EINVAL;
		int err = prepare_conv(run, fmt, &i, args[p->n], p, &p->conv[p->n]);
		if (err)
			return err;
		p->n++;
	}
	return 0;
}

struct out {
	char *buf;
	size_t size, len;          /* len: the whole output, even past size */
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct out *o, const char *fmt, ...)
{
	char scratch[1];
	va_list ap;
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_start(ap, fmt);
	int n = vsnprintf(room ? o->buf + o->len : scratch, room ? room : sizeof(scratch), fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* One conversion, printed the way bstr_printf prints it. */
static void format_conv(struct out *o, const struct conv *c, const char *bin)
{
	char f[24];
	const char *l = c->is64 ? "ll" : "";

	switch (c->kind) {
	case CONV_INT:
		snprintf(f, sizeof(f), "%%%s*%s%c", c->flags, l, c->letter);
		if (c->letter == 'd' || c->letter == 'i')
			out_printf(o, f, c->width, c->is64 ? (long long)c->val : (int)(int32_t)c->val);
		else if (c->is64)
			out_printf(o, f, c->width, (unsigned long long)c->val);
		else
			out_printf(o, f, c->width, (unsigned)(uint32_t)c->val);
		return;
	case CONV_PTR:
		/* The kernel prints %p as a 16-digit hash and %px as the raw
		 * value; user space has nothing to hide, so both are the value. */
		if (c->letter == 's')
			snprintf(f, sizeof(f), "0x%llx", (unsigned long long)c->val);
		else
			snprintf(f, sizeof(f), "%016llx", (unsigned long long)c->val);
		out_printf(o, strchr(c->flags, '-') ? "%-*s" : "%*s", c->width, f);
		return;
	case CONV_STR:
		out_printf(o, strchr(c->flags, '-') ? "%-*s" : "%*s", c->width, bin + c->str);
		return;
	case CONV_CHAR:
		out_printf(o, strchr(c->flags, '-') ? "%-*c" : "%*c", c->width, (int)c->val);
		return;
	case CONV_RAW:
		out_printf(o, "%s", bin + c->str);
		return;
	}
}

int bprintf_format(struct bpfx_run_ctx *run, const char *fmt, size_t fmt_size,
		   const uint64_t *args, uint32_t nargs, char *out, size_t out_sz)
{
	struct prepared p;
	const char *end = memchr(fmt, 0, fmt_size);

	if (!end)
		return -EINVAL;
	if (nargs > BPRINTF_MAX_ARGS)
		nargs = BPRINTF_MAX_ARGS;
	int err = prepare(run, fmt, (size_t)(end - fmt), args, nargs, &p);
	if (err)
		return err;

	struct out o = { out, out_sz, 0 };
	size_t at = 0;
	for (uint32_t k = 0; k <= p.n; k++) {
		size_t stop = k < p.n ? p.conv[k].start : (size_t)(end - fmt);
		/* Literal text between conversions; "%%" prints one '%'. */
		for (size_t i = at; i < stop; i++) {
			if (fmt[i] == '%' && fmt[i + 1] == '%')
				i++;
			out_printf(&o, "%c", fmt[i]);
		}
		if (k < p.n) {
			format_conv(&o, &p.conv[k], p.bin);
			at = p.conv[k].end;
		}
	}
	if (out_sz && o.len < out_sz)
		out[o.len] = '\0';
	return (int)(o.len > INT32_MAX ? INT32_MAX : o.len);
}
