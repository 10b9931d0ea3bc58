/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/strbuf.h"

/* Makes room for `extra` more bytes plus the NUL. */
static int sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *nb;

	if (sb->err)
		return sb->err;
	if (extra > (size_t)-1 / 2 - sb->len) {
		sb->err = -ENOMEM;
		return sb->err;
	}
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	nb = mem_realloc(sb->buf, cap);
	if (!nb) {
		sb->err = -ENOMEM;
		return sb->err;
	}
	sb->buf = nb;
	sb->cap = cap;
	return 0;
}

int sb_append(struct strbuf *sb, const char *s, size_t n)
{
	int err = sb_grow(sb, n);

	if (err)
		return err;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sb_puts(struct strbuf *sb, const char *s)
{
	return sb_append(sb, s, strlen(s));
}

int sb_putc(struct strbuf *sb, char c)
{
	return sb_append(sb, &c, 1);
}

int sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	size_t room;
	int n;

	if (sb->err)
		return sb->err;
	/* Try the room there is; grow and retry when it was too small. */
	room = sb->cap > sb->len ? sb->cap - sb->len : 0;
	va_copy(ap2, ap);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= room) {
		int err = sb_grow(sb, (size_t)n);
		if (err)
			return err;
		n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		if (n < 0)
			return -EINVAL;
	}
	sb->len += (size_t)n;
	return 0;
}

int sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = sb_vprintf(sb, fmt, ap);
	va_end(ap);
	return err;
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->err = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	if (!sb)
		return;
	mem_free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->err = 0;
}
