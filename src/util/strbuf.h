/* SPDX-License-Identifier: MIT */
/*
 * A growable, always NUL-terminated char buffer for text the library
 * builds (dumps, listings). Memory comes from the mem_* allocator. Errors
 * are sticky: after a failed growth every later append is a no-op and
 * returns -ENOMEM, so a writer may append many pieces and check `err` (or
 * sb_error()) once at the end. A zeroed struct strbuf is an empty buffer.
 */
#ifndef BPFX_UTIL_STRBUF_H
#define BPFX_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;      /* NULL until the first append; then NUL-terminated */
	size_t len;     /* bytes of text, not counting the NUL */
	size_t cap;     /* bytes allocated */
	int err;        /* 0, or -ENOMEM after a failed growth (sticky) */
};

int sb_append(struct strbuf *sb, const char *s, size_t n);
int sb_puts(struct strbuf *sb, const char *s);
int sb_putc(struct strbuf *sb, char c);
int sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The text so far ("" for an empty buffer); valid until the next append. */
const char *sb_str(const struct strbuf *sb);
static inline int sb_error(const struct strbuf *sb) { return sb->err; }
/* Empties the buffer (keeps its memory, clears the error). */
void sb_reset(struct strbuf *sb);
/* Frees the memory; the buffer is empty and usable again. NULL-safe. */
void sb_free(struct strbuf *sb);

#endif /* BPFX_UTIL_STRBUF_H */
