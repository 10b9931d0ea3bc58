/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tcheck.h"

static unsigned passed, failed, skipped;

bool t_check(bool cond, const char *file, int line, const char *fmt, ...)
{
	if (cond) {
		passed++;
		return true;
	}
	failed++;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return false;
}

void t_skip(const char *fmt, ...)
{
	va_list ap;
	skipped++;
	va_start(ap, fmt);
	fprintf(stderr, "SKIP ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int t_done(const char *suite)
{
	if (skipped)
		printf("%s: %u passed, %u failed, %u skipped\n", suite, passed, failed, skipped);
	else
		printf("%s: %u passed, %u failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}

char *t_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
